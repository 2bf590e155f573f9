// The partition transaction of tick-eod: a partition is built in a
// temporary directory beside the others (.tmp-DATE.PID), and renamed into
// place under the HDB's lock; what runs that died left behind is removed
// when the HDB is opened.
#pragma once
#include <cstdint>
#include <string>

namespace tick {

// The HDB made if it is not there yet (the first day of a new database),
// and cleared of what runs that died left behind.
void open_hdb(const std::string& hdb);
// HDB/.tmp-WHAT.PID: this run's temporary path for WHAT.
std::string temp_path(const std::string& hdb, const std::string& what);
// Puts the finished partition tmp in place as hdb/DATE. An existing one is
// kept (false) unless force: then the two are swapped in one rename, so a
// reader sees the old partition or the new one, never neither.
// kdb: the partition is named as q names it (yyyy.mm.dd).
bool commit_partition(const std::string& tmp, const std::string& hdb, int32_t date, bool force, bool kdb = false);

}  // namespace tick
