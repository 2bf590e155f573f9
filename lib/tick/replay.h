// tick-replay's work: journals (plain or zstd), directories of journals in
// date order, through the filters, paced or as fast as possible, and
// following a growing journal into the next day's file.
#pragma once
#include <string>
#include <vector>

#include "tick/copy.h"
#include "tick/io.h"

namespace tick {

struct ReplayOptions {
  CopyOptions copy;
  bool follow = false;
};

// Returns the number of problems reported (skip mode); throws on the first
// in fail mode.
uint64_t replay(const std::vector<std::string>& paths, Output& out, const ReplayOptions& o);

}  // namespace tick
