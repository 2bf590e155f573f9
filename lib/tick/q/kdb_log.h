// The tick.q journal tick-q writes (man tick-q, JOURNAL): DIR/NAMEyyyy.mm.dd,
// one (`upd;`t;columns) message per data record, and beside it
// .NAMEyyyy.mm.dd.seqs: each message's stream sequence number, written
// before the message, so that a restarted tick-q fed the day again from its
// start knows what the file holds already.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "tick/base/io.h"
#include "tick/kdb/journal.h"
#include "tick/stream/reader.h"
#include "tick/stream/symbols.h"

namespace tick {

class KdbLog {
 public:
  KdbLog(std::string dir, std::string name);
  ~KdbLog() { close(); }
  KdbLog(const KdbLog&) = delete;
  KdbLog& operator=(const KdbLog&) = delete;

  // The day's journal, created (its head only, as tick.q creates it) or
  // taken up again: a torn last message cut (kept in FILE.bad), what it
  // holds counted.
  void open_day(int32_t day);
  // A data record as the next message, unless the file holds it already
  // (by its sequence number): then false.
  bool write(const DataView& v, const SymbolTable& syms);
  // To the files: the sequence numbers first.
  void flush();
  void close();
  bool open() const { return jfd_ >= 0; }
  uint64_t messages() const { return messages_; }
  // The file symbol r.q replays (`:/abs/path).
  std::string file_symbol() const;

 private:
  void recover();

  std::string dir_, name_, path_, seqs_path_;
  int32_t day_ = kNoDate;
  int jfd_ = -1, sfd_ = -1;
  std::unique_ptr<Output> jout_, sout_;
  std::unique_ptr<kdb::JournalWriter> writer_;
  uint64_t messages_ = 0, last_ = 0;
};

}  // namespace tick
