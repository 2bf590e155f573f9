// The HDB layout's pieces: compression names, date ranges, metadata and
// dictionary files written and read back (and refused when damaged), and
// column files plain and in zstd blocks read by byte range.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <random>

#include "helpers.h"
#include "tick/base/clock.h"
#include "tick/base/error.h"
#include "tick/base/files.h"
#include "tick/hdb/day_builder.h"
#include "tick/hdb/hdb.h"
#include "tick/hdb/read.h"
#include "tick/stream/schema.h"
#include "tick/stream/writer.h"

using namespace tick;

namespace {
struct TempDir {
  std::string path;
  TempDir() {
    char p[] = "/tmp/tick-hdb-unit-XXXXXX";
    path = ::mkdtemp(p);
  }
  ~TempDir() { remove_tree(path); }
  std::string operator/(const std::string& n) const { return join_path(path, n); }
};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("compression names") {
  CHECK(hdb::parse_compress("none") == 0);
  CHECK(hdb::parse_compress("zstd") == 1);
  CHECK(hdb::parse_compress("zstd:9") == 9);
  CHECK(hdb::compress_name(0) == "none");
  CHECK(hdb::compress_name(3) == "zstd:3");
  for (const char* bad : {"zstd:", "zstd:0", "zstd:99", "gzip", "zstd:1x", ""})
    CHECK_THROWS_AS(hdb::parse_compress(bad), UsageError);
}

TEST_CASE("date ranges") {
  auto d = [](const char* s) { return *parse_date(s); };
  CHECK(parse_date_range("2026-11-20") == std::make_pair(d("2026-11-20"), d("2026-11-20")));
  CHECK(parse_date_range("2026-11-20..2026-12-01") == std::make_pair(d("2026-11-20"), d("2026-12-01")));
  for (const char* bad : {"2026-11-21..2026-11-20", "2026-13-01", "2026-11-20..", "..2026-11-20", "yesterday"})
    CHECK_THROWS_AS(parse_date_range(bad), UsageError);
}

TEST_CASE("partition and table metadata round trip; damage is named by file and line") {
  TempDir t;
  hdb::PartitionMeta pm{*parse_date("2026-11-20"), {"trade", "quote"}};
  write_file(t / ".d", hdb::format_partition_meta(pm));
  auto back = hdb::read_partition_meta(t.path);
  CHECK(back.date == pm.date);
  CHECK(back.tables == pm.tables);

  hdb::TableMeta tm;
  tm.table = {"trade", {{"time", Type::timestamp}, {"sym", Type::symbol}, {"s", Type::string}}};
  tm.rows = 12345;
  tm.level = 3;
  make_dir(t / "trade");
  write_file(t / "trade/.d", hdb::format_table_meta(tm));
  auto tb = hdb::read_table_meta(t / "trade");
  CHECK(tb.rows == 12345);
  CHECK(tb.level == 3);
  CHECK(tb.table.same_columns(tm.table));
  CHECK(tb.table.sym_col == 1);

  write_file(t / "trade/.d", "tick-hdb 2\ntable trade\n");
  CHECK_THAT(error_of([&] { hdb::read_table_meta(t / "trade"); }),
             Catch::Contains("trade/.d:1: tick-hdb version 2 (this build reads 1)"));
  write_file(t / "trade/.d", "tick-hdb 1\ntable trade\nrows 1x\n");
  CHECK_THAT(error_of([&] { hdb::read_table_meta(t / "trade"); }), Catch::Contains("trade/.d:3: not a number"));
  write_file(t / "trade/.d", "tick-hdb 1\ntable trade\nrows 1\ncolumn time timestamp\ncolumn sym float\n");
  CHECK_THAT(error_of([&] { hdb::read_table_meta(t / "trade"); }), Catch::Contains("sym must be symbol"));
  write_file(t / "trade/.d", "tick-hdb 1\nrows 1\ncompress lz4\n");
  CHECK_THAT(error_of([&] { hdb::read_table_meta(t / "trade"); }), Catch::Contains(".d:3: unknown compression lz4"));
  write_file(t / ".d", "tick-hdb 1\ntable trade\n");
  CHECK_THAT(error_of([&] { hdb::read_partition_meta(t.path); }), Catch::Contains("no date line"));
  write_file(t / ".d", "");
  CHECK_THAT(error_of([&] { hdb::read_partition_meta(t.path); }), Catch::Contains("empty metadata file"));
}

TEST_CASE("the sym file and the index") {
  TempDir t;
  std::vector<std::string_view> names{"", "AAPL", "MSFT", "\xc3\xa9t\xc3\xa9", std::string_view("a\0b", 3)};
  std::string bytes = hdb::encode_syms(names);
  write_file(t / "sym", bytes);
  auto back = hdb::read_syms(t.path);
  REQUIRE(back.size() == names.size());
  for (size_t i = 0; i < names.size(); i++) CHECK(back[i] == names[i]);
  for (size_t cut : {size_t{3}, size_t{11}, size_t{13}, bytes.size() - 1}) {
    write_file(t / "sym", bytes.substr(0, cut));
    CHECK(!error_of([&] { hdb::read_syms(t.path); }).empty());
  }
  write_file(t / "sym", bytes + "x");
  CHECK_THAT(error_of([&] { hdb::read_syms(t.path); }), Catch::Contains("1 bytes after the last symbol"));

  std::vector<uint64_t> idx{0, 0, 5, 5, 9};
  write_file(t / ".index", idx.data(), 8 * idx.size());
  CHECK(hdb::read_index(t.path, 4, 9) == idx);
  CHECK_THAT(error_of([&] { hdb::read_index(t.path, 5, 9); }), Catch::Contains("expected 48 for 5 symbols"));
  CHECK_THAT(error_of([&] { hdb::read_index(t.path, 4, 10); }), Catch::Contains("do not cover"));
  idx = {0, 6, 5, 5, 9};
  write_file(t / ".index", idx.data(), 8 * idx.size());
  CHECK_THAT(error_of([&] { hdb::read_index(t.path, 4, 9); }), Catch::Contains("out of order at sym id 1"));
}

TEST_CASE("column files: plain and zstd blocks give the same bytes for every range") {
  TempDir t;
  // Several blocks and a short last one; compressible and not.
  std::mt19937_64 rng(7);
  std::vector<uint8_t> data(3 * hdb::kBlockBytes + 1234);
  for (size_t i = 0; i < data.size(); i++) data[i] = i % 3 ? static_cast<uint8_t>(rng()) : static_cast<uint8_t>(i / 1000);
  write_file(t / "c", data.data(), data.size());
  uint64_t packed = hdb::compress_column(t / "c", t / "z", 3);
  CHECK(packed == read_file(t / "z").size());
  hdb::ColumnFile plain(t / "c", 0, data.size()), z(t / "z", 3, data.size());
  std::uniform_int_distribution<uint64_t> pos(0, data.size());
  for (int k = 0; k < 300; k++) {
    uint64_t a = pos(rng), b = pos(rng);
    if (a > b) std::swap(a, b);
    const uint8_t* p = plain.read(a, b);
    const uint8_t* q = z.read(a, b);
    REQUIRE(std::equal(p, p + (b - a), data.begin() + a));
    REQUIRE(std::equal(q, q + (b - a), data.begin() + a));
  }
  CHECK_THAT(error_of([&] { z.read(5, data.size() + 1); }), Catch::Contains("beyond"));
  CHECK_THAT(error_of([&] { hdb::ColumnFile(t / "c", 0, data.size() + 8); }), Catch::Contains("expected"));
  CHECK_THAT(error_of([&] { hdb::ColumnFile(t / "z", 3, data.size() - 1); }), Catch::Contains("expected"));
  CHECK_THAT(error_of([&] { hdb::ColumnFile(t / "c", 3, data.size()); }), Catch::Contains("no compressed-column trailer"));

  // A damaged block is named; the others still read.
  std::string zb = read_file(t / "z");
  zb[10] ^= 0x55;
  zb[11] ^= 0x55;
  write_file(t / "z2", zb);
  hdb::ColumnFile d(t / "z2", 3, data.size());
  const uint8_t* q = d.read(2 * hdb::kBlockBytes, 2 * hdb::kBlockBytes + 100);
  CHECK(std::equal(q, q + 100, data.begin() + 2 * hdb::kBlockBytes));
  CHECK_THAT(error_of([&] { d.read(0, 10); }), Catch::Contains("z2: block 0 at byte 0"));
  // A trailer whose block index runs off the file.
  zb = read_file(t / "z");
  write_file(t / "z3", zb.substr(zb.size() - 40));
  CHECK(!error_of([&] { hdb::ColumnFile(t / "z3", 3, data.size()); }).empty());

  // An empty column.
  write_file(t / "e", "", 0);
  hdb::compress_column(t / "e", t / "ez", 1);
  hdb::ColumnFile e(t / "ez", 1, 0);
  CHECK(e.size() == 0);
}

TEST_CASE("DayBuilder: a day counted, then scattered, comes out sorted by sym then time") {
  // Rows in arrival order: syms cycle C, A, B; times go down within a sym
  // for the first rows (out of order: sorted in place), up after.
  Schema schema = parse_schema("q time:timestamp sym:symbol v:long\n", "test");
  testing::Capture cap;
  StreamWriter w(cap.out);
  w.begin(schema);
  TableBatch b(schema.tables[0]);
  const char* names[] = {"C", "A", "B"};
  for (int k = 0; k < 30; k++) {
    b.begin_row();
    b.set<int64_t>(0, k < 9 ? 1000 - k : 1000 + k);
    b.set<uint32_t>(1, w.syms().intern(names[k % 3]));
    b.set<int64_t>(2, k);
    b.end_row();
    if (k % 7 == 6) {
      w.data(0, b);
      b.clear();
    }
  }
  w.data(0, b);
  const auto& bytes = cap.done();

  char tmpl[] = "/tmp/tick-unit-daybuilder-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  EodOptions o;
  o.hdb = dir;
  o.level = 0;
  o.sync = false;
  DayBuilder day(o);
  const std::string name = "test";
  auto each = [&](const std::function<void(Decoder::Kind, const Decoder&, const Record&)>& f) {
    auto in = testing::input_of(bytes);
    RecordReader rr(*in);
    Decoder dec;
    Record r;
    while (rr.next(r) == RecordReader::Status::Ok) f(dec.apply(r), dec, r);
    return in;
  };
  each([&](Decoder::Kind k, const Decoder& d, const Record& r) { day.count(k, d, {name, r.offset}); });
  CHECK(day.rows() == 30);
  CHECK(day.syms() == 3);
  std::string part = dir + "/part";
  make_dir(part);
  day.write(part, 20000, each);

  CHECK(hdb::read_syms(part) == std::vector<std::string>{"A", "B", "C"});
  auto index = hdb::read_index(part + "/q", 3, 30);
  CHECK(index == std::vector<uint64_t>{0, 10, 20, 30});
  hdb::ColumnFile time(part + "/q/time", 0, 30 * 8), v(part + "/q/v", 0, 30 * 8);
  const auto* t = reinterpret_cast<const int64_t*>(time.read(0, 30 * 8));
  std::vector<int64_t> times(t, t + 30);
  const auto* vs = reinterpret_cast<const int64_t*>(v.read(0, 30 * 8));
  std::vector<int64_t> values(vs, vs + 30);
  for (int g = 0; g < 3; g++) {
    CHECK(std::is_sorted(times.begin() + 10 * g, times.begin() + 10 * (g + 1)));
    for (int i = 10 * g; i < 10 * (g + 1); i++) CHECK(values[i] % 3 == (g + 1) % 3);  // A: k%3==1, B: 2, C: 0
  }
  std::system(("rm -rf '" + dir + "'").c_str());
}
