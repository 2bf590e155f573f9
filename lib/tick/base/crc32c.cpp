#include "tick/base/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace tick {

namespace {

constexpr uint32_t kPoly = 0x82F63B78u;  // reflected Castagnoli polynomial

// Slicing-by-8 tables for machines without the crc32 instruction.
struct Tables {
  std::array<std::array<uint32_t, 256>, 8> t{};
  constexpr Tables() {
    for (uint32_t i = 0; i < 256; i++) {
      uint32_t c = i;
      for (int k = 0; k < 8; k++) c = (c >> 1) ^ ((c & 1) ? kPoly : 0);
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
      for (int s = 1; s < 8; s++) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
  }
};
constexpr Tables kTables;

uint32_t crc_soft(uint32_t crc, const uint8_t* p, size_t n) {
  const auto& t = kTables.t;
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    v ^= crc;
    crc = t[7][v & 0xff] ^ t[6][(v >> 8) & 0xff] ^ t[5][(v >> 16) & 0xff] ^
          t[4][(v >> 24) & 0xff] ^ t[3][(v >> 32) & 0xff] ^ t[2][(v >> 40) & 0xff] ^
          t[1][(v >> 48) & 0xff] ^ t[0][v >> 56];
    p += 8;
    n -= 8;
  }
  while (n--) crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];
  return crc;
}

// a(x) * b(x) modulo the polynomial, in the reflected bit order (as zlib).
constexpr uint32_t multmodp(uint32_t a, uint32_t b) {
  uint32_t m = 1u << 31, p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) == 0) break;
    }
    m >>= 1;
    b = b & 1 ? (b >> 1) ^ kPoly : b >> 1;
  }
  return p;
}

// x^(8n) modulo the polynomial: appending n zero bytes multiplies by it.
constexpr uint32_t x8nmodp(size_t n) {
  uint32_t p = 1u << 31;  // x^0
  uint32_t x2k = 1u << 30;  // x^1, then squared: x^(2^k)
  for (int k = 0; k < 3; k++) x2k = multmodp(x2k, x2k);  // x^8
  while (n) {
    if (n & 1) p = multmodp(x2k, p);
    x2k = multmodp(x2k, x2k);
    n >>= 1;
  }
  return p;
}

// Three streams of kBlock bytes run in parallel to hide the crc32
// instruction's latency; their states are joined by "shift by kBlock (or
// 2*kBlock) zero bytes", a linear map done with four table lookups. Records
// of a few hundred bytes (ten rows) go by kSmall blocks the same way.
constexpr size_t kBlock = 256, kSmall = 64;
struct Shift {
  std::array<std::array<uint32_t, 256>, 4> t{};
  constexpr explicit Shift(size_t bytes) {
    uint32_t k = x8nmodp(bytes);
    for (int j = 0; j < 4; j++)
      for (uint32_t i = 0; i < 256; i++) t[j][i] = multmodp(k, i << (8 * j));
  }
  uint32_t operator()(uint32_t c) const {
    return t[0][c & 0xff] ^ t[1][(c >> 8) & 0xff] ^ t[2][(c >> 16) & 0xff] ^ t[3][c >> 24];
  }
};
const Shift kShift1(kBlock), kShift2(2 * kBlock), kSmallShift1(kSmall), kSmallShift2(2 * kSmall);

#if defined(__x86_64__)
// The state c over as many runs of three B-byte blocks as n holds.
template <size_t B>
__attribute__((target("sse4.2"))) inline uint64_t crc_3way(uint64_t c, const uint8_t*& p, size_t& n,
                                                           const Shift& one, const Shift& two) {
  while (n >= 3 * B) {
    uint64_t c1 = 0, c2 = 0;
    for (size_t i = 0; i < B; i += 8) {
      uint64_t a, b, d;
      std::memcpy(&a, p + i, 8);
      std::memcpy(&b, p + B + i, 8);
      std::memcpy(&d, p + 2 * B + i, 8);
      c = _mm_crc32_u64(c, a);
      c1 = _mm_crc32_u64(c1, b);
      c2 = _mm_crc32_u64(c2, d);
    }
    c = two(static_cast<uint32_t>(c)) ^ one(static_cast<uint32_t>(c1)) ^ static_cast<uint32_t>(c2);
    p += 3 * B;
    n -= 3 * B;
  }
  return c;
}

__attribute__((target("sse4.2"))) uint32_t crc_hw(uint32_t crc, const uint8_t* p, size_t n) {
  uint64_t c = crc_3way<kBlock>(crc, p, n, kShift1, kShift2);
  c = crc_3way<kSmall>(c, p, n, kSmallShift1, kSmallShift2);
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
    p += 8;
    n -= 8;
  }
  uint32_t c32 = static_cast<uint32_t>(c);
  while (n--) c32 = _mm_crc32_u8(c32, *p++);
  return c32;
}

bool have_sse42() {
  static const bool has = __builtin_cpu_supports("sse4.2");
  return has;
}
#endif

}  // namespace

uint32_t crc32c(uint32_t crc, const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  crc = ~crc;
#if defined(__x86_64__)
  if (have_sse42()) return ~crc_hw(crc, p, n);
#endif
  return ~crc_soft(crc, p, n);
}

}  // namespace tick
