#include "tick/kdb/journal.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "tick/base/clock.h"
#include "tick/base/error.h"
#include "tick/base/units.h"
#include "tick/kdb/ipc.h"
#include "tick/kdb/object.h"
#include "tick/stream/writer.h"

namespace tick::kdb {

bool is_journal(const uint8_t* p, size_t n) {
  return n >= kJournalHead && p[0] == 0xff && p[1] == 0x01 && p[2] == 0x00 && p[3] == 0x00;
}

bool is_journal_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  uint8_t b[kJournalHead];
  ssize_t r = ::pread(fd, b, sizeof b, 0);
  ::close(fd);
  return r == static_cast<ssize_t>(sizeof b) && is_journal(b, sizeof b);
}

int32_t journal_date_from_name(const std::string& path) {
  std::string base = path.substr(path.find_last_of('/') + 1);
  if (base.size() < 10) return kNoDate;
  std::string d = base.substr(base.size() - 10);
  if (d[4] != '.') return kNoDate;
  auto v = parse_date(d);
  return v ? *v : kNoDate;
}

Check check_journal(const uint8_t* p, size_t n) {
  Check c;
  c.size = n;
  if (n < kJournalHead) {
    c.sound = false;
    c.torn = true;
    c.why = "the file ends inside its 8-byte head";
    return c;
  }
  size_t at = kJournalHead;
  while (at < n) {
    Problem pr;
    size_t s = object_size(p + at, n - at, pr);
    if (!s) {
      c.sound = false;
      c.torn = pr.torn;
      c.why = pr.torn ? "the file ends inside a message" : pr.why;
      break;
    }
    at += s;
    c.messages++;
  }
  c.valid_bytes = at;
  return c;
}

namespace {

// One message, taken apart: (`upd;`table;data).
struct Update {
  std::string_view table;
  const uint8_t* data;  // the data object
  size_t data_len;
};

// The parts of a message, or why it is not an update.
bool take_apart(const uint8_t* m, size_t len, Update& u, std::string& why) {
  int32_t count;
  if (len < 6 || m[0] != kMixed || (std::memcpy(&count, m + 2, 4), count != 3)) {
    why = str("a ", type_name(static_cast<int8_t>(m[0])), ", not (`upd;`table;data)");
    return false;
  }
  Problem pr;
  const uint8_t* e = m + 6;
  size_t rest = len - 6;
  size_t s0 = object_size(e, rest, pr);
  if (static_cast<int8_t>(e[0]) != -kSymbol) {
    why = str("its head is a ", type_name(static_cast<int8_t>(e[0])), ", not `upd");
    return false;
  }
  std::string_view fn = symbol_text(e);
  if (fn != "upd" && fn != ".u.upd") {
    why = str("it calls ", quoted(fn), ", not upd");
    return false;
  }
  e += s0;
  rest -= s0;
  size_t s1 = object_size(e, rest, pr);
  if (static_cast<int8_t>(e[0]) != -kSymbol) {
    why = str("its table is a ", type_name(static_cast<int8_t>(e[0])), ", not a symbol");
    return false;
  }
  u.table = symbol_text(e);
  u.data = e + s1;
  u.data_len = rest - s1;
  return true;
}

// The columns of an update's data, in the table's order; rows set. Returns
// an empty string, or what does not fit.
std::string columns_of(const Table& t, const Update& u, std::vector<ColumnSource>& cols, uint32_t& rows) {
  const uint8_t* d = u.data;
  const int dt = static_cast<int8_t>(d[0]);
  const size_t nc = t.columns.size();
  cols.assign(nc, {});
  thread_local std::vector<const uint8_t*> items;  // the data's objects, in its order
  thread_local std::vector<int> order;
  order.resize(nc);
  for (size_t c = 0; c < nc; c++) order[c] = static_cast<int>(c);
  if (dt == kTable) {
    thread_local std::vector<std::string_view> names;
    if (std::string e = table_parts(d, names, items); !e.empty()) return e;
    for (size_t c = 0; c < nc; c++) {
      order[c] = -1;
      for (size_t i = 0; i < names.size(); i++)
        if (names[i] == t.columns[c].name) order[c] = static_cast<int>(i);
      if (order[c] < 0) return str("a table without column ", t.columns[c].name);
    }
    if (names.size() != nc) {
      for (auto n : names)
        if (t.find(n) < 0) return str("a table with column ", quoted(n), ", which ", t.name, " lacks");
    }
  } else if (dt == kMixed) {
    list_items(d, items);
    if (items.size() != nc)
      return str(items.size(), " items, but ", t.name, " has ", nc, " columns");
  } else {
    return str("a ", type_name(dt), ", not columns, a row or a table");
  }
  // A row of atoms (a string's value is a char list, never counted as a column).
  bool row = true;
  for (size_t c = 0; c < nc; c++) {
    int it = static_cast<int8_t>(items[order[c]][0]);
    bool atomish = it < 0 || (t.columns[c].type == Type::string && it == kChar);
    if (!atomish) row = false;
  }
  if (dt == kTable) row = false;
  int64_t n = -1;
  for (size_t c = 0; c < nc; c++) {
    const uint8_t* o = items[order[c]];
    const int ot = static_cast<int8_t>(o[0]);
    const Column& col = t.columns[c];
    const int want = q_type_of(col.type);
    ColumnSource& src = cols[c];
    int64_t len;
    if (row) {
      if (col.type == Type::string) {
        src.p = o;
      } else {
        if (ot != -want) return str("column ", col.name, ": a ", type_name(ot), ", not a ", type_name(-want));
        src.p = o + 1;
      }
      len = 1;
    } else {
      if (ot != want) return str("column ", col.name, ": a ", type_name(ot), ", not a ", type_name(want));
      int32_t k;
      std::memcpy(&k, o + 2, 4);
      len = k;
      src.p = o + 6;
      if (col.type == Type::string) {
        const uint8_t* e = o + 6;
        for (int32_t i = 0; i < k; i++) {
          int et = static_cast<int8_t>(e[0]);
          if (et != kChar && et != -kChar)
            return str("column ", col.name, ": item ", i, " is a ", type_name(et), ", not a string");
          if (et == kChar) {
            int32_t sl;
            std::memcpy(&sl, e + 2, 4);
            e += 6 + sl;
          } else {
            e += 2;
          }
        }
      }
    }
    if (n >= 0 && len != n) return str("columns of different lengths (", n, " and ", len, ")");
    n = len;
  }
  if (n > UINT32_MAX / 2) return str(n, " rows in one message");
  rows = static_cast<uint32_t>(n < 0 ? 0 : n);
  return {};
}

}  // namespace

Summary summarise_journal(const uint8_t* p, size_t n) {
  Summary s;
  s.check = check_journal(p, n);
  size_t at = kJournalHead;
  for (uint64_t i = 0; i < s.check.messages; i++) {
    Problem pr;
    size_t len = object_size(p + at, n - at, pr);
    Update u;
    std::string why;
    if (take_apart(p + at, len, u, why)) {
      // A schema of the data's own types (time first, sym second).
      const uint8_t* d = u.data;
      const int dt = static_cast<int8_t>(d[0]);
      std::vector<const uint8_t*> items;
      if (dt == kMixed) {
        list_items(d, items);
        if (items.size() > 2) items.resize(2);
      } else if (dt == kTable) {
        std::vector<std::string_view> names;
        std::vector<const uint8_t*> all;
        if (table_parts(d, names, all).empty()) {
          auto at_name = [&](std::string_view c) { return std::find(names.begin(), names.end(), c) - names.begin(); };
          size_t ti = at_name("time"), si = at_name("sym");
          if (ti < names.size() && si < names.size()) items = {all[ti], all[si]};
        }
      }
      auto& ti = s.tables[std::string(u.table)];
      ti.messages++;
      if (items.size() == 2) {
        const uint8_t* tc = items[0];
        const uint8_t* sc = items[1];
        int tt = static_cast<int8_t>(tc[0]), st = static_cast<int8_t>(sc[0]);
        auto time_of = [&](int type, const uint8_t* v) -> std::optional<int64_t> {
          int64_t x;
          switch (type) {
            case kTimestamp: std::memcpy(&x, v, 8); if (x == kNullLong) return {}; s.instants = true; return timestamp_from_q(x);
            case kTimespan: std::memcpy(&x, v, 8); if (x == kNullLong) return {}; return x;
            case kTime: case kSecond: case kMinute: {
              int64_t ns = time_ns(*tick_type_of(type), v);
              if (ns == kNullLong) return {};
              return ns;
            }
          }
          return {};
        };
        auto take_time = [&](std::optional<int64_t> t) {
          if (!t) return;
          s.time_lo = std::min(s.time_lo, *t);
          s.time_hi = std::max(s.time_hi, *t);
        };
        if (tt < 0) {  // a row
          ti.rows++;
          take_time(time_of(-tt, tc + 1));
          if (st == -kSymbol) s.syms.emplace(symbol_text(sc));
        } else {
          int32_t k;
          std::memcpy(&k, tc + 2, 4);
          ti.rows += static_cast<uint64_t>(k);
          int w = element_width(tt);
          for (int32_t j = 0; j < k && w > 0; j++) take_time(time_of(tt, tc + 6 + size_t(j) * w));
          if (st == kSymbol) {
            std::vector<std::string_view> names;
            symbol_names(sc, names);
            s.syms.insert(names.begin(), names.end());
          }
        }
      }
    }
    at += len;
  }
  return s;
}

JournalSource::JournalSource(std::string name, const uint8_t* p, size_t n, std::shared_ptr<const Schema> schema,
                             int32_t date, bool end_of_day)
    : name_(std::move(name)), p_(p), n_(n), date_(date), eod_(end_of_day), enc_(std::move(schema), *[&] {
        for (Batch& b : batches_) {
          std::vector<uint8_t>* spill = &b.spill;
          b.out = std::make_unique<Output>(
              [spill](const uint8_t* d, size_t len) { spill->insert(spill->end(), d, d + len); }, kBatch * 2);
        }
        return batches_[0].out.get();
      }()) {
  enc_.seal_later();
  populate();
  thread_ = std::thread([this] { run(); });
}

JournalSource::~JournalSource() {
  {
    std::lock_guard<std::mutex> l(mu_);
    quit_ = true;
  }
  cv_.notify_all();
  thread_.join();
  for (Batch& b : batches_) b.out->drop();  // (nothing to flush: unread)
}

void JournalSource::run() {
  for (;;) {
    Batch& b = batches_[make_];
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait(l, [&] { return quit_ || !b.ready; });
      if (quit_) return;
    }
    std::string error;
    try {
      enc_.set_output(*b.out);
      convert_some(*b.out, b.spill);
    } catch (const Error& e) {
      error = e.what();
    } catch (const std::exception& e) {
      error = str(name_, ": ", e.what());
    }
    const bool last = ended_ || !error.empty();
    reached_.store(at_, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> l(mu_);
      b.ready = true;
      if (last) {
        done_ = true;
        error_ = error;
      }
    }
    cv_.notify_all();
    if (last) return;
    make_ = (make_ + 1) % kBatches;
  }
}

size_t JournalSource::read(uint8_t* dst, size_t cap) {
  for (;;) {
    Batch& b = batches_[take_];
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait(l, [&] { return b.ready || done_; });
      if (!b.ready) {
        // A problem is told once what came before it has been read.
        if (!error_.empty()) throw Error(error_);
        return 0;
      }
    }
    // The reader's share of the work, so that the thread making batches,
    // which sets the pace, has less: the batch's CRCs, and the file's
    // pages ahead of the thread mapped.
    if (!b.sealed) {
      seal_records(b.spill.data(), b.spill.size());
      seal_records(b.out->buffered(), b.out->pending());
      b.sealed = true;
      populate();
    }
    size_t k = 0;
    if (b.taken < b.spill.size()) {
      k = std::min(cap, b.spill.size() - b.taken);
      std::memcpy(dst, b.spill.data() + b.taken, k);
    } else if (b.taken < b.size()) {
      size_t at = b.taken - b.spill.size();
      k = std::min(cap, b.out->pending() - at);
      std::memcpy(dst, b.out->buffered() + at, k);
    }
    b.taken += k;
    if (b.taken == b.size()) {  // read whole: back to the thread
      b.out->drop();
      b.spill.clear();
      b.taken = 0;
      b.sealed = false;
      {
        std::lock_guard<std::mutex> l(mu_);
        b.ready = false;
      }
      cv_.notify_all();
      take_ = (take_ + 1) % kBatches;
    }
    if (k) return k;
  }
}

// The file's pages ahead of the thread are mapped in one call (not a fault
// each 64 KiB as they are first touched); the thread lets go of those it
// has read.
void JournalSource::populate() {
  const size_t at = reached_.load(std::memory_order_relaxed);
  if (populated_ >= n_ || at + kAhead / 2 < populated_) return;
  size_t from = std::max(populated_, at) / kPage * kPage, to = std::min(n_, at + kAhead);
  ::madvise(const_cast<uint8_t*>(p_) + from, to - from, MADV_POPULATE_READ);  // (a hint: errors ignored)
  populated_ = to;
}

void JournalSource::convert_some(Output& out, const std::vector<uint8_t>& spill) {
  if (!started_) {
    started_ = true;
    enc_.begin(date_);
  }
  // The pages read are let go: a long journal is read in a window of the
  // process's memory (see populate()).
  if (size_t upto = at_ / kPage * kPage; upto >= released_ + kAhead) {
    ::madvise(const_cast<uint8_t*>(p_) + released_, upto - released_, MADV_DONTNEED);
    released_ = upto;
  }
  // About kBatch bytes of stream at a time.
  while (at_ < n_ && out.pending() + spill.size() < kBatch) {
    Problem pr;
    // (the messages ahead are asked for while this one is read)
    if (n_ - at_ > 2048) {
      __builtin_prefetch(p_ + at_ + 1024);
      __builtin_prefetch(p_ + at_ + 1088);
    }
    int tid;
    uint32_t rows;
    if (size_t len = one_walk(p_ + at_, n_ - at_, tid, rows)) {
      number_++;
      if (std::string why = enc_.emit(tid, found_.data(), rows, p_ + at_ + len, number_); !why.empty())
        fail(name_, ": byte ", at_, ": message ", number_, ": ", why);
      at_ += len;
      continue;
    }
    // (every other shape: sized whole, then taken apart)
    size_t len = object_size(p_ + at_, n_ - at_, pr);
    if (!len)
      fail(name_, ": byte ", at_, ": message ", number_ + 1, ": ",
           pr.torn ? "the file ends inside it (a torn tail: tick-log check --repair cuts it off)" : pr.why);
    number_++;
    message(p_ + at_, len, at_);
    at_ += len;
  }
  if (at_ >= n_) {
    if (eod_ && date_ != kNoDate) write_eod(out, date_, 0);
    ended_ = true;
  }
}

// tick.q's own message at its simplest, (`upd;`t;(vectors...)) with each
// column a vector of its schema's type (symbols or fixed-width), taken
// apart in one walk: its length, with the table and its columns found; 0
// for anything else (nothing is changed: the general path reads it, and
// says what is wrong with it).
size_t JournalSource::one_walk(const uint8_t* m, size_t n, int& tid, uint32_t& rows) {
  static constexpr uint8_t kHead[] = {0, 0, 3, 0, 0, 0, 0xf5, 'u', 'p', 'd', 0, 0xf5};
  if (n < sizeof kHead + 8 || m[1] > 5 || std::memcmp(m, kHead, 1) || std::memcmp(m + 2, kHead + 2, sizeof kHead - 2))
    return 0;
  size_t at = sizeof kHead;
  const size_t tl = text_length(m + at, n - at);
  if (tl == SIZE_MAX) return 0;
  const std::string_view table(reinterpret_cast<const char*>(m + at), tl);
  at += tl + 1;
  if (last_tid_ < 0 || table != last_table_) {
    int id = enc_.schema().index(table);
    if (id < 0) return 0;
    last_table_.assign(table);
    last_tid_ = id;
  }
  tid = last_tid_;
  const Table& t = enc_.schema().tables[tid];
  if (shapes_.size() <= static_cast<size_t>(tid)) shapes_.resize(tid + 1);
  Shape& sh = shapes_[tid];
  const size_t nc = t.columns.size();
  if (sh.qtype.empty()) {
    for (const Column& c : t.columns) {
      sh.simple = sh.simple && c.type != Type::string;
      sh.qtype.push_back(static_cast<int8_t>(q_type_of(c.type)));
      sh.width.push_back(static_cast<int8_t>(c.type == Type::symbol ? 0 : type_width(c.type)));
    }
  }
  if (!sh.simple || nc == 0 || n - at < 6 || m[at] != kMixed || m[at + 1] > 5 || load32(m + at + 2) != nc) return 0;
  at += 6;
  found_.resize(nc);
  int64_t count = -1;
  for (size_t c = 0; c < nc; c++) {
    if (n - at < 6 || static_cast<int8_t>(m[at]) != sh.qtype[c] || m[at + 1] > 5) return 0;
    const int64_t k = static_cast<int32_t>(load32(m + at + 2));
    if (k < 0 || (count >= 0 && k != count)) return 0;
    count = k;
    found_[c] = {m + at + 6};
    at += 6;
    if (const size_t w = static_cast<size_t>(sh.width[c])) {
      if ((n - at) / w < static_cast<uint64_t>(k)) return 0;
      at += static_cast<size_t>(k) * w;
    } else {
      for (int64_t i = 0; i < k; i++) {
        const size_t l = text_length(m + at, n - at);
        if (l == SIZE_MAX) return 0;
        at += l + 1;
      }
    }
  }
  rows = static_cast<uint32_t>(count);
  return at;
}

void JournalSource::message(const uint8_t* m, size_t len, uint64_t offset) {
  Update u;
  std::string why;
  if (!take_apart(m, len, u, why) || !(why = enc_.encode(u.table, u.data, u.data_len, number_)).empty()) {
    fail(name_, ": byte ", offset, ": message ", number_, ": ", why);
  }
}

void UpdateEncoder::begin(int32_t date) {
  write_stream_header(*out_, date);
  for (size_t i = 0; i < schema_->tables.size(); i++) write_schema(*out_, static_cast<uint16_t>(i), schema_->tables[i]);
}

std::string UpdateEncoder::encode(std::string_view table, const uint8_t* data, size_t len, uint64_t seq) {
  int tid = schema_->index(table);
  if (tid < 0) return str("table ", quoted(table), " is not in the schema");
  const Table& t = schema_->tables[tid];
  thread_local std::vector<ColumnSource> cols;
  uint32_t rows = 0;
  Update u{table, data, len};
  if (std::string e = columns_of(t, u, cols, rows); !e.empty()) return str(t.name, ": ", e);
  return emit(tid, cols.data(), rows, data + len, seq);
}

std::string UpdateEncoder::emit(int tid, const ColumnSource* cols, uint32_t rows, const uint8_t* end, uint64_t seq) {
  const Table& t = schema_->tables[tid];
  // Symbols first: their ids go in the data record.
  const size_t nc = t.columns.size();
  thread_local std::vector<uint32_t> ids;
  thread_local std::vector<uint32_t> sym_start;
  sym_start.assign(nc, 0);
  ids.clear();
  for (size_t c = 0; c < nc; c++) {
    if (t.columns[c].type != Type::symbol) continue;
    sym_start[c] = static_cast<uint32_t>(ids.size());
    const uint8_t* s = cols[c].p;
    for (uint32_t r = 0; r < rows; r++) {
      const size_t room = static_cast<size_t>(end - s);
      const size_t l = text_length(s, room);  // (the object was sized: it has its NUL)
      if (l > 65535) return str(t.name, ": column ", t.columns[c].name, ": a symbol longer than 65535 bytes");
      // A feed's names repeat: most are found in a small cache by their
      // first bytes and length, before the dictionary's hash.
      uint64_t head = 0;
      if (room >= 8) {
        std::memcpy(&head, s, 8);
        if (l < 8) head &= (uint64_t{1} << (8 * l)) - 1;
      } else {
        std::memcpy(&head, s, std::min<size_t>(l, 8));
      }
      SymCache& e = sym_cache_[((head * 0x9E3779B97F4A7C15ull) >> (64 - kSymCacheBits) ^ l) & (kSymCache - 1)];
      if (e.len == l && e.head == head && (l <= 8 || std::memcmp(syms_.name(e.id).data(), s, l) == 0)) {
        ids.push_back(e.id);
      } else {
        uint32_t id = syms_.intern({reinterpret_cast<const char*>(s), l});
        e = {head, static_cast<uint32_t>(l), id};
        ids.push_back(id);
      }
      s += l + 1;
    }
  }
  if (syms_.size() > syms_written_) {
    write_symbols(*out_, syms_, syms_written_);
    syms_written_ = syms_.size();
  }
  // The strings' bytes, walked once for the size and once to copy.
  auto each_string = [&](const ColumnSource& src, auto f) {
    const uint8_t* e = src.p;
    for (uint32_t r = 0; r < rows; r++) {
      if (static_cast<int8_t>(e[0]) == -kChar) {
        f(e + 1, size_t{1});
        e += 2;
      } else {
        int32_t sl;
        std::memcpy(&sl, e + 2, 4);
        f(e + 6, static_cast<size_t>(sl));
        e += 6 + sl;
      }
    }
  };
  size_t len_payload = kDataPrefix;
  thread_local std::vector<size_t> heap;
  heap.assign(nc, 0);
  for (size_t c = 0; c < nc; c++) {
    int w = type_width(t.columns[c].type);
    if (w) {
      len_payload += pad8(size_t{rows} * w);
    } else {
      each_string(cols[c], [&](const uint8_t*, size_t l) { heap[c] += l; });
      if (heap[c] > UINT32_MAX / 2) return str(t.name, ": column ", t.columns[c].name, ": strings too long for one record");
      len_payload += pad8((size_t{rows} + 1) * 4) + pad8(heap[c]);
    }
  }
  if (len_payload > kMaxPayload) return str(t.name, ": ", rows, " rows: more than one tick record holds");
  uint8_t* rec = out_->reserve(kHeaderSize + len_payload);
  uint8_t* q = rec + kHeaderSize;
  uint8_t* o = put_data_prefix(q, rows, seq);
  for (size_t c = 0; c < nc; c++) {
    const Type ty = t.columns[c].type;
    const ColumnSource& src = cols[c];
    const int w = type_width(ty);
    uint8_t* start = o;
    if (ty == Type::symbol) {
      std::memcpy(o, ids.data() + sym_start[c], size_t{rows} * 4);
      o += size_t{rows} * 4;
    } else if (w) {
      values_from_q(ty, src.p, o, rows);
      o += size_t{rows} * w;
    } else {
      uint32_t off = 0;
      uint32_t r = 0;
      each_string(src, [&](const uint8_t*, size_t l) {
        store32(o + 4 * size_t{r++}, off);
        off += static_cast<uint32_t>(l);
      });
      store32(o + 4 * size_t{rows}, off);
      o += (size_t{rows} + 1) * 4;
      std::memset(o, 0, pad8(o - start) - (o - start));
      o = start + pad8(o - start);
      start = o;
      each_string(src, [&](const uint8_t* b, size_t l) {
        std::memcpy(o, b, l);
        o += l;
      });
    }
    size_t used = o - start;
    std::memset(o, 0, pad8(used) - used);
    o = start + pad8(used);
  }
  if (seal_later_) write_header_unsealed(rec, RecordType::Data, static_cast<uint16_t>(tid), static_cast<uint32_t>(len_payload));
  else write_header(rec, RecordType::Data, static_cast<uint16_t>(tid), q, static_cast<uint32_t>(len_payload));
  out_->commit(kHeaderSize + len_payload);
  return {};
}

void read_journals(std::shared_ptr<const Schema> schema, int32_t date) {
  Input::set_transcoder([schema, date](const std::string& name, const uint8_t* p,
                                       size_t n) -> std::unique_ptr<ByteSource> {
    if (!is_journal(p, n)) return nullptr;
    if (!schema)
      fail(name, ": a kdb+ tick journal (tick.q's log): name its tables' columns with --schema sym.q");
    int32_t d = date != kNoDate ? date : journal_date_from_name(name);
    bool over = d != kNoDate && d < day_of(now_ns());
    return std::make_unique<JournalSource>(name, p, n, schema, d, over);
  });
}

void JournalWriter::head() {
  if (started_) return;
  started_ = true;
  static const uint8_t h[kJournalHead] = {0xff, 0x01, 0, 0, 0, 0, 0, 0};
  out_.write(h, sizeof h);
}

void JournalWriter::finish() { head(); }

void JournalWriter::data(const DataView& v, const SymbolTable& syms, const uint32_t* sel, uint32_t n) {
  head();
  put_vector_head(out_, kMixed, 3);
  put8(out_, static_cast<uint8_t>(-kSymbol));
  put_symbol(out_, "upd");
  put8(out_, static_cast<uint8_t>(-kSymbol));
  put_symbol(out_, v.table->name);
  put_columns(out_, v, syms, sel, n);
}

}  // namespace tick::kdb
