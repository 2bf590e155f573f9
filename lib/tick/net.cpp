#include "tick/net.h"

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
#include <cstring>

#include "tick/error.h"

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
addrinfo* resolve(const Address& a, bool passive) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = passive ? AI_PASSIVE : 0;
  addrinfo* res = nullptr;
  std::string port = std::to_string(a.port);
  int r = ::getaddrinfo(a.host.c_str(), port.c_str(), &hints, &res);
  if (r != 0) fail(a.text, ": ", gai_strerror(r));
  return res;
}
}  // namespace

static sockaddr_un unix_addr(const Address& a) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::strncpy(sa.sun_path, a.host.c_str(), sizeof sa.sun_path - 1);
  return sa;
}

void set_nonblocking(int fd, bool on) {
  int fl = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

int listen_on(const Address& a, int mode) {
  int fd;
  if (a.unix_socket) {
    fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa = unix_addr(a);
    // A stale socket file from an earlier run is replaced; anything else is not.
    struct stat st{};
    if (::lstat(a.host.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(a.host.c_str());
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
      fail(a.text, ": bind: ", std::strerror(errno));
    if (mode && ::chmod(a.host.c_str(), static_cast<mode_t>(mode)) != 0)
      fail(a.text, ": chmod: ", std::strerror(errno));
  } else {
    addrinfo* res = resolve(a, true);
    fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int r = ::bind(fd, res->ai_addr, res->ai_addrlen);
    int e = errno;
    ::freeaddrinfo(res);
    if (r != 0) fail(a.text, ": bind: ", std::strerror(e));
  }
  if (::listen(fd, 128) != 0) fail(a.text, ": listen: ", std::strerror(errno));
  set_nonblocking(fd);
  return fd;
}

int bound_port(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return 0;
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
  addrinfo* res = resolve(a, false);
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
  char host[INET6_ADDRSTRLEN] = "?";
  if (ss.ss_family == AF_INET) {
    auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
    ::inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
    return std::string(host) + ":" + std::to_string(ntohs(s4->sin_port));
  }
  if (ss.ss_family == AF_INET6) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
    ::inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(s6->sin6_port));
  }
  return "unix";
}

int accept_from(int listener, std::string& peer) {
  int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  peer = peer_name(fd);
  return fd;
}

}  // namespace tick
