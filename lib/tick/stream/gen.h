// Synthetic market data: trades and quotes on N syms with random-walk prices.
#pragma once
#include <cstdint>
#include <optional>

#include "tick/base/io.h"
#include "tick/stream/schema.h"

namespace tick {

struct GenOptions {
  uint32_t syms = 100;
  double rate = 0;        // rows per second; 0: as fast as possible
  uint64_t count = 0;     // rows; 0: no limit
  double duration = 0;    // seconds; 0: no limit
  uint32_t batch = 100;   // rows per record at most
  uint64_t seed = 1;
  std::optional<int64_t> start;  // synthetic time of the first row
  int64_t step = 1'000'000;      // ns between synthetic rows
};

// The trade and quote tables tick-gen writes.
Schema gen_schema();
// Writes a stream to out until count, duration or a stop signal. Rows carry
// synthetic times (start + i*step: the same seed gives the same bytes),
// except when paced with no start given: then the wall clock, as a live feed.
void generate(const GenOptions& o, Output& out);

}  // namespace tick
