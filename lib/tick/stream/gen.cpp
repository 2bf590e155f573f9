#include "tick/stream/gen.h"

#include <time.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "tick/base/clock.h"
#include "tick/base/signals.h"
#include "tick/stream/writer.h"

namespace tick {

namespace {

// splitmix64: small, fast, and the same sequence everywhere.
struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return (next() >> 11) * 0x1.0p-53; }
  // Sum of four uniforms: close enough to normal for a price walk, and cheap.
  double normalish() { return (uniform() + uniform() + uniform() + uniform() - 2.0) * 1.7320508; }
};

const char* kTickers[] = {"AAPL", "MSFT", "GOOG", "AMZN", "NVDA", "META", "TSLA", "JPM", "V",
                          "JNJ",  "WMT",  "PG",   "MA",   "HD",   "BAC",  "XOM",  "KO",  "PFE",
                          "CSCO", "PEP",  "ORCL", "INTC", "IBM",  "GS",   "MS",   "C",   "T",
                          "VZ",   "DIS",  "NFLX", "ADBE", "CRM",  "AMD",  "QCOM", "TXN", "NKE",
                          "MCD",  "SBUX", "BA",   "CAT",  "GE",   "MMM",  "CVX",  "UNH", "LLY",
                          "ABBV", "MRK",  "COST", "AVGO", "UBER"};

std::string sym_name(uint32_t i) {
  constexpr uint32_t n = sizeof kTickers / sizeof kTickers[0];
  if (i < n) return kTickers[i];
  char b[16];
  std::snprintf(b, sizeof b, "S%04u", i);
  return b;
}

double round_cents(double p) { return std::round(p * 100.0) / 100.0; }

void sleep_until(int64_t wall_ns) {
  tick::sleep_ns(wall_ns - now_ns());
}

}  // namespace

Schema gen_schema() {
  return parse_schema(
      "trade time:timestamp sym:symbol price:float size:long\n"
      "quote time:timestamp sym:symbol bid:float ask:float bsize:long asize:long\n",
      "tick-gen");
}

void generate(const GenOptions& o, Output& out) {
  Schema schema = gen_schema();
  StreamWriter w(out);
  w.begin(schema);
  std::vector<uint32_t> ids;
  std::vector<double> price;
  Rng rng{o.seed};
  const uint32_t nsyms = std::max<uint32_t>(o.syms, 1);
  for (uint32_t i = 0; i < nsyms; i++) {
    ids.push_back(w.syms().intern(sym_name(i)));
    price.push_back(round_cents(10.0 + rng.uniform() * 490.0));
  }
  TableBatch trade(schema.tables[0]), quote(schema.tables[1]);
  const bool paced = o.rate > 0 && o.pace;
  const bool wall = paced && !o.start;
  const int64_t wall0 = now_ns();
  const int64_t t0 = o.start.value_or(o.rate > 0 ? wall0 : *parse_timestamp("2026-01-05T14:30:00Z"));
  const int64_t step = o.step.value_or(o.rate > 0 ? std::max<int64_t>(1, static_cast<int64_t>(1e9 / o.rate)) : 1'000'000);
  // D seconds of the feed: its rows (at the rate, or step apart).
  uint64_t limit = o.count;
  if (o.duration > 0) {
    double n = o.rate > 0 ? o.duration * o.rate : o.duration * 1e9 / static_cast<double>(step);
    uint64_t rows = static_cast<uint64_t>(std::ceil(n));
    limit = limit ? std::min(limit, rows) : rows;
  }
  const uint32_t batch = std::max<uint32_t>(o.batch, 1);

  auto flush_batches = [&] {
    if (!trade.empty()) w.data(0, trade), trade.clear();
    if (!quote.empty()) w.data(1, quote), quote.clear();
  };
  uint64_t i = 0;
  int64_t now_cache = wall0;
  while (!stop_requested()) {
    if (limit && i >= limit) break;
    if (paced) {
      // Rows due by now; when caught up, deliver and wait for the next one.
      int64_t due_at = wall0 + static_cast<int64_t>(static_cast<double>(i) * 1e9 / o.rate);
      if (due_at > now_cache) {
        now_cache = now_ns();
        if (due_at > now_cache) {
          flush_batches();
          out.flush();
          sleep_until(std::min(due_at, now_cache + 1'000'000));
          now_cache = now_ns();
          continue;
        }
      }
    }
    uint32_t s = static_cast<uint32_t>(rng.next() % nsyms);
    double& p = price[s];
    p = std::max(0.01, round_cents(p * (1.0 + 0.0005 * rng.normalish())));
    int64_t t = wall ? now_cache : t0 + static_cast<int64_t>(i) * step;
    uint64_t r = rng.next();
    if (r % 3 == 0) {
      trade.begin_row();
      trade.set<int64_t>(0, t);
      trade.set<uint32_t>(1, ids[s]);
      trade.set<double>(2, p);
      trade.set<int64_t>(3, static_cast<int64_t>(100 * (1 + (r >> 8) % 20)));
      trade.end_row();
      if (trade.rows() >= batch) w.data(0, trade), trade.clear();
    } else {
      double half = 0.01 * static_cast<double>(1 + (r >> 8) % 3);
      quote.begin_row();
      quote.set<int64_t>(0, t);
      quote.set<uint32_t>(1, ids[s]);
      quote.set<double>(2, round_cents(std::max(0.01, p - half)));
      quote.set<double>(3, round_cents(p + half));
      quote.set<int64_t>(4, static_cast<int64_t>(100 * (1 + (r >> 16) % 50)));
      quote.set<int64_t>(5, static_cast<int64_t>(100 * (1 + (r >> 24) % 50)));
      quote.end_row();
      if (quote.rows() >= batch) w.data(1, quote), quote.clear();
    }
    i++;
  }
  flush_batches();
  out.flush();
}

}  // namespace tick
