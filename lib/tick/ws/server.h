// tick-ws: a tick stream on stdin served to browsers over WebSockets and
// HTTP, on libwebsockets (man 1 tick-ws).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tick/ws/hub.h"

namespace tick::ws {

// History queries one WebSocket connection may have running at once.
constexpr size_t kQueriesPerClient = 4;
// A WebSocket query's result is one message: at most this large.
constexpr size_t kMaxResultBytes = 16u << 20;

struct ServerOptions {
  std::string listen = ":8080";
  HubOptions hub;
  std::string token;                 // required from every request when set
  std::vector<std::string> origins;  // allowed Origin values (empty: any)
  std::string tls_cert, tls_key;
  size_t max_message = 64 << 10;     // a client's message over this closes its connection
  size_t max_clients = 10000;
  std::string address_file;          // the address bound, for scripts (port 0 picks one)
  QuerySources history;              // --hdb, --log
  uint64_t max_rows = 1000000;       // an HTTP query's limit at most (a WebSocket one's: max_rows / 10)
  size_t max_queries = 16;           // history queries running at once, all clients (and reads abandoned)
  double query_timeout = 30;         // seconds a query's read may make no progress before it is abandoned
  double update_interval = 0.001;    // seconds at least between two sends of what came (0: each as it comes)
};

// Serves until stdin ends or a stop signal; returns the exit status.
int serve(const ServerOptions& o);

}  // namespace tick::ws
