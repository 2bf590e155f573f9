// tick-log: the journal, first stage of the tickerplant; and its maintenance.
#include <unistd.h>

#include <climits>

#include "common/cli.h"
#include "tick/base/clock.h"
#include "tick/base/diag.h"
#include "tick/base/units.h"
#include "tick/journal/journal.h"
#include "tick/journal/maintenance.h"
#include "tick/net/ingest.h"
#include "tick/net/net.h"

using namespace tick;

int main(int argc, char** argv) {
  CLI::App app{"Journal a tick stream to DIR/YYYY-MM-DD.tick, numbering its records, and pass it on.",
               "tick-log"};
  app.require_subcommand(0, 1);
  std::string dir, fsync = "interval", roll_at = "00:00", tz = "UTC", on_error = "fail";
  double fsync_ms = 1000;
  uint32_t batch_ms = 0, batch_rows = 0;
  app.add_option("dir", dir, "Journal directory");
  app.add_option("--fsync", fsync, "always (before passing on), interval, or never")
      ->check(CLI::IsMember({"always", "interval", "never"}));
  app.add_option("--fsync-ms", fsync_ms, "With --fsync interval: milliseconds between syncs")
      ->check(CLI::Range(1.0, 3600e3));
  app.add_option("--batch-ms", batch_ms, "Coalesce rows per table for this many milliseconds");
  app.add_option("--batch-rows", batch_rows, "Coalesce rows per table up to this many rows");
  app.add_option("--roll-at", roll_at, "Local time of the day roll, HH:MM (default 00:00)");
  app.add_option("--tz", tz, "Time zone of --roll-at (zoneinfo name, default UTC)");
  IngestOptions io;
  std::string mode, max_record = "64M", max_sym_bytes = "64M";
  double timeout = 10;
  app.add_option("--listen", io.listen, "Also journal publishers (tick-pub --to) connecting here (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--mode", mode, "File mode of Unix sockets, octal (default 660)");
  app.add_option("--timeout", timeout,
                 "Seconds a publisher may take to say hello, finish a record, or stay silent (default 10)")
      ->check(CLI::Range(0.1, 86400.0));
  app.add_option("--max-record", max_record, "Largest record a publisher may send (default 64M)");
  app.add_option("--max-tables", io.max_tables, "Tables one publisher may declare (default 256)")
      ->check(CLI::Range(1, 4096));
  app.add_option("--max-syms", io.max_syms,
                 "Symbols in one publisher's dictionary (default 1000000; the day's journal: four times)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 32));
  app.add_option("--max-sym-bytes", max_sym_bytes,
                 "Bytes of one publisher's symbols (default 64M; the day's journal: four times)");
  app.add_option("--on-error", on_error, "On corrupt input: fail (stop, exit 1) or skip (resync)")
      ->check(CLI::IsMember({"fail", "skip"}));

  auto* info = app.add_subcommand("info", "Summarise journals: tables, rows, syms, seq and time ranges");
  std::vector<std::string> info_files;
  info->add_option("files", info_files, "Journal files, or directories of them")->required();

  auto* check = app.add_subcommand("check", "Verify journals; exit 1 on corruption");
  std::vector<std::string> check_files;
  bool repair = false;
  check->add_option("files", check_files, "Journal files, or directories of them")->required();
  check->add_flag("--repair", repair, "Keep every valid record; move bad bytes to FILE.bad");

  auto* compress = app.add_subcommand("compress", "Compress journals with zstd (FILE.tick.zst), atomically");
  std::vector<std::string> compress_paths;
  int older_than = 1, level = 3;
  compress->add_option("paths", compress_paths, "Journal files, or directories")->required();
  compress->add_option("--older-than", older_than, "In directories: days before today (default 1)")
      ->check(CLI::Range(1, 100000));
  compress->add_option("--level", level, "zstd level (default 3)")->check(CLI::Range(1, 19));
  bool force = false;
  compress->add_flag("--force", force, "Also compress a journal with no end-of-day record (never one a tick-log holds)");

  return cli::run(app, argc, argv, [&] {
    if (*info) {
      bool ok = true;
      for (const auto& f : expand_journals(info_files)) ok = journal_info(f) && ok;
      return ok ? 0 : 1;
    }
    if (*check) {
      bool ok = true;
      for (const auto& f : expand_journals(check_files)) ok = journal_check(f, repair) && ok;
      return ok ? 0 : 1;
    }
    if (*compress) return compress_journals(compress_paths, older_than, level, force) ? 0 : 1;
    if (dir.empty()) throw UsageError("give a journal directory (or a subcommand: info, check, compress)");
    JournalOptions o;
    o.dir = dir;
    o.fsync = fsync == "always" ? FsyncPolicy::always : fsync == "never" ? FsyncPolicy::never : FsyncPolicy::interval;
    o.fsync_interval_ns = static_cast<int64_t>(fsync_ms * 1e6);
    o.batch_rows = batch_rows;
    o.batch_ns = int64_t{batch_ms} * 1'000'000;
    o.roll = DayRoll(roll_at, tz);
    bool tty = ::isatty(STDOUT_FILENO);
    // Binary input from a terminal is nobody's feed: say so, before a
    // journal file is made (as binary output to a terminal is refused).
    if (io.listen.empty() && ::isatty(STDIN_FILENO))
      throw UsageError("refusing to read a binary tick stream from a terminal (pipe a feed in, as in "
                       "tick-gen | tick-log " + dir + ", or give --listen ADDR for publishers)");
    if (!mode.empty()) io.unix_mode = parse_mode(mode);
    io.timeout_ns = static_cast<int64_t>(timeout * 1e9);
    io.max_record = parse_size(max_record, "--max-record");
    io.max_sym_bytes = parse_size(max_sym_bytes, "--max-sym-bytes");
    io.skip_bad = on_error == "skip";
    Journal j(o, tty ? -1 : STDOUT_FILENO);  // never binary on a terminal
    j.open(now_ns());
    // With publishers to serve, a terminal on stdin is not an input.
    std::unique_ptr<Input> in;
    if (io.listen.empty() || !::isatty(STDIN_FILENO)) in = Input::open("-");
    try {
      journal_serve(j, std::move(in), io);
    } catch (...) {
      j.discard_if_unused();
      throw;
    }
    return 0;
  });
}
