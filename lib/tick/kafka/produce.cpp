// tick-kafka produce: each row of a tick stream as a JSON message (the
// writer of tick-cat -f json), keyed by sym, stamped with its time, with
// headers table and seq; or one message per data record (--value json-batch).
#include <charconv>
#include <map>

#include "tick/diag.h"
#include "tick/error.h"
#include "tick/kafka/client.h"
#include "tick/reader.h"
#include "tick/signals.h"
#include "tick/text_out.h"
#include "tick/units.h"

namespace tick::kafka {

namespace {

struct Deliveries {
  uint64_t sent = 0, failed = 0;
  std::string first_error;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* d = static_cast<Deliveries*>(opaque);
  if (!m->err) return;
  if (!d->failed++)
    d->first_error = str(rd_kafka_topic_name(m->rkt), "[", m->partition, "]: ", rd_kafka_err2str(m->err));
}

}  // namespace

int produce(const ProduceOptions& o, Input& in) {
  Deliveries deliveries;
  rd_kafka_conf_t* conf = make_conf(o.client, {{"enable.idempotence", "true"},
                                               // as the Java client and kafka-python: a sym's partition
                                               // is the same whoever produces it
                                               {"partitioner", "murmur2_random"},
                                               {"linger.ms", "5"}});
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_opaque(conf, &deliveries);
  Handle h{make_handle(RD_KAFKA_PRODUCER, conf)};
  rd_kafka_t* rk = h.rk;

  std::map<std::string, rd_kafka_topic_t*, std::less<>> topics;
  struct Topics {
    std::map<std::string, rd_kafka_topic_t*, std::less<>>& t;
    ~Topics() {
      for (auto& [_, rkt] : t) rd_kafka_topic_destroy(rkt);
    }
  } destroy_topics{topics};
  auto topic_for = [&](const std::string& table) {
    std::string name = o.topic.empty() ? o.topic_prefix + table : o.topic;
    auto it = topics.find(name);
    if (it != topics.end()) return it->second;
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, name.c_str(), nullptr);
    if (!rkt) fail("topic ", name, ": ", rd_kafka_err2str(rd_kafka_last_error()));
    return topics.emplace(name, rkt).first->second;
  };

  // One send; a full queue stops reading (polling delivers and makes room).
  auto send = [&](rd_kafka_topic_t* rkt, std::string_view value, std::string_view key, int64_t ts_ms,
                  const std::string& table, uint64_t seq) {
    char seqtext[24];
    int seqlen = seq ? static_cast<int>(std::to_chars(seqtext, seqtext + sizeof seqtext, seq).ptr - seqtext) : 0;
    while (true) {
      // (a stream not from a journal has no seq: no header then)
      rd_kafka_resp_err_t e =
          seq ? rd_kafka_producev(rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                  RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                  RD_KAFKA_V_KEY(key.empty() ? nullptr : key.data(), key.size()),
                                  RD_KAFKA_V_TIMESTAMP(ts_ms),
                                  RD_KAFKA_V_HEADER("table", table.data(), static_cast<ssize_t>(table.size())),
                                  RD_KAFKA_V_HEADER("seq", seqtext, seqlen), RD_KAFKA_V_END)
              : rd_kafka_producev(rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                  RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                  RD_KAFKA_V_KEY(key.empty() ? nullptr : key.data(), key.size()),
                                  RD_KAFKA_V_TIMESTAMP(ts_ms),
                                  RD_KAFKA_V_HEADER("table", table.data(), static_cast<ssize_t>(table.size())),
                                  RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(rk, 50);
        continue;
      }
      deliveries.sent++;
      if (e && !deliveries.failed++)
        deliveries.first_error = str(rd_kafka_topic_name(rkt), ": ", rd_kafka_err2str(e));
      return;
    }
  };

  std::string text;
  Output rows_out([&](const uint8_t* p, size_t n) { text.append(reinterpret_cast<const char*>(p), n); });
  TextWriter json(rows_out, Format::json);
  std::vector<size_t> ends;  // where each row's line ends in text
  std::string batch;
  RecordReader rr(in);
  Decoder dec;
  Record r;
  int key_col = -2;  // per table: resolved when a table's first record comes
  std::vector<int> key_cols;
  uint64_t key_gen = 0;
  while (!stop_requested()) {
    auto st = rr.next(r);
    if (st == RecordReader::Status::End) break;
    if (st == RecordReader::Status::Bad) fail(rr.damage(false).where(in.name()));
    Decoder::Kind kind;
    try {
      kind = dec.apply(r);
    } catch (const Error& e) {
      fail(in.name(), ":", r.offset, ": ", e.what());
    }
    if (kind != Decoder::Kind::Data) continue;  // (ends of day are not sent)
    const DataView& v = dec.data();
    if (v.rows == 0) continue;
    const Table& t = *v.table;
    if (key_gen != dec.generation()) {
      key_cols.assign(dec.tables().size(), -2);
      key_gen = dec.generation();
    }
    if (key_cols.size() <= v.table_id) key_cols.resize(v.table_id + 1, -2);
    key_col = key_cols[v.table_id];
    if (key_col == -2) {
      key_col = o.key == "none" ? -1 : t.find(o.key);
      if (o.key != "none" && key_col < 0)
        throw UsageError(str("--key ", o.key, ": table ", t.name, " has no column ", tick::quoted(o.key)));
      Type kt = key_col >= 0 ? t.columns[key_col].type : Type::symbol;
      if (kt != Type::symbol && kt != Type::string)
        throw UsageError(str("--key ", o.key, ": column of table ", t.name, " is ", type_name(kt),
                             ", not a symbol or string"));
      key_cols[v.table_id] = key_col;
    }
    text.clear();
    json.rows(dec, nullptr, v.rows);
    rows_out.flush();
    rd_kafka_topic_t* rkt = topic_for(t.name);
    const bool instants = t.columns[t.time_col].type == Type::timestamp;
    auto row_ms = [&](uint32_t i) -> int64_t {
      int64_t ns = v.time(i);
      return instants && ns != kNullLong ? ns / 1000000 : 0;  // 0: librdkafka stamps it now
    };
    auto key_of = [&](uint32_t i) -> std::string_view {
      if (key_col < 0) return {};
      if (t.columns[key_col].type == Type::symbol) return dec.syms().name(v.get<uint32_t>(key_col, i));
      return v.string(key_col, i);
    };
    if (o.batch) {
      // [row,row,...]: the rows' lines joined; keyed by the table, so a
      // table's records stay in order on one partition.
      batch.assign(1, '[');
      size_t at = 0;
      for (uint32_t i = 0; i < v.rows; i++) {
        size_t nl = text.find('\n', at);
        if (i) batch += ',';
        batch.append(text, at, nl - at);
        at = nl + 1;
      }
      batch += ']';
      send(rkt, batch, key_col < 0 ? std::string_view{} : std::string_view(t.name), row_ms(0), t.name, v.seq);
    } else {
      size_t at = 0;
      for (uint32_t i = 0; i < v.rows; i++) {
        size_t nl = text.find('\n', at);  // JSON escapes newlines in values: this ends the row
        send(rkt, std::string_view(text).substr(at, nl - at), key_of(i), row_ms(i), t.name, v.seq);
        at = nl + 1;
      }
    }
    rd_kafka_poll(rk, 0);
  }
  // What is queued is delivered or fails (message.timeout.ms); then the
  // tally, as kcat gives it.
  // A second SIGINT/SIGTERM stops the wait (a broker that is gone would hold
  // it for message.timeout.ms): what is still queued is counted as lost.
  while (rd_kafka_outq_len(rk) > 0 && !stop_insisted()) rd_kafka_poll(rk, 100);
  if (int left = rd_kafka_outq_len(rk); left > 0)
    fail("stopped by a second signal with ", left, " of ", deliveries.sent,
         " messages not delivered (", deliveries.failed, " failed before)");
  if (std::string f = fatal_error(rk); !f.empty()) fail("fatal: ", f);
  if (deliveries.failed)
    fail(deliveries.failed, " of ", deliveries.sent, " messages not delivered (first: ", deliveries.first_error, ")");
  return 0;
}

}  // namespace tick::kafka
