// Row filters shared by every tool where rows flow: tables, syms, a time
// window. Names are resolved to integer ids as the stream defines them, so a
// sym filter compares integers and an unwanted table is skipped unread.
#pragma once
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "tick/stream/reader.h"

namespace tick {

struct FilterSpec {
  std::vector<std::string> tables;
  std::vector<std::string> syms;
  std::string from, to;  // ISO-8601, or HH:MM[:SS[.f]] on the row's date; inclusive
};

// Splits "a,b,c" into names (empty parts dropped).
std::vector<std::string> split_list(const std::string& s);

class Filter {
 public:
  Filter() = default;
  // Throws UsageError for a malformed time.
  explicit Filter(const FilterSpec& spec);
  // Call after each header, schema or symbol record.
  void update(const Decoder& d);
  // The next update() starts from a new decoder's context (ids resolved
  // again), whatever its generation.
  void rebind() { context_.rebind(); }
  bool want_table(uint16_t id) const { return id < tables_.size() && tables_[id]; }
  bool by_rows() const { return !syms_.empty() || from_ || to_; }
  bool by_time() const { return from_ || to_; }
  // The row time values [first, second] (inclusive) that pass the time
  // window, for rows that are timespans, or timestamps all on UTC day
  // `day`; nullopt when that cannot be said (a time-of-day bound on
  // timestamps of no single day).
  std::optional<std::pair<int64_t, int64_t>> window(bool timespan, std::optional<int32_t> day) const;
  // Named tables and syms that no context read so far had, in the order
  // asked; and every table name seen (sorted).
  std::vector<std::string> missing_tables() const;
  std::vector<std::string> missing_syms() const;
  const std::set<std::string>& tables_seen() const { return tables_seen_; }
  // Rows of the current data record that pass; sel holds their indexes.
  uint32_t select(const DataView& v, std::vector<uint32_t>& sel) const;

 private:
  struct Bound {
    int64_t ns;
    bool time_of_day;
  };
  bool pass_time(int64_t t, bool timespan) const;
  std::unordered_set<std::string> table_names_, sym_names_;
  std::optional<Bound> from_, to_;
  std::vector<uint8_t> tables_, syms_;
  ContextFollower context_;
  std::vector<std::string> asked_tables_, asked_syms_;
  std::set<std::string> tables_seen_, syms_seen_;
};

}  // namespace tick
