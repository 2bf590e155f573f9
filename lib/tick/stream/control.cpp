#include "tick/stream/control.h"

#include "tick/base/error.h"
#include "tick/stream/payload.h"

namespace tick {

using namespace payload;

void write_progress(Output& out, const ProgressMark& m) {
  std::vector<uint8_t> b;
  put64(b, m.publisher);
  put64(b, m.upto);
  put32(b, m.slot);
  put32(b, 0);
  emit(out, RecordType::Progress, b);
}

ProgressMark parse_progress(const uint8_t* p, size_t len) {
  Cursor c{p, len, 0, "progress"};
  ProgressMark m;
  m.publisher = c.u64();
  m.upto = c.u64();
  m.slot = c.u32();
  return m;
}

// Positions: u32 records, u32 count, then count times u64 next offset,
// u32 partition, u16 topic length and the topic.
void write_positions(Output& out, const PositionsMark& m) {
  std::vector<uint8_t> b;
  put32(b, m.records);
  put32(b, static_cast<uint32_t>(m.positions.size()));
  for (const auto& p : m.positions) {
    put64(b, static_cast<uint64_t>(p.next));
    put32(b, static_cast<uint32_t>(p.partition));
    put_str(b, p.topic);
  }
  // (never a record its readers refuse: the writer fails instead)
  if (b.size() > (1u << 20)) fail("a positions record of ", b.size(), " bytes passes the format's 1 MiB");
  emit(out, RecordType::Positions, b);
}

PositionsMark parse_positions(const uint8_t* p, size_t len) {
  Cursor c{p, len, 0, "positions"};
  PositionsMark m;
  m.records = c.u32();
  uint32_t n = c.u32();
  if (n > len / 14) fail("positions message too short");
  m.positions.reserve(n);
  for (uint32_t i = 0; i < n; i++) {
    KafkaPosition k;
    k.next = static_cast<int64_t>(c.u64());
    k.partition = static_cast<int32_t>(c.u32());
    k.topic = c.str();
    if (k.next < 0 || k.partition < 0 || k.topic.empty()) fail("positions message: bad position");
    m.positions.push_back(std::move(k));
  }
  return m;
}

}  // namespace tick
