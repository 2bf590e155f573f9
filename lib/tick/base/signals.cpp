#include "tick/base/signals.h"

#include <csignal>

namespace tick {

namespace {
volatile std::sig_atomic_t g_stop = 0;
void on_stop(int) { g_stop = g_stop < 2 ? g_stop + 1 : 2; }
}  // namespace

void install_signal_handlers() {
  struct sigaction sa{};
  sa.sa_handler = on_stop;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocked read returns EINTR
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

bool stop_requested() { return g_stop != 0; }
bool stop_insisted() { return g_stop > 1; }
void request_stop() {
  if (!g_stop) g_stop = 1;
}

}  // namespace tick
