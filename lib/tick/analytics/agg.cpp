// tick-agg: bars and last-by-key over a stream passed through (agg.h).
#include "tick/analytics/agg.h"
#include "tick/analytics/agg_bars.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <type_traits>

#include "tick/analytics/derive.h"
#include "tick/base/clock.h"
#include "tick/base/error.h"
#include "tick/base/signals.h"
#include "tick/base/units.h"
#include "tick/stream/groups.h"
#include "tick/stream/reader.h"
#include "tick/stream/writer.h"

namespace tick {

namespace {

using namespace agg_detail;

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
      : e_(e), o_(o), out_(out), flush_(flush ? std::move(flush) : [&out] {
          out.flush();
          out.check_reader();
        }), ds_(out, o.only) {}

  void input(Input& in) {
    RecordReader rr(in);
    Decoder dec;
    dec_ = &dec;
    in.set_idle_hook([&] { idle(in); });
    Record r;
    Decoder::Kind k;
    while (!stop_requested() && read_applied(rr, dec, r, k)) {
      groups_.apply(r);
      record(r, k, dec);
    }
    in.set_idle_hook(nullptr);
    finish_context();
    dec_ = nullptr;
  }

  // After the last input: -t named a table no input had.
  void end() {
    write_derived(Out::now);
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
        write_derived(Out::now);
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
        write_derived(Out::between_groups);
        return;
      }
      case Decoder::Kind::Heartbeat:
        ds_.pass(r, k, d);
        timers(now_ns());
        write_derived(Out::between_groups);
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
    write_derived(Out::now);
    e_.reset();
  }
  void close_all() {
    if constexpr (std::is_same_v<Engine, Bars>) e_.close();
    else e_.all();
  }

  // Derived rows out: between_groups, unless a positions group is being
  // passed (its data records must follow it unbroken); now, whatever is open.
  enum class Out { between_groups, now };
  void write_derived(Out when) {
    if (!bound_ || e_.batch().empty() || !dec_) return;
    if (groups_.open() && when != Out::now) return;
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
    write_derived(Out::between_groups);
    flush_();
    while (!stop_requested()) {
      int ms = due_ms(now_ns());
      if (ms < 0 || in.wait_source(std::min(ms, Input::kIdleRecheckMs))) return;
      timers(now_ns());
      write_derived(Out::between_groups);
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
