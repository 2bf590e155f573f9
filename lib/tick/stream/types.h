// Column types, with kdb+ names, widths and null values.
#pragma once
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string_view>

namespace tick {

// The numeric codes are part of the stream format (tick.5); never renumber.
enum class Type : uint8_t {
  boolean = 1,
  byte = 2,
  short_ = 3,
  int_ = 4,
  long_ = 5,
  real = 6,
  float_ = 7,
  char_ = 8,
  symbol = 9,
  timestamp = 10,  // int64 nanoseconds since 1970-01-01T00:00:00Z
  timespan = 11,   // int64 nanoseconds
  date = 12,       // int32 days since 1970-01-01
  string = 13,     // variable length bytes: offsets + heap
  // kdb+'s older and rarer types, stored as kdb+ stores them.
  time = 14,       // int32 milliseconds (of a day)
  minute = 15,     // int32 minutes
  second = 16,     // int32 seconds
  month = 17,      // int32 months since 2000.01
  datetime = 18,   // float64 days since 2000.01.01 (kdb+'s epoch)
  guid = 19,       // 16 bytes, in text order
};

constexpr int kTypeMax = 19;

// Width in bytes of one value in a column; 0 for string (variable length).
constexpr int type_width(Type t) {
  switch (t) {
    case Type::boolean: case Type::byte: case Type::char_: return 1;
    case Type::short_: return 2;
    case Type::int_: case Type::real: case Type::symbol: case Type::date: return 4;
    case Type::time: case Type::minute: case Type::second: case Type::month: return 4;
    case Type::long_: case Type::float_: case Type::timestamp: case Type::timespan: return 8;
    case Type::datetime: return 8;
    case Type::guid: return 16;
    case Type::string: return 0;
  }
  return 0;
}

constexpr bool type_valid(uint8_t code) { return code >= 1 && code <= kTypeMax; }

// Types a table's time column may have: an instant (timestamp) or a time of
// day (timespan, and kdb+'s time, second and minute).
constexpr bool time_of_day_type(Type t) {
  return t == Type::timespan || t == Type::time || t == Type::second || t == Type::minute;
}
constexpr bool time_column_type(Type t) { return t == Type::timestamp || time_of_day_type(t); }

std::string_view type_name(Type t);
std::optional<Type> type_from_name(std::string_view name);

// kdb+ nulls: the minimum integer, NaN for floats, "" for symbols and strings.
constexpr int16_t kNullShort = std::numeric_limits<int16_t>::min();
constexpr int32_t kNullInt = std::numeric_limits<int32_t>::min();
constexpr int64_t kNullLong = std::numeric_limits<int64_t>::min();
// kdb+'s float null 0n (a NaN with the sign bit set), as q writes it.
constexpr uint64_t kNullDatetimeBits = 0xfff8000000000000ull;

// A time column's value p points at, in nanoseconds (since the epoch, or of
// the day); null is kNullLong.
inline int64_t time_ns(Type t, const uint8_t* p) {
  if (t == Type::timestamp || t == Type::timespan) {
    int64_t v;
    std::memcpy(&v, p, 8);
    return v;
  }
  int32_t v;
  std::memcpy(&v, p, 4);
  if (v == kNullInt) return kNullLong;
  int64_t unit = t == Type::time ? 1'000'000 : t == Type::second ? 1'000'000'000 : 60'000'000'000;
  int64_t ns;
  // (more minutes than nanoseconds hold: as far as they reach)
  if (__builtin_mul_overflow(int64_t{v}, unit, &ns)) return v < 0 ? kNullLong + 1 : INT64_MAX;
  return ns;
}
// Stores ns (of the day, for the time-of-day types) at p in type t, truncated
// to the type's unit.
inline void store_time_ns(Type t, int64_t ns, uint8_t* p) {
  if (t == Type::timestamp || t == Type::timespan) {
    std::memcpy(p, &ns, 8);
    return;
  }
  int64_t unit = t == Type::time ? 1'000'000 : t == Type::second ? 1'000'000'000 : 60'000'000'000;
  int32_t v = ns == kNullLong ? kNullInt : static_cast<int32_t>(ns / unit);
  std::memcpy(p, &v, 4);
}

}  // namespace tick
