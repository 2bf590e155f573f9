// tick-pub: fan-out of a tick stream to subscribers (and, with --to, the
// feed side: a publisher into tick-log --listen).
#include <unistd.h>

#include <cstdio>

#include "common/cli.h"
#include "tick/base/diag.h"
#include "tick/base/units.h"
#include "tick/net/pub.h"
#include "tick/net/publisher.h"

using namespace tick;

namespace {
void print_listening(const std::vector<std::string>& addrs) {
  for (const auto& a : addrs) std::fprintf(stderr, "tick-pub: listening on %s\n", a.c_str());
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Serve a tick stream from stdin to subscribers, from the journal and live.", "tick-pub"};
  PubOptions o;
  std::string max_queue = "64M", mode;
  app.add_option("-l,--listen", o.listen, "Address to serve on: :PORT (loopback), HOST:PORT, unix:PATH (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--mode", mode, "File mode of Unix sockets, octal (default 660)");
  app.add_option("--log", o.log_dir, "The journal directory, to serve subscribers from the start or a sequence");
  app.add_option("--max-queue", max_queue, "Cut off a subscriber whose queue passes this (default 64M)");
  app.add_option("--stats", o.stats_secs, "Print rates and queue depths to stderr every SECS")->check(CLI::NonNegativeNumber);
  std::string to, max_hold = "256M";
  app.add_option("--to", to, "Feed side: send stdin to a tick-log --listen ADDR, resending what it has not journaled");
  app.add_option("--max-hold", max_hold, "With --to: unacknowledged bytes to hold before stdin waits (default 256M)");
  app.add_option("--heartbeat", o.heartbeat_secs, "Seconds between heartbeats to idle subscribers (default 1)")
      ->check(CLI::PositiveNumber);
  app.add_option("--timeout", o.timeout_secs, "Seconds a connection may take to send its subscription (default 10)")
      ->check(CLI::Range(0.1, 86400.0));
  app.add_option("--linger", o.linger_secs,
                 "After the input ends, seconds to wait for cut-off subscribers to come back (default 30)")
      ->check(CLI::Range(0.0, 86400.0));

  return cli::run(app, argc, argv, [&] {
    if (!to.empty()) {
      if (!o.listen.empty()) throw UsageError("--to and -l are separate roles: run two tick-pubs");
      FeedOptions fo;
      fo.address = to;
      fo.max_hold = parse_size(max_hold, "--max-hold");
      auto in = Input::open("-");
      feed_journal(*in, fo);
      return 0;
    }
    if (o.listen.empty()) throw UsageError("give at least one -l ADDR (or --to ADDR)");
    o.max_queue = parse_size(max_queue, "--max-queue");
    if (!mode.empty()) o.unix_mode = parse_mode(mode);
    o.on_listening = print_listening;
    auto in = Input::open("-");
    serve(*in, o);
    return 0;
  });
}
