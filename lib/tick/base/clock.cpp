#include "tick/base/clock.h"

#include <charconv>
#include <cmath>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <unistd.h>
#include <algorithm>

#include "tick/base/error.h"

namespace tick {

// Howard Hinnant's algorithms (public domain), on days since 1970-01-01.
int32_t days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int>(doe) - 719468;
}

void civil_from_days(int32_t z32, int& y, unsigned& m, unsigned& d) {
  int64_t z = int64_t{z32} + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(yy + (m <= 2));
}

int32_t day_of(int64_t ns) {
  int64_t d = ns / kNsPerDay;
  if (ns % kNsPerDay < 0) d--;
  return static_cast<int32_t>(d);
}

namespace {
struct FakeClock {
  bool on = false;
  int64_t start = 0, real0 = 0;
  double speed = 1;
};
int64_t real_now() {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
}
const FakeClock& fake() {
  static const FakeClock f = [] {
    FakeClock c;
    const char* t = std::getenv("TICK_FAKE_TIME");
    if (!t || !*t) return c;
    auto v = parse_timestamp(t);
    if (!v) {
      int64_t n = 0;
      auto r = std::from_chars(t, t + std::strlen(t), n);
      if (r.ec != std::errc()) return c;
      v = n;
    }
    c.on = true;
    c.start = *v;
    c.real0 = real_now();
    if (const char* s = std::getenv("TICK_FAKE_SPEED")) c.speed = std::max(1e-3, std::atof(s));
    return c;
  }();
  return f;
}
}  // namespace

int64_t now_ns() {
  const FakeClock& f = fake();
  if (!f.on) return real_now();
  return f.start + static_cast<int64_t>(static_cast<double>(real_now() - f.real0) * f.speed);
}

int64_t real_delay(int64_t clock_ns) {
  const FakeClock& f = fake();
  if (!f.on || f.speed == 1) return clock_ns;
  return static_cast<int64_t>(static_cast<double>(clock_ns) / f.speed);
}


namespace {
constexpr char kDigits2[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";
inline void two(char* p, unsigned v) { std::memcpy(p, kDigits2 + 2 * v, 2); }
inline void nine(char* p, uint32_t v) {
  two(p + 7, v % 100); v /= 100;
  two(p + 5, v % 100); v /= 100;
  two(p + 3, v % 100); v /= 100;
  two(p + 1, v % 100); v /= 100;
  p[0] = static_cast<char>('0' + v);
}
size_t write_date(char* out, int32_t days, char sep = '-') {
  int y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  if (y < 0 || y > 9999) {
    auto r = std::to_chars(out, out + 12, y);
    size_t n = r.ptr - out;
    out[n] = sep;
    two(out + n + 1, m);
    out[n + 3] = sep;
    two(out + n + 4, d);
    return n + 6;
  }
  two(out, static_cast<unsigned>(y) / 100);
  two(out + 2, static_cast<unsigned>(y) % 100);
  out[4] = sep;
  two(out + 5, m);
  out[7] = sep;
  two(out + 8, d);
  return 10;
}
size_t write_tod(char* out, int64_t tod) {
  uint32_t sec = static_cast<uint32_t>(tod / kNsPerSec);
  two(out, sec / 3600);
  out[2] = ':';
  two(out + 3, sec / 60 % 60);
  out[5] = ':';
  two(out + 6, sec % 60);
  out[8] = '.';
  nine(out + 9, static_cast<uint32_t>(tod % kNsPerSec));
  return 18;
}
}  // namespace

size_t format_date(char* out, int32_t days) { return write_date(out, days); }

size_t format_timestamp(char* out, int64_t ns) {
  // Remember the last date's text: consecutive rows are nearly always on one day.
  thread_local int32_t last_day = INT32_MIN;
  thread_local char last_date[16];
  thread_local size_t last_len = 0;
  int32_t day = day_of(ns);
  if (day != last_day) {
    last_len = write_date(last_date, day);
    last_date[last_len++] = 'T';
    last_day = day;
  }
  std::memcpy(out, last_date, last_len);
  int64_t tod = ns % kNsPerDay;
  if (tod < 0) tod += kNsPerDay;
  size_t n = last_len + write_tod(out + last_len, tod);
  out[n++] = 'Z';
  return n;
}

size_t format_timespan(char* out, int64_t ns) {
  size_t n = 0;
  if (ns < 0) {
    out[n++] = '-';
    ns = ns == INT64_MIN ? INT64_MAX : -ns;
  }
  int64_t days = ns / kNsPerDay;
  if (days) {
    auto r = std::to_chars(out + n, out + n + 12, days);
    n = r.ptr - out;
    out[n++] = 'D';
  }
  return n + write_tod(out + n, ns % kNsPerDay);
}

size_t format_date_q(char* out, int32_t days) { return write_date(out, days, '.'); }

size_t format_timestamp_q(char* out, int64_t ns) {
  int64_t tod = ns % kNsPerDay;
  if (tod < 0) tod += kNsPerDay;
  size_t n = write_date(out, day_of(ns), '.');
  out[n++] = 'D';
  return n + write_tod(out + n, tod);
}

size_t format_timespan_q(char* out, int64_t ns) {
  size_t n = 0;
  if (ns < 0) {
    out[n++] = '-';
    ns = ns == INT64_MIN ? INT64_MAX : -ns;
  }
  auto r = std::to_chars(out + n, out + n + 12, ns / kNsPerDay);
  n = r.ptr - out;
  out[n++] = 'D';
  return n + write_tod(out + n, ns % kNsPerDay);
}

namespace {
// [-]H+:MM[:SS[.mmm]] of a count of units (ms, s or minutes).
size_t write_clock(char* out, int64_t v, int64_t per_minute, bool secs, bool ms) {
  size_t n = 0;
  if (v < 0) {
    out[n++] = '-';
    v = -v;
  }
  int64_t minutes = v / per_minute, rest = v % per_minute;
  int64_t h = minutes / 60;
  if (h < 10) out[n++] = '0';
  n = std::to_chars(out + n, out + n + 12, h).ptr - out;
  out[n++] = ':';
  two(out + n, static_cast<uint32_t>(minutes % 60));
  n += 2;
  if (secs) {
    int64_t s = ms ? rest / 1000 : rest;
    out[n++] = ':';
    two(out + n, static_cast<uint32_t>(s));
    n += 2;
  }
  if (ms) {
    uint32_t f = static_cast<uint32_t>(rest % 1000);
    out[n++] = '.';
    out[n++] = static_cast<char>('0' + f / 100);
    out[n++] = static_cast<char>('0' + f / 10 % 10);
    out[n++] = static_cast<char>('0' + f % 10);
  }
  return n;
}
}  // namespace

size_t format_time_ms(char* out, int32_t ms) { return write_clock(out, ms, 60000, true, true); }
size_t format_second(char* out, int32_t s) { return write_clock(out, s, 60, true, false); }
size_t format_minute(char* out, int32_t m) { return write_clock(out, m, 1, false, false); }

size_t format_month(char* out, int32_t months, bool q) {
  int64_t y = 2000 + (months >= 0 ? months / 12 : -((-int64_t{months} + 11) / 12));
  int32_t m = static_cast<int32_t>(int64_t{months} - (y - 2000) * 12);
  size_t n = std::to_chars(out, out + 12, y).ptr - out;
  out[n++] = q ? '.' : '-';
  two(out + n, static_cast<uint32_t>(m + 1));
  n += 2;
  if (q) out[n++] = 'm';
  return n;
}

size_t format_datetime(char* out, double days, bool q) {
  double msd = std::round(days * 86400000.0);
  if (!(msd > -9.2e15 && msd < 9.2e15)) {
    std::memcpy(out, "0Wz", 3);
    return 3;
  }
  int64_t ms = static_cast<int64_t>(msd) + int64_t{kQEpochDays} * 86400000;
  int64_t day = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
  int64_t tod = ms - day * 86400000;
  size_t n = write_date(out, static_cast<int32_t>(day), q ? '.' : '-');
  out[n++] = 'T';
  return n + write_clock(out + n, tod, 60000, true, true);
}

std::string timestamp_string(int64_t ns) {
  char b[40];
  return std::string(b, format_timestamp(b, ns));
}

std::string date_string(int32_t days) {
  char b[32];
  return std::string(b, format_date(b, days));
}

namespace {
bool digits(std::string_view s, size_t at, size_t n, int& v) {
  if (at + n > s.size()) return false;
  v = 0;
  for (size_t i = at; i < at + n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  return true;
}
// HH:MM[:SS[.fffffffff]] at s[at..]; sets end.
std::optional<int64_t> parse_tod(std::string_view s, size_t at, size_t& end, int max_h) {
  int h, m, sec = 0;
  if (!digits(s, at, 2, h) || at + 2 >= s.size() || s[at + 2] != ':' || !digits(s, at + 3, 2, m))
    return std::nullopt;
  if (h > max_h || m > 59) return std::nullopt;
  at += 5;
  int64_t frac = 0;
  if (at < s.size() && s[at] == ':') {
    if (!digits(s, at + 1, 2, sec) || sec > 60) return std::nullopt;
    at += 3;
    if (at < s.size() && (s[at] == '.' || s[at] == ',')) {
      at++;
      int nd = 0;
      while (at < s.size() && s[at] >= '0' && s[at] <= '9') {
        if (nd < 9) frac = frac * 10 + (s[at] - '0');
        nd++;
        at++;
      }
      if (nd == 0) return std::nullopt;
      for (int i = nd; i < 9; i++) frac *= 10;
    }
  }
  end = at;
  return (int64_t{h} * 3600 + m * 60 + sec) * kNsPerSec + frac;
}
// The time of day of a timestamp's most common form, HH:MM:SS.fffffffff
// at s[11..29) (nanoseconds: the fraction's 8 first digits at once), as
// parse_tod(s, 11, end, 24) reads it; nullopt for any other form (then
// parse_tod reads it).
std::optional<int64_t> fixed_tod(std::string_view s, size_t& end) {
  if (s.size() < 29 || s[13] != ':' || s[16] != ':' || (s[19] != '.' && s[19] != ',')) return std::nullopt;
  if (s.size() > 29 && s[29] >= '0' && s[29] <= '9') return std::nullopt;  // (a tenth digit: parse_tod's)
  auto two = [&](size_t i) {
    unsigned a = static_cast<unsigned char>(s[i]) - '0', b = static_cast<unsigned char>(s[i + 1]) - '0';
    return a > 9 || b > 9 ? 100u : a * 10 + b;
  };
  const unsigned h = two(11), m = two(14), sec = two(17), last = static_cast<unsigned char>(s[28]) - '0';
  if (h > 24 || m > 59 || sec > 60 || last > 9) return std::nullopt;
  uint64_t v;
  std::memcpy(&v, s.data() + 20, 8);
  constexpr uint64_t kHigh = 0xF0F0F0F0F0F0F0F0u, kThrees = 0x3030303030303030u;
  if ((v & kHigh) != kThrees || ((v + 0x0606060606060606u) & kHigh) != kThrees) return std::nullopt;
  v -= kThrees;  // (the first digit in the lowest byte)
  v = (v * 10 + (v >> 8)) & 0x00FF00FF00FF00FFu;
  v = (v * 100 + (v >> 16)) & 0x0000FFFF0000FFFFu;
  v = (v * 10000 + (v >> 32)) & 0xFFFFFFFFu;
  end = 29;
  return (int64_t{h} * 3600 + m * 60 + sec) * kNsPerSec + static_cast<int64_t>(v) * 10 + last;
}

}  // namespace

std::optional<int32_t> parse_date(std::string_view s) {
  int y, m, d;
  // ISO 2026-11-23 or q's 2026.11.23
  if (s.size() != 10 || !(s[4] == '-' || s[4] == '.') || s[7] != s[4] || !digits(s, 0, 4, y) ||
      !digits(s, 5, 2, m) || !digits(s, 8, 2, d))
    return std::nullopt;
  if (m < 1 || m > 12 || d < 1) return std::nullopt;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > kDays[m - 1] + (m == 2 && leap)) return std::nullopt;  // 2026-02-30
  return days_from_civil(y, m, d);
}

std::optional<int32_t> parse_month(std::string_view s) {
  if (s.size() == 8 && s[7] == 'm') s.remove_suffix(1);
  int y, m;
  if (s.size() != 7 || !(s[4] == '-' || s[4] == '.') || !digits(s, 0, 4, y) || !digits(s, 5, 2, m) || m < 1 ||
      m > 12)
    return std::nullopt;
  return (y - 2000) * 12 + m - 1;
}

std::optional<int64_t> parse_timestamp(std::string_view s) {
  if (s.size() < 10) return std::nullopt;
  // Rows in a feed share their date: remember the last one parsed.
  thread_local char last_text[10] = {};
  thread_local int32_t last_days = 0;
  thread_local bool have_last = false;
  std::optional<int32_t> d;
  if (have_last && std::memcmp(s.data(), last_text, 10) == 0) {
    d = last_days;
  } else {
    d = parse_date(s.substr(0, 10));
    if (!d) return std::nullopt;
    std::memcpy(last_text, s.data(), 10);
    last_days = *d;
    have_last = true;
  }
  // Nanoseconds since 1970 reach from 1677-09-21 to 2262-04-11.
  if (*d < -106751 || *d > 106751) return std::nullopt;
  int64_t ns = int64_t{*d} * kNsPerDay;
  if (s.size() == 10) return ns;
  // ISO's T (or a space), or q's D: 2026.11.23D14:30:00.000000000
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ' && s[10] != 'D') return std::nullopt;
  size_t end;
  std::optional<int64_t> tod = fixed_tod(s, end);
  if (!tod) tod = parse_tod(s, 11, end, 24);
  if (!tod) return std::nullopt;
  if (__builtin_add_overflow(ns, *tod, &ns)) return std::nullopt;
  if (end == s.size()) return ns;
  if ((s[end] == 'Z' || s[end] == 'z') && end + 1 == s.size()) return ns;
  if (s[end] == '+' || s[end] == '-') {
    int oh, om;
    size_t a = end + 1;
    if (!digits(s, a, 2, oh)) return std::nullopt;
    a += 2;
    if (a < s.size() && s[a] == ':') a++;
    if (!digits(s, a, 2, om) || a + 2 != s.size()) return std::nullopt;
    int64_t off = (int64_t{oh} * 3600 + om * 60) * kNsPerSec, out;
    if (s[end] == '+' ? __builtin_sub_overflow(ns, off, &out) : __builtin_add_overflow(ns, off, &out))
      return std::nullopt;
    return out;
  }
  return std::nullopt;
}

std::optional<int64_t> parse_timespan(std::string_view s) {
  bool neg = false;
  size_t at = 0;
  if (!s.empty() && s[0] == '-') {
    neg = true;
    at = 1;
  }
  int64_t days = 0;
  if (size_t dpos = s.find('D', at); dpos != std::string_view::npos) {
    auto r = std::from_chars(s.data() + at, s.data() + dpos, days);
    if (r.ec != std::errc() || r.ptr != s.data() + dpos || days < 0 || days > 100000)
      return std::nullopt;
    at = dpos + 1;
  }
  size_t end;
  auto tod = parse_tod(s, at, end, days ? 23 : 99);
  if (!tod || end != s.size()) return std::nullopt;
  int64_t v = days * kNsPerDay + *tod;
  return neg ? -v : v;
}

std::optional<TimeUnit> time_unit_from_name(std::string_view s) {
  if (s == "s") return TimeUnit::s;
  if (s == "ms") return TimeUnit::ms;
  if (s == "us") return TimeUnit::us;
  if (s == "ns") return TimeUnit::ns;
  return std::nullopt;
}

int64_t unit_ns(TimeUnit u) {
  switch (u) {
    case TimeUnit::s: return kNsPerSec;
    case TimeUnit::ms: return 1'000'000;
    case TimeUnit::us: return 1'000;
    case TimeUnit::ns: return 1;
  }
  return 1;
}

DayRoll::DayRoll(const std::string& roll, const std::string& tz) : tz_(tz) {
  size_t end;
  auto r = parse_tod(roll, 0, end, 23);
  if (!r || end != roll.size()) throw UsageError("bad roll time '" + roll + "' (want HH:MM)");
  roll_ns_ = *r;
  utc_ = tz.empty() || tz == "UTC" || tz == "Etc/UTC";
  if (!utc_) {
    std::string path = "/usr/share/zoneinfo/" + tz;
    if (tz.find("..") != std::string::npos || ::access(path.c_str(), R_OK) != 0)
      throw UsageError("unknown time zone '" + tz + "' (not in /usr/share/zoneinfo)");
    // The C library's zone is process-wide; the tools use one zone each.
    ::setenv("TZ", tz.c_str(), 1);
    ::tzset();
  }
}

int64_t DayRoll::local_offset(int64_t t) const {
  if (utc_) return 0;
  time_t s = static_cast<time_t>(t >= 0 ? t / kNsPerSec : (t - kNsPerSec + 1) / kNsPerSec);
  struct tm l;
  ::localtime_r(&s, &l);
  return int64_t{l.tm_gmtoff} * kNsPerSec;
}

int32_t DayRoll::day_of(int64_t t) const {
  int64_t w = t + local_offset(t) - roll_ns_ + (roll_ns_ >= kNsPerDay / 2 ? kNsPerDay : 0);
  return tick::day_of(w);
}

int64_t DayRoll::next_roll(int64_t t) const {
  int32_t d = day_of(t);
  // The roll that ends day d happens at local time roll_ns_ on date e.
  int32_t e = roll_ns_ >= kNsPerDay / 2 ? d : d + 1;
  int64_t local = int64_t{e} * kNsPerDay + roll_ns_;
  int64_t guess = local - local_offset(local);
  // Across an offset change the first guess can be an hour off: step to
  // the exact first instant of the next day.
  for (int i = 0; i < 3 && day_of(guess) <= d; i++) guess = local - local_offset(guess + kNsPerSec);
  if (day_of(guess) <= d) guess += 3600 * kNsPerSec;
  while (day_of(guess - kNsPerSec) > d) guess -= kNsPerSec;
  return guess;
}

std::string DayRoll::describe() const {
  char b[32];
  size_t n = format_timespan(b, roll_ns_);
  return std::string(b, 5 < n ? 5 : n) + " " + (utc_ ? std::string("UTC") : tz_);
}

void sleep_ns(int64_t ns) {
  if (ns <= 0) return;
  timespec ts{static_cast<time_t>(ns / kNsPerSec), static_cast<long>(ns % kNsPerSec)};
  ::nanosleep(&ts, nullptr);
}

}  // namespace tick
