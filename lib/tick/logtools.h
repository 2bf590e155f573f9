// tick-log's maintenance commands: info, check (and repair), compress.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace tick {

// Prints a summary of a journal (tables, rows, syms, seq and time ranges,
// size) to stdout. Returns false if the file has a problem (reported).
bool journal_info(const std::string& path);

// Verifies every record; reports each corrupt region "FILE:OFFSET: reason"
// on stderr. With repair, rewrites the file atomically with every valid
// record and appends the bad bytes to FILE.bad. Returns true if clean.
bool journal_check(const std::string& path, bool repair);

// Compresses FILE to FILE.zst atomically and removes FILE. Refused for a
// journal a tick-log holds (locked) and, unless force, for one that does
// not end with its end-of-day record.
void compress_journal(const std::string& path, int level, bool force = false);

// Journal files (YYYY-MM-DD.tick, .tick.zst) in dir, in date order.
std::vector<std::string> journal_files(const std::string& dir);
// The date of a journal file's name, or INT32_MIN.
int32_t journal_date(const std::string& path);

}  // namespace tick
