// tick-q: the tickerplant's kdb+ IPC face. A tick stream on stdin served to
// q subscribers as tick.q serves them (.u.sub, `upd, .u.end), written as a
// tick.q journal for r.q's replay, and q feeds' .u.upd published into a
// tick-log --listen as one more publisher. Nothing a client sends is
// evaluated: the requests tick.q's clients make are recognised, the rest
// refused with a q error.
#pragma once
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tick/base/io.h"
#include "tick/net/net.h"
#include "tick/q/users.h"
#include "tick/stream/schema.h"

namespace tick {

struct QOptions {
  std::vector<std::string> listen;
  int unix_mode = kDefaultSocketMode;
  Users users;  // --users; empty: any credentials
  size_t max_clients = 512;
  size_t max_message = 64u << 20;  // bytes of one message (uncompressed) at most
  size_t max_queue = 64u << 20;    // bytes queued for one client at most
  double handshake_secs = 10;      // for a connection's handshake
  std::string kdb_log;             // directory of the tick.q journal written
  std::string kdb_log_name = "sym";
  std::string feed_to;                   // a tick-log --listen, for .u.upd
  std::shared_ptr<const Schema> schema;  // --schema: before the stream's
  double feed_linger_secs = 10;          // after the input ends, for acknowledgements
  void (*on_listening)(const std::vector<std::string>&) = nullptr;
};

// Serves until the input ends (or a stop signal).
void serve_q(Input& in, const QOptions& o);

}  // namespace tick
