#include "tick/hdb/staging.h"

#include <fcntl.h>

#include <cerrno>

#include "tick/base/error.h"

namespace tick {

void preallocate(int fd, uint64_t size, const std::string& path) {
  if (size && ::fallocate(fd, 0, 0, static_cast<off_t>(size)) != 0 && errno == ENOSPC)
    fail(path, ": no space left on the device for ", size, " bytes");
}

void Writeback::start_writeback(const std::vector<int>& fds) {
  for (int fd : fds) ::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}

}  // namespace tick
