// Reading the HDB back (tick-replay --hdb): partitions as tick streams, and
// their summary.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tick/base/io.h"
#include "tick/stream/filter.h"
#include "tick/stream/schema.h"

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

namespace tick::hdb {

// The tables an HDB holds (for a server that lists them): each table as the
// newest partition that has it defines it. refresh() reads only partitions
// it has not read before; a partition whose metadata cannot be read is
// left out (a query of it says why).
class Catalog {
 public:
  explicit Catalog(std::string hdb) : hdb_(std::move(hdb)) {}
  const std::vector<Table>& refresh();

 private:
  std::string hdb_;
  std::vector<std::pair<int32_t, std::vector<Table>>> read_;  // by date, ascending
  std::vector<Table> tables_;
};

}  // namespace tick::hdb
