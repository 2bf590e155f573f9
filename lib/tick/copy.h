// The loop at the heart of tick-cat, tick-replay and tick-sub: read records,
// keep the stream's context, filter, and write them as tick or as text.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "tick/filter.h"
#include "tick/io.h"
#include "tick/reader.h"
#include "tick/text_out.h"

namespace tick {

struct CopyOptions {
  Format format = Format::tick;
  FilterSpec filter;
  bool skip_bad = false;         // resync past corrupt regions instead of stopping
  bool csv_table_column = true;  // false when one table is asked for
};

class Copier {
 public:
  Copier(Output& out, const CopyOptions& o);
  // Copies one input to the output. A corrupt region or a record that
  // contradicts the stream throws Error "NAME:OFFSET: reason", unless
  // skip_bad: then it is reported on stderr and the copy goes on after it.
  void copy(Input& in);
  // Problems reported in skip mode.
  uint64_t problems() const { return problems_; }
  uint64_t rows() const { return rows_; }
  void flush() { out_.flush(); }

 private:
  void problem(Input& in, uint64_t offset, const std::string& why, RecordReader* rr);
  Output& out_;
  CopyOptions opt_;
  Filter filter_;
  TextWriter text_;
  std::vector<uint32_t> sel_;
  uint64_t problems_ = 0, rows_ = 0;
};

}  // namespace tick
