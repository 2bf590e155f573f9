#include "tick/q/users.h"

#include "tick/base/error.h"
#include "tick/base/files.h"

namespace tick {

Users load_users(const std::string& path) {
  Users users;
  std::string text = read_file(path);
  size_t at = 0;
  for (int line = 1; at < text.size(); line++) {
    size_t e = text.find('\n', at);
    std::string l = text.substr(at, e == std::string::npos ? std::string::npos : e - at);
    at = e == std::string::npos ? text.size() : e + 1;
    while (!l.empty() && (l.back() == '\r' || l.back() == ' ')) l.pop_back();
    if (l.empty() || l[0] == '#') continue;
    size_t c = l.find(':');
    if (c == std::string::npos || c == 0) fail(path, ":", line, ": not user:password");
    users[l.substr(0, c)] = l.substr(c + 1);
  }
  if (users.empty()) fail(path, ": no user:password lines");
  return users;
}

bool allowed(const Users& users, const std::string& user, const std::string& password) {
  auto it = users.find(user);
  return it != users.end() && it->second == password;
}

}  // namespace tick
