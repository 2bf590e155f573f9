// A day of the tick stream into an HDB partition, sorted by sym then time,
// in memory that does not grow with the day (see eod.h for the two
// readings, and tick-hdb.5 for what is written).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tick/base/files.h"
#include "tick/base/io.h"
#include "tick/hdb/eod.h"
#include "tick/hdb/staging.h"
#include "tick/stream/reader.h"
#include "tick/stream/schema.h"
#include "tick/stream/symbols.h"

namespace tick {

using RecordFn = std::function<void(Decoder::Kind, const Decoder&, const Record&)>;
// Reads the day a second time, handing each record to f; returns the input,
// which must outlive the records handed on (they may be batched).
using ReadAgain = std::function<std::unique_ptr<Input>(const RecordFn&)>;

// Where a record came from, for messages (formatted only when one is needed).
struct Where {
  const std::string& name;
  uint64_t offset;
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
  // The steps of write().
  void plan_layout();
  std::vector<std::pair<std::string, std::string>> open_columns(const std::string& dir);
  void second_reading(const ReadAgain& again);
  void finish_runs();
  void compress(const std::vector<std::pair<std::string, std::string>>& to_compress);
  void write_meta(const std::string& dir, int32_t date);
  void write_kdb(const std::string& dir);
  std::vector<int64_t> enumerate_syms(const std::vector<uint8_t>& used);
  std::vector<uint8_t> used_syms();
  void fsync_partition(const std::string& dir);
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
  std::vector<uint32_t> order_;  // partition sym index -> our sym id (names in order)
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
  // Bytes before a fixed-width column's values (q's 16-byte header).
  uint64_t hdr_ = 0;
};

}  // namespace tick
