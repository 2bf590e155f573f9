// tick-q's feeds: q feed handlers' .u.upd, checked against the schema and
// published into a tick-log --listen as one more publisher (tick-pub --to's
// feeder, in a thread reading a pipe), the journal's acknowledgements
// counted as they come.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tick/base/io.h"
#include "tick/kdb/journal.h"
#include "tick/net/net.h"
#include "tick/stream/schema.h"

namespace tick {

class FeedLink {
 public:
  // Feeds address (a tick-log --listen). Its pipe's room and the journal's
  // news are watched in ep, tagged pipe_tag and news_tag.
  FeedLink(std::string address, std::shared_ptr<const Schema> schema, Epoll& ep, void* pipe_tag, void* news_tag);
  ~FeedLink();
  FeedLink(const FeedLink&) = delete;
  FeedLink& operator=(const FeedLink&) = delete;

  // One .u.upd: x (its object, whole) stamped with now when it lacks the
  // time column, then sent as data record number sent(). Returns an empty
  // string, or what does not fit (nothing sent).
  std::string publish(std::string_view table, const uint8_t* x, int64_t now);
  uint64_t sent() const { return sent_; }
  uint64_t acked() const { return acked_.load(); }
  // Bytes not yet in the pipe.
  size_t backlog() const { return buf_.size() - off_; }
  // pipe_tag was ready: more goes into the pipe.
  void on_room();
  // news_tag was ready: acknowledgements (acked() grew). Throws Error when
  // the journal refused the feed.
  void on_news();
  // The input has ended: what is held goes to the journal, waited for at
  // most linger seconds; what is unacknowledged then is said. Throws Error
  // when the journal refused the feed.
  void finish(double linger_secs);

 private:
  void pump();
  void check_error();

  std::string address_;
  Epoll& ep_;
  void* pipe_tag_;
  std::vector<uint8_t> buf_, stamped_;
  size_t off_ = 0;
  std::unique_ptr<Output> out_;
  std::unique_ptr<kdb::UpdateEncoder> enc_;
  int pipe_w_ = -1, news_fd_ = -1;
  bool watching_ = false;
  uint64_t sent_ = 0;
  std::thread feeder_;
  std::atomic<uint64_t> acked_{0};
  std::atomic<bool> done_{false}, quit_{false};
  std::mutex mu_;
  std::string error_;
};

}  // namespace tick
