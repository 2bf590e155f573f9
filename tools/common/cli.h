// What every tool's command line shares: -h/--help, --version, exit codes
// (0 ok, 1 runtime or data error, 2 usage), "tool: message" errors, the
// output format and its terminal default, and the row filters.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "tick/stream/filter.h"
#include "tick/text/out.h"

namespace tick::cli {

// Parses argv into app and runs body, turning every error into a message and
// an exit status. Installs the signal handlers.
int run(CLI::App& app, int argc, char** argv, const std::function<int()>& body);

// For a parse error's message naming a flag that is not taken: the
// nearest flag of app (or its subcommands), "; did you mean --table?".
std::string nearest_flag(const CLI::App& app, const std::string& message);
// -f/--format tick|json|csv|table; pipe_default: what is written on a pipe
// when -f is not given (a stage of a pipeline writes tick; the decoder,
// tick-cat, JSON lines).
// kdb: -f kdb (a kdb+ tick journal) is offered too.
void add_format(CLI::App& app, std::string& format, Format pipe_default = Format::tick, bool kdb = false);
// --split DIR: text rows into DIR/TABLE.csv (.json), one file per table.
void add_split(CLI::App& app, std::string& dir);
// --time-format iso|q: how json, csv and table output write times.
void add_time_format(CLI::App& app, TimeFormat& tf);
// The format to write on fd: as given, or table on a terminal and
// pipe_default elsewhere. Refuses tick on a terminal.
Format resolve_format(const std::string& format, int fd, Format pipe_default = Format::tick);

// A number from 0 to max, said as "WHAT" in the refusal ("a number of rows
// per second"); whole numbers only if whole.
CLI::Validator number(const std::string& what, double max = 1e15, bool whole = false);

// kdb+ tick journals (tick.q's logs) among the inputs are read as tick
// streams: their tables' columns named by the schema (a sym.q; the log holds
// none), their day the date given or else the file name's. Adds --schema
// (unless the tool has its own, passed in) and --date (unless date is null).
struct KdbArgs {
  std::string schema, date;
};
void add_kdb_journals(CLI::App& app, KdbArgs& k, bool schema_option = true, bool date_option = true);
// Installs the reading for the process (before any input is opened).
void read_kdb_journals(const KdbArgs& k);

// -t/--table, -s/--sym, --from, --to
struct FilterArgs {
  std::string tables, syms, from, to;
  FilterSpec spec() const;
};
void add_filters(CLI::App& app, FilterArgs& f);

}  // namespace tick::cli
