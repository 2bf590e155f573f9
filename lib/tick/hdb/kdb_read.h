// Reading q's HDB (what .Q.dpft and tick-eod --format kdb write, KDB.md):
// DIR/sym, DIR/yyyy.mm.dd/TABLE/ with .d and a file per column, as tick
// streams.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tick/base/io.h"
#include "tick/stream/filter.h"
#include "tick/stream/schema.h"

namespace tick::hdb {

// The HDB is q's: its root sym file is a kdb+ symbol list.
bool is_kdb_hdb(const std::string& hdb);

// The tables of a q partition as tick tables, from their .d and column
// headers. Throws Error naming the file for what tick cannot read
// (compressed or nested columns, a table without time and sym).
std::vector<Table> kdb_partition_tables(const std::string& part);

// A q partition as a tick stream: a header dated `date`, the schemas, then
// the rows of the tables f names (sym by sym when f names syms: a sym's
// rows are found in the sorted sym column, and a time window within them
// when they are in time order), their symbols added to the stream's
// dictionary as they are first used. domain: the HDB's sym list. Every
// index, length and header is checked: a problem is an Error naming the file.
void kdb_read_partition(const std::string& part, int32_t date, const std::vector<std::string>& domain,
                        const FilterSpec& f, Output& out);

// tick-replay --hdb --info for a q partition: tables, rows, columns, bytes.
void kdb_partition_info(const std::string& part, const std::vector<std::string>& domain, Output& out);

}  // namespace tick::hdb
