// tick-replay's work: journals (plain or zstd), directories of journals in
// date order, through the filters, paced or as fast as possible, and
// following a growing journal into the next day's file.
#pragma once
#include <climits>
#include <string>
#include <vector>

#include "tick/base/io.h"
#include "tick/text/copy.h"

namespace tick {

struct ReplayOptions {
  CopyOptions copy;
  bool follow = false;
  // With follow, a directory is followed from this day's journal on
  // (kNoDate: today's, by the clock).
  int32_t follow_from = INT32_MIN;
  // An HDB instead of journals: its partitions dated from..to.
  std::string hdb;
  int32_t date_from = INT32_MIN, date_to = INT32_MAX;
};

// Returns the number of problems reported (skip mode); throws on the first
// in fail mode.
uint64_t replay(const std::vector<std::string>& paths, Output& out, const ReplayOptions& o);
// The same from the HDB o.hdb.
void replay_hdb(Output& out, const ReplayOptions& o);

}  // namespace tick
