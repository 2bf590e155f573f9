// bench_latency: reads a tick stream on stdin and reports, for every row,
// the time from its `time` column (stamped by a paced tick-gen) to its
// arrival here: p50, p99, p99.9 and max in microseconds.
#include <algorithm>
#include <cstdio>
#include <vector>

#include "tick/base/clock.h"
#include "tick/stream/reader.h"

int main() {
  using namespace tick;
  auto in = Input::open("-", false);
  RecordReader rr(*in);
  Decoder dec;
  Record r;
  std::vector<int64_t> lat;
  lat.reserve(1 << 22);
  while (rr.next(r) == RecordReader::Status::Ok) {
    if (dec.apply(r) != Decoder::Kind::Data) continue;
    int64_t now = now_ns();
    const DataView& v = dec.data();
    for (uint32_t i = 0; i < v.rows; i++) lat.push_back(now - v.time(i));
  }
  if (lat.empty()) return 1;
  // The first second is the pipeline warming up.
  size_t skip = std::min(lat.size() / 5, size_t{100000});
  std::vector<int64_t> l(lat.begin() + static_cast<long>(skip), lat.end());
  std::sort(l.begin(), l.end());
  auto q = [&](double f) { return l[static_cast<size_t>(f * static_cast<double>(l.size() - 1))] / 1000.0; };
  std::printf("%zu %.1f %.1f %.1f %.1f\n", l.size(), q(0.5), q(0.99), q(0.999), l.back() / 1000.0);
  return 0;
}
