// tick-kafka: the Kafka bridge. consume (JSON messages to a tick stream),
// produce (a tick stream's rows to JSON messages), broker (a local one).
#include <unistd.h>

#include "common/cli.h"
#include "tick/base/diag.h"
#include "tick/base/units.h"
#include "tick/kafka/kafka.h"
#include "tick/stream/schema.h"
#include "tick/text/copy.h"

using namespace tick;

namespace {
void add_client(CLI::App* cmd, kafka::Client& c) {
  cmd->add_option("-b,--brokers", c.brokers, "Bootstrap brokers, host:port[,host:port...]")->required();
  cmd->add_option("-X", c.props, "A librdkafka property, prop=val (repeatable)")->allow_extra_args(false);
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"The Kafka bridge: consume JSON messages into a tick stream, produce a tick stream's rows as "
               "JSON messages, or run a local broker for demos and tests.",
               "tick-kafka"};
  app.require_subcommand(1);

  auto* consume = app.add_subcommand("consume", "JSON messages from topics to a tick stream on stdout");
  kafka::ConsumeOptions co;
  std::string schema_file, topics, format, unit = "ns", stamp = "kafka", on_error = "fail", max_message = "1M";
  TimeFormat time_format = TimeFormat::iso;
  add_client(consume, co.client);
  consume->add_option("--topic", topics, "Topics to read (comma-separated)")->required();
  consume->add_option("--schema", schema_file, "Schema file (native or kdb+ sym.q)")->required();
  consume->add_option("-t,--table", co.table, "Every message's table");
  consume->add_flag("--table-from-topic", co.table_from_topic, "The table is the topic's name (less --topic-prefix)");
  consume->add_option("--topic-prefix", co.topic_prefix, "With --table-from-topic: stripped from topic names");
  consume->add_option("-g,--group", co.group, "Consumer group: offsets committed once rows are written");
  consume->add_option("-o,--offset", co.offset, "Start: beginning, end, stored, OFFSET, -N (from the end) or @TIME");
  consume->add_flag("-e,--exit", co.exit_at_end, "Exit once every assigned partition is read to its end");
  consume->add_option("-c,--count", co.count, "Exit after N messages");
  consume->add_option("--map", co.maps, "COL=FIELD: a column from a path (a.b, /a/b) or @key @topic @partition "
                                        "@offset @timestamp @header:NAME (repeatable)")
      ->allow_extra_args(false);
  consume->add_option("--time-unit", unit, "Unit of epoch numbers in time columns: s, ms, us or ns")
      ->check(CLI::IsMember({"s", "ms", "us", "ns"}));
  consume->add_option("--stamp", stamp, "Rows with no time: the message's timestamp (kafka) or the arrival time")
      ->check(CLI::IsMember({"kafka", "arrival"}));
  consume->add_option("--on-error", on_error, "On a bad message: fail (stop, exit 1) or skip (go on)")
      ->check(CLI::IsMember({"fail", "skip"}));
  consume->add_option("--rejects", co.rejects, "With --on-error skip: write rejected messages here");
  consume->add_option("--resume-from", co.resume_from,
                      "Journal DIR: start where its last messages end, and record positions in the stream");
  consume->add_option("--max-message", max_message, "Largest message taken (default 1M); larger ones are bad");
  cli::add_format(*consume, format);
  cli::add_time_format(*consume, time_format);

  auto* produce = app.add_subcommand("produce", "A tick stream's rows on stdin to topics as JSON messages");
  kafka::ProduceOptions po;
  std::string value = "json";
  add_client(produce, po.client);
  auto* topic_opt = produce->add_option("--topic", po.topic, "The topic of every row");
  auto* prefix_opt = produce->add_option("--topic-prefix", po.topic_prefix, "Each table to topic PREFIX+TABLE");
  topic_opt->excludes(prefix_opt);
  produce->add_option("--key", po.key, "Message key: sym (default), none, or a symbol or string column");
  produce->add_option("--value", value, "json (a message a row) or json-batch (a message a data record)")
      ->check(CLI::IsMember({"json", "json-batch"}));
  std::string headers;
  produce->add_option("--headers", headers,
                      "Headers each message carries: table,seq (json-batch's default), table, seq or none (json's)");

  auto* broker = app.add_subcommand("broker", "A Kafka broker in memory on loopback, for demos and tests");
  kafka::BrokerOptions bo;
  std::string broker_topics;
  broker->add_option("--partitions", bo.partitions, "Partitions of each --topics topic (default 1)")
      ->check(CLI::Range(1, 10000));
  broker->add_option("--topics", broker_topics, "Topics to create, NAME or NAME:PARTITIONS (comma-separated; others are made on first use)");
  broker->add_option("--brokers", bo.brokers, "Brokers in the cluster (default 1)")->check(CLI::Range(1, 16));
  broker->add_option("--address-file", bo.address_file, "Also write the bootstrap address to FILE");

  return cli::run(app, argc, argv, [&] {
    if (*broker) {
      bo.topics = split_list(broker_topics);
      return kafka::broker(bo);
    }
    if (*produce) {
      if (po.topic.empty() && po.topic_prefix.empty()) throw UsageError("produce needs --topic or --topic-prefix");
      if (::isatty(STDIN_FILENO))
        throw UsageError("refusing to read a binary tick stream from a terminal (pipe one in: tick-sub :5010 | "
                         "tick-kafka produce ...)");
      po.batch = value == "json-batch";
      if (!headers.empty()) po.headers = kafka::ProduceOptions::parse_headers(headers);
      auto in = Input::open("-");
      return kafka::produce(po, *in);
    }
    co.topics = split_list(topics);
    if (co.table_from_topic && !co.table.empty()) throw UsageError("-t and --table-from-topic: give one");
    if (!co.topic_prefix.empty() && !co.table_from_topic) throw UsageError("--topic-prefix is for --table-from-topic");
    co.unit = *time_unit_from_name(unit);
    co.stamp_kafka = stamp == "kafka";
    co.skip = on_error == "skip";
    if (!co.rejects.empty() && !co.skip) throw UsageError("--rejects is for --on-error skip");
    co.max_message = parse_size(max_message, "--max-message");
    Schema schema = load_schema(schema_file);
    const Format shown = cli::resolve_format(format, STDOUT_FILENO);
    if (!co.resume_from.empty() && shown != Format::tick)
      throw UsageError(str("--resume-from records the consumer's positions in a tick stream for tick-log: not with -f ",
                           format_name(shown)));
    Output out(STDOUT_FILENO);
    // Each push downstream also asks whether the reader is still there.
    if (shown == Format::tick) return kafka::consume(co, schema, out, [&] {
      out.flush();
      out.check_reader();
    });
    // Text: the stream read back through the decoder, as tick-cat -e -f shows it.
    CopyOptions shown_as;
    shown_as.format = shown;
    shown_as.time_format = time_format;
    shown_as.csv_table_column = co.table.empty();
    ShownText text(out, shown_as, "consumed");
    return kafka::consume(co, schema, text.input(), [&] {
      text.flush();
      out.check_reader();
    });
  });
}
