// Where a subscription starts: the one rule tick-pub and tick-sub DIR share.
#include <catch2/catch.hpp>

#include "tick/base/clock.h"
#include "tick/journal/subscription.h"

using namespace tick;
using Kind = SubscriptionStart::Kind;

namespace {
int32_t d(const char* iso) { return *parse_date(iso); }
SubscribeRequest from(SubscribeRequest::From f, int32_t day = kNoDate, uint64_t seq = 1) {
  SubscribeRequest q;
  q.from = f;
  q.day = day;
  q.seq = seq;
  return q;
}
// Journals of Friday, Monday and the live Tuesday.
const std::vector<std::string> kJournals = {"tp/2026-11-20.tick", "tp/2026-11-23.tick", "tp/2026-11-24.tick"};
const int32_t kLive = d("2026-11-24");
}  // namespace

TEST_CASE("now starts at the live end") {
  auto s = subscription_start(from(SubscribeRequest::From::now), kLive, 500, kJournals);
  CHECK(s.kind == Kind::live);
}

TEST_CASE("the start of the live day, and of a past day, is its journal") {
  auto s = subscription_start(from(SubscribeRequest::From::start), kLive, 500, kJournals);
  CHECK(s.kind == Kind::journal);
  CHECK(s.journal == "tp/2026-11-24.tick");
  CHECK(s.seq == 1);
  s = subscription_start(from(SubscribeRequest::From::start, d("2026-11-20")), kLive, 500, kJournals);
  CHECK(s.journal == "tp/2026-11-20.tick");
  CHECK(s.day == d("2026-11-20"));
}

TEST_CASE("the start of a day with no journal is the next journal (after an end of day, a weekend)") {
  auto s = subscription_start(from(SubscribeRequest::From::start, d("2026-11-21")), kLive, 500, kJournals);
  CHECK(s.kind == Kind::journal);
  CHECK(s.journal == "tp/2026-11-23.tick");
  CHECK(s.day == d("2026-11-23"));
  CHECK(s.seq == 1);
}

TEST_CASE("a sequence number needs its own day's journal") {
  auto s = subscription_start(from(SubscribeRequest::From::seq, d("2026-11-23"), 42), kLive, 500, kJournals);
  CHECK(s.kind == Kind::journal);
  CHECK(s.journal == "tp/2026-11-23.tick");
  CHECK(s.seq == 42);
  s = subscription_start(from(SubscribeRequest::From::seq, d("2026-11-21"), 42), kLive, 500, kJournals);
  CHECK(s.kind == Kind::no_journal);
  CHECK(s.why == "no journal for 2026-11-21");
}

TEST_CASE("a sequence number of the live day not written yet starts live; one written, in the journal") {
  auto s = subscription_start(from(SubscribeRequest::From::seq, kNoDate, 501), kLive, 500, kJournals);
  CHECK(s.kind == Kind::live);
  s = subscription_start(from(SubscribeRequest::From::seq, kNoDate, 500), kLive, 500, kJournals);
  CHECK(s.kind == Kind::journal);
  CHECK(s.seq == 500);
}

TEST_CASE("no day after the live day; no journal at all") {
  auto s = subscription_start(from(SubscribeRequest::From::start, d("2026-11-25")), kLive, 500, kJournals);
  CHECK(s.kind == Kind::after_live_day);
  CHECK(s.why == "day 2026-11-25 is after the live day 2026-11-24");
  s = subscription_start(from(SubscribeRequest::From::start), kLive, 500, {});
  CHECK(s.kind == Kind::no_journal);
}

TEST_CASE("a table the live context does not have is named") {
  std::vector<Table> tables(2);
  tables[0].name = "trade";
  tables[1].name = "quote";
  CHECK(unknown_table({"trade", "quote"}, tables).empty());
  CHECK(unknown_table({"quote", "trades"}, tables) == "trades");
}
