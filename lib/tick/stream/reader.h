// Reading a tick stream: framing and integrity (RecordReader), then the
// stream's context of schemas and symbols and in-place views of data records
// (Decoder). Problems are reported with the byte offset where they start.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tick/base/error.h"
#include "tick/base/io.h"
#include "tick/stream/format.h"
#include "tick/stream/schema.h"
#include "tick/stream/symbols.h"

namespace tick {

// A stream of a major version this build cannot read.
struct VersionError : Error {
  using Error::Error;
};

// The input ended inside a record (a torn tail; on a socket, a connection
// that went away mid-record).
struct TornTail : Error {
  using Error::Error;
};

// A damaged region or a torn tail, as the reader found it.
struct Damage {
  uint64_t offset = 0;  // where it starts
  std::string why;      // what is wrong there
  bool torn = false;    // the input ended inside a record (a torn tail)
  bool salvaged = false;  // the reading went on past it (salvage)
  uint64_t skipped = 0;   // with salvage: bytes passed over
  bool resumed = false;   // with salvage: a good record follows
  bool oversized = false; // a record over the reader's cap: no reading past it helps
  bool refused = false;   // a whole record, framed and checked, that a rule refuses
  // "NAME:OFFSET: why", and with salvage what was skipped.
  std::string where(const std::string& name) const;
};

// What a reading does about damage, in one place (after LevelDB's
// log::Reader::Reporter): on_damage hears of each damaged region or torn
// tail in input order. It may throw, which ends the reading with that
// error; if it returns, the reading goes on past the region with salvage,
// and otherwise ends there.
struct Reporter {
  bool salvage = false;
  std::function<void(const Damage&)> on_damage;
};

struct Record {
  RecordHeader h;
  const uint8_t* bytes = nullptr;  // the header, followed by the payload
  uint64_t offset = 0;             // of the header in the stream
  const uint8_t* payload() const { return bytes + kHeaderSize; }
  size_t size() const { return kHeaderSize + h.length; }
  // A data record's prefix (man 5 tick), 0 if it is too short to have one:
  // its sequence number and the publisher slot it came from.
  uint64_t data_seq() const { return has_data_prefix() ? load64(payload() + 8) : 0; }
  uint32_t data_source() const { return has_data_prefix() ? load32(payload() + 4) : 0; }
  bool has_data_prefix() const { return h.type == RecordType::Data && h.length >= kDataPrefix; }
  // A symbols record's range: one past its last id (0 if too short).
  uint64_t symbols_end() const {
    return h.type == RecordType::Symbols && h.length >= 8 ? uint64_t{load32(payload())} + load32(payload() + 4) : 0;
  }
};

class RecordReader {
 public:
  enum class Status { Ok, End, Bad };
  explicit RecordReader(Input& in) : in_(in) {}

  // The next record. On Bad, problem() says what and where; resync() (or
  // the following next()) skips to the next valid record.
  Status next(Record& r);
  // The next record, damage told to the reporter (see Reporter); false at
  // the end of the input, or at damage the reading does not go past.
  bool read(Record& r, const Reporter& rep);
  // The next record of a reading that stops at the first damage: an Error
  // naming where ("NAME:OFFSET: why", NAME the input's); false at the end.
  bool read(Record& r);
  // The last Bad as a Damage: damage() where the reading stops; salvage()
  // moves the reader past it to the next good record (what was skipped is
  // in the Damage).
  Damage damage() { return damage(false); }
  Damage salvage() { return damage(true); }
  // Skips past a bad region to the next record whose header and CRC hold;
  // false if the input ended first. skipped() says how many bytes it passed.
  bool resync();
  const std::string& problem() const { return problem_; }
  uint64_t problem_offset() const { return problem_offset_; }
  // The last Bad was a record cut short by the end of the input (a torn
  // tail, or a journal still being written), not a damaged one.
  bool torn_tail() const { return torn_tail_; }
  uint64_t skipped() const { return skipped_; }

  // Records for which this returns false are passed over without checking
  // their CRC (O(1)), e.g. data records of unwanted tables. They are not
  // returned by next().
  void set_skip(std::function<bool(const RecordHeader&)> f) { skip_ = std::move(f); }
  // The input was verified by an earlier reading (the same bytes, read
  // again): CRCs are not checked again. Framing still is.
  void set_trusted(bool t) { trusted_ = t; }
  // Records whose payload is over max bytes are Bad as soon as their header
  // is read, before any of the payload is buffered (for connections: what
  // a peer claims must not size this process's memory). 0: the format's
  // own limit.
  void set_max_record(size_t max) { max_record_ = max; }
  size_t max_record() const { return max_record_; }
  Input& input() { return in_; }

 private:
  Damage damage(bool salvage);
  Status bad(uint64_t offset, std::string why);
  Status torn(uint64_t offset, std::string why);
  Input& in_;
  std::string problem_;
  uint64_t problem_offset_ = 0, skipped_ = 0;
  bool need_resync_ = false, last_unverified_ = false, trusted_ = false, torn_tail_ = false, oversized_ = false;
  size_t max_record_ = 0;
  std::function<bool(const RecordHeader&)> skip_;
};

// A mapped input read on two threads: a framing thread reads records and
// checks their CRCs a batch ahead, while the caller decodes them. Records
// stay valid (the input is mapped), so a batch is pointers; what the framing
// thread finds wrong is in the batch, in order, to be refused or reported
// where it lies. With salvage the framing goes on after a corrupt region
// (its why ends with the resync note); without, the batch with it is the
// last. Not for readers that need set_skip (the predicate would run on the
// other thread).
class FramingAhead {
 public:
  struct Item {
    Record r;
    bool bad = false;  // a corrupt region at r.offset, why in the batch
  };
  struct Batch {
    std::vector<Item> items;
    std::vector<Damage> damage;  // of the bad items, in order
    bool last = false;
  };
  FramingAhead(Input& in, bool salvage);
  ~FramingAhead();
  FramingAhead(const FramingAhead&) = delete;
  FramingAhead& operator=(const FramingAhead&) = delete;
  // The next batch (valid until the next call); rethrows what the framing
  // thread threw.
  const Batch& next();
  // Every record to on_record (returning false ends the reading there) and
  // every corrupt region to the reporter, in the input's order (its salvage
  // must be the one this was made with).
  template <class OnRecord>
  void drain(OnRecord on_record, const Reporter& rep) {
    while (true) {
      const Batch& b = next();
      size_t bad = 0;
      for (const Item& it : b.items) {
        if (it.bad) rep.on_damage(b.damage[bad++]);
        else if (!on_record(it.r)) return;
      }
      if (b.last) return;
    }
  }
  // Worth it: a mapped input of some size, and a second core.
  static bool suits(const Input& in);

 private:
  static constexpr size_t kBatch = 2048, kSlots = 4;
  void run();
  struct Sync;
  RecordReader rr_;
  const bool salvage_;
  Batch slots_[kSlots];
  std::unique_ptr<Sync> sync_;
};

// A data record, viewed in place.
struct DataView {
  const Table* table = nullptr;
  uint16_t table_id = 0;
  uint32_t rows = 0;
  uint64_t seq = 0;
  std::vector<const uint8_t*> cols;  // column starts; for strings the offsets
  std::vector<const uint8_t*> heap;  // for strings: the bytes

  template <class T>
  T get(int col, uint32_t row) const {
    T v;
    std::memcpy(&v, cols[col] + sizeof(T) * row, sizeof(T));
    return v;
  }
  std::string_view string(int col, uint32_t row) const {
    uint32_t a = load32(cols[col] + 4 * row), b = load32(cols[col] + 4 * (row + 1));
    return {reinterpret_cast<const char*>(heap[col]) + a, b - a};
  }
  // The time column's value in ns (since the epoch or of the day).
  int64_t time(uint32_t row) const {
    Type t = table->columns[table->time_col].type;
    return time_ns(t, cols[table->time_col] + size_t{row} * type_width(t));
  }
  uint32_t sym(uint32_t row) const { return get<uint32_t>(table->sym_col, row); }
};

class Decoder {
 public:
  enum class Kind { Header, Schema, Symbols, Data, EndOfDay, Heartbeat, Protocol, Positions, Unknown };
  // Applies a record; returns its kind, or throws Error (without location;
  // the caller adds the offset) for a record that contradicts the context.
  Kind apply(const Record& r);

  bool started() const { return started_; }
  // A new value at each header, unique in the process across every decoder
  // (a reader that opens a second journal with a new decoder must not take
  // the first file's ids for the second's): ids from another are void.
  uint64_t generation() const { return generation_; }
  // The journal day named by the header, or kNoDate.
  int32_t stream_date() const { return date_; }
  const std::vector<Table>& tables() const { return tables_; }
  const SymbolTable& syms() const { return syms_; }
  const DataView& data() const { return view_; }
  // For EndOfDay and Heartbeat records.
  int32_t eod_date() const { return eod_date_; }
  uint64_t control_seq() const { return ctl_seq_; }
  // Data records checked before (a live journal, by its tick-log): their
  // sym ids and string offsets are not checked again, and a record's
  // columns are not touched until a filter or a text writer reads them.
  void set_trusted(bool t) { trusted_ = t; }

 private:
  void data(const Record& r);
  bool started_ = false, trusted_ = false;
  uint64_t generation_ = 0;
  int32_t date_ = kNoDate;
  std::vector<Table> tables_;
  SymbolTable syms_;
  DataView view_;
  int32_t eod_date_ = 0;
  uint64_t ctl_seq_ = 0;
};

// Follows a decoder's context as it grows, for a reader that maps its ids
// to its own: after a new header every id is void (reset), and the tables
// and symbols added since the last call are handed over once each.
class ContextFollower {
 public:
  template <class OnReset, class OnTable, class OnSym>
  void follow(const Decoder& d, OnReset on_reset, OnTable on_table, OnSym on_sym) {
    if (generation_ != d.generation()) {
      generation_ = d.generation();
      tables_ = 0;
      syms_ = 0;
      on_reset();
    }
    for (; tables_ < d.tables().size(); tables_++) on_table(tables_, d.tables()[tables_]);
    for (; syms_ < d.syms().size(); syms_++) on_sym(syms_, d.syms().name(syms_));
  }
  // The next follow() starts from a new decoder (a reset), whatever its
  // generation.
  void rebind() { generation_ = UINT64_MAX; }
  // The generation followed last (ids from another are void).
  uint64_t generation() const { return generation_; }

 private:
  uint64_t generation_ = 0;
  size_t tables_ = 0;
  uint32_t syms_ = 0;
};


// How for_each_record reads.
struct ReadPlan {
  bool trusted = false;         // CRCs were verified by an earlier reading
  size_t max_record = 0;        // payload bytes of one record at most (0: any)
  uint64_t limit = UINT64_MAX;  // stop at the record at this byte
  std::function<bool(const RecordHeader&)> skip;  // records passed over (RecordReader::set_skip)
};

// Every record of in to on_record (returning false ends the reading there)
// and every corrupt region to rep, in the input's order. The framing and
// CRCs run on a second thread, a batch ahead, where that is worth it and
// the plan allows (a mapped input of some size, CRCs to check, nothing to
// skip, no limit); else on this one.
template <class OnRecord>
void for_each_record(Input& in, const ReadPlan& p, const Reporter& rep, OnRecord on_record) {
  const bool trusted = p.trusted || in.made_here();
  if (!trusted && !p.skip && p.limit == UINT64_MAX && FramingAhead::suits(in)) {
    FramingAhead(in, rep.salvage).drain(on_record, rep);
    return;
  }
  RecordReader rr(in);
  rr.set_trusted(trusted);
  rr.set_max_record(p.max_record);
  if (p.skip) rr.set_skip(p.skip);
  Record r;
  while (rr.read(r, rep))
    if (r.offset >= p.limit || !on_record(r)) return;
}

// Whether RecordReader::next() answers from what the input has buffered,
// without reading more: a whole record, a header that cannot be one (damage
// to report), one over max_record (0: no bound), or the input's end.
inline bool record_buffered(Input& in, bool ended, size_t max_record = 0) {
  if (ended) return in.avail() > 0;
  if (in.avail() < kHeaderSize) return false;
  RecordHeader h;
  if (!parse_header(in.data(), h)) return true;
  if (max_record && h.length > max_record) return true;
  return in.avail() >= kHeaderSize + h.length;
}

// The read loop of a filter that takes a stream whole: the next record,
// applied to dec; false at the end. Damage, or a record the context
// refuses, is an Error naming where ("NAME:OFFSET: why").
inline bool read_applied(RecordReader& rr, Decoder& dec, Record& r, Decoder::Kind& k) {
  if (!rr.read(r)) return false;
  try {
    k = dec.apply(r);
  } catch (const Error& e) {
    fail(rr.input().name(), ":", r.offset, ": ", e.what());
  }
  return true;
}

}  // namespace tick
