#include "tick/schema.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "tick/error.h"

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

// kdb+ cast names and type characters accepted in sym.q column definitions.
std::optional<Type> q_type(std::string_view t) {
  if (t.empty()) return Type::symbol;  // `$() is a symbol column
  if (t.size() == 1) {
    switch (t[0]) {
      case 'b': return Type::boolean;
      case 'x': return Type::byte;
      case 'h': return Type::short_;
      case 'i': return Type::int_;
      case 'j': return Type::long_;
      case 'e': return Type::real;
      case 'f': return Type::float_;
      case 'c': return Type::char_;
      case 's': return Type::symbol;
      case 'p': return Type::timestamp;
      case 'n': return Type::timespan;
      case 'd': return Type::date;
    }
    return std::nullopt;
  }
  return type_from_name(t);
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
  if (tt != Type::timestamp && tt != Type::timespan)
    return str("table ", name, ": time must be timestamp or timespan, not ", type_name(tt));
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

// trade:([]time:`timespan$();sym:`g#`symbol$();price:`float$();size:`int$())
Schema parse_symq(std::string_view text, const std::string& origin) {
  Schema s;
  for_lines(text, [&](int n, std::string_view line) {
    line = trim(line);
    if (line.empty() || line[0] == '/') return;  // q comment
    if (size_t c = line.find(" /"); c != std::string_view::npos) line = trim(line.substr(0, c));
    if (!line.empty() && line.back() == ';') line.remove_suffix(1);
    auto bad = [&](std::string_view why) {
      fail(origin, ":", n, ": not a plain table definition (", why, ")");
    };
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) bad("expected name:([] ...)");
    Table t;
    t.name = std::string(trim(line.substr(0, colon)));
    std::string_view rest = trim(line.substr(colon + 1));
    if (rest.substr(0, 2) != "([") bad("expected ([] after the name");
    size_t close = rest.find(']');
    if (close == std::string_view::npos || trim(rest.substr(2, close - 2)) != "")
      bad("keyed tables are not supported");
    rest = trim(rest.substr(close + 1));
    if (rest.empty() || rest.back() != ')') bad("missing closing parenthesis");
    rest.remove_suffix(1);
    while (!trim(rest).empty()) {
      // name:CAST() where CAST is `type$, `g#`type$, "c"$ or empty (a string column).
      size_t semi = 0;
      int depth = 0;
      for (; semi < rest.size(); semi++) {
        if (rest[semi] == '(') depth++;
        if (rest[semi] == ')') depth--;
        if (rest[semi] == ';' && depth == 0) break;
      }
      std::string_view def = trim(rest.substr(0, semi));
      rest = semi < rest.size() ? rest.substr(semi + 1) : std::string_view{};
      size_t c = def.find(':');
      if (c == std::string_view::npos) bad(str("column '", def, "' has no definition"));
      std::string name(trim(def.substr(0, c)));
      std::string_view cast = trim(def.substr(c + 1));
      if (cast.size() < 2 || cast.substr(cast.size() - 2) != "()")
        bad(str("column ", name, " is not an empty typed list"));
      cast.remove_suffix(2);
      cast = trim(cast);
      Type ty;
      if (cast.empty()) {
        ty = Type::string;  // () : a general list, in practice strings
      } else {
        if (cast.back() != '$') bad(str("column ", name, ": expected a cast like `float$()"));
        cast.remove_suffix(1);
        // drop attributes: `g# `s# `u# `p#
        while (cast.size() >= 3 && cast[0] == '`' && cast[2] == '#') cast.remove_prefix(3);
        std::string_view tname;
        if (!cast.empty() && cast[0] == '`') {
          tname = cast.substr(1);
        } else if (cast.size() == 3 && cast[0] == '"' && cast[2] == '"') {
          tname = cast.substr(1, 1);
        } else {
          bad(str("column ", name, ": unrecognised cast '", cast, "'"));
        }
        auto q = q_type(tname);
        if (!q) fail(origin, ":", n, ": column ", name, ": unsupported type '", tname, "'");
        ty = *q;
      }
      t.columns.push_back({name, ty});
    }
    if (std::string e = s.add(std::move(t)); !e.empty()) fail(origin, ":", n, ": ", e);
  });
  if (s.tables.empty()) fail(origin, ": no tables defined");
  return s;
}

Schema load_schema(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) fail(path, ": cannot open schema: ", std::strerror(errno));
  std::stringstream ss;
  ss << f.rdbuf();
  std::string text = ss.str();
  bool symq = (path.size() > 2 && path.substr(path.size() - 2) == ".q") ||
              text.find(":([") != std::string::npos;
  return symq ? parse_symq(text, path) : parse_schema(text, path);
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
