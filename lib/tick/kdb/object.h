// kdb+'s serialised objects (its IPC and file encoding, see KDB.md): the
// type codes, how far an object reaches, and the values tick's column types
// take in them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tick/base/io.h"
#include "tick/stream/format.h"
#include "tick/stream/types.h"

namespace tick::kdb {

// q's type codes (an atom is the negative of its vector's).
enum QType : int8_t {
  kMixed = 0, kBoolean = 1, kGuid = 2, kByte = 4, kShort = 5, kInt = 6, kLong = 7, kReal = 8, kFloat = 9,
  kChar = 10, kSymbol = 11, kTimestamp = 12, kMonth = 13, kDate = 14, kDatetime = 15, kTimespan = 16,
  kMinute = 17, kSecond = 18, kTime = 19, kTable = 98, kDict = 99, kError = -128,
};

// Bytes of one element of a vector of type t (1..19); 0 for symbols (text
// ended by a NUL); -1 for a code that is no vector type.
int element_width(int t);
// q's name of a type code ("long", "symbol", "mixed list", "table"),
// negative codes as atoms ("long atom").
std::string type_name(int t);
// The q vector type holding a tick column type (string: a mixed list of
// char vectors, said as kMixed), and back.
int q_type_of(Type t);
std::optional<Type> tick_type_of(int q);

// What object_size found wrong.
struct Problem {
  bool torn = false;  // the bytes end inside the object
  std::string why;    // otherwise: what is malformed
};

// The length of the serialised object at p, which has n bytes after it; 0
// with problem set when the bytes end inside it or it is malformed.
size_t object_size(const uint8_t* p, size_t n, Problem& problem);

// The length of the NUL-ended text at p (a symbol's, without the NUL),
// reading none of the bytes from p + n on; SIZE_MAX when none of the n is
// a NUL. Symbols are short: eight bytes are looked at a time, in place, so
// n must be a true bound (the bytes to the object's end), never a guess.
inline size_t text_length(const uint8_t* p, size_t n) {
  size_t at = 0;
  for (int i = 0; i < 4 && n - at >= 8; i++, at += 8) {
    uint64_t w;
    std::memcpy(&w, p + at, 8);
    // Exact for the lowest zero byte (a borrow marks only bytes above it).
    uint64_t z = (w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull;
    if (z) return at + (__builtin_ctzll(z) >> 3);
  }
  const void* z = at < n ? std::memchr(p + at, 0, n - at) : nullptr;
  return z ? static_cast<size_t>(static_cast<const uint8_t*>(z) - p) : SIZE_MAX;
}

// The parts of an object already checked whole by object_size: a symbol
// atom's text, a mixed list's items, a symbol vector's names, and a
// table's column names and column objects (an empty string, or what is not
// a table's shape).
inline std::string_view symbol_text(const uint8_t* atom) { return reinterpret_cast<const char*>(atom + 1); }
void list_items(const uint8_t* list, std::vector<const uint8_t*>& items);
void symbol_names(const uint8_t* vec, std::vector<std::string_view>& names);
std::string table_parts(const uint8_t* table, std::vector<std::string_view>& names, std::vector<const uint8_t*>& items);

// kdb+'s epoch in tick's: timestamps and dates are shifted between them;
// nulls and infinities are the same bits in both.
int64_t timestamp_from_q(int64_t v);
int64_t timestamp_to_q(int64_t v);
int32_t date_from_q(int32_t v);
int32_t date_to_q(int32_t v);
// n values of a fixed-width column of type t from src to dst (the same place
// or apart), moved from kdb+'s epoch to tick's or back: timestamps and
// dates shifted, every other type as it is.
void values_from_q(Type t, const uint8_t* src, uint8_t* dst, size_t n);
void values_to_q(Type t, const uint8_t* src, uint8_t* dst, size_t n);

// Appending serialised objects to an Output.
inline void put8(Output& o, uint8_t v) { o.put(static_cast<char>(v)); }
inline void put32(Output& o, uint32_t v) {
  store32(o.reserve(4), v);
  o.commit(4);
}
inline void put_symbol(Output& o, std::string_view s) {
  uint8_t* p = o.reserve(s.size() + 1);
  std::memcpy(p, s.data(), s.size());
  p[s.size()] = 0;
  o.commit(s.size() + 1);
}
// A vector's head: type, no attribute, count.
inline void put_vector_head(Output& o, int type, uint32_t count) {
  uint8_t* p = o.reserve(6);
  p[0] = static_cast<uint8_t>(type);
  p[1] = 0;
  store32(p + 2, count);
  o.commit(6);
}

}  // namespace tick::kdb
