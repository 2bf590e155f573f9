// tick-aj: the as-of join of two tables of one time-ordered stream, or of
// two files merged by time (agg.h). Each left row is joined with the last
// right row of its key at or before its time, as kdb+'s aj on tables: the
// rows of both sides wait in queues and are taken in time order, a left row
// once the right side's time has passed it (so a later record of quotes of
// the same or an earlier time still counts: a tickerplant's records of two
// tables interleave), everything when the input pauses or a day ends.
#include <algorithm>
#include <deque>
#include <memory>

#include "tick/analytics/aj.h"
#include "tick/base/error.h"
#include "tick/base/signals.h"
#include "tick/base/units.h"
#include "tick/stream/filter.h"
#include "tick/stream/reader.h"
#include "tick/stream/writer.h"

namespace tick {

namespace {

constexpr size_t kMaxQueued = 1 << 20;  // rows of a side queued at most before the join goes on without the other
constexpr uint32_t kFlushRows = 4096;
constexpr uint32_t kChunkRows = 4096;

// Rows of one table waiting their turn, copied (symbols mapped to the
// output's), in chunks reused as they empty: memory follows what waits.
class RowQueue {
 public:
  void bind(const Table& t, uint32_t null_sym) {
    t_ = &t;
    null_ = null_sym;
  }
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  void push(const DataView& v, uint32_t r, const std::vector<uint32_t>& map) {
    if (chunks_.empty() || chunks_.back()->rows() >= kChunkRows) {
      if (!free_.empty()) {
        chunks_.push_back(std::move(free_.back()));
        free_.pop_back();
      } else {
        chunks_.push_back(std::make_unique<TableBatch>(*t_));
        chunks_.back()->null_sym = null_;
      }
    }
    chunks_.back()->append(v, r, map);
    size_++;
  }
  const TableBatch& head() const { return *chunks_.front(); }
  uint32_t row() const { return head_; }
  int64_t time() const { return time_ns(t_->columns[t_->time_col].type, head().cell(t_->time_col, head_)); }
  void pop() {
    size_--;
    if (++head_ < chunks_.front()->rows()) return;
    head_ = 0;
    chunks_.front()->clear();
    free_.push_back(std::move(chunks_.front()));
    chunks_.pop_front();
  }

 private:
  const Table* t_ = nullptr;
  uint32_t null_ = 0;
  std::deque<std::unique_ptr<TableBatch>> chunks_;
  std::vector<std::unique_ptr<TableBatch>> free_;
  uint32_t head_ = 0;
  size_t size_ = 0;
};

class Joiner {
 public:
  Joiner(const AjOptions& o, Output& out, AjReport& rep) : o_(o), w_(out), rep_(rep) {}

  // Both tables' schemas, as a context has them: the joined table is made
  // from the first pair, and later ones must agree.
  void bind(const Table& l, const Table& r) {
    Table j;
    j.name = o_.out_table.empty() ? l.name + "_" + r.name : o_.out_table;
    j.columns = l.columns;
    std::vector<int> rc;
    std::vector<std::string> names;
    int lon = l.find(o_.on), ron = r.find(o_.on);
    if (lon < 0 || l.columns[lon].type != Type::symbol)
      throw UsageError(str("--on ", o_.on, ": table ", l.name, " has no symbol column ", quoted(o_.on)));
    if (ron < 0 || r.columns[ron].type != Type::symbol)
      throw UsageError(str("--on ", o_.on, ": table ", r.name, " has no symbol column ", quoted(o_.on)));
    if (o_.cols.empty()) {
      for (size_t i = 0; i < r.columns.size(); i++) {
        if (static_cast<int>(i) == r.time_col || static_cast<int>(i) == ron) continue;
        if (l.find(r.columns[i].name) >= 0)
          throw UsageError(str("column ", r.columns[i].name, " is in both ", l.name, " and ", r.name,
                               ": name ", r.name, "'s columns with --cols (NEW=COL renames)"));
        rc.push_back(static_cast<int>(i));
        names.push_back(r.columns[i].name);
      }
    } else {
      for (const auto& c : o_.cols) {
        auto eq = c.find('=');
        std::string as = eq == std::string::npos ? c : c.substr(0, eq);
        std::string from = eq == std::string::npos ? c : c.substr(eq + 1);
        int i = r.find(from);
        if (i < 0) throw UsageError(str("--cols: table ", r.name, " has no column ", quoted(from)));
        rc.push_back(i);
        names.push_back(as);
      }
    }
    for (size_t k = 0; k < rc.size(); k++) j.columns.push_back({names[k], r.columns[rc[k]].type});
    if (std::string e = j.check(); !e.empty()) throw UsageError("the joined table: " + e);
    if (table_) {
      if (!table_->same_columns(j) || lt_.columns.size() != l.columns.size() || lon_ != lon)
        fail("tables ", l.name, " and ", r.name, " changed their columns between streams");
      rcols_ = rc;
      ron_ = ron;
      return;
    }
    lt_ = l;
    rt_ = r;
    lon_ = lon;
    ron_ = ron;
    rcols_ = rc;
    table_ = std::make_unique<Table>(j);
    Schema s;
    s.tables.push_back(j);
    w_.begin(s);
    joined_ = std::make_unique<TableBatch>(*table_);
    uint32_t null = w_.syms().intern("");
    joined_->null_sym = null;
    lq_.bind(lt_, null);
    rq_.bind(rt_, null);
    stride_ = 0;
    for (int i : rc) {
      int wdt = type_width(r.columns[i].type);
      roff_.push_back(wdt ? stride_ : strings_++);
      stride_ += wdt;
    }
  }
  bool bound() const { return table_ != nullptr; }
  SymbolTable& syms() { return w_.syms(); }

  // Rows of each side, in the order they come (each side's times rising).
  void left(const DataView& v, uint32_t r, const std::vector<uint32_t>& map) {
    lq_.push(v, r, map);
    int64_t t = v.time(r);
    if (t > lwm_) lwm_ = t;
    rep_.left++;
    if (lq_.size() >= kMaxQueued) pump(true);
  }
  void right(const DataView& v, uint32_t r, const std::vector<uint32_t>& map) {
    rq_.push(v, r, map);
    int64_t t = v.time(r);
    if (t > rwm_) rwm_ = t;
    rep_.right++;
    if (rq_.size() >= kMaxQueued) pump(true);
  }
  // The latest time each side has reached (for a reader of two inputs).
  int64_t left_time() const { return lwm_; }
  int64_t right_time() const { return rwm_; }

  // Joins what can be joined: the two queues taken in time order (right
  // first at equal times); a right row is applied once no left row before
  // it can come, a left row joined once every right row at or before its
  // time has come (right's time is past it). force: all of it, now (the
  // input paused or ended, a day ended).
  void pump(bool force) {
    if (!bound()) return;
    while (true) {
      bool l = !lq_.empty(), r = !rq_.empty();
      if (r && (!l || rq_.time() <= lq_.time())) {
        if (!force && !l && rq_.time() > lwm_) break;
        apply_right(rq_.head(), rq_.row());
        rq_.pop();
      } else if (l) {
        if (!force && rwm_ <= lq_.time()) break;
        join_left(lq_.head(), lq_.row());
        lq_.pop();
      } else {
        break;
      }
    }
    if (joined_->rows() >= kFlushRows) flush();
  }

 private:
  void apply_right(const TableBatch& b, uint32_t row) {
    uint32_t key = load32(b.cell(ron_, row));
    if (key >= has_.size()) {
      has_.resize(size_t{key} + 1, 0);
      fixed_.resize(has_.size() * stride_);
      strs_.resize(has_.size() * strings_);
    }
    has_[key] = 1;
    uint8_t* f = fixed_.data() + size_t{key} * stride_;
    for (size_t k = 0; k < rcols_.size(); k++) {
      int c = rcols_[k];
      int wdt = type_width(rt_.columns[c].type);
      if (wdt) std::memcpy(f + roff_[k], b.cell(c, row), wdt);
      else strs_[size_t{key} * strings_ + roff_[k]].assign(b.string_at(c, row));
    }
  }
  void join_left(const TableBatch& b, uint32_t h) {
    const size_t nl = lt_.columns.size();
    joined_->begin_row();
    for (size_t c = 0; c < nl; c++) {
      if (type_width(lt_.columns[c].type)) joined_->set_bytes(static_cast<int>(c), b.cell(static_cast<int>(c), h));
      else joined_->set_string(static_cast<int>(c), b.string_at(static_cast<int>(c), h));
    }
    uint32_t key = load32(b.cell(lon_, h));
    if (key < has_.size() && has_[key]) {
      const uint8_t* f = fixed_.data() + size_t{key} * stride_;
      for (size_t k = 0; k < rcols_.size(); k++) {
        int col = static_cast<int>(nl + k);
        if (type_width(table_->columns[col].type)) joined_->set_bytes(col, f + roff_[k]);
        else joined_->set_string(col, strs_[size_t{key} * strings_ + roff_[k]]);
      }
    } else {
      rep_.unmatched++;
    }
    joined_->end_row();
    rep_.joined++;
  }

 public:
  // Joined rows out.
  void flush() {
    if (!joined_ || joined_->empty()) return;
    w_.data(0, *joined_);
    joined_->clear();
  }
  // Everything out: what waits joined, and written.
  void drain() {
    if (!bound()) return;
    pump(true);
    flush();
  }
  void eod(int32_t date) {
    drain();
    if (bound()) w_.eod(date);
  }
  Output& out() { return w_.out(); }

 private:
  const AjOptions& o_;
  StreamWriter w_;
  AjReport& rep_;
  Table lt_, rt_;
  std::unique_ptr<Table> table_;
  std::unique_ptr<TableBatch> joined_;
  RowQueue lq_, rq_;
  int64_t lwm_ = INT64_MIN, rwm_ = INT64_MIN;
  int lon_ = -1, ron_ = -1;
  std::vector<int> rcols_;
  std::vector<size_t> roff_;  // per right column: its bytes in a key's state, or its string's index
  size_t stride_ = 0, strings_ = 0;
  std::vector<uint8_t> has_, fixed_;  // by output sym id
  std::vector<std::string> strs_;
};

// One input's reading: records, its context, its symbol ids mapped to the
// output's.
struct Side {
  explicit Side(Input& in) : in(in), rr(in) {}
  Input& in;
  RecordReader rr;
  Decoder dec;
  ContextFollower follow;
  std::vector<uint32_t> map;  // input sym id -> output sym id
  Record rec;

  // The next record, applied; false at the end.
  bool next(Decoder::Kind& k) {
    return read_applied(rr, dec, rec, k);
  }
  void map_syms(SymbolTable& out) {
    follow.follow(dec, [&] { map.clear(); }, [](size_t, const Table&) {},
                  [&](uint32_t, std::string_view name) { map.push_back(out.intern(name)); });
  }
  int find(const std::string& name) const {
    for (size_t i = 0; i < dec.tables().size(); i++)
      if (dec.tables()[i].name == name) return static_cast<int>(i);
    return -1;
  }
};

std::string table_names(const Decoder& d) {
  std::string s;
  for (const auto& t : d.tables()) s += (s.empty() ? "" : ", ") + t.name;
  return s.empty() ? "none" : s;
}

void need_bound(Joiner& j, const Side& l, const Side& r, const AjOptions& o) {
  if (j.bound()) return;
  int li = l.find(o.left), ri = r.find(o.right);
  if (li < 0) throw UsageError(str("--left ", o.left, ": ", l.in.name(), " has no table ", quoted(o.left), " (it has ", table_names(l.dec), ")"));
  if (ri < 0) throw UsageError(str("--right ", o.right, ": ", r.in.name(), " has no table ", quoted(o.right), " (it has ", table_names(r.dec), ")"));
  j.bind(l.dec.tables()[li], r.dec.tables()[ri]);
}

// A stream carrying both tables.
void join_stream(Joiner& j, Input& in, const AjOptions& o, const std::function<void()>& idle) {
  Side s(in);
  in.set_idle_hook([&] {
    j.drain();
    idle();
  });
  uint64_t gen = UINT64_MAX;
  int li = -1, ri = -1;
  Decoder::Kind k;
  while (!stop_requested() && s.next(k)) {
    switch (k) {
      case Decoder::Kind::Header: case Decoder::Kind::Symbols: case Decoder::Kind::Schema:
        if (j.bound()) s.map_syms(j.syms());
        break;
      case Decoder::Kind::EndOfDay: j.eod(s.dec.eod_date()); break;
      case Decoder::Kind::Data: {
        if (gen != s.dec.generation()) {
          gen = s.dec.generation();
          li = s.find(o.left);
          ri = s.find(o.right);
          if (li >= 0 && ri >= 0) {
            j.bind(s.dec.tables()[li], s.dec.tables()[ri]);
            s.follow.rebind();
            s.map_syms(j.syms());
          } else {
            gen = UINT64_MAX;
          }
        }
        const DataView& v = s.dec.data();
        if (li >= 0 && ri >= 0 && v.table_id == li) {
          for (uint32_t r = 0; r < v.rows; r++) j.left(v, r, s.map);
        } else if (li >= 0 && ri >= 0 && v.table_id == ri) {
          for (uint32_t r = 0; r < v.rows; r++) j.right(v, r, s.map);
        } else if (v.rows && s.find(o.left) == v.table_id) {
          throw UsageError(str("--right ", o.right, ": ", in.name(), ":", s.rec.offset, ": rows of ", o.left,
                               " came before any table ", quoted(o.right), " (the stream has ", table_names(s.dec), ")"));
        }
        if (j.bound()) j.pump(false);
        break;
      }
      default: break;
    }
  }
  in.set_idle_hook(nullptr);
  j.drain();
  if (!j.bound() && s.dec.started() && !s.dec.tables().empty())
    need_bound(j, s, s, o);  // (names what is missing)
}

// Two files: left's rows from one, right's from the other, merged by time.
void join_files(Joiner& j, Input& lin, Input& rin, const AjOptions& o) {
  Side l(lin), r(rin);
  struct Cur {
    Side* s;
    const std::string* table;
    int id = -1;
    uint64_t gen = UINT64_MAX;
    bool done = false;
  };
  Cur lc{&l, &o.left}, rc{&r, &o.right};
  // Moves a cursor to its table's next data record with rows.
  auto advance = [&](Cur& c) {
    Decoder::Kind k;
    while (!stop_requested() && c.s->next(k)) {
      if (k == Decoder::Kind::Header || k == Decoder::Kind::Symbols || k == Decoder::Kind::Schema) {
        if (j.bound()) c.s->map_syms(j.syms());
        continue;
      }

      if (k != Decoder::Kind::Data) continue;
      if (c.gen != c.s->dec.generation()) {
        c.gen = c.s->dec.generation();
        c.id = c.s->find(*c.table);
      }
      if (c.s->dec.data().table_id == c.id && c.s->dec.data().rows) return;
    }
    c.done = true;
  };
  advance(lc);
  advance(rc);
  if (lc.done && rc.done && !l.dec.started()) return;
  if (lc.id < 0 && l.dec.started()) need_bound(j, l, r, o);
  if (rc.id < 0 && r.dec.started()) need_bound(j, l, r, o);
  if (lc.done) return;  // (nothing to join: no left rows)
  need_bound(j, l, r, o);
  l.follow.rebind();
  l.map_syms(j.syms());
  r.follow.rebind();
  r.map_syms(j.syms());
  // Each side's records whole, the side behind read next, so the queues
  // hold about a record of each.
  // (past left's end, right only while left's last rows may still need it)
  while (!lc.done || (!rc.done && j.right_time() <= j.left_time())) {
    Cur& c = lc.done ? rc : rc.done ? lc : (j.right_time() <= j.left_time() ? rc : lc);
    const DataView& v = c.s->dec.data();
    if (&c == &lc)
      for (uint32_t i = 0; i < v.rows; i++) j.left(v, i, l.map);
    else
      for (uint32_t i = 0; i < v.rows; i++) j.right(v, i, r.map);
    j.pump(false);
    advance(c);
  }
  j.drain();
}

}  // namespace

AjReport asof_join(const std::vector<Input*>& inputs, Input* right_input, Output& out, const AjOptions& o,
                   std::function<void()> idle) {
  AjReport rep;
  if (!idle) idle = [&out] {
    out.flush();
    out.check_reader();
  };
  Joiner j(o, out, rep);
  if (right_input) join_files(j, *inputs.at(0), *right_input, o);
  else
    for (Input* in : inputs) join_stream(j, *in, o, idle);
  j.drain();
  out.flush();
  return rep;
}

}  // namespace tick
