#include "tick/net/protocol.h"

#include <cstring>

#include "tick/base/error.h"
#include "tick/stream/payload.h"

namespace tick {

using namespace payload;

// Subscribe: u8 from, u8 0, u16 ntables, i32 day, u64 seq, u32 nsyms,
// then the table names and the syms, each u16 length + bytes.
void write_subscribe(Output& out, const SubscribeRequest& r) {
  std::vector<uint8_t> b;
  b.push_back(static_cast<uint8_t>(r.from));
  b.push_back(0);
  b.push_back(static_cast<uint8_t>(r.tables.size()));
  b.push_back(static_cast<uint8_t>(r.tables.size() >> 8));
  put32(b, static_cast<uint32_t>(r.day));
  put64(b, r.seq);
  put32(b, static_cast<uint32_t>(r.syms.size()));
  for (const auto& t : r.tables) put_str(b, t);
  for (const auto& s : r.syms) put_str(b, s);
  emit(out, RecordType::Subscribe, b);
}

SubscribeRequest parse_subscribe(const uint8_t* p, size_t len) {
  Cursor c{p, len, 0, "subscribe"};
  SubscribeRequest r;
  c.need(2);
  uint8_t from = p[0];
  c.at = 2;
  if (from > 2) fail("subscribe message: unknown start kind ", int(from));
  r.from = static_cast<SubscribeRequest::From>(from);
  uint16_t nt = c.u16();
  r.day = static_cast<int32_t>(c.u32());
  r.seq = c.u64();
  uint32_t ns = c.u32();
  if (ns > (len / 2)) fail("subscribe message: bad sym count");
  for (uint16_t i = 0; i < nt; i++) r.tables.push_back(c.str());
  for (uint32_t i = 0; i < ns; i++) r.syms.push_back(c.str());
  return r;
}

void write_accept(Output& out, const Accepted& a) {
  std::vector<uint8_t> b;
  put32(b, static_cast<uint32_t>(a.day));
  put32(b, 0);
  put64(b, a.after);
  emit(out, RecordType::Accept, b);
}

Accepted parse_accept(const uint8_t* p, size_t len) {
  Cursor c{p, len, 0, "accept"};
  Accepted a;
  a.day = static_cast<int32_t>(c.u32());
  c.u32();
  a.after = c.u64();
  return a;
}

void write_refuse(Output& out, Refusal code, const std::string& why) {
  // Sized once and copied (GCC 12 warns falsely on insert after put32 at -O2).
  std::vector<uint8_t> b(pad8(4 + why.size()), 0);
  store32(b.data(), static_cast<uint32_t>(why.size()));
  if (!why.empty()) std::memcpy(b.data() + 4, why.data(), why.size());
  write_record(out, RecordType::Refuse, static_cast<uint16_t>(code), b.data(), static_cast<uint32_t>(b.size()));
}

Refused parse_refuse(const RecordHeader& h, const uint8_t* payload) {
  Cursor c{payload, h.length, 0, "refuse"};
  uint32_t n = c.u32();
  c.need(n);
  return Refused{static_cast<Refusal>(h.table), std::string(reinterpret_cast<const char*>(payload + 4), n)};
}

void write_end_of_stream(Output& out) { write_record(out, RecordType::EndOfStream, 0, nullptr, 0); }

void write_hello(Output& out, const Hello& h) {
  std::vector<uint8_t> b;
  put64(b, h.publisher);
  put64(b, h.next);
  emit(out, RecordType::Hello, b);
}

Hello parse_hello(const uint8_t* p, size_t len) {
  Cursor c{p, len, 0, "hello"};
  Hello h;
  h.publisher = c.u64();
  h.next = c.u64();
  return h;
}

void write_ack(Output& out, uint64_t publisher, uint64_t upto) {
  std::vector<uint8_t> b;
  put64(b, publisher);
  put64(b, upto);
  emit(out, RecordType::Ack, b);
}

void parse_ack(const uint8_t* p, size_t len, uint64_t& publisher, uint64_t& upto) {
  Cursor c{p, len, 0, "ack"};
  publisher = c.u64();
  upto = c.u64();
}

}  // namespace tick
