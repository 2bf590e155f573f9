// The journal's bookkeeping against publishers: lazy context, the slot
// ledger shared by recovery and check, the slot bound; and the byte-level
// guards for connections (record caps, buffers that shrink back, names).
#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "helpers.h"
#include "tick/base/units.h"
#include "tick/journal/journal.h"
#include "tick/journal/walk.h"
#include "tick/net/net.h"
#include "tick/net/protocol.h"
#include "tick/stream/control.h"
#include "tick/stream/groups.h"
#include "tick/stream/reader.h"
#include "tick/stream/schema.h"
#include "tick/stream/writer.h"

using namespace tick;
using testing::Capture;
using testing::input_of;

namespace {

std::string temp_dir() {
  char d[] = "/tmp/tick-unit-journal-XXXXXX";
  REQUIRE(::mkdtemp(d) != nullptr);
  return d;
}

void remove_dir(const std::string& d) { std::system(("rm -rf '" + d + "'").c_str()); }

// A stream declaring tables trade and evil and syms A..E, then one record
// of trade using only sym C (twice).
std::vector<uint8_t> publisher_stream() {
  Schema schema = parse_schema(
      "trade time:timestamp sym:symbol v:long\nevil time:timestamp sym:symbol v:long\n", "test");
  Capture cap;
  StreamWriter w(cap.out);
  w.begin(schema);
  for (const char* s : {"A", "B", "C", "D", "E"}) w.syms().intern(s);
  TableBatch b(schema.tables[0]);
  for (int k = 0; k < 2; k++) {
    b.begin_row();
    b.set<int64_t>(0, k);
    b.set<uint32_t>(1, *w.syms().find("C"));
    b.set<int64_t>(2, k);
    b.end_row();
  }
  w.data(0, b);
  return cap.done();
}

struct Read {
  std::vector<std::string> tables;
  std::vector<std::string> syms;
  uint64_t data = 0;
};

Read read_journal(const std::string& path) {
  auto in = Input::open(path);
  RecordReader rr(*in);
  Decoder d;
  Record r;
  Read out;
  while (rr.next(r) == RecordReader::Status::Ok)
    if (d.apply(r) == Decoder::Kind::Data) out.data++;
  for (const auto& t : d.tables()) out.tables.push_back(t.name);
  for (uint32_t i = 0; i < d.syms().size(); i++) out.syms.emplace_back(d.syms().name(i));
  return out;
}

JournalOptions options(const std::string& dir) {
  JournalOptions o;
  o.dir = dir;
  o.fsync = FsyncPolicy::never;
  return o;
}

// Feeds a stream to the journal as one input (map m), each data record
// `copies` times, from publisher slot `slot` (0: stdin).
void feed(Journal& j, SourceMap& m, const std::vector<uint8_t>& bytes, int copies = 1, uint32_t slot = 0) {
  auto in = input_of(bytes);
  RecordReader rr(*in);
  Decoder dec;
  Record r;
  while (rr.next(r) == RecordReader::Status::Ok) {
    auto k = dec.apply(r);
    if (k == Decoder::Kind::Data) {
      for (int i = 0; i < copies; i++) {
        j.append(m, dec, r, slot);
        if (slot) j.advance(slot);
      }
    } else if (k != Decoder::Kind::Protocol) {
      j.update(m, dec);
    }
  }
}

const int64_t kNoon = 1'764'158'400'000'000'000;  // 2025-11-26T12:00:00Z

// A journal of the day at kNoon in dir holding publisher_stream()'s data
// record `copies` times, closed in order: its path.
std::string write_journal(const std::string& dir, int copies) {
  Journal j(options(dir), -1);
  j.open(kNoon);
  SourceMap m;
  feed(j, m, publisher_stream(), copies);
  CHECK(j.seq() == static_cast<uint64_t>(copies));
  j.close(Ending::orderly);
  return j.path();
}

}  // namespace

TEST_CASE("a publisher's tables and symbols enter the journal only with a record that uses them") {
  std::string dir = temp_dir();
  auto bytes = publisher_stream();
  {
    Journal j(options(dir), -1);
    j.open(kNoon);
    SourceMap m;
    m.lazy = true;
    feed(j, m, bytes, 1, j.new_slot(77, 1));
    j.close(Ending::orderly);
    Read got = read_journal(j.path());
    CHECK(got.tables == std::vector<std::string>{"trade"});
    CHECK(got.syms == std::vector<std::string>{"C"});
    CHECK(got.data == 1);
  }
  // An eager map (stdin) takes everything at once.
  std::string dir2 = temp_dir();
  {
    Journal j(options(dir2), -1);
    j.open(kNoon);
    SourceMap m;
    feed(j, m, bytes);
    j.close(Ending::orderly);
    Read got = read_journal(j.path());
    CHECK(got.tables == std::vector<std::string>{"trade", "evil"});
    CHECK(got.syms.size() == 5);  // A..E
  }
  remove_dir(dir);
  remove_dir(dir2);
}

TEST_CASE("the day's dictionary limit refuses a publisher's record without appending it") {
  std::string dir = temp_dir();
  Journal j(options(dir), -1);
  j.open(kNoon);
  j.set_day_limits({0, UINT64_MAX});  // no room for "C"
  auto bytes = publisher_stream();
  auto in = input_of(bytes);
  RecordReader rr(*in);
  Decoder dec;
  SourceMap m;
  m.lazy = true;
  Record r;
  bool refused = false;
  while (rr.next(r) == RecordReader::Status::Ok) {
    auto k = dec.apply(r);
    if (k == Decoder::Kind::Data) {
      try {
        j.append(m, dec, r, 0);
      } catch (const Error& e) {
        refused = true;
        CHECK_THAT(e.what(), Catch::Contains("the day's dictionary is full"));
      }
    } else {
      j.update(m, dec);
    }
  }
  j.close(Ending::orderly);
  CHECK(refused);
  CHECK(read_journal(j.path()).data == 0);
  remove_dir(dir);
}

TEST_CASE("publisher slots: bounded at what recovery accepts, and recovered exactly") {
  std::string dir = temp_dir();
  {
    Journal j(options(dir), -1);
    j.open(kNoon);
    for (uint32_t i = 1; i <= kMaxPublisherSlots; i++) CHECK(j.new_slot(1000 + i, 1) == i);
    CHECK_THROWS_WITH(j.new_slot(1, 1), Catch::Contains("too many publishers in one day's journal (65535)"));
    CHECK(j.find_slot(1000 + 65535) == std::optional<uint32_t>(65535));
    j.close(Ending::orderly);
  }
  {
    // It restarts on its own journal, with every slot.
    Journal j(options(dir), -1);
    j.open(kNoon);
    CHECK(j.find_slot(1000 + 65535) == std::optional<uint32_t>(65535));
    CHECK(j.find_slot(1) == std::nullopt);
    j.close(Ending::orderly);
  }
  remove_dir(dir);
}

TEST_CASE("the slot ledger refuses what a restart cannot take") {
  auto progress = [](uint32_t slot) {
    Capture c;
    write_progress(c.out, {9, 4, slot});
    return c.done();
  };
  auto rec = [](const std::vector<uint8_t>& b) {
    Record r;
    REQUIRE(parse_header(b.data(), r.h));
    r.bytes = b.data();
    return r;
  };
  SlotLedger l;
  auto p1 = progress(1);
  l.apply(rec(p1));
  CHECK(l.slots().size() == 2);
  CHECK(l.slots()[1].id == 9);
  CHECK(l.slots()[1].upto == 4);
  auto p0 = progress(0), pbig = progress(kMaxPublisherSlots + 1);
  CHECK_THROWS_WITH(l.apply(rec(p0)), Catch::Contains("progress record for publisher slot 0"));
  CHECK_THROWS_WITH(l.apply(rec(pbig)), Catch::Contains("slots are 1 to 65535"));
  ProgressMark m = parse_progress(p1.data() + kHeaderSize, p1.size() - kHeaderSize);
  CHECK(m.publisher == 9);
  CHECK(m.upto == 4);
  CHECK(m.slot == 1);
  CHECK(p1.size() == kHeaderSize + 24);  // as man 5 tick says
}

TEST_CASE("a record over the reader's cap is refused from its header, before its payload") {
  Capture c;
  std::vector<uint8_t> payload(4096, 0);
  write_record(c.out, RecordType::Data, 0, payload.data(), static_cast<uint32_t>(payload.size()));
  auto bytes = c.done();
  bytes.resize(kHeaderSize + 8);  // most of the payload never comes
  auto in = input_of(bytes, false);
  RecordReader rr(*in);
  rr.set_max_record(1024);
  Record r;
  REQUIRE(rr.next(r) == RecordReader::Status::Bad);
  CHECK(rr.damage().oversized);
  CHECK_FALSE(rr.torn_tail());
  CHECK(rr.problem() == "data record of 4096 bytes is over the limit of 1024 bytes (--max-record)");
}

TEST_CASE("an output buffer grown for a large record goes back to its size") {
  size_t written = 0;
  Output out([&](const uint8_t*, size_t n) { written += n; }, 1 << 16);
  uint8_t* p = out.reserve(8 << 20);
  std::memset(p, 1, 8 << 20);
  out.commit(8 << 20);
  CHECK(out.capacity() >= (8u << 20));
  for (int i = 0; i < 100; i++) {
    std::memset(out.reserve(1024), 2, 1024);
    out.commit(1024);
  }
  out.flush();
  CHECK(out.capacity() == (1u << 16));
  CHECK(written == (8u << 20) + 100 * 1024);
}

TEST_CASE("units: sizes, modes, names quoted for messages") {
  CHECK(parse_size("64M") == (64u << 20));
  CHECK(parse_size("1.5K") == 1536);
  CHECK(parse_size("2KB") == 2000);
  CHECK_THROWS_AS(parse_size("-5M"), UsageError);
  CHECK_THROWS_WITH(parse_size("abc", "--max-queue"), "bad --max-queue 'abc' (want a number of bytes, with K, M or G)");
  CHECK(parse_mode("660") == 0660);
  CHECK(parse_mode("0600") == 0600);
  for (const char* bad : {"999", "abc", "0", "17777", "", "8"}) CHECK_THROWS_AS(parse_mode(bad), UsageError);
  CHECK(quoted("trade") == "'trade'");
  CHECK(quoted("a\nb\x1b") == "'a\\nb\\x1b'");
  CHECK(quoted(std::string(100, 'x'), 4) == "'xxxx'... (100 bytes)");
  CHECK(duration_text(10'000'000'000) == "10 s");
  CHECK(duration_text(500'000'000) == "0.5 s");
}

TEST_CASE("a listener is logged as bound, not as given") {
  // Bound for a moment and closed: nothing is sent anywhere.
  int fd = listen_on(parse_address("0:0"));
  std::string name = bound_name(fd, parse_address("0:0"));
  ::close(fd);
  CHECK_THAT(name, Catch::Matches("0\\.0\\.0\\.0:[1-9][0-9]*"));
  int fd2 = listen_on(parse_address(":0"));
  std::string name2 = bound_name(fd2, parse_address(":0"));
  ::close(fd2);
  CHECK_THAT(name2, Catch::Matches("127\\.0\\.0\\.1:[1-9][0-9]*"));
}

TEST_CASE("recovery: a torn tail is cut into FILE.bad, the sequence and context go on") {
  std::string dir = temp_dir();
  auto bytes = publisher_stream();
  const std::string path = write_journal(dir, 2);
  struct stat st{};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  const off_t good = st.st_size;
  FILE* f = std::fopen(path.c_str(), "ab");
  std::fwrite(bytes.data() + bytes.size() - 30, 1, 20, f);  // half a record
  std::fclose(f);
  {
    Journal j(options(dir), -1);
    j.open(kNoon);
    CHECK(j.seq() == 2);  // goes on after the last whole record
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK(st.st_size == good);
    struct stat bad{};
    REQUIRE(::stat((path + ".bad").c_str(), &bad) == 0);
    CHECK(bad.st_size == 20);
    // A second writer is refused while this one holds the journal.
    Journal other(options(dir), -1);
    CHECK_THROWS_WITH(other.open(kNoon), Catch::Contains("another tick-log is writing this journal"));
    j.close(Ending::orderly);
  }
  Read got = read_journal(path);
  CHECK(got.tables == std::vector<std::string>{"trade", "evil"});
  CHECK(got.data == 2);
  remove_dir(dir);
}

TEST_CASE("a journal walked unmapped reads short, never faults, when cut under it") {
  // tick-kafka consume --resume-from walks the journal while the tick-log
  // it pipes into may be cutting that journal's torn tail: mapped, the
  // pages cut would fault (SIGBUS) when read.
  std::string dir = temp_dir();
  const std::string path = write_journal(dir, 60000);  // several of the reader's 1 MiB chunks
  struct stat st{};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  REQUIRE(st.st_size > (4 << 20));
  JournalWalk w(path, /*allow_mmap=*/false);
  bool damaged = false;
  const Reporter rep{false, [&](const Damage&) { damaged = true; }};
  uint64_t records = 0;
  while (records < 10 && w.next(rep)) records++;
  const off_t cut = st.st_size / 2 / 4096 * 4096;  // (a page: past it, a mapping faults)
  REQUIRE(::truncate(path.c_str(), cut) == 0);
  while (w.next(rep)) records++;
  CHECK(records > 10);
  CHECK(records < 60000);  // the cut part was not read
  CHECK(w.input().offset() <= static_cast<uint64_t>(cut));
  CHECK(damaged);  // the record the cut tore, reported
  remove_dir(dir);
}

TEST_CASE("recovery refuses damage that valid records follow, and leaves the file alone") {
  std::string dir = temp_dir();
  const std::string path = write_journal(dir, 3);
  // Damage the first data record's payload: two whole records follow it.
  auto in = Input::open(path);
  RecordReader rr(*in);
  Record r;
  uint64_t first_data = 0;
  while (rr.next(r) == RecordReader::Status::Ok)
    if (r.h.type == RecordType::Data && !first_data) first_data = r.offset;
  in.reset();
  FILE* f = std::fopen(path.c_str(), "r+b");
  std::fseek(f, static_cast<long>(first_data + kHeaderSize + 20), SEEK_SET);
  std::fputc(0x5a, f);
  std::fclose(f);
  Journal j(options(dir), -1);
  CHECK_THROWS_WITH(j.open(kNoon), Catch::Contains("not a torn tail; run tick-log check --repair"));
  struct stat bad{};
  CHECK(::stat((path + ".bad").c_str(), &bad) != 0);
  remove_dir(dir);
}

TEST_CASE("two publishers bring the same new table: the first record decides, a conflicting one is refused") {
  std::string dir = temp_dir();
  Journal j(options(dir), -1);
  j.open(kNoon);
  auto make = [](const char* schema_text) {
    Schema schema = parse_schema(schema_text, "test");
    Capture cap;
    StreamWriter w(cap.out);
    w.begin(schema);
    TableBatch b(schema.tables[0]);
    b.begin_row();
    b.set<int64_t>(0, 1);
    b.set<uint32_t>(1, w.syms().intern("X"));
    b.end_row();
    w.data(0, b);
    return cap.done();
  };
  auto a = make("fresh time:timestamp sym:symbol v:long\n");
  auto b = make("fresh time:timestamp sym:symbol v:float\n");
  SourceMap ma, mb;
  ma.lazy = mb.lazy = true;
  // Both declare it before either has a record: neither is refused yet.
  auto ina = input_of(a), inb = input_of(b);
  RecordReader ra(*ina), rb(*inb);
  Decoder da, db;
  Record r;
  std::vector<Record> data_b;
  while (rb.next(r) == RecordReader::Status::Ok)
    if (db.apply(r) == Decoder::Kind::Data) data_b.push_back(r);
    else j.update(mb, db);
  feed(j, ma, a, 1, j.new_slot(1, 1));
  REQUIRE(data_b.size() == 1);
  CHECK_THROWS_WITH(j.append(mb, db, data_b[0], 0), Catch::Contains("table 'fresh' does not match the journal's"));
  j.close(Ending::orderly);
  Read got = read_journal(j.path());
  CHECK(got.tables == std::vector<std::string>{"fresh"});
  CHECK(got.data == 1);
  remove_dir(dir);
}

TEST_CASE("positions: a record round trip, and groups complete only with their data records") {
  auto rec = [](const std::vector<uint8_t>& b, uint64_t offset = 0) {
    Record r;
    REQUIRE(parse_header(b.data(), r.h));
    r.bytes = b.data();
    r.offset = offset;
    return r;
  };
  auto positions = [](uint32_t records, int64_t next) {
    Capture c;
    write_positions(c.out, {records, {{"trades", 0, next}, {"trades", 3, 7}}});
    return c.done();
  };
  auto data = [](uint32_t source) {
    std::vector<uint8_t> b(kHeaderSize + kDataPrefix);
    store32(b.data() + kHeaderSize + 4, source);
    write_header(b.data(), RecordType::Data, 0, b.data() + kHeaderSize, kDataPrefix);
    return b;
  };
  auto p = positions(2, 42);
  CHECK(p.size() % 8 == 0);
  PositionsMark m = parse_positions(p.data() + kHeaderSize, p.size() - kHeaderSize);
  CHECK(m.records == 2);
  REQUIRE(m.positions.size() == 2);
  CHECK(m.positions[0].topic == "trades");
  CHECK(m.positions[0].next == 42);
  CHECK(m.positions[1].partition == 3);
  CHECK_THROWS_WITH(parse_positions(p.data() + kHeaderSize, 20), Catch::Contains("positions message too short"));

  GroupTracker g;
  auto d0 = data(0), d5 = data(5);
  g.apply(rec(p, 100));
  CHECK(g.open());
  CHECK(g.open_offset() == 100);
  CHECK(!g.any());
  // tick-log writes a group's data records together behind its positions,
  // from stdin (source 0) or a publisher (here 5): each one counts.
  g.apply(rec(d5));
  CHECK(g.missing() == 1);
  g.apply(rec(d0));
  CHECK(!g.open());
  REQUIRE(g.any());
  CHECK(g.committed()[0].next == 42);
  auto p2 = positions(3, 50);
  g.apply(rec(p2, 900));
  g.apply(rec(d0));
  CHECK(g.open());
  CHECK(g.missing() == 2);
  CHECK(g.committed()[0].next == 42);  // the last complete group's, not the open one's
  auto p3 = positions(0, 60);  // positions alone (skipped messages): complete at once
  g.apply(rec(p3, 1000));
  CHECK(!g.open());
  CHECK(g.committed()[0].next == 60);
  // Each partition's latest position wins (consumers of other topics share
  // the journal): a group naming only one partition keeps the other.
  Capture c;
  write_positions(c.out, {0, {{"quotes", 1, 9}}});
  auto p4 = c.done();
  g.apply(rec(p4, 1100));
  REQUIRE(g.committed().size() == 3);
  CHECK(g.committed()[0].next == 60);
  CHECK(g.committed()[1].next == 7);
  CHECK(g.committed()[2].topic == "quotes");
}
