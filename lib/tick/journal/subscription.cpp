#include "tick/journal/subscription.h"

#include "tick/base/clock.h"
#include "tick/journal/files.h"

namespace tick {

std::string unknown_table(const std::vector<std::string>& wanted, const std::vector<Table>& tables) {
  for (const auto& t : wanted) {
    bool known = false;
    for (const auto& lt : tables) known |= lt.name == t;
    if (!known) return t;
  }
  return "";
}

SubscriptionStart subscription_start(const SubscribeRequest& q, int32_t live_day, uint64_t live_seq,
                                     const std::vector<std::string>& journals) {
  using Kind = SubscriptionStart::Kind;
  SubscriptionStart s;
  if (q.from == SubscribeRequest::From::now) return s;
  int32_t day = q.day == kNoDate ? live_day : q.day;
  uint64_t seq = q.from == SubscribeRequest::From::start ? 1 : q.seq;
  if (day != kNoDate && live_day != kNoDate && day > live_day) {
    s.kind = Kind::after_live_day;
    s.why = "day " + date_string(day) + " is after the live day " + date_string(live_day);
    return s;
  }
  if (day == live_day && seq > live_seq) return s;  // nothing to catch up: live from the next record
  for (const auto& f : journals) {
    int32_t d = journal_date(f);
    if (d >= day && d <= live_day) {
      s.journal = f;
      break;
    }
  }
  if (s.journal.empty() || (seq > 1 && journal_date(s.journal) != day)) {
    s.kind = Kind::no_journal;
    s.why = "no journal for " + date_string(day);
    return s;
  }
  s.kind = Kind::journal;
  s.day = journal_date(s.journal);
  s.seq = s.day == day ? seq : 1;
  return s;
}

}  // namespace tick
