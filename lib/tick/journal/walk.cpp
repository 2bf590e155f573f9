#include "tick/journal/walk.h"

#include <sys/stat.h>

#include <cerrno>
#include <optional>

#include "tick/base/error.h"
#include "tick/journal/files.h"
#include "tick/stream/control.h"

namespace tick {

void SlotLedger::apply(const Record& r) {
  if (r.h.type == RecordType::Progress) {
    ProgressMark m = parse_progress(r.payload(), r.h.length);
    if (m.slot == 0 || m.slot > kMaxPublisherSlots)
      fail("progress record for publisher slot ", m.slot, " (slots are 1 to ", kMaxPublisherSlots, ")");
    if (slots_.size() <= m.slot) {
      slots_.resize(m.slot + 1);
      declared_.resize(m.slot + 1, false);
    }
    slots_[m.slot] = {m.publisher, m.upto};
    declared_[m.slot] = true;
  } else if (r.has_data_prefix()) {
    uint32_t src = r.data_source();
    if (src >= slots_.size() || !declared_[src])
      fail("data record from publisher slot ", src, ", which no progress record declared");
    if (src) slots_[src].upto++;
  }
}

JournalWalk::JournalWalk(const std::string& path, bool allow_mmap)
    : path_(path), in_(Input::open(path, allow_mmap)), rr_(*in_) {}

bool JournalWalk::next(const Reporter& rep) {
  while (rr_.read(r_, rep)) {
    try {
      // The context first: the bookkeeping refuses only progress, data and
      // positions records, which change no context, so a refused record
      // leaves the state as it was.
      Decoder::Kind k = dec_.apply(r_);
      ledger_.apply(r_);
      groups_.apply(r_);
      kind_ = k;
      if (k == Decoder::Kind::Data) seq_ = dec_.data().seq;
      return true;
    } catch (const Error& e) {
      Damage d;
      d.offset = r_.offset;
      d.why = e.what();
      d.refused = true;
      d.skipped = r_.size();
      rep.on_damage(d);
      if (!rep.salvage) return false;
    }
  }
  return false;
}

JournalTail walk_to_tail(JournalWalk& w) {
  JournalTail t;
  t.size = w.input().size_hint();
  std::optional<Damage> first;
  bool ended = false;
  // Past the first problem the walk goes on only to learn whether records
  // follow it.
  auto after = [&] {
    if (first->refused) fail(w.path(), ":", first->offset, ": ", first->why, "; run tick-log check --repair ", w.path());
    fail(w.path(), ":", first->offset, ": ", first->why, ", and valid records follow it: not a torn tail; ",
         "run tick-log check --repair ", w.path());
  };
  Reporter rep{true, [&](const Damage& d) {
                 if (!first) first = d;
                 else if (d.refused) after();
               }};
  while (w.next(rep)) {
    if (first) after();
    t.good_end = w.record().offset + w.record().size();
    ended = w.kind() == Decoder::Kind::EndOfDay;
  }
  if (first) t.why = first->why;
  if (!w.context().started()) t.good_end = 0;
  t.ended = ended && t.good_end == t.size;
  return t;
}

std::optional<JournalPositions> last_positions(const std::string& dir) {
  struct stat st{};
  if (::stat(dir.c_str(), &st) != 0 && errno == ENOENT) return std::nullopt;  // tick-log makes it
  auto files = journal_files(dir);
  for (auto it = files.rbegin(); it != files.rend(); ++it) {
    // (A torn tail or an open group is cut by tick-log on start, which may
    // be now: a consumer resuming into a pipe to tick-log starts with it.
    // The groups closed before the cut are the same either way.)
    JournalWalk w(*it, /*allow_mmap=*/false);
    walk_to_tail(w);
    if (w.groups().any()) return JournalPositions{*it, w.groups().committed()};
  }
  return std::nullopt;
}

}  // namespace tick
