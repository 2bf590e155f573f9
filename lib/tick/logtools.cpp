#include "tick/logtools.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstring>
#include <map>

#include "tick/clock.h"
#include "tick/diag.h"
#include "tick/error.h"
#include "tick/files.h"
#include "tick/journal.h"
#include "tick/journal_files.h"
#include "tick/progress.h"
#include "tick/reader.h"
#include "tick/writer.h"

namespace tick {

namespace {
// The next sound record of a journal; each corrupt region before it is
// reported ("PATH:OFFSET: reason (skipped N bytes ...)"), counted, and
// handed to region(offset, length). False at the end.
template <class Region>
bool next_sound(const std::string& path, RecordReader& rr, Record& r, uint64_t& problems, Region region) {
  return rr.read(r, Reporter{true, [&](const Damage& d) {
                               problems++;
                               region(d.offset, d.skipped);
                               warn(d.where(path));
                             }});
}

}  // namespace

bool journal_info(const std::string& path) {
  auto in = Input::open(path);
  RecordReader rr(*in);
  Decoder dec;
  Record r;
  Progress prog(base_name(path), in->size_hint());
  struct TableInfo {
    uint64_t records = 0, rows = 0;
  };
  std::map<std::string, TableInfo> tables;
  uint64_t records = 0, data = 0, seq_lo = 0, seq_hi = 0, problems = 0;
  // Times of tables with timestamp [0] and timespan [1] time columns.
  int64_t t_lo[2] = {INT64_MAX, INT64_MAX}, t_hi[2] = {INT64_MIN, INT64_MIN};
  std::vector<std::string> eods;
  uint32_t syms = 0;
  while (next_sound(path, rr, r, problems, [](uint64_t, uint64_t) {})) {
    records++;
    prog.update(in->offset());
    try {
      auto k = dec.apply(r);
      if (k == Decoder::Kind::Data) {
        const DataView& v = dec.data();
        data++;
        auto& ti = tables[v.table->name];
        ti.records++;
        ti.rows += v.rows;
        if (v.seq) {
          if (!seq_lo || v.seq < seq_lo) seq_lo = v.seq;
          seq_hi = std::max(seq_hi, v.seq);
        }
        int span = v.table->columns[v.table->time_col].type == Type::timespan;
        for (uint32_t i = 0; i < v.rows; i++) {
          int64_t t = v.time(i);
          if (t == kNullLong) continue;
          t_lo[span] = std::min(t_lo[span], t);
          t_hi[span] = std::max(t_hi[span], t);
        }
      } else if (k == Decoder::Kind::EndOfDay) {
        eods.push_back(str(date_string(dec.eod_date()), " (seq ", dec.control_seq(), ")"));
      } else if (k == Decoder::Kind::Schema || k == Decoder::Kind::Header) {
        for (const auto& t : dec.tables()) tables[t.name];
      }
      syms = std::max(syms, dec.syms().size());
    } catch (const Error& e) {
      problems++;
      warn(str(path, ":", r.offset, ": ", e.what()));
    }
  }
  prog.finish();
  std::printf("%s\n", path.c_str());
  std::printf("  size      %llu bytes%s\n", static_cast<unsigned long long>(in->offset()),
              in->compressed() ? " (uncompressed)" : "");
  std::printf("  records   %llu (%llu data)\n", static_cast<unsigned long long>(records),
              static_cast<unsigned long long>(data));
  if (seq_hi) std::printf("  seq       %llu .. %llu\n", static_cast<unsigned long long>(seq_lo),
                          static_cast<unsigned long long>(seq_hi));
  for (int span = 0; span < 2; span++) {
    if (t_lo[span] > t_hi[span]) continue;
    char a[40], b[40];
    size_t na = span ? format_timespan(a, t_lo[span]) : format_timestamp(a, t_lo[span]);
    size_t nb = span ? format_timespan(b, t_hi[span]) : format_timestamp(b, t_hi[span]);
    // Tables of both kinds: the timespans are times of day, said apart.
    const char* label = span && t_lo[0] <= t_hi[0] ? "timespan " : "time     ";
    std::printf("  %s %.*s .. %.*s\n", label, static_cast<int>(na), a, static_cast<int>(nb), b);
  }
  // The empty symbol (a null sym) is in most dictionaries; it is not a sym.
  std::printf("  syms      %u\n", syms - (syms && dec.syms().find("") ? 1 : 0));
  for (const auto& [name, ti] : tables)
    std::printf("  table     %-12s %llu rows in %llu records\n", name.c_str(),
                static_cast<unsigned long long>(ti.rows), static_cast<unsigned long long>(ti.records));
  for (const auto& e : eods) std::printf("  end of day %s\n", e.c_str());
  if (eods.empty()) std::printf("  open      (no end-of-day record)\n");
  if (problems) std::printf("  problems  %llu (see stderr)\n", static_cast<unsigned long long>(problems));
  std::fflush(stdout);
  return problems == 0;
}

namespace {
// Whether every record of a journal frames, checks and fits its context
// and bookkeeping, said nothing about.
bool is_sound(const std::string& path) {
  auto in = Input::open(path);
  RecordReader rr(*in);
  Decoder dec;
  SlotLedger ledger;
  Record r;
  try {
    while (true) {
      auto st = rr.next(r);
      if (st == RecordReader::Status::End) return true;
      if (st == RecordReader::Status::Bad) return false;
      dec.apply(r);
      ledger.apply(r);
    }
  } catch (const Error&) {
    return false;
  }
}
}  // namespace

bool journal_check(const std::string& path, bool repair) {
  auto in = Input::open(path);
  RecordReader rr(*in);
  Decoder dec;
  Record r;
  Progress prog(base_name(path), in->size_hint());
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
  SlotLedger ledger;  // what a restart of tick-log on this journal would refuse
  while (next_sound(path, rr, r, problems, keep_bad)) {
    prog.update(in->offset());
    try {
      dec.apply(r);
      ledger.apply(r);
      records++;
      if (good) good->write(r.bytes, r.size());
    } catch (const Error& e) {
      // A sound record the context cannot take (its symbols were lost in a
      // corrupt region, say) is set aside with the bad bytes.
      problems++;
      warn(str(path, ":", r.offset, ": ", e.what()));
      keep_bad(r.offset, r.size());
    }
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
  Progress prog(base_name(path), in->size_hint());
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
