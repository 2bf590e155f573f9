#include "tick/kdb/files.h"

#include <cstring>

#include "tick/base/error.h"
#include "tick/base/files.h"
#include "tick/kdb/object.h"

namespace tick::kdb {

std::string encode_symbol_list(const std::vector<std::string_view>& names) {
  std::string s;
  size_t n = 8;
  for (auto v : names) n += v.size() + 1;
  s.reserve(n);
  s.append("\xff\x01\x0b\x00", 4);
  uint32_t count = static_cast<uint32_t>(names.size());
  s.append(reinterpret_cast<const char*>(&count), 4);
  for (auto v : names) {
    s.append(v);
    s.push_back('\0');
  }
  return s;
}

std::vector<std::string> decode_symbol_list(const uint8_t* p, size_t n, const std::string& name) {
  if (n < 8 || p[0] != 0xff || p[1] != 0x01 || p[2] != kSymbol)
    fail(name, ": not a kdb+ symbol list (it should begin ff 01 0b)");
  std::vector<std::string> out;
  size_t at = 8;
  while (at < n) {
    const void* z = std::memchr(p + at, 0, n - at);
    if (!z) fail(name, ": byte ", at, ": the last name has no end (a torn file)");
    size_t e = static_cast<const uint8_t*>(z) - p;
    out.emplace_back(reinterpret_cast<const char*>(p + at), e - at);
    at = e + 1;
  }
  return out;
}

std::vector<std::string> read_symbol_list(const std::string& path) {
  std::string b = read_file(path);
  return decode_symbol_list(reinterpret_cast<const uint8_t*>(b.data()), b.size(), path);
}

void column_header(uint8_t* out, int qtype, uint64_t count) {
  std::memset(out, 0, kColumnHeader);
  out[0] = 0xfe;
  out[1] = 0x20;
  out[2] = static_cast<uint8_t>(qtype);
  std::memcpy(out + 8, &count, 8);
}

void enum_header(uint8_t* out, std::string_view domain, uint64_t count) {
  std::memset(out, 0, kEnumHeader);
  out[0] = 0xfd;
  out[1] = 0x20;
  std::memcpy(out + 16, domain.data(), std::min<size_t>(domain.size(), 255));
  uint8_t* h = out + kEnumHeader - 16;
  h[0] = 0xfd;
  h[1] = 0x00;
  h[2] = 20;  // an enumeration
  std::memcpy(h + 8, &count, 8);
}

ColumnKind column_kind(const uint8_t* p, size_t n) {
  ColumnKind k;
  if (n >= 8 && std::memcmp(p, "kxzipped", 8) == 0) {
    k.why = "compressed by q (kxzipped)";
    return k;
  }
  if (n >= kColumnHeader && p[0] == 0xfe && p[1] == 0x20) {
    int t = static_cast<int8_t>(p[2]);
    int w = element_width(t);
    if (w <= 0) {
      k.why = w == 0 ? "a symbol list not enumerated" : str("a column of type ", t);
      return k;
    }
    if ((n - kColumnHeader) % size_t(w)) {
      k.why = str("a ", type_name(t), " column of ", n - kColumnHeader, " bytes, not a whole number of values");
      return k;
    }
    k.kind = ColumnKind::fixed;
    k.qtype = t;
    k.data = kColumnHeader;
    k.count = (n - kColumnHeader) / size_t(w);
    return k;
  }
  if (n >= kEnumHeader && p[0] == 0xfd && p[1] == 0x20) {
    const uint8_t* h = p + kEnumHeader - 16;
    if (h[0] != 0xfd || h[2] != 20) {
      k.why = "an enumerated column with a header of another kind";
      return k;
    }
    const void* z = std::memchr(p + 16, 0, kEnumHeader - 32);
    if (!z) {
      k.why = "an enumerated column whose domain has no end";
      return k;
    }
    if ((n - kEnumHeader) % 8) {
      k.why = str("an enumerated column of ", n - kEnumHeader, " bytes, not a whole number of indexes");
      return k;
    }
    k.kind = ColumnKind::enumerated;
    k.domain.assign(reinterpret_cast<const char*>(p + 16), static_cast<const uint8_t*>(z) - (p + 16));
    k.data = kEnumHeader;
    k.count = (n - kEnumHeader) / 8;
    return k;
  }
  if (n >= 8 && p[0] == 0xfe && p[1] == 0x20) {
    k.why = "a column cut short inside its header";
  } else if (n >= 2 && (p[0] == 0xfb || p[0] == 0xfd) && p[1] != 0x20) {
    k.why = "a nested column (a list of lists, with its # file)";
  } else if (n >= 2 && p[0] == 0xff && p[1] == 0x01) {
    k.why = "a serialised object, not a mapped column (a nested or general list)";
  } else {
    k.why = "not a kdb+ column file";
  }
  return k;
}

}  // namespace tick::kdb
