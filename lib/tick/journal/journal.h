// The journal: the tickerplant's write-ahead log, one file a day.
//
// Records from any number of input streams are appended to DIR/DATE.tick in
// the journal's own context (its tables and dictionary: input symbols are
// remapped), each data record numbered with the next sequence number. What
// is appended goes downstream only after it is written to the file (and
// synced, as the fsync policy says), so anything downstream ever saw is in
// the journal.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tick/base/clock.h"
#include "tick/journal/live_end.h"
#include "tick/journal/walk.h"
#include "tick/stream/control.h"
#include "tick/stream/reader.h"
#include "tick/stream/schema.h"
#include "tick/stream/symbols.h"
#include "tick/stream/writer.h"

namespace tick {

enum class FsyncPolicy { always, interval, never };

// How tick-log ends: in order (a stop signal, or its input's own end), and
// its local readers end at the journal's end; or failed (a write error, a
// full disk, a broken pipe downstream, bad input), and they wait for the
// restart, as for a killed tick-log.
enum class Ending { orderly, failed };

struct JournalOptions {
  std::string dir;
  FsyncPolicy fsync = FsyncPolicy::interval;
  int64_t fsync_interval_ns = kNsPerSec;
  uint32_t batch_rows = 0;  // coalesce rows per table up to this many (0: off)
  int64_t batch_ns = 0;     // or for this long (0: off)
  DayRoll roll;
};

// The journal could not be written (a full disk, an I/O error): tick-log's
// own failure, never a publisher's, whose record is not at fault.
struct JournalFailed : Error {
  using Error::Error;
};

constexpr uint32_t kUnmapped = UINT32_MAX;

// What the journal knows of one input stream's context.
struct SourceMap {
  ContextFollower context;
  // A publisher's map: its tables and symbols enter the journal only with
  // the first accepted data record that uses them (a refused publisher
  // leaves nothing behind); within the day's limits.
  bool lazy = false;
  std::vector<int> tables;      // input table id -> journal table id (-1: not yet)
  std::vector<uint32_t> syms;   // input sym id -> journal sym id (kUnmapped: not yet)
};

// What a lazy map may bring into the day's dictionary, all publishers
// together.
struct DayLimits {
  uint64_t max_syms = UINT64_MAX;
  uint64_t max_sym_bytes = UINT64_MAX;
};

class Journal {
 public:
  // downstream: fd that receives what is journaled (-1: none).
  Journal(JournalOptions o, int downstream);
  ~Journal();

  // Opens (or recovers) the journal of the day holding `now`. A torn tail is
  // cut into FILE.bad; corruption before the tail is an error.
  void open(int64_t now);
  // Follows an input's context after a header, schema or symbol record.
  // Throws Error if an input table conflicts with the journal's.
  void update(SourceMap& m, const Decoder& in);
  // Appends the input's current data record (by its map, taking into the
  // journal what a lazy map has not brought yet). slot: the publisher it
  // came from (0: stdin), recorded in the journal for exact resumption.
  // Throws Error (nothing appended) when the day's limits are reached.
  // Stdin's rows may join a batch (--batch-rows, --batch-ns), unless never.
  enum class Coalesce { allowed, never };
  void append(SourceMap& m, const Decoder& in, const Record& r, uint32_t slot = 0, Coalesce c = Coalesce::allowed);
  // Appends a Kafka consumer's positions record as it is, after the rows
  // batched so far: the start of a group (its data records follow, whole).
  void append_positions(const Record& r);
  void set_day_limits(DayLimits l) { limits_ = l; }
  // Publishers into the journal, by the id they say hello with: the slot
  // of one already known (recovered from the journal on restart), if any.
  std::optional<uint32_t> find_slot(uint64_t id) const;
  // A new slot for a publisher whose records before `next` are done (it
  // says so): declared in the journal before its first record. Throws
  // Error past kMaxPublisherSlots.
  uint32_t new_slot(uint64_t id, uint64_t next);
  uint64_t journaled(uint32_t slot) const { return slots_[slot].upto; }
  // A publisher's next record is journaled: the caller counts.
  void advance(uint32_t slot) { slots_[slot].upto++; }
  // Called after each write of the file with (slot, id, upto) of every
  // publisher that advanced: the place to acknowledge.
  void set_on_journaled(std::function<void(uint32_t, uint64_t, uint64_t)> f) { on_journaled_ = std::move(f); }
  // Writes what is pending to the file, then downstream.
  void flush();
  // Time-driven work: batch deadline, fsync interval, day roll.
  void run_timers(int64_t now);
  // The next instant run_timers() has work to do.
  int64_t next_deadline() const;
  // Flushes, syncs and closes; the live end says how it ended.
  // A run that failed before journaling any row (its input was not a tick
  // stream: JSON, CSV) leaves nothing: the day's file it made is removed,
  // and the directory too if it made that.
  void discard_if_unused();
  void close(Ending how);

  const std::string& path() const { return path_; }
  int32_t day() const { return day_; }
  uint64_t seq() const { return seq_; }

 private:
  void start_file(int32_t day);
  void begin_file();
  bool recover(int32_t day);
  std::string last_journal_before(int32_t day) const;
  void resume_after_roll(const std::string& last, int32_t day);
  struct Scan {
    JournalTail tail;
    std::optional<uint64_t> open_group;  // a Kafka group lacking records at the end
    std::string open_why;
  };
  Scan scan();
  void reset_state();
  void announce(int64_t now);
  void roll(int64_t now);
  void flush_batches();
  void write_new_symbols();
  void write_batch(uint16_t table, TableBatch& b);
  void write_out(const uint8_t* p, size_t n);
  void sync();
  int adopt_table(const Table& t);
  void adopt_syms(SourceMap& m, const Decoder& in);
  void open_file(int flags);
  DayLimits limits_;

  JournalOptions opt_;
  int down_;
  bool splice_down_ = true;
  void send_down(const uint8_t* p, size_t n, off_t at);
  int fd_ = -1;
  uint64_t file_len_ = 0;  // bytes written to the file (not those in buf_)
  std::unique_ptr<LiveWriter> live_;  // DIR/.tick.live, for local readers
  void publish_live();
  void take_file_length();
  std::string path_;
  int32_t day_ = 0;
  uint64_t seq_ = 0;
  Schema schema_;
  SymbolTable syms_;
  uint32_t syms_written_ = 0;
  std::vector<std::unique_ptr<TableBatch>> batches_;
  std::unique_ptr<Output> buf_;  // pending bytes: to the file, then downstream
  int64_t batch_deadline_ = 0, next_roll_ = 0, next_roll_before_ = 0, last_sync_ = 0;
  bool unsynced_ = false;
  bool made_dir_ = false, made_file_ = false;  // by this run's open()
  struct Slot {
    uint64_t id = 0, upto = 0, acked = 0;
  };
  void write_progress_all();
  void write_progress(uint32_t slot);
  std::vector<Slot> slots_{Slot{}};  // slot 0: stdin
  std::function<void(uint32_t, uint64_t, uint64_t)> on_journaled_;
};

}  // namespace tick
