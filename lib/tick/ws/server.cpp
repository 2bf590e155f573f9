#include "tick/ws/server.h"

#include "tick/ws/connection.h"
#include "tick/ws/dashboard.h"
#include "tick/ws/inbox.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <libwebsockets.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <list>
#include <thread>
#include <unordered_map>

#include "tick/base/clock.h"
#include "tick/base/diag.h"
#include "tick/base/error.h"
#include "tick/base/io.h"
#include "tick/base/signals.h"
#include "tick/base/units.h"
#include "tick/hdb/read.h"
#include "tick/net/net.h"
#include "tick/stream/reader.h"
#include "tick/text/out.h"

namespace tick::ws {

namespace {

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

// An HTTP transaction's answer: a whole one, written at the next writable,
// or /api/query's, streaming.
struct Answer {
  std::string body;                    // LWS_PRE bytes of headroom, then the body (empty: none)
  std::unique_ptr<QueryStream> query;  // /api/query's answer
  bool answering = false;              // its status and headers are sent
  bool at_line_start = true;           // the body written so far ends a line (or is empty)
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


// One tick-ws server: the hub its clients share, its stdin's inbox, the
// history queries running, and what lws calls it for. lws finds it as its
// context's user; the connections are its own (keyed by lws's handle).
class Server {
 public:
  Server(const ServerOptions& o, HubOptions h) : o_(o), hub_(h), catalog_(o.history.hdb) {}
  ~Server() {
    if (ctx_) lws_context_destroy(ctx_);
  }
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Listens (as o.listen says) and serves until a stop signal; the exit status.
  int run();

  static int callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
    auto* s = wsi ? static_cast<Server*>(lws_context_user(lws_get_context(wsi))) : nullptr;
    if (!s) return lws_callback_http_dummy(wsi, reason, user, in, len);
    return s->on(wsi, reason, user, in, len);
  }

 private:
  int on(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len);
  void listen();
  void drain_inbox();
  void on_query(Conn& c, const FieldOf& field, const std::string& id);
  void serve_ws_queries(int64_t now);
  std::string busy() const;
  // The tables only the HDB has (--hdb), and whether a query may ask for
  // a table: "" or why not.
  const std::vector<Table>& history_tables();
  std::string query_table(Query& q);
  static void on_timer(lws_sorted_usec_list_t* sul);
  void flush_paced();
  void abandon_stalled(int64_t now);

  // HTTP
  int on_http(lws* wsi, const char* uri);
  int respond(lws* wsi, unsigned status, const char* type, const std::string& body);
  int start_query(lws* wsi);
  int http_writable(lws* wsi);
  int write_query(lws* wsi, Answer& a);
  void end_query(lws* wsi);
  // WebSocket
  bool admit(lws* wsi);
  void established(lws* wsi);
  void receive(lws* wsi, Client& c, const void* in, size_t len);
  int writable(lws* wsi, Client& c);
  void closed(lws* wsi);

  const ServerOptions& o_;
  Hub hub_;
  hdb::Catalog catalog_;
  std::shared_ptr<Inbox> inbox_ = std::make_shared<Inbox>();
  Decoder dec_;
  std::string frames_;  // a backlog's frames, written at once
  std::vector<uint8_t> batch_;
  uint64_t offset_ = 0;
  bool input_ended_ = false;
  int status_ = 0;
  lws_context* ctx_ = nullptr;
  struct Timer {
    lws_sorted_usec_list_t sul{};  // (first: lws hands the timer back as it)
    Server* server = nullptr;
  } timer_;
  std::chrono::steady_clock::time_point last_flush_{};
  bool flush_armed_ = false;
  std::unordered_map<lws*, std::unique_ptr<Client>> clients_;
  std::unordered_map<lws*, std::unique_ptr<Answer>> answers_;  // HTTP transactions answering
  std::list<PendingQuery> ws_queries_;
};

// Applies what the reader thread has brought.
void Server::drain_inbox() {
  std::string why;
  bool ended = inbox_->take(batch_, why);
  size_t at = 0;
  while (at + kHeaderSize <= batch_.size()) {
    Record r;
    parse_header(batch_.data() + at, r.h);
    r.bytes = batch_.data() + at;
    r.offset = offset_;
    try {
      hub_.record(dec_, dec_.apply(r));
    } catch (const Error& e) {
      warn(str("stdin:", r.offset, ": ", e.what()));
      status_ = 1;
      ended = true;
      break;
    }
    at += r.size();
    offset_ += r.size();
  }
  if (ended) hub_.flush();
  else flush_paced();
  if (!why.empty()) {
    warn(why);
    status_ = 1;
  }
  if (ended && !input_ended_) {
    input_ended_ = true;
    hub_.end_of_stream();
  }
}

// A WebSocket client's query action: parsed, bounded, then run.
void Server::on_query(Conn& c, const FieldOf& field, const std::string& id) {
  Query q;
  std::string why;
  if (!parse_query(field, o_.history, o_.max_rows / 10, q, why)) return hub_.fail(c, id, why);
  if (q.format != Format::json) return hub_.fail(c, id, "format: a WebSocket result is JSON");
  if (std::string no = query_table(q); !no.empty()) return hub_.fail(c, id, no);
  size_t mine = 0;
  for (const auto& p : ws_queries_) mine += p.client == &c;
  if (mine >= kQueriesPerClient)
    return hub_.fail(c, id, str("query: ", mine, " queries of this connection are running; wait for a result"));
  if (std::string b = busy(); !b.empty()) return hub_.fail(c, id, "query: " + b);
  lws_context* ctx = ctx_;
  ws_queries_.push_back({static_cast<Client*>(&c), id, "",
                         std::make_unique<QueryStream>(q, o_.history, [ctx] { lws_cancel_service(ctx); })});
}

// WebSocket queries: what has come of each; a finished one is sent once
// its client's queue has room (a client that does not read holds at most
// kQueriesPerClient answers, each within kMaxResultBytes); one that makes
// no progress for --query-timeout is abandoned.
void Server::serve_ws_queries(int64_t now) {
  const int64_t timeout = static_cast<int64_t>(o_.query_timeout * 1e9);
  for (auto it = ws_queries_.begin(); it != ws_queries_.end();) {
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
      hub_.fail(*it->client, it->id, "query: " + err);
      it = ws_queries_.erase(it);
      continue;
    }
    if (!done || it->client->queued() >= o_.hub.max_queue) {
      ++it;
      continue;
    }
    std::string body = "{\"type\":\"result\"";
    if (!it->id.empty()) body += ",\"id\":" + it->id;
    body += ",\"rows\":" + it->rows + "}";
    hub_.reply(*it->client, body);
    it = ws_queries_.erase(it);
  }
}

const std::vector<Table>& Server::history_tables() {
  static const std::vector<Table> none;
  return o_.history.hdb.empty() ? none : catalog_.refresh();
}

std::string Server::query_table(Query& q) {
  const Table* t = hub_.find_table(q.table);
  for (const auto& h : history_tables())
    if (!t && h.name == q.table) t = &h;
  if (t) {
    q.csv_header = csv_header(*t);
    return "";
  }
  const std::string& name = q.table;
  return "table: unknown table \"" + name + "\" (neither the stream nor the HDB has it)";
}

// A new query, or why not: the queries running in all (with reads that
// were abandoned and have not returned) are bounded.
std::string Server::busy() const {
  if (QueryStream::running() < o_.max_queries) return "";
  return str("busy: ", QueryStream::running(), " history queries are running (--max-queries ", o_.max_queries,
             "); try again");
}

int Server::on(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
  switch (reason) {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
      drain_inbox();
      for (auto& [q, a] : answers_)
        if (a->query) lws_callback_on_writable(q);
      serve_ws_queries(now_ns());
      return 0;
    case LWS_CALLBACK_HTTP:
      return on_http(wsi, static_cast<const char*>(in));
    case LWS_CALLBACK_HTTP_WRITEABLE:
      return http_writable(wsi);
    case LWS_CALLBACK_CLOSED_HTTP:
      answers_.erase(wsi);  // (a query stops, its thread joined)
      return 0;
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
      return admit(wsi) ? 0 : 1;
    case LWS_CALLBACK_ESTABLISHED:
      established(wsi);
      return 0;
    case LWS_CALLBACK_RECEIVE:
      if (auto it = clients_.find(wsi); it != clients_.end()) receive(wsi, *it->second, in, len);
      return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
      if (auto it = clients_.find(wsi); it != clients_.end()) return writable(wsi, *it->second);
      return 0;
    case LWS_CALLBACK_CLOSED:
      closed(wsi);
      return 0;
    default:
      return lws_callback_http_dummy(wsi, reason, user, in, len);
  }
}

// ---- HTTP

int Server::on_http(lws* wsi, const char* uri) {
  if (!authorised(wsi, o_)) return respond(wsi, 401, "application/json", json_error("a token is required"));
  if (!origin_allowed(wsi, o_)) return respond(wsi, 403, "application/json", json_error("origin refused"));
  std::string path = uri;
  if (path == "/" || path == "/index.html") return respond(wsi, 200, "text/html; charset=utf-8", std::string(dashboard_html()));
  // A parameter misspelt (sym= for syms=) would be ignored: refused, named.
  std::string odd;
  if (path == "/api/tables") odd = unknown_args(wsi, path, {});
  else if (path == "/api/query") odd = unknown_args(wsi, path, {"table", "syms", "date", "from", "to", "limit", "format"});
  else if (path == "/api/last") odd = unknown_args(wsi, path, {"table", "syms"});
  if (!odd.empty()) return respond(wsi, 400, "application/json", json_error(odd));
  if (path == "/api/tables")
    return respond(wsi, 200, "application/json",
                   hub_.tables_json(history_tables(), !o_.history.hdb.empty() || !o_.history.log.empty()));
  if (path == "/api/query") return start_query(wsi);
  if (path == "/api/last") {
    std::string table = urlarg(wsi, "table=");
    if (table.empty()) return respond(wsi, 400, "application/json", json_error("table: a table is required"));
    std::string out;
    if (!hub_.last_json(table, urlarg(wsi, "syms="), out))
      return respond(wsi, 400, "application/json", json_error("table: " + out));
    return respond(wsi, 200, "application/json", out);
  }
  return respond(wsi, 404, "application/json", json_error("no such route: " + path));
}

// A whole answer: its headers now, its body at the next writable.
int Server::respond(lws* wsi, unsigned status, const char* type, const std::string& body) {
  uint8_t buf[LWS_PRE + 1024];
  uint8_t *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
  if (lws_add_http_common_headers(wsi, status, type, body.size(), &p, end)) return 1;
  if (lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char*>("cache-control:"),
                                  reinterpret_cast<const unsigned char*>("no-store"), 8, &p, end))
    return 1;
  if (lws_finalize_write_http_header(wsi, start, &p, end)) return 1;
  auto& a = answers_[wsi];
  if (!a) a = std::make_unique<Answer>();
  a->body.assign(LWS_PRE, '\0');
  a->body += body;
  lws_callback_on_writable(wsi);
  return 0;
}

int Server::start_query(lws* wsi) {
  Query q;
  std::string why;
  if (!parse_query([&](const char* name) { return urlarg(wsi, (std::string(name) + "=").c_str()); }, o_.history,
                   o_.max_rows, q, why))
    return respond(wsi, 400, "application/json", json_error(why));
  if (std::string no = query_table(q); !no.empty()) return respond(wsi, 400, "application/json", json_error(no));
  if (std::string b = busy(); !b.empty()) return respond(wsi, 503, "application/json", json_error(b));
  // The status waits for the query's first row or its end: an error found
  // before it (a day with no data is an empty answer, not an error) is
  // answered as one.
  lws_context* ctx = ctx_;
  auto a = std::make_unique<Answer>();
  a->query = std::make_unique<QueryStream>(q, o_.history, [ctx] { lws_cancel_service(ctx); });
  answers_[wsi] = std::move(a);
  lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);  // (--query-timeout decides, not lws's 5 s for an answer to begin)
  return 0;
}

void Server::end_query(lws* wsi) {
  if (auto it = answers_.find(wsi); it != answers_.end()) it->second->query.reset();  // (stops and joins its thread)
}

int Server::http_writable(lws* wsi) {
  auto it = answers_.find(wsi);
  if (it == answers_.end()) return 0;
  Answer& a = *it->second;
  if (a.query) return write_query(wsi, a);
  if (a.body.empty()) return 0;
  int wrote = lws_write(wsi, reinterpret_cast<unsigned char*>(a.body.data()) + LWS_PRE, a.body.size() - LWS_PRE,
                        LWS_WRITE_HTTP_FINAL);
  answers_.erase(it);
  if (wrote < 0) return -1;
  return lws_http_transaction_completed(wsi) ? -1 : 0;
}

// /api/query's answer: its status once the query has begun (or an error
// answer if it failed first), then its rows as they come.
int Server::write_query(lws* wsi, Answer& a) {
  if (!a.answering) {
    if (!a.query->started()) return peer_gone(wsi) ? -1 : 0;  // the query wakes us when it has begun
    std::string err = a.query->error();
    if (!err.empty()) {
      end_query(wsi);
      warn(str(peer_of(wsi), ": /api/query: ", err));
      return respond(wsi, 500, "application/json", json_error(err));
    }
    if (begin_answer(wsi)) return -1;
    a.answering = true;
    lws_callback_on_writable(wsi);
    return 0;
  }
  std::string chunk(LWS_PRE, '\0');
  bool done = false;
  a.query->take(chunk, 16 << 10, done);
  size_t n = chunk.size() - LWS_PRE;
  if (!n && !done) return peer_gone(wsi) ? -1 : 0;  // the query wakes us when it has more
  if (done && !a.query->error().empty()) {
    // The answer ends visibly: a last line saying why, which no client
    // takes for data (the answer has no length: its end is the connection's).
    warn(str(peer_of(wsi), ": /api/query failed after its answer began: ", a.query->error()));
    // (on a line of its own: the bytes before it, written now or before,
    // may end mid-line, as a JSON array does)
    if (chunk.size() > LWS_PRE ? chunk.back() != '\n' : !a.at_line_start) chunk += '\n';
    chunk += json_error(a.query->error()) + "\n";
    n = chunk.size() - LWS_PRE;
  }
  if (lws_write(wsi, reinterpret_cast<unsigned char*>(chunk.data()) + LWS_PRE, n,
                done ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < static_cast<int>(n))
    return -1;
  if (n) a.at_line_start = chunk.back() == '\n';
  if (!done) {
    lws_callback_on_writable(wsi);
    return 0;
  }
  answers_.erase(wsi);
  return lws_http_transaction_completed(wsi) ? -1 : 0;
}

// HTTP answers whose query makes no progress for --query-timeout: the
// query is abandoned (its thread left to its read) and the answer ends, with
// a 504 if it had not begun, cut off (no final chunk) if it had.
void Server::abandon_stalled(int64_t now) {
  const int64_t timeout = static_cast<int64_t>(o_.query_timeout * 1e9);
  std::vector<lws*> stalled;
  for (auto& [wsi, a] : answers_)
    if (a->query && a->query->stalled_ns(now) > timeout) stalled.push_back(wsi);
  for (lws* wsi : stalled) {
    std::string why = str("no progress for ", duration_text(timeout), " (the history's storage does not answer?)");
    warn(str(peer_of(wsi), ": /api/query: ", why, ": abandoned"));
    bool answering = answers_[wsi]->answering;
    end_query(wsi);
    if (!answering) respond(wsi, 504, "application/json", json_error(why));
    else lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
  }
}

// ---- WebSocket

// A WebSocket connection asked for: its route, its token and origin, and
// room for it.
bool Server::admit(lws* wsi) {
  // A refusal is an HTTP answer, as the HTTP API gives (a browser shows
  // its status; a dropped connection says nothing), then the close.
  auto refuse = [&](unsigned status, const std::string& why) {
    warn(str(peer_of(wsi), ": WebSocket refused: ", why));
    // (Written whole: lws's header helpers say HTTP/1.0 before a request's
    // version is known, which WebSocket clients refuse to read.)
    const char* reason = status == 401 ? "Unauthorized" : status == 403 ? "Forbidden" : status == 404 ? "Not Found"
                                                                                                        : "Service Unavailable";
    std::string body = json_error(why);
    std::string m(LWS_PRE, '\0');
    m += str("HTTP/1.1 ", status, " ", reason, "\r\ncontent-type: application/json\r\ncontent-length: ", body.size(),
             "\r\ncache-control: no-store\r\nconnection: close\r\n\r\n", body);
    lws_write(wsi, reinterpret_cast<unsigned char*>(m.data()) + LWS_PRE, m.size() - LWS_PRE, LWS_WRITE_HTTP_FINAL);
    return false;
  };
  std::string uri = header(wsi, WSI_TOKEN_GET_URI);
  // (/ as /ws: q .z.ws servers' clients connect to the root)
  if (uri != "/ws" && uri != "/" && uri.rfind("/stream/", 0) != 0)
    return refuse(404, "no WebSocket at " + uri + " (/ws or /, /stream/SYM)");
  if (!authorised(wsi, o_)) return refuse(401, "a token is required");
  if (!origin_allowed(wsi, o_)) return refuse(403, "origin refused");
  if (hub_.connections() >= o_.max_clients) return refuse(503, str("--max-clients ", o_.max_clients, " reached"));
  return true;
}

void Server::established(lws* wsi) {
  auto c = std::make_unique<Client>();
  c->wsi = wsi;
  c->peer = peer_of(wsi);
  c->deflate = header(wsi, WSI_TOKEN_EXTENSIONS).find("permessage-deflate") != std::string::npos;
  std::string uri = header(wsi, WSI_TOKEN_GET_URI);
  Client& client = *c;
  clients_[wsi] = std::move(c);
  hub_.opened(client);
  if (uri.rfind("/stream/", 0) == 0) hub_.stream_sym(client, uri.substr(8));
}

void Server::receive(lws* wsi, Client& c, const void* in, size_t len) {
  if (c.closing) return;
  if (c.rx.size() + len > o_.max_message) {
    warn(str(c.peer, ": a message over --max-message (", o_.max_message, " bytes): closed"));
    c.closing = true;
    c.rx.clear();
    c.rx.shrink_to_fit();
    lws_callback_on_writable(wsi);
    return;
  }
  c.rx.append(static_cast<const char*>(in), len);
  if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi)) return;
  hub_.message(c, c.rx);
  c.rx.clear();
}

int Server::writable(lws* wsi, Client& c) {
  c.deflating.reset();  // (lws is done with it: it hands us a writable only then)
  if (c.closing) {
    static const char why[] = "message too large";
    lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, reinterpret_cast<unsigned char*>(const_cast<char*>(why)),
                     sizeof why - 1);
    return -1;
  }
  int64_t now = now_ns();
  Message m = hub_.next(c, now);
  if (!m) return 0;
  // Small messages queued behind each other are framed here and
  // written at once (a write each cost a syscall); a large one,
  // or one for a client that deflates, is written from where it is,
  // lws framing it (copying it into a batch would cost more than the
  // syscall it saves).
  auto small = [&](size_t n) { return n > 0 && n < kCoalesceBelow; };
  if (c.deflate || m->size() >= kCoalesceBelow || !small(hub_.next_size(c))) {
    size_t n = m->size() - LWS_PRE;
    if (c.deflate) c.deflating = m;
    if (lws_write(wsi, reinterpret_cast<unsigned char*>(m->data()) + LWS_PRE, n, LWS_WRITE_TEXT) < static_cast<int>(n))
      return -1;
  } else {
    std::string& out = frames_;
    out.clear();
    put_text_frame(out, *m);
    while (out.size() < kFramesBatch && small(hub_.next_size(c))) put_text_frame(out, *hub_.next(c, now));
    if (lws_write(wsi, reinterpret_cast<unsigned char*>(out.data()), out.size(), LWS_WRITE_RAW) <
        static_cast<int>(out.size()))
      return -1;
  }
  // The next one, if any: asked for only then (a writable for nothing is
  // a poll of every connection). A deflating client's message, or the
  // rest of a partial write, lws sends on writables of its own.
  if (c.deflate || lws_partial_buffered(wsi) || hub_.has_next(c)) c.want_write();
  return 0;
}

void Server::closed(lws* wsi) {
  auto it = clients_.find(wsi);
  if (it == clients_.end()) return;
  Client* c = it->second.get();
  ws_queries_.remove_if([&](const PendingQuery& q) { return q.client == c; });
  hub_.closed(*c);
  clients_.erase(it);
}

// ---- the service loop

// What came goes out at once, unless the last send of it was less than
// --update-interval ago: then when the interval is up, with what comes
// meanwhile. (A message a client costs a send each, whatever its size: rows
// arriving a few at a time, sent each as it came, kept a core busy sending
// to 100 clients at 5,000 rows a second.)
void Server::flush_paced() {
  // (the real clock, whatever TICK_FAKE_TIME says)
  const auto now = std::chrono::steady_clock::now();
  const auto interval = std::chrono::nanoseconds(static_cast<int64_t>(o_.update_interval * 1e9));
  if (now - last_flush_ >= interval) {
    hub_.flush();
    last_flush_ = now;
    flush_armed_ = false;
    return;
  }
  if (flush_armed_) return;
  flush_armed_ = true;
  // (what comes meanwhile is taken then, not each record as it comes: a
  // wake is a poll of every connection)
  inbox_->hold_until(last_flush_ + interval);
}

void Server::on_timer(lws_sorted_usec_list_t* sul) {
  Server& s = *reinterpret_cast<Timer*>(sul)->server;
  s.hub_.tick(now_ns());
  s.abandon_stalled(now_ns());
  s.serve_ws_queries(now_ns());
  lws_sul_schedule(s.ctx_, 0, sul, on_timer, LWS_US_PER_SEC / 4);
}

const lws_extension kExtensions[] = {
    {"permessage-deflate", lws_extension_callback_pm_deflate, "permessage-deflate; client_no_context_takeover"},
    {nullptr, nullptr, nullptr}};

void Server::listen() {
  Address a = parse_address(o_.listen);
  if (a.unix_socket) throw UsageError("tick-ws listens on HOST:PORT or :PORT");
  static const lws_protocols protocols[] = {
      // (tx_packet_size: lws sends at most this much a syscall, keeping the
      // rest for the next writable; its default, the 4 KiB rx buffer, made
      // a poll cycle of every 4 KiB of a busy client's updates)
      {"tick", callback, 0, 4096, 0, nullptr, kFramesBatch}, {nullptr, nullptr, 0, 0, 0, nullptr, 0}};
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
  info.user = this;
  if (!o_.tls_cert.empty()) {
    info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.ssl_cert_filepath = o_.tls_cert.c_str();
    info.ssl_private_key_filepath = o_.tls_key.c_str();
  }
  info.pt_serv_buf_size = 64 * 1024;
  ctx_ = lws_create_context(&info);
  if (!ctx_) fail("cannot listen on ", o_.listen, " (in use, or a TLS file is bad)");
  lws_vhost* vh = lws_get_vhost_by_name(ctx_, "default");
  int port = vh ? lws_get_vhost_listen_port(vh) : a.port;
  std::string bound = str(a.host.find(':') != std::string::npos ? "[" + a.host + "]" : a.host, ":", port);
  warn(str("listening on ", o_.tls_cert.empty() ? "http://" : "https://", bound, "/"));
  if (!o_.address_file.empty()) {
    FILE* f = std::fopen(o_.address_file.c_str(), "w");
    if (!f) fail(o_.address_file, ": ", std::strerror(errno));
    std::fprintf(f, "%s\n", bound.c_str());
    std::fclose(f);
  }
}

int Server::run() {
  if (!o_.history.hdb.empty() || !o_.history.log.empty())
    hub_.on_query = [this](Conn& c, const FieldOf& field, const std::string& id) { on_query(c, field, id); };
  lws_set_log_level(LLL_ERR, [](int, const char* line) { warn(str("libwebsockets: ", line)); });
  listen();
  timer_.server = this;
  lws_sul_schedule(ctx_, 0, &timer_.sul, on_timer, LWS_US_PER_SEC / 4);
  inbox_->set_wake(ctx_);
  std::thread reader([inbox = inbox_] { read_stdin(inbox); });
  reader.detach();  // (a blocking read of stdin is not interrupted; the process ends around it)
  bool said_end = false;
  while (!stop_requested()) {
    if (lws_service(ctx_, 0) < 0) break;
    if (input_ended_ && !said_end) {
      said_end = true;
      warn("the input ended: serving its last state until stopped (SIGINT, SIGTERM)");
    }
  }
  inbox_->close();
  warn(str(hub_.serialised(), " updates serialised, ", hub_.delivered(), " sent; ", hub_.conflated(),
           " rows conflated for slow clients"));
  lws_context_destroy(ctx_);  // (its connections close, calling back)
  ctx_ = nullptr;
  return status_;
}

}  // namespace

int serve(const ServerOptions& o) {
  HubOptions h = o.hub;
  h.headroom = LWS_PRE;  // lws_write's frame header goes before each message
  Server s(o, h);
  return s.run();
}

}  // namespace tick::ws
