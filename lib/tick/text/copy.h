// The loop at the heart of tick-cat, tick-replay and tick-sub: read records,
// keep the stream's context, filter, and write them as tick or as text.
#pragma once
#include <climits>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <memory>
#include <vector>

#include "tick/base/io.h"
#include "tick/stream/filter.h"
#include "tick/stream/reader.h"
#include "tick/kdb/journal.h"
#include "tick/text/out.h"

namespace tick {

struct CopyOptions {
  Format format = Format::tick;
  TimeFormat time_format = TimeFormat::iso;
  FilterSpec filter;
  bool skip_bad = false;         // resync past corrupt regions instead of stopping
  bool csv_table_column = true;  // false when one table is asked for
  // Text rows into DIR/TABLE.csv (or .json, .txt), one file per table,
  // each begun afresh, instead of the output ("": off).
  std::string split_dir;
  uint64_t seq_from = 0, seq_to = UINT64_MAX;  // data records by sequence number
  double speed = 0;  // pace rows at their recorded pace times this (0: off)
  double rate = 0;   // or at this many rows a second (0: off)
  // As tick-pub serves a journal: its bookkeeping (publishers' progress,
  // records of a newer minor version) stays behind.
  bool served = false;
  // Records whose CRCs were checked already (a live journal up to the end
  // its tick-log published: written or checked by it): not checked again.
  bool trusted = false;
};

class Copier {
 public:
  Copier(Output& out, const CopyOptions& o);
  // Copies one input to the output. A corrupt region or a record that
  // contradicts the stream throws Error "NAME:OFFSET: reason", unless
  // skip_bad: then it is reported on stderr and the copy goes on after it.
  // max_record: refuse records with a larger payload before reading them
  // (for connections; 0: the format's limit).
  void copy(Input& in, size_t max_record = 0) { copy(in, max_record, nullptr); }
  // The same, going on in the context of dec (the stream's context read or
  // fed before: a reader that starts inside a journal).
  void copy(Input& in, size_t max_record, Decoder* dec);

  // Copies records already in memory (whole records, made by this process,
  // so not checked again); one context runs across calls.
  void feed(const uint8_t* p, size_t n, const std::string& name) { feed(p, n, name, fed_dec_); }
  void feed(const uint8_t* p, size_t n, const std::string& name, Decoder& dec);
  // Data records before this sequence number are passed over (0: none).
  void set_seq_from(uint64_t seq) { opt_.seq_from = seq; }
  void set_trusted(bool t) { opt_.trusted = t; }
  // After the last input: the output is flushed; a table asked for (-t) that
  // no input had, when the inputs had tables, is an error naming the
  // tables there are; a sym asked for (-s) that no dictionary had is a
  // warning.
  void finish();
  // CSV continuing one begun by another copier: no header of its own.
  void continue_csv() { text_.continue_csv(); }
  // Problems reported in skip mode.
  uint64_t problems() const { return problems_; }
  uint64_t rows() const { return rows_; }
  // Sees every record after it is applied (protocol messages too); returns
  // false to end the copy of the current input there.
  using Observer = std::function<bool(const Record&, Decoder::Kind, const Decoder&)>;
  void set_observer(Observer f) { observer_ = std::move(f); }
  // From an observer: end the copy once the current record is written.
  void stop_after() { stop_after_ = true; }
  // An end-of-day record was read in the current input.
  bool saw_eod() const { return saw_eod_; }
  void flush();
  ~Copier();
  // The input is quiet: what is held goes out, and, when there was
  // nothing to write, whether the reader is still there is asked (a write
  // would have failed on a reader gone): `| head` ends a follower.
  void idle();

 private:
  // Refuses (throws) or, with skip_bad, reports and counts.
  void problem(const std::string& name, const Damage& d);
  // One record, read from name; false to end the copy of this input.
  bool handle(const Record& r, Decoder& dec, const std::string& name);
  void pace(const DataView& v, const uint32_t* sel, uint32_t n);
  // Whole records passed through: runs of them are written in one call
  // straight from the input's mapping or buffer.
  void pass(const Record& r);
  void flush_span();
  const uint8_t* span_ = nullptr;
  size_t span_len_ = 0;
  Output& out_;
  CopyOptions opt_;
  Filter filter_;
  TextWriter text_;
  kdb::JournalWriter kdb_;
  // --split: a file and a writer per table.
  struct Split;
  std::map<std::string, std::unique_ptr<Split>> split_;
  TextWriter& text_for(const Table& t);
  std::vector<uint32_t> sel_;
  uint64_t problems_ = 0, rows_ = 0, paced_rows_ = 0;
  int64_t pace_data0_ = INT64_MIN, pace_wall0_ = 0;
  bool saw_eod_ = false;
  Decoder fed_dec_;
  uint64_t fed_ = 0;
  Observer observer_;
  bool stop_after_ = false;
};

// An encoder's tick stream shown as text (tick-cat -e -f json, tick-kafka
// consume -f csv): its whole records read back through a Copier.
class ShownText {
 public:
  ShownText(Output& out, const CopyOptions& o, std::string name)
      : decoder_(out, o), name_(std::move(name)),
        encoded_([this](const uint8_t* p, size_t n) { decoder_.feed(p, n, name_); }) {}
  // Where the encoder writes.
  Output& input() { return encoded_; }
  void flush() {
    encoded_.flush();
    decoder_.flush();
  }

 private:
  Copier decoder_;
  std::string name_;
  Output encoded_;
};

}  // namespace tick
