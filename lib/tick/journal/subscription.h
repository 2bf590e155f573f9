// Where a subscription starts in the journals: one rule for tick-pub's
// subscribers and for a journal followed in place (tick-sub DIR, tick-replay
// --follow DIR), so that all give the same records for the same request.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tick/stream/format.h"
#include "tick/stream/schema.h"

namespace tick {

// What a subscriber asks for (tick-pub's subscribe message, tick-sub DIR):
// where to start, and which tables and syms.
struct SubscribeRequest {
  enum class From : uint8_t { now = 0, start = 1, seq = 2 } from = From::now;
  int32_t day = kNoDate;  // with start/seq: the journal day (kNoDate: the live day)
  uint64_t seq = 1;       // with seq: the first sequence number wanted
  std::vector<std::string> tables, syms;  // empty: all
};

struct SubscriptionStart {
  enum class Kind {
    live,            // at the live end: the live context, then what comes
    journal,         // in a journal: day, seq, journal
    after_live_day,  // refused: a day after the live day
    no_journal,      // refused: no journal to start in
  } kind = Kind::live;
  int32_t day = kNoDate;  // the journal's day it starts in,
  uint64_t seq = 1;       // the first sequence number wanted there,
  std::string journal;    // and that day's journal
  std::string why;        // refused: why, for people
};

// The first of the tables a request names that the live context does not
// have ("" if none).
std::string unknown_table(const std::vector<std::string>& wanted, const std::vector<Table>& tables);

// Where q starts, given the live day and its last sequence number and the
// journals there are (in date order): now, or a sequence number not
// written yet, is the live end; the start of a day is the first journal on
// or after it (a subscriber resuming after an end of day asks for the next
// date, which may be a weekend); a sequence number needs its own day's
// journal; no day after the live day.
SubscriptionStart subscription_start(const SubscribeRequest& q, int32_t live_day, uint64_t live_seq,
                                     const std::vector<std::string>& journals);

}  // namespace tick
