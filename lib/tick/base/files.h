// Small file-system helpers with errors that name the path: whole-file
// reads and writes, positioned I/O, directories, and the fsyncs that make a
// rename durable.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tick {

std::string base_name(const std::string& p);
std::string dir_name(const std::string& p);
std::string join_path(const std::string& dir, const std::string& name);
bool path_exists(const std::string& p);
bool is_directory(const std::string& p);
bool is_regular_file(const std::string& p);

// fsyncs the directory holding path (so a rename or create in it lasts).
void fsync_dir(const std::string& path);
void fsync_path(const std::string& path);

std::string read_file(const std::string& path);
// Creates or truncates path with bytes (not synced).
void write_file(const std::string& path, const void* p, size_t n);
inline void write_file(const std::string& path, const std::string& s) { write_file(path, s.data(), s.size()); }

// All of n bytes at off; errors name path.
void pwrite_all(int fd, const void* p, size_t n, uint64_t off, const std::string& path);
void pread_all(int fd, void* p, size_t n, uint64_t off, const std::string& path);
int open_or_fail(const std::string& path, int flags, int mode = 0644);
// The same for a file that must be a regular file where it is named (in a
// directory others may write: the journal's): a symbolic link or anything
// but a regular file is refused, never followed or written.
int open_regular(const std::string& path, int flags, int mode = 0644);
// Closes fd (if open) when it goes out of scope, and leaves it -1.
struct CloseFd {
  int& fd;
  ~CloseFd();
};

// An exclusive flock on the file at path (made if missing), held while it
// lives: waits for another holder.
class FileLock {
 public:
  explicit FileLock(const std::string& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

void make_dir(const std::string& path);  // ok if it exists
void make_dirs(const std::string& path);  // and its parents, like mkdir -p
// Removes a directory tree (as rm -rf); quiet if it is already gone.
void remove_tree(const std::string& path);
// Names in a directory (no . and ..), sorted.
std::vector<std::string> list_dir(const std::string& path);

}  // namespace tick
