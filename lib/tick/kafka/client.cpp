#include "tick/kafka/client.h"

#include <chrono>
#include <cstdlib>
#include <mutex>

#include "tick/base/clock.h"
#include "tick/base/diag.h"
#include "tick/base/error.h"
#include "tick/base/signals.h"
#include "tick/base/units.h"

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

StartAt parse_offset(const std::string& s) {
  StartAt a;
  if (s.empty() || s == "beginning") return a;
  if (s == "end") return a.offset = RD_KAFKA_OFFSET_END, a;
  if (s == "stored") return a.offset = RD_KAFKA_OFFSET_STORED, a;
  if (s[0] == '@') {
    std::string t = s.substr(1);
    if (auto ns = parse_timestamp(t)) return a.time_ms = *ns / 1000000, a;
    char* end = nullptr;
    long long ms = std::strtoll(t.c_str(), &end, 10);
    if (!t.empty() && end && *end == 0 && ms >= 0) return a.time_ms = ms, a;
    throw UsageError(str("-o ", s, ": expected @TIME (ISO-8601 or epoch milliseconds)"));
  }
  char* end = nullptr;
  long long n = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || !end || *end != 0)
    throw UsageError(str("-o ", s, ": expected beginning, end, stored, an offset, -N (N from the end) or @TIME"));
  a.offset = n < 0 ? RD_KAFKA_OFFSET_TAIL(-n) : n;
  return a;
}

bool header_of(const void* ctx, std::string_view name, std::string_view& value) {
  auto* hdrs = static_cast<rd_kafka_headers_t*>(const_cast<void*>(ctx));
  const void* v;
  size_t n;
  // (name comes from a std::string: it is NUL-terminated)
  if (!hdrs || rd_kafka_header_get_last(hdrs, name.data(), &v, &n) != RD_KAFKA_RESP_ERR_NO_ERROR) return false;
  value = {static_cast<const char*>(v), v ? n : 0};
  return true;
}

}  // namespace tick::kafka
