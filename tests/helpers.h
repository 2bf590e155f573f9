// Test helpers: streams built in memory and read back through the real
// reader (a pipe-free path: a temporary file).
#pragma once
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "tick/base/io.h"
#include "tick/stream/reader.h"

namespace testing {

// Captures what an Output writes.
struct Capture {
  std::vector<uint8_t> bytes;
  tick::Output out{[this](const uint8_t* p, size_t n) { bytes.insert(bytes.end(), p, p + n); }, 1 << 16};
  const std::vector<uint8_t>& done() {
    out.flush();
    return bytes;
  }
};

// Writes bytes to a temporary file and opens it as an Input.
inline std::unique_ptr<tick::Input> input_of(const std::vector<uint8_t>& bytes, bool mmap = true,
                                             const std::string& suffix = ".tick") {
  std::string path = "/tmp/tick-unit-XXXXXX" + suffix;
  int fd = ::mkstemps(path.data(), static_cast<int>(suffix.size()));
  if (fd < 0) std::abort();
  if (!bytes.empty() && ::write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) std::abort();
  ::close(fd);
  auto in = tick::Input::open(path, mmap);
  ::unlink(path.c_str());
  return in;
}

inline std::vector<uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

// A fixed sequence of 64-bit values (xorshift), for tests that want many
// inputs and the same ones each run.
struct Xorshift {
  uint64_t state;
  uint64_t operator()() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  }
};

}  // namespace testing
