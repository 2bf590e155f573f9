// Column types, with kdb+ names, widths and null values.
#pragma once
#include <cstdint>
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
};

constexpr int kTypeMax = 13;

// Width in bytes of one value in a column; 0 for string (variable length).
constexpr int type_width(Type t) {
  switch (t) {
    case Type::boolean: case Type::byte: case Type::char_: return 1;
    case Type::short_: return 2;
    case Type::int_: case Type::real: case Type::symbol: case Type::date: return 4;
    case Type::long_: case Type::float_: case Type::timestamp: case Type::timespan: return 8;
    case Type::string: return 0;
  }
  return 0;
}

constexpr bool type_valid(uint8_t code) { return code >= 1 && code <= kTypeMax; }

std::string_view type_name(Type t);
std::optional<Type> type_from_name(std::string_view name);

// kdb+ nulls: the minimum integer, NaN for floats, "" for symbols and strings.
constexpr int16_t kNullShort = std::numeric_limits<int16_t>::min();
constexpr int32_t kNullInt = std::numeric_limits<int32_t>::min();
constexpr int64_t kNullLong = std::numeric_limits<int64_t>::min();

}  // namespace tick
