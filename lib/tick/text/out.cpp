#include "tick/text/out.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "tick/base/clock.h"
#include "tick/base/units.h"
#include "tick/base/error.h"

namespace tick {

std::optional<Format> format_from_name(std::string_view s) {
  if (s == "tick") return Format::tick;
  if (s == "json") return Format::json;
  if (s == "csv") return Format::csv;
  if (s == "table") return Format::table;
  if (s == "kdb") return Format::kdb;
  return std::nullopt;
}

char* format_double(char* out, double x) {
  static constexpr double kPow10[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
  const double a = std::fabs(x);
  if (a >= 1e-4 && a < 1e15) {
    for (int k = 0; k <= 8; k++) {
      // n / 10^k is one correct rounding (n < 2^53, 10^k exact): it reads
      // back as x only if x is the double nearest that decimal; the first k
      // that does is the fewest digits, and n the nearest of them.
      const double s = a * kPow10[k];
      if (s >= 1125899906842624.0) break;  // (2^50: s within 1/16 of a·10^k)
      const uint64_t n = static_cast<uint64_t>(s + 0.5);
      if (static_cast<double>(n) / kPow10[k] != a) continue;
      // Two such decimals (10^-k finer than x's precision): the nearest of
      // them is Ryu's to find.
      if (static_cast<double>(n + 1) / kPow10[k] == a || (n && static_cast<double>(n - 1) / kPow10[k] == a)) break;
      char digits[24];
      int nd = static_cast<int>(std::to_chars(digits, digits + sizeof digits, n).ptr - digits);
      // to_chars's choice: scientific when it is shorter (1e+06, 1e-04)
      int sig = nd;
      while (sig > 1 && digits[sig - 1] == '0') sig--;
      const int fixed_len = k == 0 ? nd : (nd > k ? nd + 1 : k + 2);
      const int sci_len = (sig == 1 ? 1 : sig + 1) + 4;  // (|exponent| < 100 here)
      if (sci_len < fixed_len) break;
      char* p = out;
      if (x < 0) *p++ = '-';
      if (k == 0) {
        std::memcpy(p, digits, nd);
        return p + nd;
      }
      if (nd > k) {
        std::memcpy(p, digits, nd - k);
        p += nd - k;
        *p++ = '.';
        std::memcpy(p, digits + nd - k, k);
        return p + k;
      }
      *p++ = '0';
      *p++ = '.';
      for (int i = nd; i < k; i++) *p++ = '0';
      std::memcpy(p, digits, nd);
      return p + nd;
    }
  }
  return std::to_chars(out, out + 32, x).ptr;
}

const char* format_name(Format f) {
  switch (f) {
    case Format::tick: return "tick";
    case Format::json: return "json";
    case Format::csv: return "csv";
    case Format::table: return "table";
    case Format::kdb: return "kdb";
  }
  return "?";
}

TextWriter::TextWriter(Output& out, Format f, bool csv_table_column, TimeFormat tf)
    : out_(out), fmt_(f), csv_table_col_(csv_table_column), q_times_(tf == TimeFormat::q) {}

namespace {

bool needs_json_escape(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == '"' || c == '\\') return true;
  return false;
}

bool needs_csv_quote(std::string_view s) {
  for (char c : s)
    if (c == ',' || c == '"' || c == '\n' || c == '\r') return true;
  return !s.empty() && (s.front() == ' ' || s.back() == ' ');
}

void put_sv(Output& out, std::string_view s) {
  std::memcpy(out.reserve(s.size()), s.data(), s.size());
  out.commit(s.size());
}

void csv_field(Output& out, std::string_view s) {
  if (!needs_csv_quote(s)) return put_sv(out, s);
  out.put('"');
  for (char c : s) {
    if (c == '"') out.put('"');
    out.put(c);
  }
  out.put('"');
}

int type_text_width(Type t) {
  switch (t) {
    case Type::boolean: return 1;
    case Type::byte: return 4;
    case Type::short_: return 6;
    case Type::int_: return 11;
    case Type::long_: return 12;
    case Type::real: return 10;
    case Type::float_: return 12;
    case Type::char_: return 1;
    case Type::symbol: return 8;
    case Type::timestamp: return 30;
    case Type::timespan: return 18;
    case Type::date: return 10;
    case Type::string: return 16;
    case Type::time: return 12;
    case Type::minute: return 5;
    case Type::second: return 8;
    case Type::month: return 8;
    case Type::datetime: return 23;
    case Type::guid: return 36;
  }
  return 8;
}

bool left_aligned(Type t) {
  return t == Type::symbol || t == Type::string || t == Type::char_ || t == Type::timestamp ||
         t == Type::date || t == Type::timespan || t == Type::time || t == Type::minute || t == Type::second ||
         t == Type::month || t == Type::datetime || t == Type::guid;
}

}  // namespace

namespace {
// JSON string escaping, once for both destinations: runs of plain bytes go
// to put() whole, each escaped byte as its escape.
template <class Put>
void escape_json(std::string_view s, Put put) {
  static const char* hex = "0123456789abcdef";
  size_t run = 0;
  for (size_t i = 0; i < s.size(); i++) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    put(s.substr(run, i - run));
    run = i + 1;
    switch (c) {
      case '\n': put("\\n"); break;
      case '\r': put("\\r"); break;
      case '\t': put("\\t"); break;
      case '\b': put("\\b"); break;
      case '\f': put("\\f"); break;
      case '"': put("\\\""); break;
      case '\\': put("\\\\"); break;
      default: {
        char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        put(std::string_view(u, 6));
      }
    }
  }
  put(s.substr(run));
}
}  // namespace

void json_escape(Output& out, std::string_view s) {
  if (!needs_json_escape(s)) return put_sv(out, s);
  escape_json(s, [&](std::string_view p) { put_sv(out, p); });
}

void json_escape(std::string& out, std::string_view s) {
  escape_json(s, [&](std::string_view p) { out.append(p); });
}

TextWriter::Layout& TextWriter::layout(const Decoder& d) {
  const DataView& v = d.data();
  if (layouts_.size() <= v.table_id) layouts_.resize(v.table_id + 1);
  Layout& l = layouts_[v.table_id];
  if (l.generation == d.generation() && l.table == v.table_id) return l;
  l.generation = d.generation();
  l.table = v.table_id;
  l.keys.clear();
  l.widths.clear();
  l.to_union.clear();
  const Table& t = *v.table;
  for (size_t c = 0; c < t.columns.size(); c++) {
    std::string k = c == 0 ? "{\"table\":\"" + t.name + "\",\"" : ",\"";
    l.keys.push_back(k + t.columns[c].name + "\":");
    Type ty = t.columns[c].type;
    int w = q_times_ && ty == Type::timestamp ? 29 : q_times_ && ty == Type::timespan ? 20 : type_text_width(ty);
    l.widths.push_back(std::max<int>(w, static_cast<int>(t.columns[c].name.size())));
  }
  return l;
}

void TextWriter::value(const DataView& v, const SymbolTable& s, int c, uint32_t r, Format f) {
  const bool json = f == Format::json;
  char* p;
  auto num = [&](auto x) {
    p = reinterpret_cast<char*>(out_.reserve(32));
    out_.commit(std::to_chars(p, p + 32, x).ptr - p);
  };
  auto null = [&] {
    if (json) put_sv(out_, "null");
  };
  auto quoted = [&](auto writer) {
    if (json) out_.put('"');
    p = reinterpret_cast<char*>(out_.reserve(40));
    out_.commit(writer(p));
    if (json) out_.put('"');
  };
  switch (v.table->columns[c].type) {
    case Type::boolean:
      if (json)
        put_sv(out_, v.get<uint8_t>(c, r) ? "true" : "false");
      else
        out_.put(v.get<uint8_t>(c, r) ? '1' : '0');
      break;
    case Type::byte: num(static_cast<unsigned>(v.get<uint8_t>(c, r))); break;
    case Type::short_: {
      int16_t x = v.get<int16_t>(c, r);
      x == kNullShort ? null() : num(x);
      break;
    }
    case Type::int_: {
      int32_t x = v.get<int32_t>(c, r);
      x == kNullInt ? null() : num(x);
      break;
    }
    case Type::long_: {
      int64_t x = v.get<int64_t>(c, r);
      x == kNullLong ? null() : num(x);
      break;
    }
    case Type::real: {
      float x = v.get<float>(c, r);
      if (std::isnan(x)) null();
      else if (std::isinf(x)) put_sv(out_, json ? (x > 0 ? "\"inf\"" : "\"-inf\"") : (x > 0 ? "inf" : "-inf"));
      else num(x);
      break;
    }
    case Type::float_: {
      double x = v.get<double>(c, r);
      if (std::isnan(x)) {
        null();
      } else if (std::isinf(x)) {
        put_sv(out_, json ? (x > 0 ? "\"inf\"" : "\"-inf\"") : (x > 0 ? "inf" : "-inf"));
      } else {
        p = reinterpret_cast<char*>(out_.reserve(32));
        out_.commit(format_double(p, x) - p);
      }
      break;
    }
    case Type::char_: {
      char ch = v.get<char>(c, r);
      if (json) {
        out_.put('"');
        json_escape(out_, {&ch, 1});
        out_.put('"');
      } else if (f == Format::csv) {
        csv_field(out_, {&ch, 1});
      } else {
        out_.put(ch);
      }
      break;
    }
    case Type::symbol:
    case Type::string: {
      std::string_view sv = v.table->columns[c].type == Type::symbol ? s.name(v.get<uint32_t>(c, r))
                                                                     : v.string(c, r);
      if (json) {
        out_.put('"');
        json_escape(out_, sv);
        out_.put('"');
      } else if (f == Format::csv) {
        csv_field(out_, sv);
      } else {
        put_sv(out_, sv);
      }
      break;
    }
    case Type::timestamp: {
      int64_t x = v.get<int64_t>(c, r);
      if (x == kNullLong) null();
      else if (q_times_) quoted([&](char* b) { return format_timestamp_q(b, x); });
      else quoted([&](char* b) { return format_timestamp(b, x); });
      break;
    }
    case Type::timespan: {
      int64_t x = v.get<int64_t>(c, r);
      if (x == kNullLong) null();
      else if (q_times_) quoted([&](char* b) { return format_timespan_q(b, x); });
      else quoted([&](char* b) { return format_timespan(b, x); });
      break;
    }
    case Type::date: {
      int32_t x = v.get<int32_t>(c, r);
      if (x == kNullInt) null();
      else if (q_times_) quoted([&](char* b) { return format_date_q(b, x); });
      else quoted([&](char* b) { return format_date(b, x); });
      break;
    }
    case Type::time: case Type::minute: case Type::second: case Type::month: {
      int32_t x = v.get<int32_t>(c, r);
      Type ty = v.table->columns[c].type;
      if (x == kNullInt) null();
      else if (ty == Type::time) quoted([&](char* b) { return format_time_ms(b, x); });
      else if (ty == Type::second) quoted([&](char* b) { return format_second(b, x); });
      else if (ty == Type::minute) quoted([&](char* b) { return format_minute(b, x); });
      else quoted([&](char* b) { return format_month(b, x, q_times_); });
      break;
    }
    case Type::datetime: {
      double x = v.get<double>(c, r);
      if (std::isnan(x)) null();
      else quoted([&](char* b) { return format_datetime(b, x, q_times_); });
      break;
    }
    case Type::guid: {
      const uint8_t* g = v.cols[c] + size_t{r} * 16;
      static const uint8_t zero[16] = {};
      if (std::memcmp(g, zero, 16) == 0) null();
      else quoted([&](char* b) { return format_guid(b, g); });
      break;
    }
  }
}

void TextWriter::json_row(const DataView& v, const SymbolTable& s, const Layout& l, uint32_t r) {
  for (size_t c = 0; c < l.keys.size(); c++) {
    put_sv(out_, l.keys[c]);
    value(v, s, static_cast<int>(c), r, Format::json);
  }
  put_sv(out_, "}\n");
}

void TextWriter::csv_row(const DataView& v, const SymbolTable& s, uint32_t r) {
  for (size_t c = 0; c < v.table->columns.size(); c++) {
    if (c) out_.put(',');
    value(v, s, static_cast<int>(c), r, Format::csv);
  }
  out_.put('\n');
}

void TextWriter::table_row(const DataView& v, const SymbolTable& s, const Layout& l, uint32_t r) {
  const Table& t = *v.table;
  if (csv_table_col_) {
    put_sv(out_, t.name);
    for (size_t i = t.name.size(); i < 6; i++) out_.put(' ');
  }
  for (size_t c = 0; c < t.columns.size(); c++) {
    if (c || csv_table_col_) out_.put(' ');
    // Room first, so a right-aligned value (never longer than 40 bytes) is
    // still in the buffer when it is shifted right; left-aligned ones only
    // get spaces after them.
    out_.reserve(64 + l.widths[c]);
    uint64_t before = out_.written() + out_.pending();
    value(v, s, static_cast<int>(c), r, Format::table);
    size_t w = out_.written() + out_.pending() - before;
    int pad = l.widths[c] - static_cast<int>(w);
    if (pad > 0) {
      if (!left_aligned(t.columns[c].type)) {
        uint8_t* start = out_.reserve(pad) - w;
        std::memmove(start + pad, start, w);
        std::memset(start, ' ', pad);
      } else {
        std::memset(out_.reserve(pad), ' ', pad);
      }
      out_.commit(pad);
    }
  }
  out_.put('\n');
}

void TextWriter::header(const Decoder& d, const Layout& l) {
  const Table& t = *d.data().table;
  if (fmt_ == Format::csv) {
    if (csv_header_) put_sv(out_, csv_header(t));
  } else if (fmt_ == Format::table) {
    std::string h = csv_table_col_ ? "table " : "";
    for (size_t c = 0; c < t.columns.size(); c++) {
      std::string name = t.columns[c].name;
      int pad = l.widths[c] - static_cast<int>(name.size());
      if (c || csv_table_col_) h += ' ';
      if (left_aligned(t.columns[c].type)) h += name + std::string(pad, ' ');
      else h += std::string(pad, ' ') + name;
    }
    while (!h.empty() && h.back() == ' ') h.pop_back();
    put_sv(out_, h);
    out_.put('\n');
    put_sv(out_, std::string(h.size(), '-'));
    out_.put('\n');
  }
}

std::string csv_header(const Table& t) {
  std::string h;
  for (size_t c = 0; c < t.columns.size(); c++) {
    if (c) h += ',';
    h += t.columns[c].name;
  }
  return h + '\n';
}

namespace {
// The table's name and columns, as a number (FNV-1a).
uint64_t table_signature(const Table& t) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](std::string_view s) {
    for (char c : s) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;
  };
  mix(t.name);
  for (const auto& c : t.columns) {
    mix(c.name);
    h = (h ^ static_cast<uint8_t>(c.type)) * 1099511628211ull;
  }
  return h;
}
}  // namespace

// A table's place in the union, kept in its layout: its column of each
// union column, -1 where it has none. A table declared after the header
// was written, with columns it lacks (a live stream declares a table at its
// first use), extends it: the columns appended, and a header line again,
// as tick-cat -e reads it; the other tables' places grow as they are used.
void TextWriter::union_map(const Table& t, Layout& l) {
  if (!l.to_union.empty()) {
    l.to_union.resize(union_.size(), -1);
    return;
  }
  const size_t before = union_.size();
  for (const auto& c : t.columns)
    if (std::find(union_.begin(), union_.end(), c.name) == union_.end()) union_.push_back(c.name);
  if (union_.size() != before && csv_header_) put_sv(out_, union_header());
  l.to_union.assign(union_.size(), -1);
  for (size_t c = 0; c < t.columns.size(); c++)
    l.to_union[static_cast<size_t>(std::find(union_.begin(), union_.end(), t.columns[c].name) - union_.begin())] =
        static_cast<int>(c);
}

std::string TextWriter::union_header() const {
  std::string h = "table";
  for (const auto& n : union_) h += "," + n;
  return h + "\n";
}

void TextWriter::csv_union_row(const DataView& v, const SymbolTable& s, const std::vector<int>& m, uint32_t r) {
  csv_field(out_, v.table->name);
  for (int c : m) {
    out_.put(',');
    if (c >= 0) value(v, s, c, r, Format::csv);
  }
  out_.put('\n');
}

void TextWriter::rows(const Decoder& d, const uint32_t* sel, uint32_t n) {
  const DataView& v = d.data();
  const SymbolTable& s = d.syms();
  Layout& l = layout(d);
  if (n == 0) return;
  // A new context (the next file, a subscriber's reconnect) changes the
  // table only if it is another one than the last header's.
  bool changed = d.generation() != last_gen_ ? table_signature(*v.table) != header_sig_ || last_table_ < 0
                                             : v.table_id != last_table_;
  const bool to_union = fmt_ == Format::csv && csv_table_col_;
  if (to_union) {
    // Every table in one CSV: a table column, then the union of their
    // columns, a table's row empty in the columns it lacks.
    if (union_.empty()) {
      for (const auto& t : d.tables())
        for (const auto& c : t.columns)
          if (std::find(union_.begin(), union_.end(), c.name) == union_.end()) union_.push_back(c.name);
      if (csv_header_) put_sv(out_, union_header());
      header_sig_ = 1;
    }
    union_map(*v.table, l);
  } else if (fmt_ == Format::csv) {
    // One header, of the one table (csv_check refuses another).
    if (changed && table_signature(*v.table) != header_sig_) {
      csv_check(d);
      header(d, l);
      header_sig_ = table_signature(*v.table);
    }
  } else if (fmt_ == Format::table && (changed || rows_since_header_ >= 40)) {
    // A header at each change of table, repeated every 40 rows to stay
    // readable as it scrolls.
    header(d, l);
    header_sig_ = table_signature(*v.table);
    rows_since_header_ = 0;
  }
  last_gen_ = d.generation();
  last_table_ = v.table_id;
  rows_since_header_ += n;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    switch (fmt_) {
      case Format::json: json_row(v, s, l, r); break;
      case Format::csv: to_union ? csv_union_row(v, s, l.to_union, r) : csv_row(v, s, r); break;
      case Format::table: table_row(v, s, l, r); break;
      case Format::tick: case Format::kdb: break;
    }
  }
}

// CSV of one chosen table: rows of another after its header would make a
// file no CSV reader loads. Refused before they are written.
void TextWriter::csv_check(const Decoder& d) {
  const Table& t = *d.data().table;
  std::string have;
  for (const auto& k : d.tables()) have += (have.empty() ? "" : ", ") + k.name;
  const char* how = "choose one with -t TABLE, or write a CSV per table with --split DIR";
  if (header_sig_ != 0 && table_signature(t) != header_sig_)
    throw OutputRefused(str("-f csv holds one table: rows of ", t.name, " after another's (the stream has ", have, "): ", how));
}

void TextWriter::schema(const Decoder& d, std::string_view chosen) {
  if (fmt_ != Format::csv || header_sig_ != 0) return;
  const Table* t = nullptr;
  if (!chosen.empty()) {
    for (const auto& k : d.tables())
      if (k.name == chosen) t = &k;
  } else if (!csv_table_col_ && d.tables().size() == 1) {
    t = &d.tables()[0];
  }
  if (!t) return;
  if (csv_header_) put_sv(out_, csv_header(*t));
  header_sig_ = table_signature(*t);
}

void TextWriter::eod(int32_t date, uint64_t seq) {
  if (fmt_ == Format::json) {
    put_sv(out_, "{\"eod\":\"" + date_string(date) + "\",\"seq\":" + std::to_string(seq) + "}\n");
  } else if (fmt_ == Format::table) {
    put_sv(out_, "-- end of day " + date_string(date) + " --\n");
  }
  // CSV has no place for it: a CSV file is rows only.
}

}  // namespace tick
