#include "tick/base/units.h"

#include <cstdio>
#include <cstdlib>

#include "tick/base/error.h"

namespace tick {

size_t parse_size(const std::string& s, const std::string& flag) {
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  std::string suf = end ? end : "";
  double m = suf.empty() || suf == "B" ? 1
           : suf == "K" ? 1024.0 : suf == "M" ? 1048576.0 : suf == "G" ? 1073741824.0
           : suf == "KB" ? 1e3 : suf == "MB" ? 1e6 : suf == "GB" ? 1e9 : -1;
  if (s.empty() || end == s.c_str() || m < 0 || !(v > 0) || v * m > 1e18)
    throw UsageError("bad " + flag + " '" + s + "' (want a number of bytes, with K, M or G)");
  return static_cast<size_t>(v * m);
}

int64_t parse_duration(const std::string& s, const std::string& flag, bool allow_zero) {
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  std::string suf = end ? end : "";
  double m = suf.empty() || suf == "s" ? 1e9
           : suf == "ms" ? 1e6 : suf == "us" ? 1e3 : suf == "ns" ? 1
           : suf == "m" ? 60e9 : suf == "h" ? 3600e9 : suf == "d" ? 86400e9 : -1;
  if (s.empty() || end == s.c_str() || m < 0 || !(v >= 0) || (v == 0 && !allow_zero) || v * m > 1e17 ||
      (v > 0 && v * m < 1))
    throw UsageError("bad " + flag + " '" + s + "' (want a duration: 250ms, 5s, 1m, 1h)");
  return static_cast<int64_t>(v * m + 0.5);
}

std::string size_text(uint64_t b) {
  char s[32];
  if (b >= (1ull << 30)) std::snprintf(s, sizeof s, "%.1f GiB", b / 1073741824.0);
  else if (b >= (1u << 20)) std::snprintf(s, sizeof s, "%.1f MiB", b / 1048576.0);
  else std::snprintf(s, sizeof s, "%.1f KiB", b / 1024.0);
  return s;
}

std::string seconds_text(int64_t ns) {
  char s[32];
  std::snprintf(s, sizeof s, "%.2f s", static_cast<double>(ns) / 1e9);
  return s;
}

std::string rate_text(double b) {
  char s[32];
  if (b >= 1e9) std::snprintf(s, sizeof s, "%.1f GB/s", b / 1e9);
  else if (b >= 1e6) std::snprintf(s, sizeof s, "%.0f MB/s", b / 1e6);
  else std::snprintf(s, sizeof s, "%.0f KB/s", b / 1e3);
  return s;
}

std::string duration_text(int64_t ns) {
  char s[32];
  std::snprintf(s, sizeof s, "%g s", static_cast<double>(ns) / 1e9);
  return s;
}

std::string quoted(std::string_view name, size_t max) {
  std::string out = "'";
  size_t n = std::min(name.size(), max);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\\' || c == '\'') out += std::string("\\") + static_cast<char>(c);
    else if (c < 0x20 || c >= 0x7f) {
      char e[8];
      std::snprintf(e, sizeof e, "\\x%02x", c);
      out += e;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += "'";
  if (name.size() > max) out += str("... (", name.size(), " bytes)");
  return out;
}

size_t format_guid(char* out, const uint8_t* g) {
  static const char* hex = "0123456789abcdef";
  size_t n = 0;
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out[n++] = '-';
    out[n++] = hex[g[i] >> 4];
    out[n++] = hex[g[i] & 15];
  }
  return n;
}

bool parse_guid(std::string_view s, uint8_t* g) {
  if (s.size() != 36) return false;
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  size_t at = 0;
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) {
      if (s[at++] != '-') return false;
    }
    int h = nib(s[at]), l = nib(s[at + 1]);
    if (h < 0 || l < 0) return false;
    g[i] = static_cast<uint8_t>(h << 4 | l);
    at += 2;
  }
  return true;
}

}  // namespace tick
