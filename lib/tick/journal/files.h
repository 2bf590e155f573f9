// Journal files: DIR/YYYY-MM-DD.tick, compressed DIR/YYYY-MM-DD.tick.zst,
// named and found in one place.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace tick {

// DIR/YYYY-MM-DD.tick for a day (days since 1970-01-01).
std::string journal_file(const std::string& dir, int32_t day);
// A plain journal (YYYY-MM-DD.tick), not a compressed one.
bool is_plain_journal(const std::string& path);
// The date of a journal file's name, or INT32_MIN.
int32_t journal_date(const std::string& path);
// Journal files (YYYY-MM-DD.tick, .tick.zst) in dir, in date order; of a
// day in both forms (mid-compress), the plain one.
std::vector<std::string> journal_files(const std::string& dir);
// The first journal in path's directory dated after path's day ("" if none
// yet): the next day a reader that follows a journal goes on into.
std::string journal_after(const std::string& path);
// Paths as given, each directory replaced by its journals (journal_files):
// every tool that takes journals takes a directory of them.
std::vector<std::string> expand_journals(const std::vector<std::string>& paths);
// A tick-log is writing the journal now: it holds the journal's lock. (The
// lock is tried and let go at once: a tick-log starting meanwhile is not
// kept out.)
bool journal_in_use(const std::string& path);

}  // namespace tick
