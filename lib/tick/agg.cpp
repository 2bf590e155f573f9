// tick-agg: bars and last-by-key over a stream passed through (agg.h).
#include "tick/agg.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <type_traits>

#include "tick/clock.h"
#include "tick/derive.h"
#include "tick/error.h"
#include "tick/positions.h"
#include "tick/reader.h"
#include "tick/signals.h"
#include "tick/units.h"
#include "tick/writer.h"

namespace tick {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The bar holding t: aligned to t's day (q's xbar on the time of day), the
// day's last bar cut at the day's end when the width does not divide it.
struct Bar {
  int64_t start, end;
};
int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
Bar bar_of(int64_t t, int64_t width) {
  if (width >= kNsPerDay) {
    int64_t s = floor_div(t, width) * width;
    return {s, s + width};
  }
  int64_t day = floor_div(t, kNsPerDay) * kNsPerDay;
  int64_t s = day + floor_div(t - day, width) * width;
  return {s, std::min(s + width, day + kNsPerDay)};
}

// The stream's own table of the aggregation: resolved in each context.
struct Picked {
  uint64_t generation = UINT64_MAX;
  int id = -1;  // the input table's id, -1 not (yet) found
  const Table* t = nullptr;
};

// Finds the table to aggregate among the decoder's: -t's, or trade, or the
// only one. Throws UsageError when it cannot be said.
int pick_table(const Decoder& d, const std::string& asked, const char* tool) {
  const auto& ts = d.tables();
  auto find = [&](const std::string& n) {
    for (size_t i = 0; i < ts.size(); i++)
      if (ts[i].name == n) return static_cast<int>(i);
    return -1;
  };
  if (!asked.empty()) return find(asked);
  if (int i = find("trade"); i >= 0) return i;
  if (ts.size() == 1) return 0;
  std::string names;
  for (const auto& t : ts) names += (names.empty() ? "" : ", ") + t.name;
  throw UsageError(str(tool, ": which table? the stream has ", names, " (name one with -t)"));
}

bool numeric(Type t) {
  return t != Type::symbol && t != Type::string && t != Type::char_;
}
bool float_kind(Type t) { return t == Type::float_ || t == Type::real; }

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
void put_num(TableBatch& b, int col, Type t, double d, int64_t i) {
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
        std::fill_n(&cells_[size_t{s} * srcs_.size()], srcs_.size(), Cell{});
      }
      apply(&cells_[size_t{s} * srcs_.size()], e, v, r);
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
      emit(s, &cells_[size_t{s} * srcs_.size()], extra_[s]);
      if (o_.late_update) {
        std::copy_n(&cells_[size_t{s} * srcs_.size()], srcs_.size(), &closed_cells_[size_t{s} * srcs_.size()]);
        closed_[s] = extra_[s];
      }
    }
    active_.clear();
    if (open_.end > closed_upto_) closed_upto_ = open_.end;
    open_ = {INT64_MIN, INT64_MIN};
  }
  void corrections() {
    for (uint32_t s : dirty_) {
      emit(s, &closed_cells_[size_t{s} * srcs_.size()], closed_[s]);
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
        if (x.nn++ == 0) x.fd = x.lo_d = x.hi_d = d, x.sd = 0;
        x.ld = d;
        x.sd += d;
        if (d < x.lo_d) x.lo_d = d;
        if (d > x.hi_d) x.hi_d = d;
        if (static_cast<int>(k) == price_) pd = d, pn = true;
        if (static_cast<int>(k) == size_) sd = d, sn = true;
      } else {
        int64_t i;
        if (!read_i(v, s.col, s.type, r, i)) continue;
        if (x.nn++ == 0) x.fi = x.lo_i = x.hi_i = i, x.si = 0;
        x.li = i;
        x.si += i;
        if (i < x.lo_i) x.lo_i = i;
        if (i > x.hi_i) x.hi_i = i;
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
    apply(&closed_cells_[size_t(s) * srcs_.size()], closed_[s], v, r);
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

// ---- last by key ----

class Last {
 public:
  Last(const AggOptions& o, AggReport& rep) : o_(o), rep_(rep) {}

  void bind(const Table& t) {
    key_ = t.find(o_.by);
    if (key_ < 0) throw UsageError(str("--by ", o_.by, ": table ", t.name, " has no column ", quoted(o_.by)));
    if (t.columns[key_].type != Type::symbol)
      throw UsageError(str("--by ", o_.by, ": column of table ", t.name, " is not a symbol"));
    Table d = t;
    d.name = o_.out_table.empty() ? t.name + "_last" : o_.out_table;
    if (std::string e = d.check(); !e.empty()) throw UsageError("the derived table: " + e);
    if (!table_.columns.empty() && !table_.same_columns(d)) fail("table ", t.name, " changed its columns between streams");
    if (table_.columns.empty()) {
      table_ = std::move(d);
      batch_ = std::make_unique<TableBatch>(table_);
      stride_ = 0;
      for (const auto& c : table_.columns) {
        offset_.push_back(type_width(c.type) ? stride_ : strings_++);
        stride_ += type_width(c.type);
      }
    }
  }
  const Table& table() const { return table_; }
  TableBatch& batch() { return *batch_; }
  void reset() {
    slot_of_.clear();
    fixed_.clear();
    strs_.clear();
    dirty_.clear();
    is_dirty_.clear();
    order_.clear();
  }

  void rows(const DataView& v) {
    rep_.rows += v.rows;
    const auto& cols = table_.columns;
    for (uint32_t r = 0; r < v.rows; r++) {
      uint32_t sym = v.get<uint32_t>(key_, r);
      if (sym >= slot_of_.size()) slot_of_.resize(size_t{sym} + 1, -1);
      int32_t& s = slot_of_[sym];
      if (s < 0) {
        s = static_cast<int32_t>(is_dirty_.size());
        is_dirty_.push_back(0);
        fixed_.resize(fixed_.size() + stride_);
        strs_.resize(strs_.size() + strings_);
        order_.push_back(static_cast<uint32_t>(s));
      }
      uint8_t* f = fixed_.data() + size_t(s) * stride_;
      for (size_t c = 0; c < cols.size(); c++) {
        int w = type_width(cols[c].type);
        if (w) std::memcpy(f + offset_[c], v.cols[c] + size_t{r} * w, w);
        else strs_[size_t(s) * strings_ + offset_[c]].assign(v.string(static_cast<int>(c), r));
      }
      if (!is_dirty_[s]) {
        is_dirty_[s] = 1;
        dirty_.push_back(static_cast<uint32_t>(s));
      }
    }
  }
  // The keys changed since the last call.
  void changed() {
    for (uint32_t s : dirty_) emit(s);
    dirty_.clear();
  }
  // Every key's last row (the final state).
  void all() {
    for (uint32_t s : order_) emit(s);
    dirty_.clear();
  }
  bool dirty() const { return !dirty_.empty(); }

 private:
  void emit(uint32_t s) {
    is_dirty_[s] = 0;
    TableBatch& b = *batch_;
    b.begin_row();
    const uint8_t* f = fixed_.data() + size_t{s} * stride_;
    for (size_t c = 0; c < table_.columns.size(); c++) {
      if (type_width(table_.columns[c].type)) b.set_bytes(static_cast<int>(c), f + offset_[c]);
      else b.set_string(static_cast<int>(c), strs_[size_t{s} * strings_ + offset_[c]]);
    }
    b.end_row();
    rep_.derived++;
  }
  const AggOptions& o_;
  AggReport& rep_;
  int key_ = -1;
  Table table_;
  std::unique_ptr<TableBatch> batch_;
  std::vector<size_t> offset_;  // per column: its bytes in a fixed row, or its string's index
  size_t stride_ = 0, strings_ = 0;
  std::vector<int32_t> slot_of_;
  std::vector<uint8_t> fixed_, is_dirty_;
  std::vector<std::string> strs_;  // reused: no allocation once warm
  std::vector<uint32_t> dirty_, order_;
};

// The reading loop both share: records passed through (or not), the
// engine given the aggregated table's rows, the derived rows written
// between records, timers run while the input is quiet.
template <class Engine>
class Run {
 public:
  Run(Engine& e, const AggOptions& o, Output& out, std::function<void()> flush)
      : e_(e), o_(o), out_(out), flush_(flush ? std::move(flush) : [&out] { out.flush(); }), ds_(out, o.only) {}

  void input(Input& in) {
    RecordReader rr(in);
    Decoder dec;
    dec_ = &dec;
    in.set_idle_hook([&] { idle(in); });
    Record r;
    while (!stop_requested()) {
      auto st = rr.next(r);
      if (st == RecordReader::Status::End) break;
      if (st == RecordReader::Status::Bad) fail(rr.damage(false).where(in.name()));
      Decoder::Kind k;
      try {
        k = dec.apply(r);
      } catch (const Error& err) {
        fail(in.name(), ":", r.offset, ": ", err.what());
      }
      groups_.apply(r);
      record(r, k, dec);
    }
    in.set_idle_hook(nullptr);
    finish_context();
    dec_ = nullptr;
  }

  // After the last input: -t named a table no input had.
  void end() {
    write_derived(true);
    if (!bound_ && !o_.table.empty() && !seen_tables_.empty()) {
      std::string names;
      for (const auto& n : seen_tables_) names += (names.empty() ? "" : ", ") + n;
      throw UsageError(str("-t ", o_.table, ": the stream has no table ", quoted(o_.table), " (it has ", names, ")"));
    }
  }

 private:
  void record(const Record& r, Decoder::Kind k, const Decoder& d) {
    switch (k) {
      case Decoder::Kind::Header:
        finish_context();
        picked_ = Picked{};
        ds_.pass(r, k, d);
        return;
      case Decoder::Kind::EndOfDay:
        close_all();
        write_derived(true);
        ds_.pass(r, k, d);
        if constexpr (std::is_same_v<Engine, Last>) {
          if (bound_) e_.reset();  // (a new day: the state starts again)
        } else {
          e_.new_day();
        }
        return;
      case Decoder::Kind::Data: {
        ds_.pass(r, k, d);
        const DataView& v = d.data();
        if (picked_.generation != d.generation()) {
          for (const auto& t : d.tables()) seen_tables_.insert(t.name);
          picked_.generation = d.generation();
          picked_.id = pick_table(d, o_.table, "tick-agg");
          if (picked_.id >= 0) {
            e_.bind(d.tables()[picked_.id]);
            bound_ = true;
          } else {
            picked_.generation = UINT64_MAX;  // (asked again at the next record: its schema may come)
          }
        }
        if (picked_.id == v.table_id && v.rows) {
          e_.rows(v);
          seen_ = now_ns();
        }
        if constexpr (std::is_same_v<Engine, Last>) timers(now_ns());
        write_derived(false);
        return;
      }
      case Decoder::Kind::Heartbeat:
        ds_.pass(r, k, d);
        timers(now_ns());
        write_derived(false);
        return;
      default:
        ds_.pass(r, k, d);
    }
  }

  // The end of a context (a new header, the end of an input): what is open
  // is written in it, while its ids hold.
  void finish_context() {
    if (!dec_ || !bound_) return;
    close_all();
    write_derived(true);
    e_.reset();
  }
  void close_all() {
    if constexpr (std::is_same_v<Engine, Bars>) e_.close();
    else e_.all();
  }

  // Derived rows out, unless a positions group is being passed (its data
  // records must follow it unbroken); force: out at once whatever is open.
  void write_derived(bool force) {
    if (!bound_ || e_.batch().empty() || !dec_) return;
    if (groups_.open() && !force) return;
    ds_.emit(e_.table(), e_.batch(), *dec_);
    e_.batch().clear();
  }

  // Bars past their end by --grace on the clock since the latest row came;
  // --last's changed keys once --every has passed.
  void timers(int64_t now) {
    if (!bound_) return;
    if constexpr (std::is_same_v<Engine, Bars>) {
      if (e_.open() && now - seen_ >= e_.open_end() + o_.grace_ns - e_.latest()) e_.close();
    } else {
      if (o_.every_ns > 0 && e_.dirty() && now - emitted_ >= o_.every_ns) {
        e_.changed();
        emitted_ = now;
      }
    }
  }
  // How long the input may stay quiet before a timer is due (ms, -1: no timer).
  int due_ms(int64_t now) const {
    if (!bound_) return -1;
    int64_t at;
    if constexpr (std::is_same_v<Engine, Bars>) {
      if (e_.dirty()) return 0;
      if (!e_.open()) return -1;
      at = seen_ + (e_.open_end() + o_.grace_ns - e_.latest());
    } else {
      if (o_.every_ns <= 0 || !e_.dirty()) return -1;
      at = emitted_ + o_.every_ns;
    }
    int64_t ms = (real_delay(std::max<int64_t>(0, at - now)) + 999'999) / 1'000'000;
    return static_cast<int>(std::min<int64_t>(ms, 60'000));
  }

  // The input has nothing ready: what is made goes out, and the timers run
  // while it stays quiet.
  void idle(Input& in) {
    if constexpr (std::is_same_v<Engine, Bars>) {
      if (bound_) e_.corrections();
    }
    write_derived(false);
    flush_();
    while (!stop_requested()) {
      int ms = due_ms(now_ns());
      if (ms < 0 || in.wait_source(ms)) return;
      timers(now_ns());
      write_derived(false);
      flush_();
    }
  }

  Engine& e_;
  const AggOptions& o_;
  Output& out_;
  std::function<void()> flush_;
  DerivedStream ds_;
  GroupTracker groups_;
  const Decoder* dec_ = nullptr;
  Picked picked_;
  bool bound_ = false;
  std::set<std::string> seen_tables_;
  int64_t seen_ = 0, emitted_ = now_ns();
};

template <class Engine>
void drive(Engine& e, const std::vector<Input*>& inputs, Output& out, const AggOptions& o, std::function<void()> idle) {
  Run<Engine> run(e, o, out, std::move(idle));
  for (Input* in : inputs) run.input(*in);
  run.end();
  out.flush();
}

}  // namespace

AggReport aggregate(const std::vector<Input*>& inputs, Output& out, const AggOptions& o, std::function<void()> idle) {
  AggReport rep;
  if (o.last) {
    Last e(o, rep);
    drive(e, inputs, out, o, idle);
  } else {
    Bars e(o, rep);
    drive(e, inputs, out, o, idle);
  }
  return rep;
}

}  // namespace tick
