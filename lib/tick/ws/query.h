// History for browsers: a structured query (table, syms, dates, times,
// limit) answered from the HDB (--hdb, tick-replay --hdb's reader) for past
// days and today's journal (--log), run on a thread of its own into a
// bounded buffer that the service loop drains as the client reads, so a
// large answer streams in bounded memory. Nothing a client sends is
// evaluated: the fields are names, dates, times and a number.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "tick/text/out.h"

namespace tick::ws {

struct QuerySources {
  std::string hdb, log;  // either may be empty
};

struct Query {
  std::string table, syms, from, to;
  int32_t date_from = 0, date_to = 0;
  uint64_t limit = 10000;
  Format format = Format::json;  // json (an array of rows) or csv
  std::string csv_header;        // the table's CSV header line, for an answer with no rows
};

// A field by name (an HTTP parameter or a message's field), "" if absent.
using FieldOf = std::function<std::string(const char*)>;
// Parses and checks a query's fields; false with "FIELD: reason" in why.
// max_limit caps "limit" (a larger one is refused).
bool parse_query(const FieldOf& field, const QuerySources& src, uint64_t max_limit, Query& q, std::string& why);

// A query run on a thread of its own. Its reads may block (a hung network
// file system, a FIFO planted in the HDB): the owner never waits for them.
// Destroying a QueryStream cancels it and returns at once; a thread stuck
// in a read is left to end on its own, and counts in running() until then.
class QueryStream {
 public:
  // wake: called (from the query's thread) when there is more to take;
  // never after the QueryStream is destroyed.
  QueryStream(Query q, QuerySources src, std::function<void()> wake);
  ~QueryStream();
  QueryStream(const QueryStream&) = delete;
  QueryStream& operator=(const QueryStream&) = delete;
  // Moves up to max bytes of the answer into out; done once everything
  // has been taken. error(): what went wrong, if the query failed.
  void take(std::string& out, size_t max, bool& done);
  std::string error();
  // Its first row has been put (for CSV, its header), or it has finished:
  // an HTTP answer's status is known.
  bool started();
  // How long the query has made no progress while it had room to (not
  // waiting for its reader): a read that does not return. 0 if finished.
  int64_t stalled_ns(int64_t now);
  // Query threads not yet ended, these and abandoned ones.
  static size_t running();

 private:
  struct State;
  std::shared_ptr<State> s_;
};

}  // namespace tick::ws
