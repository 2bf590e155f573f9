// tick-q: the tickerplant's kdb+ IPC face: q subscribers (r.q and its
// kind) and q feeds (.u.upd) on a tick stream, as tick.q serves them.
#include <cstdio>

#include "common/cli.h"
#include "tick/base/units.h"
#include "tick/q/server.h"
#include "tick/stream/schema.h"

using namespace tick;

namespace {
void print_listening(const std::vector<std::string>& addrs) {
  for (const auto& a : addrs) std::fprintf(stderr, "tick-q: listening on %s\n", a.c_str());
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Serve a tick stream from stdin to kdb+ clients over q's IPC, as tick.q does.", "tick-q"};
  QOptions o;
  std::string max_queue = "64M", max_message = "64M", mode, users, schema;
  app.add_option("-l,--listen", o.listen, "Address to serve on: :PORT (loopback), HOST:PORT, unix:PATH (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--mode", mode, "File mode of Unix sockets, octal (default 660)");
  app.add_option("--users", users, "Accept only the user:password lines of FILE (q's -u); default: any credentials");
  app.add_option("--kdb-log", o.kdb_log, "Write the stream as tick.q journals in DIR, for r.q's replay (`.u `i`L)");
  app.add_option("--kdb-log-name", o.kdb_log_name, "The journals' name before the date (default sym: sym2026.12.07)");
  app.add_option("--feed-to", o.feed_to, "Publish q feeds' .u.upd to this tick-log --listen ADDR");
  app.add_option("--schema", schema, "The tables (sym.q or tick's schema) until the stream names them");
  app.add_option("--max-clients", o.max_clients, "Connections at most (default 512)")->check(CLI::Range(1, 1000000));
  app.add_option("--max-message", max_message, "Bytes of one message from a client at most (default 64M)");
  app.add_option("--max-queue", max_queue, "Cut off a client whose queue passes this (default 64M)");
  app.add_option("--handshake-timeout", o.handshake_secs, "Seconds a connection may take to log in (default 10)")
      ->check(CLI::Range(0.1, 86400.0));
  app.add_option("--feed-linger", o.feed_linger_secs,
                 "After the input ends, seconds to wait for the journal to acknowledge feeds (default 10)")
      ->check(CLI::Range(0.0, 86400.0));

  return cli::run(app, argc, argv, [&] {
    if (o.listen.empty()) throw UsageError("give at least one -l ADDR");
    o.max_queue = parse_size(max_queue, "--max-queue");
    o.max_message = parse_size(max_message, "--max-message");
    if (o.max_message > (2000u << 20)) throw UsageError("--max-message: at most 2000M (q's messages are under 2 GB)");
    if (!mode.empty()) o.unix_mode = parse_mode(mode);
    if (!users.empty()) o.users = load_users(users);
    if (!schema.empty()) o.schema = std::make_shared<const Schema>(load_schema(schema));
    o.on_listening = print_listening;
    auto in = Input::open("-");
    serve_q(*in, o);
    return 0;
  });
}
