// Writing a tick stream: rows gathered by column into a TableBatch, records
// framed and checksummed straight into an Output buffer.
#pragma once
#include <cstdint>
#include <cstring>
#include <functional>
#include <string_view>
#include <vector>

#include "tick/base/io.h"
#include "tick/stream/format.h"
#include "tick/stream/reader.h"
#include "tick/stream/schema.h"
#include "tick/stream/symbols.h"

namespace tick {

// Rows of one table, by column, built one row at a time.
class TableBatch {
 public:
  explicit TableBatch(const Table& t);
  const Table& table() const { return *table_; }
  uint32_t rows() const { return rows_; }
  bool empty() const { return rows_ == 0; }

  // A row is begun, its columns set in any order, then ended (unset columns
  // become null) or aborted (nothing of it stays).
  void begin_row();
  template <class T>
  void set(int col, T v) {
    std::memcpy(cols_[col].data.data() + size_t{rows_} * sizeof(T), &v, sizeof(T));
    set_[col] = 1;
  }
  void set_string(int col, std::string_view s);
  // A fixed-width value from raw bytes (the column's width of them).
  void set_bytes(int col, const uint8_t* p) {
    std::memcpy(cols_[col].data.data() + size_t{rows_} * cols_[col].width, p, cols_[col].width);
    set_[col] = 1;
  }
  // Reading back a row already ended: a fixed-width cell's bytes, a string.
  const uint8_t* cell(int col, uint32_t row) const { return cols_[col].data.data() + size_t{row} * cols_[col].width; }
  std::string_view string_at(int col, uint32_t row) const {
    const auto& c = cols_[col];
    uint32_t a = load32(c.data.data() + 4 * size_t{row}), b = load32(c.data.data() + 4 * (size_t{row} + 1));
    return {reinterpret_cast<const char*>(c.heap.data()) + a, b - a};
  }
  bool is_set(int col) const { return set_[col] != 0; }
  void end_row();
  void abort_row();
  // Drops the rows from row n on.
  void truncate(uint32_t n);
  // Appends row `row` of a view of the same table.
  void append(const DataView& v, uint32_t row);
  // The same, with symbol ids translated through map (another dictionary).
  void append(const DataView& v, uint32_t row, const std::vector<uint32_t>& map);

  // Translates every symbol column's ids through map (to another dictionary).
  void remap_symbols(const std::vector<uint32_t>& map);
  // The id given to unset symbol columns (the writer's id of "").
  uint32_t null_sym = 0;

  size_t payload_size() const;
  void encode(uint8_t* out, uint64_t seq) const;
  void clear();

 private:
  struct Col {
    Type type;
    int width;
    std::vector<uint8_t> data;      // fixed width values, or string offsets
    std::vector<uint8_t> heap;      // string bytes
  };
  void set_null(int col);
  const Table* table_;
  std::vector<Col> cols_;
  std::vector<uint8_t> set_;
  uint32_t rows_ = 0, cap_ = 0;
};

// The batch as one data record of table id `table` (throws Error if it
// is over the record size limit).
void write_batch(Output& out, uint16_t table, const TableBatch& b, uint64_t seq = 0);
// Frames one record into out.
void write_record(Output& out, RecordType type, uint16_t table, const uint8_t* payload,
                  uint32_t len);
void write_stream_header(Output& out, int32_t date = kNoDate);
void write_schema(Output& out, uint16_t id, const Table& t);
// Symbols [first, syms.size()) as one Symbols record (none if empty).
void write_symbols(Output& out, const SymbolTable& syms, uint32_t first);
// A stream's whole context: its header (dated), every table's schema, the
// whole dictionary. What a reader joining mid-stream, or a new file, needs.
void write_context(Output& out, int32_t date, const std::vector<Table>& tables, const SymbolTable& syms);
// The context a decoder has read so far.
inline void write_context(Output& out, const Decoder& d) {
  write_context(out, d.stream_date(), d.tables(), d.syms());
}
void write_eod(Output& out, int32_t date, uint64_t seq);
void write_heartbeat(Output& out, int64_t time, uint64_t seq);
// A data record holding the selected rows of a view (same ids, same context).
void write_subset(Output& out, const DataView& v, const uint32_t* rows, uint32_t n);

// The bytes f writes, as one buffer (for small messages).
std::vector<uint8_t> framed(const std::function<void(Output&)>& f);

// A stream of our own making: header, schemas, the dictionary as it grows.
class StreamWriter {
 public:
  explicit StreamWriter(Output& out) : out_(out) {}
  void begin(const Schema& s);
  SymbolTable& syms() { return syms_; }
  // Writes the batch as one data record (new symbols first).
  void data(uint16_t table, const TableBatch& b, uint64_t seq = 0);
  void eod(int32_t date, uint64_t seq = 0);
  Output& out() { return out_; }

 private:
  Output& out_;
  SymbolTable syms_;
  uint32_t syms_written_ = 0;
};

}  // namespace tick
