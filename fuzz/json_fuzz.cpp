// libFuzzer target: arbitrary text through the JSON-lines or CSV encoder
// (chosen by the first byte) with a schema holding every type.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "harness.h"

#include "tick/base/error.h"
#include "tick/stream/schema.h"
#include "tick/text/in.h"

namespace {

// Each line as a message, through the flat fast path and through simdjson
// alone: the same answers, the same errors, the same stream (else abort).
void flat_against_full(const tick::Schema& schema, const char* text, size_t size, uint8_t mode) {
  std::vector<uint8_t> got[2];
  std::string errs[2];
  for (int flat = 0; flat < 2; flat++) {
    auto& bytes = got[flat];
    tick::Output out([&](const uint8_t* p, size_t n) { bytes.insert(bytes.end(), p, p + n); }, 1 << 16);
    tick::EncodeOptions o;
    if (mode & 2) o.table = "t";
    o.unit = static_cast<tick::TimeUnit>((mode >> 2) & 3);
    o.ignore_unknown = (mode & 16) != 0;
    o.batch_rows = (mode & 32) ? 1 : 4096;
    o.flat = flat != 0;
    tick::Encoder enc(schema, out, o);
    tick::MessageMeta meta;
    meta.time = 1767225600000000000;  // (rows with no time: one stamp for both)
    const char* p = text;
    const char* end = text + size;
    while (p < end) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
      size_t len = nl ? static_cast<size_t>(nl - p) : static_cast<size_t>(end - p);
      bool ok = enc.message(p, len, meta);
      errs[flat] += ok ? "ok\n" : enc.error() + "\n";
      p += len + 1;
    }
    enc.flush();
    out.flush();
  }
  if (errs[0] != errs[1] || got[0] != got[1]) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const tick::Schema schema = tick::parse_schema(
      "t time:timestamp sym:symbol b:boolean x:byte h:short i:int j:long e:real f:float c:char "
      "n:timespan d:date s:string\nu time:timespan sym:symbol v:long\n"
      "v time:timestamp sym:symbol tm:time mi:minute se:second mo:month dt:datetime g:guid\n",
      "fuzz");
  uint8_t mode = data[0];
  data++;
  size--;
  if (!(mode & 1)) flat_against_full(schema, reinterpret_cast<const char*>(data), size, mode);
  int fd = memfd_of(data, size);
  if (fd < 0) return 0;
  static int null_fd = open("/dev/null", O_WRONLY);
  try {
    tick::Output out(null_fd, 1 << 16);
    tick::EncodeOptions o;
    o.in = (mode & 1) ? tick::EncodeOptions::In::csv : tick::EncodeOptions::In::json;
    if (mode & 2) o.table = "t";
    o.skip_errors = true;
    o.rejects = "/dev/null";
    o.unit = static_cast<tick::TimeUnit>((mode >> 2) & 3);
    o.ignore_unknown = (mode & 16) != 0;
    o.batch_rows = (mode & 32) ? 1 : 4096;
    tick::Encoder enc(schema, out, o);
    auto in = tick::Input::from_fd(fd, "fuzz", false);
    enc.encode(*in);
  } catch (const tick::Error&) {
  }
  return 0;
}
