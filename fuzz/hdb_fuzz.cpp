// libFuzzer target: a damaged HDB partition, read as tick-replay --hdb
// does (every table, then one sym; then --info). The input is the
// partition's files, each a u32 length then its bytes, in the order of
// kFiles. A corrupt partition must give errors, never a crash.
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
const char* const kFiles[] = {".d",          "sym",         "trade/.d",    "trade/.index", "trade/time",
                              "trade/sym",   "trade/price", "trade/size",  "quote/.d",     "quote/.index",
                              "quote/time",  "quote/sym",   "quote/bid",   "quote/ask",    "quote/bsize",
                              "quote/asize"};

std::string root() {
  static std::string r = [] {
    char p[] = "/dev/shm/tick-hdb-fuzz-XXXXXX";
    std::string d = ::mkdtemp(p);
    return d;
  }();
  return r;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string part = tick::join_path(root(), "2026-11-20");
  tick::remove_tree(part);
  tick::make_dir(part);
  tick::make_dir(part + "/trade");
  tick::make_dir(part + "/quote");
  unpack_files(part, kFiles, data, size);
  static int null_fd = open("/dev/null", O_WRONLY);
  for (int pass = 0; pass < 3; pass++) {
    try {
      tick::Output out(null_fd, 1 << 16);
      if (pass == 2) {
        tick::hdb_info(root(), INT32_MIN, INT32_MAX, out);
        continue;
      }
      tick::CopyOptions o;
      o.format = tick::Format::csv;
      o.skip_bad = true;
      if (pass == 1) o.filter.syms = {"AAPL"};
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
