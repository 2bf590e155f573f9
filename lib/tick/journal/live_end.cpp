#include "tick/journal/live_end.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <optional>
#include <algorithm>

#include "tick/base/error.h"
#include "tick/base/files.h"
#include "tick/journal/files.h"

namespace tick {

// man 5 tick, "The live end": 64 bytes at the start of a 4096-byte file,
// little-endian, each field naturally aligned.
struct LiveLayout {
  uint32_t magic;    // "TKLV"
  uint32_t version;  // 1
  uint32_t wake;     // futex word: +1 after each publish
  uint32_t waiters;  // readers sleeping (or about to) on wake
  uint64_t end;      // day << 40 | length
  uint32_t state;    // 1 writing, 2 finished in order
  uint32_t pid;      // the writer
  uint8_t reserved[32];
};
static_assert(sizeof(LiveLayout) == 64);

namespace {

constexpr uint32_t kMagic = 0x564c4b54;  // "TKLV"
constexpr uint32_t kVersion = 1;
constexpr size_t kFileSize = 4096;
constexpr int kLengthBits = 40;

template <class T>
std::atomic_ref<T> at(T& v) {
  return std::atomic_ref<T>(v);
}

long futex(uint32_t* word, int op, uint32_t val, const timespec* ts) {
  return ::syscall(SYS_futex, word, op, val, ts, nullptr, 0);
}

LiveLayout* map_live(int fd, const std::string& path, int prot) {
  void* m = ::mmap(nullptr, kFileSize, prot, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED) fail(path, ": mmap: ", std::strerror(errno));
  return static_cast<LiveLayout*>(m);
}

}  // namespace

LiveWriter::LiveWriter(const std::string& dir) {
  std::string path = dir + "/" + kLiveFile;
  fd_ = open_regular(path, O_RDWR | O_CREAT);
  struct stat st{};
  if (::fstat(fd_, &st) != 0 || (st.st_size < static_cast<off_t>(kFileSize) && ::ftruncate(fd_, kFileSize) != 0))
    fail(path, ": ", std::strerror(errno));
  p_ = map_live(fd_, path, PROT_READ | PROT_WRITE);
  if (at(p_->magic).load() != kMagic || at(p_->version).load() != kVersion) {
    std::memset(p_, 0, sizeof *p_);
    at(p_->version).store(kVersion);
    at(p_->magic).store(kMagic, std::memory_order_release);
  }
  at(p_->pid).store(static_cast<uint32_t>(::getpid()));
  at(p_->state).store(1, std::memory_order_release);
}

LiveWriter::~LiveWriter() {
  if (p_) ::munmap(p_, kFileSize);
  if (fd_ >= 0) ::close(fd_);
}

void LiveWriter::publish(int32_t day, uint64_t length) {
  if (day < 0 || day >= (1 << 23) || length >> kLengthBits)
    fail("a journal of ", length, " bytes on day ", day, " is past what .tick.live can say (1 TiB a day)");
  uint64_t v = static_cast<uint64_t>(day) << kLengthBits | length;
  if (v == last_) return;
  last_ = v;
  at(p_->end).store(v, std::memory_order_release);
  at(p_->wake).fetch_add(1);  // (seq_cst: a reader counted in waiters sees it, or is woken)
  if (at(p_->waiters).load()) futex(&p_->wake, FUTEX_WAKE, INT_MAX, nullptr);
}

void LiveWriter::finish() {
  at(p_->state).store(2, std::memory_order_release);
  at(p_->wake).fetch_add(1);
  if (at(p_->waiters).load()) futex(&p_->wake, FUTEX_WAKE, INT_MAX, nullptr);
}

std::unique_ptr<LiveReader> LiveReader::open(const std::string& dir) {
  std::string path = dir + "/" + kLiveFile;
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);  // (rw: a reader counts itself in waiters)
  if (fd < 0 && errno == EACCES) fail(path, ": ", std::strerror(errno), " (a local reader needs write access to it)");
  if (fd < 0) return nullptr;
  struct stat st{};
  if (::fstat(fd, &st) != 0 || st.st_size < static_cast<off_t>(kFileSize)) {
    ::close(fd);
    return nullptr;  // being made
  }
  std::unique_ptr<LiveReader> r(new LiveReader);
  r->fd_ = fd;
  r->p_ = map_live(fd, path, PROT_READ | PROT_WRITE);
  uint32_t magic = at(r->p_->magic).load(std::memory_order_acquire);
  if (magic == 0) return nullptr;  // being made: its writer stores the magic last
  if (magic != kMagic) fail(path, ": not a live end of tick-log's (magic ", magic, ")");
  if (uint32_t v = at(r->p_->version).load(); v != kVersion)
    fail(path, ": version ", v, " of the live end (this reader knows ", kVersion, ")");
  return r;
}

LiveReader::~LiveReader() {
  if (p_) ::munmap(p_, kFileSize);
  if (fd_ >= 0) ::close(fd_);
}

uint32_t LiveReader::ticket() const { return at(p_->wake).load(); }

LiveEnd LiveReader::end() const {
  uint64_t v = at(p_->end).load(std::memory_order_acquire);
  return {static_cast<int32_t>(v >> kLengthBits), v & ((uint64_t{1} << kLengthBits) - 1)};
}

bool LiveReader::finished() const { return at(p_->state).load(std::memory_order_acquire) == 2; }

void LiveReader::wait(uint32_t ticket, int timeout_ms, bool spin) const {
  if (spin) {
    timespec t0{};
    ::clock_gettime(CLOCK_MONOTONIC, &t0);
    for (uint32_t i = 0; at(p_->wake).load(std::memory_order_acquire) == ticket; i++) {
      __builtin_ia32_pause();
      if ((i & 0xffff) == 0) {
        timespec t{};
        ::clock_gettime(CLOCK_MONOTONIC, &t);
        if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1'000'000 >= timeout_ms) return;
      }
    }
    return;
  }
  at(p_->waiters).fetch_add(1);
  if (at(p_->wake).load() == ticket) {
    timespec ts{timeout_ms / 1000, (timeout_ms % 1000) * 1'000'000L};
    futex(&p_->wake, FUTEX_WAIT, ticket, &ts);  // (EAGAIN: it moved already; EINTR: a signal)
  }
  at(p_->waiters).fetch_sub(1);
}

uint32_t LiveReader::writer_pid() const { return at(p_->pid).load(); }

bool LiveReader::writer_alive() const {
  uint32_t pid = at(p_->pid).load();
  if (pid == 0) return false;
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM) return false;
  // (a pid used again by another program is not the writer)
  std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  return !std::getline(comm, name) || name == "tick-log";
}

std::unique_ptr<Input> open_journal_now(const std::string& path) {
  const int32_t day = journal_date(path);
  std::optional<uint64_t> end;
  if (day != INT32_MIN && is_plain_journal(path)) {
    try {
      if (auto live = LiveReader::open(dir_name(path)); live && live->end().day == day && live->writer_alive())
        end = live->end().length;
    } catch (const Error&) {
      // (a live end it cannot read: the file as it is)
    }
  }
  if (!end) return Input::open(path);
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) fail(path, ": ", std::strerror(errno));
  const uint64_t n = std::min<uint64_t>(*end, static_cast<uint64_t>(st.st_size));
  return Input::open_growing(path, 0, n, [n](uint64_t, const std::function<void()>&) { return n; });
}

}  // namespace tick
