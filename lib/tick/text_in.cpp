#include "tick/text_in.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <limits>
#include <simdjson.h>
#include <thread>

#include "tick/diag.h"
#include "tick/error.h"

namespace tick {

namespace sj = simdjson::ondemand;

namespace {

std::string_view strip_cr(std::string_view s) {
  if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
  return s;
}

bool blank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r') return false;
  return true;
}

template <class T>
bool parse_int(std::string_view s, T& v) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

template <class T>
bool parse_float(std::string_view s, T& v) {
  if (s == "inf" || s == "+inf") return v = std::numeric_limits<T>::infinity(), true;
  if (s == "-inf") return v = -std::numeric_limits<T>::infinity(), true;
  if (s == "nan" || s == "NaN") return v = std::numeric_limits<T>::quiet_NaN(), true;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool mul_overflows(int64_t a, int64_t b, int64_t& out) { return __builtin_mul_overflow(a, b, &out); }

}  // namespace

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

  // Finishes a row: arrival stamp, nulls, and the batch's record when full.
  void end_row(int tid, uint64_t& rows) {
    TableBatch& b = batches[tid];
    const Table& t = schema.tables[tid];
    if (!b.is_set(t.time_col)) {
      int64_t ts = now();
      if (t.columns[t.time_col].type == Type::timespan) ts = ((ts % kNsPerDay) + kNsPerDay) % kNsPerDay;
      b.set<int64_t>(t.time_col, ts);
    }
    b.end_row();
    rows++;
    if (b.rows() >= opt.batch_rows) emit(tid);
  }

  bool time_number(const Column& c, int64_t v, int64_t& ns) {
    if (c.type == Type::date) {
      ns = v;
      return true;
    }
    if (mul_overflows(v, unit_ns(opt.unit), ns)) return bad(str("column ", c.name, ": ", v, " is out of range"));
    return true;
  }

  // Sets column col from its text form (CSV fields; JSON strings in time columns).
  bool set_text(TableBatch& b, int col, const Column& c, std::string_view v) {
    auto wrong = [&](const char* what) {
      return bad(str("column ", c.name, ": '", v.substr(0, 64), "' is not ", what));
    };
    switch (c.type) {
      case Type::boolean:
        if (v == "1" || v == "true" || v == "t" || v == "1b") b.set<uint8_t>(col, 1);
        else if (v == "0" || v == "false" || v == "f" || v == "0b") b.set<uint8_t>(col, 0);
        else return wrong("a boolean");
        return true;
      case Type::byte: {
        unsigned x;
        if (!parse_int(v, x) || x > 255) return wrong("a byte (0-255)");
        b.set<uint8_t>(col, static_cast<uint8_t>(x));
        return true;
      }
      case Type::short_: {
        int16_t x;
        if (!parse_int(v, x)) return wrong("a short");
        b.set<int16_t>(col, x);
        return true;
      }
      case Type::int_: {
        int32_t x;
        if (!parse_int(v, x)) return wrong("an int");
        b.set<int32_t>(col, x);
        return true;
      }
      case Type::long_: {
        int64_t x;
        if (!parse_int(v, x)) return wrong("a long");
        b.set<int64_t>(col, x);
        return true;
      }
      case Type::real: {
        float x;
        if (!parse_float(v, x)) return wrong("a real");
        b.set<float>(col, x);
        return true;
      }
      case Type::float_: {
        double x;
        if (!parse_float(v, x)) return wrong("a float");
        b.set<double>(col, x);
        return true;
      }
      case Type::char_:
        if (v.size() > 1) return wrong("a single character");
        b.set<char>(col, v.empty() ? ' ' : v[0]);
        return true;
      case Type::symbol:
        if (v.size() > 65535) return bad(str("column ", c.name, ": symbol longer than 65535 bytes"));
        b.set<uint32_t>(col, writer.syms().intern(v));
        return true;
      case Type::string:
        b.set_string(col, v);
        return true;
      case Type::timestamp: {
        if (auto t = parse_timestamp(v)) return b.set<int64_t>(col, *t), true;
        int64_t n, ns;
        if (!parse_int(v, n)) {
          double d;
          if (!parse_float(v, d) || !std::isfinite(d)) return wrong("a timestamp (ISO-8601 or epoch number)");
          double x = d * static_cast<double>(unit_ns(opt.unit));
          if (!(x > -9.2e18 && x < 9.2e18)) return wrong("a timestamp in range");
          return b.set<int64_t>(col, static_cast<int64_t>(std::llround(x))), true;
        }
        if (!time_number(c, n, ns)) return false;
        b.set<int64_t>(col, ns);
        return true;
      }
      case Type::timespan: {
        if (auto t = parse_timespan(v)) return b.set<int64_t>(col, *t), true;
        int64_t n, ns;
        if (!parse_int(v, n)) return wrong("a timespan (HH:MM:SS.f or a number)");
        if (!time_number(c, n, ns)) return false;
        b.set<int64_t>(col, ns);
        return true;
      }
      case Type::date: {
        if (auto d = parse_date(v)) return b.set<int32_t>(col, *d), true;
        int32_t n;
        if (!parse_int(v, n)) return wrong("a date (YYYY-MM-DD)");
        b.set<int32_t>(col, n);
        return true;
      }
    }
    return false;
  }

  static const char* json_type_name(sj::json_type t) {
    switch (t) {
      case sj::json_type::array: return "an array";
      case sj::json_type::object: return "an object";
      case sj::json_type::number: return "a number";
      case sj::json_type::string: return "a string";
      case sj::json_type::boolean: return "a boolean";
      case sj::json_type::null: return "null";
    }
    return "?";
  }

  bool json_value(TableBatch& b, int col, const Column& c, sj::value val) {
    sj::json_type jt;
    if (auto e = val.type().get(jt)) return bad(str("column ", c.name, ": ", simdjson::error_message(e)));
    if (jt == sj::json_type::null) {
      if (val.is_null().error()) return bad(str("column ", c.name, ": bad null"));
      return true;  // left unset: null
    }
    auto wrong = [&](const char* want) {
      return bad(str("column ", c.name, ": expected ", want, ", got ", json_type_name(jt)));
    };
    auto range = [&](const char* t) { return bad(str("column ", c.name, ": number out of range for ", t)); };
    auto get_int = [&](int64_t& x, const char* want) {
      if (jt != sj::json_type::number) return wrong(want);
      auto e = val.get_int64().get(x);
      if (e == simdjson::INCORRECT_TYPE) {
        // A whole number too big for 64 bits arrives as a double.
        std::string_view raw = val.raw_json_token();
        if (raw.find_first_of(".eE") == std::string_view::npos) return range(want);
        return bad(str("column ", c.name, ": expected ", want, ", got a fraction"));
      }
      if (e == simdjson::NUMBER_OUT_OF_RANGE) return range(want);
      if (e) return bad(str("column ", c.name, ": ", simdjson::error_message(e)));
      return true;
    };
    switch (c.type) {
      case Type::boolean: {
        bool x;
        if (jt != sj::json_type::boolean || val.get_bool().get(x)) return wrong("true or false");
        b.set<uint8_t>(col, x);
        return true;
      }
      case Type::byte: case Type::short_: case Type::int_: case Type::long_: {
        int64_t x;
        if (!get_int(x, "an integer")) return false;
        if (c.type == Type::byte) {
          if (x < 0 || x > 255) return range("byte");
          b.set<uint8_t>(col, static_cast<uint8_t>(x));
        } else if (c.type == Type::short_) {
          if (x < INT16_MIN || x > INT16_MAX) return range("short");
          b.set<int16_t>(col, static_cast<int16_t>(x));
        } else if (c.type == Type::int_) {
          if (x < INT32_MIN || x > INT32_MAX) return range("int");
          b.set<int32_t>(col, static_cast<int32_t>(x));
        } else {
          b.set<int64_t>(col, x);
        }
        return true;
      }
      case Type::real: case Type::float_: {
        double x;
        if (jt == sj::json_type::string) {
          std::string_view s;
          if (val.get_string().get(s)) return wrong("a number");
          if (!parse_float(s, x)) return bad(str("column ", c.name, ": '", s.substr(0, 64), "' is not a number"));
        } else if (jt != sj::json_type::number) {
          return wrong("a number");
        } else if (auto e = val.get_double().get(x)) {
          return e == simdjson::NUMBER_ERROR ? range(type_name(c.type).data())
                                             : bad(str("column ", c.name, ": ", simdjson::error_message(e)));
        }
        if (c.type == Type::real) {
          if (std::isfinite(x) && std::fabs(x) > std::numeric_limits<float>::max()) return range("real");
          b.set<float>(col, static_cast<float>(x));
        } else {
          b.set<double>(col, x);
        }
        return true;
      }
      case Type::char_: case Type::symbol: case Type::string: {
        std::string_view s;
        if (jt != sj::json_type::string || val.get_string().get(s)) return wrong("a string");
        return set_text(b, col, c, s);
      }
      case Type::timestamp: case Type::timespan: case Type::date: {
        if (jt == sj::json_type::string) {
          std::string_view s;
          if (val.get_string().get(s)) return wrong("a string");
          return set_text(b, col, c, s);
        }
        if (jt != sj::json_type::number) return wrong("a time (string or number)");
        sj::number num;
        if (auto e = val.get_number().get(num)) return bad(str("column ", c.name, ": ", simdjson::error_message(e)));
        if (num.is_double()) {
          if (c.type == Type::date) return bad(str("column ", c.name, ": a date number must be whole days"));
          double x = num.get_double() * static_cast<double>(unit_ns(opt.unit));
          if (!(x > -9.2e18 && x < 9.2e18)) return range(type_name(c.type).data());
          b.set<int64_t>(col, static_cast<int64_t>(std::llround(x)));
          return true;
        }
        if (!num.is_int64()) return range(type_name(c.type).data());
        int64_t ns;
        if (!time_number(c, num.get_int64(), ns)) return false;
        if (c.type == Type::date) {
          if (ns < INT32_MIN || ns > INT32_MAX) return range("date");
          b.set<int32_t>(col, static_cast<int32_t>(ns));
        } else {
          b.set<int64_t>(col, ns);
        }
        return true;
      }
    }
    return false;
  }

  // One field of a row of table t; false with err set when rejected.
  bool json_field(const Table& t, TableBatch& b, sj::field field, size_t& expect) {
    sj::raw_json_string key = field.key();
    int col = -1;
    // Fields usually come in schema order: try the next column first.
    if (expect < t.columns.size() && key.unsafe_is_equal(t.columns[expect].name)) {
      col = static_cast<int>(expect);
    } else {
      for (size_t i = 0; i < t.columns.size(); i++)
        if (key.unsafe_is_equal(t.columns[i].name)) {
          col = static_cast<int>(i);
          break;
        }
    }
    if (col < 0) {
      std::string_view k;
      if (field.unescaped_key().get(k)) return bad("bad field name");
      if (k == "table") {
        std::string_view name;
        if (field.value().get_string().get(name) || name != t.name)
          return bad(str("\"table\" does not match -t ", t.name));
        return true;
      }
      // A column name written with escapes still names the column.
      col = t.find(k);
      if (col < 0) {
        if (opt.ignore_unknown) return true;
        return bad(str("unknown column '", k.substr(0, 64), "' for table ", t.name));
      }
    }
    if (b.is_set(col)) return bad(str("column ", t.columns[col].name, " appears twice"));
    if (!json_value(b, col, t.columns[col], field.value())) return false;
    expect = col + 1;
    return true;
  }

  // One JSON line into its table's batch; false with err set when rejected.
  bool json_line(const char* p, size_t len, size_t cap, uint64_t& rows) {
    sj::document doc;
    if (auto e = parser.iterate(p, len, cap).get(doc)) return bad(simdjson::error_message(e));
    sj::object obj;
    if (auto e = doc.get_object().get(obj))
      return bad(e == simdjson::INCORRECT_TYPE ? "not a JSON object" : simdjson::error_message(e));
    int tid = fixed_table;
    TableBatch* b = nullptr;
    size_t expect = 0;
    bool rescan = false;
    auto start = [&](int id) {
      b = &batch_for(id);
      b->begin_row();
    };
    if (tid >= 0) start(tid);
    // One pass when the table is known or is the first field (as tick-cat
    // writes it); otherwise find "table", rewind, and read the row again.
    for (auto f : obj) {
      sj::field field;
      if (auto e = std::move(f).get(field)) {
        if (b) b->abort_row();
        return bad(simdjson::error_message(e));
      }
      if (!b) {
        std::string_view name;
        if (!field.key().unsafe_is_equal("table") || field.value().get_string().get(name)) {
          rescan = true;
          break;
        }
        tid = table_by_name(name);
        if (tid < 0) return bad(str("unknown table '", name.substr(0, 64), "'"));
        start(tid);
        continue;
      }
      if (!json_field(schema.tables[tid], *b, std::move(field), expect)) {
        b->abort_row();
        return false;
      }
    }
    if (rescan) {
      std::string_view name;
      if (obj.reset().error()) return bad("bad object");
      auto e = obj.find_field_unordered("table").get_string().get(name);
      if (e == simdjson::NO_SUCH_FIELD) return bad("no \"table\" field (give the table with -t)");
      if (e) return bad(str("\"table\": ", simdjson::error_message(e)));
      tid = table_by_name(name);
      if (tid < 0) return bad(str("unknown table '", name.substr(0, 64), "'"));
      if (obj.reset().error()) return bad("bad object");
      start(tid);
      for (auto f : obj) {
        sj::field field;
        if (auto e2 = std::move(f).get(field)) {
          b->abort_row();
          return bad(simdjson::error_message(e2));
        }
        if (!json_field(schema.tables[tid], *b, std::move(field), expect)) {
          b->abort_row();
          return false;
        }
      }
    }
    if (!b) return bad("no \"table\" field (give the table with -t)");
    // Anything left after the object is a second value on the line.
    if (!doc.current_location().error()) {
      b->abort_row();
      return bad("trailing content after the JSON object");
    }
    end_row(tid, rows);
    return true;
  }

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
  bool split_csv(std::string_view line) {
    fields.clear();
    size_t nq = 0;
    size_t i = 0;
    while (true) {
      if (i < line.size() && line[i] == '"') {
        if (unquoted.size() <= nq) unquoted.emplace_back();
        std::string& u = unquoted[nq++];
        u.clear();
        i++;
        while (true) {
          if (i >= line.size()) return bad("unterminated quoted field");
          char ch = line[i++];
          if (ch == '"') {
            if (i < line.size() && line[i] == '"') {
              u.push_back('"');
              i++;
            } else {
              break;
            }
          } else {
            u.push_back(ch);
          }
        }
        fields.push_back(u);
        if (i < line.size() && line[i] != ',') return bad("text after a closing quote");
      } else {
        size_t e = line.find(',', i);
        if (e == std::string_view::npos) e = line.size();
        fields.push_back(line.substr(i, e - i));
        i = e;
      }
      if (i >= line.size()) return true;
      i++;  // the comma
      if (i == line.size()) {
        fields.push_back({});
        return true;
      }
    }
  }

  bool csv_header() {
    header.assign(fields.begin(), fields.end());
    header_has_table = !header.empty() && header[0] == "table";
    if (!header_has_table && fixed_table < 0)
      return bad("CSV without a table column needs -t TABLE");
    csv_map.assign(schema.tables.size(), {});
    // Check the names against the table(s) now, so a typo fails at line 1.
    if (fixed_table >= 0) return csv_mapping(fixed_table);
    return true;
  }

  bool csv_mapping(int tid) {
    const Table& t = schema.tables[tid];
    auto& m = csv_map[tid];
    m.assign(header.size(), -1);
    for (size_t i = header_has_table ? 1 : 0; i < header.size(); i++) {
      int c = t.find(header[i]);
      if (c < 0 && !opt.ignore_unknown)
        return bad(str("unknown column '", header[i].substr(0, 64), "' for table ", t.name));
      for (size_t j = 0; j < i; j++)
        if (header[j] == header[i]) return bad(str("column ", header[i], " appears twice in the header"));
      m[i] = c;
    }
    return true;
  }

  // One CSV record; the first one is the header. false with err when rejected.
  bool csv_line(std::string_view line, uint64_t& rows, bool& is_header) {
    is_header = false;
    if (!split_csv(line)) return false;
    if (header.empty() || (header_has_table && fields[0] == "table")) {
      is_header = true;
      return csv_header();
    }
    if (fields.size() != header.size())
      return bad(str("expected ", header.size(), " fields, got ", fields.size()));
    int tid = fixed_table;
    if (header_has_table) {
      int named = table_by_name(fields[0]);
      if (named < 0) return bad(str("unknown table '", fields[0].substr(0, 64), "'"));
      if (tid >= 0 && named != tid) return bad(str("table ", fields[0], " does not match -t"));
      tid = named;
    }
    if (csv_map[tid].empty() && !csv_mapping(tid)) return false;
    const Table& t = schema.tables[tid];
    TableBatch& b = batch_for(tid);
    b.begin_row();
    const auto& m = csv_map[tid];
    for (size_t i = 0; i < fields.size(); i++) {
      int c = m[i];
      if (c < 0 || fields[i].empty()) continue;  // ignored column, or null
      if (!set_text(b, c, t.columns[c], fields[i])) {
        b.abort_row();
        return false;
      }
    }
    end_row(tid, rows);
    return true;
  }

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
};

Encoder::Encoder(const Schema& s, Output& out, EncodeOptions o)
    : impl_(std::make_unique<Impl>(s, out, std::move(o))) {}
Encoder::~Encoder() = default;

// JSON lines parsed on two threads a window at a time (8 MiB measured 5%
// faster than 16 MiB: less fresh memory to fault in, earlier overlap).
constexpr size_t kParallelWindow = 8 << 20;

bool Encoder::encode_parallel(Input& in, uint64_t& line_no) {
  constexpr size_t kWindow = kParallelWindow, kMin = kParallelWindow / 2;
  Impl& m = *impl_;
  const char* d = reinterpret_cast<const char*>(in.data());
  size_t n = std::min(in.avail(), kWindow);
  if (n < kMin) return false;
  const char* limit = d + in.avail() + Input::kPadding;
  const char* last = static_cast<const char*>(memrchr(d, '\n', n));
  if (!last) return false;
  const char* end = last + 1;
  // Halves (measured best: 40/60 and 60/40 splits were slower).
  const char* half = d + (end - d) / 2;
  const char* mid = static_cast<const char*>(std::memchr(half, '\n', static_cast<size_t>(last - half) + 1));
  if (!mid || mid + 1 >= end) return false;
  const char* split = mid + 1;
  if (!worker_) worker_ = std::make_unique<Worker>(m.schema, m.opt);
  Worker& w = *worker_;
  // The second half on the other thread, the first here.
  std::exception_ptr werr;
  std::thread other([&] {
    try {
      w.run(split, end, limit);
    } catch (...) {
      werr = std::current_exception();
    }
  });
  uint64_t bad_line = 0;
  bool ok;
  try {
    ok = m.json_block(d, split, limit, line_no, rows_, bad_line, [&](uint64_t line, std::string_view text) {
      m.reject(str(in.name(), ":", line), text, rejected_);
    });
  } catch (...) {
    other.join();
    throw;
  }
  other.join();
  if (werr) std::rethrow_exception(werr);
  if (!ok) {
    flush();
    fail(in.name(), ":", bad_line, ": ", m.err);
  }
  // The second half's rows follow the first's.
  m.flush_batches();
  const SymbolTable& ws = w.impl.writer.syms();
  for (uint32_t i = static_cast<uint32_t>(w.map.size()); i < ws.size(); i++)
    w.map.push_back(m.writer.syms().intern(ws.name(i)));
  for (auto& [tid, b] : w.batches) {
    b.remap_symbols(w.map);
    m.writer.data(static_cast<uint16_t>(tid), b);
    b.clear();
    w.spare[tid].push_back(std::move(b));
  }
  w.batches.clear();
  rows_ += w.rows;
  for (const auto& h : w.held) {
    m.err = h.err;
    m.reject(str(in.name(), ":", line_no + h.line), h.text, rejected_);
  }
  if (!w.ok) {
    flush();
    fail(in.name(), ":", line_no + w.bad_line, ": ", w.impl.err);
  }
  line_no += w.lines;
  in.consume(static_cast<size_t>(end - d));
  return true;
}

void Encoder::flush() {
  impl_->flush_batches();
  impl_->out.flush();
  if (impl_->rejects) std::fflush(impl_->rejects);
}

void Encoder::encode(Input& in) {
  Impl& m = *impl_;
  in.set_idle_hook([this] { flush(); });
  const bool json = m.opt.in == EncodeOptions::In::json;
  if (!json) {
    m.header.clear();  // each CSV input starts with its header
  }
  uint64_t line_no = 0;
  size_t scanned = 0;  // bytes of the current window known to hold no newline
  const bool parallel = json && std::thread::hardware_concurrency() > 1;
  while (true) {
    // Plenty buffered (a file, a fast pipe): two threads on it.
    if (parallel && scanned == 0 && in.avail() >= (4u << 20) && encode_parallel(in, line_no)) continue;
    size_t n = in.avail();
    const char* d = reinterpret_cast<const char*>(in.data());
    const char* nl = n > scanned ? static_cast<const char*>(std::memchr(d + scanned, '\n', n - scanned)) : nullptr;
    // A CSV record may hold newlines inside quotes: extend it to an even quote count.
    if (nl && !json) {
      size_t q = 0;
      for (const char* c = d; c < nl; c++) q += *c == '"';
      while (nl && (q & 1)) {
        const char* next = static_cast<const char*>(std::memchr(nl + 1, '\n', d + n - nl - 1));
        for (const char* c = nl; c < (next ? next : d + n); c++) q += *c == '"';
        nl = next;
      }
    }
    if (!nl && !in.eof()) {
      scanned = json ? n : 0;
      // What is ready without waiting, up to a window for two threads;
      // waiting (and the idle flush) only for the rest of a line.
      if (parallel && in.fill_ready(kParallelWindow) > n) {
        scanned = 0;
        continue;
      }
      in.fill(n + 1);
      m.arrival_valid = false;
      continue;
    }
    if (!nl && n == 0) break;
    size_t len = nl ? static_cast<size_t>(nl - d) : n;
    std::string_view line = strip_cr({d, len});
    uint64_t first_line = ++line_no;
    if (!json)
      for (size_t i = 0; i < line.size(); i++) line_no += line[i] == '\n';
    if (!blank(line)) {
      bool ok;
      if (json) {
        size_t cap = static_cast<size_t>(d + n + Input::kPadding - line.data());
        ok = m.json_line(line.data(), line.size(), cap, rows_);
      } else {
        bool is_header;
        ok = m.csv_line(line, rows_, is_header);
        if (!ok && is_header) {
          flush();
          fail(in.name(), ":", first_line, ": ", m.err);
        }
      }
      if (!ok) {
        std::string where = str(in.name(), ":", first_line);
        if (!m.opt.skip_errors) {
          flush();
          fail(where, ": ", m.err);
        }
        m.reject(where, line, rejected_);
      }
    }
    in.consume(nl ? len + 1 : len);
    scanned = 0;
  }
  flush();
}

}  // namespace tick
