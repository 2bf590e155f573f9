// A subscriber's catch-up from the journal, up to where the live stream
// takes over with no gap and no duplicate. The journal is written before
// tick-log sends anything downstream, so catch-up reads the journal until
// the first record the live stream has not delivered yet, and the live
// stream goes on from there.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tick/base/io.h"
#include "tick/stream/format.h"
#include "tick/stream/reader.h"

namespace tick {

// Where the live stream stands.
struct LiveMark {
  int32_t day = kNoDate;  // the live day
  uint64_t seq = 0;       // the last sequence number delivered
  size_t tables = 0;      // tables in its context
  uint32_t syms = 0;      // symbols in its dictionary
};

// Whether the live stream has already delivered this record of the journal
// of day `jday`: every record of a past day; of the live day, data up to
// its sequence number, context it holds, and bookkeeping (progress records,
// never sent) as the records after it decide.
bool seen_live(const Record& r, int32_t jday, const LiveMark& live);

class CatchUp {
 public:
  // files: the journals from the first day wanted to the live day, in
  // order; from_seq: the first sequence number wanted of the first day.
  CatchUp(std::vector<std::string> files, int32_t from_seq_day, uint64_t from_seq);
  enum class Step { Record, GoLive, Refuse };
  // The next journal record to forward (kind set, decoded by decoder()),
  // or the end of catch-up: the live stream takes over (GoLive), or the
  // journal cannot be read (Refuse, why set).
  Step next(const LiveMark& live, Record& r, Decoder::Kind& kind, std::string& why);
  // The context read of the current journal (null before the first).
  const Decoder* decoder() const { return dec_.get(); }

 private:
  bool open_next(std::string& why);
  std::vector<std::string> files_;
  size_t next_file_ = 0;
  int32_t from_day_;
  uint64_t from_seq_;
  std::unique_ptr<Input> in_;
  std::unique_ptr<RecordReader> rr_;
  std::unique_ptr<Decoder> dec_;
  int32_t day_ = kNoDate;
};

}  // namespace tick
