#include "tick/ws/hub.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>

#include "tick/base/clock.h"
#include "tick/stream/filter.h"
#include "tick/stream/types.h"
#include "tick/text/out.h"

namespace tick::ws {

namespace {

void put_json_string(std::string& out, std::string_view s) {
  out += '"';
  json_escape(out, s);
  out += '"';
}

// `,"id":ID` when the client gave one.
void put_id(std::string& out, std::string_view id) {
  if (id.empty()) return;
  out += ",\"id\":";
  out += id;
}

void put_rows(std::string& out, const std::vector<std::string_view>& rows) {
  out += '[';
  for (size_t i = 0; i < rows.size(); i++) {
    if (i) out += ',';
    out += rows[i];
  }
  out += ']';
}

std::string sub_key(const std::string& table, const std::vector<std::string>& syms, Dialect d) {
  std::string k(1, static_cast<char>('0' + static_cast<int>(d)));  // (dialects serialise apart)
  k += table;
  for (const auto& s : syms) {
    k += '\0';
    k += s;
  }
  return k;
}

}  // namespace

Hub::Hub(HubOptions o) : o_(o), live_(o.keep), parser_(std::make_unique<simdjson::dom::parser>()) {
  tables_.reserve(64);
}

Hub::~Hub() = default;

Message Hub::make(std::string_view body) const {
  auto m = std::make_shared<std::string>(o_.headroom, '\0');
  m->append(body);
  return m;
}

void Hub::send(Conn& c, const Message& m) {
  c.queue_.push_back(m);
  c.queued_ += m->size();
  c.want_write();
}

void Hub::error(Conn& c, std::string_view id, std::string_view why) {
  scratch_.assign("{\"type\":\"error\"");
  put_id(scratch_, id);
  scratch_ += ",\"error\":";
  put_json_string(scratch_, why);
  scratch_ += '}';
  send_text(c, scratch_);
}

const Table* Hub::table(std::string_view name) const {
  for (const auto& t : tables_)
    if (t.name == name) return &t;
  return nullptr;
}

void Hub::record(const Decoder& d, Decoder::Kind k) {
  switch (k) {
    case Decoder::Kind::Schema:
      for (const auto& t : d.tables())
        if (!table(t.name)) tables_.push_back(t);
      break;
    case Decoder::Kind::Data: {
      live_.take(d);
      // The rows wait for flush(): what came together goes out together.
      const std::string& tname = live_.rows_table();
      Pending* p = nullptr;
      for (auto& q : pending_)
        if (q.table == tname) p = &q;
      if (!p) {
        pending_.push_back(Pending{tname, {}, {}});
        p = &pending_.back();
      }
      for (const auto& r : live_.rows()) {
        p->at.push_back({p->text.size(), r.sym.size(), r.json.size(), r.sym_index});
        p->text.append(r.sym).append(r.json);
      }
      if (p->at.size() >= o_.batch_rows) fan_out(*p);
      break;
    }
    case Decoder::Kind::EndOfDay: {
      flush();
      scratch_.assign("{\"type\":\"eod\",\"date\":\"");
      scratch_ += date_string(d.eod_date());
      scratch_ += "\"}";
      Message m = make(scratch_);
      for (Conn* c : conns_) send(*c, m);
      break;
    }
    default:
      break;
  }
}

void Hub::flush() {
  for (auto& p : pending_)
    if (!p.at.empty()) fan_out(p);
}

void Hub::fan_out(Pending& p) {
  rows_.clear();
  std::string_view t(p.text);
  for (const auto& a : p.at)
    rows_.push_back(LiveState::Row{t.substr(a.off, a.sym), t.substr(a.off + a.sym, a.json), a.sym_index});
  fan_out(p.table, rows_);
  p.at.clear();
  p.text.clear();
}

// Rows of a table to every subscription of it: each one's message
// serialised once, its bytes queued for each of its clients (or, for a
// client past its bound, its rows conflated by sym).
void Hub::fan_out(const std::string& tname, const std::vector<LiveState::Row>& rows) {
  auto it = by_table_.find(tname);
  if (it == by_table_.end()) return;
  auto& mine = mine_;
  for (Sub* s : it->second) {
    mine.clear();
    for (const auto& r : rows)
      if (s->wanted(r.sym, r.sym_index)) mine.push_back(r.json);
    if (mine.empty()) continue;
    scratch_.clear();
    put_update(scratch_, s->dialect, tname, mine, false, s->syms.empty() ? "" : s->syms[0]);
    Message m = make(scratch_);
    serialised_++;
    for (Conn* c : s->conns) {
      if (!c->conflating_ && c->queued_ + m->size() <= o_.max_queue) {
        send(*c, m);
        delivered_++;
        continue;
      }
      // Past the bound: the latest row per sym waits for the queue to drain.
      c->conflating_ = true;
      auto& per_sym = c->conflated_[tname];
      for (const auto& r : rows) {
        if (!s->wanted(r.sym, r.sym_index)) continue;
        auto at = per_sym.find(r.sym);
        if (at == per_sym.end()) at = per_sym.emplace(std::string(r.sym), std::string()).first;
        at->second.assign(r.json);
      }
      conflated_rows_ += mine.size();
      c->want_write();
    }
  }
}

bool Hub::has_next(const Conn& c) const { return !c.queue_.empty() || c.conflating_; }

Message Hub::next(Conn& c, int64_t now) {
  if (c.queue_.empty() && c.conflating_) {
    // Drained: the conflated rows, one update per table.
    for (auto& [tname, per_sym] : c.conflated_) {
      if (per_sym.empty()) continue;
      std::vector<std::string_view> rows;
      for (auto& [_, row] : per_sym) rows.push_back(row);
      std::string body;
      put_update(body, c.dialect_, tname, rows, true, per_sym.size() == 1 ? per_sym.begin()->first : "");
      c.queue_.push_back(make(body));
      c.queued_ += c.queue_.back()->size();
    }
    c.conflated_.clear();
    c.conflating_ = false;
  }
  if (c.queue_.empty()) return nullptr;
  Message m = std::move(c.queue_.front());
  c.queue_.pop_front();
  c.queued_ -= m->size();
  c.last_sent_ = now;
  return m;
}

void Hub::tick(int64_t now) {
  if (o_.heartbeat_ns <= 0) return;
  Message hb;
  for (Conn* c : conns_) {
    if (!c->last_sent_) c->last_sent_ = now;  // (new: counted from now)
    if (now - c->last_sent_ < o_.heartbeat_ns || !c->queue_.empty()) continue;
    if (!hb) {
      std::string body = "{\"type\":\"heartbeat\",\"time\":\"" + timestamp_string(now) + "\"}";
      hb = make(body);
    }
    c->last_sent_ = now;
    send(*c, hb);
  }
}

bool Hub::pending() const {
  for (const Conn* c : conns_)
    if (has_next(*c)) return true;
  return false;
}

void Hub::end_of_stream() {
  flush();
  Message m = make("{\"type\":\"end\"}");
  for (Conn* c : conns_) send(*c, m);
}

void Hub::closed(Conn& c) {
  for (auto& [tname, _] : std::map<std::string, Sub*>(c.subs_)) unsubscribe(c, tname);
  conns_.erase(&c);
}

void Hub::unsubscribe(Conn& c, const std::string& tname) {
  auto it = c.subs_.find(tname);
  if (it == c.subs_.end()) return;
  Sub* s = it->second;
  c.subs_.erase(it);
  s->conns.erase(std::remove(s->conns.begin(), s->conns.end(), &c), s->conns.end());
  if (!s->conns.empty()) return;
  auto& v = by_table_[s->table];
  v.erase(std::remove(v.begin(), v.end(), s), v.end());
  subs_.erase(s->key);
}

void Hub::put_dialect_rows(std::string& out, Dialect d, const std::string& tname,
                           const std::vector<std::string_view>& rows) {
  if (d == Dialect::tick) return put_rows(out, rows);
  out += '[';
  std::string prefix = "{\"table\":";
  put_json_string(prefix, tname);
  prefix += ',';
  for (size_t i = 0; i < rows.size(); i++) {
    if (i) out += ',';
    std::string_view r = rows[i];
    if (d == Dialect::qws) {
      if (r.substr(0, prefix.size()) == prefix) (out += '{').append(r.substr(prefix.size()));
      else out += r;
      continue;
    }
    // FastAPI: the row's time, price and size (our own JSON, parsed back).
    simdjson::padded_string ps(r);
    simdjson::dom::object o;
    out += '{';
    if (parser_->parse(ps).get(o) == simdjson::SUCCESS) {
      bool first = true;
      for (const char* k : {"time", "price", "size"}) {
        simdjson::dom::element v;
        if (o[k].get(v) != simdjson::SUCCESS) continue;
        if (!first) out += ',';
        first = false;
        put_json_string(out, k);
        out += ':';
        out += simdjson::minify(v);
      }
    }
    out += '}';
  }
  out += ']';
}

void Hub::put_update(std::string& out, Dialect d, const std::string& tname, const std::vector<std::string_view>& rows,
                     bool conflated, std::string_view sym) {
  switch (d) {
    case Dialect::tick:
      out += "{\"type\":\"update\",\"table\":";
      put_json_string(out, tname);
      out += conflated ? ",\"conflated\":true,\"rows\":" : ",\"rows\":";
      break;
    case Dialect::qws:
      out += "{\"type\":\"" + tname + "_update\",\"data\":";
      break;
    case Dialect::fastapi:  // (one sym a connection)
      out += "{\"type\":\"update\",\"sym\":";
      put_json_string(out, sym);
      out += ",\"trades\":";
      break;
  }
  put_dialect_rows(out, d, tname, rows);
  out += '}';
}

void Hub::subscribe(Conn& c, const std::string& tname, std::vector<std::string> syms, size_t history,
                    std::string_view id, Dialect dialect) {
  // Rows still waiting to be sent (--update-interval) go first to those
  // subscribed before: the snapshot below has them already.
  flush();
  std::sort(syms.begin(), syms.end());
  syms.erase(std::unique(syms.begin(), syms.end()), syms.end());
  unsubscribe(c, tname);  // one subscription a table: a new one replaces it
  c.dialect_ = dialect;
  std::string key = sub_key(tname, syms, dialect);
  auto& s = subs_[key];
  if (!s) {
    s = std::make_unique<Sub>();
    s->table = tname;
    s->syms = syms;
    s->symset.insert(syms.begin(), syms.end());
    s->key = key;
    s->dialect = dialect;
    by_table_[tname].push_back(s.get());
  }
  s->conns.push_back(&c);
  c.subs_[tname] = s.get();
  if (dialect == Dialect::qws) {
    std::string body = "{\"status\":\"subscribed\",\"message\":";
    std::string what = "subscribed to " + tname;
    if (!syms.empty()) {
      what += ": ";
      for (size_t i = 0; i < syms.size(); i++) what += (i ? ", " : "") + syms[i];
    }
    put_json_string(body, what);
    put_id(body, id);
    body += '}';
    return send_text(c, body);
  }
  if (dialect == Dialect::fastapi) {
    std::vector<std::string_view> recent;
    live_.recent(tname, syms[0], 50, recent);
    std::string body = "{\"type\":\"snapshot\",\"sym\":";
    put_json_string(body, syms[0]);
    body += ",\"data\":";
    put_dialect_rows(body, dialect, tname, recent);
    body += '}';
    return send_text(c, body);
  }
  // The keyed state now, then (if asked) each sym's recent rows.
  std::vector<std::string_view> rows;
  live_.last(tname, syms, rows);
  std::string body = "{\"type\":\"snapshot\",\"table\":";
  put_json_string(body, tname);
  put_id(body, id);
  body += ",\"rows\":";
  put_rows(body, rows);
  if (history) {
    std::vector<std::string_view> recent, names;
    if (syms.empty()) live_.syms(tname, names);  // every sym, in the order they came
    else names.assign(syms.begin(), syms.end());
    for (const auto& n : names) live_.recent(tname, n, history, recent);
    body += ",\"history\":";
    put_rows(body, recent);
  }
  body += '}';
  send_text(c, body);
}

void Hub::stream_sym(Conn& c, std::string_view sym) {
  if (!table("trade")) return error(c, "", "the stream has no table \"trade\" (yet)");
  std::string s(sym);
  for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  subscribe(c, "trade", {s}, 50, "", Dialect::fastapi);
}

void Hub::message(Conn& c, std::string_view text) {
  simdjson::padded_string ps(text);
  simdjson::dom::element doc;
  if (auto e = parser_->parse(ps).get(doc); e != simdjson::SUCCESS)
    return error(c, "", std::string("malformed JSON: ") + simdjson::error_message(e));
  simdjson::dom::object obj;
  if (doc.get(obj) != simdjson::SUCCESS) return error(c, "", "a message is a JSON object");
  std::string id;
  simdjson::dom::element idv;
  if (obj["id"].get(idv) == simdjson::SUCCESS) id = simdjson::minify(idv);
  std::string_view action;
  if (obj["action"].get(action) != simdjson::SUCCESS) return error(c, id, "no \"action\" (a string)");
  if (action == "ping") {
    std::string body = "{\"type\":\"pong\"";
    put_id(body, id);
    body += '}';
    return send_text(c, body);
  }
  if (action != "subscribe" && action != "unsubscribe" && action != "query")
    return error(c, id, "unknown action \"" + std::string(action) + "\" (subscribe, unsubscribe, ping, query)");
  std::string_view tname;
  // No table: a q .z.ws server's client, whose subscriptions are to trade.
  Dialect dialect = Dialect::tick;
  auto tfield = obj["table"];
  if (tfield.error() == simdjson::NO_SUCH_FIELD && action != "query") {
    dialect = Dialect::qws;
    tname = "trade";
  } else if (tfield.get(tname) != simdjson::SUCCESS) {
    return error(c, id, "no \"table\" (a string)");
  }
  if (action != "query" && !table(tname)) {  // (a query may ask for a table only the history has)
    std::string known;
    for (const auto& t : tables_) known += (known.empty() ? "" : ", ") + t.name;
    return error(c, id, "unknown table \"" + std::string(tname) + "\" (the stream has: " + known + ")");
  }
  if (action == "unsubscribe") {
    unsubscribe(c, std::string(tname));
    std::string body = "{\"type\":\"unsubscribed\",\"table\":";
    put_json_string(body, tname);
    put_id(body, id);
    body += '}';
    return send_text(c, body);
  }
  if (action == "query") {
    if (!on_query) return error(c, id, "query: tick-ws has no history (start it with --hdb or --log)");
    FieldOf field = [&](const char* name) -> std::string {
      simdjson::dom::element v;
      if (obj[name].get(v) != simdjson::SUCCESS) return "";
      std::string_view s;
      if (v.get(s) == simdjson::SUCCESS) return std::string(s);
      if (v.is_array()) {  // "syms": [..]
        std::string out;
        for (auto e : v.get_array()) {
          std::string_view one;
          if (e.get(one) == simdjson::SUCCESS) out += (out.empty() ? "" : ",") + std::string(one);
        }
        return out;
      }
      return simdjson::minify(v);  // a number: its text
    };
    return on_query(c, field, id);
  }
  std::vector<std::string> syms;
  simdjson::dom::element sv;
  if (obj["syms"].get(sv) == simdjson::SUCCESS) {
    simdjson::dom::array arr;
    if (sv.get(arr) != simdjson::SUCCESS) return error(c, id, "\"syms\" is a list of strings");
    for (auto s : arr) {
      std::string_view one;
      if (s.get(one) != simdjson::SUCCESS || one.empty()) return error(c, id, "\"syms\" is a list of non-empty strings");
      syms.emplace_back(one);
    }
  }
  size_t history = 0;
  simdjson::dom::element hv;
  if (obj["history"].get(hv) == simdjson::SUCCESS) {
    int64_t n;
    if (hv.get(n) != simdjson::SUCCESS || n < 0) return error(c, id, "\"history\" is a count of rows (0 or more)");
    history = std::min<size_t>(static_cast<size_t>(n), std::min(o_.keep, o_.max_history));
  }
  subscribe(c, std::string(tname), std::move(syms), history, id, dialect);
}

std::string Hub::tables_json(const std::vector<Table>& history, bool has_history) const {
  std::string out = has_history ? "{\"history\":true,\"tables\":[" : "{\"history\":false,\"tables\":[";
  bool first = true;
  auto put = [&](const Table& t, bool live) {
    if (!first) out += ',';
    first = false;
    out += "{\"name\":";
    put_json_string(out, t.name);
    out += live ? ",\"live\":true" : ",\"live\":false";
    out += ",\"columns\":[";
    for (size_t c = 0; c < t.columns.size(); c++) {
      if (c) out += ',';
      out += "{\"name\":";
      put_json_string(out, t.columns[c].name);
      out += ",\"type\":";
      put_json_string(out, type_name(t.columns[c].type));
      out += '}';
    }
    out += "]}";
  };
  for (const auto& t : tables_) put(t, true);
  for (const auto& t : history)
    if (!table(t.name)) put(t, false);
  out += "]}";
  return out;
}

bool Hub::last_json(std::string_view tname, std::string_view syms_text, std::string& out) const {
  if (!table(tname)) {
    out = "unknown table \"" + std::string(tname) + "\"";
    return false;
  }
  std::vector<std::string> syms = split_list(std::string(syms_text));
  std::vector<std::string_view> rows;
  live_.last(tname, syms, rows);
  out = "{\"table\":";
  put_json_string(out, tname);
  out += ",\"rows\":";
  put_rows(out, rows);
  out += '}';
  return true;
}

}  // namespace tick::ws
