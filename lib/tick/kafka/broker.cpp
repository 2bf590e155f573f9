// tick-kafka broker: librdkafka's mock cluster, a Kafka protocol broker in
// memory on loopback, for demos and tests.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <fstream>

#include "tick/base/diag.h"
#include "tick/base/error.h"
#include "tick/base/signals.h"
#include "tick/kafka/client.h"

namespace tick::kafka {

namespace {

// librdkafka's mock keeps at most 5 MiB or 100,000 message sets a
// partition (fixed bounds, not settable) and drops the oldest silently; a
// client of its own watches each partition's low watermark and says so.
class TrimWatch {
 public:
  explicit TrimWatch(const std::string& address) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[256];
    rd_kafka_conf_set(conf, "bootstrap.servers", address.c_str(), err, sizeof err);
    rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int, const char*, const char*) {});
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  }
  ~TrimWatch() {
    if (rk_) rd_kafka_destroy(rk_);
  }
  TrimWatch(const TrimWatch&) = delete;
  TrimWatch& operator=(const TrimWatch&) = delete;

  void check() {
    if (!rk_) return;
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(rk_, 1, nullptr, &md, 1000) || !md) return;
    const auto now = std::chrono::steady_clock::now();
    for (int i = 0; i < md->topic_cnt; i++) {
      const auto& t = md->topics[i];
      for (int j = 0; j < t.partition_cnt; j++) {
        int64_t lo = 0, hi = 0;
        if (rd_kafka_query_watermark_offsets(rk_, t.topic, t.partitions[j].id, &lo, &hi, 1000) || lo <= 0) continue;
        Seen& s = seen_[{t.topic, t.partitions[j].id}];
        if (lo <= s.low || now - s.said < std::chrono::seconds(10)) continue;
        warn(str(t.topic, "[", t.partitions[j].id, "]: offsets before ", lo,
                 " dropped (the broker in memory keeps at most 5 MiB or 100000 message sets a partition; ", hi - lo,
                 " messages kept): use a real Kafka broker for more"));
        s.low = lo;
        s.said = now;
      }
    }
    rd_kafka_metadata_destroy(md);
  }

 private:
  struct Seen {
    int64_t low = 0;
    std::chrono::steady_clock::time_point said{};
  };
  rd_kafka_t* rk_ = nullptr;
  std::map<std::pair<std::string, int32_t>, Seen> seen_;
};

// The mock brokers' listening sockets (the ports of address) answer
// without Nagle's delay: librdkafka's mock writes a response in more than
// one send, and a client's delayed acknowledgement then held the rest 40
// ms (a fetch now and then, at random). Accepted sockets inherit it.
void no_delay(const std::string& address) {
  std::set<int> ports;
  for (size_t at = 0; at < address.size();) {
    size_t comma = std::min(address.find(',', at), address.size());
    size_t colon = address.rfind(':', comma - 1);
    if (colon != std::string::npos && colon >= at) ports.insert(std::atoi(address.c_str() + colon + 1));
    at = comma + 1;
  }
  DIR* d = ::opendir("/proc/self/fd");
  if (!d) return;
  while (dirent* e = ::readdir(d)) {
    int fd = std::atoi(e->d_name);
    if (fd <= 2) continue;
    int listening = 0;
    socklen_t len = sizeof listening;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) continue;
    sockaddr_storage ss{};
    len = sizeof ss;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0 || ss.ss_family != AF_INET) continue;
    if (!ports.count(ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port))) continue;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ::closedir(d);
}

}  // namespace

int broker(const BrokerOptions& o) {
  // The cluster lives inside a client handle; this one is otherwise idle.
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int level, const char* fac, const char* buf) {
    if (level <= 3) warn(str("librdkafka: ", fac, ": ", buf));
  });
  Handle h{make_handle(RD_KAFKA_PRODUCER, conf)};
  rd_kafka_mock_cluster_t* mc = rd_kafka_mock_cluster_new(h.rk, o.brokers);
  if (!mc) fail("cannot start the mock cluster");
  struct Destroy {
    rd_kafka_mock_cluster_t* mc;
    ~Destroy() { rd_kafka_mock_cluster_destroy(mc); }
  } destroy{mc};
  for (const auto& spec : o.topics) {
    // NAME or NAME:PARTITIONS
    std::string t = spec;
    int parts = o.partitions;
    if (size_t c = spec.rfind(':'); c != std::string::npos) {
      t = spec.substr(0, c);
      char* end = nullptr;
      long n = std::strtol(spec.c_str() + c + 1, &end, 10);
      if (t.empty() || !end || *end || n < 1 || n > 10000)
        throw UsageError(str("--topics ", spec, ": expected NAME or NAME:PARTITIONS (1 to 10000)"));
      parts = static_cast<int>(n);
    }
    rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, t.c_str(), parts, 1);
    if (e) fail("topic ", t, ": ", rd_kafka_err2str(e));
  }
  std::string address = rd_kafka_mock_cluster_bootstraps(mc);
  no_delay(address);
  std::printf("%s\n", address.c_str());
  std::fflush(stdout);
  if (!o.address_file.empty()) {
    std::string tmp = o.address_file + ".tmp";
    {
      std::ofstream f(tmp);
      f << address << "\n";
      if (!f.flush()) fail(tmp, ": cannot write");
    }
    if (std::rename(tmp.c_str(), o.address_file.c_str()) != 0) fail(o.address_file, ": cannot write");
  }
  warn(str("a broker in memory for demos and tests at ", address, " (", o.brokers, " broker",
           o.brokers > 1 ? "s" : "", "; nothing is kept on disk)"));
  TrimWatch trims(address);
  for (int tick = 1; !stop_requested(); tick++) {
    ::usleep(100 * 1000);
    if (tick % 10 == 0) trims.check();
  }
  if (!o.address_file.empty()) ::unlink(o.address_file.c_str());
  return 0;
}

}  // namespace tick::kafka
