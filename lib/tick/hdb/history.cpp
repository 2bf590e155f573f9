#include "tick/hdb/history.h"

#include <sys/stat.h>
#include <time.h>

#include <climits>

#include "tick/base/clock.h"
#include "tick/base/error.h"
#include "tick/base/files.h"
#include "tick/base/signals.h"
#include "tick/hdb/read.h"
#include "tick/journal/files.h"
#include "tick/journal/follow.h"
#include "tick/journal/live_end.h"

namespace tick {

namespace {

// A tick-log writes here (or has): the directory has its live end.
bool tick_log_writes(const std::string& dir) {
  try {
    return LiveReader::open(dir) != nullptr;
  } catch (const Error&) {
    return false;  // (one it may not write to, to count itself as waiting)
  }
}

// --follow DIR where a tick-log writes: read as tick-sub DIR reads it, up to
// the live end tick-log publishes (never into a record it is still writing,
// nor into a torn tail a restart of it cuts), across the day roll and its
// restarts, and on past its orderly end for the next tick-log (tail -F).
uint64_t follow_tick_log(const std::string& dir, int32_t from, Output& out, const ReplayOptions& o) {
  FollowOptions lo;
  lo.dir = dir;
  lo.request.from = SubscribeRequest::From::start;
  lo.request.day = from;
  lo.copy = o.copy;
  lo.heartbeat_secs = 0;  // (a replay's output has none)
  lo.past_end = true;
  uint64_t problems = 0;
  follow_journal(lo, out, &problems);
  return problems;
}

}  // namespace

uint64_t replay(const std::vector<std::string>& paths, Output& out, const ReplayOptions& o) {
  std::vector<std::string> files;
  for (const auto& p : paths) {
    if (p != "-" && is_directory(p)) {
      // (a directory with none is an error; one of kdb+ journals is read as theirs)
      auto js = o.follow ? journal_files(p) : expand_journals({p});
      if (o.follow) {
        // Following a directory is following its day, from today's journal
        // (or --from-day's), not replaying its history first.
        const int32_t from = o.follow_from != INT32_MIN ? o.follow_from : day_of(now_ns());
        std::erase_if(js, [&](const std::string& f) { return journal_date(f) < from; });
        if (js.empty()) fail(p, ": no journal from ", date_string(from), " on (yet)");
        if (paths.size() == 1 && tick_log_writes(p)) return follow_tick_log(p, from, out, o);
      }
      files.insert(files.end(), js.begin(), js.end());
    } else {
      files.push_back(p);
    }
  }
  Copier copier(out, o.copy);
  for (size_t i = 0; i < files.size() && !stop_requested(); i++) {
    const std::string f = files[i];  // (a copy: files grows below)
    // Woken by the tick-log writing there (journal_live.h), as a local
    // subscriber is; a directory no tick-log writes is looked at every 20 ms.
    std::unique_ptr<LiveReader> live;
    uint32_t ticket = 0;
    if (o.follow && f != "-") {
      try {
        if ((live = LiveReader::open(dir_name(f)))) ticket = live->ticket();
      } catch (const Error&) {
        // (one it may not write to, to count itself as waiting: it looks)
      }
    }
    // (not following: a journal being written, as far as it is written)
    auto in = o.follow ? Input::open(f, /*allow_mmap=*/false) : open_journal_now(f);
    bool last = i + 1 == files.size();
    bool saw_next = false;  // (lives as long as the follow hook that uses it)
    if (o.follow && f != "-") {
      // At the end of what the file holds: a later file ends this one once
      // its end of day is read (or, for a day that never closed, once a
      // last read after the next file appeared finds nothing more).
      in->set_follow([&, last] {
        bool has_next = !last || !journal_after(f).empty();
        if (has_next && (copier.saw_eod() || saw_next)) return false;
        if (has_next) {
          saw_next = true;
          return true;
        }
        copier.idle();  // (| head went away while the journal is quiet)
        if (live) {
          // (the ticket was taken before the read that found nothing, so
          // a write since then ends the wait at once)
          live->wait(ticket, 100, false);
          ticket = live->ticket();
        } else {
          sleep_ns(20 * kNsPerMs);
        }
        return true;
      });
    }
    copier.copy(*in);
    if (o.follow && last && !stop_requested()) {
      std::string next = journal_after(f);
      if (!next.empty()) files.push_back(next);
    }
  }
  if (!o.follow && !stop_requested()) copier.finish();
  else copier.flush();
  return copier.problems();
}

void replay_hdb(Output& out, const ReplayOptions& o) {
  Copier copier(out, o.copy);
  Output stream([&](const uint8_t* p, size_t n) { copier.feed(p, n, o.hdb); });
  hdb_read(o.hdb, o.date_from, o.date_to, o.copy.filter, stream);
  stream.flush();
  copier.finish();
}

}  // namespace tick
