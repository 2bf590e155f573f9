// tick-ws: a tick stream on stdin to browsers, over WebSockets and HTTP.
#include <unistd.h>

#include "common/cli.h"
#include "tick/base/units.h"
#include "tick/stream/filter.h"
#include "tick/ws/server.h"

using namespace tick;

int main(int argc, char** argv) {
  CLI::App app{"Serve a tick stream on stdin to browsers: WebSockets (/ws, /stream/SYM) and HTTP (/api/...).",
               "tick-ws"};
  ws::ServerOptions o;
  std::string max_queue = "4M", max_message = "64K", origins;
  double heartbeat = 30;
  app.add_option("-l,--listen", o.listen, "Address to serve on: :PORT (loopback, the default :8080) or HOST:PORT");
  app.add_option("--hdb", o.history.hdb, "The HDB that history queries read past days from")->check(CLI::ExistingDirectory);
  app.add_option("--log", o.history.log, "The journal directory that history queries read today from");
  app.add_option("--max-rows", o.max_rows, "An HTTP query's limit at most (default 1000000; a WebSocket one's: a tenth)")
      ->check(CLI::Range(uint64_t{10}, uint64_t{1} << 40));
  app.add_option("--batch-rows", o.hub.batch_rows,
                 "Rows that came together go out as one update of at most this many (default 1024)")
      ->check(CLI::Range(size_t{1}, size_t{1} << 20));
  app.add_option("--update-interval", o.update_interval,
                 "Seconds at least between two sends of new rows: rows coming faster go out together (default 0.001; 0: each as it comes)")
      ->check(CLI::Range(0.0, 60.0));
  app.add_option("--keep", o.hub.keep, "Recent rows kept per sym, for history (default 100)")
      ->check(CLI::Range(1, 100000));
  app.add_option("--max-queue", max_queue, "A client's queued bytes before its updates are conflated (default 4M)");
  app.add_option("--heartbeat", heartbeat, "Seconds of silence before a heartbeat to a client (default 30; 0: none)")
      ->check(CLI::Range(0.0, 86400.0));
  app.add_option("--token", o.token, "Required from every request: ?token=T or Authorization: Bearer T");
  app.add_option("--origin", origins, "Origins allowed (comma-separated; default: any)");
  app.add_option("--tls-cert", o.tls_cert, "Certificate (PEM): serve https and wss");
  app.add_option("--tls-key", o.tls_key, "The certificate's private key (PEM)");
  app.add_option("--max-message", max_message, "A client's message over this closes its connection (default 64K)");
  app.add_option("--max-clients", o.max_clients, "Connections at most (default 10000)");
  app.add_option("--max-queries", o.max_queries, "History queries running at once, all clients (default 16)")
      ->check(CLI::PositiveNumber);
  app.add_option("--query-timeout", o.query_timeout,
                 "Seconds a history query's read may make no progress before it is abandoned (default 30)")
      ->check(CLI::PositiveNumber);
  app.add_option("--address-file", o.address_file, "Write the address served on to FILE (with -l :0, the port chosen)");
  return cli::run(app, argc, argv, [&] {
    if (o.tls_cert.empty() != o.tls_key.empty()) throw UsageError("--tls-cert and --tls-key go together");
    if (::isatty(STDIN_FILENO))
      throw UsageError("refusing to read a binary tick stream from a terminal (pipe one in: tick-sub :5010 | tick-ws)");
    o.hub.max_queue = parse_size(max_queue, "--max-queue");
    o.max_message = parse_size(max_message, "--max-message");
    o.hub.heartbeat_ns = static_cast<int64_t>(heartbeat * 1e9);
    o.origins = split_list(origins);
    return ws::serve(o);
  });
}
