#include "tick/net/ingest.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "tick/base/diag.h"
#include "tick/base/error.h"
#include "tick/base/signals.h"
#include "tick/base/units.h"
#include "tick/net/protocol.h"
#include "tick/stream/control.h"
#include "tick/stream/groups.h"
#include "tick/stream/reader.h"

namespace tick {

namespace {

std::string id_text(uint64_t id) {
  char b[24];
  std::snprintf(b, sizeof b, "%016" PRIx64, id);
  return b;
}

// A Kafka consumer's group (tick-kafka consume --resume-from), on stdin or
// through a publisher: its positions record and data records, held until
// the last one has come, then journaled together, so that the journal has
// all of a group or none of it.
struct Group {
  std::vector<uint8_t> bytes;  // the positions record, then the data records
  std::vector<uint64_t> offsets;  // input offsets of the data records
  uint32_t left = 0, announced = 0;
  uint64_t at = 0;
  uint64_t first = 0;  // a publisher's sequence of its first data record
  bool again = false;  // a publisher's resending of a group already journaled
};

// One input of the journal: stdin, or a publisher's connection.
struct Feed {
  std::string name;
  int fd = -1;
  std::unique_ptr<Input> in;
  std::unique_ptr<RecordReader> rr;
  Decoder dec;
  SourceMap map;
  bool publisher = false;
  bool hello = false;  // a publisher said who it is
  uint64_t id = 0;
  uint32_t slot = 0;  // the publisher's slot once the journal knows it
  uint64_t next = 0;  // the publisher sequence of its next data record
  int64_t since = 0, heard = 0, partial_since = 0;
  bool done = false;
  Group group;
  ~Feed() {
    // Stopped (a signal, bad input, a lost connection) inside a group:
    // none of it is journaled.
    if (group.left) warn(str(name, ": ended inside ", open_group_text(group.left, group.announced),
                             " (none of it journaled)"));
  }
};

class Ingest {
 public:
  Ingest(Journal& j, const IngestOptions& o) : j_(j), o_(o), acceptor_(o.listen, o.unix_mode) {
    for (const auto& b : acceptor_.bound()) warn("listening on " + b);
    j_.set_day_limits({4 * o.max_syms, 4 * o.max_sym_bytes});
    j_.set_on_journaled([this](uint32_t slot, uint64_t id, uint64_t upto) {
      auto ack = framed([&](Output& out) { write_ack(out, id, upto); });
      for (auto& f : feeds_)
        if (f->publisher && f->slot == slot && !f->done) send_now(f->fd, ack.data(), ack.size());
    });
  }
  void run(std::unique_ptr<Input> stdin_in);

 private:
  static constexpr size_t kMaxGroup = 256u << 20;
  void begin_group(Feed& f, const Record& r);
  void hold(Feed& f, const Record& r);

  void drop(Feed& f, Refusal code, const std::string& why);
  void end_feed(Feed& f, const std::string& why);
  bool apply(Feed& f, const Record& r);
  bool apply_publisher(Feed& f, const Record& r);
  void hello(Feed& f, const Record& r);
  void drain(Feed& f);
  void read(Feed& f);
  void timeouts(int64_t now);
  void add_publisher(int fd, const std::string& peer);

  Journal& j_;
  const IngestOptions& o_;
  Acceptor acceptor_;
  std::vector<std::unique_ptr<Feed>> feeds_;
};

// Ends a publisher's connection: one line naming it, and the reason sent
// to it as a refusal. What it had sent before stays journaled.
void Ingest::drop(Feed& f, Refusal code, const std::string& why) {
  if (f.done) return;
  auto msg = framed([&](Output& o) { write_refuse(o, code, why); });
  send_now(f.fd, msg.data(), msg.size());
  end_feed(f, why);
}

// Ends a publisher's connection that is gone: one line naming it.
void Ingest::end_feed(Feed& f, const std::string& why) {
  if (f.done) return;
  warn(str(f.name, ": ", why));
  f.done = true;
}

void Ingest::hello(Feed& f, const Record& r) {
  Hello h = parse_hello(r.payload(), r.h.length);
  if (h.next == 0) return drop(f, Refusal::bad_input, "bad hello (next sequence 0)");
  for (auto& o : feeds_)
    if (o.get() != &f && o->publisher && o->hello && !o->done && o->id == h.publisher)
      return drop(f, Refusal::already_connected, str("publisher ", id_text(h.publisher), " is already connected from ", o->name,
                         "; refused"));
  auto known = j_.find_slot(h.publisher);
  if (known && h.next > j_.journaled(*known) + 1)
    return drop(f, Refusal::bad_input, str("publisher ", id_text(h.publisher), " says its next record is ", h.next,
                       ", but the journal has its records only up to ", j_.journaled(*known),
                       "; refused (the records between would be lost)"));
  f.hello = true;
  f.id = h.publisher;
  f.next = h.next;
  f.slot = known ? *known : 0;  // a new publisher's slot comes with its first record
  uint64_t upto = known ? j_.journaled(*known) : h.next - 1;
  auto ack = framed([&](Output& o) { write_ack(o, h.publisher, upto); });
  send_now(f.fd, ack.data(), ack.size());
}

// A publisher's record; false when the connection ends.
bool Ingest::apply_publisher(Feed& f, const Record& r) {
  if (!f.hello) {
    if (r.h.type != RecordType::Hello) {
      drop(f, Refusal::bad_input, str("expected a hello, got a ", record_type_name(r.h.type),
                  " record (tick-log --listen takes publishers: tick-pub --to)"));
      return false;
    }
    hello(f, r);
    return !f.done;
  }
  if (f.group.left && r.h.type == RecordType::Header) {
    drop(f, Refusal::bad_input, str("offset ", r.offset, ": a stream header inside the Kafka consumer's group announced at offset ",
                f.group.at));
    return false;
  }
  Decoder::Kind k = f.dec.apply(r);
  switch (k) {
    case Decoder::Kind::Header:
    case Decoder::Kind::Schema:
    case Decoder::Kind::Symbols:
      if (f.dec.tables().size() > o_.max_tables) {
        drop(f, Refusal::limit, str("its stream declares more than ", o_.max_tables, " tables (--max-tables)"));
        return false;
      }
      if (f.dec.syms().size() > o_.max_syms || f.dec.syms().bytes() > o_.max_sym_bytes) {
        drop(f, Refusal::limit, str("its dictionary passed ", f.dec.syms().size() > o_.max_syms
                                                  ? str(o_.max_syms, " symbols (--max-syms)")
                                                  : size_text(o_.max_sym_bytes) + " (--max-sym-bytes)"));
        return false;
      }
      j_.update(f.map, f.dec);
      return true;
    case Decoder::Kind::Data: {
      uint64_t ps = f.next++;
      bool again = f.slot && ps <= j_.journaled(f.slot);  // sent again after a reconnect: journaled once
      if (f.group.left) {
        if (f.group.left == f.group.announced) {
          f.group.first = ps;
          f.group.again = again;
        }
        hold(f, r);
        return true;
      }
      if (again) return true;
      if (!f.slot) f.slot = j_.new_slot(f.id, ps);
      j_.append(f.map, f.dec, r, f.slot);
      j_.advance(f.slot);
      return true;
    }
    case Decoder::Kind::EndOfDay:
    case Decoder::Kind::Heartbeat:
      return true;  // the journal's own clock decides its day; heartbeats say the feed lives
    case Decoder::Kind::Protocol:
      drop(f, Refusal::bad_input, str("unexpected ", record_type_name(r.h.type), " record from a publisher"));
      return false;
    case Decoder::Kind::Positions:  // a Kafka consumer's group, through tick-pub --to
      begin_group(f, r);
      return true;
    case Decoder::Kind::Unknown:
      return true;
  }
  return true;
}

// Applies one record of a feed; false when the feed must stop.
bool Ingest::apply(Feed& f, const Record& r) {
  try {
    if (f.publisher) return apply_publisher(f, r);
    if (f.group.left && r.h.type == RecordType::Header)
      fail("a stream header inside the Kafka consumer's group announced at offset ", f.group.at);
    Decoder::Kind k = f.dec.apply(r);
    if (k == Decoder::Kind::Header || k == Decoder::Kind::Schema || k == Decoder::Kind::Symbols)
      j_.update(f.map, f.dec);
    else if (k == Decoder::Kind::Data && f.group.left)
      hold(f, r);
    else if (k == Decoder::Kind::Data)
      j_.append(f.map, f.dec, r, 0);
    else if (k == Decoder::Kind::Positions)
      begin_group(f, r);
    // End-of-day and heartbeat records from upstream are not journaled:
    // the journal's own clock decides its day.
  } catch (const BrokenPipe&) {
    throw;
  } catch (const JournalFailed&) {
    throw;  // (tick-log's failure: it ends, the publisher resends to the next)
  } catch (const VersionError& e) {
    if (f.publisher) {
      drop(f, Refusal::bad_input, str("offset ", r.offset, ": ", e.what()));
      return false;
    }
    j_.close(Ending::failed);
    throw Error(str(f.name, ":", r.offset, ": ", e.what()));
  } catch (const Error& e) {
    if (f.publisher) {
      drop(f, Refusal::bad_input, str("offset ", r.offset, ": ", e.what()));
      return false;
    }
    if (!o_.skip_bad) {
      j_.close(Ending::failed);
      throw Error(str(f.name, ":", r.offset, ": ", e.what()));
    }
    warn(str(f.name, ":", r.offset, ": ", e.what()));
  }
  return true;
}

void Ingest::begin_group(Feed& f, const Record& r) {
  Group& g = f.group;
  if (g.left)
    fail("a positions record while the group announced at offset ", g.at, " lacks ", g.left, " of its ",
         g.announced, " data records");
  PositionsMark m = parse_positions(r.payload(), r.h.length);
  if (m.records == 0) return j_.append_positions(r);  // positions only (messages skipped)
  g.bytes.assign(r.bytes, r.bytes + r.size());
  g.offsets.clear();
  g.left = g.announced = m.records;
  g.at = r.offset;
  g.again = false;
}

void Ingest::hold(Feed& f, const Record& r) {
  Group& g = f.group;
  if (g.bytes.size() + r.size() > kMaxGroup)
    fail("the Kafka consumer's group announced at offset ", g.at, " is over ", size_text(kMaxGroup));
  g.offsets.push_back(r.offset);
  g.bytes.insert(g.bytes.end(), r.bytes, r.bytes + r.size());
  if (--g.left) return;
  // A publisher's group is journaled whole or not at all, so a group whose
  // first record the journal has was all journaled before a reconnect.
  if (g.again) return g.bytes.clear();
  // Complete: into the journal together (the input's context has only
  // grown since, so each record decodes again as it did).
  if (f.publisher && !f.slot) f.slot = j_.new_slot(f.id, g.first);
  Record rec;
  auto at = [&](size_t pos) {
    parse_header(g.bytes.data() + pos, rec.h);
    rec.bytes = g.bytes.data() + pos;
  };
  at(0);
  j_.append_positions(rec);
  size_t pos = rec.size();
  for (uint64_t off : g.offsets) {
    at(pos);
    rec.offset = off;
    f.dec.apply(rec);
    j_.append(f.map, f.dec, rec, f.slot, Journal::Coalesce::never);
    if (f.slot) j_.advance(f.slot);
    pos += rec.size();
  }
  g.bytes.clear();
}

// Every complete record waiting in a feed's buffer.
void Ingest::drain(Feed& f) {
  const size_t max = f.publisher ? o_.max_record : 0;
  Record r;
  while (!f.done && record_buffered(*f.in, f.in->eof(), max)) {
    auto st = f.rr->next(r);
    if (st == RecordReader::Status::End) break;
    if (st == RecordReader::Status::Bad) {
      if (f.publisher) {
        Damage d = f.rr->damage();
        if (d.torn)
          return end_feed(f, str("the connection ended in the middle of a record at offset ", d.offset, "; closed"));
        return drop(f, Refusal::bad_input, str("offset ", d.offset, ": ", d.why));
      }
      Damage d = o_.skip_bad ? f.rr->salvage() : f.rr->damage();
      if (!o_.skip_bad) {
        j_.close(Ending::failed);
        throw Error(d.where(f.name));
      }
      warn(d.where(f.name));
      continue;
    }
    if (!apply(f, r)) return;
    int64_t now = now_ns();
    if (now >= j_.next_deadline()) j_.run_timers(now);
  }
  if (f.in->eof() && f.in->avail() == 0) {
    f.done = true;
    if (f.group.left) {
      warn(str(f.name, ": ended inside ", open_group_text(f.group.left, f.group.announced), " (not journaled)"));
      f.group = Group{};
    }
  }
}

// One read (poll said there is something), then what it completed. A
// publisher's read error ends its connection only.
void Ingest::read(Feed& f) {
  size_t before = f.in->avail();
  if (!f.publisher) {
    f.in->fill(before + 1);
    return drain(f);
  }
  try {
    f.in->fill(before + 1);
  } catch (const RefusedInput& e) {
    warn(str(e.what(), "; closed"));
    auto msg = framed([&](Output& o) { write_refuse(o, Refusal::bad_input, e.reason); });
    send_now(f.fd, msg.data(), msg.size());
    f.done = true;
    return;
  } catch (const Error& e) {
    warn(str(e.what(), "; closed"));  // "PEER: read error: ..."
    f.done = true;
    return;
  }
  int64_t now = now_ns();
  if (f.in->avail() > before) f.heard = now;
  drain(f);
  if (f.done) return;
  if (f.in->avail() == 0) f.partial_since = 0;
  else if (!f.partial_since) f.partial_since = now;
}

void Ingest::timeouts(int64_t now) {
  const int64_t t = o_.timeout_ns;
  const std::string secs = duration_text(t);
  for (auto& fp : feeds_) {
    Feed& f = *fp;
    if (!f.publisher || f.done) continue;
    if (!f.hello && now - f.since > t) drop(f, Refusal::timed_out, "no hello within " + secs + "; closed");
    else if (f.partial_since && now - f.partial_since > t)
      drop(f, Refusal::timed_out, "a record it started " + secs + " ago is still incomplete; closed");
    else if (now - f.heard > t) drop(f, Refusal::timed_out, "silent for " + secs + " (a tick-pub --to sends a heartbeat each second); closed");
  }
}

void Ingest::add_publisher(int fd, const std::string& peer) {
  set_blocking(fd);  // poll says when; one read then never waits
  auto f = std::make_unique<Feed>();
  f->name = peer;
  f->fd = fd;
  f->publisher = true;
  f->map.lazy = true;
  f->since = f->heard = now_ns();
  f->in = Input::from_socket(fd, peer);
  f->rr = std::make_unique<RecordReader>(*f->in);
  f->rr->set_max_record(o_.max_record);
  feeds_.push_back(std::move(f));
}

void Ingest::run(std::unique_ptr<Input> stdin_in) {
  if (stdin_in) {
    auto f = std::make_unique<Feed>();
    f->name = stdin_in->name();
    f->fd = 0;
    f->in = std::move(stdin_in);
    f->rr = std::make_unique<RecordReader>(*f->in);
    feeds_.push_back(std::move(f));
  }
  std::vector<pollfd> pfds;
  while (!stop_requested()) {
    feeds_.erase(std::remove_if(feeds_.begin(), feeds_.end(),
                                [](auto& f) { return f->done; }),  // its Input closes the fd
                 feeds_.end());
    // Without publishers to wait for, the end of stdin is the end.
    if (acceptor_.empty() && feeds_.empty()) break;
    j_.flush();  // group commit: what arrived together is written together
    int64_t now = now_ns();
    j_.run_timers(now);
    j_.flush();
    timeouts(now);
    pfds.clear();
    acceptor_.add_to(pfds, now);
    size_t first_feed = pfds.size();
    for (auto& f : feeds_) pfds.push_back({f->fd, POLLIN, 0});
    int64_t wait = real_delay(j_.next_deadline() - now) / 1'000'000 + 1;
    int paused = acceptor_.wait_ms(now);
    if (paused >= 0) wait = std::min<int64_t>(wait, paused);
    int rc = ::poll(pfds.data(), pfds.size(), static_cast<int>(std::clamp<int64_t>(wait, 1, 1000)));
    if (rc < 0) {
      if (errno == EINTR) continue;
      fail("poll: ", std::strerror(errno));
    }
    now = now_ns();
    size_t nfeeds = feeds_.size();  // accepting below adds to feeds_
    for (size_t k = 0; k < nfeeds; k++)
      if (pfds[first_feed + k].revents && !feeds_[k]->done) read(*feeds_[k]);
    acceptor_.accept_ready(pfds, now, [this](int fd, const std::string& peer) { add_publisher(fd, peer); });
  }
  feeds_.clear();
  acceptor_.close();
  j_.close(Ending::orderly);
}

}  // namespace

void journal_serve(Journal& j, std::unique_ptr<Input> in, const IngestOptions& o) {
  Ingest(j, o).run(std::move(in));
}

}  // namespace tick
