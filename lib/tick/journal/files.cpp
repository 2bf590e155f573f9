#include "tick/journal/files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "tick/base/clock.h"
#include "tick/base/error.h"
#include "tick/base/files.h"
#include "tick/kdb/journal.h"

namespace tick {

std::string journal_file(const std::string& dir, int32_t day) { return dir + "/" + date_string(day) + ".tick"; }

int32_t journal_date(const std::string& path) {
  std::string b = base_name(path);
  if (b.size() < 15) return INT32_MIN;
  if (b.substr(10) != ".tick" && b.substr(10) != ".tick.zst") return INT32_MIN;
  auto d = parse_date(b.substr(0, 10));
  return d ? *d : INT32_MIN;
}

std::vector<std::string> journal_files(const std::string& dir) {
  std::vector<std::pair<int32_t, std::string>> found;
  DIR* d = ::opendir(dir.c_str());
  if (!d) fail(dir, ": ", std::strerror(errno));
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    int32_t day = journal_date(n);
    if (day != INT32_MIN) found.push_back({day, dir + "/" + n});
  }
  ::closedir(d);
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (size_t i = 0; i < found.size(); i++) {
    // Both FILE.tick and FILE.tick.zst (mid-compress): read the plain one.
    if (i + 1 < found.size() && found[i + 1].first == found[i].first) continue;
    out.push_back(found[i].second);
  }
  return out;
}

namespace {
// A directory of kdb+ tick journals (NAMEyyyy.mm.dd), in date order.
std::vector<std::string> kdb_journal_files(const std::string& dir) {
  std::vector<std::pair<int32_t, std::string>> found;
  DIR* d = ::opendir(dir.c_str());
  if (!d) fail(dir, ": ", std::strerror(errno));
  while (dirent* e = ::readdir(d)) {
    std::string path = dir + "/" + e->d_name;
    int32_t day = kdb::journal_date_from_name(e->d_name);
    if (day != kNoDate && kdb::is_journal_file(path)) found.push_back({day, path});
  }
  ::closedir(d);
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}
}  // namespace

std::vector<std::string> expand_journals(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths) {
    if (p != "-" && journal_date(p) == INT32_MIN && is_directory(p)) {
      auto js = journal_files(p);
      if (js.empty()) js = kdb_journal_files(p);
      if (js.empty()) fail(p, ": no journals (YYYY-MM-DD.tick, or kdb+'s NAMEyyyy.mm.dd) in it");
      out.insert(out.end(), js.begin(), js.end());
    } else {
      out.push_back(p);
    }
  }
  return out;
}

bool is_plain_journal(const std::string& path) {
  return path.size() >= 5 && path.compare(path.size() - 5, 5, ".tick") == 0;
}

std::string journal_after(const std::string& path) {
  int32_t d = journal_date(path);
  if (d == INT32_MIN) return {};
  for (const auto& f : journal_files(dir_name(path)))
    if (journal_date(f) > d) return f;
  return {};
}

bool journal_in_use(const std::string& path) {
  if (!is_plain_journal(path)) return false;  // (compressed: at rest)
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;  // (what cannot be opened is said by its reader)
  bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // (and its lock, if it took one)
  return held;
}

}  // namespace tick
