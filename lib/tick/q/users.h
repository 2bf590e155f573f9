// tick-q --users: who may log in (q's -u habit: user:password lines).
#pragma once
#include <map>
#include <string>

namespace tick {

using Users = std::map<std::string, std::string>;  // user -> password

// "user:password" lines (# comments, blank lines); throws Error naming the
// file and line.
Users load_users(const std::string& path);
bool allowed(const Users& users, const std::string& user, const std::string& password);

}  // namespace tick
