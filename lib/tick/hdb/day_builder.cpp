#include "tick/hdb/day_builder.h"

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

#include "tick/base/clock.h"
#include "tick/base/diag.h"
#include "tick/base/error.h"
#include "tick/base/files.h"
#include "tick/base/progress_bar.h"
#include "tick/base/signals.h"
#include "tick/base/units.h"
#include "tick/hdb/hdb.h"
#include "tick/stream/writer.h"

namespace tick {

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
    if (o_.kdb)
      for (const auto& col : t.columns)
        if (col.type == Type::string)
          fail(where.name, ":", where.offset, ": table ", t.name, ": column ", col.name,
               " is a string; q's layout of string columns (a nested list and its COL# file) is not written: "
               "leave it out (tick-cat -t/-e with a schema without it), or use tick's own format");
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
  const Type tt = t.table.columns[t.table.time_col].type;
  const size_t tw = static_cast<size_t>(type_width(tt));
  for (uint32_t i = 0; i < v.rows; i++) {
    uint32_t e = map[load32(sym + 4 * i)];
    int64_t tm = tw == 8 ? static_cast<int64_t>(load64(tim + 8 * i)) : time_ns(tt, tim + tw * i);
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
          case 16: scatter_fixed<16>(src, grp, n, st, col.fd, col.raw); break;
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
  const Type tt = t.table.columns[t.table.time_col].type;
  const size_t tw = static_cast<size_t>(tc.width);
  std::vector<uint8_t> raw(n * tw);
  pread_all(tc.fd, raw.data(), n * tw, a * tw, tc.raw);
  std::vector<int64_t> times(n);
  for (uint64_t i = 0; i < n; i++) times[i] = time_ns(tt, raw.data() + i * tw);
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

// The partition, step by step: the layout of the sorted day, its column
// files, the second reading (scatter), the runs finished and sorted,
// compression, metadata, and the sync.
void DayBuilder::write(const std::string& dir, int32_t date, const ReadAgain& again) {
  hdr_ = o_.kdb ? 16 : 0;
  plan_layout();
  auto to_compress = open_columns(dir);
  second_reading(again);
  finish_runs();
  if (o_.kdb) {
    write_kdb(dir);
  } else {
    if (o_.level) compress(to_compress);
    write_meta(dir, date);
  }
  if (o_.sync) fsync_partition(dir);
}

// The partition's dictionary in name order, each table's row ranges per
// sym, and the staging buffers sized to a fixed budget.
void DayBuilder::plan_layout() {
  const uint32_t nsyms = all_.size();
  // Sym ids order as names do.
  order_.resize(nsyms);
  std::iota(order_.begin(), order_.end(), 0);
  std::sort(order_.begin(), order_.end(), [&](uint32_t x, uint32_t y) { return all_.name(x) < all_.name(y); });
  rank_.assign(nsyms, 0);
  for (uint32_t i = 0; i < nsyms; i++) rank_[order_[i]] = i;

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

}

// Every column file made and reserved at its final size; the (raw, final)
// paths to compress, if compressing.
std::vector<std::pair<std::string, std::string>> DayBuilder::open_columns(const std::string& dir) {
  const uint32_t nsyms = all_.size();
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
      const uint64_t h = col.width ? hdr_ : 0;
      preallocate(col.fd, h + w * (t.rows + (col.width ? 0 : 1)), col.raw);
      col.stage = next;
      next += nsyms;
      if (o_.level) to_compress.emplace_back(col.raw, col.path);
      for (uint32_t g = 0; g < nsyms; g++) stages_[col.stage + g].begin(h + t.start[g] * w, aligned_);
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

  return to_compress;
}

// The day read again, each value scattered to its place in the sorted
// files; the input lives until every batch is written.
void DayBuilder::second_reading(const ReadAgain& again) {
  auto input = again([this](Decoder::Kind k, const Decoder& d, const Record& r) { scatter(k, d, r.offset); });
  run_batch();
  release_ = nullptr;
  wb_.reset();  // before the files close
}

// The staged runs flushed (each must end where the first reading said), the
// syms that came out of time order sorted, the files closed.
void DayBuilder::finish_runs() {
  const uint32_t nsyms = all_.size();
  for (auto& t : tables_) {
    for (auto& col : t.cols) {
      uint64_t w = col.width ? static_cast<uint64_t>(col.width) : 8;
      const uint64_t h = col.width ? hdr_ : 0;
      for (uint32_t g = 0; g < nsyms; g++) {
        Stage& s = stages_[col.stage + g];
        flush(s, col.fd, col.raw);
        if (s.off != h + t.start[g + 1] * w)
          fail(col.raw, ": the journal changed between the two readings (table ", t.table.name, ", sym ",
               all_.name(order_[g]), ")");
        if (!col.width) flush(stages_[col.heap_stage + g], col.heap_fd, col.heap_raw);
      }
    }
    // (q's .Q.dpft sorts by sym alone: a sym's rows keep their order)
    for (uint32_t e = 0; e < nsyms && !o_.kdb; e++)
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

}

// Compression, a file per job on each core.
void DayBuilder::compress(const std::vector<std::pair<std::string, std::string>>& to_compress) {
  {
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

}

void DayBuilder::write_meta(const std::string& dir, int32_t date) {
  const uint32_t nsyms = all_.size();
  hdb::PartitionMeta pm;
  pm.date = date;
  for (auto& t : tables_) {
    std::string td = join_path(dir, t.table.name);
    write_file(join_path(td, ".index"), t.start.data(), 8 * t.start.size());
    write_file(join_path(td, ".d"), hdb::format_table_meta({t.table, t.rows, o_.level}));
    pm.tables.push_back(t.table.name);
  }
  std::vector<std::string_view> names(nsyms);
  for (uint32_t i = 0; i < nsyms; i++) names[i] = all_.name(order_[i]);
  write_file(join_path(dir, "sym"), hdb::encode_syms(names));
  write_file(join_path(dir, ".d"), hdb::format_partition_meta(pm));
}

void DayBuilder::fsync_partition(const std::string& dir) {
  {
    for (auto& t : tables_) {
      std::string td = join_path(dir, t.table.name);
      for (const auto& n : list_dir(td)) fsync_path(join_path(td, n));
      fsync_path(td);
    }
    if (!o_.kdb) {
      fsync_path(join_path(dir, "sym"));
      fsync_path(join_path(dir, ".d"));
    }
    fsync_path(dir);
  }
}

}  // namespace tick
