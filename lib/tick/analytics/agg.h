// tick-agg's streaming analytics as a filter: bars (OHLC, volume, VWAP,
// count, sum, avg, min, max per key per bar, bars aligned to the day as
// q's xbar) and last-by-key. It reads a tick stream and writes it through
// with a derived table added, declared in the stream like any other.
// Memory is bounded by the keys, not the rows.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tick/base/io.h"

namespace tick {

struct AggOptions {
  bool last = false;          // --last: the latest row per key (else bars)
  int64_t bar_ns = 0;         // --bar
  std::string table;          // -t ("": trade if the stream has it, or its only table)
  std::string by = "sym";     // the key: a symbol column
  std::string out_table;      // "" : TABLE_bars, TABLE_last
  std::string ohlc, volume;   // columns ("": not asked)
  bool vwap = false, count = false;
  std::vector<std::string> sum, avg, min, max;
  int64_t grace_ns = 1'000'000'000;  // a quiet feed's open bars close this long after their end
  bool late_update = false;          // --late update (else drop)
  int64_t every_ns = 1'000'000'000;  // --last: changed keys at most this often (0: the final state only)
  bool only = false;                 // the derived rows alone
};

struct AggReport {
  uint64_t rows = 0;          // rows of the aggregated table read
  uint64_t derived = 0;       // rows written to the derived table
  uint64_t late_dropped = 0;  // --late drop: rows older than their closed bar
  uint64_t late_updated = 0;  // --late update: rows that corrected a closed bar
  uint64_t too_late = 0;      // --late update: older than the key's last closed bar (dropped)
  uint64_t null_time = 0;     // rows with a null time (in no bar)
};

// Reads the inputs in turn (each a stream), writes to out.
// idle: what makes written bytes reach the reader when the input pauses,
// run again each second it stays quiet (default: out.flush() and
// out.check_reader(), so a closed downstream ends it; with text shown, the
// text's output's too).
AggReport aggregate(const std::vector<Input*>& inputs, Output& out, const AggOptions& o,
                    std::function<void()> idle = nullptr);
}  // namespace tick
