#include "tick/text/copy.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tick/base/clock.h"
#include "tick/base/diag.h"
#include "tick/base/error.h"
#include "tick/base/files.h"
#include "tick/base/signals.h"
#include "tick/base/units.h"
#include "tick/stream/writer.h"

namespace tick {

// A run of whole records written in one call at most this long.
constexpr size_t kMaxSpan = 8u << 20;

struct Copier::Split {
  int fd;
  Output out;
  TextWriter text;
  Split(int f, const CopyOptions& o) : fd(f), out(f), text(out, o.format, false, o.time_format) {}
  ~Split() { ::close(fd); }
};

Copier::Copier(Output& out, const CopyOptions& o)
    : out_(out), opt_(o), filter_(o.filter), text_(out, o.format, o.csv_table_column, o.time_format), kdb_(out) {
  if (!opt_.split_dir.empty() && (opt_.format == Format::tick || opt_.format == Format::kdb))
    throw UsageError("--split writes text: give -f csv or json");
}

Copier::~Copier() {
  for (auto& [name, f] : split_) {
    try {
      f->out.flush();
    } catch (const std::exception& e) {
      warn(e.what());
    }
  }
}

void Copier::flush() {
  flush_span();
  out_.flush();
  for (auto& [name, f] : split_) f->out.flush();
}

// --split: the table's file, made (truncated) at its first rows.
TextWriter& Copier::text_for(const Table& t) {
  if (opt_.split_dir.empty()) return text_;
  auto& f = split_[t.name];
  if (!f) {
    const char* ext = opt_.format == Format::csv ? ".csv" : opt_.format == Format::json ? ".json" : ".txt";
    std::string path = join_path(opt_.split_dir, t.name + ext);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) fail(path, ": ", std::strerror(errno));
    f = std::make_unique<Split>(fd, opt_);
  }
  return f->text;
}

void Copier::problem(const std::string& name, const Damage& d) {
  std::string where = d.where(name);
  // Whatever the mode: a record too large to take would come again.
  if (d.oversized) {
    flush();
    throw RefusedInput(where, d.why);
  }
  if (!opt_.skip_bad) {
    flush();
    if (d.torn) throw TornTail(where);
    throw Error(where);
  }
  problems_++;
  warn(where);
}

// Waits until the rows are due: at their recorded pace times speed, or at
// rate rows a second, counted from the first row written.
void Copier::pace(const DataView& v, const uint32_t* sel, uint32_t n) {
  int64_t now = now_ns();
  int64_t target;
  if (opt_.speed > 0) {
    int64_t t = v.time(sel ? sel[0] : 0);
    if (t == kNullLong) return;
    if (pace_data0_ == INT64_MIN) {
      pace_data0_ = t;
      pace_wall0_ = now;
    }
    target = pace_wall0_ + static_cast<int64_t>(static_cast<double>(t - pace_data0_) / opt_.speed);
  } else {
    if (paced_rows_ == 0) pace_wall0_ = now;
    target = pace_wall0_ + static_cast<int64_t>(static_cast<double>(paced_rows_) * 1e9 / opt_.rate);
    paced_rows_ += n;
  }
  if (target <= now) return;
  flush();
  sleep_ns(real_delay(target - now));
}

void Copier::flush_span() {
  if (!span_len_) return;
  out_.write_direct(span_, span_len_);
  span_ = nullptr;
  span_len_ = 0;
}

// Mapped or buffered, the bytes stay where they are until the input moves
// them, and it flushes the span first (its move hook).
void Copier::pass(const Record& r) {
  if (span_ && span_ + span_len_ == r.bytes && span_len_ < kMaxSpan) {
    span_len_ += r.size();
    return;
  }
  flush_span();
  span_ = r.bytes;
  span_len_ = r.size();
}

void Copier::idle() {
  uint64_t before = out_.written();
  flush();
  if (out_.written() == before) out_.check_reader();
}

void Copier::copy(Input& in, size_t max_record, Decoder* given) {
  saw_eod_ = false;
  in.set_idle_hook([this] { idle(); });
  in.set_move_hook([this] { flush_span(); });
  Decoder own;
  Decoder& dec = given ? *given : own;
  dec.set_trusted(opt_.trusted);
  ReadPlan plan;
  plan.trusted = opt_.trusted;
  plan.max_record = max_record;
  // (every table wanted: nothing to pass over, and the framing may run ahead)
  if (!opt_.filter.tables.empty())
    plan.skip = [this, &dec](const RecordHeader& h) { return dec.started() && !filter_.want_table(h.table); };
  // (SIGINT or SIGTERM: a file read in place never blocks, so the stop is
  // looked for at each record; what was handled is kept)
  for_each_record(in, plan, Reporter{opt_.skip_bad, [&](const Damage& d) { problem(in.name(), d); }},
                  [&](const Record& r) { return !stop_requested() && handle(r, dec, in.name()); });
  flush_span();  // the mapping ends with the input
}

void Copier::finish() {
  if (opt_.format == Format::kdb) kdb_.finish();
  flush();
  for (const auto& s : filter_.missing_syms()) warn(str("no sym ", quoted(s), " in the input"));
  const auto missing = filter_.missing_tables();
  if (missing.empty() || filter_.tables_seen().empty()) return;
  std::string have;
  for (const auto& t : filter_.tables_seen()) have += (have.empty() ? "" : ", ") + t;
  fail("unknown table ", quoted(missing[0]), " (tables: ", have, ")");
}

void Copier::feed(const uint8_t* p, size_t n, const std::string& name, Decoder& dec) {
  size_t at = 0;
  Record r;
  while (at + kHeaderSize <= n) {
    if (!parse_header(p + at, r.h) || at + kHeaderSize + r.h.length > n)
      fail(name, ": malformed record at byte ", fed_ + at);
    r.bytes = p + at;
    r.offset = fed_ + at;
    at += r.size();
    handle(r, dec, name);
  }
  fed_ += n;
  flush_span();  // the bytes are the caller's only for this call
}

bool Copier::handle(const Record& r, Decoder& dec, const std::string& name) {
  const bool tick = opt_.format == Format::tick;
  const bool kdb = opt_.format == Format::kdb;
  if ((opt_.seq_from > 0 || opt_.seq_to < UINT64_MAX) && r.has_data_prefix()) {
    uint64_t seq = r.data_seq();
    if (seq < opt_.seq_from || seq > opt_.seq_to) return true;
  }
  Decoder::Kind kind;
  try {
    kind = dec.apply(r);
  } catch (const VersionError& e) {
    flush();
    throw Error(str(name, ":", r.offset, ": ", e.what()));
  } catch (const Error& e) {
    problem(name, Damage{r.offset, e.what()});
    return true;
  }
  if (observer_ && !observer_(r, kind, dec)) return false;
  const bool paced = opt_.speed > 0 || opt_.rate > 0;
  switch (kind) {
    case Decoder::Kind::Header:
    case Decoder::Kind::Schema:
    case Decoder::Kind::Symbols:
      filter_.update(dec);
      if (tick) pass(r);
      if (kind == Decoder::Kind::Schema && opt_.split_dir.empty())
        text_.schema(dec, opt_.filter.tables.size() == 1 ? std::string_view(opt_.filter.tables[0]) : "");
      break;
    case Decoder::Kind::Data: {
      const DataView& v = dec.data();
      if (!filter_.want_table(v.table_id)) break;
      if (!filter_.by_rows()) {
        rows_ += v.rows;
        if (paced && v.rows) pace(v, nullptr, v.rows);
        if (tick) pass(r);
        else if (kdb) kdb_.data(v, dec.syms(), nullptr, v.rows);
        else text_for(*v.table).rows(dec, nullptr, v.rows);
        break;
      }
      uint32_t n = filter_.select(v, sel_);
      rows_ += n;
      if (n == 0) break;
      if (paced) pace(v, sel_.data(), n);
      if (kdb) {
        kdb_.data(v, dec.syms(), sel_.data(), n);
      } else if (!tick) {
        text_for(*v.table).rows(dec, sel_.data(), n);
      } else if (n == v.rows) {
        pass(r);
      } else {
        flush_span();
        write_subset(out_, v, sel_.data(), n);
      }
      break;
    }
    case Decoder::Kind::EndOfDay:
      saw_eod_ = true;
      // A slice by sequence number has a day's end only when the day's last
      // record is in it.
      if (dec.control_seq() < opt_.seq_from || dec.control_seq() > opt_.seq_to) break;
      if (tick) pass(r);
      else if (opt_.split_dir.empty() && !kdb) text_.eod(dec.eod_date(), dec.control_seq());
      break;
    case Decoder::Kind::Heartbeat:
      if (tick) pass(r);
      break;
    case Decoder::Kind::Protocol:
      break;  // a conversation's message, not part of the stream
    case Decoder::Kind::Positions:
      break;  // a journal's Kafka bookkeeping: only tick-log takes it
    case Decoder::Kind::Unknown:
      if (tick && !opt_.served) pass(r);  // a newer minor version's record
      break;
  }
  if (stop_after_) {
    stop_after_ = false;
    return false;
  }
  return true;
}

}  // namespace tick
