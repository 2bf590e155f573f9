#include "tick/stream/groups.h"

#include <algorithm>

#include "tick/base/error.h"
#include "tick/stream/control.h"

namespace tick {

void GroupTracker::apply(const Record& r) {
  if (r.h.type == RecordType::Positions) {
    // (A group left open by a broken writer is superseded: its records are
    // in the journal already and counted nowhere.)
    pending_ = parse_positions(r.payload(), r.h.length);
    left_ = pending_.records;
    open_at_ = r.offset;
    if (left_ == 0) commit();
  } else if (left_ && r.has_data_prefix() && --left_ == 0) {
    // (tick-log writes a group's data records together, behind its
    // positions record, whichever input (source) they came from.)
    commit();
  }
}

// Each consumer's groups name the partitions it reads: the latest position
// of each partition wins, so consumers of different topics can share one
// journal.
void GroupTracker::commit() {
  for (auto& p : pending_.positions) {
    auto it = std::find_if(committed_.begin(), committed_.end(), [&](const KafkaPosition& c) {
      return c.partition == p.partition && c.topic == p.topic;
    });
    if (it == committed_.end()) committed_.push_back(std::move(p));
    else it->next = p.next;
  }
  pending_.positions.clear();
  have_ = true;
}

std::string open_group_text(uint32_t missing, uint32_t announced) {
  return str("a Kafka consumer's group lacking ", missing, " of its ", announced,
             " data records; tick-kafka consume --resume-from reads it again");
}

}  // namespace tick
