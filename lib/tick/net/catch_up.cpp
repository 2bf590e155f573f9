#include "tick/net/catch_up.h"

#include "tick/base/error.h"
#include "tick/journal/files.h"

namespace tick {

bool seen_live(const Record& r, int32_t jday, const LiveMark& live) {
  if (jday < live.day) return true;
  switch (r.h.type) {
    case RecordType::Data:
      return r.has_data_prefix() && r.data_seq() <= live.seq;
    case RecordType::Symbols:
      return r.h.length >= 8 && r.symbols_end() <= live.syms;
    case RecordType::Schema:
      return r.h.table < live.tables;
    case RecordType::Header:
      return true;
    case RecordType::Progress:
    case RecordType::Positions:
      return true;  // journal bookkeeping, never sent: the next record decides
    default:
      return false;
  }
}

CatchUp::CatchUp(std::vector<std::string> files, int32_t from_seq_day, uint64_t from_seq)
    : files_(std::move(files)), from_day_(from_seq_day), from_seq_(from_seq) {}

bool CatchUp::open_next(std::string& why) {
  const std::string& f = files_[next_file_++];
  try {
    in_ = Input::open(f, /*allow_mmap=*/false);  // the live day's journal grows
  } catch (const Error& e) {
    why = e.what();
    return false;
  }
  day_ = journal_date(f);
  rr_ = std::make_unique<RecordReader>(*in_);
  dec_ = std::make_unique<Decoder>();
  return true;
}

CatchUp::Step CatchUp::next(const LiveMark& live, Record& r, Decoder::Kind& kind, std::string& why) {
  while (true) {
    if (!in_) {
      if (next_file_ >= files_.size()) return Step::GoLive;
      if (!open_next(why)) return Step::Refuse;
    }
    auto st = rr_->next(r);
    if (st == RecordReader::Status::End) {
      if (day_ >= live.day) return Step::GoLive;
      rr_.reset();  // a past day is over: the next journal
      in_.reset();
      continue;
    }
    if (st == RecordReader::Status::Bad) {
      Damage d = rr_->damage();
      // The live day's journal ends in a record tick-log is still writing:
      // the live stream has not had it yet (the journal is written first).
      if (d.torn && day_ >= live.day) return Step::GoLive;
      why = d.where(in_->name());
      return Step::Refuse;
    }
    if (!seen_live(r, day_, live)) return Step::GoLive;
    try {
      kind = dec_->apply(r);
    } catch (const Error& e) {
      why = str(in_->name(), ":", r.offset, ": ", e.what());
      return Step::Refuse;
    }
    if (kind == Decoder::Kind::Data && day_ == from_day_ && dec_->data().seq < from_seq_) continue;
    return Step::Record;
  }
}

}  // namespace tick
