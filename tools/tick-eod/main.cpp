// tick-eod: end of day. Journals (or a stream) into HDB partitions.
#include <unistd.h>

#include "common/cli.h"
#include "tick/base/clock.h"
#include "tick/base/diag.h"
#include "tick/hdb/eod.h"
#include "tick/hdb/hdb.h"
#include "tick/journal/files.h"

using namespace tick;

int main(int argc, char** argv) {
  CLI::App app{"Write HDB partitions: one per journal, or from a stream at each end of day, sorted by sym then time.",
               "tick-eod"};
  std::vector<std::string> journals;
  std::string compress = "zstd:1";
  EodOptions o;
  bool no_sync = false;
  app.add_option("journals", journals, "Journals to write as partitions (default: a stream on standard input)");
  app.add_option("--hdb", o.hdb, "The HDB directory (partitions are DIR/YYYY-MM-DD)")->required();
  auto* compress_opt = app.add_option("--compress", compress, "Column files: zstd[:LEVEL] or none (default zstd:1)");
  std::string layout = "tick";
  app.add_option("--format", layout, "Partition layout: tick (tick-hdb.5) or kdb (q's: DIR/yyyy.mm.dd, symbols enumerated against DIR/sym)")
      ->check(CLI::IsMember({"tick", "kdb"}));
  app.add_flag("--force", o.force, "Replace an existing partition (atomically)");
  app.add_flag("--partial", o.partial, "Stream mode: write the day the input ends in, marked partial (the real end of day replaces it)");
  std::string date;
  app.add_option("--date", date, "Stream mode: the input is this day's rows, written whole as its partition at the end (a backfill from CSV or JSON through tick-cat -e)");
  app.add_flag("--salvage", o.salvage, "Keep every valid record of a corrupt journal, reporting what is skipped");
  app.add_flag("--no-sync", no_sync, "Do not fsync the partition before renaming it into place");
  cli::KdbArgs kdb_args;
  cli::add_kdb_journals(app, kdb_args, /*schema_option=*/true, /*date_option=*/false);

  return cli::run(app, argc, argv, [&] {
    o.level = hdb::parse_compress(compress);
    if (layout == "kdb") {
      if (compress_opt->count()) throw UsageError("--format kdb writes plain columns, as q maps them: no --compress");
      o.kdb = true;
      o.level = 0;
    }
    if (!date.empty()) {
      auto d = parse_date(date);
      if (!d) throw UsageError("bad --date '" + date + "' (want YYYY-MM-DD)");
      if (!journals.empty() && !(journals.size() == 1 && journals[0] == "-"))
        throw UsageError("--date is for a stream on standard input (a journal's day is in its header or name)");
      if (o.partial) throw UsageError("--date writes the day whole; --partial is for a live day");
      o.date = *d;
    }
    o.sync = !no_sync;
    cli::read_kdb_journals(kdb_args);
    EodReport r;
    int failed = 0;
    if (journals.empty() || (journals.size() == 1 && journals[0] == "-")) {
      auto in = Input::from_fd(STDIN_FILENO, "stdin", false);
      eod_stream(*in, o, r);
    } else {
      // Each journal is its own partition: one that fails does not stop the rest.
      for (const auto& j : expand_journals(journals)) {
        try {
          eod_journal(j, o, r);
        } catch (const UsageError&) {
          throw;
        } catch (const BrokenPipe&) {
          throw;
        } catch (const Error& e) {
          warn(e.what());
          failed++;
        }
      }
    }
    return r.kept || failed ? 1 : 0;
  });
}
