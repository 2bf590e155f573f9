#include "tick/ws/server.h"

#include "tick/ws/dashboard.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <libwebsockets.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <list>
#include <thread>
#include <unordered_set>

#include "tick/clock.h"
#include "tick/diag.h"
#include "tick/error.h"
#include "tick/io.h"
#include "tick/net.h"
#include "tick/reader.h"
#include "tick/signals.h"
#include "tick/text_out.h"
#include "tick/units.h"

namespace tick::ws {

namespace {

// Records read from stdin by a thread of their own, handed to the service
// loop in batches (the loop is woken with lws_cancel_service). Shared with
// that thread, which a blocking read keeps past the server's end: once
// closed, nothing it brings is kept and the loop is never woken again.
class Inbox {
 public:
  static constexpr size_t kMaxBytes = 4u << 20;  // the reader waits past this
  void set_wake(lws_context* ctx) {
    std::lock_guard<std::mutex> l(m_);
    ctx_ = ctx;
  }
  // Adds a record, waking the service loop when the batch was empty or has
  // grown by another MiB since it was last woken.
  void put(const uint8_t* p, size_t n) {
    std::unique_lock<std::mutex> l(m_);
    room_.wait(l, [&] { return bytes_.size() < kMaxBytes || closed_; });
    if (closed_) return;
    bool wake = bytes_.empty() || bytes_.size() >= woke_at_ + (1u << 20);
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
    room_.wait(l, [&] { return wakers_ == 0; });
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
  int wakers_ = 0;
  std::mutex m_;
  std::condition_variable room_;
  std::vector<uint8_t> bytes_;
  bool ended_ = false, closed_ = false;
  size_t woke_at_ = 0;
  std::string why_;
  lws_context* ctx_ = nullptr;
};

struct Server;

struct Client : Conn {
  lws* wsi = nullptr;
  std::string rx;
  bool closing = false;  // closed at the next writable (lws may still deliver what it has read)
  bool deflate = false;  // asked for permessage-deflate: its messages go through lws's framing
  // The message lws is compressing: its deflate stream reads the message
  // where it is, and a large one over several writables (lws drains it
  // before the next writable it hands us), so it is kept until then.
  Message deflating;
  void want_write() override { lws_callback_on_writable(wsi); }
};

// Per HTTP transaction or WebSocket connection.
struct Session {
  Client* client;  // WebSocket
  std::string* body;  // HTTP: the response body still to write
  size_t sent;
  QueryStream* query;  // HTTP: /api/query's answer, streaming
  bool answering;      // HTTP: its status and headers are sent
};

// The query action of a WebSocket client: its result gathered, then sent
// as one message.
struct PendingQuery {
  Client* client;
  std::string id, rows;
  std::unique_ptr<QueryStream> stream;
};

// What one write to a client holds at most when it has a backlog.
constexpr size_t kFramesBatch = 256 << 10;
constexpr size_t kCoalesceBelow = 16 << 10;  // bytes: messages framed into a batch

// A server's text frame (not masked, final) holding a message (which has
// LWS_PRE bytes of headroom before its text), appended to out.
void put_text_frame(std::string& out, const std::string& m) {
  size_t n = m.size() - LWS_PRE;
  out += static_cast<char>(0x81);
  if (n < 126) {
    out += static_cast<char>(n);
  } else if (n < 65536) {
    out += static_cast<char>(126);
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n & 0xff);
  } else {
    out += static_cast<char>(127);
    for (int i = 7; i >= 0; i--) out += static_cast<char>((static_cast<uint64_t>(n) >> (8 * i)) & 0xff);
  }
  out.append(m, LWS_PRE, n);
}

struct Server {
  const ServerOptions& o;
  Hub hub;
  std::shared_ptr<Inbox> inbox = std::make_shared<Inbox>();
  Decoder dec;
  std::string frames;  // a backlog's frames, written at once
  std::vector<uint8_t> batch;
  uint64_t offset = 0;
  bool input_ended = false;
  int status = 0;
  lws_context* ctx = nullptr;
  lws_sorted_usec_list_t sul{};
  std::unordered_set<lws*> http_queries;
  std::list<PendingQuery> ws_queries;
  Server(const ServerOptions& opt, HubOptions h) : o(opt), hub(h) {}
};

Server* g_server = nullptr;

std::string header(lws* wsi, lws_token_indexes h) {
  int n = lws_hdr_total_length(wsi, h);
  if (n <= 0) return {};
  std::string s(static_cast<size_t>(n) + 1, '\0');
  lws_hdr_copy(wsi, s.data(), n + 1, h);
  s.resize(static_cast<size_t>(n));
  return s;
}

std::string urlarg(lws* wsi, const char* name) {
  char buf[1024];
  const char* v = lws_get_urlarg_by_name(wsi, name, buf, sizeof buf);
  return v ? std::string(v) : std::string();
}

std::string peer_of(lws* wsi) {
  char buf[128];
  lws_get_peer_simple(wsi, buf, sizeof buf);
  return buf;
}

// The token, from "?token=" or "Authorization: Bearer".
bool authorised(lws* wsi, const ServerOptions& o) {
  if (o.token.empty()) return true;
  if (urlarg(wsi, "token=") == o.token) return true;
  std::string a = header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
  return a == "Bearer " + o.token;
}

bool origin_allowed(lws* wsi, const ServerOptions& o) {
  if (o.origins.empty()) return true;
  std::string origin = header(wsi, WSI_TOKEN_ORIGIN);
  if (origin.empty()) return true;  // not a browser: the token decides
  for (const auto& a : o.origins)
    if (a == origin) return true;
  return false;
}

// Applies what the reader thread has brought.
void drain_inbox(Server& s) {
  std::string why;
  bool ended = s.inbox->take(s.batch, why);
  size_t at = 0;
  while (at + kHeaderSize <= s.batch.size()) {
    Record r;
    parse_header(s.batch.data() + at, r.h);
    r.bytes = s.batch.data() + at;
    r.offset = s.offset;
    try {
      s.hub.record(s.dec, s.dec.apply(r));
    } catch (const Error& e) {
      warn(str("stdin:", r.offset, ": ", e.what()));
      s.status = 1;
      ended = true;
      break;
    }
    at += r.size();
    s.offset += r.size();
  }
  s.hub.flush();
  if (!why.empty()) {
    warn(why);
    s.status = 1;
  }
  if (ended && !s.input_ended) {
    s.input_ended = true;
    s.hub.end_of_stream();
  }
}

int respond(lws* wsi, Session* ss, unsigned status, const char* type, std::string body) {
  uint8_t buf[LWS_PRE + 1024];
  uint8_t *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
  if (lws_add_http_common_headers(wsi, status, type, body.size(), &p, end)) return 1;
  if (lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char*>("cache-control:"),
                                  reinterpret_cast<const unsigned char*>("no-store"), 8, &p, end))
    return 1;
  if (lws_finalize_write_http_header(wsi, start, &p, end)) return 1;
  ss->body = new std::string(std::string(LWS_PRE, '\0') + body);
  ss->sent = 0;
  lws_callback_on_writable(wsi);
  return 0;
}

std::string json_error(const std::string& why) {
  std::string out = "{\"error\":\"";
  json_escape(out, why);
  return out + "\"}";
}

// WebSocket queries: what has come of each; a finished one is sent once
// its client's queue has room (a client that does not read holds at most
// kQueriesPerClient answers, each within kMaxResultBytes); one that makes
// no progress for --query-timeout is abandoned.
void serve_ws_queries(Server& s, int64_t now) {
  const int64_t timeout = static_cast<int64_t>(s.o.query_timeout * 1e9);
  for (auto it = s.ws_queries.begin(); it != s.ws_queries.end();) {
    bool done = false;
    it->stream->take(it->rows, kMaxResultBytes + 1 - std::min(it->rows.size(), kMaxResultBytes), done);
    std::string err;
    if (it->rows.size() > kMaxResultBytes)
      err = str("the result passes ", size_text(kMaxResultBytes),
                ": narrow the query (syms, from, to, limit), or use /api/query, which streams");
    else if (!done && it->stream->stalled_ns(now) > timeout)
      err = str("no progress for ", duration_text(timeout), " (the history's storage does not answer?): abandoned");
    else if (done)
      err = it->stream->error();
    if (!err.empty()) {
      warn(str(it->client->peer, ": query: ", err));
      s.hub.fail(*it->client, it->id, "query: " + err);
      it = s.ws_queries.erase(it);
      continue;
    }
    if (!done || it->client->queued() >= s.o.hub.max_queue) {
      ++it;
      continue;
    }
    std::string body = "{\"type\":\"result\"";
    if (!it->id.empty()) body += ",\"id\":" + it->id;
    body += ",\"rows\":" + it->rows + "}";
    s.hub.reply(*it->client, body);
    it = s.ws_queries.erase(it);
  }
}

// A new query, or why not: the queries running in all (with reads that
// were abandoned and have not returned) are bounded.
std::string busy(const Server& s) {
  if (QueryStream::running() < s.o.max_queries) return "";
  return str("busy: ", QueryStream::running(), " history queries are running (--max-queries ", s.o.max_queries,
             "); try again");
}

int start_query(lws* wsi, Session* ss) {
  Server& s = *g_server;
  Query q;
  std::string why;
  if (!parse_query([&](const char* name) { return urlarg(wsi, (std::string(name) + "=").c_str()); }, s.o.history,
                   s.o.max_rows, q, why))
    return respond(wsi, ss, 400, "application/json", json_error(why));
  if (!s.hub.has_table(q.table))
    return respond(wsi, ss, 400, "application/json", json_error("table: unknown table \"" + q.table + "\""));
  if (std::string b = busy(s); !b.empty()) return respond(wsi, ss, 503, "application/json", json_error(b));
  // The status waits for the query's first row or its end: an error found
  // before it (a day with no data is an empty answer, not an error) is
  // answered as one.
  lws_context* ctx = s.ctx;
  ss->query = new QueryStream(q, s.o.history, [ctx] { lws_cancel_service(ctx); });
  ss->answering = false;
  s.http_queries.insert(wsi);
  lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);  // (--query-timeout decides, not lws's 5 s for an answer to begin)
  return 0;
}

// The client of an answer still to come has closed its side. (lws, while
// it waits for the answer, keeps asking to write instead of closing.)
bool peer_gone(lws* wsi) {
  char c;
  return ::recv(lws_get_socket_fd(wsi), &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

// The answer's status and headers, once the query has started.
int begin_answer(lws* wsi, Session* ss) {
  const bool csv = urlarg(wsi, "format=") == "csv";
  uint8_t buf[LWS_PRE + 512];
  uint8_t *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
  // (no length: the answer streams, and its end closes the connection)
  if (lws_add_http_common_headers(wsi, 200, csv ? "text/csv" : "application/json", LWS_ILLEGAL_HTTP_CONTENT_LEN, &p,
                                  end) ||
      lws_finalize_write_http_header(wsi, start, &p, end))
    return 1;
  ss->answering = true;
  return 0;
}

void end_query(lws* wsi, Session* ss) {
  if (!ss || !ss->query) return;
  g_server->http_queries.erase(wsi);
  delete ss->query;  // (stops and joins its thread)
  ss->query = nullptr;
}

int on_http(lws* wsi, Session* ss, const char* uri) {
  Server& s = *g_server;
  if (!authorised(wsi, s.o)) return respond(wsi, ss, 401, "application/json", json_error("a token is required"));
  if (!origin_allowed(wsi, s.o)) return respond(wsi, ss, 403, "application/json", json_error("origin refused"));
  std::string path = uri;
  if (path == "/" || path == "/index.html") return respond(wsi, ss, 200, "text/html; charset=utf-8", std::string(dashboard_html()));
  if (path == "/api/tables") return respond(wsi, ss, 200, "application/json", s.hub.tables_json());
  if (path == "/api/query") return start_query(wsi, ss);
  if (path == "/api/last") {
    std::string table = urlarg(wsi, "table=");
    if (table.empty()) return respond(wsi, ss, 400, "application/json", json_error("table: a table is required"));
    std::string out;
    if (!s.hub.last_json(table, urlarg(wsi, "syms="), out))
      return respond(wsi, ss, 400, "application/json", json_error("table: " + out));
    return respond(wsi, ss, 200, "application/json", out);
  }
  return respond(wsi, ss, 404, "application/json", json_error("no such route: " + path));
}

int callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
  Server& s = *g_server;
  auto* ss = static_cast<Session*>(user);
  switch (reason) {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
      drain_inbox(s);
      for (lws* q : s.http_queries) lws_callback_on_writable(q);
      serve_ws_queries(s, now_ns());
      return 0;
    case LWS_CALLBACK_HTTP:
      return on_http(wsi, ss, static_cast<const char*>(in));
    case LWS_CALLBACK_HTTP_WRITEABLE: {
      if (ss && ss->query && !ss->answering) {
        if (!ss->query->started()) return peer_gone(wsi) ? -1 : 0;  // the query wakes us when it has begun
        std::string err = ss->query->error();
        if (!err.empty()) {
          end_query(wsi, ss);
          warn(str(peer_of(wsi), ": /api/query: ", err));
          return respond(wsi, ss, 500, "application/json", json_error(err));
        }
        if (begin_answer(wsi, ss)) return -1;
        lws_callback_on_writable(wsi);
        return 0;
      }
      if (ss && ss->query) {
        std::string chunk(LWS_PRE, '\0');
        bool done = false;
        ss->query->take(chunk, 16 << 10, done);
        size_t n = chunk.size() - LWS_PRE;
        if (!n && !done) return peer_gone(wsi) ? -1 : 0;  // the query wakes us when it has more
        if (done && !ss->query->error().empty())
          warn(str(peer_of(wsi), ": /api/query failed after its answer began: ", ss->query->error()));
        if (lws_write(wsi, reinterpret_cast<unsigned char*>(chunk.data()) + LWS_PRE, n,
                      done ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < static_cast<int>(n))
          return -1;
        if (!done) {
          lws_callback_on_writable(wsi);
          return 0;
        }
        end_query(wsi, ss);
        return lws_http_transaction_completed(wsi) ? -1 : 0;
      }
      if (!ss || !ss->body) return 0;
      std::string& b = *ss->body;
      size_t n = b.size() - LWS_PRE;
      int wrote = lws_write(wsi, reinterpret_cast<unsigned char*>(b.data()) + LWS_PRE, n, LWS_WRITE_HTTP_FINAL);
      delete ss->body;
      ss->body = nullptr;
      if (wrote < 0) return -1;
      return lws_http_transaction_completed(wsi) ? -1 : 0;
    }
    case LWS_CALLBACK_CLOSED_HTTP:
      end_query(wsi, ss);
      if (ss && ss->body) {
        delete ss->body;
        ss->body = nullptr;
      }
      return 0;
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
      std::string uri = header(wsi, WSI_TOKEN_GET_URI);
      if (uri != "/ws" && uri.rfind("/stream/", 0) != 0) return 1;
      if (!authorised(wsi, s.o) || !origin_allowed(wsi, s.o)) {
        warn(str(peer_of(wsi), ": WebSocket refused (", authorised(wsi, s.o) ? "origin" : "token", ")"));
        return 1;
      }
      if (s.hub.connections() >= s.o.max_clients) {
        warn(str(peer_of(wsi), ": refused: --max-clients ", s.o.max_clients, " reached"));
        return 1;
      }
      return 0;
    }
    case LWS_CALLBACK_ESTABLISHED: {
      auto* c = new Client;
      c->wsi = wsi;
      c->peer = peer_of(wsi);
      ss->client = c;
      ss->body = nullptr;
      c->deflate = header(wsi, WSI_TOKEN_EXTENSIONS).find("permessage-deflate") != std::string::npos;
      std::string uri = header(wsi, WSI_TOKEN_GET_URI);
      s.hub.opened(*c);
      if (uri.rfind("/stream/", 0) == 0) s.hub.stream_sym(*c, uri.substr(8));
      return 0;
    }
    case LWS_CALLBACK_RECEIVE: {
      Client* c = ss->client;
      if (c->closing) return 0;
      if (c->rx.size() + len > s.o.max_message) {
        warn(str(c->peer, ": a message over --max-message (", s.o.max_message, " bytes): closed"));
        c->closing = true;
        c->rx.clear();
        c->rx.shrink_to_fit();
        lws_callback_on_writable(wsi);
        return 0;
      }
      c->rx.append(static_cast<const char*>(in), len);
      if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi)) return 0;
      s.hub.message(*c, c->rx);
      c->rx.clear();
      return 0;
    }
    case LWS_CALLBACK_SERVER_WRITEABLE: {
      Client* c = ss->client;
      c->deflating.reset();  // (lws is done with it: it hands us a writable only then)
      if (c->closing) {
        static const char why[] = "message too large";
        lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
                         reinterpret_cast<unsigned char*>(const_cast<char*>(why)), sizeof why - 1);
        return -1;
      }
      int64_t now = now_ns();
      Message m = s.hub.next(*c, now);
      if (!m) return 0;
      // Small messages queued behind each other are framed here and
      // written at once (a write each cost a syscall); a large one,
      // or one for a client that deflates, is written from where it is,
      // lws framing it (copying it into a batch would cost more than the
      // syscall it saves).
      auto small = [&](size_t n) { return n > 0 && n < kCoalesceBelow; };
      if (c->deflate || m->size() >= kCoalesceBelow || !small(s.hub.next_size(*c))) {
        size_t n = m->size() - LWS_PRE;
        if (c->deflate) c->deflating = m;
        if (lws_write(wsi, reinterpret_cast<unsigned char*>(m->data()) + LWS_PRE, n, LWS_WRITE_TEXT) <
            static_cast<int>(n))
          return -1;
      } else {
        std::string& out = s.frames;
        out.clear();
        put_text_frame(out, *m);
        while (out.size() < kFramesBatch && small(s.hub.next_size(*c))) put_text_frame(out, *s.hub.next(*c, now));
        if (lws_write(wsi, reinterpret_cast<unsigned char*>(out.data()), out.size(), LWS_WRITE_RAW) <
            static_cast<int>(out.size()))
          return -1;
      }
      c->want_write();  // the next one, if any (next() says)
      return 0;
    }
    case LWS_CALLBACK_CLOSED:
      if (ss && ss->client) {
        s.ws_queries.remove_if([&](const PendingQuery& q) { return q.client == ss->client; });
        s.hub.closed(*ss->client);
        delete ss->client;
        ss->client = nullptr;
      }
      return 0;
    default:
      return lws_callback_http_dummy(wsi, reason, user, in, len);
  }
}

// HTTP answers whose query makes no progress for --query-timeout: the
// query is abandoned (its thread left to its read) and the answer ends, with
// a 504 if it had not begun, cut off (no final chunk) if it had.
void abandon_stalled(Server& s, int64_t now) {
  const int64_t timeout = static_cast<int64_t>(s.o.query_timeout * 1e9);
  std::vector<lws*> stalled;
  for (lws* wsi : s.http_queries) {
    auto* ss = static_cast<Session*>(lws_wsi_user(wsi));
    if (ss && ss->query && ss->query->stalled_ns(now) > timeout) stalled.push_back(wsi);
  }
  for (lws* wsi : stalled) {
    auto* ss = static_cast<Session*>(lws_wsi_user(wsi));
    std::string why = str("no progress for ", duration_text(timeout), " (the history's storage does not answer?)");
    warn(str(peer_of(wsi), ": /api/query: ", why, ": abandoned"));
    bool answering = ss->answering;
    end_query(wsi, ss);
    if (!answering) respond(wsi, ss, 504, "application/json", json_error(why));
    else lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
  }
}

void on_timer(lws_sorted_usec_list_t* sul) {
  Server& s = *g_server;
  s.hub.tick(now_ns());
  abandon_stalled(s, now_ns());
  serve_ws_queries(s, now_ns());
  lws_sul_schedule(s.ctx, 0, sul, on_timer, LWS_US_PER_SEC / 4);
}

void read_stdin(const std::shared_ptr<Inbox>& inbox) {
  try {
    auto in = Input::from_fd(0, "stdin");
    RecordReader rr(*in);
    Record r;
    while (rr.read(r)) {
      // (woken at the first record of a batch: what a quiet input brings is
      // applied at once, a busy one's in batches)
      inbox->put(r.bytes, r.size());
    }
    inbox->end("");
  } catch (const Error& e) {
    inbox->end(e.what());
  }
}

const lws_extension kExtensions[] = {
    {"permessage-deflate", lws_extension_callback_pm_deflate, "permessage-deflate; client_no_context_takeover"},
    {nullptr, nullptr, nullptr}};

}  // namespace

int serve(const ServerOptions& o) {
  Address a = parse_address(o.listen);
  if (a.unix_socket) throw UsageError("tick-ws listens on HOST:PORT or :PORT");
  HubOptions h = o.hub;
  h.headroom = LWS_PRE;  // lws_write's frame header goes before each message
  Server s(o, h);
  g_server = &s;
  if (!o.history.hdb.empty() || !o.history.log.empty())
    s.hub.on_query = [&s](Conn& c, const FieldOf& field, const std::string& id) {
      Query q;
      std::string why;
      if (!parse_query(field, s.o.history, s.o.max_rows / 10, q, why)) return s.hub.fail(c, id, why);
      if (q.format != Format::json) return s.hub.fail(c, id, "format: a WebSocket result is JSON");
      size_t mine = 0;
      for (const auto& p : s.ws_queries) mine += p.client == &c;
      if (mine >= kQueriesPerClient)
        return s.hub.fail(c, id, str("query: ", mine, " queries of this connection are running; wait for a result"));
      if (std::string b = busy(s); !b.empty()) return s.hub.fail(c, id, "query: " + b);
      lws_context* ctx = s.ctx;
      s.ws_queries.push_back({static_cast<Client*>(&c), id, "",
                              std::make_unique<QueryStream>(q, s.o.history, [ctx] { lws_cancel_service(ctx); })});
    };
  lws_set_log_level(LLL_ERR, [](int, const char* line) { warn(str("libwebsockets: ", line)); });

  static const lws_protocols protocols[] = {
      // (tx_packet_size: lws sends at most this much a syscall, keeping the
      // rest for the next writable; its default, the 4 KiB rx buffer, made
      // a poll cycle of every 4 KiB of a busy client's updates)
      {"tick", callback, sizeof(Session), 4096, 0, nullptr, kFramesBatch}, {nullptr, nullptr, 0, 0, 0, nullptr, 0}};
  lws_context_creation_info info{};
  info.port = a.port;
  std::string iface = numeric_host(a);  // (lws takes a name for an interface's)
  info.iface = iface.c_str();
  // lws built with IPv6 binds the wildcard [::] (every interface, IPv4
  // too) when given an IPv4 address: on such an address the vhost is IPv4
  // only, so it binds that address and nothing else.
  in_addr v4{};
  if (::inet_pton(AF_INET, iface.c_str(), &v4) == 1) info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
  info.protocols = protocols;
  info.extensions = kExtensions;
  if (!o.tls_cert.empty()) {
    info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.ssl_cert_filepath = o.tls_cert.c_str();
    info.ssl_private_key_filepath = o.tls_key.c_str();
  }
  info.pt_serv_buf_size = 64 * 1024;
  s.ctx = lws_create_context(&info);
  if (!s.ctx) fail("cannot listen on ", o.listen, " (in use, or a TLS file is bad)");
  lws_vhost* vh = lws_get_vhost_by_name(s.ctx, "default");
  int port = vh ? lws_get_vhost_listen_port(vh) : a.port;
  std::string bound = str(a.host.find(':') != std::string::npos ? "[" + a.host + "]" : a.host, ":", port);
  warn(str("listening on ", o.tls_cert.empty() ? "http://" : "https://", bound, "/"));
  if (!o.address_file.empty()) {
    FILE* f = std::fopen(o.address_file.c_str(), "w");
    if (!f) fail(o.address_file, ": ", std::strerror(errno));
    std::fprintf(f, "%s\n", bound.c_str());
    std::fclose(f);
  }
  lws_sul_schedule(s.ctx, 0, &s.sul, on_timer, LWS_US_PER_SEC / 4);
  s.inbox->set_wake(s.ctx);
  std::thread reader([inbox = s.inbox] { read_stdin(inbox); });
  reader.detach();  // (a blocking read of stdin is not interrupted; the process ends around it)
  bool said_end = false;
  while (!stop_requested()) {
    if (lws_service(s.ctx, 0) < 0) break;
    if (s.input_ended && !said_end) {
      said_end = true;
      warn("the input ended: serving its last state until stopped (SIGINT, SIGTERM)");
    }
  }
  s.inbox->close();
  warn(str(s.hub.serialised(), " updates serialised, ", s.hub.delivered(), " sent; ", s.hub.conflated(),
           " rows conflated for slow clients"));
  lws_context_destroy(s.ctx);
  g_server = nullptr;
  return s.status;
}

}  // namespace tick::ws
