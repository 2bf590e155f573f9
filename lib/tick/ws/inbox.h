// tick-ws's input: records read from stdin by a thread of their own and
// handed to the service loop in batches.
#pragma once
#include <libwebsockets.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tick::ws {

// Records read from stdin by a thread of their own, handed to the service
// loop in batches (the loop is woken with lws_cancel_service). Shared with
// that thread, which a blocking read keeps past the server's end: once
// closed, nothing it brings is kept and the loop is never woken again.
class Inbox {
 public:
  static constexpr size_t kMaxBytes = 4u << 20;  // the reader waits past this
  ~Inbox() { close(); }
  void set_wake(lws_context* ctx) {
    std::lock_guard<std::mutex> l(m_);
    ctx_ = ctx;
  }
  // Until `at`, a record does not wake the service loop; at `at` it is
  // woken once (by a thread of the inbox's: lws's own timers wait in whole
  // milliseconds and spin through the rest).
  void hold_until(std::chrono::steady_clock::time_point at) {
    std::lock_guard<std::mutex> l(m_);
    if (closed_) return;
    held_ = true;
    wake_at_ = at;
    if (!waker_.joinable()) waker_ = std::thread([this] { wake_when_due(); });
    due_.notify_all();
  }
  // Adds a record, waking the service loop when the batch was empty (and
  // not held) or has grown by another MiB since it was last woken.
  void put(const uint8_t* p, size_t n) {
    std::unique_lock<std::mutex> l(m_);
    room_.wait(l, [&] { return bytes_.size() < kMaxBytes || closed_; });
    if (closed_) return;
    bool wake = (bytes_.empty() && !held_) || bytes_.size() >= woke_at_ + (1u << 20);
    bytes_.insert(bytes_.end(), p, p + n);
    if (wake) {
      woke_at_ = bytes_.size();
      wake_service(l);
    }
  }
  void end(std::string why) {
    std::unique_lock<std::mutex> l(m_);
    ended_ = true;
    why_ = std::move(why);
    wake_service(l);
  }
  // The batch so far (swapped out), whether the input has ended, and why
  // if it ended on bad input.
  bool take(std::vector<uint8_t>& out, std::string& why) {
    std::lock_guard<std::mutex> l(m_);
    out.clear();
    out.swap(bytes_);
    woke_at_ = 0;
    room_.notify_all();
    why = why_;
    return ended_;
  }
  // Before the service loop's context is destroyed (waits for a wake
  // under way).
  void close() {
    std::unique_lock<std::mutex> l(m_);
    closed_ = true;
    ctx_ = nullptr;
    room_.notify_all();
    due_.notify_all();
    room_.wait(l, [&] { return wakers_ == 0; });
    l.unlock();
    if (waker_.joinable()) waker_.join();
  }

 private:
  // (lws is called outside the lock: the service loop takes the lock from
  // within lws)
  void wake_service(std::unique_lock<std::mutex>& l) {
    lws_context* ctx = closed_ ? nullptr : ctx_;
    if (!ctx) return;
    wakers_++;
    l.unlock();
    lws_cancel_service(ctx);
    l.lock();
    wakers_--;
    room_.notify_all();
  }
  void wake_when_due() {
    std::unique_lock<std::mutex> l(m_);
    while (!closed_) {
      if (!held_) {
        due_.wait(l);
      } else if (std::chrono::steady_clock::now() < wake_at_) {
        due_.wait_until(l, wake_at_);
      } else {
        held_ = false;
        wake_service(l);
      }
    }
  }
  int wakers_ = 0;
  bool held_ = false;
  std::chrono::steady_clock::time_point wake_at_;
  std::condition_variable due_;
  std::thread waker_;
  std::mutex m_;
  std::condition_variable room_;
  std::vector<uint8_t> bytes_;
  bool ended_ = false, closed_ = false;
  size_t woke_at_ = 0;
  std::string why_;
  lws_context* ctx_ = nullptr;
};

// Reads stdin's records into the inbox until it ends (or is bad: the inbox
// ends with why), for the reader thread.
void read_stdin(const std::shared_ptr<Inbox>& inbox);

}  // namespace tick::ws
