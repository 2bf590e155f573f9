// libFuzzer target: arbitrary bytes as one kdb+ IPC message from a client of
// tick-q: its header, q's decompression, the object's size, the request
// taken apart, and a feed's .u.upd stamped and encoded as tick records. A
// hostile message must give errors, never a crash.
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "tick/base/error.h"
#include "tick/kdb/ipc.h"
#include "tick/kdb/journal.h"
#include "tick/stream/schema.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tick::kdb;
  if (size < kMsgHead) return 0;
  static const auto schema = std::make_shared<const tick::Schema>(tick::parse_symq(
      "trade:([]time:`timespan$();sym:`g#`symbol$();price:`float$();size:`long$())\n"
      "quote:([]time:`timestamp$();sym:`g#`symbol$();bid:`float$();ask:`float$();s:())\n",
      "fuzz.q"));
  static int null_fd = open("/dev/null", O_WRONLY);
  MsgHeader h;
  // (as tick-q takes a message: once its header's length has arrived)
  if (!parse_msg_header(data, h).empty() || h.length > size) return 0;
  std::vector<uint8_t> unpacked;
  const uint8_t* m = data;
  size_t n = h.length;
  if (h.compressed) {
    if (!decompress(data, n, 1 << 20, unpacked).empty()) return 0;
    m = unpacked.data();
    n = unpacked.size();
  }
  const uint8_t* obj = m + kMsgHead;
  size_t len = n - kMsgHead;
  Problem pr;
  if (object_size(obj, len, pr) != len) return 0;
  Request r = parse_request(obj, len);
  if (r.kind != Request::Kind::publish) return 0;
  const tick::Table* t = schema->find(r.table);
  if (!t) return 0;
  Problem p2;
  size_t xl = object_size(r.data, len - static_cast<size_t>(r.data - obj), p2);
  std::vector<uint8_t> stamped;
  const uint8_t* x = r.data;
  if (stamp_time(*t, x, xl, 1'700'000'000'000'000'000, stamped)) {
    x = stamped.data();
    xl = stamped.size();
    Problem p3;
    if (object_size(x, stamped.size(), p3) != stamped.size()) __builtin_trap();  // a stamped copy is whole
  }
  tick::Output out(null_fd, 1 << 16);
  UpdateEncoder enc(schema, out);
  enc.begin(tick::kNoDate);
  enc.encode(r.table, x, xl, 1);
  out.flush();
  return 0;
}
