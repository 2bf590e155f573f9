#include "tick/hdb/kdb_read.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <memory>

#include "tick/base/clock.h"
#include "tick/base/error.h"
#include "tick/base/files.h"
#include "tick/base/signals.h"
#include "tick/base/units.h"
#include "tick/kdb/files.h"
#include "tick/kdb/object.h"
#include "tick/stream/format.h"
#include "tick/stream/symbols.h"
#include "tick/stream/writer.h"

namespace tick::hdb {

bool is_kdb_hdb(const std::string& hdb) {
  int fd = ::open(join_path(hdb, "sym").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  uint8_t b[3];
  bool q = ::read(fd, b, 3) == 3 && b[0] == 0xff && b[1] == 0x01 && b[2] == kdb::kSymbol;
  ::close(fd);
  return q;
}

namespace {

constexpr uint64_t kChunkRows = 16384;

// A column file mapped whole, its kind read from its header.
struct QColumn {
  std::string path;
  Type type = Type::long_;
  kdb::ColumnKind kind;
  const uint8_t* map = nullptr;
  size_t len = 0;
  const uint8_t* data() const { return map + kind.data; }
  ~QColumn() {
    if (map) ::munmap(const_cast<uint8_t*>(map), len);
  }
};

// The table directories of a partition, by name.
std::vector<std::string> table_names(const std::string& part) {
  std::vector<std::string> out;
  for (const auto& n : list_dir(part))
    if (!n.empty() && n[0] != '.' && is_directory(join_path(part, n))) out.push_back(n);
  std::sort(out.begin(), out.end());
  return out;
}

class QTable {
 public:
  QTable(const std::string& dir, const std::string& name) : dir_(dir) {
    table.name = name;
    std::vector<std::string> names = kdb::read_symbol_list(join_path(dir, ".d"));
    for (const auto& n : names) {
      auto c = std::make_unique<QColumn>();
      c->path = join_path(dir, n);
      int fd = ::open(c->path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) fail(c->path, ": ", std::strerror(errno), " (a column .d names)");
      struct stat st{};
      ::fstat(fd, &st);
      c->len = static_cast<size_t>(st.st_size);
      if (c->len) {
        // (the sym column is read whole, to find each sym's rows: its page
        // table filled at once rather than fault by fault)
        void* m = ::mmap(nullptr, c->len, PROT_READ, MAP_SHARED | (n == "sym" ? MAP_POPULATE : 0), fd, 0);
        if (m == MAP_FAILED) {
          ::close(fd);
          fail(c->path, ": mmap: ", std::strerror(errno));
        }
        c->map = static_cast<const uint8_t*>(m);
      }
      ::close(fd);
      c->kind = kdb::column_kind(c->map, c->len);
      if (c->kind.kind == kdb::ColumnKind::other) fail(c->path, ": ", c->kind.why, ": not read");
      if (c->kind.kind == kdb::ColumnKind::enumerated) {
        if (c->kind.domain != "sym")
          fail(c->path, ": enumerated against ", quoted(c->kind.domain), ", not the HDB's sym: not read");
        c->type = Type::symbol;
      } else {
        auto t = kdb::tick_type_of(c->kind.qtype);
        if (!t) fail(c->path, ": a ", kdb::type_name(c->kind.qtype), " column: not read");
        c->type = *t;
      }
      if (!cols.empty() && c->kind.count != rows)
        fail(c->path, ": ", c->kind.count, " values, but ", cols[0]->path, " has ", rows, " (a truncated column?)");
      rows = c->kind.count;
      table.columns.push_back({n, c->type});
      cols.push_back(std::move(c));
    }
    if (std::string e = table.check(); !e.empty()) fail(dir, ": ", e);
  }

  Table table;
  std::vector<std::unique_ptr<QColumn>> cols;
  uint64_t rows = 0;

  // The sym of row r (checked against the domain).
  int64_t sym_index(uint64_t r, size_t domain) const {
    const QColumn& c = *cols[table.sym_col];
    int64_t v;
    std::memcpy(&v, c.data() + 8 * r, 8);
    if (v < 0 || static_cast<uint64_t>(v) >= domain)
      fail(c.path, ": row ", r, ": index ", v, " past the sym file's ", domain, " names");
    return v;
  }
  int64_t time(uint64_t r) const {
    const QColumn& c = *cols[table.time_col];
    if (c.type == Type::timestamp) {
      int64_t v;
      std::memcpy(&v, c.data() + 8 * r, 8);
      return kdb::timestamp_from_q(v);  // (null stays null)
    }
    return time_ns(c.type, c.data() + size_t(type_width(c.type)) * r);
  }

 private:
  std::string dir_;
};

// The stream's dictionary, grown as the HDB's names are first used.
struct StreamSyms {
  const std::vector<std::string>& domain;
  std::vector<uint32_t> id;  // by domain index; UINT32_MAX: not yet
  SymbolTable syms;
  uint32_t written = 0;
  explicit StreamSyms(const std::vector<std::string>& d) : domain(d), id(d.size(), UINT32_MAX) {}
  uint32_t of(int64_t i) {
    uint32_t& s = id[static_cast<size_t>(i)];
    if (s == UINT32_MAX) s = syms.intern(domain[static_cast<size_t>(i)]);
    return s;
  }
  void flush(Output& out) {
    if (syms.size() > written) write_symbols(out, syms, written);
    written = syms.size();
  }
};

// Rows [a, b) of t as data records of table id.
void write_rows(Output& out, const QTable& t, uint16_t id, uint64_t a, uint64_t b, StreamSyms& ss) {
  std::vector<uint32_t> ids;
  while (a < b && !stop_requested()) {
    const uint64_t e = std::min(b, a + kChunkRows), n = e - a;
    // Symbols first: the record refers to them.
    ids.clear();
    for (const auto& c : t.cols) {
      if (c->type != Type::symbol) continue;
      for (uint64_t r = a; r < e; r++) {
        int64_t v;
        std::memcpy(&v, c->data() + 8 * r, 8);
        if (v < 0 || static_cast<uint64_t>(v) >= ss.domain.size())
          fail(c->path, ": row ", r, ": index ", v, " past the sym file's ", ss.domain.size(), " names");
        ids.push_back(ss.of(v));
      }
    }
    ss.flush(out);
    size_t len = kDataPrefix;
    for (const auto& c : t.cols) len += pad8(n * size_t(type_width(c->type)));
    uint8_t* rec = out.reserve(kHeaderSize + len);
    uint8_t* q = rec + kHeaderSize;
    uint8_t* p = put_data_prefix(q, static_cast<uint32_t>(n), 0);
    size_t next_id = 0;
    for (const auto& c : t.cols) {
      const size_t w = size_t(type_width(c->type));
      if (c->type == Type::symbol) {
        std::memcpy(p, ids.data() + next_id, n * 4);
        next_id += n;
      } else {
        kdb::values_from_q(c->type, c->data() + w * a, p, n);
      }
      std::memset(p + n * w, 0, pad8(n * w) - n * w);
      p += pad8(n * w);
    }
    write_header(rec, RecordType::Data, id, q, static_cast<uint32_t>(len));
    out.commit(kHeaderSize + len);
    a = e;
  }
}

}  // namespace

std::vector<Table> kdb_partition_tables(const std::string& part) {
  std::vector<Table> out;
  for (const auto& n : table_names(part)) out.push_back(QTable(join_path(part, n), n).table);
  return out;
}

void kdb_read_partition(const std::string& part, int32_t date, const std::vector<std::string>& domain,
                        const FilterSpec& f, Output& out) {
  const Filter window(f);
  std::vector<std::unique_ptr<QTable>> tables;
  for (const auto& n : table_names(part)) {
    if (!f.tables.empty() && std::find(f.tables.begin(), f.tables.end(), n) == f.tables.end()) continue;
    tables.push_back(std::make_unique<QTable>(join_path(part, n), n));
  }
  write_stream_header(out, date);
  for (size_t i = 0; i < tables.size(); i++) write_schema(out, static_cast<uint16_t>(i), tables[i]->table);
  StreamSyms ss(domain);
  // The wanted syms' names, for comparing text.
  std::vector<std::string> want(f.syms.begin(), f.syms.end());
  std::sort(want.begin(), want.end());
  want.erase(std::unique(want.begin(), want.end()), want.end());
  for (size_t i = 0; i < tables.size() && !stop_requested(); i++) {
    const QTable& t = *tables[i];
    const auto id = static_cast<uint16_t>(i);
    if (want.empty() && !window.by_time()) {
      write_rows(out, t, id, 0, t.rows, ss);
      continue;
    }
    // Sorted by sym's text (as .Q.dpft leaves it)? Checked at each change
    // of sym: then a sym's rows are found by binary search.
    // (q's p# or s# on the column says so; else one pass over its indexes,
    // names compared only where the index changes)
    bool sorted = true;
    const uint8_t attr = t.cols[t.table.sym_col]->map[kdb::kEnumHeader - 16 + 3];
    if (t.rows && attr != 1 && attr != 3) {
      const uint8_t* v = t.cols[t.table.sym_col]->data();
      int64_t prev = t.sym_index(0, domain.size());
      for (uint64_t r = 1; r < t.rows; r++) {
        int64_t x;
        std::memcpy(&x, v + 8 * r, 8);
        if (x == prev) continue;
        t.sym_index(r, domain.size());  // (in the domain)
        if (domain[static_cast<size_t>(prev)] > domain[static_cast<size_t>(x)]) {
          sorted = false;
          break;
        }
        prev = x;
      }
    }
    if (!sorted) {  // (the rows, filtered by the stream's reader)
      write_rows(out, t, id, 0, t.rows, ss);
      continue;
    }
    auto first_at_least = [&](const std::string& s, uint64_t lo, uint64_t hi, bool after) {
      while (lo < hi) {
        uint64_t m = lo + (hi - lo) / 2;
        const std::string& v = domain[static_cast<size_t>(t.sym_index(m, domain.size()))];
        if (after ? v <= s : v < s) lo = m + 1;
        else hi = m;
      }
      return lo;
    };
    std::vector<std::pair<uint64_t, uint64_t>> ranges;
    if (want.empty()) {
      for (uint64_t a = 0; a < t.rows;) {
        const std::string& s = domain[static_cast<size_t>(t.sym_index(a, domain.size()))];
        uint64_t b = first_at_least(s, a, t.rows, true);
        ranges.emplace_back(a, b);
        a = b;
      }
    } else {
      for (const auto& s : want) {
        uint64_t a = first_at_least(s, 0, t.rows, false), b = first_at_least(s, a, t.rows, true);
        if (a < b) ranges.emplace_back(a, b);
      }
    }
    const bool timespan = time_of_day_type(t.table.columns[t.table.time_col].type);
    for (auto [a, b] : ranges) {
      if (window.by_time() && a < b) {
        // A sym's rows in time order (checked): the window by binary search.
        bool in_order = true;
        int64_t prev = t.time(a);
        for (uint64_t r = a + 1; r < b && in_order; r++) {
          int64_t x = t.time(r);
          in_order = prev != kNullLong && x >= prev;
          prev = x;
        }
        auto day_of = [](int64_t x) { return static_cast<int32_t>(x / kNsPerDay - (x % kNsPerDay < 0)); };
        std::optional<int32_t> day;
        if (in_order && !timespan && day_of(t.time(a)) == day_of(t.time(b - 1))) day = day_of(t.time(a));
        auto w = in_order ? window.window(timespan, day) : std::nullopt;
        if (w) {
          uint64_t l = a, h = b;
          while (l < h) {
            uint64_t m = l + (h - l) / 2;
            if (t.time(m) < w->first) l = m + 1;
            else h = m;
          }
          uint64_t l2 = l, h2 = b;
          while (l2 < h2) {
            uint64_t m = l2 + (h2 - l2) / 2;
            if (t.time(m) <= w->second) l2 = m + 1;
            else h2 = m;
          }
          a = l;
          b = l2;
        }
      }
      write_rows(out, t, id, a, b, ss);
    }
  }
  out.flush();
}

void kdb_partition_info(const std::string& part, const std::vector<std::string>& domain, Output& out) {
  auto line = [&](const std::string& s) { out.write(s.data(), s.size()); };
  auto names = table_names(part);
  line(str(part, "\n  q's layout, ", names.size(), " tables, ", domain.size(), " names in the HDB's sym\n"));
  for (const auto& n : names) {
    QTable t(join_path(part, n), n);
    uint64_t bytes = 0;
    for (const auto& c : t.cols) bytes += c->len;
    line(str("  ", n, ": ", t.rows, " rows, ", t.table.columns.size(), " columns, ", bytes, " bytes on disk\n"));
  }
}

}  // namespace tick::hdb
