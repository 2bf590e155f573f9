// tick-pub --to: the feed side. Sends a tick stream to a tick-log --listen
// as one more publisher, holding every data record until the journal
// acknowledges it, and resending what was not acknowledged after a
// reconnect (tick-log journals each record once).
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "tick/base/io.h"

namespace tick {

struct FeedOptions {
  std::string address;
  size_t max_hold = 256u << 20;  // unacknowledged bytes held at most (then stdin waits)
  int input_fd = 0;              // the descriptor the input reads (watched for more)
  // Told each time the journal acknowledges more: every data record up to
  // the upto'th of the input is journaled.
  std::function<void(uint64_t upto)> on_ack;
  // Set to give up (what is held is said, not journaled).
  const std::atomic<bool>* quit = nullptr;
};

// Returns once the input has ended and every record is acknowledged (or at
// a stop signal). Throws Error if the journal refuses the stream.
void feed_journal(Input& in, const FeedOptions& o);

}  // namespace tick
