// Addresses, listeners and connections: HOST:PORT, :PORT (loopback only),
// 0.0.0.0:PORT (all interfaces, only when asked), unix:PATH.
#pragma once
#include <cstddef>
#include <string>

namespace tick {

struct Address {
  bool unix_socket = false;
  std::string host;  // numeric or name; for unix: the path
  int port = 0;
  std::string text;  // as given
};

// Throws UsageError for a malformed address.
Address parse_address(const std::string& s);

// A listening socket (non-blocking, close-on-exec). mode: file mode for a
// Unix socket (0 keeps the umask's). Throws Error naming the address.
int listen_on(const Address& a, int mode = 0);
// The port a TCP listener is bound to (for :0).
int bound_port(int fd);
// A connected socket (blocking), or -1 with errno set (the caller retries).
int connect_to(const Address& a);
// Accepts one connection (non-blocking, close-on-exec); -1 if none waits.
// peer gets "HOST:PORT" or "unix".
int accept_from(int listener, std::string& peer);
void set_nonblocking(int fd, bool on = true);
// Sends a small message without waiting: a peer that does not read has it
// shut down instead (a partial message would break its framing). Returns
// whether all of it went.
bool send_now(int fd, const void* p, size_t n);
// "HOST:PORT" of the remote end.
std::string peer_name(int fd);

}  // namespace tick
