// Following a journal directory in place, the one way tick does it: a
// reader on the tickerplant's own host reads the journals instead of going
// through tick-pub, mapped, up to the live end tick-log publishes
// (live_end.h, never into a record being written nor into a torn tail a
// restart cuts), woken by it, across the day roll and tick-log's restarts.
// tick-sub DIR gives the same records as tick-sub ADDR for the same request,
// at the cost of a page-cache read; tick-replay --follow DIR reads the same
// way from the start of a day, on past tick-log's end.
#pragma once
#include <cstdint>
#include <string>

#include "tick/base/io.h"
#include "tick/journal/subscription.h"
#include "tick/text/copy.h"

namespace tick {

struct FollowOptions {
  std::string dir;
  SubscribeRequest request;  // from, day, seq, tables, syms
  CopyOptions copy;
  bool until_eod = false;
  bool spin = false;          // busy-poll the live end (a core of its own)
  double heartbeat_secs = 1;  // on a quiet journal, as tick-pub sends them (tick output; 0: none)
  // On after tick-log ends in order, for the next tick-log to write here
  // (tick-replay --follow DIR, as tail -F): the stream ends only at a stop
  // signal.
  bool past_end = false;
};

// The exit status: 0 once tick-log has ended in order and everything it
// wrote is out, at --until-eod's end of day, or on a stop signal. Throws
// Error for a request the journal cannot serve or a journal it cannot read.
// With problems: the corrupt regions skipped (--on-error skip) go there.
int follow_journal(const FollowOptions& o, Output& out, uint64_t* problems = nullptr);

// "journal:DIR", or a directory: the journal to read in place.
bool is_local_source(const std::string& address, std::string& dir);

}  // namespace tick
