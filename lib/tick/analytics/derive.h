// A stream passed through with a table of our own added (tick-agg): the
// input's records as they are, our table declared in each context at the
// next free id when its first rows go out, and the input's tables declared
// after it moved one id up (their records re-framed). With only, the
// input's tables and rows are left out: its headers, dictionary, ends of
// day and heartbeats stay, so the derived rows use the input's symbol ids.
#pragma once
#include "tick/base/io.h"
#include "tick/stream/reader.h"
#include "tick/stream/schema.h"
#include "tick/stream/writer.h"

namespace tick {

class DerivedStream {
 public:
  DerivedStream(Output& out, bool only) : out_(out), only_(only) {}
  // A record of the input, applied by d.
  void pass(const Record& r, Decoder::Kind k, const Decoder& d);
  // Rows of our table t (the input's symbol ids), in d's context.
  void emit(const Table& t, const TableBatch& b, const Decoder& d);

 private:
  Output& out_;
  bool only_;
  int id_ = -1;  // our table's id in this context (-1: not declared yet)
};

}  // namespace tick
