// Times and dates: nanoseconds since the Unix epoch (UTC), civil dates, the
// ISO-8601 text forms, and a clock that tests can replace.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tick {

constexpr int64_t kNsPerSec = 1'000'000'000;
constexpr int64_t kNsPerMs = 1'000'000;
constexpr int64_t kNsPerDay = 86'400 * kNsPerSec;
// The time since midnight UTC of a time in ns since the epoch (of its day,
// before 1970 too): what a timespan column holds of a timestamp.
inline int64_t time_of_day(int64_t ns) { return ((ns % kNsPerDay) + kNsPerDay) % kNsPerDay; }

// Days since 1970-01-01 <-> civil date (proleptic Gregorian).
int32_t days_from_civil(int y, unsigned m, unsigned d);
void civil_from_days(int32_t z, int& y, unsigned& m, unsigned& d);
int32_t day_of(int64_t ns);  // floor(ns / day)

// Wall clock, ns since the epoch. For tests, TICK_FAKE_TIME (ISO-8601 or
// ns) sets the time at start, and TICK_FAKE_SPEED (default 1) how many
// seconds of it pass in one real second.
int64_t now_ns();
// Real nanoseconds to wait for `clock_ns` of now_ns() time to pass.
int64_t real_delay(int64_t clock_ns);
// Sleeps this many real nanoseconds (none if not positive).
void sleep_ns(int64_t ns);

// The day roll: a day ends at a local time of day in a time zone (default
// midnight UTC) and is named by the calendar date most of it falls on, so a
// 17:00 America/New_York roll names the evening's trading by the next date.
class DayRoll {
 public:
  // roll: HH:MM; tz: a zoneinfo name ("" or "UTC" for UTC). Throws UsageError.
  DayRoll(const std::string& roll = "00:00", const std::string& tz = "UTC");
  // The date (days since 1970-01-01) of the trading day holding instant t.
  int32_t day_of(int64_t t) const;
  // The first instant after t that belongs to a later day.
  int64_t next_roll(int64_t t) const;
  std::string describe() const;

 private:
  int64_t local_offset(int64_t t) const;  // seconds east of UTC at t, in ns
  int64_t roll_ns_ = 0;
  std::string tz_;
  bool utc_ = true;
};

// Text forms. Buffers must hold 32 bytes; these return the length written.
// 2026-11-23T14:30:00.123456789Z
size_t format_timestamp(char* out, int64_t ns);
// 14:30:00.123456789, with a leading "ND" past a day and '-' when negative.
size_t format_timespan(char* out, int64_t ns);
// 2026-11-23
size_t format_date(char* out, int32_t days);

// q's forms: 2026.11.23D14:30:00.123456789, 0D14:30:00.123456789, 2026.11.23
size_t format_timestamp_q(char* out, int64_t ns);
size_t format_timespan_q(char* out, int64_t ns);
size_t format_date_q(char* out, int32_t days);

// kdb+'s older types, as q prints them: time 09:30:00.000 (ms), second
// 09:30:00, minute 09:30 ([-]HH, more than 24 hours too); month 2026.12m
// (ISO: 2026-12; months since 2000.01); datetime 2026.12.07T09:30:00.000
// (ISO: 2026-12-07T09:30:00.000; float days since 2000.01.01).
size_t format_time_ms(char* out, int32_t ms);
size_t format_second(char* out, int32_t s);
size_t format_minute(char* out, int32_t m);
size_t format_month(char* out, int32_t months, bool q);
size_t format_datetime(char* out, double days, bool q);
// kdb+'s epoch, 2000-01-01, in days and ns since 1970-01-01.
constexpr int32_t kQEpochDays = 10957;
constexpr int64_t kQEpochNs = int64_t{kQEpochDays} * kNsPerDay;

std::string timestamp_string(int64_t ns);
std::string date_string(int32_t days);

// Parsers return nullopt on malformed text.
// ISO-8601: YYYY-MM-DD[(T| )HH:MM[:SS[.f]]][Z|+HH:MM|-HH:MM]; a date alone is midnight.
// q's forms too: 2026.11.23D14:30:00.123456789 (and 2026.11.23T..., 2026.11.23).
std::optional<int64_t> parse_timestamp(std::string_view s);
// [-][ND]HH:MM[:SS[.f]] (q's 0D14:30:00.000 and 14:30:00.000)
std::optional<int64_t> parse_timespan(std::string_view s);
// YYYY-MM-DD or YYYY.MM.DD
std::optional<int32_t> parse_date(std::string_view s);
// YYYY-MM, YYYY.MM or q's YYYY.MMm: months since 2000.01.
std::optional<int32_t> parse_month(std::string_view s);

enum class TimeUnit { s, ms, us, ns };
std::optional<TimeUnit> time_unit_from_name(std::string_view s);
int64_t unit_ns(TimeUnit u);

}  // namespace tick
