// tick-sub: subscribe to a tick-pub and write the stream, resuming after a lost connection.
#include <unistd.h>

#include "common/cli.h"
#include "tick/base/files.h"
#include "tick/base/clock.h"
#include "tick/base/units.h"
#include "tick/journal/follow.h"
#include "tick/net/sub.h"

using namespace tick;

int main(int argc, char** argv) {
  CLI::App app{"Subscribe to a tick-pub and write its stream (tick, json, csv or table).", "tick-sub"};
  SubOptions o;
  std::string format, from = "now", tables, syms, day;
  bool no_reconnect = false;
  app.add_option("address", o.address, "tick-pub address (HOST:PORT, :PORT or unix:PATH), or a journal directory (DIR or journal:DIR) to read in place")->required();
  app.add_option("-t,--table", tables, "Only these tables (comma-separated)");
  app.add_option("-s,--sym", syms, "Only these syms (comma-separated)");
  app.add_option("--from", from, "Where to start: start (of the day, from the journal), now, or a sequence number");
  app.add_option("--day", day, "With --from start or SEQ: the journal day, YYYY-MM-DD (default: the live day)");
  cli::add_format(app, format, Format::tick, /*kdb=*/true);
  TimeFormat time_format = TimeFormat::iso;
  cli::add_time_format(app, time_format);
  std::string split;
  cli::add_split(app, split);
  app.add_flag("--until-eod", o.until_eod, "Exit after the next end-of-day record");
  std::string max_record = "64M";
  app.add_option("--max-record", max_record, "Largest record to accept from the server (default 64M)");
  app.add_flag("--no-reconnect", no_reconnect, "Exit (status 1) when the connection is lost instead of resuming");
  bool spin = false;
  app.add_flag("--spin", spin, "With a journal directory: busy-poll its live end instead of sleeping (a core of its own)");

  return cli::run(app, argc, argv, [&] {
    o.reconnect = !no_reconnect;
    o.max_record = parse_size(max_record, "--max-record");
    o.request.tables = split_list(tables);
    o.request.syms = split_list(syms);
    if (from == "now") {
      o.request.from = SubscribeRequest::From::now;
    } else if (from == "start") {
      o.request.from = SubscribeRequest::From::start;
    } else {
      char* end = nullptr;
      unsigned long long v = std::strtoull(from.c_str(), &end, 10);
      if (from.empty() || *end || v == 0) throw UsageError("bad --from '" + from + "' (start, now or a sequence number)");
      o.request.from = SubscribeRequest::From::seq;
      o.request.seq = v;
    }
    if (!day.empty()) {
      auto d = parse_date(day);
      if (!d) throw UsageError("bad --day '" + day + "' (want YYYY-MM-DD)");
      o.request.day = *d;
    }
    if (!split.empty() && format.empty()) format = "csv";
    o.copy.format = cli::resolve_format(format, STDOUT_FILENO);
    o.copy.split_dir = split;
    o.copy.time_format = time_format;
    o.copy.csv_table_column = o.request.tables.size() != 1;
    o.copy.filter.tables = o.request.tables;  // (the server filters; the copier knows the table a CSV is of)
    Output out(STDOUT_FILENO);
    std::string dir;
    if (is_local_source(o.address, dir)) {
      FollowOptions lo;
      lo.dir = dir;
      lo.request = o.request;
      lo.copy = o.copy;
      lo.copy.filter.tables = o.request.tables;
      lo.copy.filter.syms = o.request.syms;
      lo.copy.served = true;
      lo.until_eod = o.until_eod;
      lo.spin = spin;
      return follow_journal(lo, out);
    }
    if (is_regular_file(o.address))
      throw UsageError(o.address + " is a file: tick-sub follows a tick-pub (HOST:PORT) or a journal directory; "
                       "read a file with tick-replay " + o.address);
    if (spin) throw UsageError("--spin is for a journal directory (tick-sub DIR)");
    return subscribe(o, out);
  });
}
