// tick-kafka consume: JSON messages into rows by the encoder of tick-cat -e;
// a message's offset is stored for commit only once its rows (and every
// row before them) are written downstream: at least once.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cerrno>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "tick/base/diag.h"
#include "tick/base/error.h"
#include "tick/base/signals.h"
#include "tick/base/units.h"
#include "tick/journal/walk.h"
#include "tick/kafka/client.h"
#include "tick/net/protocol.h"
#include "tick/stream/control.h"
#include "tick/text/in.h"

namespace tick::kafka {

namespace {

constexpr int kCloseSeconds = 10;  // the final commit and leaving the group, at most

struct Partition {
  std::string topic;
  int32_t partition;
  int64_t next = -1;   // the offset after the last message written
  int64_t journaled = -1;  // next, as the last positions written downstream say
  bool dirty = false;  // next not stored yet
  bool eof = false;
  bool assigned = true;
  // Where a group's consumer began when it has read nothing: the group's
  // committed offset (asked once an assignment reaches its end), -1 for
  // none (auto.offset.reset: the beginning), -2 not asked yet.
  int64_t committed = -2;
};

class Consumer {
 public:
  Consumer(const ConsumeOptions& o, const Schema& schema, Output& out, std::function<void()> flush)
      : o_(o), schema_(schema), start_(parse_offset(o.offset)), out_(out), flush_out_(std::move(flush)) {
    if (!o.resume_from.empty()) load_positions();
    EncodeOptions eo;
    eo.table = o.table;
    eo.unit = o.unit;
    eo.batch_rows = o.batch_rows;
    for (const auto& m : o.maps) eo.maps.push_back(FieldMap::parse(m));
    for (const auto& m : eo.maps) wants_headers_ |= m.meta == FieldMap::Meta::header;
    // With --resume-from a group (what one write_out() pushes) is gathered
    // first, to go downstream behind the positions that announce it.
    if (resuming_)
      group_out_ = std::make_unique<Output>(
          [this](const uint8_t* p, size_t n) { group_.insert(group_.end(), p, p + n); }, 1 << 20);
    enc_ = std::make_unique<Encoder>(schema, resuming_ ? *group_out_ : out, eo);
    if (o.table_from_topic) {
      for (const auto& t : o.topics) {
        std::string name = t.rfind(o.topic_prefix, 0) == 0 ? t.substr(o.topic_prefix.size()) : t;
        if (enc_->table_index(name) < 0)
          throw UsageError(str("topic ", t, ": no table ", tick::quoted(name), " in the schema"));
      }
    }
    if (!o.rejects.empty()) {
      rejects_ = std::fopen(o.rejects.c_str(), "w");
      if (!rejects_) fail(o.rejects, ": ", std::strerror(errno));
    }
    const bool group = !o.group.empty();
    if (start_.offset == RD_KAFKA_OFFSET_STORED && !group) throw UsageError("-o stored needs a group (-g)");
    rd_kafka_conf_t* conf = make_conf(
        o.client, {{"group.id", group ? o.group.c_str() : "tick-kafka"},
                   {"enable.auto.offset.store", "false"},  // stored only once written downstream
                   {"enable.auto.commit", group ? "true" : "false"},
                   {"auto.commit.interval.ms", "1000"},  // what a restart reads again: about a second
                   {"enable.partition.eof", "true"},
                   {"auto.offset.reset", "earliest"},
                   // A drain (-e) that dies holds its partitions 10 s, not 45
                   // (librdkafka's default); a group whose last member left
                   // forms again after about that long (the built-in broker
                   // waits it out before a second run's consumer joins).
                   {"session.timeout.ms", o.exit_at_end ? "10000" : "45000"},
                   // a broker holds a fetch at most this long waiting for data: low latency
                   // (Kafka's default, 500, batches more when idle)
                   {"fetch.wait.max.ms", "10"},
                   // Prefetching stops past this many messages queued in all
                   // (the consumer queue is one for every partition) and is
                   // looked at again only a second later: a stall of up to a
                   // second each time a fast fetch fills it. Bounded by
                   // queued.max.messages.kbytes (64 MiB) instead.
                   {"queued.min.messages", "10000000"}});
    if (group) {
      rd_kafka_conf_set_opaque(conf, this);
      rd_kafka_conf_set_rebalance_cb(conf, [](rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                              rd_kafka_topic_partition_list_t* parts, void* self) {
        // (an exception must not cross librdkafka's C frames: it is kept,
        // and thrown again once the call that ran the callback returns)
        auto* c = static_cast<Consumer*>(self);
        try {
          c->rebalance(rk, err, parts);
        } catch (...) {
          if (!c->deferred_) c->deferred_ = std::current_exception();
        }
      });
    }
    h_.rk = make_handle(RD_KAFKA_CONSUMER, conf);
    rd_kafka_poll_set_consumer(h_.rk);
    if (group) subscribe();
    else assign_all();
  }

  ~Consumer() {
    if (rejects_) std::fclose(rejects_);
  }

  int run() {
    rd_kafka_t* rk = h_.rk;
    int status = 0;
    // Messages a batch at a time from the consumer queue (a call, a lock
    // and a wake-up a batch, not a message).
    rd_kafka_queue_t* q = rd_kafka_queue_get_consumer(rk);
    std::vector<rd_kafka_message_t*> batch(1024);
    try {
      bool go_on = true;
      while (go_on && !stop_requested()) {
        // Pending rows are written when no message is ready (idle) or
        // after a large batch; offsets are stored right after.
        // (A batch call with a timeout waits for a full batch: idle, the
        // first message is waited for alone, then what came with it taken.)
        ssize_t n = 0;
        if (pending_) {
          n = rd_kafka_consume_batch_queue(q, 0, batch.data(), batch.size());
        } else if (rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100)) {
          batch[0] = m;
          n = 1 + std::max<ssize_t>(0, rd_kafka_consume_batch_queue(q, 0, batch.data() + 1, batch.size() - 1));
        }
        if (deferred_) std::rethrow_exception(std::exchange(deferred_, nullptr));
        if (n <= 0) {
          if (pending_) write_out();
          else flush_out_();  // (notices a closed downstream on a quiet topic: | head ends)
          if (o_.exit_at_end && all_at_end()) break;
          continue;
        }
        {
          // (destroyed however handling ends: a closed downstream throws)
          struct Destroy {
            rd_kafka_message_t** b;
            ssize_t n;
            ~Destroy() {
              for (ssize_t i = 0; i < n; i++) rd_kafka_message_destroy(b[i]);
            }
          } destroy{batch.data(), n};
          go_on = handle_batch(batch.data(), static_cast<size_t>(n));
        }
        if (!go_on) status = failed_ ? 1 : 0;
        if (!go_on) break;
        // A steady feed is never idle: write at least every 100 ms too.
        if (pending_ >= 65536 || group_.size() >= kMaxGroupBytes ||
            std::chrono::steady_clock::now() - last_write_ > std::chrono::milliseconds(100))
          write_out();
        if (o_.exit_at_end && all_at_end()) break;
      }
      write_out();
    } catch (...) {
      rd_kafka_queue_destroy(q);
      close();
      throw;
    }
    rd_kafka_queue_destroy(q);
    close();
    if (deferred_) std::rethrow_exception(std::exchange(deferred_, nullptr));
    if (std::string f = fatal_error(rk); !f.empty()) fail("fatal: ", f);
    if (failed_) fail(fail_message_);
    if (rejected_)
      warn(str(rejected_, " messages rejected", o_.rejects.empty() ? "" : " (see " + o_.rejects + ")"));
    return status;
  }

 private:
  // Flushes what is pending downstream, then stores the offsets after it.
  void write_out() {
    enc_->flush();
    if (resuming_) write_group();
    flush_out_();
    if (rejects_) std::fflush(rejects_);
    pending_ = 0;
    last_write_ = std::chrono::steady_clock::now();
    enc_->new_arrival();
    if (o_.group.empty()) return;
    rd_kafka_topic_partition_list_t* l = nullptr;
    for (auto& p : parts_) {
      if (!p.dirty) continue;
      if (!l) l = rd_kafka_topic_partition_list_new(static_cast<int>(parts_.size()));
      rd_kafka_topic_partition_list_add(l, p.topic.c_str(), p.partition)->offset = p.next;
      p.dirty = false;
    }
    if (!l) return;
    rd_kafka_resp_err_t e = rd_kafka_offsets_store(h_.rk, l);
    if (e && e != RD_KAFKA_RESP_ERR__STATE)  // (a partition just revoked)
      warn(str("storing offsets: ", rd_kafka_err2str(e)));
    rd_kafka_topic_partition_list_destroy(l);
  }

  // --resume-from: the journal's positions, which win over the group's
  // committed offsets and -o for the partitions they name.
  void load_positions() {
    resuming_ = true;
    auto jp = last_positions(o_.resume_from);
    if (!jp) {
      warn(str(o_.resume_from, ": no Kafka positions in its journals: starting at -o (",
               o_.offset.empty() ? "beginning" : o_.offset, ")"));
      return;
    }
    size_t n = 0;
    for (auto& k : jp->positions) {
      if (std::find(o_.topics.begin(), o_.topics.end(), k.topic) == o_.topics.end()) continue;
      Partition& p = part(k.topic, k.partition);
      p.next = p.journaled = k.next;  // (journaled: the journal says so)
      p.assigned = false;  // until assigned
      n++;
    }
    warn(str("resuming ", n, n == 1 ? " partition" : " partitions", " at the positions in ", jp->file));
  }

  // The journal's position of a partition (-1: none).
  int64_t resume_position(const char* topic, int32_t partition) {
    if (!resuming_) return -1;
    for (const auto& p : parts_)
      if (p.partition == partition && p.topic == topic) return p.next;
    return -1;
  }

  void resume_positions(rd_kafka_topic_partition_list_t* l) {
    for (int i = 0; i < l->cnt; i++)
      if (int64_t at = resume_position(l->elems[i].topic, l->elems[i].partition); at >= 0) l->elems[i].offset = at;
  }

  // The gathered group downstream: its context records, then the
  // positions after it with the number of data records that follow, then
  // the rest. tick-log journals the group whole or not at all.
  void write_group() {
    group_out_->flush();
    size_t pos = 0, first_data = group_.size();
    uint32_t records = 0;
    while (pos + kHeaderSize <= group_.size()) {
      RecordHeader h;
      parse_header(group_.data() + pos, h);
      if (h.type == RecordType::Data && !records++) first_data = pos;
      pos += kHeaderSize + h.length;
    }
    out_.write(group_.data(), first_data);
    if (records || moved_) {
      // Every partition's position, so that each journal holds them all. A
      // record of many partitions (past the format's 1 MiB for positions)
      // is split: those this group does not move (journaled already) go
      // first, in records that announce no data; the group's own record
      // names those it moves (at most kMaxGroupPartitions).
      PositionsMark m;
      m.records = records;
      size_t bytes = 8;
      for (const auto& p : parts_)
        if (p.next >= 0) bytes += 14 + p.topic.size();
      PositionsMark before;
      for (const auto& p : parts_) {
        if (p.next < 0) continue;
        bool moved = p.next != p.journaled;
        if (bytes <= kPositionsSplit || moved) {
          m.positions.push_back({p.topic, p.partition, p.next});
          continue;
        }
        before.positions.push_back({p.topic, p.partition, p.next});
        if (before.positions.size() * (14 + 249) >= kPositionsSplit) {
          write_positions(out_, before);
          before.positions.clear();
        }
      }
      if (!before.positions.empty()) write_positions(out_, before);
      write_positions(out_, m);
      for (auto& p : parts_) p.journaled = p.next;
      changed_ = 0;
    }
    out_.write(group_.data() + first_data, group_.size() - first_data);
    group_.clear();
    moved_ = false;
  }

  // The final commit and leaving the group. A broker that is gone (or a
  // coordinator that does not answer) would hold these for ever: they get
  // kCloseSeconds, or until a second SIGINT/SIGTERM, and then tick-kafka
  // exits anyway, saying so. Every row was written first; what is not
  // committed is read again by the group's next consumer (at least once).
  void close() {
    if (closed_) return;
    closed_ = true;
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    std::thread watchdog([&] {
      std::unique_lock<std::mutex> lk(m);
      auto until = std::chrono::steady_clock::now() + std::chrono::seconds(kCloseSeconds);
      while (!done && std::chrono::steady_clock::now() < until && !stop_insisted())
        cv.wait_for(lk, std::chrono::milliseconds(100));
      if (done) return;
      warn(str("the broker did not confirm the final commit and the leaving of the group ",
               stop_insisted() ? "before a second signal" : str("in ", kCloseSeconds, " s"),
               ": exiting without (the group's next consumer reads from the last commit)"));
      std::fflush(stdout);
      std::_Exit(0);
    });
    if (!o_.group.empty()) {
      rd_kafka_resp_err_t e = rd_kafka_commit(h_.rk, nullptr, 0);
      if (e && e != RD_KAFKA_RESP_ERR__NO_OFFSET) warn(str("commit: ", rd_kafka_err2str(e)));
    }
    rd_kafka_consumer_close(h_.rk);
    {
      std::lock_guard<std::mutex> lk(m);
      done = true;
    }
    cv.notify_all();
    watchdog.join();
  }

  Partition& part(std::string_view topic, int32_t partition) {
    // Messages come in runs from one partition: the last one first.
    if (last_ < parts_.size() && parts_[last_].partition == partition && parts_[last_].topic == topic)
      return parts_[last_];
    for (size_t i = 0; i < parts_.size(); i++)
      if (parts_[i].partition == partition && parts_[i].topic == topic) return parts_[last_ = i];
    parts_.push_back({std::string(topic), partition});
    last_ = parts_.size() - 1;
    return parts_.back();
  }

  bool all_at_end() {
    bool any = false;
    for (const auto& p : parts_) {
      if (!p.assigned) continue;
      if (!p.eof) return false;
      any = true;
    }
    return any && confirm_end();
  }

  // An end of partition can come before a message larger than a fetch has
  // arrived: asked of the broker, a partition read from its beginning is
  // at its end only when its last offset was read.
  bool confirm_end() {
    bool at_end = true;
    for (auto& p : parts_) {
      if (!p.assigned) continue;
      int64_t lo = 0, hi = 0;
      // The fetches' own figures first; the broker asked only without them.
      if (rd_kafka_get_watermark_offsets(h_.rk, p.topic.c_str(), p.partition, &lo, &hi) || hi < 0 || lo < 0)
        if (rd_kafka_query_watermark_offsets(h_.rk, p.topic.c_str(), p.partition, &lo, &hi, 5000)) continue;
      bool read_all;
      if (p.next >= 0) {
        read_all = p.next >= hi;
      } else if (starts_stored()) {
        // A group's second run starts at its commit, not the beginning: at
        // the end when that commit is (a cron drain with nothing new).
        if (p.committed == -2) p.committed = committed_offset(p);
        read_all = p.committed >= 0 ? p.committed >= hi : lo >= hi;
      } else {
        read_all = start_.offset != RD_KAFKA_OFFSET_BEGINNING || lo >= hi;
      }
      if (!read_all) {
        p.eof = false;
        at_end = false;
      }
    }
    return at_end;
  }

  // A group without -o (or -o stored) starts each partition at its commit.
  bool starts_stored() const {
    return !o_.group.empty() && (o_.offset.empty() || start_.offset == RD_KAFKA_OFFSET_STORED);
  }

  // The group's committed offset of p, -1 for none (or not known).
  int64_t committed_offset(const Partition& p) {
    rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, p.topic.c_str(), p.partition);
    int64_t at = -1;
    if (!rd_kafka_committed(h_.rk, l, 5000) && !l->elems[0].err && l->elems[0].offset >= 0) at = l->elems[0].offset;
    rd_kafka_topic_partition_list_destroy(l);
    return at;
  }

  // One message (or a consumer event); false to stop.
  bool handle(rd_kafka_message_t* m) {
    std::string_view topic = m->rkt ? rd_kafka_topic_name(m->rkt) : "";
    if (m->err) {
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        part(topic, m->partition).eof = true;
        return true;
      }
      std::string what = str(topic.empty() ? "" : str(topic, ": "), rd_kafka_message_errstr(m));
      if (m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
          m->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
          m->err == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED) {
        failed_ = true;
        fail_message_ = what;
        return false;
      }
      warn(what);
      return true;
    }
    Partition& p = part(topic, m->partition);
    p.eof = false;
    const char* data = static_cast<const char*>(m->payload);
    std::string reason;
    if (m->len > o_.max_message) {
      reason = oversize(m);
    } else {
      MessageMeta meta;
      meta_of(m, topic, meta);
      if (!enc_->message(data ? data : "", data ? m->len : 0, meta)) reason = enc_->error();
    }
    return account(m, topic, p, reason);
  }

  std::string oversize(const rd_kafka_message_t* m) const {
    return str("message of ", m->len, " bytes is over --max-message (", o_.max_message, ")");
  }

  // A message's metadata, as the encoder takes it.
  void meta_of(rd_kafka_message_t* m, std::string_view topic, MessageMeta& meta) {
    meta.topic = topic;
    meta.partition = m->partition;
    meta.offset = m->offset;
    meta.key = {static_cast<const char*>(m->key), m->key ? m->key_len : 0};
    rd_kafka_timestamp_type_t tstype;
    int64_t ts = rd_kafka_message_timestamp(m, &tstype);
    if (ts >= 0) meta.timestamp = ts * 1000000;
    if (o_.stamp_kafka && ts >= 0) meta.time = meta.timestamp;
    if (o_.table_from_topic) {
      std::string_view name = topic;
      if (name.substr(0, o_.topic_prefix.size()) == o_.topic_prefix) name.remove_prefix(o_.topic_prefix.size());
      meta.table = enc_->table_index(name);
    }
    rd_kafka_headers_t* hdrs = nullptr;
    // (librdkafka parses a message's headers when asked: only for @header:)
    if (wants_headers_ && rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      meta.header = header_of;
      meta.ctx = hdrs;
    }
  }

  // A data message read (reason: why it was refused, or empty): refused
  // ones failed or set aside, then its partition moves past it. False to stop.
  bool account(const rd_kafka_message_t* m, std::string_view topic, Partition& p, const std::string& reason) {
    if (!reason.empty()) {
      std::string where = str(topic, "[", m->partition, "]@", m->offset);
      if (!o_.skip) {
        // What came before is written and its offsets stored; this one is not.
        write_out();
        failed_ = true;
        fail_message_ = str(where, ": ", reason);
        return false;
      }
      reject(topic, m, reason, where);
      rejected_++;
    }
    if (p.next == p.journaled) changed_++;  // (first moved in this group)
    p.next = m->offset + 1;
    p.dirty = true;
    moved_ = true;
    pending_++;
    // The group's own positions record names every partition it moves, in
    // one record within the format's bound: a group moving this many ends.
    if (resuming_ && changed_ >= kMaxGroupPartitions) write_out();
    if (o_.count && ++consumed_ >= o_.count) return false;
    return true;
  }

  // A batch from the consumer queue, in order. Runs of data messages are
  // read together (Encoder::messages: two threads for a long run); events,
  // and any message over --max-message, one at a time between them. With
  // --resume-from each message is read alone (a group may end after any).
  bool handle_batch(rd_kafka_message_t** batch, size_t n) {
    size_t i = 0;
    while (i < n) {
      rd_kafka_message_t* m = batch[i];
      if (resuming_ || m->err || m->len > o_.max_message) {
        if (!handle(m)) return false;
        i++;
        continue;
      }
      size_t j = i;
      const uint64_t left = o_.count ? o_.count - consumed_ : UINT64_MAX;
      while (j < n && j - i < left && !batch[j]->err && batch[j]->len <= o_.max_message) j++;
      run_.clear();
      for (size_t k = i; k < j; k++) {
        rd_kafka_message_t* d = batch[k];
        std::string_view topic = d->rkt ? rd_kafka_topic_name(d->rkt) : "";
        Encoder::Msg& e = run_.emplace_back();
        e.p = d->payload ? static_cast<const char*>(d->payload) : "";
        e.len = d->payload ? d->len : 0;
        meta_of(d, topic, e.meta);
      }
      const size_t looked = enc_->messages(run_.data(), run_.size(), !o_.skip, answers_);
      for (size_t k = 0; k < looked; k++) {
        rd_kafka_message_t* d = batch[i + k];
        std::string_view topic = run_[k].meta.topic;
        Partition& p = part(topic, d->partition);
        p.eof = false;
        if (!account(d, topic, p, answers_[k])) return false;
      }
      i = j;
    }
    return true;
  }

  void reject(std::string_view topic, const rd_kafka_message_t* m, const std::string& reason,
              const std::string& where) {
    if (!rejects_) {
      warn(str(where, ": ", reason, " (message skipped)"));
      return;
    }
    std::fprintf(rejects_, "%.*s\t%d\t%lld\t%s\t", static_cast<int>(topic.size()), topic.data(), m->partition,
                 static_cast<long long>(m->offset), reason.c_str());
    // The message on one line: newline, tab and backslash escaped.
    const char* d = static_cast<const char*>(m->payload);
    for (size_t i = 0; i < m->len; i++) {
      char c = d[i];
      if (c == '\n') std::fputs("\\n", rejects_);
      else if (c == '\t') std::fputs("\\t", rejects_);
      else if (c == '\\') std::fputs("\\\\", rejects_);
      else std::fputc(c, rejects_);
    }
    std::fputc('\n', rejects_);
  }

  // -o for a list of partitions: offsets, or looked up by time.
  void set_start(rd_kafka_topic_partition_list_t* l) {
    for (int i = 0; i < l->cnt; i++) l->elems[i].offset = start_.time_ms >= 0 ? start_.time_ms : start_.offset;
    if (start_.time_ms < 0) return;
    rd_kafka_resp_err_t e = rd_kafka_offsets_for_times(h_.rk, l, 10000);
    if (e) fail("-o ", o_.offset, ": looking up offsets by time: ", rd_kafka_err2str(e));
    for (int i = 0; i < l->cnt; i++) {
      if (l->elems[i].err) fail(l->elems[i].topic, "[", l->elems[i].partition, "]: -o ", o_.offset, ": ",
                                rd_kafka_err2str(l->elems[i].err));
      if (l->elems[i].offset < 0) l->elems[i].offset = RD_KAFKA_OFFSET_END;  // nothing that late yet
    }
  }

  void subscribe() {
    rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(static_cast<int>(o_.topics.size()));
    for (const auto& t : o_.topics) rd_kafka_topic_partition_list_add(l, t.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(h_.rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e) fail("subscribe: ", rd_kafka_err2str(e));
  }

  // Without a group: every partition of every topic, from -o.
  void assign_all() {
    rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(16);
    for (const auto& t : o_.topics) {
      rd_kafka_topic_t* rkt = rd_kafka_topic_new(h_.rk, t.c_str(), nullptr);
      const rd_kafka_metadata_t* md = nullptr;
      rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR__TRANSPORT;
      // The brokers may be coming up: try for a while, saying so.
      for (int attempt = 0; attempt < 30 && !stop_requested(); attempt++) {
        e = rd_kafka_metadata(h_.rk, 0, rkt, &md, 2000);
        if (!e && md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE) {
          rd_kafka_metadata_destroy(md);  // being created
          md = nullptr;
          e = RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE;
        }
        if (!e) break;
        if (attempt == 0) warn(str("topic ", t, ": ", rd_kafka_err2str(e), " (retrying)"));
        ::usleep(200 * 1000);
      }
      rd_kafka_topic_destroy(rkt);
      if (e) fail("topic ", t, ": ", rd_kafka_err2str(e));
      const rd_kafka_metadata_topic_t& mt = md->topics[0];
      if (mt.err) {
        std::string why = rd_kafka_err2str(mt.err);
        rd_kafka_metadata_destroy(md);
        fail("topic ", t, ": ", why);
      }
      for (int i = 0; i < mt.partition_cnt; i++) {
        rd_kafka_topic_partition_list_add(l, t.c_str(), mt.partitions[i].id);
        part(t, mt.partitions[i].id).assigned = true;
      }
      rd_kafka_metadata_destroy(md);
    }
    set_start(l);
    resume_positions(l);
    rd_kafka_resp_err_t e = rd_kafka_assign(h_.rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e) fail("assign: ", rd_kafka_err2str(e));
  }

  void rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* l) {
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      // The group's stored offsets, unless -o was given.
      if (!o_.offset.empty() && start_.offset != RD_KAFKA_OFFSET_STORED) set_start(l);
      resume_positions(l);
      for (int i = 0; i < l->cnt; i++) {
        Partition& p = part(l->elems[i].topic, l->elems[i].partition);
        p.assigned = true;
        p.eof = false;
        p.committed = -2;
      }
      rd_kafka_assign(rk, l);
    } else {
      // Before the partitions go: what was read from them is written and
      // committed, so that their next owner starts after it (not committed
      // if it could not be written: a closed downstream).
      std::exception_ptr failed;
      try {
        write_out();
        rd_kafka_commit(rk, nullptr, 0);
      } catch (...) {
        failed = std::current_exception();
      }
      for (auto& p : parts_) p.assigned = false;
      rd_kafka_assign(rk, nullptr);
      if (failed) std::rethrow_exception(failed);
    }
  }

  std::exception_ptr deferred_;  // thrown in a librdkafka callback
  const ConsumeOptions& o_;
  const Schema& schema_;
  StartAt start_;
  Output& out_;
  std::function<void()> flush_out_;
  static constexpr size_t kMaxGroupBytes = 16u << 20;
  // Positions records stay within the format's 1 MiB: a topic name is at
  // most 249 bytes, a position 14 more.
  static constexpr size_t kPositionsSplit = 512u << 10;
  static constexpr size_t kMaxGroupPartitions = kPositionsSplit / (14 + 249);
  size_t changed_ = 0;  // partitions the group being gathered moves
  bool resuming_ = false, moved_ = false;
  std::vector<uint8_t> group_;
  std::unique_ptr<Output> group_out_;
  std::unique_ptr<Encoder> enc_;
  std::vector<Encoder::Msg> run_;     // (handle_batch's, reused)
  std::vector<std::string> answers_;
  Handle h_;
  std::vector<Partition> parts_;
  FILE* rejects_ = nullptr;
  uint64_t pending_ = 0, consumed_ = 0, rejected_ = 0;
  std::chrono::steady_clock::time_point last_write_ = std::chrono::steady_clock::now();
  bool failed_ = false, closed_ = false, wants_headers_ = false;
  size_t last_ = 0;
  std::string fail_message_;
};

}  // namespace

int consume(const ConsumeOptions& o, const Schema& schema, Output& out, const std::function<void()>& flush) {
  Consumer c(o, schema, out, flush);
  return c.run();
}

}  // namespace tick::kafka
