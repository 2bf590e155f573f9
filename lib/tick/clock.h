// Times and dates: nanoseconds since the Unix epoch (UTC), civil dates, the
// ISO-8601 text forms, and a clock that tests can replace.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tick {

constexpr int64_t kNsPerSec = 1'000'000'000;
constexpr int64_t kNsPerDay = 86'400 * kNsPerSec;

// Days since 1970-01-01 <-> civil date (proleptic Gregorian).
int32_t days_from_civil(int y, unsigned m, unsigned d);
void civil_from_days(int32_t z, int& y, unsigned& m, unsigned& d);
int32_t day_of(int64_t ns);  // floor(ns / day)

// Wall clock, ns since the epoch. TICK_FAKE_TIME (ISO-8601 or ns) fixes the
// start for tests; time then runs from there at real speed.
int64_t now_ns();

// Text forms. Buffers must hold 32 bytes; these return the length written.
// 2026-11-23T14:30:00.123456789Z
size_t format_timestamp(char* out, int64_t ns);
// 14:30:00.123456789, with a leading "ND" past a day and '-' when negative.
size_t format_timespan(char* out, int64_t ns);
// 2026-11-23
size_t format_date(char* out, int32_t days);

std::string timestamp_string(int64_t ns);
std::string date_string(int32_t days);

// Parsers return nullopt on malformed text.
// ISO-8601: YYYY-MM-DD[(T| )HH:MM[:SS[.f]]][Z|+HH:MM|-HH:MM]; a date alone is midnight.
std::optional<int64_t> parse_timestamp(std::string_view s);
// [-][ND]HH:MM[:SS[.f]]
std::optional<int64_t> parse_timespan(std::string_view s);
std::optional<int32_t> parse_date(std::string_view s);

enum class TimeUnit { s, ms, us, ns };
std::optional<TimeUnit> time_unit_from_name(std::string_view s);
int64_t unit_ns(TimeUnit u);

}  // namespace tick
