// tick-agg: bars (OHLC, volume, VWAP, ...) or the last row per key of a
// tick stream, added to it as a derived table (lib/tick/agg.h).
#include <unistd.h>

#include "tick/analytics/agg.h"
#include "common/cli.h"
#include "tick/base/diag.h"
#include "tick/base/units.h"
#include "tick/journal/files.h"
#include "tick/text/copy.h"

using namespace tick;

int main(int argc, char** argv) {
  CLI::App app{"Bars, VWAP and the last row per sym of a tick stream: passes it through, adding a derived table.",
               "tick-agg"};
  std::vector<std::string> files;
  std::string format, bar, grace = "1s", every = "1s", late = "drop";
  AggOptions o;
  app.add_option("files", files, "Inputs, read in turn (default: standard input)");
  app.add_option("--bar", bar, "Bars this wide (250ms, 5s, 1m, 1h), aligned to the day");
  app.add_flag("--last", o.last, "The last row per sym instead, as a stream (conflated by --every)");
  app.add_option("-t,--table", o.table, "The table to aggregate (default: trade, or the stream's only table)");
  app.add_option("--by", o.by, "The key: a symbol column (default sym)");
  app.add_option("--out-table", o.out_table, "The derived table's name (default TABLE_bars, TABLE_last)");
  app.add_option("--ohlc", o.ohlc, "Open, high, low and close of a column (default price)")
      ->expected(0, 1)->default_str("price");
  app.add_option("--volume", o.volume, "The sum of a column, as volume (default size)")
      ->expected(0, 1)->default_str("size");
  app.add_flag("--vwap", o.vwap, "sum(price*size)/sum(size), of the --ohlc and --volume columns");
  app.add_flag("--count", o.count, "Rows in the bar");
  app.add_option("--sum", o.sum, "sum_COL: the sum of a column (repeatable; or COL,COL)")->allow_extra_args(false)->delimiter(',');
  app.add_option("--avg", o.avg, "avg_COL: the mean of a column (repeatable; or COL,COL)")->allow_extra_args(false)->delimiter(',');
  app.add_option("--min", o.min, "min_COL: the least value of a column (repeatable; or COL,COL)")->allow_extra_args(false)->delimiter(',');
  app.add_option("--max", o.max, "max_COL: the greatest value of a column (repeatable; or COL,COL)")->allow_extra_args(false)->delimiter(',');
  app.add_option("--grace", grace, "On a quiet feed, open bars close this long after their end (default 1s)");
  app.add_option("--late", late, "Rows older than their closed bar: drop (counted) or update (a corrected row)")
      ->check(CLI::IsMember({"drop", "update"}));
  app.add_option("--every", every, "--last: a changed sym's row at most this often (default 1s; 0: the final state only)");
  app.add_flag("--only", o.only, "Write the derived rows alone, not the input");
  cli::add_format(app, format, Format::tick);
  TimeFormat time_format = TimeFormat::iso;
  cli::add_time_format(app, time_format);

  return cli::run(app, argc, argv, [&] {
    if (o.last == !bar.empty())
      throw UsageError(o.last ? "--bar and --last: one or the other" : "say what to make: --bar DURATION or --last");
    if (!o.last) {
      o.bar_ns = parse_duration(bar, "--bar");
      if (o.ohlc.empty() && o.volume.empty() && !o.vwap && !o.count && o.sum.empty() && o.avg.empty() &&
          o.min.empty() && o.max.empty()) {
        o.ohlc = "price";  // (bars of trades, as the dashboard draws them)
        o.volume = "size";
        o.vwap = true;
      }
    } else if (!o.ohlc.empty() || !o.volume.empty() || o.vwap || o.count || !o.sum.empty() || !o.avg.empty() ||
               !o.min.empty() || !o.max.empty()) {
      throw UsageError("--last keeps whole rows: the aggregates are for --bar");
    }
    o.grace_ns = parse_duration(grace, "--grace", true);
    o.every_ns = parse_duration(every, "--every", true);
    o.late_update = late == "update";
    if (files.empty()) files.push_back("-");
    if (files.size() == 1 && files[0] == "-" && ::isatty(STDIN_FILENO))
      throw UsageError("refusing to read a binary tick stream from a terminal (pipe one in: tick-sub :5010 | tick-agg ...)");
    std::vector<std::unique_ptr<Input>> owned;
    std::vector<Input*> ins;
    for (const auto& f : expand_journals(files)) {
      owned.push_back(Input::open(f));
      ins.push_back(owned.back().get());
    }
    Output out(STDOUT_FILENO);
    const Format shown = cli::resolve_format(format, STDOUT_FILENO, Format::tick);
    AggReport rep;
    if (shown == Format::tick) {
      rep = aggregate(ins, out, o);
    } else {
      CopyOptions as;
      as.format = shown;
      as.time_format = time_format;
      as.csv_table_column = !o.only;
      ShownText text(out, as, "tick-agg");
      rep = aggregate(ins, text.input(), o, [&] {
        text.flush();
        out.flush();
        out.check_reader();  // (| head gone while the feed is quiet)
      });
      text.flush();
    }
    out.flush();
    if (rep.null_time) warn(str(rep.null_time, " rows with a null time were in no bar"));
    if (rep.late_dropped) warn(str(rep.late_dropped, " late rows dropped (older than their closed bar; --late update corrects it)"));
    if (rep.too_late) warn(str(rep.too_late, " late rows dropped: older than their sym's last closed bar, which --late update keeps"));
    return 0;
  });
}
