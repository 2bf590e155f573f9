#include "tick/journal/maintenance.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstring>
#include <map>

#include "tick/base/clock.h"
#include "tick/base/diag.h"
#include "tick/base/error.h"
#include "tick/base/files.h"
#include "tick/base/progress_bar.h"
#include "tick/journal/files.h"
#include "tick/journal/journal.h"
#include "tick/journal/walk.h"
#include "tick/kdb/journal.h"
#include "tick/stream/reader.h"
#include "tick/stream/writer.h"

namespace tick {

namespace {
// Each problem of a journal reported ("PATH:OFFSET: reason"), counted, and
// handed to region(offset, length); the walk goes on past it.
template <class Region>
Reporter tell_problems(const std::string& path, uint64_t& problems, Region region) {
  return Reporter{true, [&path, &problems, region](const Damage& d) {
                    problems++;
                    region(d.offset, d.skipped);
                    warn(d.where(path));
                  }};
}
}  // namespace

namespace {
// What tick-log info prints of a journal, gathered record by record.
struct Summary {
  struct TableInfo {
    uint64_t records = 0, rows = 0;
  };
  std::map<std::string, TableInfo> tables;
  uint64_t records = 0, data = 0, seq_lo = 0, seq_hi = 0, problems = 0;
  // Times of tables with timestamp [0] and timespan [1] time columns.
  int64_t t_lo[2] = {INT64_MAX, INT64_MAX}, t_hi[2] = {INT64_MIN, INT64_MIN};
  std::vector<std::string> eods;
  uint32_t syms = 0;
  bool null_sym = false;

  void add(const JournalWalk& w);
  void add_data(const DataView& v);
  void print(const std::string& path, const Input& in) const;
};

void Summary::add(const JournalWalk& w) {
  const Decoder& dec = w.context();
  records++;
  switch (w.kind()) {
    case Decoder::Kind::Data:
      add_data(dec.data());
      break;
    case Decoder::Kind::EndOfDay:
      eods.push_back(str(date_string(dec.eod_date()), " (seq ", dec.control_seq(), ")"));
      break;
    case Decoder::Kind::Schema:
    case Decoder::Kind::Header:
      for (const auto& t : dec.tables()) tables[t.name];
      break;
    default:
      break;
  }
  syms = std::max(syms, dec.syms().size());
  // The empty symbol (a null sym) is in most dictionaries; it is not a sym.
  null_sym = syms && dec.syms().find("");
}

void Summary::add_data(const DataView& v) {
  data++;
  auto& ti = tables[v.table->name];
  ti.records++;
  ti.rows += v.rows;
  if (v.seq) {
    if (!seq_lo || v.seq < seq_lo) seq_lo = v.seq;
    seq_hi = std::max(seq_hi, v.seq);
  }
  int span = time_of_day_type(v.table->columns[v.table->time_col].type);
  for (uint32_t i = 0; i < v.rows; i++) {
    int64_t t = v.time(i);
    if (t == kNullLong) continue;
    t_lo[span] = std::min(t_lo[span], t);
    t_hi[span] = std::max(t_hi[span], t);
  }
}

void Summary::print(const std::string& path, const Input& in) const {
  using ull = unsigned long long;
  std::printf("%s\n", path.c_str());
  std::printf("  size      %llu bytes%s\n", static_cast<ull>(in.offset()), in.compressed() ? " (uncompressed)" : "");
  std::printf("  records   %llu (%llu data)\n", static_cast<ull>(records), static_cast<ull>(data));
  if (seq_hi) std::printf("  seq       %llu .. %llu\n", static_cast<ull>(seq_lo), static_cast<ull>(seq_hi));
  for (int span = 0; span < 2; span++) {
    if (t_lo[span] > t_hi[span]) continue;
    char a[40], b[40];
    size_t na = span ? format_timespan(a, t_lo[span]) : format_timestamp(a, t_lo[span]);
    size_t nb = span ? format_timespan(b, t_hi[span]) : format_timestamp(b, t_hi[span]);
    // Tables of both kinds: the timespans are times of day, said apart.
    const char* label = span && t_lo[0] <= t_hi[0] ? "timespan " : "time     ";
    std::printf("  %s %.*s .. %.*s\n", label, static_cast<int>(na), a, static_cast<int>(nb), b);
  }
  std::printf("  syms      %u\n", syms - (null_sym ? 1 : 0));
  for (const auto& [name, ti] : tables)
    std::printf("  table     %-12s %llu rows in %llu records\n", name.c_str(), static_cast<ull>(ti.rows),
                static_cast<ull>(ti.records));
  for (const auto& e : eods) std::printf("  end of day %s\n", e.c_str());
  if (eods.empty()) std::printf("  open      (no end-of-day record)\n");
  if (problems) std::printf("  problems  %llu (see stderr)\n", static_cast<ull>(problems));
  std::fflush(stdout);
}
}  // namespace

namespace {
// A kdb+ journal, mapped whole (read, or written to in place).
struct KdbFile {
  int fd = -1;
  const uint8_t* p = nullptr;
  size_t n = 0;
  explicit KdbFile(const std::string& path, bool write = false) {
    fd = open_or_fail(path, write ? O_RDWR : O_RDONLY);
    struct stat st{};
    if (::fstat(fd, &st) != 0) fail(path, ": ", std::strerror(errno));
    n = static_cast<size_t>(st.st_size);
    if (n) {
      void* m = ::mmap(nullptr, n, PROT_READ, MAP_PRIVATE, fd, 0);
      if (m == MAP_FAILED) fail(path, ": mmap: ", std::strerror(errno));
      p = static_cast<const uint8_t*>(m);
    }
  }
  ~KdbFile() {
    if (p) ::munmap(const_cast<uint8_t*>(p), n);
    ::close(fd);
  }
};

std::string kdb_where(const std::string& path, const kdb::Check& c) {
  return str(path, ": byte ", c.valid_bytes, ": message ", c.messages + 1, ": ", c.why);
}

bool kdb_info(const std::string& path) {
  using ull = unsigned long long;
  KdbFile f(path);
  kdb::Summary s = kdb::summarise_journal(f.p, f.n);
  std::printf("%s\n", path.c_str());
  std::printf("  format    kdb+ tick journal (tick.q's log)\n");
  std::printf("  size      %llu bytes\n", static_cast<ull>(f.n));
  std::printf("  messages  %llu\n", static_cast<ull>(s.check.messages));
  if (s.time_lo <= s.time_hi) {
    char a[40], b[40];
    size_t na = s.instants ? format_timestamp(a, s.time_lo) : format_timespan(a, s.time_lo);
    size_t nb = s.instants ? format_timestamp(b, s.time_hi) : format_timespan(b, s.time_hi);
    std::printf("  time      %.*s .. %.*s\n", static_cast<int>(na), a, static_cast<int>(nb), b);
  }
  std::printf("  syms      %zu\n", s.syms.size() - s.syms.count(""));
  for (const auto& [name, ti] : s.tables)
    std::printf("  table     %-12s %llu rows in %llu messages\n", name.c_str(), static_cast<ull>(ti.rows),
                static_cast<ull>(ti.messages));
  std::fflush(stdout);
  if (!s.check.sound) {
    warn(kdb_where(path, s.check));
    std::printf("  problems  1 (see stderr)\n");
  }
  return s.check.sound;
}

// -11!(-2;L), and q's advice (truncate to the valid length) taken with --repair.
bool kdb_check(const std::string& path, bool repair) {
  using ull = unsigned long long;
  kdb::Check c = check_kdb_journal(path, repair);
  if (c.sound) {
    std::printf("%s: ok, %llu messages\n", path.c_str(), static_cast<ull>(c.messages));
    return true;
  }
  warn(kdb_where(path, c));
  if (!repair) {
    std::printf("%s: %llu valid messages, %llu valid bytes of %llu (q's -11!(-2;L): %llu %llu)\n", path.c_str(),
                static_cast<ull>(c.messages), static_cast<ull>(c.valid_bytes), static_cast<ull>(c.size),
                static_cast<ull>(c.messages), static_cast<ull>(c.valid_bytes));
    return false;
  }
  std::printf("%s: repaired: kept %llu messages, moved %llu bytes to %s.bad; the file is sound\n", path.c_str(),
              static_cast<ull>(c.messages), static_cast<ull>(c.size - c.valid_bytes), path.c_str());
  return true;
}
}  // namespace

kdb::Check check_kdb_journal(const std::string& path, bool repair) {
  kdb::Check c;
  {
    KdbFile f(path);
    c = kdb::check_journal(f.p, f.n);
    if (c.sound || !repair) return c;
    std::string bad = path + ".bad";
    int bad_fd = open_regular(bad, O_WRONLY | O_CREAT | O_APPEND, 0600);
    CloseFd closer{bad_fd};
    write_all(bad_fd, f.p + c.valid_bytes, f.n - c.valid_bytes);
    if (::fsync(bad_fd) != 0) fail(bad, ": fsync: ", std::strerror(errno));
  }
  int fd = open_or_fail(path, O_WRONLY);
  CloseFd closer{fd};
  if (::ftruncate(fd, static_cast<off_t>(c.valid_bytes)) != 0 || ::fsync(fd) != 0)
    fail(path, ": truncate: ", std::strerror(errno));
  return c;
}

bool journal_info(const std::string& path) {
  if (kdb::is_journal_file(path)) return kdb_info(path);
  JournalWalk w(path);
  ProgressBar prog(base_name(path), w.input().size_hint());
  Summary sum;
  const Reporter rep = tell_problems(path, sum.problems, [](uint64_t, uint64_t) {});
  while (w.next(rep)) {
    sum.add(w);
    prog.update(w.input().offset());
  }
  prog.finish();
  sum.print(path, w.input());
  return sum.problems == 0;
}

namespace {
// Whether every record of a journal frames and keeps the rules, said
// nothing about.
bool is_sound(const std::string& path) {
  JournalWalk w(path);
  bool sound = true;
  while (w.next(Reporter{false, [&](const Damage&) { sound = false; }})) {
  }
  return sound;
}
}  // namespace

bool journal_check(const std::string& path, bool repair) {
  if (kdb::is_journal_file(path)) return kdb_check(path, repair);
  JournalWalk w(path);
  Input* in = &w.input();
  ProgressBar prog(base_name(path), in->size_hint());
  std::string tmp = path + ".repair.tmp", bad = path + ".bad";
  std::unique_ptr<Output> good, badout;
  int good_fd = -1, bad_fd = -1;
  if (repair) {
    in->fill(4);  // recognises zstd
    if (in->compressed()) fail(path, ": cannot repair a compressed journal (decompress it first)");
    good_fd = open_regular(tmp, O_WRONLY | O_CREAT | O_TRUNC);
    good = std::make_unique<Output>(good_fd);
  }
  const uint8_t* base = in->data();  // mmap'd: offsets index the whole file
  uint64_t problems = 0, records = 0, bad_bytes = 0;
  auto keep_bad = [&](uint64_t from, uint64_t len) {
    if (!repair || len == 0) return;
    if (bad_fd < 0) {
      bad_fd = open_regular(bad, O_WRONLY | O_CREAT | O_APPEND, 0600);
    }
    write_all(bad_fd, base + from, len);
    bad_bytes += len;
  };
  // A record the rules refuse (its symbols were lost in a corrupt region,
  // say) is set aside with the bad bytes: what a restart would refuse.
  const Reporter rep = tell_problems(path, problems, keep_bad);
  while (w.next(rep)) {
    prog.update(in->offset());
    records++;
    if (good) good->write(w.record().bytes, w.record().size());
  }
  prog.finish();
  if (!repair) {
    if (problems == 0) std::printf("%s: ok, %llu records\n", path.c_str(), static_cast<unsigned long long>(records));
    return problems == 0;
  }
  good->flush();
  if (::fsync(good_fd) != 0) fail(tmp, ": fsync: ", std::strerror(errno));
  ::close(good_fd);
  if (bad_fd >= 0) {
    ::fsync(bad_fd);
    ::close(bad_fd);
  }
  if (problems == 0) {
    ::unlink(tmp.c_str());
    std::printf("%s: ok, %llu records\n", path.c_str(), static_cast<unsigned long long>(records));
    return true;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail(path, ": rename: ", std::strerror(errno));
  fsync_dir(path);
  // Sound afterwards (read again as check and a restart would): exit 0.
  const bool sound = is_sound(path);
  std::printf("%s: repaired: kept %llu records, moved %llu bytes to %s; %s\n", path.c_str(),
              static_cast<unsigned long long>(records), static_cast<unsigned long long>(bad_bytes), bad.c_str(),
              sound ? "the file is sound" : "the file still has problems");
  return sound;
}

namespace {
// Whether the journal's last record is its end of day: a tick-log that
// rolled or stopped cleanly at a day's end wrote it.
bool ends_with_eod(Input& in) {
  constexpr size_t kEod = kHeaderSize + 16;
  if (!in.mapped() || in.avail() < kEod) return false;
  const uint8_t* p = in.data() + in.avail() - kEod;
  RecordHeader h;
  return parse_header(p, h) && h.type == RecordType::EndOfDay && h.length == 16 &&
         record_crc(p, p + kHeaderSize, h.length) == h.crc;
}
}  // namespace

void compress_journal(const std::string& path, int level, bool force) {
  // A tick-log holds the lock of the journal it writes: compressing it
  // would lose every row written after the copy.
  int lock_fd = open_or_fail(path, O_RDONLY);
  CloseFd closer{lock_fd};
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) fail(path, ": a tick-log is writing this journal: not compressed");
    fail(path, ": lock: ", std::strerror(errno));
  }
  auto in = Input::open(path);
  in->fill(4);  // recognises zstd
  if (in->compressed()) fail(path, ": already compressed");
  if (!force && !ends_with_eod(*in)) {
    // No tick-log holds it (the lock above) and its date is past: its
    // tick-log stopped before the roll, and none will write it again.
    int32_t date = journal_date(path);
    if (date == INT32_MIN || date >= day_of(now_ns()))
      fail(path, ": has no end-of-day record (its day is not over, or its tick-log died): not compressed "
                 "(--force to compress it anyway)");
    warn(str(path, ": has no end-of-day record (its tick-log stopped before the roll); its day is over: "
                   "compressed"));
  }
  std::string dst = path + ".zst", tmp = dst + ".tmp";
  int fd = open_regular(tmp, O_WRONLY | O_CREAT | O_TRUNC);
  ZSTD_CCtx* cc = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
  std::vector<uint8_t> out(ZSTD_CStreamOutSize());
  ProgressBar prog(base_name(path), in->size_hint());
  try {
    bool last = false;
    while (!last) {
      size_t n = in->fill(1 << 20);
      size_t take = std::min<size_t>(n, 1 << 20);
      last = in->eof() && take == n;
      ZSTD_inBuffer ib{in->data(), take, 0};
      do {
        ZSTD_outBuffer ob{out.data(), out.size(), 0};
        size_t r = ZSTD_compressStream2(cc, &ob, &ib, last ? ZSTD_e_end : ZSTD_e_continue);
        if (ZSTD_isError(r)) fail(path, ": zstd: ", ZSTD_getErrorName(r));
        write_all(fd, out.data(), ob.pos);
        if (last ? r == 0 : ib.pos == ib.size) break;
      } while (true);
      in->consume(take);
      prog.update(in->offset());
    }
    if (::fsync(fd) != 0) fail(tmp, ": fsync: ", std::strerror(errno));
  } catch (...) {
    ZSTD_freeCCtx(cc);
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ZSTD_freeCCtx(cc);
  ::close(fd);
  prog.finish();
  if (::rename(tmp.c_str(), dst.c_str()) != 0) fail(dst, ": rename: ", std::strerror(errno));
  fsync_dir(dst);
  if (::unlink(path.c_str()) != 0) fail(path, ": unlink: ", std::strerror(errno));
  fsync_dir(path);
}

bool compress_journals(const std::vector<std::string>& paths, int older_than, int level, bool force) {
  const int32_t today = day_of(now_ns());
  bool ok = true;
  for (const auto& p : paths) {
    if (journal_date(p) != INT32_MIN || !is_directory(p)) {
      compress_journal(p, level, force);  // named: refused loudly
      continue;
    }
    for (const auto& f : journal_files(p)) {
      if (!f.ends_with(".tick") || today - journal_date(f) < older_than) continue;
      try {
        compress_journal(f, level, force);
      } catch (const Error& e) {
        warn(e.what());  // the directory's other journals go on
        ok = false;
      }
    }
  }
  return ok;
}

}  // namespace tick
