#include "tick/net/send_queue.h"

#include <sys/uio.h>

#include <cerrno>

namespace tick {

void SendQueue::push(const uint8_t* p, size_t n) {
  if (n == 0) return;
  q_.push_back({std::make_shared<std::vector<uint8_t>>(p, p + n), 0, n});
  queued_ += n;
}

void SendQueue::push_shared(const Bytes& b, size_t off, size_t len) {
  if (len == 0) return;
  q_.push_back({b, off, len});
  queued_ += len;
}

bool SendQueue::write_to(int fd, uint64_t& sent) {
  constexpr int kIov = 64;
  while (!q_.empty()) {
    iovec iov[kIov];
    int n = 0;
    for (auto it = q_.begin(); it != q_.end() && n < kIov; ++it, ++n)
      iov[n] = {it->buf->data() + it->off, it->len};
    ssize_t w = ::writev(fd, iov, n);
    if (w < 0) return errno == EAGAIN || errno == EINTR;
    sent += static_cast<uint64_t>(w);
    queued_ -= static_cast<size_t>(w);
    size_t left = static_cast<size_t>(w);
    while (left > 0) {
      Piece& p = q_.front();
      if (left >= p.len) {
        left -= p.len;
        q_.pop_front();
      } else {
        p.off += left;
        p.len -= left;
        p.partial = true;
        left = 0;
      }
    }
  }
  return true;
}

bool SendQueue::half_sent(const uint8_t*& p, size_t& n) const {
  if (q_.empty() || !q_.front().partial) return false;
  p = q_.front().buf->data() + q_.front().off;
  n = q_.front().len;
  return true;
}

void SendQueue::drop_whole() {
  while (q_.size() > 1) q_.pop_back();
  if (!q_.empty() && !q_.front().partial) q_.clear();
  queued_ = q_.empty() ? 0 : q_.front().len;
}

void SendQueue::clear() {
  q_.clear();
  queued_ = 0;
}

}  // namespace tick
