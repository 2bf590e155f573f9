#include "tick/eod.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <numeric>
#include <thread>

#include "tick/clock.h"
#include "tick/diag.h"
#include "tick/error.h"
#include "tick/files.h"
#include "tick/hdb.h"
#include "tick/logtools.h"
#include "tick/progress.h"
#include "tick/reader.h"
#include "tick/signals.h"
#include "tick/symbols.h"
#include "tick/units.h"
#include "tick/writer.h"

namespace tick {

namespace {

using RecordFn = std::function<void(Decoder::Kind, const Decoder&, const Record&)>;
// Reads the day a second time, handing each record to f; returns the input,
// which must outlive the records handed on (they may be batched).
using ReadAgain = std::function<std::unique_ptr<Input>(const RecordFn&)>;

// How read_records reads.
struct ReadOptions {
  bool salvage = false;  // skip corrupt regions (counted) instead of refusing the day
  bool quiet = false;    // with salvage: do not report them (the first reading did)
  uint64_t limit = UINT64_MAX;  // stop at the record at this byte
  bool first_reading = false;   // verify CRCs (a second reading trusts the first's)
};

// Reads in to its end, or up to the record at byte o.limit, applying each
// record to a fresh decoder and handing it to f. A corrupt region or a
// record that contradicts the stream is refused ("NAME:OFFSET: reason"),
// or with salvage reported (unless quiet), counted and skipped.
uint64_t read_records(Input& in, const ReadOptions& o, const RecordFn& f) {
  const bool salvage = o.salvage, quiet = o.quiet, first_reading = o.first_reading;
  const uint64_t limit = o.limit;
  Decoder dec;
  uint64_t problems = 0, released = 0;
  auto problem = [&](const Damage& d) {
    std::string where = d.where(in.name());
    if (!salvage) throw Error(where + " (--salvage keeps every valid record)");
    problems++;
    if (!quiet) warn(where);
  };
  const Reporter rep{salvage, problem};
  auto take = [&](const Record& r) {
    Decoder::Kind kind;
    try {
      kind = dec.apply(r);
    } catch (const VersionError& e) {
      throw Error(str(in.name(), ":", r.offset, ": ", e.what()));
    } catch (const Error& e) {
      return problem(Damage{r.offset, e.what()});
    }
    f(kind, dec, r);
    if (first_reading && r.offset - released > (16u << 20)) {
      in.release(r.offset);
      released = r.offset;
    }
  };
  if (first_reading && limit == UINT64_MAX && FramingAhead::suits(in)) {
    // Framing and CRCs on a second thread, a batch ahead of decoding.
    FramingAhead(in, salvage).drain([&](const Record& r) { take(r); return true; }, rep);
    return problems;
  }
  RecordReader rr(in);
  // The second reading of a day: its bytes were verified by the first.
  // (With --salvage the corrupt regions must be found again: checked.)
  rr.set_trusted(!first_reading && !salvage);
  Record r;
  while (rr.read(r, rep)) {
    if (r.offset >= limit) break;
    take(r);
  }
  return problems;
}

bool pid_alive(long pid) { return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM; }

std::string temp_path(const std::string& hdb, const std::string& what) {
  return join_path(hdb, str(".tmp-", what, ".", static_cast<long>(::getpid())));
}

// Removes what runs that died left behind: ".tmp-WHAT.PID" of a PID that
// is gone.
void clean_stale(const std::string& hdb) {
  for (const auto& n : list_dir(hdb)) {
    if (n.rfind(".tmp-", 0) != 0) continue;
    long pid = std::atol(n.c_str() + n.rfind('.') + 1);
    if (pid <= 0 || pid == static_cast<long>(::getpid()) || pid_alive(pid)) continue;
    remove_tree(join_path(hdb, n));
    warn(str("removed ", join_path(hdb, n), ", left by an interrupted run"));
  }
}

// A file's blocks reserved at its final size before the scattered writes
// fill it: the filesystem allocates once, not page by page, and a full disk
// is found before the day is read again, not in the middle of it. A
// filesystem without fallocate just allocates as it is written.
void preallocate(int fd, uint64_t size, const std::string& path) {
  if (size && ::fallocate(fd, 0, 0, static_cast<off_t>(size)) != 0 && errno == ENOSPC)
    fail(path, ": no space left on the device for ", size, " bytes");
}

// The HDB made if it is not there yet (the first day of a new database),
// and cleared of what runs that died left behind.
void open_hdb(const std::string& hdb) {
  if (::access(hdb.c_str(), F_OK) == 0 && !is_directory(hdb)) fail(hdb, ": not a directory");
  make_dirs(hdb);
  clean_stale(hdb);
}

// One tick-eod at a time renames partitions in an HDB.
class HdbLock {
 public:
  explicit HdbLock(const std::string& hdb) {
    std::string p = join_path(hdb, ".lock");
    fd_ = open_or_fail(p, O_RDWR | O_CREAT);
    if (::flock(fd_, LOCK_EX) != 0) {
      int e = errno;
      ::close(fd_);
      fail(p, ": lock: ", std::strerror(e));
    }
  }
  ~HdbLock() { ::close(fd_); }

 private:
  int fd_;
};

// Puts the finished partition tmp in place as hdb/DATE. An existing one is
// kept (false) unless force: then the two are swapped in one rename, so a
// reader sees the old partition or the new one, never neither.
bool commit(const std::string& tmp, const std::string& hdb, int32_t date, bool force) {
  HdbLock lock(hdb);
  std::string fin = hdb::partition_path(hdb, date);
  if (!path_exists(fin)) {
    if (::rename(tmp.c_str(), fin.c_str()) != 0) fail(fin, ": rename: ", std::strerror(errno));
    fsync_dir(fin);
    return true;
  }
  if (!force) {
    remove_tree(tmp);
    return false;
  }
  if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, fin.c_str(), RENAME_EXCHANGE) != 0)
    fail(fin, ": rename: ", std::strerror(errno));
  fsync_dir(fin);
  remove_tree(tmp);  // the old partition, now under the temporary name
  return true;
}

// Where a record came from, for messages (formatted only when one is needed).
struct Where {
  const std::string& name;
  uint64_t offset;
};

// Buffered writes of one sym's run of a column: the run's bytes are
// contiguous in the sorted file, so they go out in a few large pwrites.
struct Stage {
  uint64_t off = 0;  // file offset of buf[0]
  uint32_t len = 0;
  uint32_t skip = 0;  // buf[0, skip) is not this run's (the page before it)
  uint8_t* buf = nullptr;
  // A run starting at file offset `at`: with page-sized buffers, buf[0]
  // sits on a page boundary, so every full buffer ends on one too and the
  // pages it writes are final (written back once).
  void begin(uint64_t at, bool aligned) {
    off = aligned ? at & ~uint64_t{4095} : at;
    len = skip = static_cast<uint32_t>(at - off);
  }
};

// A thread that starts the writeback of a set of files when poked.
class Writeback {
 public:
  explicit Writeback(std::vector<int> fds) : fds_(std::move(fds)), th_([this] { run(); }) {}
  ~Writeback() {
    {
      std::lock_guard<std::mutex> l(m_);
      quit_ = true;
    }
    cv_.notify_all();
    th_.join();
  }
  void poke() {
    {
      std::lock_guard<std::mutex> l(m_);
      poked_ = true;
    }
    cv_.notify_all();
  }

 private:
  void run() {
    std::unique_lock<std::mutex> l(m_);
    while (true) {
      cv_.wait(l, [&] { return poked_ || quit_; });
      if (quit_) return;
      poked_ = false;
      l.unlock();
      for (int fd : fds_) ::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
      l.lock();
    }
  }
  std::vector<int> fds_;
  std::mutex m_;
  std::condition_variable cv_;
  bool poked_ = false, quit_ = false;
  std::thread th_;
};

class DayBuilder {
 public:
  explicit DayBuilder(const EodOptions& o) : o_(o) {}

  // Pass 1: every record of the day, in order.
  void count(Decoder::Kind kind, const Decoder& d, const Where& where);
  uint64_t rows() const {
    uint64_t n = 0;
    for (const auto& t : tables_) n += t.rows;
    return n;
  }
  size_t tables() const { return tables_.size(); }
  uint32_t syms() const { return all_.size(); }
  // Writes the partition into dir (empty); again(f) must read the day
  // again, handing every record to f as pass 1 saw them.
  void write(const std::string& dir, int32_t date, const ReadAgain& again);
  uint64_t bytes_written() const { return bytes_; }
  // Set (from again) when the second reading is of a mapped input: records
  // then stay valid, so they are gathered in batches that two threads
  // scatter, and the batch's pages are released afterwards.
  void set_release(std::function<void(uint64_t)> f) { release_ = std::move(f); }

 private:
  struct Col {
    Type type;
    int width;
    std::string path, raw;  // final file and, when compressed, the plain one
    std::string heap_path, heap_raw;
    int fd = -1, heap_fd = -1;
    std::vector<uint64_t> heap_count;  // pass 1: string bytes by eod sym id
    size_t stage = 0, heap_stage = 0;  // first stage (by rank)
  };
  struct TableState {
    Table table;
    uint64_t rows = 0;
    std::vector<uint64_t> count;  // by eod sym id
    std::vector<int64_t> last_time;
    std::vector<uint8_t> unsorted;
    std::vector<uint64_t> start;  // by rank: first row of each sym, then rows
    std::vector<Col> cols;
    size_t first_col = 0;  // of all tables' columns, for sharing them among threads
  };
  // A data record waiting in the batch: its columns and strings (ptrs) and
  // each row's sym rank (grps).
  struct Job {
    uint32_t table, rows;
    size_t first_ptr, first_group;  // where its column pointers and sym groups start
  };
  // Decoder ids to ours: tables by name; syms to eod ids (pass 1) or ranks
  // (pass 2).
  struct Context {
    ContextFollower follower;
    std::vector<uint32_t> table, sym;
  };
  void map_context(Context& c, const Decoder& d, bool pass1, const Where& where);
  uint32_t table_index(const Table& t, bool pass1, const Where& where);
  void scatter(Decoder::Kind kind, const Decoder& d, uint64_t offset);
  void run_batch();
  void start_writeback();
  void scatter_part(unsigned part, unsigned parts);
  void flush(Stage& s, int fd, const std::string& path) {
    if (s.len > s.skip) pwrite_all(fd, s.buf + s.skip, s.len - s.skip, s.off + s.skip, path);
    s.off += s.len;
    s.len = s.skip = 0;
  }
  void append(Stage& s, const void* p, size_t n, int fd, const std::string& path) {
    if (s.len + n > cap_) {
      flush(s, fd, path);
      if (n > cap_) {
        pwrite_all(fd, p, n, s.off, path);
        s.off += n;
        return;
      }
    }
    std::memcpy(s.buf + s.len, p, n);
    s.len += static_cast<uint32_t>(n);
  }
  template <int W>
  void scatter_fixed(const uint8_t* src, const uint32_t* grp, uint32_t n, Stage* st, int fd, const std::string& path) {
    for (uint32_t i = 0; i < n; i++) {
      Stage& s = st[grp[i]];
      if (s.len + W > cap_) flush(s, fd, path);
      // The run's next lines are fetched ahead: each run's buffer was
      // last touched when it was flushed, long out of the cache.
      __builtin_prefetch(s.buf + s.len + 256, 1);
      std::memcpy(s.buf + s.len, src + size_t{i} * W, W);
      s.len += W;
    }
  }
  void sort_group(TableState& t, uint32_t g);

  const EodOptions& o_;
  SymbolTable all_;
  std::vector<uint32_t> rank_;  // eod sym id -> position in name order
  std::vector<TableState> tables_;
  Context first_, second_;
  std::vector<Stage> stages_;
  std::unique_ptr<uint8_t[]> arena_;
  uint32_t cap_ = 0;
  bool aligned_ = false;
  std::unique_ptr<Writeback> wb_;
  std::vector<Job> jobs_;
  std::vector<const uint8_t*> ptrs_;
  std::vector<uint32_t> grps_;
  uint64_t batch_rows_ = 0;
  std::function<void(uint64_t)> release_;
  uint64_t bytes_ = 0;
};

void DayBuilder::map_context(Context& c, const Decoder& d, bool pass1, const Where& where) {
  c.follower.follow(
      d,
      [&] {
        c.table.clear();
        c.sym.clear();
      },
      [&](size_t, const Table& t) { c.table.push_back(table_index(t, pass1, where)); },
      [&](uint32_t, std::string_view s) {
        if (pass1) return c.sym.push_back(all_.intern(s));
        auto id = all_.find(s);
        if (!id) fail(where.name, ":", where.offset, ": symbol ", quoted(s), " appeared on the second reading");
        c.sym.push_back(rank_[*id]);
      });
  if (pass1) {
    for (auto& t : tables_) {
      if (t.count.size() >= all_.size()) continue;
      t.count.resize(all_.size(), 0);
      t.last_time.resize(all_.size(), INT64_MIN);
      t.unsorted.resize(all_.size(), 0);
      for (auto& col : t.cols)
        if (!col.width) col.heap_count.resize(all_.size(), 0);
    }
  }
}

// Our index of a decoder's table (a new one on the first reading).
uint32_t DayBuilder::table_index(const Table& t, bool pass1, const Where& where) {
  size_t k = 0;
  while (k < tables_.size() && tables_[k].table.name != t.name) k++;
  if (k == tables_.size()) {
    if (!pass1) fail(where.name, ":", where.offset, ": table ", quoted(t.name), " appeared on the second reading");
    TableState ts;
    ts.table = t;
    for (const auto& col : t.columns) {
      Col c;
      c.type = col.type;
      c.width = type_width(col.type);
      ts.cols.push_back(std::move(c));
    }
    tables_.push_back(std::move(ts));
  } else if (!tables_[k].table.same_columns(t)) {
    fail(where.name, ":", where.offset, ": table ", quoted(t.name),
         " is defined again with other columns; one partition holds one shape");
  }
  return static_cast<uint32_t>(k);
}

void DayBuilder::count(Decoder::Kind kind, const Decoder& d, const Where& where) {
  if (kind != Decoder::Kind::Schema && kind != Decoder::Kind::Symbols && kind != Decoder::Kind::Data) return;
  map_context(first_, d, true, where);
  if (kind != Decoder::Kind::Data) return;
  const DataView& v = d.data();
  TableState& t = tables_[first_.table[v.table_id]];
  t.rows += v.rows;
  const uint32_t* map = first_.sym.data();
  const uint8_t* sym = v.cols[t.table.sym_col];
  const uint8_t* tim = v.cols[t.table.time_col];
  for (uint32_t i = 0; i < v.rows; i++) {
    uint32_t e = map[load32(sym + 4 * i)];
    int64_t tm = static_cast<int64_t>(load64(tim + 8 * i));
    t.count[e]++;
    t.unsorted[e] |= tm < t.last_time[e];
    t.last_time[e] = tm;
  }
  for (size_t c = 0; c < t.cols.size(); c++) {
    if (t.cols[c].width) continue;
    auto& hc = t.cols[c].heap_count;
    for (uint32_t i = 0; i < v.rows; i++) hc[map[load32(sym + 4 * i)]] += v.string(static_cast<int>(c), i).size();
  }
}

void DayBuilder::scatter(Decoder::Kind kind, const Decoder& d, uint64_t offset) {
  if (kind != Decoder::Kind::Schema && kind != Decoder::Kind::Symbols && kind != Decoder::Kind::Data) return;
  if (d.generation() != second_.follower.generation()) run_batch();  // the old context's ids are about to go
  static const std::string second = "the second reading";
  map_context(second_, d, false, {second, offset});
  if (kind != Decoder::Kind::Data) return;
  const DataView& v = d.data();
  Job j{second_.table[v.table_id], v.rows, ptrs_.size(), grps_.size()};
  TableState& t = tables_[j.table];
  for (size_t c = 0; c < t.cols.size(); c++) ptrs_.push_back(v.cols[c]);
  for (size_t c = 0; c < t.cols.size(); c++) ptrs_.push_back(t.cols[c].width ? nullptr : v.heap[c]);
  const uint32_t* map = second_.sym.data();
  const uint8_t* sym = v.cols[t.table.sym_col];
  size_t at = grps_.size();
  grps_.resize(at + v.rows);
  for (uint32_t i = 0; i < v.rows; i++) grps_[at + i] = map[load32(sym + 4 * i)];
  jobs_.push_back(j);
  batch_rows_ += v.rows;
  if (!release_ || batch_rows_ >= (256u << 10)) {
    run_batch();
    if (release_) {
      release_(offset);
      if (o_.sync && !o_.level && aligned_) start_writeback();
    }
  }
}

// Starts the disk writing the pages written so far, on a thread of its own
// (submitting them can wait for the disk's queue): they are final, so the
// fsync at the end finds little left to do.
void DayBuilder::start_writeback() {
  if (!wb_) {
    std::vector<int> fds;
    for (auto& t : tables_)
      for (auto& col : t.cols) {
        fds.push_back(col.fd);
        if (col.heap_fd >= 0) fds.push_back(col.heap_fd);
      }
    wb_ = std::make_unique<Writeback>(std::move(fds));
  }
  wb_->poke();
}

void DayBuilder::run_batch() {
  if (jobs_.empty()) return;
  if (!release_ || batch_rows_ < 4096 || std::thread::hardware_concurrency() < 2) {
    scatter_part(0, 1);
  } else {
    // Columns shared between two threads: each writes its own files.
    std::exception_ptr err;
    std::thread other([&] {
      try {
        scatter_part(1, 2);
      } catch (...) {
        err = std::current_exception();
      }
    });
    try {
      scatter_part(0, 2);
    } catch (...) {
      other.join();
      throw;
    }
    other.join();
    if (err) std::rethrow_exception(err);
  }
  jobs_.clear();
  ptrs_.clear();
  grps_.clear();
  batch_rows_ = 0;
}

void DayBuilder::scatter_part(unsigned part, unsigned parts) {
  const uint32_t* map = second_.sym.data();
  // Column by column through the whole batch: one column's runs (a line
  // per sym) stay in the L1 cache, where job by job every column's would
  // compete for it.
  for (size_t ti = 0; ti < tables_.size(); ti++) {
    TableState& t = tables_[ti];
    const size_t nc = t.cols.size();
    std::vector<uint32_t> mine;  // this table's jobs
    for (size_t ji = 0; ji < jobs_.size(); ji++)
      if (jobs_[ji].table == ti) mine.push_back(static_cast<uint32_t>(ji));
    for (size_t c = 0; c < nc; c++) {
      if ((t.first_col + c) % parts != part) continue;
      Col& col = t.cols[c];
      Stage* st = stages_.data() + col.stage;
      for (size_t m = 0; m < mine.size(); m++) {
        const Job& j = jobs_[mine[m]];
        const uint32_t n = j.rows;
        const uint32_t* grp = grps_.data() + j.first_group;
        const uint8_t* src = ptrs_[j.first_ptr + c];
        // The next record's stretch of this column is fetched while this
        // one is scattered (records lie apart: no stream to predict).
        if (m + 1 < mine.size() && col.width) {
          const Job& k = jobs_[mine[m + 1]];
          const uint8_t* p = ptrs_[k.first_ptr + c];
          for (size_t b = 0; b < size_t{k.rows} * col.width; b += 64) __builtin_prefetch(p + b, 0);
        }
        if (col.type == Type::symbol) {
          for (uint32_t i = 0; i < n; i++) {
            Stage& s = st[grp[i]];
            if (s.len + 4 > cap_) flush(s, col.fd, col.raw);
            __builtin_prefetch(s.buf + s.len + 256, 1);
            store32(s.buf + s.len, map[load32(src + 4 * i)]);
            s.len += 4;
          }
          continue;
        }
        switch (col.width) {
          case 8: scatter_fixed<8>(src, grp, n, st, col.fd, col.raw); break;
          case 4: scatter_fixed<4>(src, grp, n, st, col.fd, col.raw); break;
          case 2: scatter_fixed<2>(src, grp, n, st, col.fd, col.raw); break;
          case 1: scatter_fixed<1>(src, grp, n, st, col.fd, col.raw); break;
          default: {
            Stage* hs = stages_.data() + col.heap_stage;
            const uint8_t* heap = ptrs_[j.first_ptr + nc + c];
            for (uint32_t i = 0; i < n; i++) {
              uint32_t a = load32(src + 4 * i), b = load32(src + 4 * (i + 1));
              Stage& h = hs[grp[i]];
              uint64_t pos = h.off + h.len;
              append(st[grp[i]], &pos, 8, col.fd, col.raw);
              append(h, heap + a, b - a, col.heap_fd, col.heap_raw);
            }
          }
        }
      }
    }
  }
}

// Rows of one sym that arrived out of time order: sorted (stably) in place.
// Memory here is this sym's rows, the only place it grows with the data.
void DayBuilder::sort_group(TableState& t, uint32_t g) {
  const uint64_t a = t.start[g], b = t.start[g + 1], n = b - a;
  Col& tc = t.cols[t.table.time_col];
  std::vector<int64_t> times(n);
  pread_all(tc.fd, times.data(), 8 * n, 8 * a, tc.raw);
  std::vector<uint32_t> perm(n);
  std::iota(perm.begin(), perm.end(), 0);
  std::stable_sort(perm.begin(), perm.end(), [&](uint32_t x, uint32_t y) { return times[x] < times[y]; });
  std::vector<uint8_t> in, out;
  for (Col& col : t.cols) {
    if (col.width) {
      size_t w = static_cast<size_t>(col.width);
      in.resize(n * w);
      out.resize(n * w);
      pread_all(col.fd, in.data(), n * w, a * w, col.raw);
      for (uint64_t i = 0; i < n; i++) std::memcpy(out.data() + i * w, in.data() + perm[i] * w, w);
      pwrite_all(col.fd, out.data(), n * w, a * w, col.raw);
      continue;
    }
    std::vector<uint64_t> off(n + 1), noff(n);
    pread_all(col.fd, off.data(), 8 * (n + 1), 8 * a, col.raw);
    uint64_t h0 = off[0], hn = off[n] - h0;
    in.resize(hn);
    out.resize(hn);
    pread_all(col.heap_fd, in.data(), hn, h0, col.heap_raw);
    uint64_t at = 0;
    for (uint64_t i = 0; i < n; i++) {
      uint64_t s = off[perm[i]] - h0, len = off[perm[i] + 1] - off[perm[i]];
      noff[i] = h0 + at;
      std::memcpy(out.data() + at, in.data() + s, len);
      at += len;
    }
    pwrite_all(col.fd, noff.data(), 8 * n, 8 * a, col.raw);
    pwrite_all(col.heap_fd, out.data(), hn, h0, col.heap_raw);
  }
}

void DayBuilder::write(const std::string& dir, int32_t date, const ReadAgain& again) {
  // The partition's dictionary in name order: sym ids order as names do.
  const uint32_t nsyms = all_.size();
  std::vector<uint32_t> order(nsyms);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) { return all_.name(x) < all_.name(y); });
  rank_.assign(nsyms, 0);
  for (uint32_t i = 0; i < nsyms; i++) rank_[order[i]] = i;

  size_t nstages = 0, ncols = 0;
  for (auto& t : tables_) {
    t.first_col = ncols;
    ncols += t.cols.size();
    t.count.resize(nsyms, 0);
    t.unsorted.resize(nsyms, 0);
    t.start.assign(nsyms + 1, 0);
    for (uint32_t e = 0; e < nsyms; e++) t.start[rank_[e] + 1] = t.count[e];
    for (uint32_t g = 0; g < nsyms; g++) t.start[g + 1] += t.start[g];
    for (auto& c : t.cols) nstages += c.width ? 1 : 2;
  }
  nstages *= nsyms;
  // Staging: a fixed budget shared by every (column, sym) run.
  uint64_t cap = nstages ? o_.buffer_budget / nstages : 0;
  cap = std::clamp<uint64_t>(cap & ~uint64_t{7}, 64, 1 << 20);
  aligned_ = cap >= 4096;
  if (aligned_) cap &= ~uint64_t{4095};
  cap_ = static_cast<uint32_t>(cap);
  arena_.reset(new uint8_t[std::max<size_t>(1, nstages * cap_)]);
  stages_.assign(nstages, Stage{});
  for (size_t i = 0; i < nstages; i++) stages_[i].buf = arena_.get() + i * cap_;

  size_t next = 0;
  std::vector<std::pair<std::string, std::string>> to_compress;
  for (auto& t : tables_) {
    std::string td = join_path(dir, t.table.name);
    make_dir(td);
    for (size_t c = 0; c < t.cols.size(); c++) {
      Col& col = t.cols[c];
      const std::string& name = t.table.columns[c].name;
      col.path = join_path(td, name);
      col.raw = o_.level ? col.path + ".raw" : col.path;
      col.fd = open_or_fail(col.raw, O_RDWR | O_CREAT | O_TRUNC);
      uint64_t w = col.width ? static_cast<uint64_t>(col.width) : 8;
      preallocate(col.fd, w * (t.rows + (col.width ? 0 : 1)), col.raw);
      col.stage = next;
      next += nsyms;
      if (o_.level) to_compress.emplace_back(col.raw, col.path);
      for (uint32_t g = 0; g < nsyms; g++) stages_[col.stage + g].begin(t.start[g] * w, aligned_);
      if (col.width) continue;
      col.heap_path = col.path + "#";
      col.heap_raw = o_.level ? col.heap_path + ".raw" : col.heap_path;
      col.heap_fd = open_or_fail(col.heap_raw, O_RDWR | O_CREAT | O_TRUNC);
      col.heap_stage = next;
      next += nsyms;
      if (o_.level) to_compress.emplace_back(col.heap_raw, col.heap_path);
      std::vector<uint64_t> hstart(nsyms + 1, 0);
      for (uint32_t e = 0; e < nsyms; e++) hstart[rank_[e] + 1] = col.heap_count[e];
      for (uint32_t g = 0; g < nsyms; g++) hstart[g + 1] += hstart[g];
      for (uint32_t g = 0; g < nsyms; g++) stages_[col.heap_stage + g].begin(hstart[g], aligned_);
      preallocate(col.heap_fd, hstart[nsyms], col.heap_raw);
      // The offsets file holds rows + 1 entries: the last is the heap's size.
      pwrite_all(col.fd, &hstart[nsyms], 8, 8 * t.rows, col.raw);
    }
  }

  {
    auto input = again([this](Decoder::Kind k, const Decoder& d, const Record& r) { scatter(k, d, r.offset); });
    run_batch();
    release_ = nullptr;
    wb_.reset();  // before the files close
  }

  for (auto& t : tables_) {
    for (auto& col : t.cols) {
      uint64_t w = col.width ? static_cast<uint64_t>(col.width) : 8;
      for (uint32_t g = 0; g < nsyms; g++) {
        Stage& s = stages_[col.stage + g];
        flush(s, col.fd, col.raw);
        if (s.off != t.start[g + 1] * w)
          fail(col.raw, ": the journal changed between the two readings (table ", t.table.name, ", sym ",
               all_.name(order[g]), ")");
        if (!col.width) flush(stages_[col.heap_stage + g], col.heap_fd, col.heap_raw);
      }
    }
    for (uint32_t e = 0; e < nsyms; e++)
      if (t.unsorted[e]) sort_group(t, rank_[e]);
    for (auto& col : t.cols) {
      ::close(col.fd);
      col.fd = -1;
      if (col.heap_fd >= 0) ::close(col.heap_fd);
      col.heap_fd = -1;
    }
  }
  stages_.clear();
  arena_.reset();

  // Compression, a file per job on each core.
  if (o_.level) {
    std::atomic<size_t> job{0};
    std::atomic<uint64_t> bytes{0};
    std::vector<std::string> errors(to_compress.size());
    auto work = [&] {
      for (size_t j; (j = job++) < to_compress.size();) {
        try {
          bytes += hdb::compress_column(to_compress[j].first, to_compress[j].second, o_.level);
          if (::unlink(to_compress[j].first.c_str()) != 0) fail(to_compress[j].first, ": ", std::strerror(errno));
        } catch (const std::exception& e) {
          errors[j] = e.what();
        }
      }
    };
    unsigned n = std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
    std::vector<std::thread> threads;
    for (unsigned i = 1; i < n && i < to_compress.size(); i++) threads.emplace_back(work);
    work();
    for (auto& th : threads) th.join();
    for (const auto& e : errors)
      if (!e.empty()) throw Error(e);
    bytes_ = bytes;
  }

  hdb::PartitionMeta pm;
  pm.date = date;
  for (auto& t : tables_) {
    std::string td = join_path(dir, t.table.name);
    write_file(join_path(td, ".index"), t.start.data(), 8 * t.start.size());
    write_file(join_path(td, ".d"), hdb::format_table_meta({t.table, t.rows, o_.level}));
    pm.tables.push_back(t.table.name);
  }
  std::vector<std::string_view> names(nsyms);
  for (uint32_t i = 0; i < nsyms; i++) names[i] = all_.name(order[i]);
  write_file(join_path(dir, "sym"), hdb::encode_syms(names));
  write_file(join_path(dir, ".d"), hdb::format_partition_meta(pm));
  if (o_.sync) {
    for (auto& t : tables_) {
      std::string td = join_path(dir, t.table.name);
      for (const auto& n : list_dir(td)) fsync_path(join_path(td, n));
      fsync_path(td);
    }
    fsync_path(join_path(dir, "sym"));
    fsync_path(join_path(dir, ".d"));
    fsync_path(dir);
  }
}

// Builds the partition of date from a day read by again(), and puts it in
// place; false if an existing one was kept.
bool build(DayBuilder& b, int32_t date, const EodOptions& o, const ReadAgain& again,
           EodReport& report, bool partial_day = false) {
  std::string fin = hdb::partition_path(o.hdb, date);
  // A partial partition (written from an unfinished day) never blocks the
  // real one.
  const bool was_partial = path_exists(join_path(fin, kPartialMarker));
  const bool replace = o.force || was_partial;
  if (path_exists(fin) && !replace) {
    warn(str(fin, " exists: kept (--force replaces it)"));
    report.kept++;
    return false;
  }
  int64_t t0 = now_ns();
  std::string tmp = temp_path(o.hdb, date_string(date));
  remove_tree(tmp);
  make_dir(tmp);
  try {
    b.write(tmp, date, again);
    if (partial_day) write_file(join_path(tmp, kPartialMarker), "the input ended before this day's end-of-day record\n");
    if (!commit(tmp, o.hdb, date, replace)) {
      warn(str(fin, " appeared meanwhile: kept (--force replaces it)"));
      report.kept++;
      return false;
    }
  } catch (...) {
    try {
      remove_tree(tmp);
    } catch (...) {
    }
    throw;
  }
  report.written++;
  report.rows += b.rows();
  warn(str(fin, ": ", partial_day ? "partial (no end of day yet), " : "", b.rows(), " rows, ", b.tables(),
           " tables, ", b.syms(), " syms, ",
           o.level ? size_text(b.bytes_written()) + " of " + hdb::compress_name(o.level) + " columns" : "plain columns",
           ", in ", seconds_text(now_ns() - t0), was_partial && !partial_day ? "; replaced the partial partition" : ""));
  return true;
}

}  // namespace

void eod_journal(const std::string& path, const EodOptions& o, EodReport& report) {
  open_hdb(o.hdb);
  auto in = Input::open(path);
  uint64_t size = in->size_hint();
  Progress prog(base_name(path), 2 * size);
  DayBuilder b(o);
  int32_t date = kNoDate;
  uint64_t end = 0;
  ReadOptions first{.salvage = o.salvage, .first_reading = true};
  report.problems += read_records(*in, first, [&](Decoder::Kind k, const Decoder& d, const Record& r) {
    const uint64_t off = r.offset;
    if (k == Decoder::Kind::Header && d.stream_date() != kNoDate) {
      if (date == kNoDate) date = d.stream_date();
      else if (d.stream_date() != date)
        fail(path, ":", off, ": a second day (", date_string(d.stream_date()), ") in the journal of ",
             date_string(date), "; give tick-eod this on standard input to write a partition per day");
    }
    b.count(k, d, {path, off});
    end = off + r.size();  // (the input itself may be read ahead)
    prog.update(end);
  });
  in.reset();
  if (date == kNoDate) date = journal_date(path);
  if (date == kNoDate) fail(path, ": no date in the journal's header or name");
  build(b, date, o, [&](const RecordFn& f) {
    auto again = Input::open(path);
    if (again->mapped()) b.set_release([&](uint64_t off) { again->release(off); });
    read_records(*again, {.salvage = o.salvage, .quiet = true, .limit = end}, [&](Decoder::Kind k, const Decoder& d, const Record& r) {
      f(k, d, r);
      prog.update(size + again->offset());
    });
    prog.finish();  // before compression and the summary line
    return again;
  }, report);
  prog.finish();
}

void eod_stream(Input& in, const EodOptions& o, EodReport& report) {
  open_hdb(o.hdb);
  const std::string spool = temp_path(o.hdb, "spool");
  struct Cleanup {
    const std::string& p;
    ~Cleanup() { ::unlink(p.c_str()); }
  } cleanup{spool};
  std::unique_ptr<Output> out;
  std::unique_ptr<DayBuilder> day;
  int32_t stream_date = kNoDate;
  // A new day's spool starts with the stream's context, so it decodes alone.
  auto begin_day = [&](const Decoder* dec) {
    out = std::make_unique<Output>(open_or_fail(spool, O_WRONLY | O_CREAT | O_TRUNC));
    day = std::make_unique<DayBuilder>(o);
    if (!dec || !dec->started()) return;
    write_context(*out, *dec);
  };
  auto end_day = [&](int32_t date, bool partial_day) {
    out->flush();
    ::close(out->fd());
    out.reset();
    build(*day, date, o, [&](const RecordFn& f) {
      auto again = Input::open(spool);
      if (again->mapped()) day->set_release([&](uint64_t off) { again->release(off); });
      read_records(*again, {.quiet = true}, f);
      return again;
    }, report, partial_day);
  };
  begin_day(nullptr);
  report.problems += read_records(in, {.salvage = o.salvage, .first_reading = true}, [&](Decoder::Kind kind, const Decoder& dec, const Record& r) {
    stream_date = dec.stream_date();
    switch (kind) {
      case Decoder::Kind::Header:
      case Decoder::Kind::Schema:
      case Decoder::Kind::Symbols:
      case Decoder::Kind::Data:
        out->write(r.bytes, r.size());
        day->count(kind, dec, {in.name(), r.offset});
        break;
      case Decoder::Kind::EndOfDay:
        end_day(dec.eod_date(), false);
        begin_day(&dec);
        break;
      default:
        break;  // heartbeats and protocol messages are not history
    }
  });
  if (day->rows() == 0) return;
  if (stop_requested()) {
    warn(str("stopped: the ", day->rows(), " rows of the unfinished day were not written"));
    return;
  }
  if (stream_date == kNoDate)
    fail(in.name(), ": the input ended with ", day->rows(),
         " rows of a day with no date (no end-of-day record, no dated header); not written");
  if (!o.partial) {
    // Not a finished day: half a day in the HDB would be taken for the day.
    warn(str("the input ended before the end of day ", date_string(stream_date), ": its ", day->rows(),
             " rows were not written (--partial writes them, marked partial)"));
    report.unfinished = day->rows();
    return;
  }
  end_day(stream_date, true);
}

}  // namespace tick
