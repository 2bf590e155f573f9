// The control records a journal holds besides a stream's own (man 5 tick):
// a publisher's progress (P) and a Kafka consumer's positions (O).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tick/base/io.h"

namespace tick {

// In a journal: how far a publisher's records are journaled (its slot is
// the source number its data records carry). 24 bytes, as man 5 tick says.
struct ProgressMark {
  uint64_t publisher = 0;
  uint64_t upto = 0;
  uint32_t slot = 0;
};
void write_progress(Output& out, const ProgressMark& m);
// Throws Error for a malformed one.
ProgressMark parse_progress(const uint8_t* p, size_t len);

// A Kafka consumer's positions (tick-kafka consume --resume-from): where
// each partition goes on, and how many data records follow it in the
// stream, together with it or not at all (man 5 tick, O records).
struct KafkaPosition {
  std::string topic;
  int32_t partition = 0;
  int64_t next = 0;  // the offset of the next message to read
};
struct PositionsMark {
  uint32_t records = 0;  // the data records of the group this announces
  std::vector<KafkaPosition> positions;
};
void write_positions(Output& out, const PositionsMark& m);
// Throws Error for a malformed one.
PositionsMark parse_positions(const uint8_t* p, size_t len);

}  // namespace tick
