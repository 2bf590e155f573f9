#include "tick/hdb/read.h"

#include <sys/stat.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>
#include <optional>
#include <tuple>
#include <unordered_set>

#include "tick/base/clock.h"
#include "tick/base/error.h"
#include "tick/base/files.h"
#include "tick/base/signals.h"
#include "tick/hdb/hdb.h"
#include "tick/hdb/kdb_read.h"
#include "tick/kdb/files.h"
#include "tick/stream/format.h"
#include "tick/stream/symbols.h"
#include "tick/stream/writer.h"

namespace tick {

namespace {

constexpr uint64_t kChunkRows = 16384;
constexpr uint64_t kChunkHeap = 32 << 20;

std::vector<int32_t> dates_in(const std::string& hdb, int32_t from, int32_t to) {
  if (!is_directory(hdb)) fail(hdb, ": not a directory");
  std::vector<int32_t> ds;
  const auto all = hdb::partition_dates(hdb);
  if (all.empty()) fail(hdb, ": not an HDB (no YYYY-MM-DD partitions in it, nor q's yyyy.mm.dd)");
  for (int32_t d : all)
    if (d >= from && d <= to) ds.push_back(d);
  if (ds.empty()) {
    if (from == to) fail(hdb, ": no partition ", date_string(from));
    fail(hdb, ": no partitions from ", date_string(from), " to ", date_string(to));
  }
  return ds;
}

// One table of a partition, open for reading row ranges.
struct TableReader {
  hdb::TableMeta meta;
  std::vector<uint64_t> index;
  std::vector<std::unique_ptr<hdb::ColumnFile>> cols, heaps;

  TableReader(const std::string& dir, size_t nsyms) : meta(hdb::read_table_meta(dir)) {
    index = hdb::read_index(dir, nsyms, meta.rows);
    for (const auto& c : meta.table.columns) {
      int w = type_width(c.type);
      std::string p = join_path(dir, c.name);
      cols.push_back(std::make_unique<hdb::ColumnFile>(p, meta.level, w ? meta.rows * w : 8 * (meta.rows + 1)));
      if (w) {
        heaps.emplace_back();
        continue;
      }
      // The heap's size is the offsets' last entry.
      uint64_t size = load64(cols.back()->read(8 * meta.rows, 8 * meta.rows + 8));
      heaps.push_back(std::make_unique<hdb::ColumnFile>(p + "#", meta.level, size));
    }
  }

  // Rows [a, b) as one data record of table id.
  void write(Output& out, uint16_t id, uint64_t a, uint64_t b) {
    const Table& t = meta.table;
    const uint64_t n = b - a;
    size_t len = kDataPrefix;
    std::vector<uint64_t> h0(t.columns.size()), h1(t.columns.size());
    for (size_t c = 0; c < t.columns.size(); c++) {
      int w = type_width(t.columns[c].type);
      if (w) {
        len += pad8(n * w);
        continue;
      }
      const uint8_t* off = cols[c]->read(8 * a, 8 * (b + 1));
      h0[c] = load64(off);
      h1[c] = load64(off + 8 * n);
      len += pad8((n + 1) * 4) + pad8(h1[c] - h0[c]);
    }
    if (len > kMaxPayload) fail(meta.table.name, ": rows ", a, "..", b, " exceed the record size limit");
    uint8_t* rec = out.reserve(kHeaderSize + len);
    uint8_t* q = rec + kHeaderSize;
    uint8_t* p = put_data_prefix(q, static_cast<uint32_t>(n), 0);
    auto pad = [&](size_t used) {
      std::memset(p + used, 0, pad8(used) - used);
      p += pad8(used);
    };
    for (size_t c = 0; c < t.columns.size(); c++) {
      int w = type_width(t.columns[c].type);
      if (w) {
        std::memcpy(p, cols[c]->read(a * w, b * w), n * w);
        pad(n * w);
        continue;
      }
      const uint8_t* off = cols[c]->read(8 * a, 8 * (b + 1));
      for (uint64_t i = 0; i <= n; i++) store32(p + 4 * i, static_cast<uint32_t>(load64(off + 8 * i) - h0[c]));
      pad((n + 1) * 4);
      uint64_t hb = h1[c] - h0[c];
      if (hb) std::memcpy(p, heaps[c]->read(h0[c], h1[c]), hb);
      pad(hb);
    }
    write_header(rec, RecordType::Data, id, q, static_cast<uint32_t>(len));
    out.commit(kHeaderSize + len);
  }

  // The part of rows [a, b) (one sym's, so in time order) inside the
  // filter's time window; all of them when that cannot be told (null times,
  // a time-of-day window over rows of more than one UTC day).
  std::pair<uint64_t, uint64_t> narrow(const Filter& f, uint64_t a, uint64_t b) {
    const int tc = meta.table.time_col;
    const Type tt = meta.table.columns[tc].type;
    const bool timespan = time_of_day_type(tt);
    const size_t tw = static_cast<size_t>(type_width(tt));
    const uint8_t* tv = cols[tc]->read(tw * a, tw * b);
    auto at = [&](uint64_t i) { return time_ns(tt, tv + tw * (i - a)); };
    int64_t first = at(a), last = at(b - 1);
    if (first == kNullLong) return {a, b};
    auto day_of = [](int64_t t) {
      int64_t d = t / kNsPerDay;
      return static_cast<int32_t>(t % kNsPerDay < 0 ? d - 1 : d);
    };
    std::optional<int32_t> day;
    if (!timespan && day_of(first) == day_of(last)) day = day_of(first);
    auto w = f.window(timespan, day);
    if (!w) return {a, b};
    uint64_t lo = a, hi = b;
    {
      uint64_t l = a, r = b;  // first row with time >= w->first
      while (l < r) {
        uint64_t m = l + (r - l) / 2;
        if (at(m) < w->first) l = m + 1;
        else r = m;
      }
      lo = l;
    }
    {
      uint64_t l = lo, r = b;  // first row with time > w->second
      while (l < r) {
        uint64_t m = l + (r - l) / 2;
        if (at(m) <= w->second) l = m + 1;
        else r = m;
      }
      hi = l;
    }
    return {lo, hi};
  }

  // Rows [a, b) in records of a bounded size.
  void write_range(Output& out, uint16_t id, uint64_t a, uint64_t b) {
    while (a < b && !stop_requested()) {
      uint64_t e = std::min(b, a + kChunkRows);
      // Long strings: fewer rows a record.
      for (size_t c = 0; c < meta.table.columns.size(); c++) {
        if (type_width(meta.table.columns[c].type)) continue;
        while (e > a + 1) {
          const uint8_t* o = cols[c]->read(8 * a, 8 * (e + 1));
          if (load64(o + 8 * (e - a)) - load64(o) <= kChunkHeap) break;
          e = a + (e - a) / 2;
        }
      }
      write(out, id, a, e);
      a = e;
    }
  }
};

}  // namespace

std::pair<int32_t, int32_t> parse_date_range(const std::string& s) {
  size_t dots = s.find("..");
  std::string a = dots == std::string::npos ? s : s.substr(0, dots);
  std::string b = dots == std::string::npos ? s : s.substr(dots + 2);
  auto from = parse_date(a), to = parse_date(b);
  if (!from || !to) throw UsageError(str("--date: expected YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD, not '", s, "'"));
  if (*from > *to) throw UsageError(str("--date: ", a, " is after ", b));
  return {*from, *to};
}

void hdb_read(const std::string& hdb, int32_t from, int32_t to, const FilterSpec& f, Output& out) {
  const Filter window(f);
  const bool q = hdb::is_kdb_hdb(hdb);
  const std::vector<std::string> domain = q ? kdb::read_symbol_list(join_path(hdb, "sym")) : std::vector<std::string>{};
  for (int32_t date : dates_in(hdb, from, to)) {
    if (stop_requested()) break;
    std::string part = hdb::partition_path(hdb, date);
    if (q) {
      hdb::kdb_read_partition(part, date, domain, f, out);
      continue;
    }
    hdb::PartitionMeta pm = hdb::read_partition_meta(part);
    std::vector<std::string> names = hdb::read_syms(part);
    write_stream_header(out, date);
    std::vector<std::unique_ptr<TableReader>> tables;
    for (size_t i = 0; i < pm.tables.size(); i++) {
      bool wanted = f.tables.empty() || std::find(f.tables.begin(), f.tables.end(), pm.tables[i]) != f.tables.end();
      std::string td = join_path(part, pm.tables[i]);
      tables.push_back(wanted ? std::make_unique<TableReader>(td, names.size()) : nullptr);
      Table t = wanted ? tables.back()->meta.table : hdb::read_table_meta(td).table;
      write_schema(out, static_cast<uint16_t>(i), t);
    }
    SymbolTable syms;
    for (const auto& n : names) syms.intern(n);
    write_symbols(out, syms, 0);
    // The dictionary is sorted: a sym's id is found by binary search.
    std::vector<uint32_t> ids;
    for (const auto& s : f.syms) {
      auto it = std::lower_bound(names.begin(), names.end(), s);
      if (it != names.end() && *it == s) ids.push_back(static_cast<uint32_t>(it - names.begin()));
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    for (size_t i = 0; i < tables.size(); i++) {
      if (!tables[i]) continue;
      TableReader& t = *tables[i];
      auto id = static_cast<uint16_t>(i);
      if (f.syms.empty() && !window.by_time()) {
        t.write_range(out, id, 0, t.meta.rows);
        continue;
      }
      // Sym by sym: each sym's rows are in time order, so a time window is
      // found by binary search and only its rows are read.
      auto each = [&](uint32_t s) {
        uint64_t a = t.index[s], b = t.index[s + 1];
        if (a < b && window.by_time()) std::tie(a, b) = t.narrow(window, a, b);
        t.write_range(out, id, a, b);
      };
      if (f.syms.empty()) {
        for (uint32_t s = 0; s + 1 < t.index.size(); s++) each(s);
      } else {
        for (uint32_t s : ids) each(s);
      }
    }
    out.flush();
  }
}

void hdb_info(const std::string& hdb, int32_t from, int32_t to, Output& out) {
  auto line = [&](const std::string& s) { out.write(s.data(), s.size()); };
  const bool q = hdb::is_kdb_hdb(hdb);
  const std::vector<std::string> domain = q ? kdb::read_symbol_list(join_path(hdb, "sym")) : std::vector<std::string>{};
  for (int32_t date : dates_in(hdb, from, to)) {
    std::string part = hdb::partition_path(hdb, date);
    if (q) {
      hdb::kdb_partition_info(part, domain, out);
      continue;
    }
    hdb::PartitionMeta pm = hdb::read_partition_meta(part);
    std::vector<std::string> names = hdb::read_syms(part);
    line(str(part, "\n  date ", date_string(pm.date), ", ", pm.tables.size(), " tables, ", names.size(), " syms\n"));
    for (const auto& tn : pm.tables) {
      std::string td = join_path(part, tn);
      TableReader t(td, names.size());
      uint64_t stored = 0, plain = 0;
      for (size_t c = 0; c < t.cols.size(); c++) {
        stored += t.cols[c]->stored() + (t.heaps[c] ? t.heaps[c]->stored() : 0);
        plain += t.cols[c]->size() + (t.heaps[c] ? t.heaps[c]->size() : 0);
      }
      int64_t lo = INT64_MAX, hi = INT64_MIN;
      size_t with_rows = 0;
      const int tc = t.meta.table.time_col;
      // Each sym's rows are in time order: its first and last bound the day.
      for (size_t s = 0; s + 1 < t.index.size(); s++) {
        uint64_t a = t.index[s], b = t.index[s + 1];
        if (a == b) continue;
        with_rows++;
        const Type tt = t.meta.table.columns[tc].type;
        const uint64_t tw = static_cast<uint64_t>(type_width(tt));
        lo = std::min(lo, time_ns(tt, t.cols[tc]->read(tw * a, tw * a + tw)));
        hi = std::max(hi, time_ns(tt, t.cols[tc]->read(tw * (b - 1), tw * b)));
      }
      bool ts = t.meta.table.columns[tc].type == Type::timestamp;
      auto when = [&](int64_t v) {
        if (ts) return timestamp_string(v);
        char b[64];
        return std::string(b, format_timespan(b, v));
      };
      line(str("  ", tn, ": ", t.meta.rows, " rows, ", with_rows, " syms, ", t.meta.table.columns.size(),
               " columns, ", hdb::compress_name(t.meta.level), ", ", stored, " bytes on disk (", plain, " plain)",
               t.meta.rows ? str(", time ", when(lo), " .. ", when(hi)) : std::string(), "\n"));
    }
  }
  out.flush();
}

}  // namespace tick

namespace tick::hdb {

const std::vector<Table>& Catalog::refresh() {
  if (!is_directory(hdb_)) return tables_;
  const auto dates = partition_dates(hdb_);
  bool changed = dates.size() != read_.size();
  std::vector<std::pair<int32_t, std::vector<Table>>> now;
  now.reserve(dates.size());
  size_t j = 0;
  for (int32_t d : dates) {
    while (j < read_.size() && read_[j].first < d) j++, changed = true;  // (a partition removed)
    if (j < read_.size() && read_[j].first == d) {
      now.push_back(std::move(read_[j++]));
      continue;
    }
    changed = true;
    std::vector<Table> ts;
    try {
      const std::string part = partition_path(hdb_, d);
      if (is_kdb_hdb(hdb_)) {
        ts = kdb_partition_tables(part);
      } else {
        for (const auto& name : read_partition_meta(part).tables)
          ts.push_back(read_table_meta(join_path(part, name)).table);
      }
    } catch (const Error&) {
      ts.clear();
    }
    now.emplace_back(d, std::move(ts));
  }
  read_ = std::move(now);
  if (!changed) return tables_;
  tables_.clear();
  for (auto p = read_.rbegin(); p != read_.rend(); ++p)
    for (const auto& t : p->second)
      if (std::none_of(tables_.begin(), tables_.end(), [&](const Table& k) { return k.name == t.name; }))
        tables_.push_back(t);
  return tables_;
}

}  // namespace tick::hdb
