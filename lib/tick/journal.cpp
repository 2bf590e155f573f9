#include "tick/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tick/diag.h"
#include "tick/error.h"
#include "tick/signals.h"
#include "tick/net.h"
#include "tick/protocol.h"
#include <poll.h>
#include <sys/socket.h>
#include <algorithm>

namespace tick {

// Small enough to stay in cache between the write to the file and the one
// downstream.
constexpr size_t kJournalBuffer = 256 << 10;

Journal::Journal(JournalOptions o, int downstream) : opt_(std::move(o)), down_(downstream) {
  buf_ = std::make_unique<Output>([this](const uint8_t* p, size_t n) { write_out(p, n); }, kJournalBuffer);
  // TableBatch keeps a pointer to its Table: the vector must never move.
  schema_.tables.reserve(kMaxTables);
  if (down_ >= 0) grow_pipe(down_);
}

Journal::~Journal() {
  try {
    close();
  } catch (...) {
  }
}

std::string Journal::file_for(const std::string& dir, int32_t day) {
  return dir + "/" + date_string(day) + ".tick";
}

void Journal::write_out(const uint8_t* p, size_t n) {
  if (fd_ < 0) return;
  off_t at = down_ >= 0 && splice_down_ ? ::lseek(fd_, 0, SEEK_END) : -1;
  write_all(fd_, p, n);
  unsynced_ = true;
  if (opt_.fsync == FsyncPolicy::always) sync();
  if (down_ >= 0) send_down(p, n, at);
  if (on_journaled_)
    for (uint32_t i = 1; i < slots_.size(); i++)
      if (slots_[i].upto > slots_[i].acked) {
        slots_[i].acked = slots_[i].upto;
        on_journaled_(i, slots_[i].id, slots_[i].upto);
      }
}

// Downstream gets the bytes just written to the journal. Into a pipe they
// are spliced from the file's pages rather than copied once more (the
// journal and the pipe then cost one copy, as cat does); elsewhere, or if
// the kernel refuses, they are written.
void Journal::send_down(const uint8_t* p, size_t n, off_t at) {
  while (splice_down_ && at >= 0 && n > 0) {
    ssize_t k = ::splice(fd_, &at, down_, nullptr, n, SPLICE_F_MOVE);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0 && errno == EPIPE) throw BrokenPipe();
    if (k <= 0) {
      splice_down_ = false;  // not a pipe, or a file system without splice
      break;
    }
    p += k;
    n -= static_cast<size_t>(k);
  }
  if (n) write_all(down_, p, n);
}

void Journal::sync() {
  if (fd_ >= 0 && unsynced_ && ::fdatasync(fd_) != 0) fail(path_, ": fdatasync: ", std::strerror(errno));
  unsynced_ = false;
  last_sync_ = now_ns();
}

void Journal::open(int64_t now) {
  if (::mkdir(opt_.dir.c_str(), 0755) != 0 && errno != EEXIST)
    fail(opt_.dir, ": ", std::strerror(errno));
  int32_t d = opt_.roll.day_of(now);
  next_roll_ = opt_.roll.next_roll(now);
  struct stat st{};
  if (::stat(file_for(opt_.dir, d).c_str(), &st) == 0 && st.st_size > 0) {
    recover(d);
    announce(now);
  } else {
    start_file(d);
  }
  last_sync_ = now;
}

void Journal::start_file(int32_t day) {
  day_ = day;
  seq_ = 0;
  path_ = file_for(opt_.dir, day);
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) fail(path_, ": ", std::strerror(errno));
  // Each file is self-contained: header, every table, the whole dictionary.
  write_stream_header(*buf_, day);
  for (size_t i = 0; i < schema_.tables.size(); i++)
    write_schema(*buf_, static_cast<uint16_t>(i), schema_.tables[i]);
  write_symbols(*buf_, syms_, 0);
  syms_written_ = syms_.size();
  write_progress_all();  // the new file knows how far each publisher got
}

void Journal::recover(int32_t day) {
  day_ = day;
  path_ = file_for(opt_.dir, day);
  uint64_t good_end = 0, size = 0;
  std::string why;
  std::vector<Slot> slots(1);
  {
    auto in = Input::open(path_);
    size = in->size_hint();
    RecordReader rr(*in);
    Decoder dec;
    Record r;
    while (true) {
      auto st = rr.next(r);
      if (st == RecordReader::Status::End) break;
      if (st == RecordReader::Status::Ok) {
        try {
          auto k = dec.apply(r);
          if (k == Decoder::Kind::Data) {
            seq_ = dec.data().seq;
            uint32_t src = load32(r.payload() + 4);
            if (src) {
              if (src >= slots.size()) fail("data record from an undeclared publisher slot ", src);
              slots[src].upto++;
            }
          } else if (r.h.type == RecordType::Progress && r.h.length >= 24) {
            uint32_t src = load32(r.payload() + 16);
            if (src == 0 || src > 65536) fail("bad progress record");
            if (slots.size() <= src) slots.resize(src + 1);
            slots[src].id = load64(r.payload());
            slots[src].upto = load64(r.payload() + 8);
          }
          good_end = r.offset + r.size();
          continue;
        } catch (const Error& e) {
          why = e.what();
          if (r.offset + r.size() < size)
            fail(path_, ":", r.offset, ": ", why, "; run tick-log check --repair");
          break;
        }
      }
      why = rr.problem();
      uint64_t at = rr.problem_offset();
      if (rr.resync())
        fail(path_, ":", at, ": ", why, ", and valid records follow it: not a torn tail; ",
             "run tick-log check --repair ", path_);
      break;
    }
    for (const auto& t : dec.tables()) {
      schema_.tables.push_back(t);
      batches_.push_back(nullptr);
    }
    for (uint32_t i = 0; i < dec.syms().size(); i++) syms_.intern(dec.syms().name(i));
    syms_written_ = syms_.size();
    for (auto& sl : slots) sl.acked = sl.upto;
    slots_ = slots;
    if (!dec.started()) good_end = 0;
  }
  if (good_end < size) {
    // Keep the torn bytes beside the journal, then cut them off.
    std::string bad = path_ + ".bad";
    int in = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    int out = ::open(bad.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (in < 0 || out < 0) fail(bad, ": ", std::strerror(errno));
    std::vector<uint8_t> tail(size - good_end);
    if (::pread(in, tail.data(), tail.size(), static_cast<off_t>(good_end)) != static_cast<ssize_t>(tail.size()))
      fail(path_, ": cannot read the torn tail");
    write_all(out, tail.data(), tail.size());
    ::fsync(out);
    ::close(out);
    ::close(in);
    if (::truncate(path_.c_str(), static_cast<off_t>(good_end)) != 0)
      fail(path_, ": truncate: ", std::strerror(errno));
    warn(str(path_, ":", good_end, ": cut a torn tail of ", size - good_end, " bytes into ", bad,
             " (", why, ")"));
  }
  if (good_end == 0) {
    schema_.tables.clear();
    batches_.clear();
    syms_.clear();
    seq_ = 0;
    start_file(day);
    return;
  }
  fd_ = ::open(path_.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
  if (fd_ < 0) fail(path_, ": ", std::strerror(errno));
  // Downstream joins mid-file: give it the context (not journaled again).
  if (down_ >= 0) {
    Output pre(down_);
    write_stream_header(pre, day_);
    for (size_t i = 0; i < schema_.tables.size(); i++)
      write_schema(pre, static_cast<uint16_t>(i), schema_.tables[i]);
    write_symbols(pre, syms_, 0);
    pre.flush();
  }
}

// After a restart, downstream learns the sequence number the journal stands
// at before any new record: a fan-out serves catch-ups up to it.
void Journal::announce(int64_t now) {
  if (down_ < 0) return;
  buf_->flush();
  Output hb(down_, 64);
  write_heartbeat(hb, now, seq_);
  hb.flush();
}

void Journal::update(SourceMap& m, const Decoder& in) {
  if (m.generation != in.generation()) {
    m = SourceMap{};
    m.generation = in.generation();
  }
  const auto& tables = in.tables();
  for (; m.tables_seen < tables.size(); m.tables_seen++) {
    const Table& t = tables[m.tables_seen];
    int j = schema_.index(t.name);
    if (j < 0) {
      if (schema_.tables.size() >= kMaxTables) fail("too many tables (", kMaxTables, ")");
      j = static_cast<int>(schema_.tables.size());
      schema_.tables.push_back(t);
      batches_.push_back(nullptr);
      write_schema(*buf_, static_cast<uint16_t>(j), schema_.tables[j]);
    } else if (!schema_.tables[j].same_columns(t)) {
      fail("table ", t.name, " does not match the journal's (", format_schema(Schema{{schema_.tables[j]}}).substr(0, 200),
           ")");
    }
    m.tables.push_back(j);
  }
  const auto& syms = in.syms();
  for (; m.syms_seen < syms.size(); m.syms_seen++) m.syms.push_back(syms_.intern(syms.name(m.syms_seen)));
}

void Journal::append(const SourceMap& m, const DataView& v, const Record& r, uint32_t slot) {
  const int jt = m.tables[v.table_id];
  const Table& t = schema_.tables[jt];
  // Publishers' records stay whole and tagged, so a restart can count
  // exactly what it has of each; batching coalesces stdin's.
  if ((opt_.batch_rows || opt_.batch_ns) && slot == 0) {
    auto& b = batches_[jt];
    if (!b) b = std::make_unique<TableBatch>(t);
    bool was_empty = true;
    for (const auto& bb : batches_) was_empty = was_empty && (!bb || bb->empty());
    for (uint32_t i = 0; i < v.rows; i++) {
      b->append(v, i, m.syms);
      if (opt_.batch_rows && b->rows() >= opt_.batch_rows) write_batch(static_cast<uint16_t>(jt), *b);
    }
    if (was_empty && opt_.batch_ns) batch_deadline_ = now_ns() + opt_.batch_ns;
    return;
  }
  write_new_symbols();
  const uint32_t len = r.h.length;
  uint8_t* p = buf_->reserve(kHeaderSize + len);
  uint8_t* q = p + kHeaderSize;
  std::memcpy(q, r.payload(), len);
  for (size_t c = 0; c < t.columns.size(); c++) {
    if (t.columns[c].type != Type::symbol) continue;
    uint8_t* col = q + (v.cols[c] - r.payload());
    for (uint32_t i = 0; i < v.rows; i++) store32(col + 4 * i, m.syms[load32(col + 4 * i)]);
  }
  store32(q + 4, slot);
  store64(q + 8, ++seq_);
  write_header(p, RecordType::Data, static_cast<uint16_t>(jt), q, len);
  buf_->commit(kHeaderSize + len);
}

uint32_t Journal::publisher_slot(uint64_t id) {
  for (uint32_t i = 1; i < slots_.size(); i++)
    if (slots_[i].id == id) return i;
  slots_.push_back(Slot{id, 0, 0});
  uint32_t slot = static_cast<uint32_t>(slots_.size() - 1);
  write_progress(slot);  // declared before any of its records
  return slot;
}

void Journal::publisher_from(uint32_t slot, uint64_t next) {
  if (next == 0 || next - 1 <= slots_[slot].upto) return;
  slots_[slot].upto = next - 1;
  write_progress(slot);
}

// Progress records let a restart count exactly how far each publisher's
// records are journaled: the last one for a slot, plus the records tagged
// with that slot after it.
void Journal::write_progress(uint32_t slot) {
  uint8_t pl[24] = {};
  store64(pl, slots_[slot].id);
  store64(pl + 8, slots_[slot].upto);
  store32(pl + 16, slot);
  write_record(*buf_, RecordType::Progress, 0, pl, sizeof pl);
}

void Journal::write_progress_all() {
  for (uint32_t i = 1; i < slots_.size(); i++) write_progress(i);
}

void Journal::write_new_symbols() {
  if (syms_.size() == syms_written_) return;
  write_symbols(*buf_, syms_, syms_written_);
  syms_written_ = syms_.size();
}

// A coalesced batch as one numbered record.
void Journal::write_batch(uint16_t table, TableBatch& b) {
  write_new_symbols();
  size_t len = b.payload_size();
  uint8_t* p = buf_->reserve(kHeaderSize + len);
  b.encode(p + kHeaderSize, ++seq_);
  write_header(p, RecordType::Data, table, p + kHeaderSize, static_cast<uint32_t>(len));
  buf_->commit(kHeaderSize + len);
  b.clear();
}

void Journal::flush_batches() {
  batch_deadline_ = 0;
  for (size_t i = 0; i < batches_.size(); i++)
    if (batches_[i] && !batches_[i]->empty()) write_batch(static_cast<uint16_t>(i), *batches_[i]);
}

void Journal::flush() { buf_->flush(); }

int64_t Journal::next_deadline() const {
  int64_t d = next_roll_;
  if (batch_deadline_) d = std::min(d, batch_deadline_);
  if (unsynced_ && opt_.fsync == FsyncPolicy::interval) d = std::min(d, last_sync_ + opt_.fsync_interval_ns);
  return d;
}

void Journal::tick(int64_t now) {
  if (batch_deadline_ && now >= batch_deadline_) {
    flush_batches();
    buf_->flush();
  }
  if (opt_.fsync == FsyncPolicy::interval && unsynced_ && now - last_sync_ >= opt_.fsync_interval_ns) sync();
  if (now >= next_roll_) roll(now);
}

void Journal::roll(int64_t now) {
  int32_t nd = opt_.roll.day_of(now);
  next_roll_before_ = next_roll_;
  next_roll_ = opt_.roll.next_roll(now);
  if (nd <= day_) return;  // the clock went back: a day never rolls twice
  if (nd > day_ + 1)
    warn(str("the clock jumped from ", date_string(day_), " to ", date_string(nd), ": rolling once, ",
             nd - day_ - 1, " days have no journal"));
  int64_t at = next_roll_before_;
  flush_batches();
  write_eod(*buf_, day_, seq_);
  buf_->flush();
  sync();
  ::close(fd_);
  fd_ = -1;
  warn(str("end of day ", date_string(day_), " at ", timestamp_string(at), " (", opt_.roll.describe(),
           "), seq ", seq_, "; now ", file_for(opt_.dir, nd)));
  start_file(nd);
  buf_->flush();
}

void Journal::close() {
  if (fd_ < 0) return;
  flush_batches();
  buf_->flush();
  sync();
  ::close(fd_);
  fd_ = -1;
}

}  // namespace tick

namespace tick {

namespace {

// One input of the journal: stdin, or a publisher's connection.
struct Feed {
  std::string name;
  int fd = -1;
  std::unique_ptr<Input> in;
  std::unique_ptr<RecordReader> rr;
  Decoder dec;
  SourceMap map;
  bool publisher = false;
  uint32_t slot = 0;  // after a hello: the publisher's slot
  uint64_t next = 0;  // the publisher sequence of its next data record
  bool done = false;
};

// A complete record waits in the feed's buffer (or a problem to report).
bool record_ready(Input& in) {
  if (in.eof()) return in.avail() > 0;
  if (in.avail() < kHeaderSize) return false;
  RecordHeader h;
  if (!parse_header(in.data(), h)) return true;
  return in.avail() >= kHeaderSize + h.length;
}

}  // namespace

void journal_serve(Journal& j, std::unique_ptr<Input> stdin_in, const std::vector<std::string>& listen,
                   bool skip_bad) {
  std::vector<std::unique_ptr<Feed>> feeds;
  if (stdin_in) {
    auto f = std::make_unique<Feed>();
    f->name = stdin_in->name();
    f->fd = 0;
    f->in = std::move(stdin_in);
    f->rr = std::make_unique<RecordReader>(*f->in);
    feeds.push_back(std::move(f));
  }
  std::vector<int> listeners;
  for (const auto& a : listen) {
    Address addr = parse_address(a);
    int fd = listen_on(addr);
    listeners.push_back(fd);
    warn(str("listening on ", addr.unix_socket ? a : addr.host + ":" + std::to_string(bound_port(fd))));
  }
  j.set_on_journaled([&](uint32_t slot, uint64_t id, uint64_t upto) {
    auto ack = framed([&](Output& o) { write_ack(o, id, upto); });
    for (auto& f : feeds)
      if (f->publisher && f->slot == slot && !f->done) send_now(f->fd, ack.data(), ack.size());
  });
  auto drop = [&](Feed& f, const std::string& why) {
    if (!why.empty()) {
      warn(str(f.name, ": ", why));
      auto msg = framed([&](Output& o) { write_refuse(o, why); });
      send_now(f.fd, msg.data(), msg.size());
    }
    f.done = true;
  };
  // Applies one record of a feed; false when the feed must stop.
  auto apply = [&](Feed& f, const Record& r) -> bool {
    Decoder::Kind k;
    try {
      k = f.dec.apply(r);
      if (k == Decoder::Kind::Header || k == Decoder::Kind::Schema || k == Decoder::Kind::Symbols) {
        j.update(f.map, f.dec);
      } else if (k == Decoder::Kind::Data) {
        if (f.slot) {
          uint64_t ps = f.next++;
          if (ps <= j.journaled(f.slot)) return true;  // sent again after a reconnect: journaled once
        }
        j.append(f.map, f.dec.data(), r, f.slot);
        if (f.slot) j.advance(f.slot);
      } else if (r.h.type == RecordType::Hello && f.publisher) {
        Hello h = parse_hello(r.payload(), r.h.length);
        f.slot = j.publisher_slot(h.publisher);
        f.next = h.next;
        j.publisher_from(f.slot, h.next);
        uint64_t upto = j.journaled(f.slot);
        auto ack = framed([&](Output& o) { write_ack(o, h.publisher, upto); });
        send_now(f.fd, ack.data(), ack.size());
      }
      // End-of-day and heartbeat records from upstream are not journaled:
      // the journal's own clock decides its day.
    } catch (const VersionError& e) {
      if (!f.publisher) {
        j.close();
        throw Error(str(f.name, ":", r.offset, ": ", e.what()));
      }
      drop(f, str("offset ", r.offset, ": ", e.what()));
      return false;
    } catch (const BrokenPipe&) {
      throw;
    } catch (const Error& e) {
      if (f.publisher) {
        drop(f, str("offset ", r.offset, ": ", e.what()));
        return false;
      }
      if (!skip_bad) {
        j.close();
        throw Error(str(f.name, ":", r.offset, ": ", e.what()));
      }
      warn(str(f.name, ":", r.offset, ": ", e.what()));
    }
    return true;
  };
  // Every complete record waiting in a feed's buffer.
  auto drain = [&](Feed& f) {
    Record r;
    while (!f.done && record_ready(*f.in)) {
      auto st = f.rr->next(r);
      if (st == RecordReader::Status::End) break;
      if (st == RecordReader::Status::Bad) {
        std::string why = str(f.rr->problem_offset(), ": ", f.rr->problem());
        if (f.publisher) return drop(f, "offset " + why);
        if (!skip_bad) {
          j.close();
          throw Error(str(f.name, ":", why));
        }
        warn(str(f.name, ":", why, f.rr->resync_note()));
        continue;
      }
      if (!apply(f, r)) return;
      int64_t now = now_ns();
      if (now >= j.next_deadline()) j.tick(now);
    }
    if (f.in->eof() && f.in->avail() == 0) f.done = true;
  };

  std::vector<pollfd> pfds;
  while (!stop_requested()) {
    feeds.erase(std::remove_if(feeds.begin(), feeds.end(),
                               [](auto& f) { return f->done; }),  // its Input closes the fd
                feeds.end());
    // Without publishers to wait for, the end of stdin is the end.
    if (listeners.empty() && feeds.empty()) break;
    j.flush();  // group commit: what arrived together is written together
    int64_t now = now_ns();
    j.tick(now);
    j.flush();
    pfds.clear();
    for (int l : listeners) pfds.push_back({l, POLLIN, 0});
    for (auto& f : feeds) pfds.push_back({f->fd, POLLIN, 0});
    int64_t wait = real_delay(j.next_deadline() - now) / 1'000'000 + 1;
    int rc = ::poll(pfds.data(), pfds.size(), static_cast<int>(std::clamp<int64_t>(wait, 1, 1000)));
    if (rc < 0) {
      if (errno == EINTR) continue;
      fail("poll: ", std::strerror(errno));
    }
    size_t i = 0;
    for (int l : listeners) {
      if (pfds[i++].revents & POLLIN) {
        std::string peer;
        int fd;
        while ((fd = accept_from(l, peer)) >= 0) {
          set_nonblocking(fd, false);
          auto f = std::make_unique<Feed>();
          f->name = peer;
          f->fd = fd;
          f->publisher = true;
          f->in = Input::from_fd(fd, peer, false);
          f->rr = std::make_unique<RecordReader>(*f->in);
          feeds.push_back(std::move(f));
        }
      }
    }
    size_t nfeeds = pfds.size() - i;
    for (size_t k = 0; k < nfeeds; k++, i++) {
      if (!pfds[i].revents) continue;
      Feed& f = *feeds[k];
      size_t before = f.in->avail();
      f.in->fill(before + 1);  // one read: poll said there is something
      drain(f);
    }
  }
  feeds.clear();
  for (int l : listeners) ::close(l);
  j.close();
}

}  // namespace tick
