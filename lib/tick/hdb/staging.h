// tick-eod's writing of the sorted day: per-sym staging buffers written
// with pwrite, files reserved at their final size, and a thread that starts
// the kernel's writeback as batches finish.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tick {

// Buffered writes of one sym's run of a column: the run's bytes are
// contiguous in the sorted file, so they go out in a few large pwrites.
struct Stage {
  uint64_t off = 0;  // file offset of buf[0]
  uint32_t len = 0;
  uint32_t skip = 0;  // buf[0, skip) is not this run's (the page before it)
  uint8_t* buf = nullptr;
  // A run starting at file offset `at`: with page-sized buffers, buf[0]
  // sits on a page boundary, so every full buffer ends on one too and the
  // pages it writes are final (written back once).
  void begin(uint64_t at, bool aligned) {
    off = aligned ? at & ~uint64_t{4095} : at;
    len = skip = static_cast<uint32_t>(at - off);
  }
};

// A file's blocks reserved at its final size before the scattered writes
// fill it: the filesystem allocates once, not page by page, and a full disk
// is found before the day is read again, not in the middle of it. A
// filesystem without fallocate just allocates as it is written.
void preallocate(int fd, uint64_t size, const std::string& path);


// A thread that starts the writeback of a set of files when poked.
class Writeback {
 public:
  explicit Writeback(std::vector<int> fds) : fds_(std::move(fds)), th_([this] { run(); }) {}
  ~Writeback() {
    {
      std::lock_guard<std::mutex> l(m_);
      quit_ = true;
    }
    cv_.notify_all();
    th_.join();
  }
  void poke() {
    {
      std::lock_guard<std::mutex> l(m_);
      poked_ = true;
    }
    cv_.notify_all();
  }

 private:
  static void start_writeback(const std::vector<int>& fds);
  void run() {
    std::unique_lock<std::mutex> l(m_);
    while (true) {
      cv_.wait(l, [&] { return poked_ || quit_; });
      if (quit_) return;
      poked_ = false;
      l.unlock();
      start_writeback(fds_);
      l.lock();
    }
  }
  std::vector<int> fds_;
  std::mutex m_;
  std::condition_variable cv_;
  bool poked_ = false, quit_ = false;
  std::thread th_;
};

}  // namespace tick
