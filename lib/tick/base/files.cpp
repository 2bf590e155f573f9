#include "tick/base/files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "tick/base/error.h"

namespace tick {

std::string base_name(const std::string& p) {
  size_t s = p.rfind('/');
  return s == std::string::npos ? p : p.substr(s + 1);
}

std::string dir_name(const std::string& p) {
  size_t s = p.rfind('/');
  return s == std::string::npos ? "." : (s == 0 ? "/" : p.substr(0, s));
}

std::string join_path(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

bool path_exists(const std::string& p) {
  struct stat st{};
  return ::lstat(p.c_str(), &st) == 0;
}

bool is_regular_file(const std::string& p) {
  struct stat st{};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool is_directory(const std::string& p) {
  struct stat st{};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void fsync_path(const std::string& path) {
  int d = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (d < 0) fail(path, ": ", std::strerror(errno));
  int rc = ::fsync(d);
  int e = errno;
  ::close(d);
  if (rc != 0 && e != EINVAL) fail(path, ": fsync: ", std::strerror(e));
}

void fsync_dir(const std::string& path) {
  int d = ::open(dir_name(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d >= 0) {
    ::fsync(d);
    ::close(d);
  }
}

int open_or_fail(const std::string& path, int flags, int mode) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) fail(path, ": ", std::strerror(errno));
  return fd;
}

int open_regular(const std::string& path, int flags, int mode) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, mode);
  if (fd < 0 && errno == ELOOP) fail(path, ": a symbolic link: refused (only regular files are read or written there)");
  if (fd < 0) fail(path, ": ", std::strerror(errno));
  struct stat st{};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    fail(path, ": not a regular file: refused");
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);  // (only so a FIFO could not block the open)
  return fd;
}

FileLock::FileLock(const std::string& path) {
  fd_ = open_or_fail(path, O_RDWR | O_CREAT);
  if (::flock(fd_, LOCK_EX) != 0) {
    int e = errno;
    ::close(fd_);
    fail(path, ": lock: ", std::strerror(e));
  }
}

FileLock::~FileLock() { ::close(fd_); }

CloseFd::~CloseFd() {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

std::string read_file(const std::string& path) {
  int fd = open_or_fail(path, O_RDONLY);
  std::string s;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      fail(path, ": ", std::strerror(e));
    }
    if (n == 0) break;
    s.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return s;
}

void write_file(const std::string& path, const void* p, size_t n) {
  int fd = open_or_fail(path, O_WRONLY | O_CREAT | O_TRUNC);
  try {
    pwrite_all(fd, p, n, 0, path);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
}

void pwrite_all(int fd, const void* p, size_t n, uint64_t off, const std::string& path) {
  auto* b = static_cast<const uint8_t*>(p);
  while (n) {
    ssize_t k = ::pwrite(fd, b, n, static_cast<off_t>(off));
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) fail(path, ": write: ", std::strerror(errno));
    b += k;
    n -= static_cast<size_t>(k);
    off += static_cast<uint64_t>(k);
  }
}

void pread_all(int fd, void* p, size_t n, uint64_t off, const std::string& path) {
  auto* b = static_cast<uint8_t*>(p);
  while (n) {
    ssize_t k = ::pread(fd, b, n, static_cast<off_t>(off));
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) fail(path, ": read: ", std::strerror(errno));
    if (k == 0) fail(path, ": shorter than expected (", off, " bytes)");
    b += k;
    n -= static_cast<size_t>(k);
    off += static_cast<uint64_t>(k);
  }
}

void make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) fail(path, ": mkdir: ", std::strerror(errno));
}

void make_dirs(const std::string& path) {
  if (path.empty() || is_directory(path)) return;
  std::string parent = dir_name(path);
  if (parent != path && parent != "." && parent != "/") make_dirs(parent);
  make_dir(path);
}

std::vector<std::string> list_dir(const std::string& path) {
  std::vector<std::string> out;
  DIR* d = ::opendir(path.c_str());
  if (!d) fail(path, ": ", std::strerror(errno));
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(n);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

void remove_tree(const std::string& path) {
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    for (const auto& n : list_dir(path)) remove_tree(join_path(path, n));
    if (::rmdir(path.c_str()) != 0 && errno != ENOENT) fail(path, ": rmdir: ", std::strerror(errno));
  } else if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    fail(path, ": unlink: ", std::strerror(errno));
  }
}

}  // namespace tick
