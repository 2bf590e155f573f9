// The journal's live end, shared with local readers (man 5 tick, "The live
// end"): tick-log keeps DIR/.tick.live, a small memory-mapped file holding
// the day and length of the journal it has completely written (whole
// records, never a Kafka group in part) and a futex word it bumps after
// each write. A reader on the same host maps it, reads the journal in place
// up to that length, and sleeps on the futex when it is there: no syscall
// per record on either side, and a writer that never waits for a reader.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "tick/base/io.h"

namespace tick {

constexpr const char* kLiveFile = ".tick.live";

struct LiveEnd {
  int32_t day = 0;      // the journal being written (days since 1970-01-01)
  uint64_t length = 0;  // its bytes in whole records
};

struct LiveLayout;

// tick-log's side.
class LiveWriter {
 public:
  // Creates DIR/.tick.live, or takes over the one a killed tick-log left
  // (mapped readers keep their mapping across the restart).
  explicit LiveWriter(const std::string& dir);
  ~LiveWriter();
  LiveWriter(const LiveWriter&) = delete;
  LiveWriter& operator=(const LiveWriter&) = delete;
  // The journal of `day` is complete up to `length`: readers may read it.
  void publish(int32_t day, uint64_t length);
  // tick-log has ended in order: readers end at the published end.
  void finish();

 private:
  int fd_ = -1;
  LiveLayout* p_ = nullptr;
  uint64_t last_ = 0;
};

// A local reader's side.
class LiveReader {
 public:
  // Null if DIR has no .tick.live (no tick-log has written there).
  static std::unique_ptr<LiveReader> open(const std::string& dir);
  ~LiveReader();
  LiveReader(const LiveReader&) = delete;
  LiveReader& operator=(const LiveReader&) = delete;
  // The wake word: read before end(), then wait(ticket) sleeps only if
  // nothing was published since.
  uint32_t ticket() const;
  LiveEnd end() const;
  // tick-log ended in order (not killed) after its last publish.
  bool finished() const;
  // Until the wake word moves past ticket or timeout_ms passes; spin:
  // busy-polls instead of sleeping (a reader with a core of its own).
  void wait(uint32_t ticket, int timeout_ms, bool spin) const;
  // The tick-log that published is still running (a killed one is not).
  bool writer_alive() const;
  // Its process id (another one after a restart).
  uint32_t writer_pid() const;

 private:
  LiveReader() = default;
  int fd_ = -1;
  LiveLayout* p_ = nullptr;
};

// A journal as far as a reader may read it now: the journal a running
// tick-log is writing up to its live end, for its last record may be half
// written; any other whole (a torn tail a killed tick-log left is there to
// be reported, and its restart cuts it). Throws Error if it cannot be
// opened.
std::unique_ptr<Input> open_journal_now(const std::string& path);

}  // namespace tick
