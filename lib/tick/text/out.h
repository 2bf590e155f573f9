// Rows as text: JSON lines, CSV, and an aligned table for terminals.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tick/base/io.h"
#include "tick/stream/reader.h"

namespace tick {

// kdb: a kdb+ tick journal (tick.q's log), written by the copier.
enum class Format { tick, json, csv, table, kdb };
// How times are written: ISO-8601 (2026-11-23T14:30:00.123456789Z,
// 14:30:00.123456789) or as q shows them (2026.11.23D14:30:00.123456789,
// 0D14:30:00.123456789, 2026.11.23).
enum class TimeFormat { iso, q };
std::optional<Format> format_from_name(std::string_view s);
const char* format_name(Format f);

// A finite double as std::to_chars(x) writes it (the shortest text that
// reads back as x; fixed unless scientific is shorter), at least 32 bytes
// at out; the end. Decimals of up to 8 places (prices) without Ryu.
char* format_double(char* out, double x);

class TextWriter {
 public:
  // csv_table_column: table rows start with the table name (several tables in
  // one output); otherwise a header names just the columns.
  //
  // CSV is one header, then rows, as pandas, DuckDB and q's 0: load it.
  // With csv_table_column (no table chosen) every table goes in it: a
  // "table" column, then the union of the tables' columns (a row is empty
  // in those its table lacks); a table declared later with columns the
  // header lacks extends it (a header line again: tick-cat -e reads that).
  // With one table chosen: its columns, and rows of another are refused.
  TextWriter(Output& out, Format f, bool csv_table_column = true, TimeFormat tf = TimeFormat::iso);
  // Writes rows sel[0..n) of the decoder's current data record (all rows
  // 0..n when sel is null).
  void rows(const Decoder& d, const uint32_t* sel, uint32_t n);
  void eod(int32_t date, uint64_t seq);
  // CSV continuing one begun elsewhere: no header line of its own.
  void continue_csv() { csv_header_ = false; }
  // At each schema record: CSV's header as soon as its one table is
  // declared (chosen, or the only one when csv_table_column is off), so an
  // answer with no rows, or a quiet stream, still has it.
  void schema(const Decoder& d, std::string_view chosen);

 private:
  struct Layout {
    uint64_t generation = 0;
    int table = -1;
    std::vector<std::string> keys;  // JSON: `{"table":"t","col":` / `,"col":`
    std::vector<int> widths;        // table format
    std::vector<int> to_union;      // CSV of every table: its column of each union column, -1 for none
  };
  Layout& layout(const Decoder& d);
  void header(const Decoder& d, const Layout& l);
  void csv_check(const Decoder& d);
  void json_row(const DataView& v, const SymbolTable& s, const Layout& l, uint32_t r);
  void csv_row(const DataView& v, const SymbolTable& s, uint32_t r);
  void union_map(const Table& t, Layout& l);
  std::string union_header() const;
  void csv_union_row(const DataView& v, const SymbolTable& s, const std::vector<int>& m, uint32_t r);
  void table_row(const DataView& v, const SymbolTable& s, const Layout& l, uint32_t r);
  // Writes one value as text; returns false for null. quote: JSON quoting.
  void value(const DataView& v, const SymbolTable& s, int c, uint32_t r, Format f);

  Output& out_;
  Format fmt_;
  bool csv_table_col_;
  bool q_times_;
  std::vector<Layout> layouts_;
  uint64_t last_gen_ = 0;
  int last_table_ = -1;
  uint64_t header_sig_ = 0;  // the table of the last header printed
  uint64_t rows_since_header_ = 0;
  bool csv_header_ = true;
  // CSV of every table (csv_table_column): the union of their columns.
  std::vector<std::string> union_;
};

// A CSV header line: the table's column names, comma-separated, "\n".
std::string csv_header(const Table& t);

// JSON string body escaping (no quotes), appended to out.
void json_escape(Output& out, std::string_view s);
void json_escape(std::string& out, std::string_view s);

}  // namespace tick
