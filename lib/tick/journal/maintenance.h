// tick-log's maintenance commands: info, check (and repair), compress.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tick/journal/files.h"
#include "tick/kdb/journal.h"

namespace tick {

// Prints a summary of a journal (tables, rows, syms, seq and time ranges,
// size) to stdout. Returns false if the file has a problem (reported).
bool journal_info(const std::string& path);

// Verifies every record; reports each corrupt region "FILE:OFFSET: reason"
// on stderr. With repair, rewrites the file atomically with every valid
// record and appends the bad bytes to FILE.bad. Returns true if clean.
bool journal_check(const std::string& path, bool repair);

// A kdb+ journal checked as -11!(-2;L) does; with repair, when it is not
// sound, cut to its valid length (the cut bytes appended to FILE.bad).
// Returns the check as found.
kdb::Check check_kdb_journal(const std::string& path, bool repair);

// Compresses FILE to FILE.zst atomically and removes FILE. Refused for a
// journal a tick-log holds (locked) and, unless force, for one that does
// not end with its end-of-day record.
void compress_journal(const std::string& path, int level, bool force = false);

// tick-log compress: each path a journal (refused loudly) or a directory,
// whose plain journals dated older_than days or more before today are
// compressed; one refused there is named and the others go on. Returns
// false if any was refused.
bool compress_journals(const std::vector<std::string>& paths, int older_than, int level, bool force);

}  // namespace tick
