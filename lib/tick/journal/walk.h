// One reading of a journal by the rules a restart of tick-log holds it to,
// in one place (after LevelDB's log::Reader, which every reader of a log
// uses). A record must frame (its header and CRC), fit the context before
// it (the header, tables and dictionary), keep the publishers' bookkeeping
// (SlotLedger) and the Kafka consumers' groups (GroupTracker). tick-log's
// restart, check, check --repair and info, and tick-kafka consume
// --resume-from, all read a journal through JournalWalk, so none can accept
// what another refuses.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tick/base/io.h"
#include "tick/stream/control.h"
#include "tick/stream/groups.h"
#include "tick/stream/reader.h"

namespace tick {

// Publisher slots a journal can declare (the source numbers its data records
// carry); a restart refuses more.
constexpr uint32_t kMaxPublisherSlots = 65535;

// The publishers' bookkeeping, record by record: slots declared by progress
// records before data records name them, within kMaxPublisherSlots.
class SlotLedger {
 public:
  struct Slot {
    uint64_t id = 0, upto = 0;
  };
  // Throws Error (without location) for a record a restart cannot take,
  // and then changes nothing.
  void apply(const Record& r);
  // Index 0 is stdin's.
  const std::vector<Slot>& slots() const { return slots_; }

 private:
  std::vector<Slot> slots_{Slot{}};
  std::vector<bool> declared_{true};
};

class JournalWalk {
 public:
  // Opens the journal (plain or compressed); throws Error if it cannot.
  // Without allow_mmap it is read, not mapped: a file another process may
  // cut meanwhile (tick-log cutting a torn tail on start) then reads short
  // instead of faulting (SIGBUS) on the pages cut.
  explicit JournalWalk(const std::string& path, bool allow_mmap = true);

  // The next sound record, taken into the walk's state; false at the end,
  // or at a problem the reporter does not go past. A problem is a region
  // that does not frame (a torn tail, corrupt bytes), or a whole record the
  // rules refuse (Damage::refused; skipped is its size, and the state is as
  // it was before it). With the reporter's salvage the walk goes on past
  // each problem.
  bool next(const Reporter& rep);

  const Record& record() const { return r_; }
  Decoder::Kind kind() const { return kind_; }
  // The journal's context so far: header, tables, dictionary.
  const Decoder& context() const { return dec_; }
  const SlotLedger& slots() const { return ledger_; }
  const GroupTracker& groups() const { return groups_; }
  // The sequence number of the last data record (0: none yet).
  uint64_t last_seq() const { return seq_; }
  Input& input() { return *in_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::unique_ptr<Input> in_;
  RecordReader rr_;
  Decoder dec_;
  SlotLedger ledger_;
  GroupTracker groups_;
  Record r_;
  Decoder::Kind kind_ = Decoder::Kind::Unknown;
  uint64_t seq_ = 0;
};

// What a restart finds: the journal read up to its first problem.
struct JournalTail {
  uint64_t good_end = 0;  // where its last sound record ends (0: no header)
  uint64_t size = 0;      // of the file
  bool ended = false;     // its last record, the file's last, is its end of day
  std::string why;        // what is wrong after good_end, if anything
};
// Reads the journal as a restart does, leaving the walk's state at its last
// sound record. Throws Error naming the place and `tick-log check --repair`
// for a problem that records follow (not a torn tail: a restart does not
// cut what a repair would keep).
JournalTail walk_to_tail(JournalWalk& w);

struct JournalPositions {
  std::string file;
  std::vector<KafkaPosition> positions;
};
// Where a Kafka consumer goes on (tick-kafka consume --resume-from): the
// positions of the last complete group in the newest journal in dir that
// has one, each journal read as a restart of its tick-log reads it; nothing
// if no journal there has any. Throws Error for a journal that cannot be
// read, or that a restart would refuse.
std::optional<JournalPositions> last_positions(const std::string& dir);

}  // namespace tick
