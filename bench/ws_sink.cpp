// ws_sink: many WebSocket clients in one thread (epoll), as cheap as a
// client can be, so that the server is what a benchmark measures.
//   ws_sink HOST PORT PATH CONNS [options]
//   --subs FILE    line i % lines is sent by connection i after the handshake
//                  (several messages on a line are separated by tabs)
//   --stall K      the first K connections stop reading after their handshake
//   --idle SECS    done when nothing has come for SECS after the first update (default 2)
//   --hold SECS    stay connected SECS after all handshakes, then exit (idle connections)
//   --record FILE  connection 0's update messages, one per line
//   --latency      each update's first row's "time" against the clock on arrival
// Prints "ready" on stderr once every connection has had its handshake
// answered (and sent its subscriptions), then, at the end, on stdout:
//   conns msgs rows bytes seconds min_msgs max_msgs conflated_msgs [p50_us p99_us p999_us]
// rows: row objects ({"table": …) in update messages; seconds: from the
// first update to the last.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "2026-12-02T18:21:57.489511000Z" as nanoseconds since the epoch.
int64_t parse_iso(const char* p) {
  auto num = [&](int n) {
    int v = 0;
    for (int i = 0; i < n; i++) v = v * 10 + (p[i] - '0');
    p += n;
    return v;
  };
  int y = num(4); p++;
  unsigned m = static_cast<unsigned>(num(2)); p++;
  unsigned d = static_cast<unsigned>(num(2)); p++;
  int hh = num(2); p++;
  int mm = num(2); p++;
  int ss = num(2);
  int64_t frac = 0;
  int digits = 0;
  if (*p == '.') {
    p++;
    while (*p >= '0' && *p <= '9') {
      if (digits < 9) frac = frac * 10 + (*p - '0'), digits++;
      p++;
    }
  }
  while (digits < 9) frac *= 10, digits++;
  // days from civil (Howard Hinnant)
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = static_cast<int64_t>(era) * 146097 + static_cast<int64_t>(doe) - 719468;
  return ((days * 24 + hh) * 60 + mm) * 60000000000LL + ss * 1000000000LL + frac;
}

struct Conn {
  int fd = -1;
  bool upgraded = false, stalled = false;
  std::string in;     // bytes not yet parsed
  std::string frag;   // a fragmented message so far
  uint64_t msgs = 0;
};

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "ws_sink: %s\n", why.c_str());
  std::exit(1);
}

// A masked client frame (the mask is zero: the payload is sent as it is).
std::string frame(int opcode, std::string_view payload) {
  std::string f;
  f += static_cast<char>(0x80 | opcode);
  if (payload.size() < 126) {
    f += static_cast<char>(0x80 | payload.size());
  } else if (payload.size() < 65536) {
    f += static_cast<char>(0x80 | 126);
    f += static_cast<char>(payload.size() >> 8);
    f += static_cast<char>(payload.size() & 0xff);
  } else {
    f += static_cast<char>(0x80 | 127);
    for (int i = 7; i >= 0; i--) f += static_cast<char>((payload.size() >> (8 * i)) & 0xff);
  }
  f.append(4, '\0');
  f.append(payload);
  return f;
}

void send_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EAGAIN) {
      usleep(100);
      continue;
    }
    if (n <= 0) die("send: " + std::string(std::strerror(errno)));
    off += static_cast<size_t>(n);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) die("usage: ws_sink HOST PORT PATH CONNS [--subs FILE] [--stall K] [--idle S] [--hold S] [--record FILE] [--latency]");
  std::string host = argv[1], path = argv[3];
  int port = std::atoi(argv[2]), nconns = std::atoi(argv[4]);
  std::vector<std::vector<std::string>> subs;
  int stall = 0;
  double idle_s = 2, hold_s = -1;
  std::FILE* record = nullptr;
  bool latency = false;
  for (int i = 5; i < argc; i++) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) die(a + " wants a value");
      return argv[++i];
    };
    if (a == "--subs") {
      std::ifstream f(val());
      std::string line;
      while (std::getline(f, line)) {
        std::vector<std::string> ms;
        size_t at = 0;
        while (at <= line.size()) {
          size_t tab = line.find('\t', at);
          if (tab == std::string::npos) tab = line.size();
          if (tab > at) ms.push_back(frame(1, std::string_view(line).substr(at, tab - at)));
          at = tab + 1;
        }
        subs.push_back(ms);
      }
    } else if (a == "--stall") stall = std::atoi(val().c_str());
    else if (a == "--idle") idle_s = std::atof(val().c_str());
    else if (a == "--hold") hold_s = std::atof(val().c_str());
    else if (a == "--record") record = std::fopen(val().c_str(), "w");
    else if (a == "--latency") latency = true;
    else die("unknown option " + a);
  }

  int ep = epoll_create1(0);
  std::vector<Conn> conns(static_cast<size_t>(nconns));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, host.c_str(), &sa.sin_addr);
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + std::to_string(port) +
                              "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  for (int i = 0; i < nconns; i++) {
    Conn& c = conns[static_cast<size_t>(i)];
    c.fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (c.fd < 0) die("socket: " + std::string(std::strerror(errno)));
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(c.fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
      die("connect " + std::to_string(i) + ": " + std::strerror(errno));
    send_all(c.fd, request);
    fcntl(c.fd, F_SETFL, O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<uint32_t>(i);
    epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
  }

  std::vector<int64_t> lat;
  uint64_t msgs = 0, rows = 0, bytes = 0, conflated = 0;
  int64_t first = 0, last = 0, ready_at = 0;
  int upgraded = 0;
  std::vector<char> buf(1 << 20);
  std::vector<epoll_event> evs(256);
  constexpr std::string_view kRow = "{\"table\":";
  auto on_message = [&](Conn& c, std::string_view m, size_t index) {
    if (m.substr(0, 16) != "{\"type\":\"update\"") return;
    int64_t t = now_ns();
    if (!first) first = t;
    last = t;
    c.msgs++;
    msgs++;
    bytes += m.size();
    if (m.substr(0, 60).find("\"conflated\":true") != std::string_view::npos) conflated++;
    for (size_t at = m.find(kRow); at != std::string_view::npos; at = m.find(kRow, at + kRow.size())) rows++;
    if (record && index == 0) {
      std::fwrite(m.data(), 1, m.size(), record);
      std::fputc('\n', record);
    }
    if (latency) {
      size_t at = m.find("\"time\":\"");
      if (at != std::string_view::npos && at + 8 + 20 < m.size()) lat.push_back(t - parse_iso(m.data() + at + 8));
    }
  };
  for (;;) {
    int n = epoll_wait(ep, evs.data(), static_cast<int>(evs.size()), 100);
    int64_t t = now_ns();
    if (upgraded == nconns) {
      if (hold_s >= 0 && t - ready_at > static_cast<int64_t>(hold_s * 1e9)) break;
      if (hold_s < 0 && first && t - last > static_cast<int64_t>(idle_s * 1e9)) break;
    }
    for (int e = 0; e < n; e++) {
      size_t index = evs[static_cast<size_t>(e)].data.u32;
      Conn& c = conns[index];
      ssize_t got = ::recv(c.fd, buf.data(), buf.size(), 0);
      if (got == 0) die("connection " + std::to_string(index) + " closed by the server");
      if (got < 0) {
        if (errno == EAGAIN || errno == EINTR) continue;
        die("recv: " + std::string(std::strerror(errno)));
      }
      std::string& in = c.in;
      in.append(buf.data(), static_cast<size_t>(got));
      size_t off = 0;
      if (!c.upgraded) {
        size_t end = in.find("\r\n\r\n");
        if (end == std::string::npos) continue;
        if (in.compare(0, 12, "HTTP/1.1 101") != 0) die("handshake " + std::to_string(index) + ": " + in.substr(0, in.find('\r')));
        c.upgraded = true;
        off = end + 4;
        if (!subs.empty())
          for (const auto& m : subs[index % subs.size()]) send_all(c.fd, m);
        if (++upgraded == nconns) {
          ready_at = t;
          std::fprintf(stderr, "ready\n");
        }
        if (static_cast<int>(index) < stall) {
          c.stalled = true;
          epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
          continue;
        }
      }
      // frames: server frames are not masked
      while (in.size() - off >= 2) {
        const auto* p = reinterpret_cast<const uint8_t*>(in.data() + off);
        size_t have = in.size() - off, head = 2;
        uint64_t len = p[1] & 0x7f;
        if (len == 126) {
          if (have < 4) break;
          len = (uint64_t{p[2]} << 8) | p[3];
          head = 4;
        } else if (len == 127) {
          if (have < 10) break;
          len = 0;
          for (int i = 0; i < 8; i++) len = (len << 8) | p[2 + i];
          head = 10;
        }
        if (have < head + len) break;
        int opcode = p[0] & 0x0f;
        bool fin = p[0] & 0x80;
        std::string_view payload(in.data() + off + head, len);
        if (opcode == 9) {
          send_all(c.fd, frame(10, payload));  // pong
        } else if (opcode == 8) {
          die("connection " + std::to_string(index) + " closed by the server");
        } else if (opcode == 1 || opcode == 0) {
          if (fin && c.frag.empty()) {
            on_message(c, payload, index);
          } else {
            c.frag.append(payload);
            if (fin) {
              on_message(c, c.frag, index);
              c.frag.clear();
            }
          }
        }
        off += head + len;
      }
      in.erase(0, off);
    }
  }
  uint64_t lo = UINT64_MAX, hi = 0;
  for (const Conn& c : conns)
    if (!c.stalled) lo = std::min(lo, c.msgs), hi = std::max(hi, c.msgs);
  if (lo == UINT64_MAX) lo = 0;
  std::printf("%d %llu %llu %llu %.6f %llu %llu %llu", nconns, static_cast<unsigned long long>(msgs),
              static_cast<unsigned long long>(rows), static_cast<unsigned long long>(bytes), (last - first) / 1e9,
              static_cast<unsigned long long>(lo), static_cast<unsigned long long>(hi),
              static_cast<unsigned long long>(conflated));
  if (latency && !lat.empty()) {
    std::sort(lat.begin(), lat.end());
    auto q = [&](double f) { return lat[static_cast<size_t>(f * static_cast<double>(lat.size() - 1))] / 1000.0; };
    std::printf(" %.1f %.1f %.1f", q(0.5), q(0.99), q(0.999));
  }
  std::printf("\n");
  if (record) std::fclose(record);
  return 0;
}
