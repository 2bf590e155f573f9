// The common JSON row read without simdjson: one flat object (keys and
// values with no escapes, no nesting, ASCII) in one pass, each value
// converted as it is met. Anything else, and every error, is left to the
// full path (json.cpp), which reads the row again from its start: so the
// rows made, and every message a bad row gets, are the full path's own.
#include "tick/text/in_impl.h"

#include "tick/base/units.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace tick {

namespace {

// Bytes a plain string holds: printable ASCII but the quote and backslash.
struct PlainTable {
  bool ok[256] = {};
  constexpr PlainTable() {
    for (int c = 0x20; c < 0x7f; c++) ok[c] = c != '"' && c != '\\';
  }
};
constexpr PlainTable kPlain;

// The first byte at or after p (before end) that a plain string cannot
// hold; 16 at a time while 16 are readable (up to limit).
inline const char* plain_end(const char* p, const char* end, const char* limit) {
#ifdef __SSE2__
  const __m128i quote = _mm_set1_epi8('"'), slash = _mm_set1_epi8('\\'), del = _mm_set1_epi8(0x7f),
                low = _mm_set1_epi8(0x20);
  while (p + 16 <= limit && p < end) {
    __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // (signed: below 0x20 is a control byte or, negative, 0x80 and over)
    __m128i bad = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(c, quote), _mm_cmpeq_epi8(c, slash)),
                               _mm_or_si128(_mm_cmpeq_epi8(c, del), _mm_cmplt_epi8(c, low)));
    if (int m = _mm_movemask_epi8(bad)) return std::min(end, p + __builtin_ctz(static_cast<unsigned>(m)));
    p += 16;
  }
#else
  (void)limit;
#endif
  while (p < end && kPlain.ok[static_cast<uint8_t>(*p)]) p++;
  return std::min(p, end);
}

// Names are short: compared here, not by a call to memcmp.
inline bool same(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++)
    if (a[i] != b[i]) return false;
  return true;
}

// The input at p begins with key k ("name":), compared 16 bytes at a time
// while 16 are readable.
inline bool same_key(const char* p, const char* end, const char* limit, const FlatKey& k) {
  const size_t n = k.len;
  if (n == 0 || static_cast<size_t>(end - p) < n) return false;
#ifdef __SSE2__
  if (p + 32 <= limit) {
    __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(k.text));
    unsigned eq = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(a, b)));
    if (n <= 16) {
      const unsigned want = (1u << n) - 1;
      return (eq & want) == want;
    }
    if (eq != 0xffff) return false;
    a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16));
    b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(k.text + 16));
    eq = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(a, b)));
    const unsigned want = (1u << (n - 16)) - 1;
    return (eq & want) == want;
  }
#else
  (void)limit;
#endif
  return std::memcmp(p, k.text, n) == 0;
}

inline bool space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Powers of ten a double holds exactly.
constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                             1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

inline bool digit(char c) { return static_cast<unsigned char>(c - '0') < 10; }

}  // namespace

bool read_json_number(const char*& p, const char* end, JsonNumber& n) {
  const char* start = p;
  const bool neg = p < end && *p == '-';
  p += neg;
  if (p == end || !digit(*p)) return false;
  // Every digit into mant while there are at most 19 of them (leading
  // zeros of a fraction count: such a number, rare, takes from_chars).
  uint64_t mant = 0;
  const char* d0 = p;
  if (*p == '0') {
    p++;
  } else {
    while (p < end && digit(*p)) mant = mant * 10 + static_cast<uint64_t>(*p++ - '0');
  }
  const long int_digits = p - d0;
  long frac = 0;
  const bool has_frac = p < end && *p == '.';
  if (has_frac) {
    const char* f0 = ++p;
    while (p < end && digit(*p)) mant = mant * 10 + static_cast<uint64_t>(*p++ - '0');
    frac = p - f0;
    if (frac == 0) return false;
  }
  const bool exact = int_digits + frac <= 19;
  int exp = 0;
  const bool has_exp = p < end && (*p == 'e' || *p == 'E');
  if (has_exp) {
    p++;
    bool eneg = false;
    if (p < end && (*p == '+' || *p == '-')) eneg = *p == '-', p++;
    const char* e0 = p;
    while (p < end && digit(*p) && p - e0 < 4) exp = exp * 10 + (*p++ - '0');
    // (past a double's reach simdjson's own rules decide, zero or not)
    if (p == e0 || (p < end && digit(*p)) || exp > 330) return false;
    if (eneg) exp = -exp;
  }
  n.integral = !has_frac && !has_exp;
  n.whole_ok = false;
  if (n.integral && int_digits <= 19) {
    // in range up to 9223372036854775807 (or ...808 below zero); 19
    // digits can pass it, not wrap
    if (mant <= (neg ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1)) {
      n.whole = neg ? static_cast<int64_t>(0 - mant) : static_cast<int64_t>(mant);
      n.whole_ok = true;
    }
  }
  // A decimal exponent e and mantissa m both exact in a double: m * 10^e
  // (or m / 10^-e) is one rounding, correct (Clinger's fast path).
  const long e10 = exp - frac;
  if (exact && mant <= (uint64_t{1} << 53) && e10 >= -22 && e10 <= 22) {
    double v = static_cast<double>(mant);
    v = e10 < 0 ? v / kPow10[-e10] : v * kPow10[e10];
    n.real = neg ? -v : v;
    return true;
  }
  auto r = std::from_chars(start, p, n.real);
  return r.ec == std::errc() && r.ptr == p;
}

bool json_double(std::string_view token, double& x) {
  while (!token.empty() && space(token.back())) token.remove_suffix(1);
  const char* p = token.data();
  JsonNumber n;
  if (!read_json_number(p, token.data() + token.size(), n) || p != token.data() + token.size()) return false;
  x = n.real;
  return true;
}

bool Encoder::Impl::flat_row(const char* p, size_t len, size_t cap, int tid, uint64_t& rows) {
  const char* limit = p + cap;
  // First the whole object's tokens, checked: nothing is changed (a
  // batch begun, a symbol added) for a line the full path refuses outright.
  const char* end = p + len;
  while (p < end && space(*p)) p++;
  if (p == end || *p != '{') return false;
  p++;
  flat_fields.clear();
  if (flat_shapes.size() != schema.tables.size()) flat_shapes.resize(schema.tables.size());
  const FlatShape* shape = tid >= 0 ? &flat_shapes[tid] : nullptr;
  size_t matched = 0;  // keys matched to the shape
  while (p < end && space(*p)) p++;
  if (p < end && *p == '}') {
    p++;
  } else {
    while (true) {
      while (p < end && space(*p)) p++;
      if (p == end || *p != '"') return false;
      FlatField& f = flat_fields.emplace_back();
      const size_t fi = flat_fields.size() - 1;
      if (shape && fi < shape->keys.size() && same_key(p, end, limit, shape->keys[fi])) {
        // "key": exactly as the last row of the table had it
        const size_t n = shape->keys[fi].len;
        f.key = {p + 1, n - 3};
        f.col = shape->cols[fi];
        p += n;
        matched++;
      } else {
        const char* key = ++p;
        p = plain_end(p, end, limit);
        if (p == end || *p != '"') return false;
        f.key = {key, static_cast<size_t>(p - key)};
        f.col = -1;
        p++;
        while (p < end && space(*p)) p++;
        if (p == end || *p != ':') return false;
        p++;
      }
      while (p < end && space(*p)) p++;
      if (p == end) return false;
      const char c0 = *p;
      if (c0 == '"') {
        const char* v = ++p;
        p = plain_end(p, end, limit);
        if (p == end || *p != '"') return false;
        f.text = {v, static_cast<size_t>(p - v)};
        p++;
        f.kind = FlatField::kString;
        // A first field naming the table: its shape for the rest.
        if (fi == 0 && !shape && f.key == "table") {
          int id = table_by_name(f.text);
          if (id >= 0) shape = &flat_shapes[id];
        }
      } else if (c0 == '-' || (c0 >= '0' && c0 <= '9')) {
        if (!read_json_number(p, end, f.num)) return false;
        f.kind = FlatField::kNumber;
      } else if (end - p >= 4 && std::memcmp(p, "true", 4) == 0) {
        p += 4;
        f.kind = FlatField::kTrue;
      } else if (end - p >= 5 && std::memcmp(p, "false", 5) == 0) {
        p += 5;
        f.kind = FlatField::kFalse;
      } else if (end - p >= 4 && std::memcmp(p, "null", 4) == 0) {
        p += 4;
        f.kind = FlatField::kNull;
      } else {
        return false;  // nested, or not JSON
      }
      while (p < end && space(*p)) p++;
      if (p == end) return false;
      if (*p == '}') {
        p++;
        break;
      }
      if (*p != ',') return false;
      p++;
    }
  }
  while (p < end && space(*p)) p++;
  if (p != end) return false;  // (only space after the object)

  // Then the row, each value as the full path converts it; anything it
  // would refuse or that is not plain here goes back to it.
  size_t at = 0;
  const bool tid_named = tid < 0;  // (the first field named it)
  if (tid < 0) {
    // The table from the first field, or the full path finds it.
    if (flat_fields.empty() || flat_fields[0].key != "table" || flat_fields[0].kind != FlatField::kString)
      return false;
    tid = table_by_name(flat_fields[0].text);
    if (tid < 0) return false;
    at = 1;
  }
  TableBatch* b = begin_table_row(tid);
  if (!b) return err.clear(), false;
  auto give_up = [&] {
    b->abort_row();
    return false;
  };
  const Table& t = schema.tables[tid];
  size_t expect = 0;
  for (; at < flat_fields.size(); at++) {
    FlatField& f = flat_fields[at];
    const bool is_string = f.kind == FlatField::kString;
    int col = f.col;
    if (col >= 0) {
      // (the shape's column for this key)
    } else if (expect < t.columns.size() && same(t.columns[expect].name, f.key)) {
      col = static_cast<int>(expect);
    } else {
      col = t.find(f.key);
      if (col < 0) {
        if (f.key == "table" && is_string && f.text == t.name) continue;
        if (f.key != "table" && opt.ignore_unknown) continue;
        return give_up();
      }
    }
    if (b->is_set(col)) return give_up();
    f.col = col;
    const Column& c = t.columns[col];
    switch (f.kind) {
      case FlatField::kNull:
        break;
      case FlatField::kTrue: case FlatField::kFalse:
        if (c.type != Type::boolean) return give_up();
        b->set<uint8_t>(col, f.kind == FlatField::kTrue);
        break;
      case FlatField::kString:
        // Strings are read as the full path reads them; a number in text
        // (float columns take "inf" and such) by its rule.
        if (c.type == Type::boolean || c.type == Type::byte || c.type == Type::short_ || c.type == Type::int_ ||
            c.type == Type::long_)
          return give_up();
        if (c.type == Type::real || c.type == Type::float_) {
          double x;
          if (!parse_float(f.text, x) || !put_real(*b, col, c.type, x)) return give_up();
          break;
        }
        if (!set_text(*b, col, c, f.text)) return err.clear(), give_up();
        break;
      case FlatField::kNumber: {
        const JsonNumber& num = f.num;
        switch (c.type) {
          case Type::float_: case Type::real:
            if (!put_real(*b, col, c.type, num.real)) return give_up();
            break;
          case Type::long_: case Type::int_: case Type::short_: case Type::byte:
            if (!num.whole_ok || !put_whole(*b, col, c.type, num.whole)) return give_up();
            break;
          case Type::timestamp: case Type::timespan: {
            int64_t ns;
            if (!num.whole_ok || !time_number(c, num.whole, ns)) return err.clear(), give_up();
            b->set<int64_t>(col, ns);
            break;
          }
          default:
            return give_up();  // (dates, times, datetimes as numbers: the full path)
        }
        break;
      }
    }
    expect = static_cast<size_t>(col) + 1;
  }
  if (matched + (tid_named ? 1 : 0) != flat_fields.size()) remember_shape(tid);
  end_row(tid, rows);
  return true;
}

// The row just read (flat_fields) as its table's shape: each key as it is
// written in compact JSON, and its column (-1: not a column, read the
// long way).
void Encoder::Impl::remember_shape(int tid) {
  FlatShape& sh = flat_shapes[tid];
  sh.keys.resize(flat_fields.size());
  sh.cols.resize(flat_fields.size());
  for (size_t i = 0; i < flat_fields.size(); i++) {
    const FlatField& f = flat_fields[i];
    FlatKey& k = sh.keys[i];
    std::memset(k.text, 0, sizeof k.text);
    k.len = 0;
    if (f.key.size() + 3 <= sizeof k.text) {
      k.text[0] = '"';
      std::memcpy(k.text + 1, f.key.data(), f.key.size());
      k.text[f.key.size() + 1] = '"';
      k.text[f.key.size() + 2] = ':';
      k.len = static_cast<uint8_t>(f.key.size() + 3);
    }
    sh.cols[i] = f.col;
  }
}

}  // namespace tick
