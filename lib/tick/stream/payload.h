// The payloads of the control and protocol messages (man 5 tick): little-
// endian integers and u16-length strings, put into a buffer and framed as
// one record padded to 8 bytes, and read back with their length checked
// ("NAME message too short").
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tick/base/error.h"
#include "tick/base/io.h"
#include "tick/stream/format.h"
#include "tick/stream/writer.h"

namespace tick::payload {

inline void put_str(std::vector<uint8_t>& b, const std::string& s) {
  uint16_t n = static_cast<uint16_t>(std::min<size_t>(s.size(), 65535));
  b.push_back(n & 0xff);
  b.push_back(n >> 8);
  b.insert(b.end(), s.begin(), s.begin() + n);
}
inline void put32(std::vector<uint8_t>& b, uint32_t v) {
  for (int i = 0; i < 4; i++) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
inline void put64(std::vector<uint8_t>& b, uint64_t v) {
  for (int i = 0; i < 8; i++) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
inline void emit(Output& out, RecordType t, std::vector<uint8_t>& b) {
  b.resize(pad8(b.size()), 0);
  write_record(out, t, 0, b.data(), static_cast<uint32_t>(b.size()));
}
struct Cursor {
  const uint8_t* p;
  size_t len, at = 0;
  const char* what;
  void need(size_t n) {
    if (at + n > len) fail(what, " message too short");
  }
  uint16_t u16() { need(2); uint16_t v = load16(p + at); at += 2; return v; }
  uint32_t u32() { need(4); uint32_t v = load32(p + at); at += 4; return v; }
  uint64_t u64() { need(8); uint64_t v = load64(p + at); at += 8; return v; }
  std::string str() {
    uint16_t n = u16();
    need(n);
    std::string s(reinterpret_cast<const char*>(p + at), n);
    at += n;
    return s;
  }
};

}  // namespace tick::payload
