// Tables and their columns, and the two schema-file dialects: the native one
// ("trade time:timestamp sym:symbol price:float size:long") and a kdb+ sym.q of
// plain table definitions.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "tick/stream/types.h"

namespace tick {

struct Column {
  std::string name;
  Type type;
};

struct Table {
  std::string name;
  std::vector<Column> columns;
  int time_col = -1;  // index of "time" (timestamp or timespan)
  int sym_col = -1;   // index of "sym" (symbol)

  int find(std::string_view column) const;
  bool same_columns(const Table& o) const;
  // Sets time_col/sym_col; returns an error message, empty when valid.
  std::string check();
};

struct Schema {
  std::vector<Table> tables;
  // What a sym.q held besides tables, skipped: "line 3 (\\d .u)".
  std::vector<std::string> notes;

  const Table* find(std::string_view name) const;
  int index(std::string_view name) const;
  // Adds a checked table; returns an error message, empty when added.
  std::string add(Table t);
};

// Loads a schema file; sym.q is recognised by a ".q" name or by a
// "name:([]" definition. Errors name the file and line.
Schema load_schema(const std::string& path);
Schema parse_schema(std::string_view text, const std::string& origin);
// The sym.q dialects: see symq.cpp.
Schema parse_symq(std::string_view text, const std::string& origin);
bool looks_like_symq(const std::string& path, std::string_view text);
// The native text form of a schema, one table a line.
std::string format_schema(const Schema& s);

}  // namespace tick
