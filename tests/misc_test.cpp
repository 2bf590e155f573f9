// Schemas (native and sym.q), the symbol dictionary, the clock and the day
// roll, and filters.
#include <catch2/catch.hpp>

#include "helpers.h"
#include "tick/base/clock.h"
#include "tick/base/error.h"
#include "tick/stream/filter.h"
#include "tick/stream/schema.h"
#include "tick/stream/symbols.h"
#include "tick/stream/writer.h"

using namespace tick;

namespace {
std::string schema_error(const std::string& text, bool symq = false) {
  try {
    symq ? parse_symq(text, "s.q") : parse_schema(text, "s.schema");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("native schema files: comments, blank lines, CRLF") {
  Schema s = parse_schema("# tables\r\ntrade time:timestamp sym:symbol price:float size:long  # the trades\r\n\r\n"
                          "quote time:timespan sym:symbol bid:float\n",
                          "s");
  REQUIRE(s.tables.size() == 2);
  REQUIRE(s.tables[0].columns.size() == 4);
  REQUIRE(s.tables[1].columns[0].type == Type::timespan);
  REQUIRE(format_schema(s) == "trade time:timestamp sym:symbol price:float size:long\nquote time:timespan sym:symbol bid:float\n");
}

TEST_CASE("kdb+ sym.q of plain table definitions") {
  Schema s = parse_symq(
      "/ the tick schema\n"
      "trade:([]time:`timespan$();sym:`g#`symbol$();price:`float$();size:`int$())\n"
      "quote:([] time:`timestamp$(); sym:`symbol$(); bid:\"f\"$(); ex:`char$(); note:())\n",
      "sym.q");
  REQUIRE(s.tables.size() == 2);
  REQUIRE(s.tables[0].columns[0].type == Type::timespan);
  REQUIRE(s.tables[0].columns[1].type == Type::symbol);
  REQUIRE(s.tables[0].columns[3].type == Type::int_);
  REQUIRE(s.tables[1].columns[2].type == Type::float_);
  REQUIRE(s.tables[1].columns[3].type == Type::char_);
  REQUIRE(s.tables[1].columns[4].type == Type::string);
}

TEST_CASE("broken schemas name file and line") {
  REQUIRE(schema_error("a time:timestamp sym:symbol\nb time:timestamp sym:money\n") ==
          "s.schema:2: unknown type 'money' (boolean byte short int long real float char symbol timestamp timespan date string)");
  REQUIRE(schema_error("a sym:symbol v:long\n") == "s.schema:1: table a has no time column");
  REQUIRE(schema_error("a time:timestamp v:long\n") == "s.schema:1: table a has no sym column");
  REQUIRE(schema_error("a time:long sym:symbol\n") == "s.schema:1: table a: time must be timestamp, timespan, time, second or minute, not long");
  REQUIRE(schema_error("a time:timestamp sym:symbol sym:long\n") == "s.schema:1: table a: column 'sym' appears twice");
  REQUIRE(schema_error("a time:timestamp sym:symbol\na time:timestamp sym:symbol\n") == "s.schema:2: table a is defined twice");
  REQUIRE(schema_error("a time\n") == "s.schema:1: column 'time' needs a type (name:type)");
  REQUIRE(schema_error("# nothing\n") == "s.schema: no tables defined");
}

TEST_CASE("sym.q: the flip form with type characters, attributes, several lines, comments") {
  Schema s = parse_symq(
      "/ tick schema, as kdb+ tick's sym.q\n"
      "\\d .\n"
      "trade:flip `time`sym`price`size`ex!\"PSFJC\"$\\:()  / trailing comment\n"
      "quote:flip `time`sym`bid`ask`bsize`asize!(`timespan$();`g#`symbol$();\"f\"$();`float$();\n"
      "    `long$();`long$())\n"
      "/\n"
      "a block comment: trade:([] nothing:())\n"
      "\\\n"
      "depth:([]\n"
      "  time:`p#`timestamp$();  / the first column\n"
      "  sym:`s#`$();\n"
      "  lvl:`short$(); note:())\n"
      "update `g#sym from `trade\n"
      "\\d .u\n",
      "sym.q");
  REQUIRE(format_schema(s) ==
          "trade time:timestamp sym:symbol price:float size:long ex:char\n"
          "quote time:timespan sym:symbol bid:float ask:float bsize:long asize:long\n"
          "depth time:timestamp sym:symbol lvl:short note:string\n");
  REQUIRE(s.notes == std::vector<std::string>{"line 2 (\\d .)", "line 13 (update of attributes on trade)",
                                               "line 14 (\\d .u)"});
}

TEST_CASE("sym.q: lower-case casts, * and () as strings, ; between definitions, a BOM, CRLF") {
  Schema s = parse_symq(
      "\xEF\xBB\xBF" "a:flip `time`sym`ok`b!\"nsb*\"$\\:();b:([] time:`timespan$(); sym:`symbol$(); d:`date$())\r\n"
      "c:flip `time`sym`x!(\"p\"$();`$();())\r\n",
      "s.q");
  REQUIRE(format_schema(s) ==
          "a time:timespan sym:symbol ok:boolean b:string\n"
          "b time:timespan sym:symbol d:date\n"
          "c time:timestamp sym:symbol x:string\n");
  REQUIRE(s.notes.empty());
}

TEST_CASE("sym.q: what is not a table definition is refused with its line and what was expected") {
  REQUIRE(schema_error("t:([sym:`symbol$()] time:`timestamp$())\n", true) ==
          "s.q:1: table t is keyed; a tick table is unkeyed ([] ...)");
  REQUIRE(schema_error("t:([]time:`timestamp$();sym:`symbol$();m:`mon$())\n", true).starts_with(
      "s.q:1: column m: unknown type 'mon' (supported: b x h i j e f c s p n d t u v m z g"));
  REQUIRE(schema_error("t:flip `time`sym`g!\"PSY\"$\\:()\n", true).starts_with(
      "s.q:1: column g: unknown type character 'Y'"));
  REQUIRE(schema_error("t:flip `time`sym!\"PSF\"$\\:()\n", true) == "s.q:1: table t: 2 column names but 3 types");
  REQUIRE(schema_error("upd:{[t;x] t insert x}\n", true) ==
          "s.q:1: expected ([] or flip after the table name, found '{'");
  REQUIRE(schema_error("upd:insert\n", true) == "s.q:1: expected ([] or flip after the table name, found 'insert'");
  REQUIRE(schema_error("\n.u.init[]\n", true).starts_with("s.q:2: expected a table definition (name:([] col"));
  REQUIRE(schema_error("t:([]time:`timestamp$();\n  sym:`symbol$()\n", true) ==
          "s.q:1: a parenthesis is never closed");
  REQUIRE(schema_error("t:([]time:`timestamp$();sym:`symbol$();p:`float$(1))\n", true) ==
          "s.q:1: expected ) closing the empty list of column p, found '1'");
  REQUIRE(schema_error("t:([]time:`timestamp$();sym:`symbol$())\nupdate `g#sym from `quote\n", true) ==
          "s.q:2: update of table 'quote', which is not defined above");
  REQUIRE(schema_error("t:([]time:`timestamp$();sym:`symbol$())\nupdate `g#ex from t\n", true) ==
          "s.q:2: update of column 'ex', which table t lacks");
  REQUIRE(schema_error("t:([]time:`timestamp$();sym:`symbol$()) x\n", true) ==
          "s.q:1: expected the end of the definition of t, found 'x'");
  REQUIRE(schema_error("t:([]time:`long$();sym:`symbol$())\n", true) ==
          "s.q:1: table t: time must be timestamp, timespan, time, second or minute, not long");
  REQUIRE(schema_error("/ nothing\n\\d .u\n", true) == "s.q: no tables defined");
}

TEST_CASE("sym.q is recognised by its name or its definitions") {
  REQUIRE(looks_like_symq("x.q", ""));
  REQUIRE(looks_like_symq("s", "trade : ([] time:`timestamp$())"));
  REQUIRE(looks_like_symq("s", "trade: flip `time`sym!\"PS\"$\\:()"));
  REQUIRE(looks_like_symq("s", "\\d .u\n"));
  REQUIRE_FALSE(looks_like_symq("s.schema", "trade time:timestamp sym:symbol\n"));
}

TEST_CASE("the symbol dictionary: dense ids, many and long symbols") {
  SymbolTable s;
  for (uint32_t i = 0; i < 100000; i++) REQUIRE(s.intern("S" + std::to_string(i)) == i);
  REQUIRE(s.size() == 100000);
  REQUIRE(s.intern("S777") == 777);
  REQUIRE(*s.find("S99999") == 99999);
  REQUIRE_FALSE(s.find("nope"));
  std::string long_sym(60000, 'L');
  uint32_t id = s.intern(long_sym);
  REQUIRE(s.name(id) == long_sym);
  REQUIRE(s.name(5) == "S5");
}

TEST_CASE("ISO-8601 formatting and parsing") {
  char b[40];
  REQUIRE(std::string(b, format_timestamp(b, 0)) == "1970-01-01T00:00:00.000000000Z");
  REQUIRE(*parse_timestamp("2026-11-23T14:30:00.123456789Z") == int64_t{1795444200123456789});
  REQUIRE(*parse_timestamp("2026-11-23T14:30:00.1Z") == int64_t{1795444200100000000});
  REQUIRE(*parse_timestamp("2026-11-23 14:30") == int64_t{1795444200000000000});
  REQUIRE(*parse_timestamp("2026-11-23T09:30:00-05:00") == int64_t{1795444200000000000});
  REQUIRE(*parse_timestamp("2026-11-23") == int64_t{1795392000000000000});
  REQUIRE(timestamp_string(*parse_timestamp("1969-07-20T20:17:40Z")) == "1969-07-20T20:17:40.000000000Z");
  REQUIRE(timestamp_string(*parse_timestamp("2262-04-11T23:47:16.854775807Z")) == "2262-04-11T23:47:16.854775807Z");
  REQUIRE(timestamp_string(*parse_timestamp("2100-02-28T23:59:59.999999999Z") + 1) == "2100-03-01T00:00:00.000000000Z");
  REQUIRE_FALSE(parse_timestamp("2026-02-30T00:00:00Z"));
  REQUIRE_FALSE(parse_timestamp("2026-13-01"));
  REQUIRE_FALSE(parse_timestamp("2026-11-23T25:00"));
  REQUIRE_FALSE(parse_timestamp("2026-11-23T10:00Zjunk"));
  REQUIRE(*parse_date("2024-02-29") == 19782);
  REQUIRE_FALSE(parse_date("2023-02-29"));
  REQUIRE(std::string(b, format_timespan(b, 90061000000001)) == "1D01:01:01.000000001");
  REQUIRE(*parse_timespan("1D01:01:01.000000001") == 90061000000001);
  REQUIRE(*parse_timespan("-00:00:01") == -1000000000);
}

TEST_CASE("the day roll at 17:00 New York across both DST changes, and UTC midnight") {
  DayRoll ny("17:00", "America/New_York");
  auto t = [](const char* s) { return *parse_timestamp(s); };
  REQUIRE(date_string(ny.day_of(t("2026-11-23T21:59:59Z"))) == "2026-11-23");
  REQUIRE(date_string(ny.day_of(t("2026-11-23T22:00:00Z"))) == "2026-11-24");
  REQUIRE(timestamp_string(ny.next_roll(t("2026-03-07T12:00:00Z"))) == "2026-03-07T22:00:00.000000000Z");
  REQUIRE(timestamp_string(ny.next_roll(t("2026-03-08T12:00:00Z"))) == "2026-03-08T21:00:00.000000000Z");
  REQUIRE(timestamp_string(ny.next_roll(t("2026-10-31T12:00:00Z"))) == "2026-10-31T21:00:00.000000000Z");
  REQUIRE(timestamp_string(ny.next_roll(t("2026-11-01T12:00:00Z"))) == "2026-11-01T22:00:00.000000000Z");
  // Every roll through a year: consecutive days, exactly one roll each.
  int64_t at = t("2026-01-01T00:00:00Z");
  int32_t day = ny.day_of(at);
  for (int i = 0; i < 366; i++) {
    int64_t next = ny.next_roll(at);
    REQUIRE(ny.day_of(next) == day + 1);
    REQUIRE(ny.day_of(next - 1) == day);
    at = next;
    day++;
  }
  DayRoll utc;
  REQUIRE(timestamp_string(utc.next_roll(t("2026-11-23T10:00:00Z"))) == "2026-11-24T00:00:00.000000000Z");
  REQUIRE_THROWS_AS(DayRoll("25:00", "UTC"), UsageError);
  REQUIRE_THROWS_AS(DayRoll("17:00", "Mars/Olympus"), UsageError);
}

TEST_CASE("filters: tables, syms, and inclusive time windows on timestamp and timespan columns") {
  Schema schema = parse_schema("a time:timestamp sym:symbol v:long\nb time:timespan sym:symbol v:long\n", "f");
  testing::Capture cap;
  StreamWriter w(cap.out);
  w.begin(schema);
  for (int tab = 0; tab < 2; tab++) {
    TableBatch b(schema.tables[tab]);
    for (int i = 0; i < 10; i++) {
      b.begin_row();
      int64_t tod = (int64_t{10} * 3600 + i * 60) * kNsPerSec;  // 10:00 .. 10:09
      b.set<int64_t>(0, tab == 0 ? *parse_timestamp("2026-11-23") + tod : tod);
      b.set<uint32_t>(1, w.syms().intern(i % 2 ? "ODD" : "EVEN"));
      b.set<int64_t>(2, i);
      b.end_row();
    }
    w.data(static_cast<uint16_t>(tab), b);
  }
  auto in = testing::input_of(cap.done());
  RecordReader rr(*in);
  Decoder dec;
  Record r;
  FilterSpec spec;
  spec.syms = {"ODD"};
  spec.from = "10:03";
  spec.to = "2026-11-23T10:07:00Z";
  Filter f(spec);
  std::vector<uint32_t> sel;
  std::vector<std::vector<int64_t>> got;
  while (rr.next(r) == RecordReader::Status::Ok) {
    auto k = dec.apply(r);
    if (k != Decoder::Kind::Data) {
      f.update(dec);
      continue;
    }
    uint32_t n = f.select(dec.data(), sel);
    std::vector<int64_t> vals;
    for (uint32_t i = 0; i < n; i++) vals.push_back(dec.data().get<int64_t>(2, sel[i]));
    got.push_back(vals);
  }
  REQUIRE(got.size() == 2);
  REQUIRE(got[0] == std::vector<int64_t>{3, 5, 7});
  REQUIRE(got[1] == std::vector<int64_t>{3, 5, 7});
  FilterSpec bad;
  bad.from = "ten o'clock";
  REQUIRE_THROWS_AS(Filter(bad), UsageError);
  FilterSpec tables;
  tables.tables = {"b"};
  Filter ft(tables);
  ft.update(dec);
  REQUIRE_FALSE(ft.want_table(0));
  REQUIRE(ft.want_table(1));
}

TEST_CASE("nine-digit timestamps read by the fixed path as by the general one") {
  // A tenth digit sends a string to the general reader (which keeps nine):
  // the two must agree on every form and every damage of the common one.
  testing::Xorshift next{0x2545F4914F6CDD1Du};
  size_t checked = 0, valid = 0;
  for (int i = 0; i < 200000; i++) {
    uint64_t r = next();
    char buf[40];
    std::snprintf(buf, sizeof buf, "2026-%02d-%02dT%02d:%02d:%02d%c%09llu%s", static_cast<int>(1 + r % 12),
                  static_cast<int>(1 + (r >> 4) % 28), static_cast<int>((r >> 9) % 26), static_cast<int>((r >> 14) % 61),
                  static_cast<int>((r >> 20) % 62), (r >> 26) % 5 ? '.' : ',',
                  static_cast<unsigned long long>((r >> 28) % 1000000000ull),
                  (r >> 58) % 3 == 0 ? "" : (r >> 58) % 3 == 1 ? "Z" : "+01:30");
    std::string s = buf;
    if ((r >> 61) % 2) s[11 + (r >> 32) % (s.size() - 11)] = "0:9.aZ+ "[(r >> 40) % 8];  // damage
    size_t frac_end = 20;
    while (frac_end < s.size() && s[frac_end] >= '0' && s[frac_end] <= '9') frac_end++;
    std::string ten = s.substr(0, frac_end) + "0" + s.substr(frac_end);
    auto a = parse_timestamp(s), b = parse_timestamp(ten);
    if (frac_end == 29) {
      checked++;
      valid += a.has_value();
      if (a != b) FAIL_CHECK(s << ": " << (a ? *a : -1) << " vs " << (b ? *b : -1));
    }
  }
  CHECK(checked > 100000);
  CHECK(valid > 50000);
}
