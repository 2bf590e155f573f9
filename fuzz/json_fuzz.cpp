// libFuzzer target: arbitrary text through the JSON-lines or CSV encoder
// (chosen by the first byte) with a schema holding every type.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

#include "harness.h"

#include "tick/base/error.h"
#include "tick/stream/schema.h"
#include "tick/text/in.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const tick::Schema schema = tick::parse_schema(
      "t time:timestamp sym:symbol b:boolean x:byte h:short i:int j:long e:real f:float c:char "
      "n:timespan d:date s:string\nu time:timespan sym:symbol v:long\n",
      "fuzz");
  uint8_t mode = data[0];
  data++;
  size--;
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
