#include "tick/journal/follow.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "tick/base/clock.h"
#include "tick/base/diag.h"
#include "tick/base/error.h"
#include "tick/base/files.h"
#include "tick/base/signals.h"
#include "tick/base/units.h"
#include "tick/journal/files.h"
#include "tick/journal/live_end.h"
#include "tick/journal/subscription.h"
#include "tick/stream/writer.h"

namespace tick {

bool is_local_source(const std::string& address, std::string& dir) {
  if (address.rfind("journal:", 0) == 0) {
    dir = address.substr(8);
    if (dir.empty()) throw UsageError("journal: wants a directory (journal:DIR)");
    return true;
  }
  if (address.rfind("unix:", 0) == 0 || !is_directory(address)) return false;
  dir = address;
  return true;
}

namespace {

// A live end that names more of a journal than its file holds (a stale or
// foreign .tick.live): said, never read past the file's end.
[[noreturn]] void not_this_journal(const std::string& path, uint64_t published, uint64_t size) {
  fail(path, ": ", size, " bytes, but the live end says ", published, " are written: ",
       dir_name(path), "/", kLiveFile, " is not this journal's (copied from elsewhere?); remove it and start tick-log");
}

class JournalFollower {
 public:
  JournalFollower(const FollowOptions& o, Output& out) : o_(o), out_(out), copier_(out, o.copy) {}
  int run();
  uint64_t problems() const { return copier_.problems(); }

 private:
  void wait_for_live();
  // The stream is over: tick-log has ended in order (and this reader does
  // not wait on past it for the next).
  bool over() const { return live_->finished() && !o_.past_end; }
  uint64_t grow(const std::string& path, int32_t day, uint64_t have, const std::function<void()>& idle);
  Decoder context_at(const std::string& path, uint64_t end, uint64_t& last_seq, const std::vector<std::string>* until);
  void check_in_place(const std::string& path, uint64_t have) const;
  // Copies one journal from byte `from` (its live day: following it);
  // false when the stream is over.
  bool copy_file(const std::string& path, uint64_t from, Decoder* dec);

  const FollowOptions& o_;
  Output& out_;
  Copier copier_;
  std::unique_ptr<LiveReader> live_;
  uint64_t last_seq_ = 0;
  int64_t last_news_ = 0;
  bool writer_gone_ = false, eod_stop_ = false;
  // The live day's journal as opened: its size after the roll, and whether
  // the file of its name is still the one read.
  int live_fd_ = -1;
  uint32_t seen_pid_ = 0;
  uint64_t size_seen_ = 0;  // the live file's size when last looked at
};

void JournalFollower::wait_for_live() {
  if (!is_directory(o_.dir)) fail(o_.dir, ": no such directory");
  bool warned = false;
  while (!(live_ = LiveReader::open(o_.dir))) {
    if (stop_requested()) return;
    if (!warned && journal_files(o_.dir).empty())
      warn(str(o_.dir, ": no tick-log has written here yet (no ", kLiveFile, "): waiting for one"));
    else if (!warned)
      warn(str(o_.dir, ": journals, but no ", kLiveFile, " (a tick-log of an older version wrote them?): waiting for ",
               "a tick-log to write here; tick-replay reads them as they are"));
    warned = true;
    sleep_ns(100 * kNsPerMs);
  }
}

// Where the journal of `day` ends for a reader that has `have` bytes of it:
// further once tick-log has published more, its whole size once the day has
// rolled past it, the same at the end of the stream. Waits (idle first,
// heartbeats on a quiet journal) while there is nothing more.
uint64_t JournalFollower::grow(const std::string& path, int32_t day, uint64_t have, const std::function<void()>& idle) {
  const int64_t hb = static_cast<int64_t>(o_.heartbeat_secs * 1e9);
  bool idled = false;
  while (true) {
    uint32_t t = live_->ticket();
    LiveEnd e = live_->end();
    if (e.day == day && e.length > have) {
      if (uint32_t pid = live_->writer_pid(); pid != seen_pid_) {
        // A tick-log started since: it writes the file of that name, which
        // must still be the one mapped (never read past a file's end).
        check_in_place(path, have);
        seen_pid_ = pid;
      }
      if (e.length > size_seen_) {
        // tick-log writes before it publishes: a file shorter than the
        // published length is not the one published (and reading past its
        // end would fault). One fstat per growth past the size last seen.
        struct stat st{};
        if (::fstat(live_fd_, &st) != 0) fail(path, ": ", std::strerror(errno));
        size_seen_ = static_cast<uint64_t>(st.st_size);
        if (e.length > size_seen_) not_this_journal(path, e.length, size_seen_);
      }
      if (writer_gone_) warn(str(o_.dir, ": tick-log is writing again"));
      writer_gone_ = false;
      last_news_ = now_ns();
      return e.length;
    }
    if (e.day > day) {
      // The day is over and its journal whole (tick-log publishes the next
      // day only after it has written and closed this one): the size of
      // the file as opened, whole even if compressed or moved away since.
      struct stat st{};
      if (::fstat(live_fd_, &st) != 0) fail(path, ": ", std::strerror(errno));
      return std::max<uint64_t>(have, static_cast<uint64_t>(st.st_size));
    }
    if (over() || stop_requested()) return have;
    if (!idled) idle();  // the output flushed, its reader still there
    idled = true;
    int64_t now = now_ns();
    if (o_.copy.format == Format::tick && hb > 0 && now - last_news_ >= hb) {
      write_heartbeat(out_, now, last_seq_);
      out_.flush();
      last_news_ = now;
    }
    int wait_ms = static_cast<int>(std::clamp<int64_t>(hb > 0 ? hb / 1'000'000 : 1000, 1, 1000));
    live_->wait(t, wait_ms, o_.spin);
    if (live_->ticket() == t) {
      idle();  // (| head gone while the journal is quiet)
      check_in_place(path, have);
      if (!writer_gone_ && !live_->finished() && !live_->writer_alive()) {
        warn(str(o_.dir, ": tick-log is not running (killed?): waiting for it to start again"));
        writer_gone_ = true;
      }
    }
  }
}

// The live journal read in place must stay where it is: one compressed,
// moved or replaced under the reader ends it, saying where it was.
void JournalFollower::check_in_place(const std::string& path, uint64_t have) const {
  struct stat mine{}, there{};
  if (::fstat(live_fd_, &mine) != 0) fail(path, ": ", std::strerror(errno));
  bool there_now = ::stat(path.c_str(), &there) == 0;
  if (there_now && there.st_ino == mine.st_ino && there.st_dev == mine.st_dev) return;
  std::string what = there_now ? "replaced by another file"
                     : ::access((path + ".zst").c_str(), F_OK) == 0 ? "compressed (to " + base_name(path) + ".zst)"
                                                                     : "moved or removed";
  fail(path, ": ", what, " while this reader followed it (at byte ", have, ", after seq ", last_seq_,
       "); read on with tick-sub ", o_.dir, " --from ", last_seq_ + 1, " --day ", date_string(journal_date(path)));
}

// The context (tables, dictionary) of a journal up to byte `end`, and its
// last sequence number there. (Records tick-log has written whole: their
// CRCs are checked when they are copied.)
// With `until`: only as far as every table named there is known (none
// named: nothing read), for a reader that needs only to check its tables.
Decoder JournalFollower::context_at(const std::string& path, uint64_t end, uint64_t& last_seq,
                             const std::vector<std::string>* until) {
  Decoder dec;
  auto known = [&] {
    for (const auto& t : *until)
      if (std::none_of(dec.tables().begin(), dec.tables().end(), [&](const Table& lt) { return lt.name == t; }))
        return false;
    return true;
  };
  if (until && until->empty()) return dec;
  auto in = Input::open_growing(path, 0, end, [](uint64_t, const std::function<void()>&) { return uint64_t{0}; });
  RecordReader rr(*in);
  rr.set_trusted(true);
  Record r;
  last_seq = 0;
  while (rr.read(r)) {
    if (r.has_data_prefix()) {
      last_seq = r.data_seq();
    } else if (dec.apply(r) == Decoder::Kind::Schema && until && known()) {
      break;
    }
  }
  return dec;
}

bool JournalFollower::copy_file(const std::string& path, uint64_t from, Decoder* dec) {
  int32_t day = journal_date(path);
  LiveEnd e = live_->end();
  std::unique_ptr<Input> in;
  // A past day's journal has been at rest: its CRCs are checked. The live
  // day's, up to the end tick-log publishes, was written by it or checked
  // by it on its start: read as it is (man 5 tick, "The live end").
  bool live_day = day >= e.day && is_plain_journal(path);
  copier_.set_trusted(live_day);
  uint64_t have = 0;  // (the growing input's hook refers to it while it reads)
  if (!live_day) {
    in = Input::open(path);  // a past day: whole (or compressed)
  } else {
    have = e.day == day ? e.length : 0;
    live_fd_ = open_or_fail(path, O_RDONLY);
    seen_pid_ = live_->writer_pid();
    size_seen_ = 0;
    in = Input::open_growing(path, from, have, [&](uint64_t, const std::function<void()>& idle) {
      have = grow(path, day, have, idle);
      return have;
    });
  }
  CloseFd closer{live_fd_};
  try {
    copier_.copy(*in, 0, dec);
  } catch (const TornTail& t) {
    // A day whose tick-log was killed mid-record, restarted after the
    // roll: the torn record was never whole, and the next day goes on.
    copier_.flush();
    warn(str(t.what(), " (tick-log was killed while writing it); going on with the next day"));
  }
  copier_.flush();
  copier_.set_seq_from(o_.copy.seq_from);  // (a --from SEQ is of the first day only)
  if (stop_requested() || eod_stop_) return false;
  return !(over() && live_->end().day <= day);
}

int JournalFollower::run() {
  wait_for_live();
  if (!live_) return 0;
  copier_.set_observer([this](const Record& r, Decoder::Kind k, const Decoder& d) {
    (void)r;
    if (k == Decoder::Kind::Data && d.data().seq) last_seq_ = d.data().seq;
    if (k == Decoder::Kind::EndOfDay) {
      last_seq_ = d.control_seq();
      if (o_.until_eod) {
        eod_stop_ = true;
        copier_.stop_after();
      }
    }
    return true;
  });
  last_news_ = now_ns();
  const SubscribeRequest& q = o_.request;
  LiveEnd e = live_->end();
  const std::string live_path = journal_file(o_.dir, e.day);
  uint64_t live_seq = 0;
  // The whole live context for a reader that starts at its end (now, or a
  // sequence of the live day); only the tables asked for otherwise (a
  // second pass over the day's journal costs as much as the reading).
  int32_t day = q.day == kNoDate ? e.day : q.day;
  bool whole = q.from == SubscribeRequest::From::now || (q.from == SubscribeRequest::From::seq && day == e.day);
  struct stat st{};
  if (::stat(live_path.c_str(), &st) != 0) fail(live_path, ": ", std::strerror(errno), " (named by ", o_.dir, "/", kLiveFile, ")");
  if (e.length > static_cast<uint64_t>(st.st_size)) not_this_journal(live_path, e.length, st.st_size);
  Decoder live_ctx = context_at(live_path, e.length, live_seq, whole ? nullptr : &q.tables);
  if (std::string t = unknown_table(q.tables, live_ctx.tables()); !t.empty()) fail(o_.dir, ": unknown table ", quoted(t));
  // (live_seq is read only with the whole context: otherwise the request
  // is for the start of a day, read from its journal's beginning)
  if (!whole) live_seq = UINT64_MAX;
  SubscriptionStart start = subscription_start(q, e.day, live_seq, journal_files(o_.dir));
  std::string path;
  switch (start.kind) {
    case SubscriptionStart::Kind::live: {
      // The live context, then what comes after the live end: as tick-pub
      // starts a subscriber "now".
      std::vector<uint8_t> ctx = framed([&](Output& w) { write_context(w, live_ctx); });
      Decoder dec;
      copier_.feed(ctx.data(), ctx.size(), live_path, dec);
      if (!copy_file(live_path, e.length, &dec)) return 0;
      path = live_path;
      break;
    }
    case SubscriptionStart::Kind::journal:
      path = start.journal;
      if (start.seq > 1) copier_.set_seq_from(start.seq);
      if (!copy_file(path, 0, nullptr)) return 0;
      break;
    case SubscriptionStart::Kind::after_live_day:
    case SubscriptionStart::Kind::no_journal:
      fail(o_.dir, ": ", start.why);
  }
  // Day after day: the next journal once this one is over.
  while (true) {
    std::string next;
    while ((next = journal_after(path)).empty()) {
      if (stop_requested() || over()) return 0;
      sleep_ns(10 * kNsPerMs);  // (tick-log publishes the new day after making its file)
    }
    path = next;
    if (!copy_file(path, 0, nullptr)) return 0;
  }
}

}  // namespace

int follow_journal(const FollowOptions& o, Output& out, uint64_t* problems) {
  JournalFollower sub(o, out);
  int status = sub.run();
  if (problems) *problems = sub.problems();
  return status;
}

}  // namespace tick
