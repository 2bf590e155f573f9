// A Kafka consumer's positions in a journal (tick-kafka consume
// --resume-from). Each positions record announces the data records that
// follow it, its group; tick-log journals a group whole or not at all, its
// data records together behind it, from stdin or from a publisher. The positions of the last complete
// group are where a restarted consumer goes on; an incomplete group at the
// end of a journal (tick-log killed while writing it) is cut by tick-log
// and read again by the consumer, so the journal holds each message once.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tick/stream/control.h"
#include "tick/stream/reader.h"

namespace tick {

class GroupTracker {
 public:
  // Follows one record of a journal. Throws Error for a malformed
  // positions record.
  void apply(const Record& r);
  // A group whose data records have not all followed yet.
  bool open() const { return left_ > 0; }
  uint64_t open_offset() const { return open_at_; }
  uint32_t announced() const { return pending_.records; }
  uint32_t missing() const { return left_; }
  // The positions after the last complete group (any(): there was one).
  bool any() const { return have_; }
  const std::vector<KafkaPosition>& committed() const { return committed_; }

 private:
  void commit();
  PositionsMark pending_;
  uint32_t left_ = 0;
  uint64_t open_at_ = 0;
  bool have_ = false;
  std::vector<KafkaPosition> committed_;
};

// Why a group is cut, for the warning.
std::string open_group_text(uint32_t missing, uint32_t announced);

}  // namespace tick
