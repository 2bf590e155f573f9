// tick-sub DIR: a subscriber on the tickerplant's own host reads the journal
// in place instead of through tick-pub: mapped, up to the live end tick-log
// publishes (journal_live.h), woken by it, across the day roll and a
// restart of tick-log. The same records as tick-sub ADDR for the same
// request, at the cost of a page-cache read.
#pragma once
#include <string>

#include "tick/base/io.h"
#include "tick/net/protocol.h"
#include "tick/text/copy.h"

namespace tick {

struct LocalSubOptions {
  std::string dir;
  SubscribeRequest request;  // from, day, seq, tables, syms
  CopyOptions copy;
  bool until_eod = false;
  bool spin = false;          // busy-poll the live end (a core of its own)
  double heartbeat_secs = 1;  // on a quiet journal, as tick-pub sends them (tick output)
};

// The exit status: 0 once tick-log has ended in order and everything it
// wrote is out, at --until-eod's end of day, or on a stop signal. Throws
// Error for a request the journal cannot serve or a journal it cannot read.
int subscribe_journal(const LocalSubOptions& o, Output& out);

// "journal:DIR", or a directory: the journal to read in place.
bool is_local_source(const std::string& address, std::string& dir);

}  // namespace tick
