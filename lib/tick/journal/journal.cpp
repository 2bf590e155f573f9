#include "tick/journal/journal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "tick/base/diag.h"
#include "tick/base/error.h"
#include "tick/base/files.h"
#include "tick/base/units.h"
#include "tick/journal/files.h"
#include "tick/stream/control.h"
#include "tick/stream/groups.h"

namespace tick {

// Small enough to stay in cache between the write to the file and the one
// downstream.
constexpr size_t kJournalBuffer = 256 << 10;

namespace {
void cut_file_tail(int fd, const std::string& path, uint64_t good_end, uint64_t size, const std::string& why);
}

Journal::Journal(JournalOptions o, int downstream) : opt_(std::move(o)), down_(downstream) {
  buf_ = std::make_unique<Output>([this](const uint8_t* p, size_t n) { write_out(p, n); }, kJournalBuffer);
  // TableBatch keeps a pointer to its Table: the vector must never move.
  schema_.tables.reserve(kMaxTables);
  if (down_ >= 0) grow_pipe(down_);
}

Journal::~Journal() {
  try {
    close(Ending::failed);  // (an orderly end closes first)
  } catch (...) {
  }
}


void Journal::write_out(const uint8_t* p, size_t n) {
  if (fd_ < 0) return;
  try {
    off_t at = down_ >= 0 && splice_down_ ? ::lseek(fd_, 0, SEEK_END) : -1;
    write_all(fd_, p, n);
    file_len_ += n;
    unsynced_ = true;
    if (opt_.fsync == FsyncPolicy::always) sync();
    if (down_ >= 0) send_down(p, n, at);
  } catch (const BrokenPipe&) {
    throw;
  } catch (const JournalFailed&) {
    throw;
  } catch (const Error& e) {
    throw JournalFailed(str(path_, ": ", e.what()));
  }
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

// (--fsync never: the operating system decides, at the day roll and the
// end of input too)
void Journal::sync() {
  if (opt_.fsync != FsyncPolicy::never && fd_ >= 0 && unsynced_ && ::fdatasync(fd_) != 0) throw JournalFailed(str(path_, ": fdatasync: ", std::strerror(errno)));
  unsynced_ = false;
  last_sync_ = now_ns();
}

void Journal::open(int64_t now) {
  if (::mkdir(opt_.dir.c_str(), 0755) == 0) made_dir_ = true;
  else if (errno != EEXIST) fail(opt_.dir, ": ", std::strerror(errno));
  int32_t d = opt_.roll.day_of(now);
  next_roll_ = opt_.roll.next_roll(now);
  struct stat st{};
  if (::lstat(journal_file(opt_.dir, d).c_str(), &st) == 0 && st.st_size > 0) {
    recover(d);
    announce(now);
  } else {
    std::string last = last_journal_before(d);
    if (!last.empty()) {
      resume_after_roll(last, d);
    } else {
      start_file(d);
      made_file_ = true;
    }
  }
  last_sync_ = now;
  // Local readers (tick-sub DIR) read up to what is published; a killed
  // tick-log's readers go on from here, after the cut of a torn tail.
  live_ = std::make_unique<LiveWriter>(opt_.dir);
  take_file_length();
  publish_live();
}

// The newest journal of a day before `day` ("" if none).
std::string Journal::last_journal_before(int32_t day) const {
  auto files = journal_files(opt_.dir);
  for (auto it = files.rbegin(); it != files.rend(); ++it)
    if (journal_date(*it) < day) return *it;
  return "";
}

// Started on a day with no journal yet, after a tick-log that stopped (or
// was killed) before its roll: the last day's journal is what this one goes
// on from. Its publishers' progress carries over (a publisher's records
// journaled there and not yet acknowledged are not journaled again), its
// context too, as at a roll; a day left open is recovered (a torn tail or
// an open Kafka group cut) and closed with its end-of-day record, so its
// readers and the RDB end the day as at a roll.
void Journal::resume_after_roll(const std::string& last, int32_t day) {
  int32_t was = journal_date(last);
  bool plain = is_plain_journal(last);
  if (!plain) {
    // Compressed: closed and at rest; only read.
    path_ = last;
    scan();
    start_file(day);
    return;
  }
  bool ended = recover(was);
  if (!ended) {
    flush_batches();
    write_eod(*buf_, day_, seq_);
    buf_->flush();
    sync();
    warn(str(path_, ": closed with its end-of-day record (seq ", seq_, "): tick-log stopped before its roll; now ",
             journal_file(opt_.dir, day)));
  }
  ::close(fd_);
  fd_ = -1;
  start_file(day);
  buf_->flush();
}

void Journal::take_file_length() {
  struct stat st{};
  if (::fstat(fd_, &st) != 0) fail(path_, ": ", std::strerror(errno));
  file_len_ = static_cast<uint64_t>(st.st_size);
}

// Only between whole groups: flush() is called between the records of the
// inputs, and a Kafka group is appended at once.
void Journal::publish_live() {
  if (live_ && fd_ >= 0) live_->publish(day_, file_len_);
}

// Opens path_ for appending and locks it: one tick-log writes a journal,
// and tick-log compress leaves a locked one alone.
void Journal::open_file(int flags) {
  fd_ = open_regular(path_, O_RDWR | O_APPEND | flags);
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    ::close(fd_);
    fd_ = -1;
    if (e == EWOULDBLOCK) fail(path_, ": another tick-log is writing this journal");
    fail(path_, ": lock: ", std::strerror(e));
  }
  take_file_length();
}

void Journal::start_file(int32_t day) {
  day_ = day;
  seq_ = 0;
  path_ = journal_file(opt_.dir, day);
  open_file(O_CREAT);
  begin_file();
}

// Each file is self-contained: header, every table, the whole dictionary,
// and how far each publisher got.
void Journal::begin_file() {
  write_context(*buf_, day_, schema_.tables, syms_);
  syms_written_ = syms_.size();
  write_progress_all();
}

// A restart on the day's journal: scan it, cut a torn tail, go on from its
// last record, and give downstream the context it joins in. Returns
// whether the journal ends with its end-of-day record.
bool Journal::recover(int32_t day) {
  day_ = day;
  path_ = journal_file(opt_.dir, day);
  open_file(0);  // locked before anything is read or cut
  Scan sc = scan();
  if (sc.open_group) {
    // Killed while writing a Kafka group: the group goes, and the journal
    // is what it was before it.
    cut_file_tail(fd_, path_, *sc.open_group, sc.tail.size, sc.open_why);
    reset_state();
    sc = scan();
  }
  const JournalTail& t = sc.tail;
  if (t.good_end < t.size) cut_file_tail(fd_, path_, t.good_end, t.size, t.why);
  if (t.good_end == 0) {
    reset_state();
    begin_file();  // the file is empty now, and still locked
    return false;
  }
  // Downstream joins mid-file: give it the context (not journaled again).
  if (down_ >= 0) {
    Output pre(down_);
    write_context(pre, day_, schema_.tables, syms_);
    pre.flush();
  }
  return t.ended;
}

void Journal::reset_state() {
  schema_.tables.clear();
  batches_.clear();
  syms_.clear();
  slots_.assign(1, Slot{});
  seq_ = 0;
}

// Reads the journal through as a restart does (walk_to_tail): its context,
// sequence and publishers become this journal's.
Journal::Scan Journal::scan() {
  JournalWalk w(path_);
  Scan sc;
  sc.tail = walk_to_tail(w);
  const Decoder& dec = w.context();
  for (const auto& t : dec.tables()) {
    schema_.tables.push_back(t);
    batches_.push_back(nullptr);
  }
  for (uint32_t i = 0; i < dec.syms().size(); i++) syms_.intern(dec.syms().name(i));
  syms_written_ = syms_.size();
  seq_ = w.last_seq();
  slots_.clear();
  for (const auto& sl : w.slots().slots()) slots_.push_back(Slot{sl.id, sl.upto, sl.upto});
  if (w.groups().open()) {
    sc.open_group = w.groups().open_offset();
    sc.open_why = open_group_text(w.groups().missing(), w.groups().announced());
  }
  return sc;
}

// Keeps the torn bytes beside the journal (FILE.bad), then cuts them off.
namespace {
void cut_file_tail(int fd, const std::string& path, uint64_t good_end, uint64_t size, const std::string& why) {
  std::string bad = path + ".bad";
  // (no more readable than the journal it comes from)
  struct stat st{};
  int mode = ::fstat(fd, &st) == 0 ? static_cast<int>(st.st_mode & 0666) : 0600;
  int out = open_regular(bad, O_WRONLY | O_CREAT | O_APPEND, mode);
  ::fchmod(out, static_cast<mode_t>(mode));
  std::vector<uint8_t> tail(size - good_end);
  bool read_ok = ::pread(fd, tail.data(), tail.size(), static_cast<off_t>(good_end)) ==
                 static_cast<ssize_t>(tail.size());
  if (read_ok) write_all(out, tail.data(), tail.size());
  bool synced = ::fsync(out) == 0;
  ::close(out);
  if (!read_ok) fail(path, ": cannot read the torn tail");
  if (!synced) fail(bad, ": fsync: ", std::strerror(errno));
  if (::ftruncate(fd, static_cast<off_t>(good_end)) != 0) fail(path, ": truncate: ", std::strerror(errno));
  warn(str(path, ":", good_end, ": cut a torn tail of ", size - good_end, " bytes into ", bad, " (", why, ")"));
}
}  // namespace

// After a restart, downstream learns the sequence number the journal stands
// at before any new record: a fan-out serves catch-ups up to it.
void Journal::announce(int64_t now) {
  if (down_ < 0) return;
  buf_->flush();
  Output hb(down_, 64);
  write_heartbeat(hb, now, seq_);
  hb.flush();
}

int Journal::adopt_table(const Table& t) {
  int j = schema_.index(t.name);
  if (j >= 0) {
    if (!schema_.tables[j].same_columns(t))
      fail("table ", quoted(t.name), " does not match the journal's (",
           format_schema(Schema{{schema_.tables[j]}, {}}).substr(0, 200), ")");
    return j;
  }
  if (schema_.tables.size() >= kMaxTables) fail("too many tables in the journal (", kMaxTables, ")");
  j = static_cast<int>(schema_.tables.size());
  schema_.tables.push_back(t);
  batches_.push_back(nullptr);
  write_schema(*buf_, static_cast<uint16_t>(j), schema_.tables[j]);
  return j;
}

void Journal::update(SourceMap& m, const Decoder& in) {
  m.context.follow(
      in,
      [&] {
        m.tables.clear();
        m.syms.clear();
      },
      [&](size_t, const Table& t) {
        if (!m.lazy) return m.tables.push_back(adopt_table(t));
        // A conflict is refused now; a new table waits for its first row.
        int j = schema_.index(t.name);
        if (j >= 0 && !schema_.tables[j].same_columns(t))
          fail("table ", quoted(t.name), " does not match the journal's (",
               format_schema(Schema{{schema_.tables[j]}, {}}).substr(0, 200), ")");
        m.tables.push_back(j);
      },
      [&](uint32_t, std::string_view s) {
        if (!m.lazy) return m.syms.push_back(syms_.intern(s));
        auto id = syms_.find(s);
        m.syms.push_back(id ? *id : kUnmapped);
      });
}

// The symbols of the current data record a lazy map has not brought into
// the journal yet, within the day's limits.
void Journal::adopt_syms(SourceMap& m, const Decoder& in) {
  const DataView& v = in.data();
  const Table& t = *v.table;
  for (size_t c = 0; c < t.columns.size(); c++) {
    if (t.columns[c].type != Type::symbol) continue;
    for (uint32_t i = 0; i < v.rows; i++) {
      uint32_t id = v.get<uint32_t>(static_cast<int>(c), i);
      if (m.syms[id] != kUnmapped) continue;
      std::string_view name = in.syms().name(id);
      if (syms_.size() >= limits_.max_syms || syms_.bytes() + name.size() > limits_.max_sym_bytes)
        fail("the day's dictionary is full (", syms_.size(), " symbols, ", size_text(syms_.bytes()),
             "; tick-log --max-syms and --max-sym-bytes allow four times a publisher's)");
      m.syms[id] = syms_.intern(name);
    }
  }
}

void Journal::append_positions(const Record& r) {
  flush_batches();
  buf_->write(r.bytes, r.size());
}

void Journal::append(SourceMap& m, const Decoder& in, const Record& r, uint32_t slot, Coalesce c) {
  const DataView& v = in.data();
  int jt = m.tables[v.table_id];
  if (jt < 0) jt = m.tables[v.table_id] = adopt_table(*v.table);
  if (m.lazy) adopt_syms(m, in);
  const Table& t = schema_.tables[jt];
  // Publishers' records stay whole and tagged, so a restart can count
  // exactly what it has of each; batching coalesces stdin's.
  if ((opt_.batch_rows || opt_.batch_ns) && slot == 0 && c == Coalesce::allowed) {
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

std::optional<uint32_t> Journal::find_slot(uint64_t id) const {
  for (uint32_t i = 1; i < slots_.size(); i++)
    if (slots_[i].id == id) return i;
  return std::nullopt;
}

uint32_t Journal::new_slot(uint64_t id, uint64_t next) {
  if (slots_.size() > kMaxPublisherSlots)
    fail("too many publishers in one day's journal (", kMaxPublisherSlots, ")");
  uint64_t upto = next ? next - 1 : 0;
  slots_.push_back(Slot{id, upto, upto});
  uint32_t slot = static_cast<uint32_t>(slots_.size() - 1);
  write_progress(slot);  // declared before any of its records
  return slot;
}

// Progress records let a restart count exactly how far each publisher's
// records are journaled: the last one for a slot, plus the records tagged
// with that slot after it.
void Journal::write_progress(uint32_t slot) {
  tick::write_progress(*buf_, {slots_[slot].id, slots_[slot].upto, slot});
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

void Journal::flush() {
  buf_->flush();
  publish_live();
}

int64_t Journal::next_deadline() const {
  int64_t d = next_roll_;
  if (batch_deadline_) d = std::min(d, batch_deadline_);
  if (unsynced_ && opt_.fsync == FsyncPolicy::interval) d = std::min(d, last_sync_ + opt_.fsync_interval_ns);
  return d;
}

void Journal::run_timers(int64_t now) {
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
           "), seq ", seq_, "; now ", journal_file(opt_.dir, nd)));
  start_file(nd);
  buf_->flush();
  publish_live();  // (readers see the new day once the last one is whole)
}

void Journal::discard_if_unused() {
  if (!made_file_ || seq_ != 0) return;
  live_.reset();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(path_.c_str());
  if (!made_dir_) return;
  ::unlink(join_path(opt_.dir, kLiveFile).c_str());
  ::rmdir(opt_.dir.c_str());
}

void Journal::close(Ending how) {
  if (fd_ < 0) return;
  if (how == Ending::failed) {
    // What was accepted reaches the file if it can (downstream gone, the
    // file still writable), for the restart to take up. The live end stays
    // where it was last published (between whole groups) and never says
    // "ended": local readers wait for the restart, as for a killed tick-log.
    try {
      flush_batches();
      buf_->flush();
      sync();
    } catch (const Error&) {
    }
    live_.reset();
    ::close(fd_);
    fd_ = -1;
    return;
  }
  flush_batches();
  buf_->flush();
  publish_live();
  if (live_) live_->finish();
  sync();
  ::close(fd_);
  fd_ = -1;
}

}  // namespace tick
