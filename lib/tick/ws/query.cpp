#include "tick/ws/query.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>

#include "tick/clock.h"
#include "tick/error.h"
#include "tick/filter.h"
#include "tick/journal_files.h"
#include "tick/replay.h"

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

QueryStream::QueryStream(Query q, QuerySources src, std::function<void()> wake)
    : q_(std::move(q)), src_(std::move(src)), wake_(std::move(wake)) {
  thread_ = std::thread([this] { run(); });
}

QueryStream::~QueryStream() {
  {
    std::lock_guard<std::mutex> l(m_);
    cancelled_ = true;
    room_.notify_all();
  }
  thread_.join();
}

// The answer's bytes from the text writer: JSON lines become the elements
// of an array; rows are counted to the limit.
void QueryStream::put(const uint8_t* p, size_t n) {
  std::unique_lock<std::mutex> l(m_);
  room_.wait(l, [&] { return buf_.size() - off_ < kBuffer || cancelled_; });
  if (cancelled_) throw Stop{};
  for (size_t i = 0; i < n; i++) {
    char c = static_cast<char>(p[i]);
    if (c == '\n') {
      if (++rows_ >= q_.limit + (q_.format == Format::csv ? 1 : 0)) {  // (CSV: the header line too)
        if (q_.format == Format::csv) buf_ += '\n';
        l.unlock();
        throw Stop{};
      }
      if (q_.format == Format::json) pending_comma_ = true;
      else buf_ += c;
      continue;
    }
    if (pending_comma_) {
      buf_ += ',';
      pending_comma_ = false;
    }
    buf_ += c;
  }
  bool wake = !buf_.empty();
  l.unlock();
  if (wake) wake_();
}

void QueryStream::run() {
  std::string err;
  try {
    if (q_.format == Format::json) {
      std::lock_guard<std::mutex> l(m_);
      buf_ = "[";
    }
    Output out([this](const uint8_t* p, size_t n) { put(p, n); }, 64 << 10);
    ReplayOptions o;
    o.copy.format = q_.format;
    o.copy.filter.tables = {q_.table};
    o.copy.filter.syms = split_list(q_.syms);
    o.copy.filter.from = q_.from;
    o.copy.filter.to = q_.to;
    o.copy.csv_table_column = false;
    int32_t today = day_of(now_ns());
    // Past days from the HDB, today from the journal (or the HDB when
    // there is no journal).
    if (!src_.hdb.empty() && q_.date_from <= (src_.log.empty() ? q_.date_to : std::min(q_.date_to, today - 1))) {
      o.hdb = src_.hdb;
      o.date_from = q_.date_from;
      o.date_to = src_.log.empty() ? q_.date_to : std::min(q_.date_to, today - 1);
      replay_hdb(out, o);
    }
    if (!src_.log.empty() && q_.date_to >= today && q_.date_from <= today && is_dir(src_.log)) {
      std::vector<std::string> files;
      for (const auto& f : journal_files(src_.log))
        if (journal_date(f) == today) files.push_back(f);
      o.hdb.clear();
      if (!files.empty()) replay(files, out, o);
    }
    out.flush();
  } catch (const Stop&) {
  } catch (const std::exception& e) {
    err = e.what();
  }
  {
    std::lock_guard<std::mutex> l(m_);
    if (q_.format == Format::json && err.empty()) buf_ += ']';  // (a failed answer is left open: not valid JSON)
    error_ = err;
    finished_ = true;
  }
  wake_();
}

void QueryStream::take(std::string& out, size_t max, bool& done) {
  std::lock_guard<std::mutex> l(m_);
  size_t n = std::min(max, buf_.size() - off_);
  out.append(buf_, off_, n);
  off_ += n;
  if (off_ == buf_.size()) {
    buf_.clear();
    off_ = 0;
  } else if (off_ > kBuffer / 2) {
    buf_.erase(0, off_);
    off_ = 0;
  }
  room_.notify_all();
  done = finished_ && buf_.empty();
}

std::string QueryStream::error() {
  std::lock_guard<std::mutex> l(m_);
  return error_;
}

uint64_t QueryStream::rows() {
  std::lock_guard<std::mutex> l(m_);
  return rows_;
}

}  // namespace tick::ws
