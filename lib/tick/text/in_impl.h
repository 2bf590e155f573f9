// The encoder's insides, shared by its files: text_in.cpp (the encoder and
// its batches), text_values.cpp (a text value into a column), text_json.cpp
// (JSON lines, with simdjson On-Demand), text_csv.cpp (CSV records and
// their fields), text_parallel.cpp (JSON on two threads). Not for use
// outside them.
#pragma once
#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "tick/base/diag.h"
#include "tick/base/error.h"
#include "tick/stream/writer.h"
#include "tick/text/in.h"

namespace tick {

namespace sj = simdjson::ondemand;

namespace text {


inline std::string_view strip_cr(std::string_view s) {
  if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
  return s;
}

inline bool blank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r') return false;
  return true;
}

template <class T>
inline bool parse_int(std::string_view s, T& v) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

template <class T>
inline bool parse_float(std::string_view s, T& v) {
  if (s == "inf" || s == "+inf") return v = std::numeric_limits<T>::infinity(), true;
  if (s == "-inf") return v = -std::numeric_limits<T>::infinity(), true;
  if (s == "nan" || s == "NaN") return v = std::numeric_limits<T>::quiet_NaN(), true;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

inline bool mul_overflows(int64_t a, int64_t b, int64_t& out) { return __builtin_mul_overflow(a, b, &out); }

}  // namespace text

// A JSON number token at [p, end), p left after it: its grammar checked;
// whole numbers in int64 give `whole`, every number a correctly rounded
// double. False when it is not one, or too long or out of range (simdjson's
// own rules say which).
struct JsonNumber {
  bool integral = false, whole_ok = false;
  int64_t whole = 0;
  double real = 0;
};
bool read_json_number(const char*& p, const char* end, JsonNumber& n);
// A number token's double, correctly rounded (simdjson 3.0's is wrong for
// some numbers of over 19 digits: 0.30000000000000004441 gave 0.1155...);
// false when read_json_number does not take it.
bool json_double(std::string_view token, double& x);

// A whole number or a double into an integer or floating column of a
// JSON row (both readers): false when it does not fit the column's type.
inline bool put_whole(TableBatch& b, int col, Type t, int64_t x) {
  switch (t) {
    case Type::byte:
      if (x < 0 || x > 255) return false;
      b.set<uint8_t>(col, static_cast<uint8_t>(x));
      return true;
    case Type::short_:
      if (x < INT16_MIN || x > INT16_MAX) return false;
      b.set<int16_t>(col, static_cast<int16_t>(x));
      return true;
    case Type::int_:
      if (x < INT32_MIN || x > INT32_MAX) return false;
      b.set<int32_t>(col, static_cast<int32_t>(x));
      return true;
    default:
      b.set<int64_t>(col, x);
      return true;
  }
}
inline bool put_real(TableBatch& b, int col, Type t, double x) {
  if (t == Type::float_) return b.set<double>(col, x), true;
  if (std::isfinite(x) && std::fabs(x) > std::numeric_limits<float>::max()) return false;
  b.set<float>(col, static_cast<float>(x));
  return true;
}

// The newline that ends the CSV record starting at d, given the first
// newline after it (a record may hold newlines inside quotes: it ends at
// an even count of quotes); null if the record goes past end.
const char* csv_record_end(const char* d, const char* nl, const char* end);

// JSON lines parsed on two threads a window at a time (8 MiB measured 5%
// faster than 16 MiB: less fresh memory to fault in, earlier overlap).
constexpr size_t kParallelWindow = 8 << 20;

using text::blank;
using text::mul_overflows;
using text::parse_float;
using text::parse_int;
using text::strip_cr;


// A JSON key as compact JSON writes it ("name":), for flat rows' shapes.
struct FlatKey {
  char text[32];     // (the rest zero)
  uint8_t len = 0;   // 0: too long to be matched this way
};

struct Encoder::Impl {
  const Schema& schema;
  Output& out;
  EncodeOptions opt;
  StreamWriter writer;
  std::vector<TableBatch> batches;
  int fixed_table = -1;
  uint32_t null_sym = 0;
  sj::parser parser;
  int64_t arrival = 0;
  bool arrival_valid = false;
  FILE* rejects = nullptr;
  std::string err;  // the current line's problem
  std::string scratch;
  // CSV state
  std::vector<std::string_view> fields;
  std::deque<std::string> unquoted;  // stable: fields point into it
  std::vector<std::string> header;
  bool header_has_table = false;
  std::vector<std::vector<int>> csv_map;  // per table: field index -> column (-1 ignored)
  int last_table = -1;
  std::string last_table_name;

  Impl(const Schema& s, Output& o, EncodeOptions op) : schema(s), out(o), opt(std::move(op)), writer(o) {
    setup_maps();
    for (const auto& t : schema.tables) batches.emplace_back(t);
    if (!opt.table.empty()) {
      fixed_table = schema.index(opt.table);
      if (fixed_table < 0) throw UsageError(str("table '", opt.table, "' is not in the schema"));
    }
    writer.begin(schema);
    null_sym = writer.syms().intern("");
    for (auto& b : batches) b.null_sym = null_sym;
    if (!opt.rejects.empty()) {
      rejects = std::fopen(opt.rejects.c_str(), "w");
      if (!rejects) fail(opt.rejects, ": ", std::strerror(errno));
    }
  }
  ~Impl() {
    if (rejects) std::fclose(rejects);
  }

  int64_t now() {
    if (!arrival_valid) {
      arrival = now_ns();
      arrival_valid = true;
    }
    return arrival;
  }

  // A worker's batches are handed over whole instead of written; emptied
  // ones come back through spare (their buffers reused).
  std::vector<std::pair<int, TableBatch>>* handed = nullptr;
  std::vector<std::vector<TableBatch>>* spare = nullptr;

  // Writes table tid's batch as a record (or hands it over) and empties it.
  void emit(int tid) {
    TableBatch& b = batches[tid];
    if (handed) {
      handed->emplace_back(tid, std::move(b));
      auto& free = (*spare)[tid];
      if (free.empty()) {
        b = TableBatch(schema.tables[tid]);
        b.null_sym = null_sym;
      } else {
        b = std::move(free.back());
        free.pop_back();
      }
      return;
    }
    writer.data(static_cast<uint16_t>(tid), b);
    b.clear();
  }

  void flush_batches() {
    for (size_t i = 0; i < batches.size(); i++)
      if (!batches[i].empty()) emit(static_cast<int>(i));
  }

  int table_by_name(std::string_view name) {
    if (last_table >= 0 && name == last_table_name) return last_table;
    int t = schema.index(name);
    if (t >= 0) {
      last_table = t;
      last_table_name.assign(name);
    }
    return t;
  }

  bool bad(std::string m) {
    err = std::move(m);
    return false;
  }

  // Rows keep their order across tables: a row of another table than the
  // open batch's closes that batch first.
  int open_table = -1;
  TableBatch& batch_for(int tid) {
    if (open_table != tid) {
      if (open_table >= 0 && !batches[open_table].empty()) emit(open_table);
      open_table = tid;
    }
    return batches[tid];
  }

  // The rows of one message (a JSON array) are kept or dropped together:
  // they are of one table, and its batch is not written until the end.
  bool holding = false;
  int held_table = -1;
  uint32_t held_from = 0;
  const MessageMeta* meta = nullptr;  // of the message being read
  std::string padded;                 // a message's bytes with simdjson's padding

  // Begins a row of table tid; null (err set) when a message's rows change table.
  TableBatch* begin_table_row(int tid) {
    if (holding) {
      if (held_table >= 0 && tid != held_table)
        return bad(str("rows of two tables in one message (", schema.tables[held_table].name, ", ",
                       schema.tables[tid].name, ")")),
               nullptr;
    }
    TableBatch& b = batch_for(tid);
    if (holding && held_table < 0) {
      held_table = tid;
      held_from = b.rows();
    }
    b.begin_row();
    return &b;
  }

  // --map: per table, each column's map (an index in opt.maps, or -1) and
  // the JSON pointer it is read from.
  std::vector<std::vector<int>> map_of;
  std::vector<std::vector<std::string>> pointers;
  std::vector<FieldMap>& maps = opt.maps;
  void setup_maps();
  bool mapped_fields(sj::object& obj, int tid, TableBatch& b);
  bool object_row(sj::object& obj, int tid, sj::document* doc, uint64_t& rows);
  int table_field(sj::object& obj);
  bool message_rows(const char* p, size_t len, size_t cap, uint64_t& rows);
  // One message, not padded (copied to `padded`): false with err set when refused.
  bool one_message(const char* p, size_t len, const MessageMeta& m, uint64_t& rows);

  // Finishes a row: arrival stamp, nulls, and the batch's record when full.
  void end_row(int tid, uint64_t& rows) {
    TableBatch& b = batches[tid];
    const Table& t = schema.tables[tid];
    if (!b.is_set(t.time_col)) {
      int64_t ts = meta && meta->time != INT64_MIN ? meta->time : now();
      Type tt = t.columns[t.time_col].type;
      if (time_of_day_type(tt)) ts = time_of_day(ts);
      uint8_t cell[8];
      store_time_ns(tt, ts, cell);
      b.set_bytes(t.time_col, cell);
    }
    b.end_row();
    rows++;
    if (b.rows() >= opt.batch_rows && !holding) emit(tid);
  }

  bool time_number(const Column& c, int64_t v, int64_t& ns);

  // Sets column col from its text form (CSV fields; JSON strings in time columns).
  bool set_text(TableBatch& b, int col, const Column& c, std::string_view v);

  static const char* json_type_name(sj::json_type t);

  bool json_value(TableBatch& b, int col, const Column& c, sj::value val);

  // One field of a row of table t; false with err set when rejected.
  bool json_field(const Table& t, TableBatch& b, sj::field field, size_t& expect);

  // The fields of obj into the row of table tid (begun in *b), from where
  // its iteration stands. With no table yet (b null), the first field may
  // name it ("table", as tick-cat writes it) and the row begins there.
  // 1: the row is read; 0: rejected (err set, the row aborted); -1: the
  // table is named later in the object (read it again knowing the table).
  int json_fields(sj::object& obj, int& tid, TableBatch*& b, size_t& expect);

  // A flat JSON object (no escapes, no nesting, ASCII) as a row of table
  // tid (-1: its first field names it); false, with nothing kept, for
  // anything else or any error: the full path reads it then.
  bool flat_row(const char* p, size_t len, size_t cap, int tid, uint64_t& rows);
  struct FlatField {
    enum Kind { kString, kNumber, kTrue, kFalse, kNull } kind = kNull;
    std::string_view key, text;
    int col = -1;  // the column, when the key matched the table's last row's
    JsonNumber num;
  };
  std::vector<FlatField> flat_fields;  // (the row's, reused)
  // Per table, its last flat row's keys as they were written ("time":)
  // and their columns: a row of the same shape is matched a key at a time
  // by one comparison, not read byte by byte and looked up.
  struct FlatShape {
    std::vector<FlatKey> keys;
    std::vector<int> cols;
  };
  std::vector<FlatShape> flat_shapes;
  void remember_shape(int tid);

  // One JSON line into its table's batch; false with err set when rejected.
  bool json_line(const char* p, size_t len, size_t cap, uint64_t& rows);

  // Complete JSON lines [d, end) (end follows a newline), counting lines
  // from line_no; bytes up to limit are readable (simdjson's padding). A
  // line refused in fail mode stops it: false, with its number in bad_line.
  template <class OnReject>
  bool json_block(const char* d, const char* end, const char* limit, uint64_t& line_no, uint64_t& rows,
                  uint64_t& bad_line, OnReject on_reject) {
    while (d < end) {
      const char* nl = static_cast<const char*>(std::memchr(d, '\n', static_cast<size_t>(end - d)));
      size_t len = nl ? static_cast<size_t>(nl - d) : static_cast<size_t>(end - d);
      std::string_view line = strip_cr({d, len});
      ++line_no;
      if (!blank(line) && !json_line(line.data(), line.size(), static_cast<size_t>(limit - line.data()), rows)) {
        if (!opt.skip_errors) {
          bad_line = line_no;
          return false;
        }
        on_reject(line_no, line);
      }
      d += nl ? len + 1 : len;
    }
    return true;
  }

  // Splits one CSV record into fields (RFC 4180 quoting); false if malformed.
  bool split_csv(std::string_view line);

  bool csv_header();

  bool csv_mapping(int tid);

  // One CSV record; the first one is the header. false with err when rejected.
  bool csv_line(std::string_view line, uint64_t& rows, bool& is_header);

  void reject(const std::string& where, std::string_view line, uint64_t& rejected) {
    rejected++;
    if (rejects) {
      std::fprintf(rejects, "%s\t%s\t%.*s\n", where.c_str(), err.c_str(), static_cast<int>(line.size()),
                   line.data());
    } else {
      warn(where + ": " + err + " (line skipped)");
    }
  }
};

// The second thread's encoder: its own parser, batches and dictionary; it
// hands its batches over, and the first thread writes them with their
// symbol ids translated to the output's dictionary.
struct Encoder::Worker {
  using Msg = Encoder::Msg;
  struct Held {
    uint64_t line;
    std::string err, text;
  };
  Output nowhere{[](const uint8_t*, size_t) {}, 4096};  // (its writer's header)
  Impl impl;
  std::vector<std::pair<int, TableBatch>> batches;
  std::vector<std::vector<TableBatch>> spare;
  std::vector<uint32_t> map;  // its symbol ids -> the output's
  std::vector<Held> held;     // rejected lines, numbered from its first line
  uint64_t lines = 0, rows = 0, bad_line = 0;
  bool ok = true;

  static EncodeOptions worker_options(EncodeOptions o) {
    o.rejects.clear();  // rejects are written by the first thread, in order
    return o;
  }
  Worker(const Schema& s, const EncodeOptions& o) : impl(s, nowhere, worker_options(o)), spare(s.tables.size()) {
    impl.handed = &batches;
    impl.spare = &spare;
  }

  void run(const char* d, const char* end, const char* limit) {
    lines = rows = bad_line = 0;
    held.clear();
    batches.clear();
    ok = impl.json_block(d, end, limit, lines, rows, bad_line, [&](uint64_t line, std::string_view text) {
      held.push_back({line, impl.err, std::string(text)});
    });
    impl.flush_batches();
    impl.open_table = -1;
  }

  // Messages (Encoder::messages's second half): answers as it gives them;
  // looked says how many were.
  std::vector<std::string> answers;
  size_t looked = 0, refused = 0;
  void run_messages(const Msg* m, size_t n, bool stop_at_error) {
    rows = 0;
    refused = 0;
    batches.clear();
    answers.assign(n, std::string());
    looked = n;
    for (size_t i = 0; i < n; i++) {
      if (impl.one_message(m[i].p, m[i].len, m[i].meta, rows)) continue;
      answers[i] = impl.err;
      refused++;
      if (stop_at_error) {
        looked = i + 1;
        break;
      }
    }
    impl.flush_batches();
    impl.open_table = -1;
  }
  // Its rows dropped (the first half stopped before them).
  void drop_rows() {
    for (auto& [tid, b] : batches) {
      b.clear();
      spare[tid].push_back(std::move(b));
    }
    batches.clear();
  }

  // Its thread, started once: a job (a window of lines, a half of a run of
  // messages) handed over at a time.
  void start(std::function<void()> job);
  void wait();
  ~Worker();
  std::thread thread;
  std::mutex mu;
  std::condition_variable cv;
  std::function<void()> job;
  bool busy = false, quit = false;
};

}  // namespace tick
