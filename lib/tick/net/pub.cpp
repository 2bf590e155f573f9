#include "tick/net/pub.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <algorithm>
#include <deque>
#include <memory>

#include "tick/base/clock.h"
#include "tick/base/diag.h"
#include "tick/base/error.h"
#include "tick/base/signals.h"
#include "tick/base/units.h"
#include "tick/journal/files.h"
#include "tick/journal/journal.h"
#include "tick/journal/live_end.h"
#include "tick/journal/subscription.h"
#include "tick/net/catch_up.h"
#include "tick/net/net.h"
#include "tick/net/protocol.h"
#include "tick/net/send_queue.h"
#include "tick/stream/filter.h"
#include "tick/stream/reader.h"
#include "tick/stream/writer.h"

namespace tick {

namespace {

using Bytes = std::shared_ptr<std::vector<uint8_t>>;


constexpr size_t kCatchUpAhead = 4u << 20;  // journal bytes queued ahead at most
constexpr size_t kChunk = 256u << 10;

struct Subscriber {
  int fd = -1;
  std::string peer;
  // Request: reading its request; Requested: answered once the input's
  // context is complete; CatchUp: from the journal; Live; Ending: its
  // end-of-stream queued, closed once sent; Done: closed, to be dropped.
  enum class State { Request, Requested, CatchUp, Live, Ending, Done } st = State::Request;
  std::vector<uint8_t> in;  // request bytes
  SendQueue q;                   // whole records (Output flushes between records)
  std::unique_ptr<Output> out;  // private bytes, flushed into q
  SubscribeRequest req;
  FilterSpec spec;
  Filter filter;
  bool unfiltered = true;  // no table or sym filter: shares the live bytes
  std::vector<uint32_t> sel;
  std::unique_ptr<CatchUp> catch_up;  // from the journal, until it goes live
  int64_t since = 0, last_sent = 0;
  uint64_t sent = 0;
  bool watch_out = false;  // registered for EPOLLOUT (it has bytes queued)
};

class Server {
 public:
  Server(Input& in, const PubOptions& o) : in_(in), o_(o), rr_(in) {}
  void run();

 private:
  void add_sub(int fd, const std::string& peer);
  void on_readable(Subscriber& s);
  void on_writable(Subscriber& s);
  void start(Subscriber& s);
  void refuse(Subscriber& s, Refusal code, const std::string& why);
  void close_sub(Subscriber& s, const std::string& why);
  void cut_off(Subscriber& s);
  void enqueue(Subscriber& s, const uint8_t* p, size_t n);  // a private copy
  void enqueue_shared(Subscriber& s, const Bytes& b, size_t off, size_t n);
  void live_record(const Record& r, Decoder::Kind k);
  void forward(Subscriber& s, const Record& r, Decoder::Kind k, const Decoder& d);
  void publish_chunk();
  bool pump(Subscriber& s);
  LiveMark live_mark() const { return {live_day_, live_seq_, live_.tables().size(), live_.syms().size()}; }
  void go_live(Subscriber& s);
  void heartbeats(int64_t now);
  void timeouts(int64_t now);
  // Journal bytes queued ahead for a catching-up subscriber: a few MB, and
  // well inside --max-queue, so one that keeps up is never cut off.
  size_t catch_up_ahead() const {
    return std::min(kCatchUpAhead, std::max<size_t>(o_.max_queue / 4, 64u << 10));
  }
  void stats(int64_t now);

  Input& in_;
  const PubOptions& o_;
  RecordReader rr_;
  Decoder live_;
  uint64_t live_seq_ = 0;
  int32_t live_day_ = kNoDate;
  bool in_eof_ = false;
  bool context_complete_ = false;  // the input's header, tables and symbols have come
  Bytes cur_ = std::make_shared<std::vector<uint8_t>>();
  std::unique_ptr<Acceptor> acceptor_;
  // Cut-off subscribers not yet back, and until when to wait for them
  // after the input ends.
  uint64_t cut_pending_ = 0;
  int64_t linger_until_ = 0;
  std::vector<std::unique_ptr<Subscriber>> subs_;
  bool closed_any_ = false;  // subs_ has Done ones to drop
  // One epoll set for the input, the listeners (while accepting) and every
  // subscriber; the tags say which one is ready.
  Epoll ep_;
  char input_tag_ = 0;
  void read_input();
  void upstream_ended_in_order();
  bool wind_down();
  bool pump_and_watch();
  void dispatch(std::span<const epoll_event> ready, int64_t now);
  int64_t next_hb_ = 0, next_stats_ = 0, next_timeouts_ = 0;
  uint64_t in_records_ = 0, in_bytes_ = 0, stats_records_ = 0, stats_bytes_ = 0;
};

void Server::enqueue(Subscriber& s, const uint8_t* p, size_t n) {
  if (s.st == Subscriber::State::Done || n == 0) return;
  s.q.push(p, n);
}

void Server::enqueue_shared(Subscriber& s, const Bytes& b, size_t off, size_t n) {
  if (s.st == Subscriber::State::Done || n == 0) return;
  s.out->flush();
  s.q.push_shared(b, off, n);
}

void Server::close_sub(Subscriber& s, const std::string& why) {
  if (s.fd >= 0) {
    if (!why.empty()) warn(str(s.peer, ": ", why));
    ::close(s.fd);  // (and out of the epoll set)
  }
  s.fd = -1;
  s.st = Subscriber::State::Done;
  closed_any_ = true;
  s.q.clear();
  s.catch_up.reset();
}

void Server::refuse(Subscriber& s, Refusal code, const std::string& why) {
  // Never waits: a subscriber with a full socket just sees the connection
  // end. The refusal follows whole records only: a half-sent one is
  // finished first, if the socket takes it now.
  bool whole = true;
  const uint8_t* rest;
  size_t n;
  if (s.q.half_sent(rest, n)) whole = send_now(s.fd, rest, n);
  if (whole) {
    auto msg = framed([&](Output& o) { write_refuse(o, code, why); });
    send_now(s.fd, msg.data(), msg.size());
  }
  close_sub(s, "refused: " + why);
}

void Server::cut_off(Subscriber& s) {
  std::string why = str("cut off: its queue passed --max-queue ", o_.max_queue,
                        " bytes; it may reconnect and resume from the journal");
  s.q.drop_whole();
  refuse(s, Refusal::cut_off, why);
  cut_pending_++;
  linger_until_ = now_ns() + static_cast<int64_t>(o_.linger_secs * 1e9);
}

void Server::add_sub(int fd, const std::string& peer) {
  auto s = std::make_unique<Subscriber>();
  s->fd = fd;
  s->peer = peer;
  s->since = now_ns();
  Subscriber* sp = s.get();
  s->out = std::make_unique<Output>([this, sp](const uint8_t* p, size_t n) { enqueue(*sp, p, n); }, 64 << 10);
  ep_.add(fd, EPOLLIN, sp);
  subs_.push_back(std::move(s));
}

void Server::on_readable(Subscriber& s) {
  uint8_t buf[65536];
  ssize_t n = ::read(s.fd, buf, sizeof buf);
  if (n == 0) {
    bool early = s.st == Subscriber::State::Request || s.st == Subscriber::State::Requested;
    return close_sub(s, early ? "closed before subscribing" : "");
  }
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return;
    // A reset is how many clients say goodbye.
    return close_sub(s, errno == ECONNRESET ? "" : str("read: ", std::strerror(errno)));
  }
  if (s.st != Subscriber::State::Request) return;  // nothing more is expected: ignored
  s.in.insert(s.in.end(), buf, buf + n);
  if (s.in.size() >= 4 && load32(s.in.data()) != kMarker)
    return close_sub(s, "not a subscription (no record marker); closed");
  if (s.in.size() < kHeaderSize) return;
  RecordHeader h;
  if (!parse_header(s.in.data(), h) || h.length > (1u << 20))
    return close_sub(s, "not a subscription (bad header); closed");
  if (s.in.size() < kHeaderSize + h.length) return;
  if (record_crc(s.in.data(), s.in.data() + kHeaderSize, h.length) != h.crc)
    return close_sub(s, "subscription with a bad CRC; closed");
  if (h.type != RecordType::Subscribe) return refuse(s, Refusal::bad_input, "expected a subscribe message, got " + record_type_name(h.type));
  try {
    s.req = parse_subscribe(s.in.data() + kHeaderSize, h.length);
  } catch (const Error& e) {
    return refuse(s, Refusal::bad_input, e.what());
  }
  // The names are kept once, in the filter (start); the request bytes go.
  s.spec.tables = std::move(s.req.tables);
  s.spec.syms = std::move(s.req.syms);
  s.req.tables.clear();
  s.req.syms.clear();
  std::vector<uint8_t>().swap(s.in);
  // (one that asks for a sequence number may be one cut off, back)
  if (s.req.from == SubscribeRequest::From::seq && cut_pending_) cut_pending_--;
  s.st = Subscriber::State::Requested;
  if (context_complete_) start(s);  // else once the input's context is complete
}

// Answers a complete request: accept and the stream's start, or refuse.
void Server::start(Subscriber& s) {
  s.unfiltered = s.spec.tables.empty() && s.spec.syms.empty();
  if (std::string t = unknown_table(s.spec.tables, live_.tables()); !t.empty())
    return refuse(s, Refusal::unknown_table, "unknown table " + quoted(t));
  s.filter = Filter(s.spec);
  s.spec = FilterSpec{};
  using Kind = SubscriptionStart::Kind;
  std::vector<std::string> journals;
  if (s.req.from != SubscribeRequest::From::now && !o_.log_dir.empty()) journals = journal_files(o_.log_dir);
  SubscriptionStart st = subscription_start(s.req, live_day_, live_seq_, journals);
  if (st.kind == Kind::live) {
    write_accept(*s.out, {live_day_, live_seq_});
    write_context(*s.out, live_day_, live_.tables(), live_.syms());
    s.filter.update(live_);
    s.out->flush();
    s.st = Subscriber::State::Live;
    return;
  }
  if (st.kind == Kind::after_live_day) return refuse(s, Refusal::not_served, st.why);
  if (o_.log_dir.empty()) return refuse(s, Refusal::not_served, "cannot serve from the journal: tick-pub has no --log DIR");
  if (st.kind == Kind::no_journal) return refuse(s, Refusal::not_served, st.why + " in " + o_.log_dir);
  std::vector<std::string> files;  // the journals from its day to the live day
  for (const auto& f : journals)
    if (int32_t d = journal_date(f); d >= st.day && d <= live_day_) files.push_back(f);
  write_accept(*s.out, {st.day, st.seq - 1});
  s.st = Subscriber::State::CatchUp;
  s.catch_up = std::make_unique<CatchUp>(std::move(files), st.day, st.seq);
  pump(s);
}

void Server::go_live(Subscriber& s) {
  if (s.st == Subscriber::State::Done) return;
  // Context the live stream has and the journal reader had not reached.
  const Decoder* jdec = s.catch_up ? s.catch_up->decoder() : nullptr;
  if (jdec && jdec->started()) {
    for (size_t i = jdec->tables().size(); i < live_.tables().size(); i++)
      write_schema(*s.out, static_cast<uint16_t>(i), live_.tables()[i]);
    if (live_.syms().size() > jdec->syms().size()) write_symbols(*s.out, live_.syms(), jdec->syms().size());
  } else {
    write_context(*s.out, live_day_, live_.tables(), live_.syms());
  }
  s.out->flush();
  s.filter.rebind();
  s.filter.update(live_);
  s.catch_up.reset();
  s.st = Subscriber::State::Live;
}

// Moves journal records into a catching-up subscriber's queue, a few MB
// ahead of its socket. Returns false when the subscriber went away.
bool Server::pump(Subscriber& s) {
  Record r;
  Decoder::Kind k;
  std::string why;
  const LiveMark live = live_mark();
  while (s.st == Subscriber::State::CatchUp && s.q.queued() < catch_up_ahead()) {
    switch (s.catch_up->next(live, r, k, why)) {
      case CatchUp::Step::Record:
        forward(s, r, k, *s.catch_up->decoder());
        continue;
      case CatchUp::Step::GoLive:
        go_live(s);
        break;
      case CatchUp::Step::Refuse:
        refuse(s, Refusal::not_served, why);
        return false;
    }
  }
  s.out->flush();
  return s.st != Subscriber::State::Done;
}

// One record to one subscriber, filtered, in the context of decoder d.
void Server::forward(Subscriber& s, const Record& r, Decoder::Kind k, const Decoder& d) {
  switch (k) {
    case Decoder::Kind::Header:
    case Decoder::Kind::Schema:
    case Decoder::Kind::Symbols:
      s.filter.update(d);
      s.out->write(r.bytes, r.size());
      break;
    case Decoder::Kind::EndOfDay:
    case Decoder::Kind::Heartbeat:
      s.out->write(r.bytes, r.size());
      break;
    case Decoder::Kind::Data: {
      const DataView& v = d.data();
      if (!s.filter.want_table(v.table_id)) break;
      if (!s.filter.by_rows()) {
        s.out->write(r.bytes, r.size());
        break;
      }
      uint32_t n = s.filter.select(v, s.sel);
      if (n == v.rows) s.out->write(r.bytes, r.size());
      else if (n) write_subset(*s.out, v, s.sel.data(), n);
      break;
    }
    default:
      break;  // journal bookkeeping and protocol messages stay here
  }
}

void Server::live_record(const Record& r, Decoder::Kind k) {
  if (k == Decoder::Kind::Header) live_day_ = live_.stream_date();
  if (k == Decoder::Kind::Data && live_.data().seq) live_seq_ = live_.data().seq;
  if (k == Decoder::Kind::Heartbeat && live_.control_seq()) live_seq_ = live_.control_seq();
  if (k == Decoder::Kind::EndOfDay) live_seq_ = live_.control_seq();
  if (k == Decoder::Kind::Header) live_seq_ = 0;
  if (k == Decoder::Kind::Data || k == Decoder::Kind::Heartbeat || k == Decoder::Kind::EndOfDay)
    context_complete_ = true;
  if (k == Decoder::Kind::Protocol || k == Decoder::Kind::Positions || k == Decoder::Kind::Unknown) return;
  cur_->insert(cur_->end(), r.bytes, r.bytes + r.size());
  for (auto& sp : subs_) {
    Subscriber& s = *sp;
    if (s.st == Subscriber::State::Live && !s.unfiltered) forward(s, r, k, live_);
  }
  if (cur_->size() >= kChunk) publish_chunk();
}

// The live bytes of this read go to every unfiltered live subscriber, shared.
void Server::publish_chunk() {
  if (cur_->empty()) return;
  for (auto& sp : subs_) {
    Subscriber& s = *sp;
    if (s.st != Subscriber::State::Live) continue;
    if (s.unfiltered) enqueue_shared(s, cur_, 0, cur_->size());
    else s.out->flush();
    if (s.q.queued() > o_.max_queue) cut_off(s);
  }
  cur_ = std::make_shared<std::vector<uint8_t>>();
  cur_->reserve(kChunk + 4096);
}

void Server::on_writable(Subscriber& s) {
  uint64_t before = s.sent;
  if (!s.q.write_to(s.fd, s.sent))
    return close_sub(s, errno == EPIPE || errno == ECONNRESET ? "" : str("write: ", std::strerror(errno)));
  if (s.sent != before) s.last_sent = now_ns();
}

void Server::heartbeats(int64_t now) {
  if (now < next_hb_) return;
  next_hb_ = now + static_cast<int64_t>(o_.heartbeat_secs * 1e9);
  for (auto& sp : subs_) {
    Subscriber& s = *sp;
    if (s.st == Subscriber::State::Live && s.q.queued() == 0) {
      write_heartbeat(*s.out, now, live_seq_);
      s.out->flush();
    }
  }
}

// On tick-pub's own clock, every tenth of a second: a connection has
// --timeout to send its request (one that has, and waits for the input's
// first records, is not timed out).
void Server::timeouts(int64_t now) {
  if (now < next_timeouts_) return;  // (a turn of the loop walks no subscriber for it)
  next_timeouts_ = now + 100'000'000;
  const int64_t t = static_cast<int64_t>(o_.timeout_secs * 1e9);
  for (auto& sp : subs_) {
    Subscriber& s = *sp;
    if (s.st == Subscriber::State::Request && now - s.since > t)
      close_sub(s, "no subscription within " + duration_text(t) + "; closed");
  }
}

void Server::stats(int64_t now) {
  if (o_.stats_secs <= 0 || now < next_stats_) return;
  double secs = o_.stats_secs;
  if (next_stats_) {
    std::string line = str("in ", static_cast<uint64_t>((in_records_ - stats_records_) / secs), " records/s ",
                           rate_text((in_bytes_ - stats_bytes_) / secs), "; seq ", live_seq_,
                           "; ", subs_.size(), " subscribers");
    for (auto& sp : subs_) {
      const char* st = sp->st == Subscriber::State::Live       ? "live"
                       : sp->st == Subscriber::State::CatchUp  ? "catching up"
                       : sp->st == Subscriber::State::Ending ? "ending"
                                                        : "waiting";
      line += str("; ", sp->peer, " ", st, " queue ", sp->q.queued());
    }
    warn(line);
  }
  stats_records_ = in_records_;
  stats_bytes_ = in_bytes_;
  next_stats_ = now + static_cast<int64_t>(secs * 1e9);
}

// The listeners are watched while accepting (closed at the end of the
// input, paused while descriptors are short: level-triggered, a waiting
// connection would wake every wait).
// The end of the input is the stream's end only if the tick-log writing
// the journal ended in order (a stop signal, or its own input's end): one
// killed, or failed, leaves its live end unfinished. Then no subscriber is
// told end-of-stream (they wait and reconnect, and the RDB keeps its day),
// and tick-pub exits 1, so a service manager restarts the tickerplant.
void Server::upstream_ended_in_order() {
  if (o_.log_dir.empty()) return;  // (no journal: the input's end is the end)
  auto live = LiveReader::open(o_.log_dir);
  if (!live || live->finished()) return;
  fail("the input ended, but the tick-log writing ", o_.log_dir,
       " did not end in order (killed, or failed): no end-of-stream sent; subscribers reconnect to the restarted "
       "tickerplant");
}

// What the input has now: every complete record of it, live.
void Server::read_input() {
  Record r;
  size_t before = in_.avail();
  size_t got = in_.fill(before + 1);
  if (got == before) {
    in_eof_ = true;
    ep_.remove(0);  // (at its end a pipe is always ready)
    upstream_ended_in_order();
  }
  in_bytes_ += got - before;
  Decoder::Kind k;
  try {
    while (record_buffered(in_, in_eof_) && read_applied(rr_, live_, r, k)) {
      in_records_++;
      live_record(r, k);
    }
  } catch (const Error&) {
    publish_chunk();  // (what came before the bad record goes out first)
    throw;
  }
  publish_chunk();
  // Requests that arrived before the input's context was complete (its
  // first data or heartbeat record).
  if (context_complete_)
    for (auto& sp : subs_)
      if (sp->st == Subscriber::State::Requested) start(*sp);
}

// The input has ended: what came before it is delivered, then
// end-of-stream; true once every subscriber is done (and none cut off
// lately may still come back for the rest).
bool Server::wind_down() {
  bool linger = cut_pending_ && now_ns() < linger_until_;
  if (!linger) {
    acceptor_->close();  // (and out of the epoll set)
  }
  bool all_done = !linger;
  for (auto& sp : subs_) {
    Subscriber& s = *sp;
    if (s.st == Subscriber::State::Requested && live_.started()) start(s);
    if (s.st == Subscriber::State::CatchUp) all_done = false;
    if (s.st == Subscriber::State::Live) {
      write_end_of_stream(*s.out);
      s.out->flush();
      s.st = Subscriber::State::Ending;
    }
    if (s.st == Subscriber::State::Ending && s.q.queued() == 0) {
      ::shutdown(s.fd, SHUT_WR);
      close_sub(s, "");
    }
    if ((s.st == Subscriber::State::Request || s.st == Subscriber::State::Requested) && !linger) close_sub(s, "");
    all_done = all_done && s.st == Subscriber::State::Done;
  }
  return all_done;
}

// Catching-up subscribers take more of the journal; a subscriber with
// bytes queued is watched for room in its socket, one without is not.
// (Writing at once instead, as far as the socket takes it, fills a
// stopped subscriber's socket to the brim, and a cut-off's refusal then
// finds no room: what poll's and epoll's writable mark leaves is what
// carries it.) True while one catching up has room for more.
bool Server::pump_and_watch() {
  bool catching = false;
  for (auto& sp : subs_) {
    Subscriber& s = *sp;
    if (s.st == Subscriber::State::CatchUp) {
      pump(s);
      catching |= s.st == Subscriber::State::CatchUp && s.q.queued() < catch_up_ahead();
    }
    bool out = s.st != Subscriber::State::Done && s.q.queued() > 0;
    if (s.st != Subscriber::State::Done && out != s.watch_out) {
      ep_.modify(s.fd, out ? EPOLLIN | EPOLLOUT : uint32_t{EPOLLIN}, &s);
      s.watch_out = out;
    }
  }
  return catching;
}

// The listeners' and subscribers' events (the input's is read before).
void Server::dispatch(std::span<const epoll_event> ready, int64_t now) {
  for (const auto& e : ready) {
    void* tag = e.data.ptr;
    if (tag == &input_tag_) continue;
    if (acceptor_->accept_tagged(tag, now, [this](int fd, const std::string& peer) { add_sub(fd, peer); })) continue;
    // (a subscriber closed earlier in this batch is Done, not yet dropped)
    Subscriber& s = *static_cast<Subscriber*>(tag);
    if (s.st == Subscriber::State::Done) continue;
    if (e.events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(s);
    if (s.st != Subscriber::State::Done && (e.events & EPOLLOUT)) on_writable(s);
  }
}

void Server::run() {
  acceptor_ = std::make_unique<Acceptor>(o_.listen, o_.unix_mode);
  if (o_.on_listening) o_.on_listening(acceptor_->bound());
  // A regular file on stdin cannot be watched: it is always ready.
  const bool input_watched = ep_.add(0, EPOLLIN, &input_tag_);
  while (!stop_requested()) {
    if (in_eof_ && wind_down()) break;
    if (closed_any_) {
      subs_.erase(std::remove_if(subs_.begin(), subs_.end(), [](auto& s) { return s->st == Subscriber::State::Done; }),
                  subs_.end());
      closed_any_ = false;
    }
    bool catching = pump_and_watch();
    int64_t now = now_ns();
    acceptor_->watch(ep_, true, now);
    int timeout = 100;
    int paused = acceptor_->wait_ms(now);
    if (paused >= 0) timeout = std::min(timeout, paused);
    if (catching || (!input_watched && !in_eof_)) timeout = 0;
    auto ready = ep_.wait(timeout);
    bool input_ready = !input_watched && !in_eof_;
    for (const auto& e : ready) input_ready |= e.data.ptr == &input_tag_;
    if (input_ready && !in_eof_) read_input();
    now = now_ns();
    dispatch(ready, now);
    heartbeats(now);
    timeouts(now);
    stats(now);
  }
  for (auto& sp : subs_) close_sub(*sp, "");
  acceptor_->close();
}

}  // namespace

void serve(Input& in, const PubOptions& o) {
  Server s(in, o);
  s.run();
}

}  // namespace tick
