// What the consumer and the producer share: their configuration (-b, -X),
// librdkafka's errors said in the tools' one-line form, and its fatal ones.
#pragma once
#include <librdkafka/rdkafka.h>

#include <string>

#include "tick/kafka/kafka.h"

namespace tick::kafka {

// A configuration with bootstrap.servers, the given defaults, then -X
// (which wins); error and log callbacks installed. Throws UsageError for a
// bad property.
rd_kafka_conf_t* make_conf(const Client& c, std::initializer_list<std::pair<const char*, const char*>> defaults);
// Creates the handle (taking conf); throws Error naming why not.
rd_kafka_t* make_handle(rd_kafka_type_t type, rd_kafka_conf_t* conf);
// A fatal error the error callback saw, or "".
std::string fatal_error(rd_kafka_t* rk);

struct Handle {
  rd_kafka_t* rk = nullptr;
  ~Handle() {
    if (rk) rd_kafka_destroy(rk);
  }
};

}  // namespace tick::kafka
