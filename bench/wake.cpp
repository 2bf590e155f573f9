// bench_wake MODE N RATE: how soon a reader waiting for a journal to grow
// wakes after the writer appends, by the futex on tick-log's live end
// (journal_live.h: what tick-sub DIR and tick-replay --follow use) or by
// inotify on the journal file (the other way a reader could be told).
// A writer process appends N 16-byte records at RATE a second, each holding
// the time just before its write; the reader, woken, reads the newest one
// and takes the difference. Prints N, p50, p99 and max in microseconds.
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tick/base/clock.h"
#include "tick/journal/live_end.h"

using namespace tick;

namespace {

void sleep_until(int64_t t) {
  int64_t d = t - now_ns();
  if (d <= 0) return;
  timespec ts{static_cast<time_t>(d / 1'000'000'000), static_cast<long>(d % 1'000'000'000)};
  ::nanosleep(&ts, nullptr);
}

int writer(const std::string& dir, const std::string& file, bool futex, long n, long rate) {
  LiveWriter live(dir);
  int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) return 1;
  const int64_t t0 = now_ns() + 200'000'000;  // (the reader is waiting by then)
  for (long i = 0; i < n; i++) {
    sleep_until(t0 + i * 1'000'000'000 / rate);
    int64_t rec[2] = {now_ns(), i};
    if (::write(fd, rec, sizeof rec) != sizeof rec) return 1;
    if (futex) live.publish(1, static_cast<uint64_t>(i + 1) * sizeof rec);
  }
  live.finish();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 || (std::strcmp(argv[1], "futex") != 0 && std::strcmp(argv[1], "inotify") != 0)) {
    std::fprintf(stderr, "usage: bench_wake futex|inotify N RATE\n");
    return 2;
  }
  const bool futex = std::strcmp(argv[1], "futex") == 0;
  const long n = std::atol(argv[2]), rate = std::atol(argv[3]);
  char tmpl[] = "/tmp/bench-wake.XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  std::string file = dir + "/j";
  int fd = ::open(file.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
  { LiveWriter made(dir); }  // (the reader maps it before the writer starts)
  auto live = LiveReader::open(dir);
  int ino = futex ? -1 : ::inotify_init1(IN_CLOEXEC);
  if (!futex) ::inotify_add_watch(ino, file.c_str(), IN_MODIFY);
  pid_t pid = ::fork();
  if (pid == 0) _exit(writer(dir, file, futex, n, rate));
  std::vector<int64_t> lat;
  lat.reserve(static_cast<size_t>(n));
  uint64_t have = 0;
  const uint64_t total = static_cast<uint64_t>(n) * 16;
  while (have < total) {
    uint32_t ticket = futex ? live->ticket() : 0;
    uint64_t end = 0;
    if (futex) {
      end = live->end().length;
    } else {
      off_t e = ::lseek(fd, 0, SEEK_END);
      end = e > 0 ? static_cast<uint64_t>(e) : 0;
    }
    if (end > have) {
      int64_t rec[2];
      if (::pread(fd, rec, sizeof rec, static_cast<off_t>(end - 16)) == sizeof rec) lat.push_back(now_ns() - rec[0]);
      have = end;
      continue;
    }
    if (futex) {
      live->wait(ticket, 1000, false);
    } else {
      char buf[4096];
      if (::read(ino, buf, sizeof buf) < 0) break;
    }
  }
  int st = 0;
  ::waitpid(pid, &st, 0);
  std::string rm = "rm -rf " + dir;
  if (std::system(rm.c_str()) != 0) return 1;
  if (lat.empty()) return 1;
  std::sort(lat.begin(), lat.end());
  auto q = [&](double f) { return lat[static_cast<size_t>(f * static_cast<double>(lat.size() - 1))] / 1000.0; };
  std::printf("%zu %.1f %.1f %.1f\n", lat.size(), q(0.5), q(0.99), lat.back() / 1000.0);
  return 0;
}
