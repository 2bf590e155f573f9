// SIGINT/SIGTERM ask a tool to stop: blocking reads return as if the input
// ended, so the tool flushes what it accepted and exits 0. SIGPIPE is
// ignored so that a closed downstream shows up as EPIPE (BrokenPipe).
#pragma once

namespace tick {

void install_signal_handlers();
bool stop_requested();
// A second SIGINT/SIGTERM: the user insists (stop waiting on what is pending).
bool stop_insisted();
void request_stop();

}  // namespace tick
