// tick-sub's work: subscribe to a tick-pub, write the stream, and on a lost
// connection reconnect with backoff and resume after the last sequence seen.
#pragma once
#include <string>

#include "tick/base/io.h"
#include "tick/net/protocol.h"
#include "tick/text/copy.h"

namespace tick {

struct SubOptions {
  std::string address;
  SubscribeRequest request;
  CopyOptions copy;
  bool reconnect = true;
  bool until_eod = false;
  size_t max_record = 64u << 20;  // payload bytes of one record from the server
};

// Returns the exit status: 0 at end-of-stream, --until-eod's end of day or a
// stop signal; throws Error when refused or (without reconnect) disconnected.
int subscribe(const SubOptions& o, Output& out);

}  // namespace tick
