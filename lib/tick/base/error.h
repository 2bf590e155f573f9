// Errors carry their context (file, line, byte offset) in the message, ready
// for a tool to print as "tool: message".
#pragma once
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace tick {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A usage error: bad flags or arguments (exit status 2).
struct UsageError : Error {
  using Error::Error;
};

// The output cannot take what the input holds (CSV of several tables): no
// retry helps, so a subscriber ends instead of reconnecting.
struct OutputRefused : Error {
  using Error::Error;
};

namespace detail {
inline void append(std::string& s, std::string_view v) { s.append(v); }
inline void append(std::string& s, const char* v) { s.append(v); }
inline void append(std::string& s, const std::string& v) { s.append(v); }
inline void append(std::string& s, char v) { s.push_back(v); }
template <class T>
  requires std::is_arithmetic_v<T>
void append(std::string& s, T v) {
  s.append(std::to_string(v));
}
}  // namespace detail

// str("offset ", 12, ": bad") -> "offset 12: bad"
template <class... A>
std::string str(const A&... a) {
  std::string s;
  (detail::append(s, a), ...);
  return s;
}

template <class... A>
[[noreturn]] void fail(const A&... a) {
  throw Error(str(a...));
}

}  // namespace tick
