// Text to tick stream: JSON lines (simdjson) and CSV, with rows stamped at
// arrival when they carry no time, and bad lines failed or set aside.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tick/base/clock.h"
#include "tick/base/io.h"
#include "tick/stream/schema.h"
#include "tick/stream/writer.h"

namespace tick {

// A column filled from somewhere else than its own top-level field (--map
// COL=FIELD): a JSON path, or the metadata of the message that brought it.
struct FieldMap {
  enum class Meta { none, key, topic, partition, offset, timestamp, header };
  std::string column;
  std::string pointer;  // a JSON pointer (/px/last), for Meta::none
  Meta meta = Meta::none;
  std::string header;   // for Meta::header
  // "COL=px.last", "COL=/px/last", "COL=@key", "COL=@header:NAME"; throws UsageError.
  static FieldMap parse(const std::string& spec);
};

// What a message brings besides its bytes (a Kafka message's metadata).
struct MessageMeta {
  int table = -1;              // its table (by its topic), or -1: -t or the "table" field
  int64_t time = INT64_MIN;    // for rows with no time; INT64_MIN: the arrival time
  std::string_view key, topic;
  int32_t partition = -1;
  int64_t offset = -1;
  int64_t timestamp = INT64_MIN;  // ns since the epoch
  // A header's value by name; false when the message has none.
  bool (*header)(const void* ctx, std::string_view name, std::string_view& value) = nullptr;
  const void* ctx = nullptr;
};

struct EncodeOptions {
  enum class In { json, csv } in = In::json;
  std::string table;  // every row's table (-t); else the row's "table" field
  TimeUnit unit = TimeUnit::ns;  // of epoch numbers in time columns
  bool skip_errors = false;      // --on-error skip
  std::string rejects;           // file for rejected lines ("" = stderr)
  uint32_t batch_rows = 4096;    // rows per data record at most
  bool ignore_unknown = false;   // fields not in the schema are ignored
  std::vector<FieldMap> maps;    // with any: every column by its path (others ignored)
  // Flat objects read by the fast path (flat.cpp); off, every row by
  // simdjson: the same rows and errors (the tests compare the two).
  bool flat = true;
};

class Encoder {
 public:
  Encoder(const Schema& s, Output& out, EncodeOptions o);
  ~Encoder();
  // Encodes one input. In fail mode a bad line throws Error
  // "NAME:LINE: reason" after everything before it is written.
  void encode(Input& in);
  // One message: a JSON object (a row) or an array of them (rows), not
  // padded; false when rejected (none of its rows kept), error() saying why.
  bool message(const char* p, size_t len, const MessageMeta& meta);
  // Messages in order, as message() on each: a message's bytes and meta.
  // With many, the second half is read on another thread and its rows
  // written after the first half's. answers[i]: "" when message i was
  // taken, else why not. stop_at_error: the first refused message ends
  // it (no row of a later one is kept). Returns how many were looked at
  // (n, or the refused one's index + 1).
  struct Msg {
    const char* p;
    size_t len;
    MessageMeta meta;
  };
  size_t messages(const Msg* msgs, size_t n, bool stop_at_error, std::vector<std::string>& answers);
  const std::string& error() const;
  // The schema's index of a table, or -1.
  int table_index(std::string_view name) const;
  // Arrival times are read again from the clock for the rows that follow.
  void new_arrival();
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
  // The worker's batches and symbols after the first thread's rows.
  void take_worker_rows();
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<Worker> worker_;
  uint64_t rows_ = 0, rejected_ = 0;
};

}  // namespace tick
