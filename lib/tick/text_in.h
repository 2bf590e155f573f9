// Text to tick stream: JSON lines (simdjson) and CSV, with rows stamped at
// arrival when they carry no time, and bad lines failed or set aside.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tick/clock.h"
#include "tick/io.h"
#include "tick/schema.h"
#include "tick/writer.h"

namespace tick {

struct EncodeOptions {
  enum class In { json, csv } in = In::json;
  std::string table;  // every row's table (-t); else the row's "table" field
  TimeUnit unit = TimeUnit::ns;  // of epoch numbers in time columns
  bool skip_errors = false;      // --on-error skip
  std::string rejects;           // file for rejected lines ("" = stderr)
  uint32_t batch_rows = 4096;    // rows per data record at most
  bool ignore_unknown = false;   // fields not in the schema are ignored
};

class Encoder {
 public:
  Encoder(const Schema& s, Output& out, EncodeOptions o);
  ~Encoder();
  // Encodes one input. In fail mode a bad line throws Error
  // "NAME:LINE: reason" after everything before it is written.
  void encode(Input& in);
  // Writes what is pending.
  void flush();
  uint64_t rows() const { return rows_; }
  uint64_t rejected() const { return rejected_; }

 private:
  struct Impl;
  struct Worker;
  // Encodes a window of complete JSON lines on two threads; false if it
  // cannot be split (then the caller goes line by line).
  bool encode_parallel(Input& in, uint64_t& line_no);
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<Worker> worker_;
  uint64_t rows_ = 0, rejected_ = 0;
};

}  // namespace tick
