#include "tick/kdb/ipc.h"

#include <algorithm>
#include <cstring>

#include "tick/base/clock.h"
#include "tick/base/error.h"

namespace tick::kdb {

std::string parse_msg_header(const uint8_t* p, MsgHeader& h) {
  if (p[0] != 1) return p[0] == 0 ? "a big-endian message (not taken)" : "not a kdb+ message header";
  if (p[1] > kResponse) return str("a message of type ", int{p[1]});
  if (p[2] > 1) return "not a kdb+ message header";
  h.type = p[1];
  h.compressed = p[2] == 1;
  h.length = load32(p + 4);
  if (h.length < kMsgHead + (h.compressed ? 4 : 1)) return str("a message of ", h.length, " bytes");
  return {};
}

LoginState parse_login(const uint8_t* p, size_t n, Login& l) {
  const uint8_t* nul = static_cast<const uint8_t*>(std::memchr(p, 0, std::min(n, kMaxLogin + 1)));
  if (!nul) return n > kMaxLogin ? LoginState::too_long : LoginState::incomplete;
  std::string cred(reinterpret_cast<const char*>(p), static_cast<size_t>(nul - p));
  l.capability = 0;
  if (!cred.empty() && static_cast<uint8_t>(cred.back()) < 0x20) {
    l.capability = static_cast<uint8_t>(cred.back());
    cred.pop_back();
  }
  size_t colon = cred.find(':');
  l.user = cred.substr(0, colon);
  l.password = colon == std::string::npos ? std::string() : cred.substr(colon + 1);
  l.length = static_cast<size_t>(nul - p) + 1;
  return LoginState::complete;
}

std::string decompress(const uint8_t* msg, size_t n, size_t max, std::vector<uint8_t>& out) {
  if (n < 12) return "a compressed message without its length";
  const uint32_t total = load32(msg + 8);
  if (total < kMsgHead + 1) return str("a compressed message claiming ", total, " bytes");
  if (total > max) return str("a compressed message of ", total, " bytes (more than --max-message)");
  out.assign(total, 0);
  uint8_t* dst = out.data();
  std::memcpy(dst, msg, kMsgHead);
  dst[2] = 0;
  store32(dst + 4, total);
  // An 8-item group behind each flag byte: a clear bit is a literal byte,
  // a set bit two bytes (where in the table of positions, how many more
  // than 2) copying from a position already made.
  uint32_t table[256] = {};
  size_t s = kMsgHead, p = s, d = 12;
  unsigned flags = 0, bit = 0;
  const char* torn = "a compressed message ending early";
  while (s < total) {
    if (bit == 0) {
      if (d >= n) return torn;
      flags = msg[d++];
      bit = 1;
    }
    size_t more = 0;
    if (flags & bit) {
      if (d + 2 > n) return torn;
      size_t r = table[msg[d++]];
      more = msg[d++];
      if (r < kMsgHead || r >= s || s + 2 + more > total)
        return "a compressed message that copies from past its end";
      // (the source may overlap what is being made: copy byte by byte)
      for (size_t m = 0; m < 2 + more; m++) dst[s + m] = dst[r + m];
      s += 2;
    } else {
      if (d >= n) return torn;
      dst[s++] = msg[d++];
    }
    while (p + 1 < s) {
      table[dst[p] ^ dst[p + 1]] = static_cast<uint32_t>(p);
      p++;
    }
    if (flags & bit) p = s += more;
    bit = (bit << 1) & 0xff;
  }
  return {};
}

namespace {

std::string_view char_vector(const uint8_t* o) { return {reinterpret_cast<const char*>(o + 6), load32(o + 2)}; }

std::vector<const uint8_t*> items_of(const uint8_t* list) {
  std::vector<const uint8_t*> v;
  list_items(list, v);
  return v;
}
std::vector<std::string_view> symbols_of(const uint8_t* vec) {
  std::vector<std::string_view> v;
  symbol_names(vec, v);
  return v;
}

// A function named by a symbol or a string (a lambda has no name: "").
std::string_view name_of(const uint8_t* o) {
  int t = static_cast<int8_t>(o[0]);
  if (t == -kSymbol) return symbol_text(o);
  if (t == kChar) return char_vector(o);
  return {};
}

Request refused(const char* word) {
  Request r;
  r.error = word;
  return r;
}

// .u.sub's table: a symbol or a string; "" for all.
bool sub_table(const uint8_t* o, Request& r) {
  int t = static_cast<int8_t>(o[0]);
  if (t != -kSymbol && t != kChar) return false;
  r.table = std::string(name_of(o));
  return true;
}
// .u.sub's syms: ` or "" for all; a symbol, a string, a list of either.
bool sub_syms(const uint8_t* o, Request& r) {
  int t = static_cast<int8_t>(o[0]);
  r.all_syms = false;
  r.syms.clear();
  if (t == -kSymbol || t == kChar) {
    std::string_view s = name_of(o);
    if (s.empty()) r.all_syms = true;
    else r.syms.emplace_back(s);
    return true;
  }
  if (t == kSymbol) {
    for (auto s : symbols_of(o)) r.syms.emplace_back(s);
    return true;
  }
  if (t == kMixed) {
    for (const uint8_t* e : items_of(o)) {
      int et = static_cast<int8_t>(e[0]);
      if (et != -kSymbol && et != kChar) return false;
      r.syms.emplace_back(name_of(e));
    }
    return true;
  }
  return false;
}

// The text forms: .u.sub[`t;`a`b], r.q's and chainedr.q's, `.u `i`L.
bool parse_sub_text(std::string_view s, Request& r) {
  const std::string_view head = ".u.sub[";
  if (s.substr(0, head.size()) != head) return false;
  size_t semi = s.find(';');
  size_t close = s.find(']');
  if (semi == std::string_view::npos || close == std::string_view::npos || semi > close || close + 1 != s.size())
    return false;
  auto names = [](std::string_view a, std::vector<std::string>& out) {
    if (a.empty() || a[0] != '`') return false;
    out.clear();
    size_t i = 1;
    while (true) {
      size_t j = a.find('`', i);
      std::string_view n = a.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i);
      for (char c : n)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.')) return false;
      out.emplace_back(n);
      if (j == std::string_view::npos) return true;
      i = j + 1;
    }
  };
  std::vector<std::string> t, y;
  if (!names(s.substr(head.size(), semi - head.size()), t) || t.size() != 1) return false;
  if (!names(s.substr(semi + 1, close - semi - 1), y)) return false;
  r.kind = Request::Kind::subscribe;
  r.table = t[0];
  r.all_syms = y.size() == 1 && y[0].empty();
  r.syms = r.all_syms ? std::vector<std::string>{} : y;
  for (auto& n : r.syms)
    if (n.empty()) return false;
  return true;
}

Request parse_text(std::string_view text) {
  std::string s;
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c))) s += c;
  Request r;
  if (s.empty()) {
    r.kind = Request::Kind::nothing;
    return r;
  }
  if (s == "`.u`i`L") {
    r.kind = Request::Kind::position;
    return r;
  }
  // r.q: (.u.sub[`;`];`.u `i`L); chainedr.q asks a chained tickerplant's
  // `.u `m first, which a tickerplant lacks: the same answer.
  for (std::string_view tail : {";`.u`i`L)", ";$[`minkey`.u;(`.u`m)\"`.u`i`L\";`.u`i`L])"}) {
    if (s.size() > tail.size() + 1 && s[0] == '(' && s.compare(s.size() - tail.size(), tail.size(), tail) == 0) {
      if (parse_sub_text(std::string_view(s).substr(1, s.size() - tail.size() - 1), r)) {
        r.with_log = true;
        return r;
      }
      return refused("nyi");
    }
  }
  if (parse_sub_text(s, r)) return r;
  if (s.rfind(".u.sub", 0) == 0 || s.rfind(".u.upd", 0) == 0) return refused("nyi");
  return refused("access");
}

}  // namespace

Request parse_request(const uint8_t* obj, size_t n) {
  if (n == 0) return refused("access");
  const int t = static_cast<int8_t>(obj[0]);
  if (t == kChar) return parse_text(char_vector(obj));
  if (t == kSymbol) {  // (`.u.sub;`t;`s): q sends an all-symbol list as a vector
    auto v = symbols_of(obj);
    if (v.size() != 3 || v[0] != ".u.sub") return refused(v.empty() || v[0] == ".u.sub" ? "rank" : "access");
    Request r;
    r.kind = Request::Kind::subscribe;
    r.table = std::string(v[1]);
    r.all_syms = v[2].empty();
    if (!r.all_syms) r.syms.emplace_back(v[2]);
    return r;
  }
  if (t != kMixed || load32(obj + 2) == 0) return refused("access");
  auto items = items_of(obj);
  std::string_view fn = name_of(items[0]);
  if (fn == ".u.sub") {
    Request r;
    if (items.size() != 3) return refused("rank");
    if (!sub_table(items[1], r) || !sub_syms(items[2], r)) return refused("type");
    r.kind = Request::Kind::subscribe;
    return r;
  }
  if (fn == ".u.upd") {
    Request r;
    if (items.size() != 3) return refused("rank");
    int tt = static_cast<int8_t>(items[1][0]);
    if (tt != -kSymbol && tt != kChar) return refused("type");
    r.kind = Request::Kind::publish;
    r.table = std::string(name_of(items[1]));
    r.data = items[2];
    return r;
  }
  return refused("access");
}

namespace {

// The time column's value for `now` (Unix ns) in q's encoding.
void put_time_value(uint8_t* p, Type t, int64_t now) {
  const int64_t day = time_of_day(now);
  switch (t) {
    case Type::timestamp: store64(p, static_cast<uint64_t>(timestamp_to_q(now))); break;
    case Type::timespan: store64(p, static_cast<uint64_t>(day)); break;
    case Type::time: store32(p, static_cast<uint32_t>(day / 1'000'000)); break;
    case Type::second: store32(p, static_cast<uint32_t>(day / kNsPerSec)); break;
    case Type::minute: store32(p, static_cast<uint32_t>(day / (60 * kNsPerSec))); break;
    default: break;
  }
}

// How many rows a column object holds (an atom: one).
int64_t count_of(const uint8_t* o) {
  int t = static_cast<int8_t>(o[0]);
  if (t < 0) return 1;
  if (t >= 0 && t <= 19) return load32(o + 2);
  return -1;
}

// A vector's head (no attribute) appended to out.
void vector_head(std::vector<uint8_t>& out, int type, size_t count) {
  const uint8_t h[6] = {static_cast<uint8_t>(type), 0, 0, 0, 0, 0};
  out.insert(out.end(), h, h + 6);
  store32(out.data() + out.size() - 4, static_cast<uint32_t>(count));
}

void put_time_column(std::vector<uint8_t>& out, Type t, int64_t now, int64_t rows, bool atom) {
  const int qt = q_type_of(t);
  const int w = element_width(qt);
  size_t at = out.size();
  if (atom) {
    out.resize(at + 1 + w);
    out[at] = static_cast<uint8_t>(-qt);
    put_time_value(out.data() + at + 1, t, now);
    return;
  }
  vector_head(out, qt, static_cast<size_t>(rows));
  out.resize(at + 6 + size_t(rows) * w);
  for (int64_t i = 0; i < rows; i++) put_time_value(out.data() + at + 6 + size_t(i) * w, t, now);
}

}  // namespace

bool stamp_time(const Table& t, const uint8_t* x, size_t n, int64_t now, std::vector<uint8_t>& out) {
  if (t.columns.empty() || !time_column_type(t.columns[0].type)) return false;
  const Type tt = t.columns[0].type;
  const int qt = q_type_of(tt);
  const size_t nc = t.columns.size();
  const int xt = static_cast<int8_t>(x[0]);
  out.clear();
  if (xt == kMixed) {
    auto items = items_of(x);
    if (items.size() + 1 != nc || items.empty()) return false;
    int first = static_cast<int8_t>(items[0][0]);
    if (first == qt || first == -qt) return false;
    const bool atom = first < 0 && !(t.columns[1].type == Type::string && first == kChar);
    out.assign(x, x + 6);
    store32(out.data() + 2, static_cast<uint32_t>(nc));
    put_time_column(out, tt, now, atom ? 1 : count_of(items[0]), atom);
    out.insert(out.end(), items[0], x + n);
    return true;
  }
  if (xt == kTable) {
    // 98 attr 99 (names) (columns): the time column's name and values first.
    std::vector<std::string_view> names;
    std::vector<const uint8_t*> items;
    if (!table_parts(x, names, items).empty() || items.empty()) return false;
    const std::string& tn = t.columns[0].name;
    if (std::find(names.begin(), names.end(), tn) != names.end()) return false;
    out.assign(x, x + 3);
    vector_head(out, kSymbol, names.size() + 1);
    out.insert(out.end(), tn.c_str(), tn.c_str() + tn.size() + 1);
    for (auto nm : names) out.insert(out.end(), nm.data(), nm.data() + nm.size() + 1);
    vector_head(out, kMixed, items.size() + 1);
    put_time_column(out, tt, now, count_of(items[0]), false);
    out.insert(out.end(), items[0], x + n);
    return true;
  }
  return false;
}

void put_long_atom(Output& o, int64_t v) {
  put8(o, static_cast<uint8_t>(-kLong));
  store64(o.reserve(8), static_cast<uint64_t>(v));
  o.commit(8);
}

void put_symbol_atom(Output& o, std::string_view s) {
  put8(o, static_cast<uint8_t>(-kSymbol));
  put_symbol(o, s);
}

void put_date_atom(Output& o, int32_t tick_date) {
  put8(o, static_cast<uint8_t>(-kDate));
  put32(o, static_cast<uint32_t>(date_to_q(tick_date)));
}

void put_error(Output& o, std::string_view text) {
  put8(o, static_cast<uint8_t>(kError));
  put_symbol(o, text);
}

void put_null(Output& o) {
  put8(o, 101);
  put8(o, 0);
}

namespace {
void put_table_head(Output& o, const Table& t) {
  put8(o, static_cast<uint8_t>(kTable));
  put8(o, 0);
  put8(o, static_cast<uint8_t>(kDict));
  put_vector_head(o, kSymbol, static_cast<uint32_t>(t.columns.size()));
  for (const auto& c : t.columns) put_symbol(o, c.name);
}
}  // namespace

void put_empty_table(Output& o, const Table& t) {
  put_table_head(o, t);
  put_vector_head(o, kMixed, static_cast<uint32_t>(t.columns.size()));
  for (size_t c = 0; c < t.columns.size(); c++) {
    uint8_t* p = o.reserve(6);
    p[0] = static_cast<uint8_t>(q_type_of(t.columns[c].type));
    p[1] = static_cast<int>(c) == t.sym_col && t.columns[c].type == Type::symbol ? 4 : 0;  // g#
    store32(p + 2, 0);
    o.commit(6);
  }
}

void put_columns(Output& o, const DataView& v, const SymbolTable& syms, const uint32_t* sel, uint32_t n) {
  const Table& t = *v.table;
  const size_t nc = t.columns.size();
  auto row = [&](uint32_t i) { return sel ? sel[i] : i; };
  put_vector_head(o, kMixed, static_cast<uint32_t>(nc));
  for (size_t c = 0; c < nc; c++) {
    const Type ty = t.columns[c].type;
    const int w = type_width(ty);
    put_vector_head(o, q_type_of(ty), n);
    if (ty == Type::symbol) {
      for (uint32_t i = 0; i < n; i++) put_symbol(o, syms.name(v.get<uint32_t>(static_cast<int>(c), row(i))));
    } else if (ty == Type::string) {
      for (uint32_t i = 0; i < n; i++) {
        std::string_view s = v.string(static_cast<int>(c), row(i));
        put_vector_head(o, kChar, static_cast<uint32_t>(s.size()));
        o.write(s.data(), s.size());
      }
    } else {
      uint8_t* p = o.reserve(size_t{n} * w);
      if (!sel) std::memcpy(p, v.cols[c], size_t{n} * w);
      else
        for (uint32_t i = 0; i < n; i++) std::memcpy(p + size_t{i} * w, v.cols[c] + size_t{row(i)} * w, w);
      values_to_q(ty, p, p, n);
      o.commit(size_t{n} * w);
    }
  }
}

void put_table(Output& o, const DataView& v, const SymbolTable& syms, const uint32_t* sel, uint32_t n) {
  put_table_head(o, *v.table);
  put_columns(o, v, syms, sel, n);
}

Output& Message::start(uint8_t type) {
  out_.flush();
  buf_.clear();
  const uint8_t h[kMsgHead] = {1, type, 0, 0, 0, 0, 0, 0};
  out_.write(h, sizeof h);
  return out_;
}

std::vector<uint8_t> Message::take() {
  out_.flush();
  store32(buf_.data() + 4, static_cast<uint32_t>(buf_.size()));
  return std::move(buf_);
}

}  // namespace tick::kdb
