#include "tick/kafka/client.h"

#include <chrono>
#include <mutex>

#include "tick/base/diag.h"
#include "tick/base/error.h"
#include "tick/base/signals.h"

namespace tick::kafka {

namespace {

std::mutex said_mu;
std::string last_said;
std::chrono::steady_clock::time_point last_time;

// Broker errors are retried by librdkafka; each is said once, and again
// only when it changes or after a minute of the same.
void on_error(rd_kafka_t* rk, int err, const char* reason, void*) {
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char buf[512];
    rd_kafka_fatal_error(rk, buf, sizeof buf);
    warn(str("fatal: ", buf));
    request_stop();
    return;
  }
  std::string line = str(reason, err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__TRANSPORT
                                     ? " (retrying)"
                                     : "");
  std::lock_guard<std::mutex> lock(said_mu);
  auto now = std::chrono::steady_clock::now();
  if (line == last_said && now - last_time < std::chrono::minutes(1)) return;
  last_said = line;
  last_time = now;
  warn(line);
}

// librdkafka's own log: only what is critical (errors come through on_error),
// unless -X debug=... asked for more.
bool g_debug = false;
void on_log(const rd_kafka_t*, int level, const char* fac, const char* buf) {
  if (level <= 2 || g_debug) warn(str("librdkafka: ", fac, ": ", buf));
}

}  // namespace

rd_kafka_conf_t* make_conf(const Client& c, std::initializer_list<std::pair<const char*, const char*>> defaults) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  auto set = [&](const std::string& k, const std::string& v, const char* what) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      throw UsageError(str(what, k, "=", v, ": ", err));
    }
  };
  if (c.brokers.empty()) {
    rd_kafka_conf_destroy(conf);
    throw UsageError("-b BROKERS is needed (host:port,...; tick-kafka broker prints one)");
  }
  set("bootstrap.servers", c.brokers, "-b ");
  set("client.id", "tick-kafka", "");
  for (const auto& [k, v] : defaults) set(k, v, "");
  for (const auto& p : c.props) {
    size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      rd_kafka_conf_destroy(conf);
      throw UsageError(str("-X ", p, ": expected prop=val"));
    }
    set(p.substr(0, eq), p.substr(eq + 1), "-X ");
    if (p.compare(0, eq, "debug") == 0) g_debug = true;
  }
  rd_kafka_conf_set_error_cb(conf, on_error);
  rd_kafka_conf_set_log_cb(conf, on_log);
  return conf;
}

rd_kafka_t* make_handle(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    fail("cannot start the Kafka client: ", err);
  }
  return rk;
}

std::string fatal_error(rd_kafka_t* rk) {
  char buf[512];
  if (rd_kafka_fatal_error(rk, buf, sizeof buf) == RD_KAFKA_RESP_ERR_NO_ERROR) return "";
  return buf;
}

}  // namespace tick::kafka
