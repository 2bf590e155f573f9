// tick-replay: journals, directories of journals and HDB partitions; filtered, paced, followed.
#include <unistd.h>

#include <cstdint>
#include <tuple>

#include "common/cli.h"
#include "tick/base/clock.h"
#include "tick/hdb/history.h"
#include "tick/hdb/read.h"
#include "tick/journal/files.h"
#include "tick/kdb/journal.h"

using namespace tick;

int main(int argc, char** argv) {
  CLI::App app{"Replay journals (plain or .zst), directories of journals and HDB partitions, with filters and pacing.",
               "tick-replay"};
  std::vector<std::string> paths;
  std::string format, on_error = "fail", dates;
  bool info = false;
  cli::FilterArgs filters;
  ReplayOptions o;
  app.add_option("paths", paths, "Journal files or directories (default: standard input)");
  cli::add_format(app, format, Format::tick, /*kdb=*/true);
  TimeFormat time_format = TimeFormat::iso;
  cli::add_time_format(app, time_format);
  std::string split;
  cli::add_split(app, split);
  cli::add_filters(app, filters);
  app.add_option("--seq-from", o.copy.seq_from, "Only data records with sequence number >= N");
  app.add_option("--seq-to", o.copy.seq_to, "Only data records with sequence number <= N");
  auto* speed = app.add_option("--speed", o.copy.speed, "Pace at the recorded pace times X")
                    ->check(CLI::PositiveNumber);
  app.add_option("--rate", o.copy.rate, "Pace at N rows a second")->check(CLI::PositiveNumber)->excludes(speed);
  app.add_flag("--follow", o.follow, "Keep reading a growing journal, then the next day's (like tail -F)");
  std::string from_day;
  app.add_option("--from-day", from_day, "With --follow DIR: start at this day's journal (default: today's)");
  auto* hdb = app.add_option("--hdb", o.hdb, "Read the partitions of this HDB directory instead of journals");
  app.add_option("--date", dates,
                 "With --hdb: the partition D, or the partitions D..D (default: all); kdb+ journals: their day (default: "
                 "from the file name)");
  cli::KdbArgs kdb_args;
  cli::add_kdb_journals(app, kdb_args, /*schema_option=*/true, /*date_option=*/false);
  app.add_flag("--info", info, "With --hdb: summarise the partitions (tables, rows, syms, time range, bytes)")->needs(hdb);
  (void)hdb;
  app.add_option("--on-error", on_error, "On corrupt input: fail (stop, exit 1) or skip (resync, exit 1 at the end)")
      ->check(CLI::IsMember({"fail", "skip"}));

  return cli::run(app, argc, argv, [&] {
    if (!o.hdb.empty()) {
      if (!paths.empty()) throw UsageError("--hdb reads partitions: give no journal paths with it");
      if (o.follow) throw UsageError("--follow reads growing journals, not --hdb partitions");
      if (o.copy.seq_from > 0 || o.copy.seq_to < UINT64_MAX)
        throw UsageError("--seq-from/--seq-to select journal records; HDB rows have no sequence numbers");
      if (!dates.empty()) std::tie(o.date_from, o.date_to) = parse_date_range(dates);
    }
    if (o.hdb.empty()) {
      // (without --hdb, --date is the day of kdb+ journals: for nothing else)
      if (!dates.empty()) {
        bool kdb = !paths.empty();
        for (const auto& f : expand_journals(paths)) kdb = kdb && kdb::is_journal_file(f);
        if (!kdb) throw UsageError("--date requires --hdb, or kdb+ journals to date");
      }
      kdb_args.date = dates;
      cli::read_kdb_journals(kdb_args);
    }
    if (info) {
      Output out(STDOUT_FILENO);
      hdb_info(o.hdb, o.date_from, o.date_to, out);
      return 0;
    }
    if (!from_day.empty()) {
      if (!o.follow) throw UsageError("--from-day is for --follow DIR");
      auto d = parse_date(from_day);
      if (!d) throw UsageError("bad --from-day '" + from_day + "' (want YYYY-MM-DD)");
      o.follow_from = *d;
    }
    if (paths.empty()) paths.push_back("-");
    if (!split.empty() && format.empty()) format = "csv";
    o.copy.format = cli::resolve_format(format, STDOUT_FILENO);
    o.copy.split_dir = split;
    o.copy.time_format = time_format;
    o.copy.filter = filters.spec();
    o.copy.skip_bad = on_error == "skip";
    o.copy.csv_table_column = o.copy.filter.tables.size() != 1;
    Output out(STDOUT_FILENO);
    if (!o.hdb.empty()) {
      replay_hdb(out, o);
      return 0;
    }
    return replay(paths, out, o) ? 1 : 0;
  });
}
