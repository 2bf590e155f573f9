// CRC32C (Castagnoli), hardware-accelerated where the CPU has SSE4.2.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tick {

// Extends crc (0 to start) over n bytes.
uint32_t crc32c(uint32_t crc, const void* data, size_t n);

}  // namespace tick
