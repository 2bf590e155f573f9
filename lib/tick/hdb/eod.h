// tick-eod's work: a day of the tick stream into an HDB partition (see
// tick-hdb.5), sorted by sym then time, in memory that does not grow with
// the day.
//
// Two passes over the day. The first counts each table's rows and string
// bytes per sym; that fixes where every row of the sorted table goes (a
// counting sort). The second scatters each column's values to those places
// through small per-sym buffers written with pwrite, so memory is bounded by
// syms x columns, never by rows. A sym whose rows came out of time order is
// then sorted in place (its rows only). Columns are compressed afterwards,
// block by block. Everything is written in a temporary directory beside the
// partition, synced, and renamed into place.
#pragma once
#include <climits>
#include <cstdint>
#include <string>

#include "tick/base/io.h"

namespace tick {

struct EodOptions {
  std::string hdb;
  int level = 1;           // zstd level; 0: plain column files
  bool force = false;      // replace an existing partition
  bool salvage = false;    // skip corrupt regions (reported) instead of refusing the day
  bool sync = true;        // fsync the partition before the rename
  bool partial = false;    // stream mode: write a day the input ended in, marked partial
  int32_t date = INT32_MIN;  // stream mode: the input is this day's rows (a backfill), written whole at its end
  size_t buffer_budget = 64 << 20;  // bytes of per-sym staging buffers
  // q's layout (what .Q.dpft writes): DIR/yyyy.mm.dd/TABLE/, rows by sym in
  // arrival order, symbols enumerated against DIR/sym; plain columns.
  bool kdb = false;
};

struct EodReport {
  int written = 0;    // partitions written
  int kept = 0;       // partitions that existed and were kept (no --force)
  uint64_t rows = 0;
  uint64_t problems = 0;  // corrupt regions skipped (--salvage)
  uint64_t unfinished = 0;  // stream mode: rows of a day without its end of day, not written
  int skipped = 0;    // journals a tick-log is writing (their day is not over): not written
};

// File mode: the partition of one journal (plain or .zst). Its date is the
// journal header's, else the file name's.
// The marker file of a partition written from an unfinished day.
constexpr const char* kPartialMarker = ".partial";

void eod_journal(const std::string& path, const EodOptions& o, EodReport& report);

// Stream mode: a partition at each end-of-day record. A day the input ends
// in (no end-of-day record) is not finished: not written, unless
// o.partial, and then marked partial (DATE/.partial), so that the real end
// of day replaces it. The day is spooled to a file in the HDB directory as
// it arrives.
void eod_stream(Input& in, const EodOptions& o, EodReport& report);

}  // namespace tick
