// What the consumer and the producer share: their configuration (-b, -X),
// librdkafka's errors said in the tools' one-line form, and its fatal ones;
// and what the consumer reads of its command line (-o) and of a message.
#pragma once
#include <librdkafka/rdkafka.h>

#include <string>
#include <string_view>

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

// Where -o says a consumer starts: an offset (or beginning, end, stored,
// -N from the end), or @TIME looked up. Throws UsageError naming -o.
struct StartAt {
  int64_t offset = RD_KAFKA_OFFSET_BEGINNING;
  int64_t time_ms = -1;  // @TIME: look the offset up for this time
};
StartAt parse_offset(const std::string& s);

// A message header's last value (ctx: the message's rd_kafka_headers_t),
// for the encoder's --header columns.
bool header_of(const void* ctx, std::string_view name, std::string_view& value);

struct Handle {
  rd_kafka_t* rk = nullptr;
  ~Handle() {
    if (rk) rd_kafka_destroy(rk);
  }
};

}  // namespace tick::kafka
