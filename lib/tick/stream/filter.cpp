#include "tick/stream/filter.h"

#include "tick/base/clock.h"
#include "tick/base/error.h"

#include <climits>

namespace tick {

// Syms named that are remembered, to say at the end which never appeared.
constexpr size_t kAskedSymsKept = 64;

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= s.size()) {
    size_t e = s.find(',', i);
    if (e == std::string::npos) e = s.size();
    if (e > i) out.push_back(s.substr(i, e - i));
    i = e + 1;
  }
  return out;
}

namespace {
std::optional<int64_t> parse_bound(const std::string& s, bool& tod) {
  if (s.empty()) return std::nullopt;
  if (auto t = parse_timestamp(s)) {
    tod = false;
    return t;
  }
  if (auto t = parse_timespan(s)) {
    tod = true;
    if (*t < 0 || *t >= kNsPerDay)
      throw UsageError(str("bad time '", s, "' (a time of day is 00:00 to 23:59:59.999999999)"));
    return t;
  }
  throw UsageError(str("bad time '", s, "' (want ISO-8601 like 2026-11-23T10:00:00Z, or HH:MM[:SS[.f]])"));
}
}  // namespace

Filter::Filter(const FilterSpec& spec) : asked_tables_(spec.tables) {
  for (const auto& t : spec.tables) table_names_.insert(t);
  for (const auto& s : spec.syms) sym_names_.insert(s);
  // Kept for the end-of-input warning only when short: a subscription's
  // (perhaps huge) list is kept once, deduplicated, in sym_names_.
  if (spec.syms.size() <= kAskedSymsKept) asked_syms_ = spec.syms;
  bool tod;
  if (auto v = parse_bound(spec.from, tod)) from_ = Bound{*v, tod};
  if (auto v = parse_bound(spec.to, tod)) to_ = Bound{*v, tod};
}

void Filter::update(const Decoder& d) {
  const bool by_sym = !sym_names_.empty();
  context_.follow(
      d,
      [&] {
        tables_.clear();
        syms_.clear();
      },
      [&](size_t, const Table& t) {
        tables_.push_back(table_names_.empty() || table_names_.count(t.name));
        tables_seen_.insert(t.name);
      },
      [&](uint32_t, std::string_view s) {
        if (!by_sym) return;
        bool hit = sym_names_.count(std::string(s));
        syms_.push_back(hit ? 1 : 0);
        if (hit && !asked_syms_.empty()) syms_seen_.insert(std::string(s));
      });
}

std::vector<std::string> Filter::missing_tables() const {
  std::vector<std::string> out;
  for (const auto& t : asked_tables_)
    if (!tables_seen_.count(t)) out.push_back(t);
  return out;
}

std::vector<std::string> Filter::missing_syms() const {
  std::vector<std::string> out;
  for (const auto& s : asked_syms_)
    if (!syms_seen_.count(s)) out.push_back(s);
  return out;
}

bool Filter::pass_time(int64_t t, bool timespan) const {
  auto key = [&](const Bound& b) {
    if (timespan) return b.time_of_day ? b.ns : time_of_day(b.ns);
    return b.ns;
  };
  auto row = [&](const Bound& b) {
    if (!timespan && b.time_of_day) return time_of_day(t);
    return t;
  };
  if (from_ && row(*from_) < key(*from_)) return false;
  if (to_ && row(*to_) > key(*to_)) return false;
  return true;
}

std::optional<std::pair<int64_t, int64_t>> Filter::window(bool timespan, std::optional<int32_t> day) const {
  // The same comparisons as pass_time, solved for the row's value.
  auto value = [&](const Bound& b) -> std::optional<int64_t> {
    if (timespan) return b.time_of_day ? b.ns : time_of_day(b.ns);
    if (!b.time_of_day) return b.ns;
    if (!day) return std::nullopt;
    return int64_t{*day} * kNsPerDay + b.ns;
  };
  std::pair<int64_t, int64_t> w{INT64_MIN, INT64_MAX};
  if (from_) {
    auto v = value(*from_);
    if (!v) return std::nullopt;
    w.first = *v;
  }
  if (to_) {
    auto v = value(*to_);
    if (!v) return std::nullopt;
    w.second = *v;
  }
  return w;
}

uint32_t Filter::select(const DataView& v, std::vector<uint32_t>& sel) const {
  sel.resize(v.rows);
  uint32_t n = 0;
  const bool by_sym = !sym_names_.empty();
  const bool by_time = from_ || to_;
  const Type tt = v.table->columns[v.table->time_col].type;
  const bool timespan = time_of_day_type(tt), wide = type_width(tt) == 8;
  const uint8_t* want = syms_.data();
  for (uint32_t r = 0; r < v.rows; r++) {
    if (by_sym && !want[v.sym(r)]) continue;
    if (by_time && !pass_time(wide ? v.get<int64_t>(v.table->time_col, r) : v.time(r), timespan)) continue;
    sel[n++] = r;
  }
  return n;
}

}  // namespace tick
