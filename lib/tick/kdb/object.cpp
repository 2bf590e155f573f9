#include "tick/kdb/object.h"

#include <cstring>
#include <limits>

#include "tick/base/clock.h"
#include "tick/base/error.h"

namespace tick::kdb {

int element_width(int t) {
  switch (t) {
    case kBoolean: case kByte: case kChar: return 1;
    case kShort: return 2;
    case kInt: case kReal: case kMonth: case kDate: case kMinute: case kSecond: case kTime: return 4;
    case kLong: case kFloat: case kTimestamp: case kDatetime: case kTimespan: return 8;
    case kGuid: return 16;
    case kSymbol: return 0;
  }
  return -1;
}

std::string type_name(int t) {
  static const char* names[] = {"mixed list", "boolean", "guid",  "?",      "byte",   "short",    "int",
                                "long",       "real",    "float", "char",   "symbol", "timestamp", "month",
                                "date",       "datetime", "timespan", "minute", "second", "time"};
  if (t == kTable) return "table";
  if (t == kDict) return "dictionary";
  if (t == kError) return "error";
  if (t >= 100 && t <= 112) return "function";
  if (t >= 1 && t <= 19 && t != 3) return str(names[t], " list");
  if (t == 0) return names[0];
  if (t <= -1 && t >= -19 && t != -3) return str(names[-t], " atom");
  return str("type ", t);
}

int q_type_of(Type t) {
  switch (t) {
    case Type::boolean: return kBoolean;
    case Type::byte: return kByte;
    case Type::short_: return kShort;
    case Type::int_: return kInt;
    case Type::long_: return kLong;
    case Type::real: return kReal;
    case Type::float_: return kFloat;
    case Type::char_: return kChar;
    case Type::symbol: return kSymbol;
    case Type::timestamp: return kTimestamp;
    case Type::timespan: return kTimespan;
    case Type::date: return kDate;
    case Type::string: return kMixed;
    case Type::time: return kTime;
    case Type::minute: return kMinute;
    case Type::second: return kSecond;
    case Type::month: return kMonth;
    case Type::datetime: return kDatetime;
    case Type::guid: return kGuid;
  }
  return -1;
}

std::optional<Type> tick_type_of(int q) {
  for (int i = 1; i <= kTypeMax; i++)
    if (q_type_of(static_cast<Type>(i)) == q) return static_cast<Type>(i);
  return std::nullopt;
}

namespace {

constexpr int kMaxDepth = 64;

size_t size_at(const uint8_t* p, size_t n, Problem& pr, int depth);

size_t torn(Problem& pr) {
  pr.torn = true;
  return 0;
}
size_t malformed(Problem& pr, std::string why) {
  pr.why = std::move(why);
  return 0;
}
// A NUL-ended text at p: its length with the NUL.
// (memchr, which reads no further than the NUL: some callers size objects
// already checked with no true bound, n huge)
size_t text_size(const uint8_t* p, size_t n, Problem& pr) {
  const void* z = std::memchr(p, 0, n);
  if (!z) return torn(pr);
  return static_cast<const uint8_t*>(z) - p + 1;
}
// count objects one after another.
size_t objects_size(const uint8_t* p, size_t n, uint64_t count, Problem& pr, int depth) {
  size_t at = 0;
  for (uint64_t i = 0; i < count; i++) {
    size_t s = size_at(p + at, n - at, pr, depth + 1);
    if (!s) return 0;
    at += s;
  }
  return at;
}

size_t size_at(const uint8_t* p, size_t n, Problem& pr, int depth) {
  if (depth > kMaxDepth) return malformed(pr, str("objects nested more than ", kMaxDepth, " deep"));
  if (n < 1) return torn(pr);
  const int t = static_cast<int8_t>(p[0]);
  if (t < 0) {
    if (t == kError || t == -kSymbol) {
      size_t s = text_size(p + 1, n - 1, pr);
      return s ? 1 + s : 0;
    }
    int w = element_width(-t);
    if (w <= 0) return malformed(pr, str("unknown type ", t));
    return n < 1 + size_t(w) ? torn(pr) : 1 + w;
  }
  if (t <= 19) {
    if (n < 6) return torn(pr);
    if (p[1] > 5) return malformed(pr, str("bad attribute ", int(p[1]), " on a ", type_name(t)));
    int32_t count;
    std::memcpy(&count, p + 2, 4);
    if (count < 0) return malformed(pr, str("negative count ", count, " of a ", type_name(t)));
    if (t == kMixed) {
      size_t s = objects_size(p + 6, n - 6, static_cast<uint64_t>(count), pr, depth);
      return s || count == 0 ? 6 + s : 0;
    }
    int w = element_width(t);
    if (w < 0) return malformed(pr, str("unknown type ", t));
    if (w > 0) {
      uint64_t len = uint64_t(count) * uint64_t(w);
      return n - 6 < len ? torn(pr) : 6 + len;
    }
    size_t at = 6;
    for (int32_t i = 0; i < count; i++) {
      size_t s = text_size(p + at, n - at, pr);
      if (!s) return 0;
      at += s;
    }
    return at;
  }
  if (t == kTable) {
    if (n < 2) return torn(pr);
    size_t s = size_at(p + 2, n - 2, pr, depth + 1);
    return s ? 2 + s : 0;
  }
  if (t == kDict || t == 127) {
    size_t s = objects_size(p + 1, n - 1, 2, pr, depth);
    return s ? 1 + s : 0;
  }
  if (t == 100) {  // lambda: its context, then its text
    size_t c = text_size(p + 1, n - 1, pr);
    if (!c) return 0;
    size_t s = size_at(p + 1 + c, n - 1 - c, pr, depth + 1);
    return s ? 1 + c + s : 0;
  }
  if (t >= 101 && t <= 103) return n < 2 ? torn(pr) : 2;  // unary, binary, ternary primitives
  if (t == 104 || t == 105) {  // projection, composition: a count of objects
    if (n < 5) return torn(pr);
    int32_t count;
    std::memcpy(&count, p + 1, 4);
    if (count < 0) return malformed(pr, str("negative count ", count, " of a ", type_name(t)));
    size_t s = objects_size(p + 5, n - 5, static_cast<uint64_t>(count), pr, depth);
    return s || count == 0 ? 5 + s : 0;
  }
  if (t >= 106 && t <= 111) {  // adverbs: one object
    size_t s = size_at(p + 1, n - 1, pr, depth + 1);
    return s ? 1 + s : 0;
  }
  return malformed(pr, str("unknown type ", t));
}

constexpr int64_t kLongNull = std::numeric_limits<int64_t>::min();
constexpr int64_t kLongInf = std::numeric_limits<int64_t>::max();
constexpr int32_t kIntInf = std::numeric_limits<int32_t>::max();

}  // namespace

size_t object_size(const uint8_t* p, size_t n, Problem& problem) { return size_at(p, n, problem, 0); }

int64_t timestamp_from_q(int64_t v) {
  if (v == kLongNull || v == kLongInf || v == -kLongInf) return v;
  int64_t r;
  return __builtin_add_overflow(v, kQEpochNs, &r) ? v : r;
}
int64_t timestamp_to_q(int64_t v) {
  if (v == kLongNull || v == kLongInf || v == -kLongInf) return v;
  int64_t r;
  return __builtin_sub_overflow(v, kQEpochNs, &r) ? v : r;
}
int32_t date_from_q(int32_t v) {
  if (v == kNullInt || v == kIntInf || v == -kIntInf) return v;
  return v > kIntInf - kQEpochDays ? v : v + kQEpochDays;
}
int32_t date_to_q(int32_t v) {
  if (v == kNullInt || v == kIntInf || v == -kIntInf) return v;
  return v < -kIntInf + kQEpochDays ? v : v - kQEpochDays;
}

namespace {
template <class V, V (*F)(V)>
void shift(const uint8_t* src, uint8_t* dst, size_t n) {
  for (size_t i = 0; i < n; i++) {
    V v;
    std::memcpy(&v, src + sizeof(V) * i, sizeof(V));
    v = F(v);
    std::memcpy(dst + sizeof(V) * i, &v, sizeof(V));
  }
}
template <bool kFromQ>
void move_values(Type t, const uint8_t* src, uint8_t* dst, size_t n) {
  if (t == Type::timestamp) shift<int64_t, kFromQ ? timestamp_from_q : timestamp_to_q>(src, dst, n);
  else if (t == Type::date) shift<int32_t, kFromQ ? date_from_q : date_to_q>(src, dst, n);
  else if (src != dst) std::memcpy(dst, src, n * size_t(type_width(t)));
}
}  // namespace

void values_from_q(Type t, const uint8_t* src, uint8_t* dst, size_t n) { move_values<true>(t, src, dst, n); }
void values_to_q(Type t, const uint8_t* src, uint8_t* dst, size_t n) { move_values<false>(t, src, dst, n); }

void symbol_names(const uint8_t* vec, std::vector<std::string_view>& names) {
  names.clear();
  const uint32_t k = load32(vec + 2);
  const char* e = reinterpret_cast<const char*>(vec + 6);
  for (uint32_t i = 0; i < k; i++) {
    names.emplace_back(e);
    e += names.back().size() + 1;
  }
}

void list_items(const uint8_t* list, std::vector<const uint8_t*>& items) {
  int32_t k;
  std::memcpy(&k, list + 2, 4);
  items.clear();
  const uint8_t* e = list + 6;
  for (int32_t i = 0; i < k; i++) {
    items.push_back(e);
    Problem pr;
    if (i + 1 < k) e += object_size(e, SIZE_MAX / 2, pr);  // (the last need not be sized)
  }
}

std::string table_parts(const uint8_t* d, std::vector<std::string_view>& names, std::vector<const uint8_t*>& items) {
  const uint8_t* dict = d + 2;
  const uint8_t* keys = dict + 1;
  if (static_cast<int8_t>(dict[0]) != kDict || static_cast<int8_t>(keys[0]) != kSymbol)
    return "a table without a symbol list of column names";
  symbol_names(keys, names);
  // (the columns follow the last name)
  const char* end = names.empty() ? reinterpret_cast<const char*>(keys + 6) : names.back().data() + names.back().size() + 1;
  const uint8_t* vals = reinterpret_cast<const uint8_t*>(end);
  if (static_cast<int8_t>(vals[0]) != kMixed) return "a table whose columns are not a list";
  list_items(vals, items);
  if (items.size() != names.size()) return "a table with more names than columns";
  return {};
}

}  // namespace tick::kdb
