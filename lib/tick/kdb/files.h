// kdb+'s HDB files (KDB.md, "The historical database"): the symbol lists
// (.d and the root sym), fixed-width column files and enumerated symbol
// columns, as q writes and loads them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tick::kdb {

// A serialised symbol list as a file: ff 01 0b 00 <int32 count> name\0...
std::string encode_symbol_list(const std::vector<std::string_view>& names);
// Its names, counted (the header's count is not trusted: q 4.x writes 0,
// and appends leave it stale). Throws Error naming `name` if the bytes are
// not a symbol list.
std::vector<std::string> decode_symbol_list(const uint8_t* p, size_t n, const std::string& name);
std::vector<std::string> read_symbol_list(const std::string& path);

// A fixed-width column: this 16-byte header, then the values.
constexpr size_t kColumnHeader = 16;
void column_header(uint8_t* out, int qtype, uint64_t count);
// An enumerated symbol column (q 3.6+): a 4096-byte first page naming the
// domain, then one int64 index per row.
constexpr size_t kEnumHeader = 4096;
void enum_header(uint8_t* out, std::string_view domain, uint64_t count);

// What a column file holds, from its first bytes (n of them, the file's
// size): a fixed-width column of qtype, an enumeration, or neither (why
// says what: compressed, nested, unknown).
struct ColumnKind {
  enum { fixed, enumerated, other } kind = other;
  int qtype = 0;
  uint64_t data = 0;   // offset of the first value
  uint64_t count = 0;  // values, from the size (headers are not trusted)
  std::string domain;  // enumerated: the list it indexes ("sym")
  std::string why;     // other: what it is
};
ColumnKind column_kind(const uint8_t* p, size_t n);

}  // namespace tick::kdb
