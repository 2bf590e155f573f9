// tick-pub: fan-out of a tick stream to subscribers (and, with --to, the
// feed side: a publisher into tick-log --listen).
#include <unistd.h>

#include <cstdio>

#include "tick/cli.h"
#include "tick/diag.h"
#include "tick/feed.h"
#include "tick/pub.h"

using namespace tick;

namespace {
// As GNU tools read sizes: K, M, G are powers of 1024; KB, MB, GB of 1000.
size_t parse_size(const std::string& s) {
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  std::string suf = end ? end : "";
  double m = suf.empty() || suf == "B" ? 1
           : suf == "K" ? 1024.0 : suf == "M" ? 1048576.0 : suf == "G" ? 1073741824.0
           : suf == "KB" ? 1e3 : suf == "MB" ? 1e6 : suf == "GB" ? 1e9 : -1;
  if (end == s.c_str() || m < 0 || v <= 0) throw UsageError("bad size '" + s + "' (want a number, with K, M or G)");
  return static_cast<size_t>(v * m);
}
void print_listening(const std::vector<std::string>& addrs) {
  for (const auto& a : addrs) std::fprintf(stderr, "tick-pub: listening on %s\n", a.c_str());
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Serve a tick stream from stdin to subscribers, from the journal and live.", "tick-pub"};
  PubOptions o;
  std::string max_queue = "64M", mode;
  app.add_option("-l,--listen", o.listen, "Address to serve on: :PORT (loopback), HOST:PORT, unix:PATH (repeatable)");
  app.add_option("--mode", mode, "File mode of Unix sockets, octal (e.g. 660)");
  app.add_option("--log", o.log_dir, "The journal directory, to serve subscribers from the start or a sequence");
  app.add_option("--max-queue", max_queue, "Cut off a subscriber whose queue passes this (default 64M)");
  app.add_option("--stats", o.stats_secs, "Print rates and queue depths to stderr every SECS")->check(CLI::NonNegativeNumber);
  std::string to, max_hold = "256M";
  app.add_option("--to", to, "Feed side: send stdin to a tick-log --listen ADDR, resending what it has not journaled");
  app.add_option("--max-hold", max_hold, "With --to: unacknowledged bytes to hold before stdin waits (default 256M)");
  app.add_option("--heartbeat", o.heartbeat_secs, "Seconds between heartbeats to idle subscribers (default 1)")
      ->check(CLI::PositiveNumber);

  return cli::run(app, argc, argv, [&] {
    if (!to.empty()) {
      if (!o.listen.empty()) throw UsageError("--to and -l are separate roles: run two tick-pubs");
      FeedOptions fo;
      fo.address = to;
      fo.max_hold = parse_size(max_hold);
      auto in = Input::open("-");
      feed_journal(*in, fo);
      return 0;
    }
    if (o.listen.empty()) throw UsageError("give at least one -l ADDR (or --to ADDR)");
    o.max_queue = parse_size(max_queue);
    if (!mode.empty()) o.unix_mode = static_cast<int>(std::strtol(mode.c_str(), nullptr, 8));
    o.on_listening = print_listening;
    auto in = Input::open("-");
    serve(*in, o);
    return 0;
  });
}
