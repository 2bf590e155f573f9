#include "tick/base/read_ahead.h"

#include <algorithm>
#include <cstring>

namespace tick {

ReadAhead::ReadAhead(std::unique_ptr<ByteSource> src, size_t batch, size_t depth)
    : src_(std::move(src)), batch_(batch), depth_(std::max<size_t>(depth, 1)) {
  thread_ = std::thread([this] { run(); });
}

ReadAhead::~ReadAhead() {
  {
    std::lock_guard<std::mutex> l(mu_);
    quit_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ReadAhead::run() {
  for (;;) {
    std::vector<uint8_t> b;
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait(l, [&] { return quit_ || full_.size() < depth_; });
      if (quit_) return;
      if (!spare_.empty()) {
        b = std::move(spare_.back());
        spare_.pop_back();
      }
    }
    b.resize(batch_);
    size_t n = 0;
    bool end = false;
    std::exception_ptr error;
    try {
      while (n < b.size()) {
        size_t r = src_->read(b.data() + n, b.size() - n);
        if (r == 0) {
          end = true;
          break;
        }
        n += r;
      }
    } catch (...) {
      error = std::current_exception();
      end = true;
    }
    b.resize(n);
    {
      std::lock_guard<std::mutex> l(mu_);
      if (n) full_.push_back({std::move(b), 0});
      if (end) {
        ended_ = true;
        error_ = error;
      }
    }
    cv_.notify_all();
    if (end) return;
  }
}

size_t ReadAhead::read(uint8_t* dst, size_t cap) {
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait(l, [&] { return !full_.empty() || ended_; });
  if (full_.empty()) {
    if (error_) std::rethrow_exception(error_);
    return 0;
  }
  Batch& f = full_.front();
  size_t k = std::min(cap, f.bytes.size() - f.taken);
  std::memcpy(dst, f.bytes.data() + f.taken, k);
  f.taken += k;
  if (f.taken == f.bytes.size()) {
    spare_.push_back(std::move(f.bytes));
    full_.pop_front();
    l.unlock();
    cv_.notify_all();
  }
  return k;
}

}  // namespace tick
