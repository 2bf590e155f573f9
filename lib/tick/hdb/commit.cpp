#include "tick/hdb/commit.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "tick/base/diag.h"
#include "tick/base/error.h"
#include "tick/base/files.h"
#include "tick/hdb/hdb.h"

namespace tick {

namespace {

bool pid_alive(long pid) { return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM; }

}  // namespace

std::string temp_path(const std::string& hdb, const std::string& what) {
  return join_path(hdb, str(".tmp-", what, ".", static_cast<long>(::getpid())));
}

namespace {

// Removes what runs that died left behind: ".tmp-WHAT.PID" of a PID that
// is gone.
void clean_stale(const std::string& hdb) {
  for (const auto& n : list_dir(hdb)) {
    if (n.rfind(".tmp-", 0) != 0) continue;
    long pid = std::atol(n.c_str() + n.rfind('.') + 1);
    if (pid <= 0 || pid == static_cast<long>(::getpid()) || pid_alive(pid)) continue;
    remove_tree(join_path(hdb, n));
    warn(str("removed ", join_path(hdb, n), ", left by an interrupted run"));
  }
}

}  // namespace

// The HDB made if it is not there yet (the first day of a new database),
// and cleared of what runs that died left behind.
void open_hdb(const std::string& hdb) {
  if (::access(hdb.c_str(), F_OK) == 0 && !is_directory(hdb)) fail(hdb, ": not a directory");
  make_dirs(hdb);
  clean_stale(hdb);
}


bool commit_partition(const std::string& tmp, const std::string& hdb, int32_t date, bool force, bool kdb) {
  FileLock lock(join_path(hdb, ".lock"));  // one tick-eod at a time renames partitions
  std::string fin = kdb ? hdb::kdb_partition_path(hdb, date) : hdb::partition_path(hdb, date);
  if (!path_exists(fin)) {
    if (::rename(tmp.c_str(), fin.c_str()) != 0) fail(fin, ": rename: ", std::strerror(errno));
    fsync_dir(fin);
    return true;
  }
  if (!force) {
    remove_tree(tmp);
    return false;
  }
  if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, fin.c_str(), RENAME_EXCHANGE) != 0)
    fail(fin, ": rename: ", std::strerror(errno));
  fsync_dir(fin);
  remove_tree(tmp);  // the old partition, now under the temporary name
  return true;
}

}  // namespace tick
