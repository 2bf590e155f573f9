#include "tick/net/net.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <algorithm>

#include "tick/base/clock.h"
#include "tick/base/diag.h"
#include "tick/base/error.h"

namespace tick {

Address parse_address(const std::string& s) {
  Address a;
  a.text = s;
  if (s.rfind("unix:", 0) == 0) {
    a.unix_socket = true;
    a.host = s.substr(5);
    if (a.host.empty() || a.host.size() >= sizeof(sockaddr_un::sun_path))
      throw UsageError("bad unix socket path in '" + s + "'");
    return a;
  }
  size_t c = s.rfind(':');
  if (c == std::string::npos) throw UsageError("bad address '" + s + "' (want HOST:PORT, :PORT or unix:PATH)");
  a.host = s.substr(0, c);
  if (a.host.size() >= 2 && a.host.front() == '[' && a.host.back() == ']') a.host = a.host.substr(1, a.host.size() - 2);
  if (a.host.empty()) a.host = "127.0.0.1";  // :PORT is loopback only
  std::string port = s.substr(c + 1);
  char* end = nullptr;
  long p = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end || p < 0 || p > 65535) throw UsageError("bad port in '" + s + "'");
  a.port = static_cast<int>(p);
  return a;
}

namespace {
// To listen on (AI_PASSIVE) or to connect to.
enum class Use { listen, connect };

addrinfo* resolve(const Address& a, Use use) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = use == Use::listen ? AI_PASSIVE : 0;
  addrinfo* res = nullptr;
  std::string port = std::to_string(a.port);
  int r = ::getaddrinfo(a.host.c_str(), port.c_str(), &hints, &res);
  if (r != 0) fail(a.text, ": ", gai_strerror(r));
  return res;
}
}  // namespace

std::string numeric_host(const Address& a) {
  addrinfo* res = resolve(a, Use::listen);
  char host[NI_MAXHOST];
  int r = ::getnameinfo(res->ai_addr, res->ai_addrlen, host, sizeof host, nullptr, 0, NI_NUMERICHOST);
  ::freeaddrinfo(res);
  if (r != 0) fail(a.text, ": ", gai_strerror(r));
  return host;
}

static sockaddr_un unix_addr(const Address& a) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::strncpy(sa.sun_path, a.host.c_str(), sizeof sa.sun_path - 1);
  return sa;
}

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }
void set_blocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK); }

int parse_mode(const std::string& s) {
  bool ok = !s.empty() && s.size() <= 4;
  for (char c : s) ok = ok && c >= '0' && c <= '7';
  int m = ok ? static_cast<int>(std::strtol(s.c_str(), nullptr, 8)) : -1;
  if (!ok || m < 1 || m > 0777) throw UsageError("bad --mode '" + s + "' (want an octal file mode such as 660)");
  return m;
}

namespace {
// Whether some process accepts connections on the Unix socket at path.
bool unix_listening(const Address& a) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un sa = unix_addr(a);
  bool live = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  ::close(fd);
  return live;
}
}  // namespace

int listen_on(const Address& a, int mode) {
  int fd;
  if (a.unix_socket) {
    fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa = unix_addr(a);
    // A stale socket file from an earlier run is replaced; a live one, or
    // anything that is not a socket, is not.
    struct stat st{};
    if (::lstat(a.host.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) {
      if (unix_listening(a)) {
        ::close(fd);
        fail(a.text, ": another process is listening on it");
      }
      ::unlink(a.host.c_str());
    }
    // The mode holds from the moment the socket exists: no window in which
    // the umask's (perhaps wider) mode lets others connect.
    mode_t old = mode ? ::umask(static_cast<mode_t>(0777 & ~mode)) : 0;
    int r = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    int e = errno;
    if (mode) ::umask(old);
    if (r != 0) {
      ::close(fd);
      fail(a.text, ": bind: ", std::strerror(e));
    }
  } else {
    addrinfo* res = resolve(a, Use::listen);
    fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int r = ::bind(fd, res->ai_addr, res->ai_addrlen);
    int e = errno;
    ::freeaddrinfo(res);
    if (r != 0) {
      ::close(fd);
      fail(a.text, ": bind: ", std::strerror(e));
    }
  }
  if (::listen(fd, 128) != 0) fail(a.text, ": listen: ", std::strerror(errno));
  set_nonblocking(fd);
  return fd;
}

namespace {
// "HOST:PORT" ("[HOST]:PORT" for IPv6) of an inet address; empty for others.
std::string inet_name(const sockaddr_storage& ss) {
  char host[INET6_ADDRSTRLEN] = "?";
  if (ss.ss_family == AF_INET) {
    auto* s4 = reinterpret_cast<const sockaddr_in*>(&ss);
    ::inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
    return std::string(host) + ":" + std::to_string(ntohs(s4->sin_port));
  }
  if (ss.ss_family == AF_INET6) {
    auto* s6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    ::inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(s6->sin6_port));
  }
  return "";
}
}  // namespace

std::string bound_name(int fd, const Address& a) {
  if (a.unix_socket) return a.text;
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return a.text;
  std::string n = inet_name(ss);
  return n.empty() ? a.text : n;
}

int connect_to(const Address& a) {
  int fd;
  if (a.unix_socket) {
    fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa = unix_addr(a);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      int e = errno;
      ::close(fd);
      errno = e;
      return -1;
    }
    return fd;
  }
  addrinfo* res = resolve(a, Use::connect);
  fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int r = ::connect(fd, res->ai_addr, res->ai_addrlen);
  int e = errno;
  ::freeaddrinfo(res);
  if (r != 0) {
    ::close(fd);
    errno = e;
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

bool send_now(int fd, const void* p, size_t n) {
  ssize_t w = ::send(fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
  if (w == static_cast<ssize_t>(n)) return true;
  ::shutdown(fd, SHUT_RDWR);
  return false;
}

std::string peer_name(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "?";
  std::string n = inet_name(ss);
  return n.empty() ? "unix" : n;
}

int accept_from(int listener, std::string& peer) {
  int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  peer = peer_name(fd);
  return fd;
}

Acceptor::Acceptor(const std::vector<std::string>& addresses, int unix_mode) {
  try {
    for (const auto& s : addresses) {
      Address a = parse_address(s);
      int fd = listen_on(a, unix_mode);
      fds_.push_back(fd);
      bound_.push_back(bound_name(fd, a));
    }
  } catch (...) {
    close();
    throw;
  }
}

Acceptor::~Acceptor() { close(); }

void Acceptor::close() {
  for (int fd : fds_) ::close(fd);  // (and out of any epoll set)
  fds_.clear();
  watched_ = false;
}

void Acceptor::watch(Epoll& ep, bool want, int64_t now) {
  want = want && !fds_.empty() && now >= paused_until_;
  if (want == watched_) return;
  tags_.resize(fds_.size());
  for (size_t i = 0; i < fds_.size(); i++) {
    if (want) ep.add(fds_[i], EPOLLIN, &tags_[i]);
    else ep.remove(fds_[i]);
  }
  watched_ = want;
}

bool Acceptor::accept_tagged(const void* tag, int64_t now,
                             const std::function<void(int, const std::string&)>& on_conn) {
  if (tags_.empty() || tag < &tags_.front() || tag > &tags_.back()) return false;
  size_t i = static_cast<size_t>(static_cast<const char*>(tag) - tags_.data());
  if (watched_ && i < fds_.size()) accept_on(i, now, on_conn);
  return true;
}

void Acceptor::add_to(std::vector<pollfd>& pfds, int64_t now) {
  added_ = !fds_.empty() && now >= paused_until_;
  first_ = pfds.size();
  if (added_)
    for (int fd : fds_) pfds.push_back({fd, POLLIN, 0});
}

int Acceptor::wait_ms(int64_t now) const {
  if (fds_.empty() || now >= paused_until_) return -1;
  return static_cast<int>((paused_until_ - now) / 1'000'000 + 1);
}

void Acceptor::accept_ready(const std::vector<pollfd>& pfds, int64_t now,
                            const std::function<void(int, const std::string&)>& on_conn) {
  if (!added_) return;
  for (size_t i = 0; i < fds_.size(); i++)
    if ((pfds[first_ + i].revents & POLLIN) && !accept_on(i, now, on_conn)) return;
}

bool Acceptor::accept_on(size_t i, int64_t now, const std::function<void(int, const std::string&)>& on_conn) {
  while (true) {
    std::string peer;
    int fd = accept_from(fds_[i], peer);
    if (fd >= 0) {
      on_conn(fd, peer);
      continue;
    }
    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
      // The connection stays in the backlog; try again after a pause.
      backoff_ = backoff_ ? std::min<int64_t>(backoff_ * 2, kNsPerSec) : 10'000'000;
      last_short_ = now;
      paused_until_ = now + backoff_;
      if (!warned_)
        warn(str(bound_[i], ": accept: ", std::strerror(errno),
                 " (out of file descriptors? see ulimit -n); serving the open connections and retrying"));
      warned_ = true;
      return false;
    }
    break;  // EAGAIN, or a connection that went before it was taken
  }
  // The backlog is drained, and a second has passed without a shortage:
  // it is over (a shortage that comes and goes is said once).
  backoff_ = 0;
  if (warned_ && now - last_short_ > kNsPerSec) {
    warn(str("accepting connections again on ", bound_[i]));
    warned_ = false;
  }
  return true;
}

Epoll::Epoll() : ready_(1024) {
  fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd_ < 0) fail("epoll_create1: ", std::strerror(errno));
}

Epoll::~Epoll() {
  if (fd_ >= 0) ::close(fd_);
}

bool Epoll::add(int fd, uint32_t events, void* tag) {
  epoll_event e{};
  e.events = events;
  e.data.ptr = tag;
  if (::epoll_ctl(fd_, EPOLL_CTL_ADD, fd, &e) == 0) return true;
  if (errno == EPERM) return false;
  fail("epoll_ctl: ", std::strerror(errno));
}

void Epoll::modify(int fd, uint32_t events, void* tag) {
  epoll_event e{};
  e.events = events;
  e.data.ptr = tag;
  if (::epoll_ctl(fd_, EPOLL_CTL_MOD, fd, &e) != 0) fail("epoll_ctl: ", std::strerror(errno));
}

void Epoll::remove(int fd) { ::epoll_ctl(fd_, EPOLL_CTL_DEL, fd, nullptr); }

std::span<const epoll_event> Epoll::wait(int timeout_ms) {
  int n = ::epoll_wait(fd_, ready_.data(), static_cast<int>(ready_.size()), timeout_ms);
  if (n < 0) {
    if (errno != EINTR) fail("epoll_wait: ", std::strerror(errno));
    n = 0;
  }
  return {ready_.data(), static_cast<size_t>(n)};
}

}  // namespace tick
