// kdb+ IPC (KDB.md, "IPC"): message headers, q's compression, the requests
// tick.q's clients send (what they ask, taken apart without evaluating
// anything), and the objects tick-q answers with.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tick/base/io.h"
#include "tick/kdb/object.h"
#include "tick/stream/reader.h"
#include "tick/stream/schema.h"
#include "tick/stream/symbols.h"

namespace tick::kdb {

constexpr size_t kMsgHead = 8;
enum MsgType : uint8_t { kAsync = 0, kSync = 1, kResponse = 2 };

struct MsgHeader {
  uint8_t type = kAsync;
  bool compressed = false;
  uint32_t length = 0;  // the whole message's, with its header
};
// The 8 bytes of a message's header; an empty string, or what is wrong
// (big-endian, an unknown type, a length shorter than the header).
std::string parse_msg_header(const uint8_t* p, MsgHeader& h);

// A client's login: "user:password" (or anything, or nothing), a
// capability byte, 00. incomplete until its 00 has come; too_long past
// kMaxLogin bytes without it.
constexpr size_t kMaxLogin = 1024;
struct Login {
  std::string user, password;
  uint8_t capability = 0;  // 0 when none was sent
  size_t length = 0;       // bytes it took, with its 00
};
enum class LoginState { incomplete, complete, too_long };
LoginState parse_login(const uint8_t* p, size_t n, Login& l);

// A compressed message (whole, with its header) made whole again in out
// (its header's compressed flag cleared); at most `max` bytes. Returns an
// empty string, or what is wrong.
std::string decompress(const uint8_t* msg, size_t n, size_t max, std::vector<uint8_t>& out);

// What a client asked, taken apart: nothing is evaluated.
struct Request {
  enum class Kind {
    subscribe,  // .u.sub[t;syms]; with_log: r.q's (.u.sub[..];`.u `i`L)
    position,   // `.u `i`L alone
    publish,    // .u.upd[t;x]
    nothing,    // "" (a Java feed's sync after a batch): answered ::
    refused,    // anything else: error says q's word for it
  };
  Kind kind = Kind::refused;
  bool with_log = false;
  std::string table;              // "" for every table
  bool all_syms = true;           // else syms
  std::vector<std::string> syms;
  const uint8_t* data = nullptr;  // publish: x, sized already
  std::string error;              // refused: "access", "nyi"
};
// The object of a message (of n bytes, already checked by object_size).
Request parse_request(const uint8_t* obj, size_t n);

// A copy of .u.upd's x with the time column put first, stamped `now` (Unix
// ns), when the table's first column is its time and x lacks it (tick.q
// stamps what a feed sends without one); false when x is used as it is.
bool stamp_time(const Table& t, const uint8_t* x, size_t n, int64_t now, std::vector<uint8_t>& out);

// Answers.
void put_long_atom(Output& o, int64_t v);
void put_symbol_atom(Output& o, std::string_view s);
void put_date_atom(Output& o, int32_t tick_date);
void put_error(Output& o, std::string_view text);
void put_null(Output& o);  // ::
// An empty table of t's schema, its sym column g# (q's .u.sub answer).
void put_empty_table(Output& o, const Table& t);
// The columns of a data record (every row, or the n listed in rows) as typed
// vectors in schema order, as a mixed list (journals), or as a table.
void put_columns(Output& o, const DataView& v, const SymbolTable& syms, const uint32_t* rows, uint32_t n);
void put_table(Output& o, const DataView& v, const SymbolTable& syms, const uint32_t* rows, uint32_t n);

// A message built whole: the header's length is set when it is taken.
class Message {
 public:
  Message() : out_([this](const uint8_t* p, size_t n) { buf_.insert(buf_.end(), p, p + n); }, 64 << 10) {}
  Output& start(uint8_t type);
  std::vector<uint8_t> take();

 private:
  std::vector<uint8_t> buf_;
  Output out_;
};

}  // namespace tick::kdb
