#include "tick/ws/query.h"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cctype>

#include "tick/base/clock.h"
#include "tick/base/error.h"
#include "tick/base/io.h"
#include "tick/hdb/hdb.h"
#include "tick/hdb/history.h"
#include "tick/journal/files.h"
#include "tick/journal/live_end.h"
#include "tick/stream/filter.h"
#include "tick/text/copy.h"

namespace tick::ws {

namespace {
constexpr size_t kBuffer = 1u << 20;  // the query waits while this much is unread
struct Stop {};                        // the limit reached, or the client gone

bool is_dir(const std::string& p) {
  struct stat st{};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}
}  // namespace

bool parse_query(const FieldOf& field, const QuerySources& src, uint64_t max_limit, Query& q, std::string& why) {
  auto bad = [&](const char* f, const std::string& reason) {
    why = str(f, ": ", reason);
    return false;
  };
  if (src.hdb.empty() && src.log.empty()) return bad("query", "tick-ws has no history (start it with --hdb or --log)");
  q.table = field("table");
  if (q.table.empty()) return bad("table", "a table is required");
  for (char c : q.table)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return bad("table", "not a table name");
  q.syms = field("syms");
  std::string d = field("date");
  int32_t today = day_of(now_ns());
  if (d.empty()) {
    q.date_from = q.date_to = today;
  } else {
    size_t dots = d.find("..");
    auto a = parse_date(d.substr(0, dots));
    auto b = dots == std::string::npos ? a : parse_date(d.substr(dots + 2));
    if (!a || !b) return bad("date", "expected YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD");
    if (*b < *a) return bad("date", "the range ends before it starts");
    q.date_from = *a;
    q.date_to = *b;
  }
  q.from = field("from");
  q.to = field("to");
  try {
    Filter check(FilterSpec{{}, {}, q.from, q.to});
  } catch (const Error& e) {
    return bad(q.from.empty() || q.to.empty() ? (q.from.empty() ? "to" : "from") : "from/to", e.what());
  }
  std::string l = field("limit");
  if (!l.empty()) {
    char* end = nullptr;
    unsigned long long n = std::strtoull(l.c_str(), &end, 10);
    if (l[0] == '-' || !end || *end || n == 0) return bad("limit", "a count of rows (1 or more)");
    if (n > max_limit) return bad("limit", str("at most ", max_limit));
    q.limit = n;
  }
  std::string f = field("format");
  if (f.empty() || f == "json") q.format = Format::json;
  else if (f == "csv") q.format = Format::csv;
  else return bad("format", "json or csv");
  return true;
}

namespace {
std::atomic<size_t> g_running{0};
}

struct QueryStream::State {
  Query q;
  QuerySources src;
  std::function<void()> wake;
  std::mutex m;
  std::condition_variable room;
  std::string buf, error;
  size_t off = 0;  // taken from buf so far
  bool finished = false, cancelled = false, pending_comma = false, waiting = false;
  uint64_t rows = 0;
  int64_t progress_at = 0;  // the last time it put bytes, or found room

  void put(const uint8_t* p, size_t n);
  void run();
  // Lines of the answer have been put (a CSV's header among them).
  bool began() {
    std::lock_guard<std::mutex> l(m);
    return rows > 0;
  }
  // (under m: the owner's wake is never called once it has cancelled)
  void wake_locked() {
    if (!cancelled) wake();
  }
};

QueryStream::QueryStream(Query q, QuerySources src, std::function<void()> wake) : s_(std::make_shared<State>()) {
  s_->q = std::move(q);
  s_->src = std::move(src);
  s_->wake = std::move(wake);
  s_->progress_at = now_ns();
  g_running++;
  std::thread([s = s_] {
    s->run();
    g_running--;
  }).detach();
}

QueryStream::~QueryStream() {
  std::lock_guard<std::mutex> l(s_->m);
  s_->cancelled = true;
  s_->room.notify_all();
}

size_t QueryStream::running() { return g_running.load(); }

// The answer's bytes from the text writer: JSON lines become the elements
// of an array; rows are counted to the limit.
void QueryStream::State::put(const uint8_t* p, size_t n) {
  std::unique_lock<std::mutex> l(m);
  waiting = true;
  room.wait(l, [&] { return buf.size() - off < kBuffer || cancelled; });
  waiting = false;
  progress_at = now_ns();
  if (cancelled) throw Stop{};
  for (size_t i = 0; i < n; i++) {
    char c = static_cast<char>(p[i]);
    if (c == '\n') {
      if (++rows >= q.limit + (q.format == Format::csv ? 1 : 0)) {  // (CSV: the header line too)
        if (q.format == Format::csv) buf += '\n';
        throw Stop{};
      }
      if (q.format == Format::json) pending_comma = true;
      else buf += c;
      continue;
    }
    if (pending_comma) {
      buf += ',';
      pending_comma = false;
    }
    buf += c;
  }
  if (!buf.empty()) wake_locked();
}

void QueryStream::State::run() {
  std::string err;
  try {
    if (q.format == Format::json) {
      std::lock_guard<std::mutex> l(m);
      buf = "[";
    }
    Output out([this](const uint8_t* p, size_t n) { put(p, n); }, 64 << 10);
    ReplayOptions o;
    o.copy.format = q.format;
    o.copy.filter.tables = {q.table};
    o.copy.filter.syms = split_list(q.syms);
    o.copy.filter.from = q.from;
    o.copy.filter.to = q.to;
    o.copy.csv_table_column = false;
    int32_t today = day_of(now_ns());
    // Past days from the HDB, today from the journal (or the HDB when
    // there is no journal).
    int32_t hdb_to = src.log.empty() ? q.date_to : std::min(q.date_to, today - 1);
    if (!src.hdb.empty() && q.date_from <= hdb_to) {
      // Only the days it has (a range over weekends and holidays; a day
      // with no partition is an empty answer, not an error).
      auto dates = hdb::partition_dates(src.hdb);
      auto first = std::lower_bound(dates.begin(), dates.end(), q.date_from);
      auto last = std::upper_bound(dates.begin(), dates.end(), hdb_to);
      if (first != last) {
        o.hdb = src.hdb;
        o.date_from = *first;
        o.date_to = *(last - 1);
        replay_hdb(out, o);
      }
    }
    if (!src.log.empty() && q.date_to >= today && q.date_from <= today && is_dir(src.log)) {
      // Today's journal as far as its tick-log has written whole records
      // (its live end): a record being written at its end is not torn.
      std::string path = journal_file(src.log, today);
      struct stat st{};
      if (::stat(path.c_str(), &st) == 0) {
        auto in = open_journal_now(path);
        Copier copier(out, o.copy);
        out.flush();
        if (began()) copier.continue_csv();  // (one CSV: the HDB's days wrote its header)
        copier.copy(*in);
        copier.finish();
      }
    }
    out.flush();
    // An answer with no rows is still a CSV of the table: its header.
    if (q.format == Format::csv && !began() && !q.csv_header.empty()) put(reinterpret_cast<const uint8_t*>(q.csv_header.data()), q.csv_header.size());
  } catch (const Stop&) {
  } catch (const std::exception& e) {
    err = e.what();
  }
  std::lock_guard<std::mutex> l(m);
  if (q.format == Format::json && err.empty()) buf += ']';  // (a failed answer is left open: not valid JSON)
  error = err;
  finished = true;
  wake_locked();
}

void QueryStream::take(std::string& out, size_t max, bool& done) {
  State& s = *s_;
  std::lock_guard<std::mutex> l(s.m);
  size_t n = std::min(max, s.buf.size() - s.off);
  out.append(s.buf, s.off, n);
  s.off += n;
  if (s.off == s.buf.size()) {
    s.buf.clear();
    s.off = 0;
  } else if (s.off > kBuffer / 2) {
    s.buf.erase(0, s.off);
    s.off = 0;
  }
  s.room.notify_all();
  done = s.finished && s.buf.empty();
}

std::string QueryStream::error() {
  std::lock_guard<std::mutex> l(s_->m);
  return s_->error;
}

bool QueryStream::started() {
  std::lock_guard<std::mutex> l(s_->m);
  return s_->rows > 0 || s_->finished;
}

int64_t QueryStream::stalled_ns(int64_t now) {
  std::lock_guard<std::mutex> l(s_->m);
  if (s_->finished || s_->waiting) return 0;
  return now - s_->progress_at;
}

}  // namespace tick::ws
