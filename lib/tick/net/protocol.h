// The messages of the subscription and publishing protocols, framed as tick
// records (man 5 tick, SUBSCRIBING and PUBLISHING).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tick/base/io.h"
#include "tick/journal/subscription.h"
#include "tick/stream/format.h"

namespace tick {

struct Accepted {
  int32_t day = kNoDate;  // the day the stream starts in
  uint64_t after = 0;     // the stream continues after this sequence number
};

void write_subscribe(Output& out, const SubscribeRequest& r);
// Throws Error for a malformed request.
SubscribeRequest parse_subscribe(const uint8_t* p, size_t len);
void write_accept(Output& out, const Accepted& a);
Accepted parse_accept(const uint8_t* p, size_t len);
// Why a peer is refused: carried in the refusal's record header (its table
// field), so that a program decides by the code and the message is for
// people. 0 is a writer's that sets no code.
enum class Refusal : uint16_t {
  unspecified = 0,
  bad_input = 1,          // what the peer sent is malformed, unexpected, or does not fit
  unknown_table = 2,      // a subscription names a table the server does not have
  not_served = 3,         // the start asked for cannot be served (no journal for it)
  cut_off = 4,            // its queue passed the server's bound: it may reconnect and resume
  already_connected = 5,  // a publisher whose earlier connection is still open: it may retry
  limit = 6,              // the server's bound on tables or symbols is reached
  timed_out = 7,          // silent, or a record left incomplete, for too long
};
struct Refused {
  Refusal code = Refusal::unspecified;
  std::string why;
};
void write_refuse(Output& out, Refusal code, const std::string& why);
// Throws Error for a malformed refusal.
Refused parse_refuse(const RecordHeader& h, const uint8_t* payload);
void write_end_of_stream(Output& out);

struct Hello {
  uint64_t publisher = 0;  // a random id, the same across reconnects
  uint64_t next = 1;       // the publisher sequence of the next record it sends
};
void write_hello(Output& out, const Hello& h);
Hello parse_hello(const uint8_t* p, size_t len);
void write_ack(Output& out, uint64_t publisher, uint64_t upto);
void parse_ack(const uint8_t* p, size_t len, uint64_t& publisher, uint64_t& upto);

}  // namespace tick
