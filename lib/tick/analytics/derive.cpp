#include "tick/analytics/derive.h"

namespace tick {

void DerivedStream::pass(const Record& r, Decoder::Kind k, const Decoder& d) {
  (void)d;
  switch (k) {
    case Decoder::Kind::Header:
      id_ = -1;
      break;
    case Decoder::Kind::Symbols: case Decoder::Kind::EndOfDay: case Decoder::Kind::Heartbeat:
      break;
    case Decoder::Kind::Schema: case Decoder::Kind::Data:
      if (only_) return;
      if (id_ >= 0 && r.h.table >= id_) {  // after ours: one id up
        write_record(out_, r.h.type, static_cast<uint16_t>(r.h.table + 1), r.payload(), r.h.length);
        return;
      }
      break;
    default:
      if (only_) return;
  }
  out_.write(r.bytes, r.size());
}

void DerivedStream::emit(const Table& t, const TableBatch& b, const Decoder& d) {
  if (b.empty()) return;
  if (id_ < 0) {
    if (!only_)
      for (const auto& o : d.tables())
        if (o.name == t.name) fail("the stream already has a table ", t.name, " (name the derived one with --out-table)");
    id_ = only_ ? 0 : static_cast<int>(d.tables().size());
    if (id_ >= kMaxTables) fail("the stream has ", kMaxTables, " tables: no room for ", t.name);
    write_schema(out_, static_cast<uint16_t>(id_), t);
  }
  write_batch(out_, static_cast<uint16_t>(id_), b);
}

}  // namespace tick
