// libFuzzer target: arbitrary bytes as a tick stream, through the copy loop
// tick-cat uses (framing, resync, decoding, filters, every output format).
// A corrupt stream must give errors, never a crash.
#include <sys/mman.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>

#include "harness.h"
#include <cstring>

#include "tick/base/error.h"
#include "tick/text/copy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  uint8_t mode = data[0];
  data++;
  size--;
  int fd = memfd_of(data, size);
  if (fd < 0) return 0;
  static int null_fd = open("/dev/null", O_WRONLY);
  try {
    auto in = tick::Input::from_fd(fd, "fuzz", (mode & 16) != 0);
    tick::Output out(null_fd, 1 << 16);
    tick::CopyOptions o;
    o.format = static_cast<tick::Format>(mode & 3);
    o.skip_bad = true;
    if (mode & 4) o.filter.syms = {"AAPL", "S0001"};
    if (mode & 8) {
      o.filter.from = "10:00";
      o.filter.to = "2026-11-23T12:00:00Z";
      o.filter.tables = {"trade"};
    }
    tick::Copier c(out, o);
    c.copy(*in);
    c.flush();
  } catch (const tick::Error&) {
  }
  return 0;
}
