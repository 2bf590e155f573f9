// tick-pub's parts: the no-gap, no-duplicate rule of catch-up (seen_live and
// CatchUp over a real journal file), and the send queue's record edges.
#include <catch2/catch.hpp>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "helpers.h"
#include "tick/base/clock.h"
#include "tick/net/catch_up.h"
#include "tick/net/protocol.h"
#include "tick/net/send_queue.h"
#include "tick/stream/control.h"
#include "tick/stream/schema.h"
#include "tick/stream/writer.h"

using namespace tick;
using testing::Capture;

namespace {

// Records framed into one buffer, read back one by one.
std::vector<Record> records_of(const std::vector<uint8_t>& b) {
  std::vector<Record> out;
  size_t at = 0;
  while (at + kHeaderSize <= b.size()) {
    Record r;
    REQUIRE(parse_header(b.data() + at, r.h));
    r.bytes = b.data() + at;
    r.offset = at;
    out.push_back(r);
    at += r.size();
  }
  return out;
}

// A journal of day `day`: n one-row data records numbered 1..n, sym k%3.
std::vector<uint8_t> journal(int32_t day, int n) {
  Schema schema = parse_schema("q time:timestamp sym:symbol v:long\n", "test");
  Capture cap;
  write_stream_header(cap.out, day);
  write_schema(cap.out, 0, schema.tables[0]);
  SymbolTable syms;
  for (const char* s : {"A", "B", "C"}) syms.intern(s);
  write_symbols(cap.out, syms, 0);
  write_progress(cap.out, {5, 0, 1});  // bookkeeping among the records
  TableBatch b(schema.tables[0]);
  for (int k = 1; k <= n; k++) {
    b.begin_row();
    b.set<int64_t>(0, k);
    b.set<uint32_t>(1, static_cast<uint32_t>(k % 3));
    b.set<int64_t>(2, k);
    b.end_row();
    size_t len = b.payload_size();
    uint8_t* p = cap.out.reserve(kHeaderSize + len);
    b.encode(p + kHeaderSize, static_cast<uint64_t>(k));
    write_header(p, RecordType::Data, 0, p + kHeaderSize, static_cast<uint32_t>(len));
    cap.out.commit(kHeaderSize + len);
    b.clear();
  }
  return cap.done();
}

std::string write_temp(const std::string& dir, int32_t day, const std::vector<uint8_t>& bytes) {
  std::string path = dir + "/" + date_string(day) + ".tick";
  FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f);
  REQUIRE(std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size());
  std::fclose(f);
  return path;
}

struct Walk {
  std::vector<uint64_t> seqs;
  CatchUp::Step end;
  std::string why;
};

Walk walk(CatchUp& c, const LiveMark& live) {
  Walk w;
  Record r;
  Decoder::Kind k;
  while (true) {
    auto st = c.next(live, r, k, w.why);
    if (st != CatchUp::Step::Record) {
      w.end = st;
      return w;
    }
    if (k == Decoder::Kind::Data) w.seqs.push_back(c.decoder()->data().seq);
  }
}

std::vector<uint64_t> range(uint64_t a, uint64_t b) {
  std::vector<uint64_t> v;
  for (uint64_t i = a; i <= b; i++) v.push_back(i);
  return v;
}

}  // namespace

TEST_CASE("seen_live: what the live stream has delivered, record by record") {
  const int32_t day = 20000;
  const auto bytes = journal(day, 5);  // the records point into it
  auto recs = records_of(bytes);
  // header, schema, symbols, progress, data 1..5
  REQUIRE(recs.size() == 9);
  LiveMark live{day, 3, 1, 3};
  CHECK(seen_live(recs[0], day, live));  // the header
  CHECK(seen_live(recs[1], day, live));  // table 0: the live stream has it
  CHECK(seen_live(recs[2], day, live));  // symbols 0..2
  CHECK(seen_live(recs[3], day, live));  // progress: bookkeeping
  CHECK(seen_live(recs[6], day, live));  // seq 3
  CHECK_FALSE(seen_live(recs[7], day, live));  // seq 4: not yet
  LiveMark fewer{day, 3, 0, 2};
  CHECK_FALSE(seen_live(recs[1], day, fewer));  // a table it has not had
  CHECK_FALSE(seen_live(recs[2], day, fewer));  // symbols past its dictionary
  CHECK(seen_live(recs[8], day - 1, live));     // a past day's: all of it
  Capture eod;
  write_eod(eod.out, day, 5);
  CHECK_FALSE(seen_live(records_of(eod.done())[0], day, live));  // the live day's end: not yet
}

TEST_CASE("catch-up reads the journal to the first record the live stream has not had") {
  char tmpl[] = "/tmp/tick-unit-catchup-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  const int32_t d1 = 20000, d2 = 20001;
  std::string f1 = write_temp(dir, d1, journal(d1, 50));
  auto live_day = journal(d2, 40);
  std::string f2 = write_temp(dir, d2, live_day);

  SECTION("from the start of a past day, across into the live day") {
    CatchUp c({f1, f2}, d1, 1);
    Walk w = walk(c, {d2, 30, 1, 3});
    auto want = range(1, 50);
    for (auto s : range(1, 30)) want.push_back(s);
    CHECK(w.seqs == want);
    CHECK(w.end == CatchUp::Step::GoLive);
  }
  SECTION("from a sequence number: none before it, none after the live one") {
    CatchUp c({f2}, d2, 12);
    Walk w = walk(c, {d2, 20, 1, 3});
    CHECK(w.seqs == range(12, 20));
    CHECK(w.end == CatchUp::Step::GoLive);
  }
  SECTION("the live stream ahead of the file: all of it, then live") {
    CatchUp c({f2}, d2, 1);
    Walk w = walk(c, {d2, 1000, 1, 3});
    CHECK(w.seqs == range(1, 40));
    CHECK(w.end == CatchUp::Step::GoLive);
  }
  SECTION("a record tick-log is still writing at the live day's end: live there") {
    auto torn = live_day;
    torn.resize(torn.size() - 7);
    std::string ft = write_temp(dir, d2, torn);
    CatchUp c({ft}, d2, 1);
    Walk w = walk(c, {d2, 1000, 1, 3});
    CHECK(w.seqs == range(1, 39));
    CHECK(w.end == CatchUp::Step::GoLive);
  }
  SECTION("damage in a past day's journal is refused, named") {
    auto bad = journal(d1, 50);
    bad[bad.size() / 2] ^= 0x10;
    std::string fb = write_temp(dir, d1, bad);
    CatchUp c({fb, f2}, d1, 1);
    Walk w = walk(c, {d2, 10, 1, 3});
    CHECK(w.end == CatchUp::Step::Refuse);
    CHECK_THAT(w.why, Catch::StartsWith(fb + ":"));
    CHECK_THAT(w.why, Catch::Contains("CRC mismatch"));
  }
  SECTION("a journal that cannot be opened is refused") {
    CatchUp c({dir + "/1970-01-01.tick"}, 0, 1);
    Walk w = walk(c, {d2, 10, 1, 3});
    CHECK(w.end == CatchUp::Step::Refuse);
    CHECK_THAT(w.why, Catch::Contains("No such file"));
  }
  std::system(("rm -rf '" + dir + "'").c_str());
}

TEST_CASE("the send queue writes whole records, and keeps the rest of a half-sent one") {
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
  int small = 4096;
  ::setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  SendQueue q;
  std::vector<uint8_t> a(1000, 'a'), big(1 << 20, 'b');
  auto shared = std::make_shared<std::vector<uint8_t>>(big);
  q.push(a.data(), a.size());
  q.push_shared(shared, 0, shared->size());
  q.push(a.data(), a.size());
  CHECK(q.queued() == 2000 + big.size());
  uint64_t sent = 0;
  REQUIRE(q.write_to(sv[0], sent));
  CHECK(sent > 0);
  CHECK(sent < 2000 + big.size());  // the socket filled
  CHECK(q.queued() == 2000 + big.size() - sent);
  const uint8_t* rest;
  size_t n;
  REQUIRE(q.half_sent(rest, n));  // the big record is partly out
  CHECK(n == 1000 + big.size() - sent);
  CHECK(rest[0] == 'b');
  q.drop_whole();  // a cut-off keeps only that rest
  CHECK(q.queued() == n);
  // Reading everything that was sent, then the rest, gives whole records.
  std::vector<uint8_t> got(sent);
  size_t have = 0;
  while (have < sent) {
    ssize_t r = ::read(sv[1], got.data() + have, sent - have);
    REQUIRE(r > 0);
    have += static_cast<size_t>(r);
  }
  CHECK(got[999] == 'a');
  CHECK(got[1000] == 'b');
  q.clear();
  CHECK(q.empty());
  CHECK_FALSE(q.half_sent(rest, n));
  ::close(sv[0]);
  SendQueue q2;
  q2.push(a.data(), a.size());
  CHECK_FALSE(q2.write_to(sv[0], sent));  // a closed fd: an error
  ::close(sv[1]);
}
