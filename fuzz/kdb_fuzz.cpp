// libFuzzer target: arbitrary bytes as a kdb+ tick journal (tick.q's log):
// q's -11! check, the schema-less summary, and the reading as a tick stream
// through the copy loop, written back as a journal. A damaged journal must
// give errors, never a crash.
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <memory>

#include "harness.h"
#include "tick/base/error.h"
#include "tick/kdb/journal.h"
#include "tick/stream/schema.h"
#include "tick/text/copy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  uint8_t mode = data[0];
  data++;
  size--;
  static const auto schema = std::make_shared<const tick::Schema>(tick::parse_symq(
      "all:([]time:`timespan$();sym:`g#`symbol$();b:`boolean$();x:`byte$();h:`short$();i:`int$();j:`long$();"
      "e:`real$();f:`float$();c:`char$();p:`timestamp$();d:`date$();t:`time$();u:`minute$();v:`second$();"
      "m:`month$();z:`datetime$();g:`guid$();s:())\n"
      "trade:([]time:`timespan$();sym:`g#`symbol$();price:`float$();size:`long$())\n",
      "fuzz.q"));
  tick::kdb::check_journal(data, size);
  tick::kdb::summarise_journal(data, size);
  static int null_fd = open("/dev/null", O_WRONLY);
  try {
    tick::kdb::read_journals(schema, (mode & 1) ? 20427 : tick::kNoDate);
    int fd = memfd_of(data, size);
    if (fd < 0) return 0;
    auto in = tick::Input::from_fd(fd, "fuzz");
    tick::Output out(null_fd, 1 << 16);
    tick::CopyOptions o;
    o.format = (mode & 2) ? tick::Format::kdb : tick::Format::json;
    if (mode & 4) o.filter.syms = {"IBM"};
    tick::Copier c(out, o);
    c.copy(*in);
    c.finish();
  } catch (const tick::Error&) {
  }
  return 0;
}
