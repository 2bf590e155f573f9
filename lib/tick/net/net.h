// Addresses, listeners and connections: HOST:PORT, :PORT (loopback only),
// 0.0.0.0:PORT (all interfaces, only when asked), unix:PATH.
#pragma once
#include <poll.h>
#include <sys/epoll.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace tick {

struct Address {
  bool unix_socket = false;
  std::string host;  // numeric or name; for unix: the path
  int port = 0;
  std::string text;  // as given
};

// Throws UsageError for a malformed address.
Address parse_address(const std::string& s);
// The address a TCP listener on `a` binds, as a numeric host (a name
// resolved: its first address).
std::string numeric_host(const Address& a);

// The default file mode of Unix sockets: owner and group may connect.
constexpr int kDefaultSocketMode = 0660;
// A --mode value: 1 to 4 octal digits, at most 0777. Throws UsageError.
int parse_mode(const std::string& s);
// A listening socket (non-blocking, close-on-exec). mode: file mode of a
// Unix socket, applied as it is bound (never wider for a moment). A Unix
// socket path some process is listening on is not taken over; a stale one
// is replaced. Throws Error naming the address.
int listen_on(const Address& a, int mode = kDefaultSocketMode);
// What a listener is bound to, for the log: "127.0.0.1:5010",
// "0.0.0.0:5010", "[::]:5010", or the address as given for unix:PATH.
std::string bound_name(int fd, const Address& a);
// A connected socket (blocking), or -1 with errno set (the caller retries).
int connect_to(const Address& a);
// Accepts one connection (non-blocking, close-on-exec); -1 if none waits.
// peer gets "HOST:PORT" or "unix".
int accept_from(int listener, std::string& peer);
void set_nonblocking(int fd);
void set_blocking(int fd);
// Sends a small message without waiting: a peer that does not read has it
// shut down instead (a partial message would break its framing). Returns
// whether all of it went.
bool send_now(int fd, const void* p, size_t n);
// "HOST:PORT" of the remote end.
std::string peer_name(int fd);

// Listening sockets and the accepting of connections on them. Out of file
// descriptors (EMFILE, ENFILE), accepting pauses with backoff (said once,
// and again when it recovers) while the connections already open are
// served: a listener that stays readable must not spin the loop.
class Epoll;

class Acceptor {
 public:
  // Binds every address; unix_mode as for listen_on. Throws Error.
  Acceptor(const std::vector<std::string>& addresses, int unix_mode);
  ~Acceptor();
  Acceptor(const Acceptor&) = delete;
  Acceptor& operator=(const Acceptor&) = delete;
  // What each listener is bound to (bound_name), in the order given.
  const std::vector<std::string>& bound() const { return bound_; }
  // Adds the listeners to poll now (none while paused); remembers where.
  void add_to(std::vector<pollfd>& pfds, int64_t now);
  // After poll: accepts what waits on the listeners it added, calling
  // on_conn(fd, peer) for each (non-blocking, close-on-exec).
  void accept_ready(const std::vector<pollfd>& pfds, int64_t now,
                    const std::function<void(int, const std::string&)>& on_conn);
  // The longest a poll should wait for the pause to end (ms), or -1.
  int wait_ms(int64_t now) const;
  void close();
  bool empty() const { return fds_.empty(); }
  // For an epoll loop: the listeners in ep while want holds and accepting
  // is not paused, each tagged by this Acceptor; and, for a ready tag, the
  // accepting of what waits on it (false for a tag not one of its own).
  void watch(Epoll& ep, bool want, int64_t now);
  bool accept_tagged(const void* tag, int64_t now, const std::function<void(int, const std::string&)>& on_conn);

 private:
  bool accept_on(size_t i, int64_t now, const std::function<void(int, const std::string&)>& on_conn);
  std::vector<int> fds_;
  std::vector<std::string> bound_;
  std::vector<char> tags_;  // one a listener, for epoll
  size_t first_ = 0;  // index in pfds of the first listener added
  bool added_ = false, warned_ = false, watched_ = false;
  int64_t paused_until_ = 0, backoff_ = 0, last_short_ = 0;
};

// epoll, level-triggered, for a server with many connections (poll's cost
// grows with every descriptor at every wait). Each registration carries a
// pointer back to its owner.
class Epoll {
 public:
  Epoll();
  ~Epoll();
  Epoll(const Epoll&) = delete;
  Epoll& operator=(const Epoll&) = delete;
  // False for a descriptor epoll cannot watch (a regular file, always
  // ready to read); throws Error otherwise.
  bool add(int fd, uint32_t events, void* tag);
  void modify(int fd, uint32_t events, void* tag);
  void remove(int fd);
  // What is ready, waiting at most timeout_ms (a signal: nothing); valid
  // until the next wait.
  std::span<const epoll_event> wait(int timeout_ms);

 private:
  int fd_ = -1;
  std::vector<epoll_event> ready_;
};

}  // namespace tick
