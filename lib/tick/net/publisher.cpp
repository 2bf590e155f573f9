#include "tick/net/publisher.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <memory>
#include <random>
#include <vector>

#include "tick/base/clock.h"
#include "tick/base/diag.h"
#include "tick/base/error.h"
#include "tick/base/signals.h"
#include "tick/net/net.h"
#include "tick/net/protocol.h"
#include "tick/net/send_queue.h"
#include "tick/stream/control.h"
#include "tick/stream/reader.h"
#include "tick/stream/writer.h"

namespace tick {

namespace {

using Bytes = std::shared_ptr<std::vector<uint8_t>>;

constexpr size_t kMaxReply = 64u << 10;
// With nothing else to send, a heartbeat this often tells the journal the
// publisher lives (tick-log closes a publisher silent for its --timeout).
constexpr int64_t kHeartbeatEvery = kNsPerSec;

// Data records first..last (publisher sequence numbers), as sent.
struct Held {
  uint64_t first, last;
  Bytes bytes;
};

class Feeder {
 public:
  Feeder(Input& in, const FeedOptions& o) : in_(in), o_(o), addr_(parse_address(o.address)), rr_(in) {
    std::random_device rd;
    id_ = (uint64_t{rd()} << 32) ^ rd() ^ static_cast<uint64_t>(now_ns());
  }
  void run();

 private:
  void connect();
  void disconnect(const std::string& why);
  void send(Bytes b) {
    if (fd_ >= 0) out_.push_shared(b, 0, b->size());
  }
  Bytes context() const;
  void close_chunk();
  void read_input();
  void drain();
  void read_acks();
  void write_out();

  Input& in_;
  const FeedOptions& o_;
  Address addr_;
  RecordReader rr_;
  Decoder dec_;
  uint64_t id_ = 0, next_ = 1, acked_ = 0, group_first_ = 0, group_end_ = 0;
  std::deque<Held> held_;
  size_t held_bytes_ = 0;
  Bytes chunk_;  // data records of the current read, not yet held
  uint64_t chunk_first_ = 0;
  int fd_ = -1;
  SendQueue out_;  // to the journal: held records shared, not copied
  std::vector<uint8_t> acks_;
  int64_t retry_at_ = 0, backoff_ = 100'000'000, last_send_ = 0;
  bool warned_ = false, in_eof_ = false, barrier_ = false;
};

Bytes Feeder::context() const {
  auto b = std::make_shared<std::vector<uint8_t>>();
  Output o([&](const uint8_t* p, size_t n) { b->insert(b->end(), p, p + n); }, 64 << 10);
  write_hello(o, {id_, held_.empty() ? next_ : held_.front().first});
  if (dec_.started()) {
    write_context(o, dec_);
  }
  o.flush();
  return b;
}

void Feeder::connect() {
  int fd = connect_to(addr_);
  if (fd < 0) {
    if (!warned_) warn(str(o_.address, ": ", std::strerror(errno), " (retrying; holding what is not journaled)"));
    warned_ = true;
    retry_at_ = now_ns() + backoff_;
    backoff_ = std::min<int64_t>(backoff_ * 2, 5 * kNsPerSec);
    return;
  }
  set_nonblocking(fd);
  fd_ = fd;
  last_send_ = now_ns();
  if (warned_) warn(str("connected to ", o_.address, "; resending ", held_.size(), " unacknowledged batches"));
  warned_ = false;
  backoff_ = 100'000'000;
  out_.clear();
  acks_.clear();
  // Who we are and from where, the stream's context, then every held record.
  send(context());
  for (const auto& h : held_) send(h.bytes);
}

void Feeder::disconnect(const std::string& why) {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  out_.clear();
  warn(str(o_.address, ": ", why, "; reconnecting"));
  warned_ = true;
  retry_at_ = now_ns() + backoff_;
}

void Feeder::close_chunk() {
  if (!chunk_ || chunk_->empty()) return;
  // A chunk inside a Kafka consumer's group is held until the whole group
  // is journaled (tick-log acknowledges a group at once, after its last
  // record), so a resend always starts at or before the group's positions.
  held_.push_back({chunk_first_, std::max(next_ - 1, group_end_), chunk_});
  held_bytes_ += chunk_->size();
  send(chunk_);
  chunk_.reset();
}

void Feeder::read_input() {
  size_t before = in_.avail();
  if (in_.fill(before + 1) == before) in_eof_ = true;
  drain();
  if (in_eof_ && group_end_ >= next_) {
    // The input ended inside a Kafka consumer's group (the consumer was
    // killed): the group can never be journaled, so it is not held for
    // acknowledgements that cannot come. The journal drops what it has of
    // it when this connection ends, and the consumer reads it again.
    warn(str(in_.name(), ": ended inside a Kafka consumer's group lacking ", group_end_ - next_ + 1,
             " data records (not journaled; tick-kafka consume --resume-from reads it again)"));
    while (!held_.empty() && held_.back().first >= group_first_) {
      held_bytes_ -= held_.back().bytes->size();
      held_.pop_back();
    }
    group_end_ = 0;
  }
}

// Every complete record in the input's buffer (never waits for more).
void Feeder::drain() {
  Record r;
  while (!barrier_) {
    if (!record_buffered(in_, in_.eof())) break;
    RecordHeader h;
    // A new stream's context waits until everything of the last one is
    // journaled: held records must be resent in the context they had.
    if (!in_.eof() && parse_header(in_.data(), h) && h.type == RecordType::Header && dec_.started() &&
        (!held_.empty() || (chunk_ && !chunk_->empty()))) {
      barrier_ = true;
      break;
    }
    Decoder::Kind k;
    if (!read_applied(rr_, dec_, r, k)) break;
    if (k == Decoder::Kind::Data) {
      if (!chunk_) {
        chunk_ = std::make_shared<std::vector<uint8_t>>();
        chunk_first_ = next_;
      }
      chunk_->insert(chunk_->end(), r.bytes, r.bytes + r.size());
      next_++;
      if (chunk_->size() >= (1u << 20)) close_chunk();
    } else if (k == Decoder::Kind::Positions) {
      // A Kafka consumer's positions (tick-kafka consume --resume-from) go
      // with the data records they announce: held and resent with them.
      close_chunk();
      chunk_ = std::make_shared<std::vector<uint8_t>>(r.bytes, r.bytes + r.size());
      chunk_first_ = next_;
      uint32_t records = 0;
      try {
        records = parse_positions(r.payload(), r.h.length).records;
      } catch (const Error& e) {
        fail(in_.name(), ":", r.offset, ": ", e.what());
      }
      if (records) {
        group_first_ = next_;
        group_end_ = next_ + records - 1;
      }
    } else if (k == Decoder::Kind::Header || k == Decoder::Kind::Schema || k == Decoder::Kind::Symbols) {
      close_chunk();
      send(std::make_shared<std::vector<uint8_t>>(r.bytes, r.bytes + r.size()));
    }
  }
  close_chunk();
}

void Feeder::read_acks() {
  uint8_t buf[4096];
  ssize_t n = ::read(fd_, buf, sizeof buf);
  if (n == 0) return disconnect("the journal closed the connection");
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return;
    return disconnect(std::strerror(errno));
  }
  acks_.insert(acks_.end(), buf, buf + n);
  size_t at = 0;
  while (acks_.size() - at >= kHeaderSize) {
    RecordHeader h;
    if (!parse_header(acks_.data() + at, h)) return disconnect("garbage from the journal");
    // Only acknowledgements and refusals come back, and they are small: a
    // claimed length must not size this buffer.
    if ((h.type != RecordType::Ack && h.type != RecordType::Refuse) || h.length > kMaxReply)
      return disconnect(str("unexpected ", record_type_name(h.type), " record of ", h.length,
                            " bytes from the journal"));
    if (acks_.size() - at < kHeaderSize + h.length) break;
    const uint8_t* p = acks_.data() + at + kHeaderSize;
    if (h.type == RecordType::Ack) {
      uint64_t id, upto;
      parse_ack(p, h.length, id, upto);
      if (id == id_ && upto > acked_) {
        acked_ = upto;
        if (o_.on_ack) o_.on_ack(acked_);
      }
      while (!held_.empty() && held_.front().last <= acked_) {
        held_bytes_ -= held_.front().bytes->size();
        held_.pop_front();
      }
    } else if (h.type == RecordType::Refuse) {
      Refused ref = parse_refuse(h, p);
      // Our earlier connection is not gone on the journal's side yet.
      if (ref.code == Refusal::already_connected) return disconnect("refused: " + ref.why);
      fail(o_.address, ": refused: ", ref.why);
    }
    at += kHeaderSize + h.length;
  }
  acks_.erase(acks_.begin(), acks_.begin() + static_cast<long>(at));
}

void Feeder::write_out() {
  uint64_t sent = 0;
  if (!out_.write_to(fd_, sent)) return disconnect(std::strerror(errno));
  if (sent) last_send_ = now_ns();
}

void Feeder::run() {
  connect();
  while (!stop_requested() && !(o_.quit && o_.quit->load())) {
    if (barrier_ && held_.empty()) {
      barrier_ = false;
      drain();  // the next stream waited in the buffer
    }
    if (in_eof_ && held_.empty() && !barrier_ && in_.avail() == 0) return;
    if (fd_ < 0 && now_ns() >= retry_at_) connect();
    if (fd_ >= 0 && out_.empty() && now_ns() - last_send_ >= kHeartbeatEvery) {
      send(std::make_shared<std::vector<uint8_t>>(framed([](Output& o) { write_heartbeat(o, now_ns(), 0); })));
      last_send_ = now_ns();
    }
    pollfd p[2];
    int n = 0;
    bool want_input = !in_eof_ && !barrier_ && held_bytes_ < o_.max_hold;
    if (want_input) p[n++] = {o_.input_fd, POLLIN, 0};
    int sock = -1;
    if (fd_ >= 0) {
      sock = n;
      p[n++] = {fd_, static_cast<short>(POLLIN | (out_.empty() ? 0 : POLLOUT)), 0};
    }
    int rc = ::poll(p, n, fd_ < 0 ? 50 : 200);
    if (rc < 0 && errno != EINTR) fail("poll: ", std::strerror(errno));
    if (want_input && (p[0].revents & (POLLIN | POLLHUP))) read_input();
    if (sock >= 0 && fd_ >= 0) {
      if (p[sock].revents & (POLLIN | POLLHUP | POLLERR)) read_acks();
      if (fd_ >= 0 && (p[sock].revents & POLLOUT)) write_out();
    }
  }
  if (!held_.empty()) warn(str(held_.back().last - acked_, " records were not acknowledged by the journal"));
}

}  // namespace

void feed_journal(Input& in, const FeedOptions& o) {
  Feeder f(in, o);
  f.run();
}

}  // namespace tick
