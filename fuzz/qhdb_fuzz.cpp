// libFuzzer target: a damaged q HDB (q's layout: the root sym file, a
// partition's .d and columns), read as tick-replay --hdb does (every row,
// one sym, a time window; then --info). The input is the files, each a u32
// length then its bytes, in the order of kFiles. A damaged HDB must give
// errors, never a crash.
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "harness.h"
#include "tick/base/error.h"
#include "tick/base/files.h"
#include "tick/hdb/read.h"
#include "tick/text/copy.h"

namespace {
const char* const kFiles[] = {"sym", "2026.11.20/trade/.d", "2026.11.20/trade/sym", "2026.11.20/trade/time",
                              "2026.11.20/trade/price", "2026.11.20/trade/size"};

std::string root() {
  static std::string r = [] {
    char p[] = "/dev/shm/tick-qhdb-fuzz-XXXXXX";
    std::string d = ::mkdtemp(p);
    return d;
  }();
  return r;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string part = tick::join_path(root(), "2026.11.20");
  tick::remove_tree(part);
  tick::make_dir(part);
  tick::make_dir(part + "/trade");
  unpack_files(root(), kFiles, data, size);
  static int null_fd = open("/dev/null", O_WRONLY);
  for (int pass = 0; pass < 4; pass++) {
    try {
      tick::Output out(null_fd, 1 << 16);
      if (pass == 3) {
        tick::hdb_info(root(), INT32_MIN, INT32_MAX, out);
        continue;
      }
      tick::CopyOptions o;
      o.format = tick::Format::csv;
      o.skip_bad = true;
      if (pass >= 1) o.filter.syms = {"AAPL"};
      if (pass == 2) {
        o.filter.from = "09:00:01";
        o.filter.to = "09:00:02";
      }
      tick::Copier copier(out, o);
      tick::Output stream([&](const uint8_t* p, size_t n) { copier.feed(p, n, "hdb"); }, 1 << 16);
      tick::hdb_read(root(), INT32_MIN, INT32_MAX, o.filter, stream);
      stream.flush();
      copier.flush();
    } catch (const tick::Error&) {
    }
  }
  return 0;
}
