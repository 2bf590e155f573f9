// The live state of a stream, as a last-value cache keeps it: each table's
// last row per sym, and its last `keep` rows per sym, as the JSON objects
// tick-cat -f json writes. Tables and syms are kept by name, so the state
// goes on across stream headers (a tick-sub reconnect, a new day). Memory
// is bounded by tables x syms x keep rows. For tick-ws's snapshots and
// history, and anything else that serves "the latest".
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tick/base/io.h"
#include "tick/stream/reader.h"
#include "tick/text/out.h"

namespace tick {

class LiveState {
 public:
  explicit LiveState(size_t keep = 100);
  ~LiveState();

  // Takes the rows of the decoder's current data record. rows() are
  // they, in the order they came (valid until the next take()).
  struct Row {
    std::string_view sym, json;
    uint32_t sym_index = 0;  // the sym's number in its table, from 0 as they came (stable)
  };
  void take(const Decoder& d);
  const std::vector<Row>& rows() const { return rows_; }
  const std::string& rows_table() const { return rows_table_; }

  // What follows hands out views of the kept rows: valid until the next
  // take().
  // The tables seen, in the order they first had rows.
  std::vector<std::string> tables() const;
  bool has_table(std::string_view table) const { return find(table) != nullptr; }
  // The last row of each of syms (every sym when empty; in the order the
  // syms first came), appended to out; syms with no row are left out.
  void last(std::string_view table, const std::vector<std::string>& syms, std::vector<std::string_view>& out) const;
  // A table's syms, in the order they came, appended to out.
  void syms(std::string_view table, std::vector<std::string_view>& out) const;
  // Up to n of a sym's most recent rows, oldest first, appended to out.
  void recent(std::string_view table, std::string_view sym, size_t n, std::vector<std::string_view>& out) const;
  size_t keep() const { return keep_; }

 private:
  struct Sym {
    std::string name;
    std::vector<std::string> ring;  // keep slots, reused: no allocation once warm
    size_t next = 0, count = 0;
    std::string_view newest() const { return ring[(next + ring.size() - 1) % ring.size()]; }
  };
  struct Table {
    std::string name;
    std::unordered_map<std::string, size_t> index;  // sym -> syms[...]
    std::vector<Sym> syms;
    // The decoder's symbol ids -> syms[...] (-1: not looked up yet), for
    // the decoder generation gen: a row's sym found without its name.
    std::vector<int32_t> by_id;
    uint64_t gen = UINT64_MAX;
  };
  const Table* find(std::string_view name) const;
  Table& table(std::string_view name);

  size_t keep_;
  std::vector<std::unique_ptr<Table>> tables_;
  std::string text_;  // the current record's rows as JSON lines
  Output sink_;
  TextWriter json_;
  std::vector<Row> rows_;
  std::string rows_table_;
  size_t last_table_ = 0;
};

}  // namespace tick
