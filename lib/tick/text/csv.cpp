// CSV (RFC 4180): a record split into fields, beside the header and its
// mapping of fields to each table's columns, and the record into a row.
#include "tick/text/in_impl.h"

namespace tick {

const char* csv_record_end(const char* d, const char* nl, const char* end) {
  size_t q = 0;
  for (const char* c = d; c < nl; c++) q += *c == '"';
  while (nl && (q & 1)) {
    const char* next = static_cast<const char*>(std::memchr(nl + 1, '\n', static_cast<size_t>(end - nl - 1)));
    for (const char* c = nl; c < (next ? next : end); c++) q += *c == '"';
    nl = next;
  }
  return nl;
}

// Splits one CSV record into fields (RFC 4180 quoting); false if malformed.
bool Encoder::Impl::split_csv(std::string_view line) {
  fields.clear();
  size_t nq = 0;
  size_t i = 0;
  while (true) {
    if (i < line.size() && line[i] == '"') {
      if (unquoted.size() <= nq) unquoted.emplace_back();
      std::string& u = unquoted[nq++];
      u.clear();
      i++;
      while (true) {
        if (i >= line.size()) return bad("unterminated quoted field");
        char ch = line[i++];
        if (ch == '"') {
          if (i < line.size() && line[i] == '"') {
            u.push_back('"');
            i++;
          } else {
            break;
          }
        } else {
          u.push_back(ch);
        }
      }
      fields.push_back(u);
      if (i < line.size() && line[i] != ',') return bad("text after a closing quote");
    } else {
      size_t e = line.find(',', i);
      if (e == std::string_view::npos) e = line.size();
      fields.push_back(line.substr(i, e - i));
      i = e;
    }
    if (i >= line.size()) return true;
    i++;  // the comma
    if (i == line.size()) {
      fields.push_back({});
      return true;
    }
  }
}

bool Encoder::Impl::csv_header() {
  header.assign(fields.begin(), fields.end());
  header_has_table = !header.empty() && header[0] == "table";
  if (!header_has_table && fixed_table < 0)
    return bad("CSV without a table column needs -t TABLE");
  csv_map.assign(schema.tables.size(), {});
  // Check the names against the table(s) now, so a typo fails at line 1.
  if (fixed_table >= 0) return csv_mapping(fixed_table);
  // Several tables in one CSV (as tick-cat -f csv writes them): the union
  // of their columns; a name no table has is a typo.
  for (size_t i = 1; i < header.size() && !opt.ignore_unknown; i++) {
    bool known = false;
    for (const auto& t : schema.tables) known = known || t.find(header[i]) >= 0;
    if (!known) return bad(str("unknown column '", header[i].substr(0, 64), "' (no table of the schema has it)"));
  }
  return true;
}

bool Encoder::Impl::csv_mapping(int tid) {
  const Table& t = schema.tables[tid];
  auto& m = csv_map[tid];
  m.assign(header.size(), -1);
  for (size_t i = header_has_table ? 1 : 0; i < header.size(); i++) {
    int c = t.find(header[i]);
    // (a table column: the union of several tables' columns, this one's
    // row empty in those it lacks)
    if (c < 0 && header_has_table && fixed_table < 0) c = -2;
    else if (c < 0 && !opt.ignore_unknown)
      return bad(str("unknown column '", header[i].substr(0, 64), "' for table ", t.name));
    for (size_t j = 0; j < i; j++)
      if (header[j] == header[i]) return bad(str("column ", header[i], " appears twice in the header"));
    m[i] = c;
  }
  return true;
}

// One CSV record; the first one is the header. false with err when rejected.
bool Encoder::Impl::csv_line(std::string_view line, uint64_t& rows, bool& is_header) {
  is_header = false;
  // A UTF-8 byte order mark before the header (spreadsheets write one) is
  // not part of its first column's name.
  if (header.empty() && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
  if (!split_csv(line)) return false;
  if (header.empty() || (header_has_table && fields[0] == "table")) {
    is_header = true;
    return csv_header();
  }
  if (fields.size() != header.size())
    return bad(str("expected ", header.size(), " fields, got ", fields.size()));
  int tid = fixed_table;
  if (header_has_table) {
    int named = table_by_name(fields[0]);
    if (named < 0) return bad(str("unknown table '", fields[0].substr(0, 64), "'"));
    if (tid >= 0 && named != tid) return bad(str("table ", fields[0], " does not match -t"));
    tid = named;
  }
  if (csv_map[tid].empty() && !csv_mapping(tid)) return false;
  const Table& t = schema.tables[tid];
  TableBatch& b = batch_for(tid);
  b.begin_row();
  const auto& m = csv_map[tid];
  for (size_t i = 0; i < fields.size(); i++) {
    int c = m[i];
    if (c == -2 && !fields[i].empty() && !opt.ignore_unknown) {
      b.abort_row();
      return bad(str("column ", header[i].substr(0, 64), " has a value, and table ", t.name, " has no such column"));
    }
    if (c < 0 || fields[i].empty()) continue;  // ignored column, another table's, or null
    if (!set_text(b, c, t.columns[c], fields[i])) {
      b.abort_row();
      return false;
    }
  }
  end_row(tid, rows);
  return true;
}

}  // namespace tick
