#include "tick/q/feed.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tick/base/clock.h"
#include "tick/base/diag.h"
#include "tick/base/error.h"
#include "tick/base/signals.h"
#include "tick/kdb/ipc.h"
#include "tick/net/publisher.h"

namespace tick {

FeedLink::FeedLink(std::string address, std::shared_ptr<const Schema> schema, Epoll& ep, void* pipe_tag,
                   void* news_tag)
    : address_(std::move(address)), ep_(ep), pipe_tag_(pipe_tag) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) fail("pipe: ", std::strerror(errno));
  grow_pipe(p[1]);
  set_nonblocking(p[1]);
  pipe_w_ = p[1];
  news_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (news_fd_ < 0) fail("eventfd: ", std::strerror(errno));
  ep_.add(news_fd_, EPOLLIN, news_tag);
  out_ = std::make_unique<Output>([this](const uint8_t* b, size_t n) { buf_.insert(buf_.end(), b, b + n); }, 1 << 20);
  enc_ = std::make_unique<kdb::UpdateEncoder>(std::move(schema), *out_);
  enc_->begin(kNoDate);
  const int rfd = p[0];
  feeder_ = std::thread([this, rfd] {
    auto tell = [this] {
      uint64_t one = 1;
      [[maybe_unused]] ssize_t w = ::write(news_fd_, &one, 8);
    };
    try {
      auto in = Input::from_fd(rfd, "tick-q's feeds", false);
      FeedOptions fo;
      fo.address = address_;
      fo.input_fd = rfd;
      fo.quit = &quit_;
      fo.on_ack = [this, tell](uint64_t upto) {
        acked_ = upto;
        tell();
      };
      feed_journal(*in, fo);
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> l(mu_);
      error_ = e.what();
    }
    ::close(rfd);
    done_ = true;
    tell();
  });
}

FeedLink::~FeedLink() {
  if (feeder_.joinable()) {
    quit_ = true;
    if (pipe_w_ >= 0) ::close(pipe_w_);
    pipe_w_ = -1;
    feeder_.join();
  }
  if (pipe_w_ >= 0) ::close(pipe_w_);
  if (news_fd_ >= 0) ::close(news_fd_);
}

std::string FeedLink::publish(std::string_view table, const uint8_t* x, int64_t now) {
  const Table* t = enc_->schema().find(table);
  if (!t) return std::string(table);
  kdb::Problem pr;
  size_t n = kdb::object_size(x, SIZE_MAX / 2, pr);
  if (kdb::stamp_time(*t, x, n, now, stamped_)) {
    x = stamped_.data();
    n = stamped_.size();
  }
  std::string e = enc_->encode(table, x, n, 0);
  if (!e.empty()) return e;
  sent_++;
  out_->flush();
  pump();
  return {};
}

void FeedLink::pump() {
  while (off_ < buf_.size()) {
    ssize_t n = ::write(pipe_w_, buf_.data() + off_, buf_.size() - off_);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      fail("feeding ", address_, ": ", std::strerror(errno));
    }
    off_ += static_cast<size_t>(n);
  }
  if (off_ == buf_.size()) {
    buf_.clear();
    off_ = 0;
  } else if (off_ > (16u << 20)) {
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<long>(off_));
    off_ = 0;
  }
  bool want = off_ < buf_.size();
  if (want != watching_) {
    if (want) ep_.add(pipe_w_, EPOLLOUT, pipe_tag_);
    else ep_.remove(pipe_w_);
    watching_ = want;
  }
}

void FeedLink::on_room() { pump(); }

void FeedLink::check_error() {
  std::lock_guard<std::mutex> l(mu_);
  if (!error_.empty()) fail("--feed-to ", address_, ": ", error_);
}

void FeedLink::on_news() {
  uint64_t v;
  [[maybe_unused]] ssize_t r = ::read(news_fd_, &v, 8);
  check_error();
}

void FeedLink::finish(double linger_secs) {
  if (watching_) ep_.remove(pipe_w_);
  watching_ = false;
  set_blocking(pipe_w_);
  if (off_ < buf_.size()) write_all(pipe_w_, buf_.data() + off_, buf_.size() - off_);
  ::close(pipe_w_);
  pipe_w_ = -1;
  const int64_t until = now_ns() + static_cast<int64_t>(linger_secs * kNsPerSec);
  while (!done_ && now_ns() < until && !stop_requested()) ::usleep(10'000);
  quit_ = true;
  feeder_.join();
  if (acked_ < sent_) warn(str(sent_ - acked_, " records from q feeds were not acknowledged by ", address_));
  check_error();
}

}  // namespace tick
