// Bytes queued for one subscriber's socket: pieces of buffers, each holding
// whole records, shared (the live stream's chunks, one copy for every
// unfiltered subscriber) or private (a subscriber's own). A piece partly on
// the socket is remembered, so that whatever follows (a refusal) starts at
// a record boundary.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

namespace tick {

class SendQueue {
 public:
  using Bytes = std::shared_ptr<std::vector<uint8_t>>;
  // A private copy of [p, p+n).
  void push(const uint8_t* p, size_t n);
  // [off, off+len) of a shared buffer.
  void push_shared(const Bytes& b, size_t off, size_t len);
  size_t queued() const { return queued_; }
  bool empty() const { return q_.empty(); }
  // Writes what the socket takes now (never waits). False on a write error
  // other than EAGAIN or EINTR (errno says which). sent counts the bytes.
  bool write_to(int fd, uint64_t& sent);
  // The rest of a record already partly on the socket, if any.
  bool half_sent(const uint8_t*& p, size_t& n) const;
  // Drops everything queued but the rest of a half-sent record.
  void drop_whole();
  void clear();

 private:
  struct Piece {
    Bytes buf;
    size_t off, len;
    bool partial = false;  // its start is already on the socket
  };
  std::deque<Piece> q_;
  size_t queued_ = 0;
};

}  // namespace tick
