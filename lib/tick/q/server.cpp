#include "tick/q/server.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_set>

#include "tick/base/clock.h"
#include "tick/base/diag.h"
#include "tick/base/error.h"
#include "tick/base/files.h"
#include "tick/base/signals.h"
#include "tick/base/units.h"
#include "tick/journal/maintenance.h"
#include "tick/kdb/ipc.h"
#include "tick/kdb/journal.h"
#include "tick/net/publisher.h"
#include "tick/net/send_queue.h"
#include "tick/stream/reader.h"

namespace tick {

std::map<std::string, std::string> load_users(const std::string& path) {
  std::map<std::string, std::string> users;
  std::string text = read_file(path);
  size_t at = 0;
  for (int line = 1; at < text.size(); line++) {
    size_t e = text.find('\n', at);
    std::string l = text.substr(at, e == std::string::npos ? std::string::npos : e - at);
    at = e == std::string::npos ? text.size() : e + 1;
    while (!l.empty() && (l.back() == '\r' || l.back() == ' ')) l.pop_back();
    if (l.empty() || l[0] == '#') continue;
    size_t c = l.find(':');
    if (c == std::string::npos || c == 0) fail(path, ":", line, ": not user:password");
    users[l.substr(0, c)] = l.substr(c + 1);
  }
  if (users.empty()) fail(path, ": no user:password lines");
  return users;
}

namespace {

using Bytes = SendQueue::Bytes;
using namespace kdb;

constexpr size_t kMaxHandshake = 1024;
constexpr size_t kReadChunk = 256 << 10;
constexpr size_t kFeedBacklog = 64u << 20;  // feed bytes not yet in the pipe, before clients wait

// The tick.q journal tick-q writes: DIR/NAMEyyyy.mm.dd, one message per
// data record, and beside it .NAMEyyyy.mm.dd.seqs: each message's stream
// sequence number, written before the message, so that a restarted tick-q
// fed the day again from its start knows what the file holds already.
class KdbLog {
 public:
  KdbLog(std::string dir, std::string name) : dir_(std::move(dir)), name_(std::move(name)) { make_dirs(dir_); }
  ~KdbLog() { close(); }

  void open_day(int32_t day) {
    if (jfd_ >= 0 && day == day_) return;
    close();
    day_ = day;
    char d[16];
    size_t n = format_date_q(d, day);
    path_ = join_path(dir_, name_ + std::string(d, n));
    seqs_path_ = join_path(dir_, "." + name_ + std::string(d, n) + ".seqs");
    messages_ = 0;
    last_ = 0;
    bool fresh = !path_exists(path_);
    if (!fresh) recover();
    jfd_ = open_or_fail(path_, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC);
    sfd_ = open_or_fail(seqs_path_, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC);
    jout_ = std::make_unique<Output>(jfd_, 1 << 20);
    sout_ = std::make_unique<Output>(sfd_, 64 << 10);
    writer_ = std::make_unique<JournalWriter>(*jout_, !fresh);
    if (fresh) {
      writer_->finish();  // tick.q creates the day's log at once
      jout_->flush();
    }
  }

  // A data record, unless the file holds it already (restarted): then
  // false.
  bool write(const DataView& v, const SymbolTable& syms) {
    if (jfd_ < 0) return true;
    if (v.seq && v.seq <= last_) return false;
    store64(sout_->reserve(8), v.seq);
    sout_->commit(8);
    writer_->data(v, syms, nullptr, v.rows);
    messages_++;
    if (v.seq) last_ = v.seq;
    return true;
  }

  // The sequence numbers first: a message is never on file without its own.
  void flush() {
    if (jfd_ < 0) return;
    sout_->flush();
    jout_->flush();
  }

  void close() {
    if (jfd_ < 0) return;
    flush();
    writer_.reset();
    jout_.reset();
    sout_.reset();
    ::close(jfd_);
    ::close(sfd_);
    jfd_ = sfd_ = -1;
  }

  bool open() const { return jfd_ >= 0; }
  uint64_t messages() const { return messages_; }
  // The file symbol r.q replays (`:/abs/path).
  std::string file_symbol() const {
    std::string p = path_;
    if (!p.empty() && p[0] != '/') {
      char cwd[4096];
      if (::getcwd(cwd, sizeof cwd)) p = join_path(cwd, p);
    }
    return ":" + p;
  }

 private:
  // A file tick-q wrote before: its torn tail cut (kept in FILE.bad), its
  // messages counted, and the last stream sequence number they hold.
  void recover() {
    Check c = check_kdb_journal(path_, true);
    if (!c.sound)
      warn(str(path_, ": ", c.why, " at byte ", c.valid_bytes, ": cut to ", c.messages, " messages (the rest kept in ",
               path_, ".bad)"));
    messages_ = c.messages;
    std::string s = path_exists(seqs_path_) ? read_file(seqs_path_) : std::string();
    uint64_t have = s.size() / 8;
    if (have < messages_) {
      warn(str(seqs_path_, ": ", have, " sequence numbers for ", messages_,
               " messages: records are not matched to what the journal holds"));
    }
    uint64_t keep = std::min(have, messages_);
    last_ = keep ? load64(reinterpret_cast<const uint8_t*>(s.data()) + 8 * (keep - 1)) : 0;
    if (have != keep || s.size() % 8) {
      int fd = open_or_fail(seqs_path_, O_WRONLY | O_CLOEXEC);
      if (::ftruncate(fd, static_cast<off_t>(keep * 8)) != 0) fail(seqs_path_, ": truncate: ", std::strerror(errno));
      ::close(fd);
    }
  }

  std::string dir_, name_, path_, seqs_path_;
  int32_t day_ = kNoDate;
  int jfd_ = -1, sfd_ = -1;
  std::unique_ptr<Output> jout_, sout_;
  std::unique_ptr<JournalWriter> writer_;
  uint64_t messages_ = 0, last_ = 0;
};

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
  void on_record(const Record& r, Decoder::Kind k);
  void on_data();
  void end_of_day(int32_t day);
  void add_client(int fd, const std::string& peer);
  void close_client(Client& c, const std::string& why);
  void on_readable(Client& c);
  void handshake(Client& c);
  void take_messages(Client& c);
  void message(Client& c, const uint8_t* m, size_t len);
  void request(Client& c, uint8_t type, const Request& r);
  void reply(Client& c, uint64_t wait, std::function<Bytes()> make);
  void release(Client& c);
  void push(Client& c, const Bytes& b);
  void write_out(Client& c);
  void watch(Client& c);
  Bytes subscribe(Client& c, const Request& r);
  Bytes position();
  void put_position(Output& o);
  std::string publish(const Request& r);
  Bytes answer(uint8_t type, const std::function<void(Output&)>& put);
  void start_feed();
  void write_feed();
  void feed_events();
  void finish_feed();
  void watch_listeners(int64_t now);
  void timeouts(int64_t now);

  Input& in_;
  const QOptions& o_;
  RecordReader rr_;
  Decoder live_;
  Epoll ep_;
  std::unique_ptr<Acceptor> acc_;
  std::vector<char> listen_tags_;
  char input_tag_ = 0, feed_tag_ = 0, event_tag_ = 0;
  bool listening_ = false, in_eof_ = false, closed_any_ = false;
  std::vector<std::unique_ptr<Client>> clients_;
  size_t open_clients_ = 0;
  int64_t last_full_warn_ = 0;
  std::unique_ptr<KdbLog> log_, past_log_;
  int32_t day_ = kNoDate;  // the day served: today's at the start, then the stream's
  bool past_ = false;      // the stream is in a day before it
  Message msg_;
  std::vector<uint32_t> sel_;
  // Feeds: records for the tick-log --listen go through a pipe to a
  // thread running the publisher (its acknowledgements come back as
  // counts, signalled on an eventfd).
  std::unique_ptr<UpdateEncoder> enc_;
  std::vector<uint8_t> feed_buf_;
  size_t feed_off_ = 0;
  std::unique_ptr<Output> feed_out_;
  int feed_w_ = -1, event_fd_ = -1;
  bool feed_watch_ = false;
  uint64_t feed_records_ = 0;
  std::thread feeder_;
  std::atomic<uint64_t> acked_{0};
  std::atomic<bool> feeder_done_{false}, quit_{false};
  std::mutex feed_mu_;
  std::string feed_error_;
  std::vector<uint8_t> stamped_, unpacked_;
};

Server::~Server() {
  if (feeder_.joinable()) {
    quit_ = true;
    feeder_.join();
  }
  for (auto& c : clients_)
    if (c->fd >= 0) ::close(c->fd);
  if (feed_w_ >= 0) ::close(feed_w_);
  if (event_fd_ >= 0) ::close(event_fd_);
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
  while (record_buffered(in_, in_eof_) && read_applied(rr_, live_, r, k)) on_record(r, k);
  if (log_) log_->flush();
  for (auto& c : clients_)
    if (c->st == Client::St::Open && !c->q.empty()) write_out(*c);
}

void Server::on_record(const Record& r, Decoder::Kind k) {
  (void)r;
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

void Server::on_readable(Client& c) {
  size_t got = 0;
  while (got < 4 * kReadChunk) {
    size_t at = c.in.size();
    c.in.resize(at + kReadChunk);
    ssize_t n = ::read(c.fd, c.in.data() + at, kReadChunk);
    c.in.resize(at + std::max<ssize_t>(n, 0));
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
  auto nul = std::find(c.in.begin(), c.in.end(), uint8_t{0});
  if (nul == c.in.end()) {
    if (c.in.size() > kMaxHandshake) close_client(c, str("a handshake longer than ", kMaxHandshake, " bytes; closed"));
    return;
  }
  std::string cred(c.in.begin(), nul);
  uint8_t cap = 0;
  if (!cred.empty() && static_cast<uint8_t>(cred.back()) < 0x20) {
    cap = static_cast<uint8_t>(cred.back());
    cred.pop_back();
  }
  size_t used = static_cast<size_t>(nul - c.in.begin()) + 1;
  if (!o_.users.empty()) {
    size_t colon = cred.find(':');
    std::string user = cred.substr(0, colon);
    auto it = o_.users.find(user);
    if (colon == std::string::npos || it == o_.users.end() || it->second != cred.substr(colon + 1))
      return close_client(c, str("credentials refused for user ", quoted(user)));
  }
  uint8_t answer = std::min<uint8_t>(cap, 3);
  if (!send_now(c.fd, &answer, 1)) return close_client(c, "closed during the handshake");
  c.in.erase(c.in.begin(), c.in.begin() + static_cast<long>(used));
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
    message(c, c.in.data() + at, h.length);
    at += h.length;
    // Feeds wait while the journal's side is far behind.
    if (feed_buf_.size() - feed_off_ > kFeedBacklog) c.paused = true;
  }
  if (c.st != Client::St::Open) return;
  c.in.erase(c.in.begin(), c.in.begin() + static_cast<long>(at));
  c.in_offset += at;
  watch(c);
}

void Server::message(Client& c, const uint8_t* m, size_t len) {
  MsgHeader h;
  parse_msg_header(m, h);
  if (h.compressed) {
    if (std::string e = decompress(m, len, o_.max_message, unpacked_); !e.empty())
      return close_client(c, str("byte ", c.in_offset, ": ", e, "; closed"));
    m = unpacked_.data();
    len = unpacked_.size();
  }
  const uint8_t* obj = m + kMsgHead;
  size_t n = len - kMsgHead;
  Problem pr;
  size_t s = object_size(obj, n, pr);
  if (s != n) {
    std::string why = s ? str(n - s, " bytes after its object") : pr.torn ? "its object ends early" : pr.why;
    return close_client(c, str("a malformed message (", why, "); closed"));
  }
  if (h.type == kResponse) return;  // (tick-q asks nothing)
  request(c, h.type, parse_request(obj, n));
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
      if (sync) reply(c, 0, [this] { return position(); });
      return;
    case Request::Kind::nothing:
      if (sync) reply(c, 0, [this] { return answer(kResponse, [](Output& o) { put_null(o); }); });
      return;
    case Request::Kind::publish: {
      std::string e = publish(r);
      if (!e.empty()) return error(e);
      if (sync) reply(c, feed_records_, [this] { return answer(kResponse, [](Output& o) { put_null(o); }); });
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
  while (c.st == Client::St::Open && !c.replies.empty() && c.replies.front().wait <= acked_.load()) {
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

Bytes Server::position() {
  if (log_) log_->flush();
  return answer(kResponse, [&](Output& o) { put_position(o); });
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
// journal; an empty string, or what is wrong (nothing of it sent).
std::string Server::publish(const Request& r) {
  if (o_.feed_to.empty()) return "tick-q takes no feeds: start it with --feed-to ADDR";
  if (!enc_) start_feed();
  const Table* t = enc_->schema().find(r.table);
  if (!t) return r.table;
  Problem pr;
  size_t n = object_size(r.data, SIZE_MAX / 2, pr);
  const uint8_t* x = r.data;
  if (stamp_time(*t, x, n, now_ns(), stamped_)) x = stamped_.data();
  std::string e = enc_->encode(r.table, x, 0);
  if (!e.empty()) return e;
  feed_records_++;
  feed_out_->flush();
  write_feed();
  return {};
}

void Server::start_feed() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) fail("pipe: ", std::strerror(errno));
  grow_pipe(p[1]);
  set_nonblocking(p[1]);
  feed_w_ = p[1];
  event_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (event_fd_ < 0) fail("eventfd: ", std::strerror(errno));
  ep_.add(event_fd_, EPOLLIN, &event_tag_);
  feed_out_ = std::make_unique<Output>([this](const uint8_t* b, size_t n) { feed_buf_.insert(feed_buf_.end(), b, b + n); },
                                       1 << 20);
  auto schema = o_.schema;
  if (!schema) {
    auto s = std::make_shared<Schema>();
    for (const auto& t : live_.tables()) s->add(t);
    schema = s;
  }
  enc_ = std::make_unique<UpdateEncoder>(schema, *feed_out_);
  enc_->begin(kNoDate);
  const int rfd = p[0];
  feeder_ = std::thread([this, rfd] {
    try {
      auto in = Input::from_fd(rfd, "tick-q's feeds", false);
      FeedOptions fo;
      fo.address = o_.feed_to;
      fo.input_fd = rfd;
      fo.quit = &quit_;
      fo.on_ack = [this](uint64_t upto) {
        acked_ = upto;
        uint64_t one = 1;
        [[maybe_unused]] ssize_t w = ::write(event_fd_, &one, 8);
      };
      feed_journal(*in, fo);
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> l(feed_mu_);
      feed_error_ = e.what();
    }
    ::close(rfd);
    feeder_done_ = true;
    uint64_t one = 1;
    [[maybe_unused]] ssize_t w = ::write(event_fd_, &one, 8);
  });
}

void Server::write_feed() {
  while (feed_off_ < feed_buf_.size()) {
    ssize_t n = ::write(feed_w_, feed_buf_.data() + feed_off_, feed_buf_.size() - feed_off_);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      fail("feeding ", o_.feed_to, ": ", std::strerror(errno));
    }
    feed_off_ += static_cast<size_t>(n);
  }
  if (feed_off_ == feed_buf_.size()) {
    feed_buf_.clear();
    feed_off_ = 0;
  } else if (feed_off_ > (16u << 20)) {
    feed_buf_.erase(feed_buf_.begin(), feed_buf_.begin() + static_cast<long>(feed_off_));
    feed_off_ = 0;
  }
  bool want = feed_off_ < feed_buf_.size();
  if (want != feed_watch_) {
    if (want) ep_.add(feed_w_, EPOLLOUT, &feed_tag_);
    else ep_.remove(feed_w_);
    feed_watch_ = want;
  }
  // Clients that waited for the feed's room go on.
  if (feed_buf_.size() - feed_off_ <= kFeedBacklog / 2)
    for (auto& c : clients_)
      if (c->paused && c->st == Client::St::Open) {
        c->paused = false;
        take_messages(*c);
      }
}

void Server::feed_events() {
  uint64_t v;
  [[maybe_unused]] ssize_t r = ::read(event_fd_, &v, 8);
  {
    std::lock_guard<std::mutex> l(feed_mu_);
    if (!feed_error_.empty()) fail("--feed-to ", o_.feed_to, ": ", feed_error_);
  }
  for (auto& c : clients_)
    if (c->st == Client::St::Open && !c->replies.empty()) release(*c);
}

// The input has ended: what feeds sent goes to the journal, waited for a
// while.
void Server::finish_feed() {
  if (!enc_) return;
  set_blocking(feed_w_);
  if (feed_off_ < feed_buf_.size()) write_all(feed_w_, feed_buf_.data() + feed_off_, feed_buf_.size() - feed_off_);
  ::close(feed_w_);
  feed_w_ = -1;
  int64_t until = now_ns() + static_cast<int64_t>(o_.feed_linger_secs * kNsPerSec);
  while (!feeder_done_ && now_ns() < until && !stop_requested()) ::usleep(10'000);
  quit_ = true;
  feeder_.join();
  if (acked_ < feed_records_)
    warn(str(feed_records_ - acked_, " records from q feeds were not acknowledged by ", o_.feed_to));
  std::lock_guard<std::mutex> l(feed_mu_);
  if (!feed_error_.empty()) fail("--feed-to ", o_.feed_to, ": ", feed_error_);
}

// ---- the loop

void Server::watch_listeners(int64_t now) {
  bool want = ready() && !in_eof_ && acc_->accepting(now);
  if (want == listening_) return;
  const auto& fds = acc_->fds();
  for (size_t i = 0; i < fds.size(); i++) {
    if (want) ep_.add(fds[i], EPOLLIN, &listen_tags_[i]);
    else ep_.remove(fds[i]);
  }
  listening_ = want;
}

void Server::timeouts(int64_t now) {
  const int64_t limit = static_cast<int64_t>(o_.handshake_secs * kNsPerSec);
  for (auto& c : clients_)
    if (c->st == Client::St::Handshake && now - c->opened > limit)
      close_client(*c, str("no handshake in ", duration_text(limit), "; closed"));
}

void Server::run() {
  acc_ = std::make_unique<Acceptor>(o_.listen, o_.unix_mode);
  if (o_.on_listening) o_.on_listening(acc_->bound());
  listen_tags_.resize(acc_->fds().size());
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
    watch_listeners(now);
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
        write_feed();
        continue;
      }
      if (tag == &event_tag_) {
        feed_events();
        continue;
      }
      if (!listen_tags_.empty() && tag >= &listen_tags_.front() && tag <= &listen_tags_.back()) {
        size_t i = static_cast<size_t>(static_cast<char*>(tag) - listen_tags_.data());
        if (listening_ && i < acc_->fds().size())
          acc_->accept_on(i, now, [this](int fd, const std::string& peer) { add_client(fd, peer); });
        continue;
      }
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
  finish_feed();
}

}  // namespace

void serve_q(Input& in, const QOptions& o) {
  Server s(in, o);
  s.run();
}

}  // namespace tick
