// tick-log's ingest loop: stdin and every publisher (tick-pub --to) that
// connects on the listeners, appended to the journal. A publisher can end
// only its own connection: bad bytes, a reset, a stall, a record or a
// dictionary past the limits, a second connection under a live id are each
// one line naming the client, and the journal goes on.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tick/base/clock.h"
#include "tick/base/io.h"
#include "tick/journal/journal.h"
#include "tick/net/net.h"

namespace tick {

struct IngestOptions {
  std::vector<std::string> listen;  // addresses for publishers
  int unix_mode = kDefaultSocketMode;
  bool skip_bad = false;            // stdin: resync past corruption instead of stopping
  // A publisher must say hello, finish a record it started, and send
  // something (tick-pub --to sends a heartbeat each idle second) within this.
  int64_t timeout_ns = 10 * kNsPerSec;
  size_t max_record = 64u << 20;    // payload bytes of one record from a publisher
  size_t max_tables = 256;          // tables in one publisher's context
  uint64_t max_syms = 1'000'000;    // symbols in one publisher's dictionary; the day: 4x
  uint64_t max_sym_bytes = 64u << 20;  // their bytes; the day: 4x
};

// Appends stdin (if given) and every publisher connecting on the listeners
// to the journal until stdin ends (or a stop signal; with no stdin, until a
// stop signal), keeping time-driven work (batches, fsync, the day roll)
// going while inputs are quiet. A corrupt stdin stops with an Error naming
// its offset, after everything before it is journaled (skip_bad: resync).
void journal_serve(Journal& j, std::unique_ptr<Input> in, const IngestOptions& o);

}  // namespace tick
