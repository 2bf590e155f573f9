// tick-pub's fan-out: a tick stream on stdin served to many subscribers,
// each filtered by table and sym, caught up from the journal and joined to
// the live stream with no gap and no duplicate, cut off when its queue
// passes a bound (it reconnects and resumes from the journal).
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "tick/base/io.h"
#include "tick/net/net.h"

namespace tick {

struct PubOptions {
  std::vector<std::string> listen;  // addresses
  int unix_mode = kDefaultSocketMode;  // file mode of Unix sockets
  std::string log_dir;              // the journal, for catch-up
  size_t max_queue = 64u << 20;     // bytes queued for one subscriber at most
  double stats_secs = 0;            // print rates and queues this often
  double heartbeat_secs = 1;        // to idle subscribers
  double timeout_secs = 10;         // for a connection's subscribe request
  // After the input ends, how long to wait for a cut-off subscriber to
  // come back for the rest (from the journal) and its end-of-stream.
  double linger_secs = 30;
  // Called once the listeners are bound, with "ADDR" of each (for :0).
  void (*on_listening)(const std::vector<std::string>&) = nullptr;
};

// Serves until the input ends and every subscriber has what came before it
// (then an end-of-stream), or until a stop signal.
void serve(Input& in, const PubOptions& o);

}  // namespace tick
