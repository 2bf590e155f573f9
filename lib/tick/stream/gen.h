// Synthetic market data: trades and quotes on N syms with random-walk prices.
#pragma once
#include <cstdint>
#include <optional>

#include "tick/base/io.h"
#include "tick/stream/schema.h"

namespace tick {

struct GenOptions {
  uint32_t syms = 100;
  double rate = 0;        // rows per second of the feed (0: none given)
  uint64_t count = 0;     // rows; 0: no limit
  double duration = 0;    // seconds of the feed (0: no limit)
  bool pace = false;      // with rate: deliver rows at it on the wall clock
  uint32_t batch = 100;   // rows per record at most
  uint64_t seed = 1;
  std::optional<int64_t> start;  // synthetic time of the first row
  std::optional<int64_t> step;   // ns between rows (default 1e9 / rate, or 1 ms)
};

// The trade and quote tables tick-gen writes.
Schema gen_schema();
// Writes a stream to out until count, duration or a stop signal. Rows are
// step apart in market time from start (the same seed gives the same
// bytes); with a rate and no start, from now. duration D is D seconds of
// the feed: rate x D rows (D / step without a rate). Paced, rows are
// delivered at rate on the wall clock, stamped with it when no start is
// given (a live feed); unpaced, as fast as the output takes them.
void generate(const GenOptions& o, Output& out);

}  // namespace tick
