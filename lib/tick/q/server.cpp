#include "tick/q/server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <functional>
#include <unordered_set>

#include "tick/base/clock.h"
#include "tick/base/diag.h"
#include "tick/base/error.h"
#include "tick/base/files.h"
#include "tick/base/signals.h"
#include "tick/base/units.h"
#include "tick/kdb/ipc.h"
#include "tick/net/send_queue.h"
#include "tick/q/feed.h"
#include "tick/q/kdb_log.h"
#include "tick/q/users.h"
#include "tick/stream/reader.h"

namespace tick {

namespace {

using Bytes = SendQueue::Bytes;
using namespace kdb;

constexpr size_t kReadChunk = 256 << 10;
constexpr size_t kFeedBacklog = 64u << 20;  // feed bytes not yet in the pipe, before clients wait

struct Sub {
  bool all = true;
  std::unordered_set<std::string> names;
  std::vector<int8_t> by_id;  // -1 not looked up, 0 no, 1 yes
  uint64_t gen = 0;
};

struct Client {
  int fd = -1;
  std::string peer;
  enum class St { Handshake, Open, Done } st = St::Handshake;
  int64_t opened = 0;
  std::vector<uint8_t> in;
  uint64_t in_offset = 0;  // bytes taken from it before in's first
  SendQueue q;
  bool watch_out = false, watch_in = true, paused = false;
  std::map<std::string, Sub> subs;  // by table
  // Replies in the order asked: each made when what it waits for (the
  // journal's acknowledgement of a feed's rows) has come.
  struct Reply {
    uint64_t wait = 0;
    std::function<Bytes()> make;
  };
  std::deque<Reply> replies;
};

class Server {
 public:
  Server(Input& in, const QOptions& o) : in_(in), o_(o), rr_(in) {}
  ~Server();
  void run();

 private:
  const std::vector<Table>& tables() const {
    if (!live_.tables().empty() || !o_.schema) return live_.tables();
    return o_.schema->tables;
  }
  bool ready() const { return !tables().empty(); }
  void read_input();
  void on_record(Decoder::Kind k);
  void on_data();
  void end_of_day(int32_t day);
  void add_client(int fd, const std::string& peer);
  void close_client(Client& c, const std::string& why);
  void on_readable(Client& c);
  void handshake(Client& c);
  void take_messages(Client& c);
  void message(Client& c, const uint8_t* m, size_t len, uint64_t offset);
  void request(Client& c, uint8_t type, const Request& r);
  void reply(Client& c, uint64_t wait, std::function<Bytes()> make);
  void release(Client& c);
  void push(Client& c, const Bytes& b);
  void write_out(Client& c);
  void watch(Client& c);
  Bytes subscribe(Client& c, const Request& r);
  void put_position(Output& o);
  std::string publish(const Request& r);
  Bytes answer(uint8_t type, const std::function<void(Output&)>& put);
  void feed_room();
  void feed_news();
  void timeouts(int64_t now);

  Input& in_;
  const QOptions& o_;
  RecordReader rr_;
  Decoder live_;
  Epoll ep_;
  std::unique_ptr<Acceptor> acc_;
  char input_tag_ = 0, feed_tag_ = 0, event_tag_ = 0;
  bool in_eof_ = false, closed_any_ = false;
  std::vector<std::unique_ptr<Client>> clients_;
  size_t open_clients_ = 0;
  int64_t last_full_warn_ = 0;
  std::unique_ptr<KdbLog> log_, past_log_;
  int32_t day_ = kNoDate;  // the day served: today's at the start, then the stream's
  bool past_ = false;      // the stream is in a day before it
  Message msg_;
  std::vector<uint32_t> sel_;
  std::unique_ptr<FeedLink> feed_;
  std::vector<uint8_t> unpacked_, scratch_;
};

Server::~Server() {
  for (auto& c : clients_)
    if (c->fd >= 0) ::close(c->fd);
}

Bytes Server::answer(uint8_t type, const std::function<void(Output&)>& put) {
  put(msg_.start(type));
  return std::make_shared<std::vector<uint8_t>>(msg_.take());
}

// ---- the stream in

void Server::read_input() {
  size_t before = in_.avail();
  size_t got = in_.fill(before + 1);
  if (got == before) {
    in_eof_ = true;
    ep_.remove(0);
  }
  Record r;
  Decoder::Kind k;
  while (record_buffered(in_, in_eof_) && read_applied(rr_, live_, r, k)) on_record(k);
  if (log_) log_->flush();
  if (past_log_) past_log_->flush();
  for (auto& c : clients_)
    if (c->st == Client::St::Open && !c->q.empty()) write_out(*c);
}

void Server::on_record(Decoder::Kind k) {
  switch (k) {
    case Decoder::Kind::Header: {
      // A day before the one served (a restart fed from an earlier day's
      // start) is caught up in its own journal and told to no client: they
      // hold today, and that day's end was told once already.
      const int32_t d = live_.stream_date() != kNoDate ? live_.stream_date() : day_of(now_ns());
      past_ = d < day_;
      if (past_) {
        if (past_log_) past_log_->open_day(d);
      } else {
        day_ = d;
        if (past_log_) past_log_->close();
        if (log_) log_->open_day(d);
      }
      break;
    }
    case Decoder::Kind::Data:
      if (!past_) on_data();
      else if (past_log_) past_log_->write(live_.data(), live_.syms());
      break;
    case Decoder::Kind::EndOfDay:
      if (!past_) end_of_day(live_.eod_date());
      else if (past_log_) past_log_->close();
      break;
    default: break;
  }
}

// A data record: into the journal (message i+1), then to each subscriber
// of its table as (`upd;`t;rows of its syms). One the journal held before
// a restart is in every subscriber's replay (its i covers it): not sent.
void Server::on_data() {
  const DataView& v = live_.data();
  if (log_ && !log_->write(v, live_.syms())) return;
  const Table& t = *v.table;
  Bytes all;
  auto update = [&](const uint32_t* sel, uint32_t n) {
    return answer(kAsync, [&](Output& o) {
      put_vector_head(o, kMixed, 3);
      put_symbol_atom(o, "upd");
      put_symbol_atom(o, t.name);
      put_table(o, v, live_.syms(), sel, n);
    });
  };
  for (auto& cp : clients_) {
    Client& c = *cp;
    if (c.st != Client::St::Open || c.subs.empty()) continue;
    auto it = c.subs.find(t.name);
    if (it == c.subs.end()) continue;
    Sub& s = it->second;
    if (s.all || t.sym_col < 0) {
      if (!all) all = update(nullptr, v.rows);
      push(c, all);
      continue;
    }
    if (s.gen != live_.generation()) {
      s.gen = live_.generation();
      s.by_id.clear();
    }
    sel_.clear();
    for (uint32_t row = 0; row < v.rows; row++) {
      uint32_t id = v.sym(row);
      if (id >= s.by_id.size()) s.by_id.resize(id + 1, -1);
      if (s.by_id[id] < 0) s.by_id[id] = s.names.count(std::string(live_.syms().name(id))) ? 1 : 0;
      if (s.by_id[id]) sel_.push_back(row);
    }
    if (!sel_.empty()) push(c, update(sel_.data(), static_cast<uint32_t>(sel_.size())));
  }
}

// tick.q's .u.end: every subscriber is told the day that ended, and the
// next day's journal is opened at once (its header may name a later day).
void Server::end_of_day(int32_t day) {
  Bytes b = answer(kAsync, [&](Output& o) {
    put_vector_head(o, kMixed, 2);
    put_symbol_atom(o, ".u.end");
    put_date_atom(o, day);
  });
  for (auto& c : clients_)
    if (c->st == Client::St::Open && !c->subs.empty()) push(*c, b);
  day_ = std::max(day_, day + 1);
  if (log_) log_->open_day(day_);
}

// ---- clients

void Server::add_client(int fd, const std::string& peer) {
  if (open_clients_ >= o_.max_clients) {
    ::close(fd);
    int64_t now = now_ns();
    if (now - last_full_warn_ > kNsPerSec) {
      warn(str(peer, ": refused: ", o_.max_clients, " clients connected (--max-clients)"));
      last_full_warn_ = now;
    }
    return;
  }
  auto c = std::make_unique<Client>();
  c->fd = fd;
  c->peer = peer;
  c->opened = now_ns();
  ep_.add(fd, EPOLLIN, c.get());
  clients_.push_back(std::move(c));
  open_clients_++;
}

void Server::close_client(Client& c, const std::string& why) {
  if (c.st == Client::St::Done) return;
  if (!why.empty()) warn(str(c.peer, ": ", why));
  ::close(c.fd);  // (and out of the epoll set)
  c.fd = -1;
  c.st = Client::St::Done;
  c.q.clear();
  c.in.clear();
  c.in.shrink_to_fit();
  c.replies.clear();
  c.subs.clear();  // a disconnect ends its subscriptions
  open_clients_--;
  closed_any_ = true;
}

// What a client sent is read through one buffer of the server's: a client
// holds only the bytes of its unfinished message (a thousand idle clients
// hold nothing).
void Server::on_readable(Client& c) {
  size_t got = 0;
  scratch_.resize(kReadChunk);
  while (got < 4 * kReadChunk) {
    ssize_t n = ::read(c.fd, scratch_.data(), kReadChunk);
    if (n > 0) c.in.insert(c.in.end(), scratch_.data(), scratch_.data() + n);
    if (n == 0) return close_client(c, "");
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) break;
      return close_client(c, errno == ECONNRESET ? "" : std::strerror(errno));
    }
    got += static_cast<size_t>(n);
    if (c.st == Client::St::Handshake) handshake(c);
    if (c.st == Client::St::Open) take_messages(c);
    if (c.st == Client::St::Done || c.paused) return;
  }
}

// "user:password", a capability byte, 00; answered with one byte (the
// capability taken, at most 3) or refused by closing, as q does.
void Server::handshake(Client& c) {
  Login l;
  switch (parse_login(c.in.data(), c.in.size(), l)) {
    case LoginState::incomplete: return;
    case LoginState::too_long: return close_client(c, str("a handshake longer than ", kMaxLogin, " bytes; closed"));
    case LoginState::complete: break;
  }
  if (!o_.users.empty() && !allowed(o_.users, l.user, l.password))
    return close_client(c, str("credentials refused for user ", quoted(l.user)));
  uint8_t answer = std::min<uint8_t>(l.capability, 3);
  if (!send_now(c.fd, &answer, 1)) return close_client(c, "closed during the handshake");
  c.in.erase(c.in.begin(), c.in.begin() + static_cast<long>(l.length));
  c.in_offset = 0;
  c.st = Client::St::Open;
}

void Server::take_messages(Client& c) {
  size_t at = 0;
  while (c.st == Client::St::Open && !c.paused && c.in.size() - at >= kMsgHead) {
    MsgHeader h;
    if (std::string e = parse_msg_header(c.in.data() + at, h); !e.empty())
      return close_client(c, str("byte ", c.in_offset + at, ": ", e, "; closed"));
    if (h.length > o_.max_message)
      return close_client(c, str("byte ", c.in_offset + at, ": a message of ", h.length, " bytes (more than --max-message ",
                                 o_.max_message, "); closed"));
    if (c.in.size() - at < h.length) break;
    message(c, c.in.data() + at, h.length, c.in_offset + at);
    at += h.length;
    // Feeds wait while the journal's side is far behind.
    if (feed_ && feed_->backlog() > kFeedBacklog) c.paused = true;
  }
  if (c.st != Client::St::Open) return;
  c.in.erase(c.in.begin(), c.in.begin() + static_cast<long>(at));
  if (c.in.empty() && c.in.capacity() > kReadChunk) c.in.shrink_to_fit();  // (after a large message)
  c.in_offset += at;
  watch(c);
}

void Server::message(Client& c, const uint8_t* m, size_t len, uint64_t offset) {
  MsgHeader h;
  parse_msg_header(m, h);
  if (h.compressed) {
    if (std::string e = decompress(m, len, o_.max_message, unpacked_); !e.empty())
      return close_client(c, str("byte ", offset, ": ", e, "; closed"));
    m = unpacked_.data();
    len = unpacked_.size();
  }
  const uint8_t* obj = m + kMsgHead;
  size_t n = len - kMsgHead;
  Problem pr;
  size_t s = object_size(obj, n, pr);
  if (s != n) {
    std::string why = s ? str(n - s, " bytes after its object") : pr.torn ? "its object ends early" : pr.why;
    return close_client(c, str("byte ", offset, ": a malformed message (", why, "); closed"));
  }
  if (h.type == kResponse) return;  // (tick-q asks nothing)
  request(c, h.type, parse_request(obj, n));
  if (unpacked_.capacity() > (4u << 20)) std::vector<uint8_t>().swap(unpacked_);  // (after a large message)
}

void Server::request(Client& c, uint8_t type, const Request& r) {
  const bool sync = type == kSync;
  auto error = [&](const std::string& text) {
    if (sync) reply(c, 0, [this, text] { return answer(kResponse, [&](Output& o) { put_error(o, text); }); });
    else warn(str(c.peer, ": refused (async): '", text));
  };
  switch (r.kind) {
    case Request::Kind::subscribe: {
      if (!r.table.empty() && !std::any_of(tables().begin(), tables().end(), [&](const Table& t) { return t.name == r.table; }))
        return error(r.table);
      // The subscription starts when its answer goes: nothing of the
      // stream reaches the client before it, nothing after it is missed.
      reply(c, 0, [this, &c, r, sync]() -> Bytes {
        Bytes a = subscribe(c, r);
        return sync ? a : nullptr;
      });
      return;
    }
    case Request::Kind::position:
      if (sync) reply(c, 0, [this] {
          if (log_) log_->flush();
          return answer(kResponse, [&](Output& o) { put_position(o); });
        });
      return;
    case Request::Kind::nothing:
      if (sync) reply(c, 0, [this] { return answer(kResponse, [](Output& o) { put_null(o); }); });
      return;
    case Request::Kind::publish: {
      std::string e = publish(r);
      if (!e.empty()) return error(e);
      if (sync) reply(c, feed_->sent(), [this] { return answer(kResponse, [](Output& o) { put_null(o); }); });
      return;
    }
    case Request::Kind::refused: return error(r.error);
  }
}

void Server::reply(Client& c, uint64_t wait, std::function<Bytes()> make) {
  c.replies.push_back({wait, std::move(make)});
  release(c);
}

void Server::release(Client& c) {
  while (c.st == Client::St::Open && !c.replies.empty() &&
         (c.replies.front().wait == 0 || (feed_ && c.replies.front().wait <= feed_->acked()))) {
    auto make = std::move(c.replies.front().make);
    c.replies.pop_front();
    if (Bytes b = make()) push(c, b);
  }
  if (c.st == Client::St::Open && !c.q.empty()) write_out(c);
}

// .u.sub[t;syms]: the table's (or every table's) subscription replaced,
// answered (`t;empty table) or a list of them; r.q's form adds (i;L).
Bytes Server::subscribe(Client& c, const Request& r) {
  std::vector<const Table*> ts;
  for (const auto& t : tables())
    if (r.table.empty() || t.name == r.table) ts.push_back(&t);
  for (const Table* t : ts) {
    Sub s;
    s.all = r.all_syms;
    s.names.insert(r.syms.begin(), r.syms.end());
    c.subs[t->name] = std::move(s);
  }
  if (log_) log_->flush();
  return answer(kResponse, [&](Output& o) {
    if (r.with_log) put_vector_head(o, kMixed, 2);
    auto pair = [&](const Table& t) {
      put_vector_head(o, kMixed, 2);
      put_symbol_atom(o, t.name);
      put_empty_table(o, t);
    };
    if (r.table.empty()) {
      put_vector_head(o, kMixed, static_cast<uint32_t>(ts.size()));
      for (const Table* t : ts) pair(*t);
    } else {
      pair(*ts[0]);
    }
    if (r.with_log) put_position(o);
  });
}

// `.u `i`L: the journal's messages so far and its file, or (0N;`) without
// one (the journal flushed before).
void Server::put_position(Output& o) {
  put_vector_head(o, kMixed, 2);
  if (log_ && log_->open()) {
    put_long_atom(o, static_cast<int64_t>(log_->messages()));
    put_symbol_atom(o, log_->file_symbol());
  } else {
    put_long_atom(o, kNullLong);
    put_symbol_atom(o, "");
  }
}

void Server::push(Client& c, const Bytes& b) {
  c.q.push_shared(b, 0, b->size());
  if (c.q.queued() > o_.max_queue)
    close_client(c, str("cut off: ", c.q.queued(), " bytes queued for it (more than --max-queue ", o_.max_queue, ")"));
}

void Server::write_out(Client& c) {
  uint64_t sent = 0;
  if (!c.q.write_to(c.fd, sent)) return close_client(c, std::strerror(errno));
  watch(c);
}

void Server::watch(Client& c) {
  if (c.st == Client::St::Done) return;
  bool out = !c.q.empty(), in = !c.paused;
  if (out != c.watch_out || in != c.watch_in) {
    ep_.modify(c.fd, (in ? EPOLLIN : 0u) | (out ? EPOLLOUT : 0u), &c);
    c.watch_out = out;
    c.watch_in = in;
  }
}

// ---- feeds

// .u.upd[t;x]: the rows checked against the schema and sent to the
// journal; an empty string, or what is wrong (nothing of it sent). Feeds
// wait (their connections are not read) while the journal's side is far
// behind.
std::string Server::publish(const Request& r) {
  if (o_.feed_to.empty()) return "tick-q takes no feeds: start it with --feed-to ADDR";
  if (!feed_) {
    auto schema = o_.schema;
    if (!schema) {
      auto s = std::make_shared<Schema>();
      for (const auto& t : live_.tables()) s->add(t);
      schema = s;
    }
    feed_ = std::make_unique<FeedLink>(o_.feed_to, schema, ep_, &feed_tag_, &event_tag_);
  }
  return feed_->publish(r.table, r.data, now_ns());
}

// Room in the feed's pipe: clients that waited for it go on.
void Server::feed_room() {
  feed_->on_room();
  if (feed_->backlog() > kFeedBacklog / 2) return;
  for (auto& c : clients_)
    if (c->paused && c->st == Client::St::Open) {
      c->paused = false;
      take_messages(*c);
    }
}

// The journal acknowledged more: sync publishes waiting for it are answered.
void Server::feed_news() {
  feed_->on_news();
  for (auto& c : clients_)
    if (c->st == Client::St::Open && !c->replies.empty()) release(*c);
}

// ---- the loop

void Server::timeouts(int64_t now) {
  const int64_t limit = static_cast<int64_t>(o_.handshake_secs * kNsPerSec);
  for (auto& c : clients_)
    if (c->st == Client::St::Handshake && now - c->opened > limit)
      close_client(*c, str("no handshake in ", duration_text(limit), "; closed"));
}

void Server::run() {
  acc_ = std::make_unique<Acceptor>(o_.listen, o_.unix_mode);
  if (o_.on_listening) o_.on_listening(acc_->bound());
  if (!o_.kdb_log.empty()) {
    // tick.q opens today's log as it starts; the stream's header may name
    // another day.
    log_ = std::make_unique<KdbLog>(o_.kdb_log, o_.kdb_log_name);
    past_log_ = std::make_unique<KdbLog>(o_.kdb_log, o_.kdb_log_name);
  }
  day_ = day_of(now_ns());
  if (log_) log_->open_day(day_);
  const bool input_watched = ep_.add(0, EPOLLIN, &input_tag_);
  while (!stop_requested() && !in_eof_) {
    if (closed_any_) {
      clients_.erase(std::remove_if(clients_.begin(), clients_.end(),
                                    [](auto& c) { return c->st == Client::St::Done; }),
                     clients_.end());
      closed_any_ = false;
    }
    int64_t now = now_ns();
    // (connections wait in the backlog until a schema is known)
    acc_->watch(ep_, ready() && !in_eof_, now);
    int timeout = 200;
    int paused = acc_->wait_ms(now);
    if (paused >= 0) timeout = std::min(timeout, paused);
    if (!input_watched) timeout = 0;
    auto ready = ep_.wait(timeout);
    bool input_ready = !input_watched;
    for (const auto& e : ready) input_ready |= e.data.ptr == &input_tag_;
    if (input_ready) read_input();
    now = now_ns();
    for (const auto& e : ready) {
      void* tag = e.data.ptr;
      if (tag == &input_tag_) continue;
      if (tag == &feed_tag_) {
        feed_room();
        continue;
      }
      if (tag == &event_tag_) {
        feed_news();
        continue;
      }
      if (acc_->accept_tagged(tag, now, [this](int fd, const std::string& peer) { add_client(fd, peer); })) continue;
      Client& c = *static_cast<Client*>(tag);
      if (c.st == Client::St::Done) continue;
      if (e.events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(c);
      if (c.st != Client::St::Done && (e.events & EPOLLOUT)) write_out(c);
    }
    timeouts(now);
  }
  acc_->close();
  if (log_) log_->close();
  // q clients see the connection close, as when tick.q exits.
  for (auto& c : clients_) {
    uint64_t sent;
    if (c->st == Client::St::Open && !c->q.empty()) c->q.write_to(c->fd, sent);
    close_client(*c, "");
  }
  if (feed_) feed_->finish(o_.feed_linger_secs);
}

}  // namespace

void serve_q(Input& in, const QOptions& o) {
  Server s(in, o);
  s.run();
}

}  // namespace tick
