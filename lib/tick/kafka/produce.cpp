// tick-kafka produce: each row of a tick stream as a JSON message (the
// writer of tick-cat -f json), keyed by sym, stamped with its time, with
// headers table and seq; or one message per data record (--value json-batch).
#include <charconv>
#include <map>

#include "tick/base/diag.h"
#include "tick/base/error.h"
#include "tick/base/signals.h"
#include "tick/base/units.h"
#include "tick/kafka/client.h"
#include "tick/stream/reader.h"
#include "tick/text/out.h"

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

// The topics messages go to, made once each.
class Topics {
 public:
  Topics(rd_kafka_t* rk, const ProduceOptions& o) : rk_(rk), o_(o) {}
  ~Topics() {
    for (auto& [_, rkt] : t_) rd_kafka_topic_destroy(rkt);
  }
  Topics(const Topics&) = delete;
  Topics& operator=(const Topics&) = delete;
  rd_kafka_topic_t* of(const std::string& table) {
    std::string name = o_.topic.empty() ? o_.topic_prefix + table : o_.topic;
    auto it = t_.find(name);
    if (it != t_.end()) return it->second;
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_, name.c_str(), nullptr);
    if (!rkt) fail("topic ", name, ": ", rd_kafka_err2str(rd_kafka_last_error()));
    return t_.emplace(name, rkt).first->second;
  }

 private:
  rd_kafka_t* rk_;
  const ProduceOptions& o_;
  std::map<std::string, rd_kafka_topic_t*, std::less<>> t_;
};

// One message: its value, key, time and headers.
struct Message {
  rd_kafka_topic_t* rkt;
  std::string_view value, key;
  int64_t ts_ms;  // 0: librdkafka stamps it now
  const std::string* table;  // the table header, or none
  uint64_t seq;  // the seq header; 0: none (or a stream not from a journal)
};

// Sends one message; a full queue stops reading (polling delivers and
// makes room).
void send(rd_kafka_t* rk, const Message& m, Deliveries& d) {
  char seqtext[24];
  const int seqlen = static_cast<int>(std::to_chars(seqtext, seqtext + sizeof seqtext, m.seq).ptr - seqtext);
  rd_kafka_vu_t vu[7];
  size_t n = 0;
  vu[n].vtype = RD_KAFKA_VTYPE_RKT;
  vu[n++].u.rkt = m.rkt;
  vu[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
  vu[n++].u.i = RD_KAFKA_MSG_F_COPY;
  vu[n].vtype = RD_KAFKA_VTYPE_VALUE;
  vu[n].u.mem.ptr = const_cast<char*>(m.value.data());
  vu[n++].u.mem.size = m.value.size();
  vu[n].vtype = RD_KAFKA_VTYPE_KEY;
  vu[n].u.mem.ptr = m.key.empty() ? nullptr : const_cast<char*>(m.key.data());
  vu[n++].u.mem.size = m.key.size();
  vu[n].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
  vu[n++].u.i64 = m.ts_ms;
  if (m.table) {
    vu[n].vtype = RD_KAFKA_VTYPE_HEADER;
    vu[n++].u.header = {"table", m.table->data(), static_cast<ssize_t>(m.table->size())};
  }
  if (m.seq) {
    vu[n].vtype = RD_KAFKA_VTYPE_HEADER;
    vu[n++].u.header = {"seq", seqtext, seqlen};
  }
  while (true) {
    rd_kafka_error_t* err = rd_kafka_produceva(rk, vu, n);
    rd_kafka_resp_err_t e = err ? rd_kafka_error_code(err) : RD_KAFKA_RESP_ERR_NO_ERROR;
    if (err) rd_kafka_error_destroy(err);
    if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(rk, 50);
      continue;
    }
    d.sent++;
    if (e && !d.failed++) d.first_error = str(rd_kafka_topic_name(m.rkt), ": ", rd_kafka_err2str(e));
    return;
  }
}

// The --key column of a table (-1: none), checked once per table.
int key_column(const Table& t, const std::string& key) {
  if (key == "none") return -1;
  int c = t.find(key);
  if (c < 0) throw UsageError(str("--key ", key, ": table ", t.name, " has no column ", tick::quoted(key)));
  Type kt = t.columns[c].type;
  if (kt != Type::symbol && kt != Type::string)
    throw UsageError(str("--key ", key, ": column of table ", t.name, " is ", type_name(kt),
                         ", not a symbol or string"));
  return c;
}

// A data record's rows as messages: a JSON line a row, or (--value
// json-batch) the record's rows as one array keyed by the table, so a
// table's records stay in order on one partition.
class RecordSender {
 public:
  RecordSender(rd_kafka_t* rk, const ProduceOptions& o, Deliveries& d)
      : rk_(rk), o_(o), d_(d), topics_(rk, o),
        table_header_(o.headers == ProduceOptions::Headers::table || o.headers == ProduceOptions::Headers::both ||
                      (o.headers == ProduceOptions::Headers::defaults && o.batch)),
        seq_header_(o.headers == ProduceOptions::Headers::seq || o.headers == ProduceOptions::Headers::both ||
                    (o.headers == ProduceOptions::Headers::defaults && o.batch)),
        rows_out_([this](const uint8_t* p, size_t n) { text_.append(reinterpret_cast<const char*>(p), n); }),
        json_(rows_out_, Format::json) {}

  void send_record(const Decoder& dec) {
    const DataView& v = dec.data();
    if (v.rows == 0) return;
    const Table& t = *v.table;
    const int key_col = key_of_table(dec);
    text_.clear();
    json_.rows(dec, nullptr, v.rows);
    rows_out_.flush();
    rd_kafka_topic_t* rkt = topics_.of(t.name);
    const bool instants = t.columns[t.time_col].type == Type::timestamp;
    auto row_ms = [&](uint32_t i) -> int64_t {
      int64_t ns = v.time(i);
      return instants && ns != kNullLong ? ns / 1000000 : 0;
    };
    if (o_.batch) {
      batch_.assign(1, '[');
      size_t at = 0;
      for (uint32_t i = 0; i < v.rows; i++) {
        size_t nl = text_.find('\n', at);
        if (i) batch_ += ',';
        batch_.append(text_, at, nl - at);
        at = nl + 1;
      }
      batch_ += ']';
      send(rk_, {rkt, batch_, key_col < 0 ? std::string_view{} : std::string_view(t.name), row_ms(0),
                 table_header_ ? &t.name : nullptr, seq_header_ ? v.seq : 0},
           d_);
    } else {
      size_t at = 0;
      for (uint32_t i = 0; i < v.rows; i++) {
        size_t nl = text_.find('\n', at);  // JSON escapes newlines in values: this ends the row
        std::string_view key;
        if (key_col >= 0)
          key = t.columns[key_col].type == Type::symbol ? dec.syms().name(v.get<uint32_t>(key_col, i))
                                                        : v.string(key_col, i);
        send(rk_, {rkt, std::string_view(text_).substr(at, nl - at), key, row_ms(i), table_header_ ? &t.name : nullptr,
                   seq_header_ ? v.seq : 0},
             d_);
        at = nl + 1;
      }
    }
    rd_kafka_poll(rk_, 0);
  }

 private:
  // The key column of the record's table: resolved when a table's first
  // record comes, again for a new context.
  int key_of_table(const Decoder& dec) {
    const DataView& v = dec.data();
    if (key_gen_ != dec.generation()) {
      key_cols_.assign(dec.tables().size(), kUnresolved);
      key_gen_ = dec.generation();
    }
    if (key_cols_.size() <= v.table_id) key_cols_.resize(v.table_id + 1, kUnresolved);
    if (key_cols_[v.table_id] == kUnresolved) key_cols_[v.table_id] = key_column(*v.table, o_.key);
    return key_cols_[v.table_id];
  }

  static constexpr int kUnresolved = -2;
  rd_kafka_t* rk_;
  const ProduceOptions& o_;
  Deliveries& d_;
  Topics topics_;
  const bool table_header_, seq_header_;
  std::string text_, batch_;
  Output rows_out_;
  TextWriter json_;
  std::vector<int> key_cols_;
  uint64_t key_gen_ = 0;
};

// What is queued is delivered or fails (message.timeout.ms); then the
// tally, as kcat gives it. A second SIGINT/SIGTERM stops the wait (a broker
// that is gone would hold it for message.timeout.ms): what is still queued
// is counted as lost.
void drain(rd_kafka_t* rk, const Deliveries& d) {
  while (rd_kafka_outq_len(rk) > 0 && !stop_insisted()) rd_kafka_poll(rk, 100);
  if (int left = rd_kafka_outq_len(rk); left > 0)
    fail("stopped by a second signal with ", left, " of ", d.sent, " messages not delivered (", d.failed,
         " failed before)");
  if (std::string f = fatal_error(rk); !f.empty()) fail("fatal: ", f);
  if (d.failed) fail(d.failed, " of ", d.sent, " messages not delivered (first: ", d.first_error, ")");
}

}  // namespace

ProduceOptions::Headers ProduceOptions::parse_headers(const std::string& list) {
  if (list == "none") return Headers::none;
  bool table = false, seq = false;
  size_t at = 0;
  while (at <= list.size()) {
    size_t comma = std::min(list.find(',', at), list.size());
    std::string_view h(list.data() + at, comma - at);
    if (h == "table") table = true;
    else if (h == "seq") seq = true;
    else throw UsageError(str("--headers ", tick::quoted(list), ": expected none, or table and/or seq (table,seq)"));
    at = comma + 1;
  }
  return table && seq ? Headers::both : table ? Headers::table : Headers::seq;
}

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
  {
    RecordSender sender(h.rk, o, deliveries);
    RecordReader rr(in);
    Decoder dec;
    Record r;
    Decoder::Kind kind;
    while (!stop_requested() && read_applied(rr, dec, r, kind))
      if (kind == Decoder::Kind::Data) sender.send_record(dec);  // (ends of day are not sent)
    drain(h.rk, deliveries);
  }
  return 0;
}

}  // namespace tick::kafka
