// tick-kafka broker: librdkafka's mock cluster, a Kafka protocol broker in
// memory on loopback, for demos and tests.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "tick/base/diag.h"
#include "tick/base/error.h"
#include "tick/base/signals.h"
#include "tick/kafka/client.h"

namespace tick::kafka {

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
  while (!stop_requested()) ::usleep(100 * 1000);
  if (!o.address_file.empty()) ::unlink(o.address_file.c_str());
  return 0;
}

}  // namespace tick::kafka
