// tick-aj: kdb+'s as-of join (aj) as a filter. It reads a tick stream (or
// two) and writes the joined table: each left row with the columns of the
// last right row of its key at or before its time. Memory is bounded by the
// keys, not the rows.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tick/base/io.h"

namespace tick {

struct AjOptions {
  std::string left, right;    // tables
  std::string on = "sym";     // the key: a symbol column of both
  std::vector<std::string> cols;  // right's columns to add, NAME or NEW=NAME ("": all but time and the key)
  std::string out_table;      // "": LEFT_RIGHT
};

struct AjReport {
  uint64_t left = 0, right = 0, joined = 0, unmatched = 0;  // unmatched: left rows with no right row yet
};

// One stream carrying both tables (inputs read in turn), or with
// right_input two: left's rows from the first, right's from the second,
// merged by time (right first at equal times).
AjReport asof_join(const std::vector<Input*>& inputs, Input* right_input, Output& out, const AjOptions& o,
                   std::function<void()> idle = nullptr);

}  // namespace tick
