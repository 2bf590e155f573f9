// kdb+ IPC pieces of tick-q: requests taken apart (never evaluated), the
// time stamped into a feed's update, decompression's bounds; a long
// journal read through its converter's thread. (The protocol
// itself is tested against node-q in tests/e2e/tick_q*.sh.)
#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <vector>

#include "helpers.h"
#include "tick/kdb/ipc.h"
#include "tick/kdb/journal.h"
#include "tick/stream/reader.h"
#include "tick/stream/schema.h"

using namespace tick;
using namespace tick::kdb;

namespace {
// q objects built as byte strings
using B = std::string;
void app(B& b, const void* p, size_t n) { b.append(static_cast<const char*>(p), n); }
void head(B& b, int type, size_t count) {
  uint8_t h[6] = {static_cast<uint8_t>(type), 0, 0, 0, 0, 0};
  store32(h + 2, static_cast<uint32_t>(count));
  app(b, h, 6);
}
B chars(const std::string& s) {
  B b;
  head(b, 10, s.size());
  return b + s;
}
B sym(const std::string& s) { return B(1, static_cast<char>(-11)) + s + B(1, '\0'); }
B syms(const std::vector<std::string>& v) {
  B b;
  head(b, 11, v.size());
  for (auto& s : v) b += s + B(1, '\0');
  return b;
}
B list(const std::vector<B>& items) {
  B b;
  head(b, 0, items.size());
  for (auto& i : items) b += i;
  return b;
}
B longs(const std::vector<int64_t>& v) {
  B b;
  head(b, 7, v.size());
  for (int64_t x : v) {
    uint8_t e[8];
    store64(e, static_cast<uint64_t>(x));
    app(b, e, 8);
  }
  return b;
}
const uint8_t* bytes(const B& b) { return reinterpret_cast<const uint8_t*>(b.data()); }
Request req(const B& b) { return parse_request(bytes(b), b.size()); }
}  // namespace

TEST_CASE("ipc: .u.sub in every form tick.q's clients send") {
  Request r = req(chars(".u.sub[`trade;`IBM`MSFT]"));
  CHECK(r.kind == Request::Kind::subscribe);
  CHECK(r.table == "trade");
  CHECK_FALSE(r.all_syms);
  CHECK(r.syms == std::vector<std::string>{"IBM", "MSFT"});
  r = req(chars(" .u.sub[ ` ; ` ] "));
  CHECK(r.kind == Request::Kind::subscribe);
  CHECK(r.table.empty());
  CHECK(r.all_syms);
  r = req(chars("(.u.sub[`;`];`.u `i`L)"));
  CHECK(r.kind == Request::Kind::subscribe);
  CHECK(r.with_log);
  r = req(chars("(.u.sub[`;`];$[`m in key`.u;(`.u `m)\"`.u `i`L\";`.u `i`L])"));
  CHECK(r.kind == Request::Kind::subscribe);
  CHECK(r.with_log);
  CHECK(req(chars("`.u `i`L")).kind == Request::Kind::position);
  r = req(syms({".u.sub", "trade", ""}));
  CHECK(r.kind == Request::Kind::subscribe);
  CHECK(r.table == "trade");
  CHECK(r.all_syms);
  r = req(list({chars(".u.sub"), sym("trade"), syms({"A", "B"})}));
  CHECK(r.kind == Request::Kind::subscribe);
  CHECK(r.syms == std::vector<std::string>{"A", "B"});
  r = req(list({chars(".u.sub"), chars("trade"), chars("")}));  // Java's ks(".u.sub","trade","")
  CHECK(r.kind == Request::Kind::subscribe);
  CHECK(r.all_syms);
  r = req(list({sym(".u.sub"), sym("trade"), list({sym("A"), chars("B")})}));
  CHECK(r.syms == std::vector<std::string>{"A", "B"});
  r = req(list({sym(".u.sub"), sym("trade"), syms({})}));  // an empty list: no syms, as in q
  CHECK_FALSE(r.all_syms);
  CHECK(r.syms.empty());
}

TEST_CASE("ipc: nothing else is evaluated") {
  CHECK(req(chars("1+1")).error == "access");
  CHECK(req(chars("system \"rm -rf /\"")).error == "access");
  CHECK(req(chars(".u.sub[`trade;`IBM];system\"ls\"")).error == "nyi");
  CHECK(req(chars(".u.upd[`trade;x]")).error == "nyi");
  CHECK(req(chars("(.u.sub[`;`];system\"ls\")")).error == "access");
  CHECK(req(list({sym("hopen"), sym("x")})).error == "access");
  CHECK(req(list({chars(".u.sub"), sym("trade")})).error == "rank");
  CHECK(req(list({chars(".u.sub"), longs({1}), sym("")})).error == "type");
  B lambda = B(1, 100) + B(1, '\0') + chars("{x+y}");
  CHECK(req(list({lambda, longs({1}), longs({2})})).error == "access");
  CHECK(req(longs({1, 2})).error == "access");
  CHECK(req(chars("")).kind == Request::Kind::nothing);
}

TEST_CASE("ipc: .u.upd's parts, and the time stamped when it is missing") {
  Schema s = parse_symq("trade:([]time:`timespan$();sym:`g#`symbol$();size:`long$())\n", "t.q");
  const Table& t = s.tables[0];
  B x = list({syms({"A", "B"}), longs({1, 2})});
  const B m = list({sym(".u.upd"), sym("trade"), x});
  Request r = req(m);
  REQUIRE(r.kind == Request::Kind::publish);
  CHECK(r.table == "trade");
  CHECK(std::memcmp(r.data, x.data(), x.size()) == 0);
  std::vector<uint8_t> out;
  const int64_t now = 1'700'000'000'123'456'789;  // 2023-11-14T22:13:20.123456789
  REQUIRE(stamp_time(t, bytes(x), x.size(), now, out));
  // (timespans: type 16, two of them, the time of day now)
  REQUIRE(out.size() == x.size() + 6 + 16);
  CHECK(load32(out.data() + 2) == 3);
  CHECK(out[6] == 16);
  CHECK(load32(out.data() + 8) == 2);
  CHECK(static_cast<int64_t>(load64(out.data() + 12)) == now % 86'400'000'000'000);
  // With its time already, or a row of atoms with it: as it is.
  B span;
  head(span, 16, 1);
  uint8_t zero[8] = {};
  app(span, zero, 8);
  B with = list({span, syms({"A"}), longs({1})});
  CHECK_FALSE(stamp_time(t, bytes(with), with.size(), now, out));
  B one = B(1, static_cast<char>(-7)) + B(1, 1) + B(7, '\0');
  B row = list({sym("A"), one});
  REQUIRE(stamp_time(t, bytes(row), row.size(), now, out));
  CHECK(static_cast<int8_t>(out[6]) == -16);  // an atom for a row
  Problem pr;
  CHECK(object_size(out.data(), out.size(), pr) == out.size());
}

TEST_CASE("ipc: headers and decompression refuse what does not fit") {
  MsgHeader h;
  uint8_t big[8] = {0, 1, 0, 0, 0, 0, 0, 20};
  CHECK(parse_msg_header(big, h) == "a big-endian message (not taken)");
  uint8_t shortm[8] = {1, 1, 0, 0, 8, 0, 0, 0};
  CHECK(parse_msg_header(shortm, h) == "a message of 8 bytes");
  uint8_t ok[8] = {1, 2, 0, 0, 9, 0, 0, 0};
  CHECK(parse_msg_header(ok, h).empty());
  CHECK(h.type == kResponse);
  std::vector<uint8_t> out;
  // claims more than allowed
  uint8_t c1[16] = {1, 1, 1, 0, 16, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0};
  CHECK(decompress(c1, sizeof c1, 1 << 20, out) == "a compressed message of 268435456 bytes (more than --max-message)");
  // a copy from a position never made (the table's empty entry)
  uint8_t c2[16] = {1, 1, 1, 0, 16, 0, 0, 0, 20, 0, 0, 0, 0x01, 0x00, 0x05, 0};
  CHECK(decompress(c2, sizeof c2, 1 << 20, out) == "a compressed message that copies from past its end");
  // ends early
  uint8_t c3[14] = {1, 1, 1, 0, 14, 0, 0, 0, 40, 0, 0, 0, 0x00, 0x41};
  CHECK(decompress(c3, sizeof c3, 1 << 20, out) == "a compressed message ending early");
  // literals only: 8 bytes behind a clear flag byte make 16
  uint8_t c4[21] = {1, 1, 1, 0, 21, 0, 0, 0, 16, 0, 0, 0, 0x00, 0xf5, 'a', 'b', 'c', 0, 0xf5, 'x', 0};
  REQUIRE(decompress(c4, sizeof c4, 1 << 20, out).empty());
  CHECK(out.size() == 16);
  CHECK(out[2] == 0);
  CHECK(std::string(reinterpret_cast<char*>(out.data() + 9)) == "abc");
}

TEST_CASE("kdb journal: a long one read through the converter's batches, its rows, then the damage named") {
  // 30000 messages of 50 rows (about 20 batches of stream, through a ring
  // of 3), the 25000th damaged: an unknown type where its sizes are.
  auto schema = std::make_shared<const Schema>(parse_schema("t time:timespan sym:symbol size:long\n", "s"));
  B j("\xff\x01\x00\x00\x00\x00\x00\x00", 8);
  size_t damaged = 0;
  for (int m = 1; m <= 30000; m++) {
    std::vector<int64_t> sizes;
    std::vector<std::string> names;
    for (int r = 0; r < 50; r++) {
      sizes.push_back(int64_t{m} * 100 + r);
      names.push_back("S" + std::to_string((m + r) % 700));
    }
    if (m == 25000) damaged = j.size();
    B times = longs(sizes);
    times[0] = 16;  // (a timespan vector)
    j += list({sym("upd"), sym("t"), list({times, syms(names), longs(sizes)})});
  }
  j[damaged + 6 + 5 + 3 + 6] = 50;  // (the time vector's type byte)
  for (size_t cap : {size_t{7}, size_t{1} << 16}) {
    kdb::JournalSource src("j", bytes(j), j.size(), schema, kNoDate, false);
    std::vector<uint8_t> stream(cap);
    std::vector<uint8_t> all;
    std::string error;
    try {
      while (size_t k = src.read(stream.data(), cap)) all.insert(all.end(), stream.begin(), stream.begin() + k);
    } catch (const Error& e) {
      error = e.what();
    }
    CHECK(error == "j: byte " + std::to_string(damaged) + ": message 25000: unknown type 50");
    auto in = testing::input_of(all);
    RecordReader rr(*in);
    Decoder dec;
    Record r;
    uint64_t rows = 0, seq = 0;
    bool in_order = true;
    while (rr.next(r) == RecordReader::Status::Ok) {
      if (dec.apply(r) != Decoder::Kind::Data) continue;
      const DataView& v = dec.data();
      in_order = in_order && r.data_seq() == ++seq && v.get<int64_t>(2, 0) == int64_t(seq) * 100 &&
                 dec.syms().name(v.get<uint32_t>(1, 49)) == "S" + std::to_string((seq + 49) % 700);
      rows += v.rows;
    }
    CHECK(in_order);
    CHECK(rows == 24999 * 50);
  }
  // Left after its first bytes, the thread waiting for room: it stops.
  kdb::JournalSource early("j", bytes(j), j.size(), schema, kNoDate, false);
  uint8_t b[100];
  CHECK(early.read(b, sizeof b) == 100);
}
