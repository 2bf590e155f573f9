// JSON and CSV in and out: escapes, unicode, missing and extra fields, wrong
// types, ranges, blank lines, CRLF, a 1 MB line, rejects.
#include <catch2/catch.hpp>
#include <charconv>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "helpers.h"
#include "tick/base/clock.h"
#include "tick/stream/writer.h"
#include "tick/text/copy.h"
#include "tick/text/in.h"
#include "tick/text/last_values.h"
#include "tick/text/out.h"

using namespace tick;
using testing::Capture;
using testing::input_of;

namespace {

const char* kSchema =
    "t time:timestamp sym:symbol b:boolean h:short i:int j:long e:real f:float c:char n:timespan "
    "d:date s:string\n"
    "u time:timestamp sym:symbol v:long\n";

struct Result {
  std::string out;  // decoded back as JSON lines
  std::string error;
  uint64_t rows = 0, rejected = 0;
};

Result encode(const std::string& text, EncodeOptions o = {}) {
  Schema schema = parse_schema(kSchema, "test");
  Capture cap;
  Result res;
  {
    Encoder enc(schema, cap.out, o);
    auto in = input_of(testing::bytes_of(text), false);
    try {
      enc.encode(*in);
    } catch (const Error& e) {
      res.error = e.what();
    }
    res.rows = enc.rows();
    res.rejected = enc.rejected();
  }
  Capture json;
  CopyOptions co;
  co.format = Format::json;
  Copier copier(json.out, co);
  auto in = input_of(cap.done());
  copier.copy(*in);
  copier.flush();
  auto& b = json.done();
  res.out.assign(b.begin(), b.end());
  return res;
}

std::string line(const std::string& s) { return s + "\n"; }

}  // namespace

TEST_CASE("JSON escapes and unicode survive the round trip") {
  std::string in =
      R"({"table":"t","time":"2026-11-23T14:30:00Z","sym":"caf\u00e9 \ud83d\ude00","s":"tab\tquote\"back\\slash\nnl \u0001"})";
  auto r = encode(line(in));
  REQUIRE(r.error.empty());
  REQUIRE(r.out.find(R"("sym":"café 😀")") != std::string::npos);
  REQUIRE(r.out.find(R"("s":"tab\tquote\"back\\slash\nnl \u0001")") != std::string::npos);
}

TEST_CASE("missing fields are null, the time is stamped, field order does not matter") {
  int64_t before = now_ns();
  auto r = encode(line(R"({"sym":"A","j":5,"table":"t"})"));
  REQUIRE(r.error.empty());
  REQUIRE(r.out.find(R"("sym":"A","b":false,"h":null,"i":null,"j":5,"e":null,"f":null,"c":" ","n":null,"d":null,"s":"")") !=
          std::string::npos);
  auto t = parse_timestamp(r.out.substr(r.out.find("\"time\":\"") + 8, 30));
  REQUIRE(t);
  REQUIRE(*t >= before);
  REQUIRE(*t <= now_ns());
}

TEST_CASE("bad lines name the line and keep everything before them") {
  std::string good = line(R"({"table":"u","time":1,"sym":"A","v":1})");
  struct Case {
    std::string text, want;
  };
  std::vector<Case> cases = {
      {R"({"table":"u","time":1,"sym":"A","v":"x"})", "column v: expected an integer, got a string"},
      {R"({"table":"u","time":1,"sym":"A","v":1.5})", "column v: expected an integer, got a fraction"},
      {R"({"table":"u","time":1,"sym":"A","v":99999999999999999999})", "column v: number out of range for an integer"},
      {R"({"table":"t","h":40000})", "column h: number out of range for short"},
      {R"({"table":"t","i":2147483648})", "column i: number out of range for int"},
      {R"({"table":"u","sym":"A","zz":1})", "unknown column 'zz' for table u"},
      {R"({"table":"nope"})", "unknown table 'nope'"},
      {R"({"sym":"A"})", "no \"table\" field (give the table with -t)"},
      {R"([1,2])", "not a JSON object"},
      {R"({"table":"u","v":1} {"x":2})", "trailing content after the JSON object"},
      {R"({"table":"u","v":1,"v":2})", "column v appears twice"},
      {R"({"table":"u","time":"yesterday"})", "column time: 'yesterday' is not a timestamp (ISO-8601, q's 2026.11.23D14:30:00 or an epoch number)"},
  };
  for (const auto& c : cases) {
    auto r = encode(good + "\n  \n" + line(c.text) + good);
    INFO(c.text);
    REQUIRE(r.error.find(':') != std::string::npos);
    REQUIRE(r.error.substr(r.error.find(':')) == ":4: " + c.want);
    REQUIRE(r.out == R"({"table":"u","time":"1970-01-01T00:00:00.000000001Z","sym":"A","v":1})" "\n");
  }
}

TEST_CASE("skip mode writes each rejected line with its reason and goes on") {
  char path[] = "/tmp/tick-rejects-XXXXXX";
  ::close(::mkstemp(path));
  EncodeOptions o;
  o.skip_errors = true;
  o.rejects = path;
  auto r = encode(line(R"({"table":"u","v":1})") + line("not json") + line(R"({"table":"u","v":2})") +
                      line(R"({"table":"u","v":true})"),
                  o);
  REQUIRE(r.error.empty());
  REQUIRE(r.rows == 2);
  REQUIRE(r.rejected == 2);
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string rej = ss.str();
  ::unlink(path);
  REQUIRE(rej.find(":2\t") != std::string::npos);
  REQUIRE(rej.find("\tnot json\n") != std::string::npos);
  REQUIRE(rej.find(":4\tcolumn v: expected an integer, got a boolean\t{\"table\":\"u\",\"v\":true}\n") != std::string::npos);
}

TEST_CASE("extra fields are accepted with ignore_unknown; CRLF and blank lines are fine") {
  EncodeOptions o;
  o.ignore_unknown = true;
  auto r = encode("\r\n" + std::string(R"({"table":"u","time":2,"sym":"B","v":3,"extra":{"deep":[1,2]}})") + "\r\n\r\n", o);
  REQUIRE(r.error.empty());
  REQUIRE(r.out == R"({"table":"u","time":"1970-01-01T00:00:00.000000002Z","sym":"B","v":3})" "\n");
}

TEST_CASE("a 1 MB line") {
  std::string big(1 << 20, 'x');
  auto r = encode(line(R"({"table":"t","time":1,"sym":"A","s":")" + big + R"("})"));
  REQUIRE(r.error.empty());
  REQUIRE(r.out.find(big) != std::string::npos);
}

TEST_CASE("epoch numbers in the given unit, ISO times with offsets") {
  EncodeOptions o;
  o.unit = TimeUnit::ms;
  auto r = encode(line(R"({"table":"u","time":1700000000123,"sym":"A"})") +
                      line(R"({"table":"u","time":"2026-11-23T09:30:00.5-05:00","sym":"A"})"),
                  o);
  REQUIRE(r.error.empty());
  REQUIRE(r.out.find("2023-11-14T22:13:20.123000000Z") != std::string::npos);
  REQUIRE(r.out.find("2026-11-23T14:30:00.500000000Z") != std::string::npos);
}

TEST_CASE("CSV: quoted commas, quotes and newlines; nulls; field counts; header errors") {
  EncodeOptions o;
  o.in = EncodeOptions::In::csv;
  auto r = encode("table,time,sym,s,j\r\n"
                  "t,1,\"A,B\",\"say \"\"hi\"\"\nthere\",\n"
                  "u,2,C,\n"
                  "t,3,D,plain,7\n",
                  o);
  REQUIRE(r.error.find(":4: expected 5 fields, got 4") != std::string::npos);  // the quoted newline
  REQUIRE(r.out.find(R"("sym":"A,B")") != std::string::npos);
  REQUIRE(r.out.find(R"("j":null)") != std::string::npos);
  REQUIRE(r.out.find(R"("s":"say \"hi\"\nthere")") != std::string::npos);
  auto h = encode("time,sym,nosuch\n1,A,2\n", [] {
    EncodeOptions x;
    x.in = EncodeOptions::In::csv;
    x.table = "u";
    return x;
  }());
  REQUIRE(h.error.find(":1: unknown column 'nosuch' for table u") != std::string::npos);
}

TEST_CASE("live state: the last row per sym and the last N rows per sym, across stream headers") {
  Schema sc = parse_schema("trade time:timestamp sym:symbol price:float\n", "live");
  auto stream = [&](const std::string& jsonl) {
    Capture c;
    EncodeOptions eo;
    Encoder enc(sc, c.out, eo);
    auto in = input_of(testing::bytes_of(jsonl), false);
    enc.encode(*in);
    enc.flush();
    return c.done();
  };
  std::string lines;
  for (int i = 0; i < 10; i++)
    lines += "{\"table\":\"trade\",\"time\":\"2026-11-23T14:30:0" + std::to_string(i) + "Z\",\"sym\":\"" +
             (i % 3 == 0 ? "A" : i % 3 == 1 ? "B" : "C") + "\",\"price\":" + std::to_string(i) + "}\n";
  auto bytes = stream(lines);
  LiveState live(2);
  auto feed = [&](const std::vector<uint8_t>& b) {
    auto in = input_of(b);
    RecordReader rr(*in);
    Decoder d;
    Record r;
    size_t taken = 0;
    while (rr.next(r) == RecordReader::Status::Ok)
      if (d.apply(r) == Decoder::Kind::Data) {
        live.take(d);
        CHECK(live.rows_table() == "trade");
        for (const auto& row : live.rows()) CHECK(row.json.find("\"sym\":\"" + std::string(row.sym) + "\"") != std::string::npos);
        taken += live.rows().size();
      }
    return taken;
  };
  CHECK(feed(bytes) == 10);
  std::vector<std::string_view> out;
  live.last("trade", {}, out);
  REQUIRE(out.size() == 3);  // A, B, C in the order they came
  CHECK(out[0].find("\"price\":9") != std::string_view::npos);
  CHECK(out[1].find("\"price\":7") != std::string_view::npos);
  CHECK(out[2].find("\"price\":8") != std::string_view::npos);
  out.clear();
  live.last("trade", {"C", "nope", "A"}, out);
  REQUIRE(out.size() == 2);
  CHECK(out[0].find("\"sym\":\"C\"") != std::string_view::npos);
  out.clear();
  live.recent("trade", "A", 5, out);  // kept: the last 2 of 0, 3, 6, 9
  REQUIRE(out.size() == 2);
  CHECK(out[0].find("\"price\":6") != std::string_view::npos);
  CHECK(out[1].find("\"price\":9") != std::string_view::npos);
  // A second stream (a new header, new ids): the same names go on.
  CHECK(feed(stream("{\"table\":\"trade\",\"time\":\"2026-11-23T15:00:00Z\",\"sym\":\"B\",\"price\":42}\n")) == 1);
  out.clear();
  live.last("trade", {"B"}, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].find("\"price\":42") != std::string_view::npos);
  CHECK(live.tables() == std::vector<std::string>{"trade"});
  CHECK(!live.has_table("quote"));
}

namespace {

// Each line as a message through the flat fast path and through simdjson
// alone: their answers, errors and streams.
struct Both {
  std::vector<std::string> answers[2];
  std::vector<uint8_t> bytes[2];
  uint64_t rows[2] = {0, 0};
};

Both flat_and_full(const std::vector<std::string>& lines, EncodeOptions o = {}) {
  Schema schema = parse_schema(std::string(kSchema) +
                                   "v time:timestamp sym:symbol tm:time mi:minute se:second mo:month "
                                   "dt:datetime g:guid x:byte\n",
                               "test");
  Both r;
  for (int flat = 0; flat < 2; flat++) {
    auto& bytes = r.bytes[flat];
    Output out([&](const uint8_t* p, size_t n) { bytes.insert(bytes.end(), p, p + n); }, 1 << 16);
    o.flat = flat != 0;
    Encoder enc(schema, out, o);
    MessageMeta meta;
    meta.time = 1767225600000000000;
    for (const auto& l : lines) r.answers[flat].push_back(enc.message(l.data(), l.size(), meta) ? "ok" : enc.error());
    enc.flush();
    out.flush();
    r.rows[flat] = enc.rows();
  }
  return r;
}

}  // namespace

TEST_CASE("the flat fast path reads every line as simdjson does: rows, values and errors") {
  std::vector<std::string> lines = {
      R"({"table":"t","time":"2026-01-05T14:30:00.000000001Z","sym":"A","b":true,"h":-32768,"i":2147483647,"j":-9223372036854775808,"e":1.5,"f":0.1,"c":"x","n":"01:02:03.5","d":"2026-01-05","s":"text"})",
      R"( { "table" : "t" , "sym" : "B" , "f" : -0 , "j" : 0 } )",
      R"({"table":"t","f":1e308,"e":3.4e38,"j":9223372036854775807})",
      R"({"table":"t","f":1.7976931348623157e309})",
      R"({"table":"t","e":3.5e38})",
      R"({"table":"t","f":0.30000000000000004441,"j":1})",
      R"({"table":"t","f":123456789012345678901234567890,"j":2})",
      R"({"table":"t","f":4.9e-324,"j":3})",
      R"({"table":"t","f":2.2250738585072011e-308,"j":4})",
      R"({"table":"t","f":9007199254740993,"j":5})",
      R"({"table":"t","f":1234567890123456789.5,"j":6})",
      R"({"table":"t","f":"inf","e":"-inf","j":7})",
      R"({"table":"t","f":"nan","j":8})",
      R"({"table":"t","f":"1.5x"})",
      R"({"table":"t","j":9223372036854775808})",
      R"({"table":"t","j":-9223372036854775809})",
      R"({"table":"t","j":1.0})",
      R"({"table":"t","j":1e3})",
      R"({"table":"t","h":32768})",
      R"({"table":"t","i":"5"})",
      R"({"table":"t","b":1})",
      R"({"table":"t","b":null,"sym":null,"j":null})",
      R"({"table":"t","j":01})",
      R"({"table":"t","j":-})",
      R"({"table":"t","j":1.})",
      R"({"table":"t","j":.5})",
      R"({"table":"t","j":+5})",
      R"({"table":"t","f":1e})",
      R"({"table":"t","f":1E+2,"j":9})",
      R"({"table":"t","j":10,})",
      R"({"table":"t",,"j":11})",
      R"({"table":"t","j":12} x)",
      R"({"table":"t","j":13}{"table":"t"})",
      R"({"table":"t","j":14)",
      R"({"table":"t","j":15}   )",
      R"({"table":"t","j":truex})",
      R"({"table":"t","b":false,"j":16})",
      R"({"table":"t","sym":"é","j":17})",
      R"({"table":"t","sym":"a\"b","j":18})",
      R"({"table":"t","sym":"tab	in","j":19})",
      R"({"table":"t","s":{"a":1}})",
      R"({"table":"t","s":[1]})",
      R"({"table":"t","zz":1})",
      R"({"table":"t","zz":{"deep":[1,2]},"j":20})",
      R"({"table":"t","j":21,"j":22})",
      R"({"table":"t","j":null,"j":23})",
      R"({"table":"u","time":"2026-01-05T14:30:00Z","sym":"Z","v":24,"table":"u"})",
      R"({"table":"u","table":"t"})",
      R"({"sym":"C","table":"u","v":25})",
      R"({"table":"nope","v":1})",
      R"({"table":7})",
      R"({})",
      R"({"table":"t"})",
      R"([{"table":"t","j":26},{"table":"t","j":27}])",
      R"("just a string")",
      R"(42)",
      R"()",
      R"({"table":"t","time":1767225600123456789,"n":5000000000,"j":28})",
      R"({"table":"t","time":1.5,"j":29})",
      R"({"table":"t","time":"2026-13-01T00:00:00Z"})",
      R"({"table":"t","d":20000,"j":30})",
      R"({"table":"t","c":"xy"})",
      R"({"table":"v","tm":"09:30:00.123","mi":"09:30","se":"09:30:01","mo":"2026-12","dt":"2026-01-05T14:30:00.001","g":"0a0b0c0d-0102-0304-0506-0708090a0b0c","x":255})",
      R"({"table":"v","tm":34200000,"mi":570,"se":1,"mo":311,"dt":9500.5,"x":256})",
      R"({"table":"v","x":-1})",
      R"({"table":"v","g":"not-a-guid"})",
      R"({"table":"t","sym":")" + std::string(70000, 'a') + R"("})",
  };
  // Every line of those, cut short at each byte and with each byte
  // changed to another that matters to the grammar.
  std::vector<std::string> all = lines;
  for (const auto& l : lines) {
    if (l.size() > 400) continue;
    for (size_t i = 0; i < l.size(); i++) {
      all.push_back(l.substr(0, i));
      for (char c : std::string("\"{}[],:0-.e \\tx")) {
        std::string m = l;
        m[i] = c;
        all.push_back(m);
      }
    }
  }
  for (auto o : {EncodeOptions{}, [] { EncodeOptions o; o.table = "t"; return o; }(),
                 [] { EncodeOptions o; o.ignore_unknown = true; o.unit = TimeUnit::ms; return o; }()}) {
    Both r = flat_and_full(all, o);
    size_t differ = 0;
    for (size_t i = 0; i < all.size(); i++)
      if (r.answers[1][i] != r.answers[0][i] && differ++ < 5)
        FAIL_CHECK(all[i].substr(0, 200) << "\n  flat: " << r.answers[1][i] << "\n  full: " << r.answers[0][i]);
    CHECK(differ == 0);
    CHECK(r.bytes[1] == r.bytes[0]);
    CHECK(r.rows[1] == r.rows[0]);
    CHECK(r.rows[1] > 1000);  // (most of them are rows)
  }
}

TEST_CASE("numbers of over 19 digits are read correctly rounded, by either path") {
  // (simdjson 3.0 alone read 0.95000000000000000000 as 0.0276...)
  for (bool flat : {true, false}) {
    EncodeOptions o;
    o.flat = flat;
    auto r = encode(line(R"({"table":"t","time":"2026-01-05T14:30:00Z","f":0.95000000000000000000,"e":0.30000000000000004441,"j":1})") +
                        line(R"({"table":"t","time":1000000000.000000001,"f":1000000000.000000001,"j":2})"),
                    o);
    INFO("flat " << flat);
    CHECK(r.error.empty());
    CHECK(r.out.find("\"f\":0.95,") != std::string::npos);
    CHECK(r.out.find("\"e\":0.3,") != std::string::npos);
    CHECK(r.out.find("\"f\":1e+09,") != std::string::npos);
    CHECK(r.out.find("\"time\":\"1970-01-01T00:00:01.000000000Z\"") != std::string::npos);  // (simdjson alone: 0)
  }
}

TEST_CASE("format_double writes what std::to_chars writes") {
  testing::Xorshift next{0x9e3779b97f4a7c15u};
  std::vector<double> xs = {0.0, -0.0, 1.0, -1.0, 0.1, 0.2, 0.3, 1e-4, 1e-5, 0.001, 0.0001234, 1e6, 1e7, 123456.0,
                            1e14, 999999999999999.9, 1e15, 9007199254740991.0, 0.30000000000000004, 229.93,
                            -486.5, 1e300, 5e-324, 2.5, 100.0, 1000.0, 10000.0, 100000.0, 1234567.0};
  for (int i = 0; i < 300000; i++) {
    uint64_t r = next();
    switch (i % 4) {
      case 0: {  // prices: up to 8 places, many magnitudes
        int places = static_cast<int>(r % 9);
        double scale = std::pow(10.0, places);
        xs.push_back(static_cast<double>((r >> 8) % 100000000000ull) / scale * ((r & 16) ? -1 : 1));
        break;
      }
      case 1: {  // any bit pattern that is finite
        double d;
        std::memcpy(&d, &r, 8);
        if (std::isfinite(d)) xs.push_back(d);
        break;
      }
      case 2:  // whole numbers
        xs.push_back(static_cast<double>(static_cast<int64_t>(r >> 12)) / ((r & 1) ? 1 : 1000));
        break;
      default:  // near the edges of the fast path
        xs.push_back(std::ldexp(static_cast<double>(r >> 11), -static_cast<int>(r % 80)));
    }
  }
  size_t differ = 0;
  for (double x : xs) {
    char a[40], b[40];
    std::string ours(a, format_double(a, x) - a), theirs(b, std::to_chars(b, b + sizeof b, x).ptr - b);
    if (ours != theirs && differ++ < 5) FAIL_CHECK(theirs << " written as " << ours);
  }
  CHECK(differ == 0);
}

namespace {

// Rows of a stream as JSON lines (its symbols as names: two encoders'
// dictionaries may differ in order).
std::string rows_of(const std::vector<uint8_t>& bytes) {
  Capture json;
  CopyOptions co;
  co.format = Format::json;
  Copier copier(json.out, co);
  auto in = input_of(bytes);
  copier.copy(*in);
  copier.flush();
  auto& b = json.done();
  return std::string(b.begin(), b.end());
}

}  // namespace

TEST_CASE("messages in a batch on two threads: the rows, answers and stop of one at a time") {
  Schema schema = parse_schema(kSchema, "test");
  std::vector<std::string> texts;
  for (int i = 0; i < 1500; i++) {
    if (i % 97 == 13) texts.push_back(R"({"table":"t","j":"not a long"})");
    else if (i % 101 == 50) texts.push_back("[" + std::string(R"({"table":"u","sym":"B)") + std::to_string(i) + R"(","v":1},{"table":"u","v":2}])");
    else if (i % 89 == 7) texts.push_back(R"({"table":"t","sym":"esc\"aped","j":)" + std::to_string(i) + "}");
    else texts.push_back(R"({"table":"t","sym":"S)" + std::to_string(i % 37) + R"(","j":)" + std::to_string(i) + R"(,"f":)" + std::to_string(i) + ".25}");
  }
  // (a variant refusing nothing before message 200: the first refusal in
  // the second thread's half)
  std::vector<std::string> late = texts;
  for (size_t i = 0; i < 200; i++)
    if (i % 97 == 13) late[i] = R"({"table":"t","j":1})";
  for (bool stop : {false, true}) {
   for (const auto* set : {&texts, &late}) {
    const auto& texts = *set;
    for (size_t n : {size_t{10}, size_t{300}, size_t{1500}}) {
      std::vector<uint8_t> got[2];
      std::vector<std::string> answers[2];
      size_t looked[2] = {0, 0};
      uint64_t rows[2] = {0, 0}, rejected[2] = {0, 0};
      for (int batched = 0; batched < 2; batched++) {
        auto& bytes = got[batched];
        Output out([&](const uint8_t* p, size_t k) { bytes.insert(bytes.end(), p, p + k); }, 1 << 16);
        Encoder enc(schema, out, {});
        std::vector<Encoder::Msg> msgs(n);
        for (size_t i = 0; i < n; i++) {
          msgs[i] = {texts[i].data(), texts[i].size(), MessageMeta{}};
          msgs[i].meta.time = 1767225600000000000 + static_cast<int64_t>(i);
          msgs[i].meta.offset = static_cast<int64_t>(i);
        }
        if (batched) {
          looked[1] = enc.messages(msgs.data(), n, stop, answers[1]);
          answers[1].resize(looked[1]);
        } else {
          for (size_t i = 0; i < n; i++) {
            bool ok = enc.message(msgs[i].p, msgs[i].len, msgs[i].meta);
            answers[0].push_back(ok ? "" : enc.error());
            looked[0] = i + 1;
            if (!ok && stop) break;
          }
        }
        enc.flush();
        out.flush();
        rows[batched] = enc.rows();
        rejected[batched] = enc.rejected();
      }
      INFO("stop " << stop << ", " << n << " messages");
      CHECK(looked[1] == looked[0]);
      CHECK(answers[1] == answers[0]);
      CHECK(rows[1] == rows[0]);
      CHECK(rejected[1] == rejected[0]);
      CHECK(rows_of(got[1]) == rows_of(got[0]));
      CHECK(rows[0] >= (stop ? 10u : n / 2));
    }
   }
  }
}
