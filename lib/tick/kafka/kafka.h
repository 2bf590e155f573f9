// tick-kafka: the Kafka bridge on librdkafka. consume: JSON messages into a
// tick stream (the encoder of tick-cat -e), offsets stored only after their
// rows are written; produce: a tick stream's rows as JSON messages (the
// writer of tick-cat -f json); broker: librdkafka's mock cluster on loopback.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tick/base/clock.h"
#include "tick/base/io.h"
#include "tick/stream/schema.h"

namespace tick::kafka {

struct Client {
  std::string brokers;             // -b: bootstrap.servers
  std::vector<std::string> props;  // -X prop=val, applied last
};

struct ConsumeOptions {
  Client client;
  std::vector<std::string> topics;
  std::string table;                // -t: every message's table
  bool table_from_topic = false;    // the table is the topic's name, less --topic-prefix
  std::string topic_prefix;
  std::string group;                // -g: a consumer group (offsets committed)
  std::string offset;               // -o, "" when not given
  bool exit_at_end = false;         // -e
  uint64_t count = 0;               // -c: messages, 0 for no limit
  std::vector<std::string> maps;    // --map COL=FIELD
  TimeUnit unit = TimeUnit::ns;
  bool stamp_kafka = true;          // rows with no time: the message's timestamp (else arrival)
  bool skip = false;                // --on-error skip
  std::string rejects;              // with skip: TOPIC\tPARTITION\tOFFSET\treason\tmessage
  size_t max_message = 1 << 20;     // larger messages are rejected
  uint32_t batch_rows = 4096;
  // --resume-from: a tick-log journal directory; start from the positions
  // of its last group and write positions records into the stream.
  std::string resume_from;
};

// Consumes until -c, -e, a signal or a fatal error; the tick stream goes to
// out and flush() pushes it (and whatever shows it) downstream, also when
// idle: it throws BrokenPipe once the reader has gone. Returns
// the exit status.
int consume(const ConsumeOptions& o, const Schema& schema, Output& out, const std::function<void()>& flush);

struct ProduceOptions {
  Client client;
  std::string topic, topic_prefix;  // one topic, or the prefix and the table's name
  std::string key = "sym";          // sym, none, or a column's name
  bool batch = false;               // one message per data record (a JSON array)
  // Headers each message carries: the table's name, the data record's seq.
  // By default a batch's (one a record: cheap); a row's carry none, as its
  // JSON names its table and a record's seq is not one row's (each costs
  // librdkafka allocations per message: a third of the producer's time).
  enum class Headers { defaults, none, table, seq, both } headers = Headers::defaults;
  // --headers LIST: none, or any of table,seq; throws UsageError.
  static Headers parse_headers(const std::string& list);
};

// Produces in's rows; returns the exit status (1 when a delivery failed).
int produce(const ProduceOptions& o, Input& in);

struct BrokerOptions {
  int brokers = 1;
  int partitions = 1;
  std::vector<std::string> topics;
  std::string address_file;
};

int broker(const BrokerOptions& o);

}  // namespace tick::kafka
