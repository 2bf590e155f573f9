// tick-agg's bars: one row per key per bar of a width, aligned to the day
// (agg.cpp drives it over a stream; internal to the library).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "tick/analytics/agg.h"
#include "tick/base/clock.h"
#include "tick/base/error.h"
#include "tick/base/units.h"
#include "tick/stream/reader.h"
#include "tick/stream/writer.h"

namespace tick::agg_detail {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The bar holding t: aligned to t's day (q's xbar on the time of day), the
// day's last bar cut at the day's end when the width does not divide it.
struct Bar {
  int64_t start, end;
};
inline int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
inline Bar bar_of(int64_t t, int64_t width) {
  if (width >= kNsPerDay) {
    int64_t s = floor_div(t, width) * width;
    return {s, s + width};
  }
  int64_t day = floor_div(t, kNsPerDay) * kNsPerDay;
  int64_t s = day + floor_div(t - day, width) * width;
  return {s, std::min(s + width, day + kNsPerDay)};
}

// The stream's own table of the aggregation: resolved in each context.

inline bool numeric(Type t) {
  return t != Type::symbol && t != Type::string && t != Type::char_;
}
inline bool float_kind(Type t) { return t == Type::float_ || t == Type::real; }

// A value of a numeric column, as a double or an integer; false if null.
inline bool read_f(const DataView& v, int col, Type t, uint32_t r, double& d) {
  if (t == Type::float_) d = v.get<double>(col, r);
  else d = v.get<float>(col, r);
  return !std::isnan(d);
}
inline bool read_i(const DataView& v, int col, Type t, uint32_t r, int64_t& i) {
  switch (t) {
    case Type::long_: case Type::timestamp: case Type::timespan: i = v.get<int64_t>(col, r); return i != kNullLong;
    case Type::int_: case Type::date: { int32_t x = v.get<int32_t>(col, r); i = x; return x != kNullInt; }
    case Type::short_: { int16_t x = v.get<int16_t>(col, r); i = x; return x != kNullShort; }
    default: i = v.get<uint8_t>(col, r); return true;
  }
}

// Writes x as column col's type.
inline void put_num(TableBatch& b, int col, Type t, double d, int64_t i) {
  switch (t) {
    case Type::float_: b.set<double>(col, d); break;
    case Type::real: b.set<float>(col, static_cast<float>(d)); break;
    case Type::long_: case Type::timestamp: case Type::timespan: b.set<int64_t>(col, i); break;
    case Type::int_: case Type::date: b.set<int32_t>(col, static_cast<int32_t>(i)); break;
    case Type::short_: b.set<int16_t>(col, static_cast<int16_t>(i)); break;
    default: b.set<uint8_t>(col, static_cast<uint8_t>(i)); break;
  }
}

// ---- bars ----

struct Src {  // an input column the aggregates read
  std::string name;
  int col = -1;
  Type type{};
  bool fl = false;
};
struct Cell {  // one key's aggregates of one column in one bar
  double fd, ld, lo_d, hi_d, sd;
  int64_t fi, li, lo_i, hi_i, si;
  uint64_t nn;
};
// A value into a cell's first, last, least, greatest and sum.
template <class T>
inline void take(T v, uint64_t& n, T& first, T& last, T& lo, T& hi, T& sum) {
  if (n++ == 0) first = lo = hi = v, sum = 0;
  last = v;
  sum += v;
  if (v < lo) lo = v;
  if (v > hi) hi = v;
}
struct Extra {  // one key's bar
  int64_t start = INT64_MIN;
  uint64_t rows = 0;
  double pv = 0, sv = 0;
  bool dirty = false;  // a closed copy corrected, not yet written
};
enum class What { Open, High, Low, Close, Sum, Avg, Min, Max, Vwap, Count };
struct OutCol {
  std::string name;
  What what;
  int src = -1;
  Type type{};
};

class Bars {
 public:
  Bars(const AggOptions& o, AggReport& rep) : o_(o), rep_(rep) {
    std::string price = o.ohlc.empty() ? "price" : o.ohlc, size = o.volume.empty() ? "size" : o.volume;
    auto src = [&](const std::string& n) {
      for (size_t i = 0; i < srcs_.size(); i++)
        if (srcs_[i].name == n) return static_cast<int>(i);
      srcs_.push_back({n});
      return static_cast<int>(srcs_.size() - 1);
    };
    if (!o.ohlc.empty()) {
      int s = src(o.ohlc);
      for (auto [n, w] : {std::pair{"open", What::Open}, {"high", What::High}, {"low", What::Low}, {"close", What::Close}})
        outs_.push_back({n, w, s});
    }
    if (!o.volume.empty()) outs_.push_back({"volume", What::Sum, src(o.volume)});
    if (o.vwap) {
      price_ = src(price);
      size_ = src(size);
      outs_.push_back({"vwap", What::Vwap});
    }
    if (o.count) outs_.push_back({"count", What::Count});
    for (auto [list, w, pre] : {std::tuple{&o.sum, What::Sum, "sum_"}, {&o.avg, What::Avg, "avg_"},
                                {&o.min, What::Min, "min_"}, {&o.max, What::Max, "max_"}})
      for (const auto& c : *list) outs_.push_back({pre + c, w, src(c)});
    if (outs_.empty()) throw UsageError("--bar: name what to compute (--ohlc, --volume, --vwap, --count, --sum ...)");
  }

  // A context's table (checked against the first's): the derived table's schema.
  void bind(const Table& t) {
    time_ = t.time_col;
    if (type_width(t.columns[time_].type) != 8)
      throw UsageError(str("table ", t.name, ": bars need a time column of nanoseconds (timestamp or timespan), not ",
                           type_name(t.columns[time_].type)));
    key_ = t.find(o_.by);
    if (key_ < 0) throw UsageError(str("--by ", o_.by, ": table ", t.name, " has no column ", quoted(o_.by)));
    if (t.columns[key_].type != Type::symbol)
      throw UsageError(str("--by ", o_.by, ": column of table ", t.name, " is ", type_name(t.columns[key_].type),
                           ", not a symbol"));
    for (auto& s : srcs_) {
      s.col = t.find(s.name);
      if (s.col < 0) throw UsageError(str("table ", t.name, " has no column ", quoted(s.name)));
      s.type = t.columns[s.col].type;
      if (!numeric(s.type))
        throw UsageError(str("column ", s.name, " of table ", t.name, " is ", type_name(s.type), ", not a number"));
      s.fl = float_kind(s.type);
    }
    Table d;
    d.name = o_.out_table.empty() ? t.name + "_bars" : o_.out_table;
    d.columns.push_back({"time", t.columns[time_].type});
    d.columns.push_back({"sym", Type::symbol});
    for (auto& c : outs_) {
      switch (c.what) {
        case What::Open: case What::High: case What::Low: case What::Close: case What::Min: case What::Max:
          c.type = srcs_[c.src].type; break;
        case What::Sum: c.type = srcs_[c.src].fl ? Type::float_ : Type::long_; break;
        case What::Avg: case What::Vwap: c.type = Type::float_; break;
        case What::Count: c.type = Type::long_; break;
      }
      d.columns.push_back({c.name, c.type});
    }
    if (std::string e = d.check(); !e.empty()) throw UsageError("the derived table: " + e);
    if (!table_.columns.empty() && !table_.same_columns(d))
      fail("table ", t.name, " changed its columns between streams");
    if (table_.columns.empty()) {
      table_ = std::move(d);
      batch_ = std::make_unique<TableBatch>(table_);
    }
  }
  const Table& table() const { return table_; }
  TableBatch& batch() { return *batch_; }

  // A new context: every id is void (open bars were closed first).
  void reset() {
    slot_of_.clear();
    sym_of_.clear();
    cells_.clear();
    closed_cells_.clear();
    extra_.clear();
    closed_.clear();
    active_.clear();
    dirty_.clear();
    open_ = {INT64_MIN, INT64_MIN};
  }

  void rows(const DataView& v) {
    rep_.rows += v.rows;
    const int64_t* times = reinterpret_cast<const int64_t*>(v.cols[time_]);
    for (uint32_t r = 0; r < v.rows; r++) {
      int64_t t;
      std::memcpy(&t, times + r, 8);
      if (t >= open_.end || t < open_.start) {
        if (t == kNullLong) {  // (in no bar)
          rep_.null_time++;
          continue;
        }
        if (t < closed_upto_ || t < open_.start) {  // its bar was closed
          late(v, r, t);
          continue;
        }
        close();
        open_ = bar_of(t, o_.bar_ns);
      }
      uint32_t s = slot(v.get<uint32_t>(key_, r));
      Extra& e = extra_[s];
      if (e.start != open_.start) {
        e = Extra{};
        e.start = open_.start;
        active_.push_back(s);
        std::fill_n(cells_.data() + (size_t{s} * srcs_.size()), srcs_.size(), Cell{});
      }
      apply(cells_.data() + (size_t{s} * srcs_.size()), e, v, r);
      if (t > hi_) hi_ = t;
    }
  }

  // A day ended (its bars closed): the next day's rows start bars of their
  // own, none of them late against the day before.
  void new_day() {
    closed_upto_ = INT64_MIN;
    for (Extra& e : closed_) e.start = INT64_MIN;
  }

  // Closes the open bars (and writes corrections first).
  void close() {
    corrections();
    for (uint32_t s : active_) {
      emit(s, cells_.data() + (size_t{s} * srcs_.size()), extra_[s]);
      if (o_.late_update) {
        std::copy_n(cells_.data() + (size_t{s} * srcs_.size()), srcs_.size(), closed_cells_.data() + (size_t{s} * srcs_.size()));
        closed_[s] = extra_[s];
      }
    }
    active_.clear();
    if (open_.end > closed_upto_) closed_upto_ = open_.end;
    open_ = {INT64_MIN, INT64_MIN};
  }
  void corrections() {
    for (uint32_t s : dirty_) {
      emit(s, closed_cells_.data() + (size_t{s} * srcs_.size()), closed_[s]);
      closed_[s].dirty = false;
    }
    dirty_.clear();
  }
  bool open() const { return !active_.empty(); }
  bool dirty() const { return !dirty_.empty(); }
  // The open bars' end, and the time of the latest row in them.
  int64_t open_end() const { return open_.end; }
  int64_t latest() const { return hi_; }

 private:
  uint32_t slot(uint32_t sym) {
    if (sym >= slot_of_.size()) slot_of_.resize(size_t{sym} + 1, -1);
    if (slot_of_[sym] < 0) {
      slot_of_[sym] = static_cast<int32_t>(sym_of_.size());
      sym_of_.push_back(sym);
      cells_.resize(cells_.size() + srcs_.size());
      extra_.emplace_back();
      if (o_.late_update) {
        closed_cells_.resize(cells_.size());
        closed_.emplace_back();
      }
    }
    return static_cast<uint32_t>(slot_of_[sym]);
  }

  void apply(Cell* c, Extra& e, const DataView& v, uint32_t r) {
    e.rows++;
    double pd = 0, sd = 0;
    bool pn = false, sn = false;
    for (size_t k = 0; k < srcs_.size(); k++) {
      const Src& s = srcs_[k];
      Cell& x = c[k];
      if (s.fl) {
        double d;
        if (!read_f(v, s.col, s.type, r, d)) continue;
        take(d, x.nn, x.fd, x.ld, x.lo_d, x.hi_d, x.sd);
        if (static_cast<int>(k) == price_) pd = d, pn = true;
        if (static_cast<int>(k) == size_) sd = d, sn = true;
      } else {
        int64_t i;
        if (!read_i(v, s.col, s.type, r, i)) continue;
        take(i, x.nn, x.fi, x.li, x.lo_i, x.hi_i, x.si);
        if (static_cast<int>(k) == price_) pd = static_cast<double>(i), pn = true;
        if (static_cast<int>(k) == size_) sd = static_cast<double>(i), sn = true;
      }
    }
    if (pn && sn) {
      e.pv += pd * sd;
      e.sv += sd;
    }
  }

  void late(const DataView& v, uint32_t r, int64_t t) {
    if (!o_.late_update) {
      rep_.late_dropped++;
      return;
    }
    uint32_t sym = v.get<uint32_t>(key_, r);
    int32_t s = sym < slot_of_.size() ? slot_of_[sym] : -1;
    if (s < 0 || closed_[s].start != bar_of(t, o_.bar_ns).start) {
      rep_.too_late++;
      return;
    }
    apply(closed_cells_.data() + (size_t(s) * srcs_.size()), closed_[s], v, r);
    if (!closed_[s].dirty) {
      closed_[s].dirty = true;
      dirty_.push_back(static_cast<uint32_t>(s));
    }
    rep_.late_updated++;
  }

  void emit(uint32_t s, const Cell* c, const Extra& e) {
    TableBatch& b = *batch_;
    b.begin_row();
    b.set<int64_t>(0, e.start);
    b.set<uint32_t>(1, sym_of_[s]);
    for (size_t k = 0; k < outs_.size(); k++) {
      const OutCol& oc = outs_[k];
      int col = static_cast<int>(k) + 2;
      if (oc.what == What::Count) {
        b.set<int64_t>(col, static_cast<int64_t>(e.rows));
        continue;
      }
      if (oc.what == What::Vwap) {
        b.set<double>(col, e.sv != 0 ? e.pv / e.sv : kNaN);
        continue;
      }
      const Cell& x = c[oc.src];
      const bool fl = srcs_[oc.src].fl;
      if (x.nn == 0 && oc.what != What::Sum) continue;  // null
      switch (oc.what) {
        case What::Open: put_num(b, col, oc.type, x.fd, x.fi); break;
        case What::Close: put_num(b, col, oc.type, x.ld, x.li); break;
        case What::High: case What::Max: put_num(b, col, oc.type, x.hi_d, x.hi_i); break;
        case What::Low: case What::Min: put_num(b, col, oc.type, x.lo_d, x.lo_i); break;
        case What::Sum:
          if (fl) b.set<double>(col, x.nn ? x.sd : 0.0);
          else b.set<int64_t>(col, x.nn ? x.si : 0);
          break;
        case What::Avg:
          b.set<double>(col, fl ? x.sd / static_cast<double>(x.nn) : static_cast<double>(x.si) / static_cast<double>(x.nn));
          break;
        default: break;
      }
    }
    b.end_row();
    rep_.derived++;
  }

  const AggOptions& o_;
  AggReport& rep_;
  std::vector<Src> srcs_;
  std::vector<OutCol> outs_;
  int price_ = -1, size_ = -1, time_ = -1, key_ = -1;
  Table table_;
  std::unique_ptr<TableBatch> batch_;
  std::vector<int32_t> slot_of_;  // input sym id -> slot
  std::vector<uint32_t> sym_of_;  // slot -> input sym id
  std::vector<Cell> cells_, closed_cells_;
  std::vector<Extra> extra_, closed_;
  std::vector<uint32_t> active_, dirty_;
  Bar open_{INT64_MIN, INT64_MIN};
  int64_t hi_ = INT64_MIN;
  int64_t closed_upto_ = INT64_MIN;  // rows before this are late (their bar was closed)
};

}  // namespace tick::agg_detail
