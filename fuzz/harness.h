// Shared by the fuzz targets: the input bytes as an in-memory file.
#pragma once
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>

// A memfd holding data, positioned at its start; -1 on failure.
inline int memfd_of(const uint8_t* data, size_t size) {
  int fd = memfd_create("fuzz", 0);
  if (fd < 0) return -1;
  if (size && write(fd, data, size) != static_cast<ssize_t>(size)) {
    close(fd);
    return -1;
  }
  lseek(fd, 0, SEEK_SET);
  return fd;
}

#include <algorithm>
#include <cstring>
#include <string>

#include "tick/base/files.h"

// Files packed in the input, each a u32 length then its bytes, written
// under root in the order of names (a short input leaves the rest empty).
template <size_t N>
inline void unpack_files(const std::string& root, const char* const (&names)[N], const uint8_t* data, size_t size) {
  size_t at = 0;
  for (const char* f : names) {
    uint32_t n = 0;
    if (at + 4 <= size) std::memcpy(&n, data + at, 4);
    at = std::min(size, at + 4);
    n = static_cast<uint32_t>(std::min<size_t>(n, size - at));
    tick::write_file(tick::join_path(root, f), data + at, n);
    at += n;
  }
}
