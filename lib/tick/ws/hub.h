// tick-ws's protocol, apart from the sockets: the stream's live state, the
// clients' subscriptions and what each connection is sent (man 1 tick-ws).
// Identical subscriptions share one serialisation of each update: the same
// bytes go to every client that holds it. A client's queue is bounded:
// past the bound its updates are conflated to the latest row per sym, sent
// once its queue has drained.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "tick/stream/reader.h"
#include "tick/text/last_values.h"
#include "tick/ws/query.h"

namespace simdjson::dom {
class parser;
}

namespace tick::ws {

struct HubOptions {
  size_t keep = 100;                  // rows per sym kept for history
  size_t max_queue = 4u << 20;        // bytes queued for a client before conflating
  int64_t heartbeat_ns = 30'000'000'000;
  size_t headroom = 0;                // bytes before each message the socket layer may use
  size_t max_history = 1000;          // "history": N is capped here (and at keep)
  size_t batch_rows = 1024;           // rows that came together, one update at most this many
};

using Message = std::shared_ptr<std::string>;

// What a connection speaks: tick-ws's own protocol, or one of the servers
// kdb+ shops put in front of q, so their clients work unchanged:
//   qws      a q .z.ws server: {"action":"subscribe","syms":[..]} with no
//            table means trade, answered {"status":"subscribed",..}, then
//            {"type":"trade_update","data":[rows]};
//   fastapi  the FastAPI proxy's /stream/SYM: {"type":"snapshot","sym":S,
//            "data":[rows]}, then {"type":"update","sym":S,"trades":[rows]},
//            rows of time, price and size.
enum class Dialect { tick, qws, fastapi };

struct Sub;

// One connection as the hub sees it; the socket layer derives from it.
class Conn {
 public:
  virtual ~Conn() = default;
  // Asks to be told when the connection can be written to.
  virtual void want_write() = 0;
  // Bytes queued to it, not yet written.
  size_t queued() const { return queued_; }
  std::string peer;

 private:
  friend class Hub;
  std::deque<Message> queue_;
  size_t queued_ = 0;
  bool conflating_ = false;
  std::map<std::string, std::map<std::string, std::string, std::less<>>> conflated_;  // table -> sym -> row
  int64_t last_sent_ = 0;
  std::map<std::string, Sub*> subs_;  // table -> its subscription
  Dialect dialect_ = Dialect::tick;
};

// Looks a std::string set up by string_view, without making a string.
struct NameHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct Sub {
  std::string table;
  std::vector<std::string> syms;  // sorted; empty: every sym
  std::unordered_set<std::string, NameHash, std::equal_to<>> symset;
  // By the table's sym number (LiveState's, stable): 1 wanted, 0 not, -1
  // not looked up in symset yet.
  std::vector<int8_t> wants;
  bool wanted(std::string_view sym, uint32_t index) {
    if (syms.empty()) return true;
    if (index >= wants.size()) wants.resize(size_t{index} + 1, -1);
    if (wants[index] < 0) wants[index] = symset.find(sym) != symset.end();
    return wants[index] != 0;
  }
  std::vector<Conn*> conns;
  std::string key;
  Dialect dialect = Dialect::tick;
};

class Hub {
 public:
  explicit Hub(HubOptions o);
  ~Hub();

  // A record of the stream, applied by the decoder. A data record's rows
  // are sent at flush() (or once batch_rows of a table wait): the records
  // that came together go to clients as one update per subscription, so a
  // busy stream costs fewer, larger messages and a quiet one none later.
  void record(const Decoder& d, Decoder::Kind k);
  void flush();
  // A message from a client (one whole WebSocket text message).
  void message(Conn& c, std::string_view text);
  // The route /stream/SYM: a subscription to SYM's trades with 50 rows of history.
  void stream_sym(Conn& c, std::string_view sym);
  void opened(Conn& c) { conns_.insert(&c); }
  void closed(Conn& c);
  // Some connection has messages queued.
  bool pending() const;
  // Whether next() has something for the client.
  bool has_next(const Conn& c) const;
  // The next message for a writable connection (null: nothing to send).
  Message next(Conn& c, int64_t now);
  // The size of the message next() would give now, 0 if none is queued
  // (conflated rows are made into messages by next()).
  size_t next_size(const Conn& c) const { return c.queue_.empty() ? 0 : c.queue_.front()->size(); }
  // Heartbeats to connections idle for the heartbeat interval.
  void tick(int64_t now);
  // The stream has ended: tells every client.
  void end_of_stream();

  // The query action: the socket layer runs it (fields of the message; the
  // id to echo, as JSON, or empty).
  std::function<void(Conn&, const FieldOf&, const std::string&)> on_query;
  // Answers from outside the protocol's own (a query's result, its error).
  void reply(Conn& c, std::string_view body) { send_text(c, body); }
  void fail(Conn& c, std::string_view id, std::string_view why) { error(c, id, why); }

  // HTTP: GET /api/tables (the stream's tables, "live", then those only the
  // history has) and /api/last; false and a reason for a bad parameter.
  // "history": whether /api/query has a source (--hdb or --log).
  std::string tables_json(const std::vector<Table>& history = {}, bool has_history = false) const;
  bool last_json(std::string_view table, std::string_view syms, std::string& out) const;

  size_t connections() const { return conns_.size(); }
  bool has_table(std::string_view name) const { return table(name) != nullptr; }
  const Table* find_table(std::string_view name) const { return table(name); }
  // Messages serialised for updates, and deliveries of them (shared ones count once, then each).
  uint64_t serialised() const { return serialised_; }
  uint64_t delivered() const { return delivered_; }
  uint64_t conflated() const { return conflated_rows_; }

 private:
  Message make(std::string_view body) const;
  void send(Conn& c, const Message& m);
  void send_text(Conn& c, std::string_view body) { send(c, make(body)); }
  void error(Conn& c, std::string_view id, std::string_view why);
  void subscribe(Conn& c, const std::string& table, std::vector<std::string> syms, size_t history,
                 std::string_view id, Dialect dialect = Dialect::tick);
  // An update's message in a dialect: rows (JSON objects as the stream's
  // rows are written) of a table, whether they were conflated, and the sym
  // of a FastAPI stream.
  void put_update(std::string& out, Dialect d, const std::string& table, const std::vector<std::string_view>& rows,
                  bool conflated, std::string_view sym);
  // Rows as a dialect carries them: tick's as they are; q's without the
  // "table" key (as .j.j writes a table's rows); FastAPI's time, price, size.
  void put_dialect_rows(std::string& out, Dialect d, const std::string& table, const std::vector<std::string_view>& rows);
  void unsubscribe(Conn& c, const std::string& table);
  struct Pending {  // a table's rows waiting for flush()
    std::string table, text;  // text: each row's sym, then its JSON
    struct At {
      size_t off, sym, json;
      uint32_t sym_index;
    };
    std::vector<At> at;
  };
  void fan_out(Pending& p);
  void fan_out(const std::string& table, const std::vector<LiveState::Row>& rows);
  const Table* table(std::string_view name) const;

  HubOptions o_;
  LiveState live_;
  std::vector<Table> tables_;  // every table the stream has defined, by name
  std::map<std::string, std::unique_ptr<Sub>> subs_;              // by key
  std::unordered_map<std::string, std::vector<Sub*>> by_table_;
  std::unordered_set<Conn*> conns_;
  std::string scratch_;
  std::vector<std::string_view> mine_;  // fan_out's rows of one subscription
  std::vector<Pending> pending_;
  std::vector<LiveState::Row> rows_;  // fan_out's rows, as views of a Pending
  std::unique_ptr<simdjson::dom::parser> parser_;  // clients' messages (its buffers reused)
  uint64_t serialised_ = 0, delivered_ = 0, conflated_rows_ = 0;
};

}  // namespace tick::ws
