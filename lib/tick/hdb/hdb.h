// The historical database on disk (tick-hdb.5): DIR/YYYY-MM-DD/ partitions,
// each with a sorted symbol dictionary, and per table a .d (columns, rows,
// compression), a .index (each sym's row range) and one file per column.
// Plain column files are little-endian arrays usable in place; compressed
// ones are zstd frames of kBlockBytes each, indexed by a trailer, so a
// reader of a row range decompresses only the blocks that hold it.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tick/stream/schema.h"

namespace tick::hdb {

constexpr uint32_t kBlockBytes = 64 << 10;  // uncompressed bytes per zstd block
constexpr int kFormatVersion = 1;

// "zstd", "zstd:LEVEL" or "none" -> zstd level, 0 for none. Throws UsageError.
int parse_compress(const std::string& s);
std::string compress_name(int level);

std::string partition_path(const std::string& hdb, int32_t date);
// A q HDB's partition: DIR/yyyy.mm.dd.
std::string kdb_partition_path(const std::string& hdb, int32_t date);
// Dates of the partitions in hdb (directories named YYYY-MM-DD), ascending.
std::vector<int32_t> partition_dates(const std::string& hdb);

struct TableMeta {
  Table table;
  uint64_t rows = 0;
  int level = 0;  // zstd level of the column files; 0: plain
};

// A partition's metadata: its tables in stream order, its dictionary
// (sorted, so sym ids order as names do).
struct PartitionMeta {
  int32_t date = 0;
  std::vector<std::string> tables;
};

// The text forms, written and read back. Readers name file and line.
std::string format_partition_meta(const PartitionMeta& m);
PartitionMeta read_partition_meta(const std::string& part);
std::string format_table_meta(const TableMeta& m);
TableMeta read_table_meta(const std::string& table_dir);

// The sym file: "TKSYM001", u32 count, then count times (u16 length, bytes).
std::string encode_syms(const std::vector<std::string_view>& names);
std::vector<std::string> read_syms(const std::string& part);

// The .index file: u64 start row of each sym id, then the row count:
// sym id s has rows [start[s], start[s+1]).
std::vector<uint64_t> read_index(const std::string& table_dir, size_t nsyms, uint64_t rows);

// A column file opened for reading byte ranges of its (uncompressed) content.
class ColumnFile {
 public:
  ColumnFile(const std::string& path, int level, uint64_t size);
  ~ColumnFile();
  ColumnFile(const ColumnFile&) = delete;
  ColumnFile& operator=(const ColumnFile&) = delete;
  // Bytes [a, b) of the content; valid until the next call.
  const uint8_t* read(uint64_t a, uint64_t b);
  uint64_t size() const { return size_; }
  // Bytes on disk.
  uint64_t stored() const { return map_len_; }

 private:
  std::string path_;
  uint64_t size_;
  bool compressed_;
  const uint8_t* map_ = nullptr;
  size_t map_len_ = 0;
  std::vector<uint64_t> offsets_;  // compressed: frame starts, and the end
  std::vector<uint8_t> buf_;      // decompressed blocks [buf_first_, buf_last_)
  uint64_t buf_first_ = 0, buf_last_ = 0;
  void* dctx_ = nullptr;
};

// Compresses the plain column file src into dst in kBlockBytes frames with
// the block trailer; returns the bytes written.
uint64_t compress_column(const std::string& src, const std::string& dst, int level);

}  // namespace tick::hdb
