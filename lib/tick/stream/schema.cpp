#include "tick/stream/schema.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "tick/base/diag.h"
#include "tick/base/error.h"

namespace tick {

namespace {

bool is_ident(std::string_view s) {
  if (s.empty() || s.size() > 255) return false;
  if (!(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Calls f(line_number, line) for each line, CRLF tolerated.
template <class F>
void for_lines(std::string_view text, F f) {
  int n = 0;
  while (!text.empty()) {
    size_t e = text.find('\n');
    std::string_view line = text.substr(0, e);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    f(++n, line);
    if (e == std::string_view::npos) break;
    text.remove_prefix(e + 1);
  }
}

}  // namespace

int Table::find(std::string_view column) const {
  for (size_t i = 0; i < columns.size(); i++)
    if (columns[i].name == column) return static_cast<int>(i);
  return -1;
}

bool Table::same_columns(const Table& o) const {
  if (columns.size() != o.columns.size()) return false;
  for (size_t i = 0; i < columns.size(); i++)
    if (columns[i].name != o.columns[i].name || columns[i].type != o.columns[i].type) return false;
  return true;
}

std::string Table::check() {
  if (!is_ident(name)) return str("bad table name '", name, "'");
  if (columns.empty()) return str("table ", name, " has no columns");
  if (columns.size() > 1024) return str("table ", name, " has more than 1024 columns");
  for (size_t i = 0; i < columns.size(); i++) {
    if (!is_ident(columns[i].name)) return str("bad column name '", columns[i].name, "'");
    for (size_t j = 0; j < i; j++)
      if (columns[j].name == columns[i].name)
        return str("table ", name, ": column '", columns[i].name, "' appears twice");
  }
  time_col = find("time");
  sym_col = find("sym");
  if (time_col < 0) return str("table ", name, " has no time column");
  if (sym_col < 0) return str("table ", name, " has no sym column");
  Type tt = columns[time_col].type;
  if (!time_column_type(tt))
    return str("table ", name, ": time must be timestamp, timespan, time, second or minute, not ", type_name(tt));
  if (columns[sym_col].type != Type::symbol)
    return str("table ", name, ": sym must be symbol, not ", type_name(columns[sym_col].type));
  return {};
}

const Table* Schema::find(std::string_view name) const {
  int i = index(name);
  return i < 0 ? nullptr : &tables[i];
}

int Schema::index(std::string_view name) const {
  for (size_t i = 0; i < tables.size(); i++)
    if (tables[i].name == name) return static_cast<int>(i);
  return -1;
}

std::string Schema::add(Table t) {
  if (std::string e = t.check(); !e.empty()) return e;
  if (index(t.name) >= 0) return str("table ", t.name, " is defined twice");
  tables.push_back(std::move(t));
  return {};
}

Schema parse_schema(std::string_view text, const std::string& origin) {
  Schema s;
  for_lines(text, [&](int n, std::string_view line) {
    if (size_t h = line.find('#'); h != std::string_view::npos) line = line.substr(0, h);
    line = trim(line);
    if (line.empty()) return;
    std::istringstream in{std::string(line)};
    Table t;
    in >> t.name;
    std::string col;
    while (in >> col) {
      size_t c = col.find(':');
      if (c == std::string::npos) fail(origin, ":", n, ": column '", col, "' needs a type (name:type)");
      auto ty = type_from_name(std::string_view(col).substr(c + 1));
      if (!ty)
        fail(origin, ":", n, ": unknown type '", col.substr(c + 1), "' (boolean byte short int long ",
             "real float char symbol timestamp timespan date string)");
      t.columns.push_back({col.substr(0, c), *ty});
    }
    if (std::string e = s.add(std::move(t)); !e.empty()) fail(origin, ":", n, ": ", e);
  });
  if (s.tables.empty()) fail(origin, ": no tables defined");
  return s;
}

bool looks_like_symq(const std::string& path, std::string_view text) {
  if (path.size() > 2 && path.substr(path.size() - 2) == ".q") return true;
  // name:([] ... or name:flip ..., white space aside; or a line of q's \d
  std::string squeezed;
  for (char c : text.substr(0, 1 << 20))
    if (c != ' ' && c != '\t') squeezed += c;
  return squeezed.find(":([") != std::string::npos || squeezed.find(":flip`") != std::string::npos ||
         squeezed.find("\n\\d") != std::string::npos || squeezed.rfind("\\d", 0) == 0;
}

Schema load_schema(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) fail(path, ": cannot open schema: ", std::strerror(errno));
  std::stringstream ss;
  ss << f.rdbuf();
  std::string text = ss.str();
  if (!looks_like_symq(path, text)) return parse_schema(text, path);
  Schema s = parse_symq(text, path);
  if (!s.notes.empty()) {
    std::string list;
    for (size_t i = 0; i < s.notes.size() && i < 5; i++) list += str(i ? ", " : "", s.notes[i]);
    if (s.notes.size() > 5) list += str(" and ", s.notes.size() - 5, " more");
    warn(str(path, ": note: skipped what defines no table: ", list));
  }
  return s;
}

std::string format_schema(const Schema& s) {
  std::string out;
  for (const auto& t : s.tables) {
    out += t.name;
    for (const auto& c : t.columns) out += str(" ", c.name, ":", type_name(c.type));
    out += '\n';
  }
  return out;
}

}  // namespace tick
