// Sizes and durations as users type them and as messages show them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tick {

// As GNU tools read sizes: K, M, G are powers of 1024; KB, MB, GB of 1000;
// a bare number is bytes. Throws UsageError naming the flag.
size_t parse_size(const std::string& s, const std::string& flag = "size");
// A duration as users type it: 250ms, 5s, 1m, 1h, 1d (also us, ns); a bare
// number is seconds. Nanoseconds; throws UsageError naming the flag.
// allow_zero: 0 is a valid answer (a feature off).
int64_t parse_duration(const std::string& s, const std::string& flag, bool allow_zero = false);
// "1.5 MiB", "12.0 KiB", "3.2 GiB".
std::string size_text(uint64_t bytes);
// "512 KB/s", "15 MB/s", "1.2 GB/s" (powers of 1000, as rates are said).
std::string rate_text(double bytes_per_sec);
// "0.42 s": a measured time.
std::string seconds_text(int64_t ns);
// "10 s", "0.5 s": a configured duration, as the user typed it.
std::string duration_text(int64_t ns);
// A name a client sent, fit for one line of a message: quoted, control and
// non-ASCII bytes escaped (\n, \x1b), cut to max bytes with the length said.
std::string quoted(std::string_view name, size_t max = 64);
// A guid's 16 bytes as 8-4-4-4-12 hex digits (36 bytes written), and back
// (false if s is not that form).
size_t format_guid(char* out, const uint8_t* g);
bool parse_guid(std::string_view s, uint8_t* g);

}  // namespace tick
