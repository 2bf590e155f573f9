// Reading the HDB back (tick-replay --hdb): partitions as tick streams, and
// their summary.
#pragma once
#include <cstdint>
#include <string>
#include <utility>

#include "tick/base/io.h"
#include "tick/stream/filter.h"

namespace tick {

// "YYYY-MM-DD" or "YYYY-MM-DD..YYYY-MM-DD" (inclusive). Throws UsageError.
std::pair<int32_t, int32_t> parse_date_range(const std::string& s);

// Writes the partitions dated from..to (those present; none is an error)
// as a tick stream: per partition a header with its date, the schemas, its
// dictionary, and the rows of the tables the filter names, in sym then time
// order. A sym filter reads only those syms' rows; the time window is left
// to the reader of the stream (tick-replay's filter).
void hdb_read(const std::string& hdb, int32_t from, int32_t to, const FilterSpec& f, Output& out);

// A summary of each partition in from..to: tables, rows, syms, time range,
// columns and bytes on disk.
void hdb_info(const std::string& hdb, int32_t from, int32_t to, Output& out);

}  // namespace tick
