// The framing, CRC32C, resynchronisation, concatenation and versions.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <limits>

#include "helpers.h"
#include "tick/base/crc32c.h"
#include "tick/stream/format.h"
#include "tick/stream/reader.h"
#include "tick/stream/schema.h"
#include "tick/stream/writer.h"

using namespace tick;
using testing::Capture;
using testing::input_of;

namespace {

const char* kAll =
    "t time:timestamp sym:symbol b:boolean x:byte h:short i:int j:long e:real f:float c:char "
    "n:timespan d:date s:string\n";

// A stream of one table holding every type, with edge values.
std::vector<uint8_t> all_types_stream(const Schema& schema, int rows) {
  Capture cap;
  StreamWriter w(cap.out);
  w.begin(schema);
  TableBatch b(schema.tables[0]);
  b.null_sym = w.syms().intern("");
  for (int r = 0; r < rows; r++) {
    b.begin_row();
    b.set<int64_t>(0, r == 0 ? kNullLong : int64_t{1'700'000'000'000'000'000} + r);
    b.set<uint32_t>(1, w.syms().intern(r % 3 == 0 ? std::string() : "SYM" + std::to_string(r % 7)));
    b.set<uint8_t>(2, r % 2);
    b.set<uint8_t>(3, static_cast<uint8_t>(r == 1 ? 255 : r));
    b.set<int16_t>(4, r == 1 ? std::numeric_limits<int16_t>::max() : r == 2 ? kNullShort : int16_t(-r));
    b.set<int32_t>(5, r == 1 ? std::numeric_limits<int32_t>::max() : r == 2 ? kNullInt : r * 1000);
    b.set<int64_t>(6, r == 1 ? std::numeric_limits<int64_t>::max() : r == 2 ? kNullLong : int64_t{r} << 40);
    b.set<float>(7, r == 2 ? std::numeric_limits<float>::quiet_NaN() : r == 3 ? -std::numeric_limits<float>::infinity() : 1.5f * r);
    b.set<double>(8, r == 2 ? std::numeric_limits<double>::quiet_NaN() : r == 1 ? std::numeric_limits<double>::max() : -0.1 * r);
    b.set<char>(9, static_cast<char>('a' + r % 26));
    b.set<int64_t>(10, r == 2 ? kNullLong : int64_t{r} * 3'600'000'000'000);
    b.set<int32_t>(11, r == 2 ? kNullInt : -r * 100);
    b.set_string(12, r % 4 == 0 ? std::string() : std::string(static_cast<size_t>(r % 50), static_cast<char>('A' + r % 26)));
    b.end_row();
  }
  w.data(0, b, 7);
  return cap.done();
}

// A stream of n data records of one row each: time k, sym S(k % nsyms), v k.
std::vector<uint8_t> one_row_records(int n, int nsyms) {
  Schema schema = parse_schema("q time:timestamp sym:symbol v:long\n", "test");
  Capture cap;
  StreamWriter w(cap.out);
  w.begin(schema);
  TableBatch b(schema.tables[0]);
  for (int k = 0; k < n; k++) {
    b.begin_row();
    b.set<int64_t>(0, k);
    b.set<uint32_t>(1, w.syms().intern("S" + std::to_string(k % nsyms)));
    b.set<int64_t>(2, k);
    b.end_row();
    w.data(0, b);
    b.clear();
  }
  return cap.done();
}

}  // namespace

TEST_CASE("CRC32C matches the standard check value and splits") {
  REQUIRE(crc32c(0, "123456789", 9) == 0xE3069283u);
  std::vector<uint8_t> buf(10000);
  for (size_t i = 0; i < buf.size(); i++) buf[i] = static_cast<uint8_t>(i * 131 + 7);
  for (size_t cut : {0ul, 1ul, 767ul, 768ul, 5000ul, 9999ul}) {
    uint32_t a = crc32c(crc32c(0, buf.data(), cut), buf.data() + cut, buf.size() - cut);
    REQUIRE(a == crc32c(0, buf.data(), buf.size()));
  }
  // Every length to 2000 bytes (each way of splitting into blocks), from
  // every alignment, against the definition a bit at a time.
  auto by_bits = [](const uint8_t* p, size_t n) {
    uint32_t c = ~0u;
    for (size_t i = 0; i < n; i++) {
      c ^= p[i];
      for (int k = 0; k < 8; k++) c = (c >> 1) ^ ((c & 1) ? 0x82F63B78u : 0);
    }
    return ~c;
  };
  for (size_t off = 0; off < 8; off++)
    for (size_t n = 0; n <= 2000; n += off ? 97 : 1) REQUIRE(crc32c(0, buf.data() + off, n) == by_bits(buf.data() + off, n));
}

TEST_CASE("every type round-trips through a stream, nulls and extremes included") {
  Schema schema = parse_schema(kAll, "test");
  auto bytes = all_types_stream(schema, 200);
  for (bool mmap : {true, false}) {
    auto in = input_of(bytes, mmap);
    RecordReader rr(*in);
    Decoder dec;
    Record r;
    int data = 0;
    while (rr.next(r) == RecordReader::Status::Ok) {
      if (dec.apply(r) != Decoder::Kind::Data) continue;
      data++;
      const DataView& v = dec.data();
      REQUIRE(v.rows == 200);
      REQUIRE(v.seq == 7);
      REQUIRE(v.get<int64_t>(0, 0) == kNullLong);
      REQUIRE(v.get<int64_t>(0, 5) == int64_t{1'700'000'000'000'000'005});
      REQUIRE(dec.syms().name(v.sym(0)) == "");
      REQUIRE(dec.syms().name(v.sym(4)) == "SYM4");
      REQUIRE(v.get<uint8_t>(3, 1) == 255);
      REQUIRE(v.get<int16_t>(4, 1) == std::numeric_limits<int16_t>::max());
      REQUIRE(v.get<int16_t>(4, 2) == kNullShort);
      REQUIRE(v.get<int32_t>(5, 1) == std::numeric_limits<int32_t>::max());
      REQUIRE(v.get<int64_t>(6, 1) == std::numeric_limits<int64_t>::max());
      REQUIRE(std::isnan(v.get<float>(7, 2)));
      REQUIRE(std::isinf(v.get<float>(7, 3)));
      REQUIRE(v.get<double>(8, 1) == std::numeric_limits<double>::max());
      REQUIRE(std::isnan(v.get<double>(8, 2)));
      REQUIRE(v.get<char>(9, 3) == 'd');
      REQUIRE(v.get<int64_t>(10, 5) == 5 * int64_t{3'600'000'000'000});
      REQUIRE(v.get<int32_t>(11, 3) == -300);
      REQUIRE(v.string(12, 0).empty());
      REQUIRE(v.string(12, 49) == std::string(49, static_cast<char>('A' + 49 % 26)));
    }
    REQUIRE(data == 1);
  }
}

TEST_CASE("a CRC failure is detected for every single-bit flip of a record") {
  Schema schema = parse_schema("q time:timestamp sym:symbol v:long\n", "test");
  Capture cap;
  StreamWriter w(cap.out);
  w.begin(schema);
  TableBatch b(schema.tables[0]);
  for (int i = 0; i < 3; i++) {
    b.begin_row();
    b.set<int64_t>(0, i);
    b.set<uint32_t>(1, w.syms().intern("A"));
    b.set<int64_t>(2, i * 10);
    b.end_row();
  }
  w.data(0, b);
  auto good = cap.done();
  // The data record is the last one.
  size_t off = 0, last = 0;
  while (off < good.size()) {
    last = off;
    off += kHeaderSize + load32(good.data() + off + 4);
  }
  size_t len = good.size() - last;
  for (size_t bit = 0; bit < len * 8; bit++) {
    auto bad = good;
    bad[last + bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    auto in = input_of(bad);
    RecordReader rr(*in);
    Record r;
    bool reported = false;
    while (true) {
      auto st = rr.next(r);
      if (st == RecordReader::Status::End) break;
      if (st == RecordReader::Status::Bad) {
        REQUIRE(rr.problem_offset() == last);
        reported = true;
        break;
      }
      // A damaged record must never come back as good.
      REQUIRE(r.offset < last);
    }
    REQUIRE(reported);
  }
}

TEST_CASE("a torn tail is reported with its offset, after every whole record") {
  Schema schema = parse_schema(kAll, "test");
  auto bytes = all_types_stream(schema, 50);
  size_t last = 0, off = 0;
  while (off < bytes.size()) {
    last = off;
    off += kHeaderSize + load32(bytes.data() + off + 4);
  }
  for (size_t cut : {last + 1, last + 15, last + 16, last + 100, bytes.size() - 1}) {
    std::vector<uint8_t> torn(bytes.begin(), bytes.begin() + static_cast<long>(cut));
    auto in = input_of(torn);
    RecordReader rr(*in);
    Record r;
    int ok = 0;
    RecordReader::Status st;
    while ((st = rr.next(r)) == RecordReader::Status::Ok) ok++;
    REQUIRE(st == RecordReader::Status::Bad);
    REQUIRE(rr.problem_offset() == last);
    REQUIRE(rr.problem().find("truncated") != std::string::npos);
    REQUIRE(ok > 0);
    REQUIRE_FALSE(rr.resync());
  }
}

TEST_CASE("resync skips garbage, even garbage holding the marker, to the next good record") {
  auto good = one_row_records(10, 10);
  std::vector<size_t> starts;
  for (size_t off = 0; off < good.size(); off += kHeaderSize + load32(good.data() + off + 4)) starts.push_back(off);
  size_t at = starts[starts.size() - 4];  // before the 4th-last record
  for (size_t glen : {1ul, 7ul, 16ul, 100ul, 4097ul}) {
    std::vector<uint8_t> garbage(glen);
    for (size_t i = 0; i < glen; i++) garbage[i] = static_cast<uint8_t>(i * 37);
    if (glen >= 8) {  // a marker with a plausible header but a wrong CRC
      store32(garbage.data(), kMarker);
      if (glen >= 16) store32(garbage.data() + 4, 8);
    }
    std::vector<uint8_t> s(good.begin(), good.begin() + static_cast<long>(at));
    s.insert(s.end(), garbage.begin(), garbage.end());
    s.insert(s.end(), good.begin() + static_cast<long>(at), good.end());
    auto in = input_of(s);
    RecordReader rr(*in);
    Decoder dec;
    Record r;
    std::vector<int64_t> seen;
    int bad = 0;
    while (true) {
      auto st = rr.next(r);
      if (st == RecordReader::Status::End) break;
      if (st == RecordReader::Status::Bad) {
        bad++;
        REQUIRE(rr.problem_offset() == at);
        REQUIRE(rr.resync());
        REQUIRE(rr.skipped() == glen);
        continue;
      }
      if (dec.apply(r) == Decoder::Kind::Data) seen.push_back(dec.data().get<int64_t>(2, 0));
    }
    REQUIRE(bad == 1);
    REQUIRE(seen.size() == 10);
    for (int k = 0; k < 10; k++) REQUIRE(seen[k] == k);
  }
}

TEST_CASE("two concatenated streams decode as one, each with its own context") {
  Schema s1 = parse_schema("a time:timestamp sym:symbol v:long\n", "one");
  Schema s2 = parse_schema("b time:timestamp sym:symbol w:float x:string\n", "two");
  auto make = [](const Schema& s, const char* sym) {
    Capture cap;
    StreamWriter w(cap.out);
    w.begin(s);
    TableBatch b(s.tables[0]);
    b.begin_row();
    b.set<int64_t>(0, 1);
    b.set<uint32_t>(1, w.syms().intern(sym));
    b.end_row();
    w.data(0, b);
    return cap.done();
  };
  auto a = make(s1, "X"), b = make(s2, "Y");
  a.insert(a.end(), b.begin(), b.end());
  auto in = input_of(a);
  RecordReader rr(*in);
  Decoder dec;
  Record r;
  std::vector<std::string> got;
  while (rr.next(r) == RecordReader::Status::Ok)
    if (dec.apply(r) == Decoder::Kind::Data) got.push_back(dec.data().table->name + ":" + std::string(dec.syms().name(dec.data().sym(0))));
  REQUIRE(got == std::vector<std::string>{"a:X", "b:Y"});
  // A second decoder's context never shares the first's generation.
  auto g = dec.generation();
  Decoder other;
  auto in2 = input_of(b);
  RecordReader rr2(*in2);
  while (rr2.next(r) == RecordReader::Status::Ok) other.apply(r);
  REQUIRE(other.generation() != g);
  REQUIRE(other.generation() != 0);
}

TEST_CASE("an unknown major version is refused; unknown record types are passed over") {
  Capture cap;
  write_stream_header(cap.out);
  auto bytes = cap.done();
  store16(bytes.data() + kHeaderSize + 8, 9);
  write_header(bytes.data(), RecordType::Header, 0, bytes.data() + kHeaderSize, kHeaderPayload);
  auto in = input_of(bytes);
  RecordReader rr(*in);
  Decoder dec;
  Record r;
  REQUIRE(rr.next(r) == RecordReader::Status::Ok);
  REQUIRE_THROWS_AS(dec.apply(r), VersionError);

  Capture c2;
  write_stream_header(c2.out);
  uint8_t pl[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  write_record(c2.out, static_cast<RecordType>('W'), 0, pl, 8);
  auto in2 = input_of(c2.done());
  RecordReader rr2(*in2);
  Decoder d2;
  REQUIRE(rr2.next(r) == RecordReader::Status::Ok);
  REQUIRE(d2.apply(r) == Decoder::Kind::Header);
  REQUIRE(rr2.next(r) == RecordReader::Status::Ok);
  REQUIRE(d2.apply(r) == Decoder::Kind::Unknown);
}

TEST_CASE("records are 8-byte aligned and data records reject a symbol beyond the dictionary") {
  Schema schema = parse_schema("q time:timestamp sym:symbol v:string\n", "test");
  Capture cap;
  StreamWriter w(cap.out);
  w.begin(schema);
  TableBatch b(schema.tables[0]);
  b.begin_row();
  b.set<int64_t>(0, 1);
  b.set<uint32_t>(1, w.syms().intern("A"));
  b.set_string(2, "odd length");
  b.end_row();
  w.data(0, b);
  auto bytes = cap.done();
  REQUIRE(bytes.size() % 8 == 0);
  // Point the sym at id 99 and fix the CRC: framed fine, but out of context.
  size_t last = 0;
  for (size_t off = 0; off < bytes.size(); off += kHeaderSize + load32(bytes.data() + off + 4)) last = off;
  uint8_t* p = bytes.data() + last;
  store32(p + kHeaderSize + kDataPrefix + 8, 99);
  write_header(p, RecordType::Data, 0, p + kHeaderSize, load32(p + 4));
  auto in = input_of(bytes);
  RecordReader rr(*in);
  Decoder dec;
  Record r;
  std::string err;
  while (rr.next(r) == RecordReader::Status::Ok) {
    try {
      dec.apply(r);
    } catch (const Error& e) {
      err = e.what();
    }
  }
  REQUIRE(err.find("symbol id 99 beyond the dictionary") != std::string::npos);

  // A trusted decoder (a live journal its tick-log checked) takes the
  // record as it is: the columns are not read, the rows and seq are.
  auto in2 = input_of(bytes);
  RecordReader rr2(*in2);
  Decoder trusting;
  trusting.set_trusted(true);
  Decoder::Kind last_kind = Decoder::Kind::Unknown;
  while (rr2.next(r) == RecordReader::Status::Ok) last_kind = trusting.apply(r);
  CHECK(last_kind == Decoder::Kind::Data);
  CHECK(trusting.data().rows == 1);
}

TEST_CASE("FramingAhead hands over what RecordReader reads, in order, corrupt regions included") {
  const auto good = one_row_records(5000, 50);  // more than two batches of records
  std::vector<size_t> starts;
  for (size_t off = 0; off < good.size(); off += kHeaderSize + load32(good.data() + off + 4)) starts.push_back(off);
  REQUIRE(starts.size() > 5000);

  // What each reading saw: an offset, and for a corrupt region its message.
  using Seen = std::vector<std::pair<uint64_t, std::string>>;
  auto sequential = [](const std::vector<uint8_t>& s, bool salvage) {
    auto in = input_of(s);
    RecordReader rr(*in);
    Record r;
    Seen seen;
    while (true) {
      auto st = rr.next(r);
      if (st == RecordReader::Status::End) break;
      if (st == RecordReader::Status::Bad) {
        Damage d = salvage ? rr.salvage() : rr.damage();
        seen.emplace_back(d.offset, d.where("x"));
        if (!salvage) break;
        continue;
      }
      seen.emplace_back(r.offset, "");
    }
    return seen;
  };
  auto ahead = [](const std::vector<uint8_t>& s, bool salvage) {
    auto in = input_of(s);
    REQUIRE(in->mapped());
    FramingAhead fa(*in, salvage);
    Seen seen;
    while (true) {
      const auto& b = fa.next();
      size_t bad = 0;
      for (const auto& it : b.items) {
        seen.emplace_back(it.r.offset, it.bad ? b.damage[bad++].where("x") : "");
        if (!it.bad) REQUIRE(load32(it.r.bytes) == kMarker);  // still valid
      }
      if (b.last) break;
    }
    return seen;
  };

  std::vector<std::vector<uint8_t>> cases{good};
  for (size_t k : {1ul, 2047ul, 2048ul, 2049ul, 4096ul}) {  // a CRC failure, at batch edges too
    auto s = good;
    s[starts[k] + kHeaderSize + 3] ^= 0x40;
    cases.push_back(s);
  }
  {  // two: a flipped bit and spliced garbage
    auto s = good;
    s[starts[100] + kHeaderSize] ^= 1;
    std::vector<uint8_t> garbage(333, 0x5a);
    s.insert(s.begin() + static_cast<long>(starts[3000]), garbage.begin(), garbage.end());
    cases.push_back(s);
  }
  {  // a torn tail
    std::vector<uint8_t> s(good.begin(), good.end() - 5);
    cases.push_back(s);
  }
  for (size_t c = 0; c < cases.size(); c++) {
    for (bool salvage : {false, true}) {
      INFO("case " << c << (salvage ? ", salvage" : ""));
      Seen want = sequential(cases[c], salvage);
      Seen got = ahead(cases[c], salvage);
      REQUIRE(got.size() == want.size());
      REQUIRE(got == want);
      size_t bad = 0;
      for (const auto& e : want) bad += !e.second.empty();
      REQUIRE(bad == (c == 0 ? 0u : c == 6 && salvage ? 2u : 1u));
    }
  }
}

TEST_CASE("the reporter: fail stops at the first damage, salvage goes past each, a torn tail is said as one") {
  const auto good = one_row_records(100, 5);
  std::vector<size_t> starts;
  for (size_t off = 0; off < good.size(); off += kHeaderSize + load32(good.data() + off + 4)) starts.push_back(off);
  auto s = good;
  s[starts[10] + kHeaderSize + 1] ^= 0x01;  // one damaged record
  s.resize(s.size() - 5);                  // and a torn tail
  auto run = [&](bool salvage, std::vector<Damage>& seen) {
    auto in = input_of(s);
    RecordReader rr(*in);
    Reporter rep{salvage, [&](const Damage& d) { seen.push_back(d); }};
    Record r;
    size_t n = 0;
    while (rr.read(r, rep)) n++;
    return n;
  };
  std::vector<Damage> failed, salvaged;
  CHECK(run(false, failed) == 10);  // the records before the damage
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].offset == starts[10]);
  CHECK_FALSE(failed[0].torn);
  const std::string type = record_type_name(static_cast<RecordType>(good[starts[10] + 8]));
  CHECK(failed[0].where("f") == str("f:", starts[10], ": CRC mismatch in ", type, " record of ",
                                    starts[11] - starts[10], " bytes"));
  CHECK(run(true, salvaged) == starts.size() - 2);  // all but the damaged and the torn one
  REQUIRE(salvaged.size() == 2);
  CHECK(salvaged[0].where("f") == str("f:", starts[10], ": CRC mismatch in ", type, " record of ",
                                      starts[11] - starts[10], " bytes (skipped ", starts[11] - starts[10],
                                      " bytes to the next good record)"));
  CHECK(salvaged[1].torn);
  CHECK(salvaged[1].offset == starts.back());
  CHECK_FALSE(salvaged[1].resumed);
  // A reporter that throws ends the reading with its error.
  auto in = input_of(s);
  RecordReader rr(*in);
  Reporter refuse{false, [](const Damage& d) { throw Error(d.where("x")); }};
  Record r;
  CHECK_THROWS_WITH(([&] { while (rr.read(r, refuse)) {} }()), Catch::StartsWith("x:"));
}
