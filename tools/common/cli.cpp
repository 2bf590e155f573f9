#include "common/cli.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "tick/base/diag.h"
#include "tick/base/error.h"
#include "tick/base/io.h"
#include "tick/base/signals.h"
#include "tick/base/clock.h"
#include "tick/kdb/journal.h"
#include "tick/stream/schema.h"

namespace tick::cli {

namespace {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); j++) row[j] = j;
  for (size_t i = 1; i <= a.size(); i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); j++) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

void long_names(const CLI::App* app, std::vector<std::string>& out) {
  for (const CLI::Option* o : app->get_options())
    for (const auto& n : o->get_lnames()) out.push_back("--" + n);
  for (const CLI::App* s : app->get_subcommands([](const CLI::App*) { return true; })) long_names(s, out);
}

}  // namespace

// A flag not taken (a typo: --tabel): the nearest flag there is, as
// "; did you mean --table?", or "".
std::string nearest_flag(const CLI::App& app, const std::string& message) {
  size_t at = message.find(" --");
  if (at == std::string::npos) return "";
  std::string typo = message.substr(at + 1);
  typo = typo.substr(0, typo.find_first_of(" =,"));
  std::vector<std::string> names;
  long_names(&app, names);
  std::string best;
  size_t best_d = 3;  // at most two edits away
  for (const auto& n : names) {
    size_t d = edit_distance(typo, n);
    if (d < best_d || (d == best_d && !best.empty() && n < best)) {
      best_d = d;
      best = n;
    }
  }
  return best.empty() || best == typo ? "" : "; did you mean " + best + "?";
}

int run(CLI::App& app, int argc, char** argv, const std::function<int()>& body) {
  set_program(app.get_name().c_str());
  app.set_version_flag("--version", std::string(app.get_name()) + " " + TICK_VERSION);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    warn(std::string(e.what()) + nearest_flag(app, e.what()) + " (see --help)");
    return 2;
  }
  install_signal_handlers();
  try {
    return body();
  } catch (const BrokenPipe&) {
    return 0;  // the downstream went away: end quietly, as Unix filters do
  } catch (const UsageError& e) {
    warn(std::string(e.what()) + " (see --help)");
    return 2;
  } catch (const std::exception& e) {
    warn(e.what());
    return 1;
  }
}

void add_format(CLI::App& app, std::string& format, Format pipe_default, bool kdb) {
  if (kdb)
    app.add_option("-f,--format", format,
                   str("Output format: tick, json, csv, table or kdb (a kdb+ tick journal) (default: ",
                       format_name(pipe_default), ", or table on a terminal)"))
        ->check(CLI::IsMember({"tick", "json", "csv", "table", "kdb"}));
  else
    app.add_option("-f,--format", format,
                   str("Output format: tick, json, csv or table (default: ", format_name(pipe_default),
                       ", or table on a terminal)"))
        ->check(CLI::IsMember({"tick", "json", "csv", "table"}));
}

void add_split(CLI::App& app, std::string& dir) {
  app.add_option("--split", dir, "Write text rows into DIR/TABLE.csv (or .json), one file per table (CSV holds one table)")
      ->type_name("DIR")
      ->check(CLI::ExistingDirectory);
}

void add_time_format(CLI::App& app, TimeFormat& tf) {
  app.add_option_function<std::string>(
         "--time-format", [&tf](const std::string& v) { tf = v == "q" ? TimeFormat::q : TimeFormat::iso; },
         "Times in text output: iso (2026-11-23T14:30:00.5Z) or q (2026.11.23D14:30:00.5)")
      ->check(CLI::IsMember({"iso", "q"}));
}

Format resolve_format(const std::string& format, int fd, Format pipe_default) {
  bool tty = ::isatty(fd);
  if (format.empty()) return tty ? Format::table : pipe_default;
  Format f = *format_from_name(format);
  if (f == Format::tick && tty)
    throw UsageError("refusing to write a binary tick stream to a terminal (redirect it, or use -f table)");
  if (f == Format::kdb && tty)
    throw UsageError("refusing to write a binary kdb+ journal to a terminal (redirect it to a file)");
  return f;
}

CLI::Validator number(const std::string& what, double max, bool whole) {
  return CLI::Validator(
      [=](std::string& s) -> std::string {
        char* end = nullptr;
        double v = std::strtod(s.c_str(), &end);
        bool ok = !s.empty() && end && *end == 0 && v >= 0 && v <= max && (!whole || v == static_cast<double>(static_cast<long long>(v)));
        if (ok) return "";
        return str("'", s, "' is not ", what, " (0 to ", static_cast<long long>(max), ")");
      },
      "NUMBER");
}

FilterSpec FilterArgs::spec() const {
  FilterSpec s;
  s.tables = split_list(tables);
  s.syms = split_list(syms);
  s.from = from;
  s.to = to;
  return s;
}

void add_filters(CLI::App& app, FilterArgs& f) {
  app.add_option("-t,--table", f.tables, "Only these tables (comma-separated)");
  app.add_option("-s,--sym", f.syms, "Only these syms (comma-separated)");
  app.add_option("--from", f.from, "Only rows at or after TIME (ISO-8601, or HH:MM[:SS[.f]])");
  app.add_option("--to", f.to, "Only rows at or before TIME (ISO-8601, or HH:MM[:SS[.f]])");
}

void add_kdb_journals(CLI::App& app, KdbArgs& k, bool schema_option, bool date_option) {
  if (schema_option)
    app.add_option("--schema", k.schema, "kdb+ journals among the inputs: their tables' columns (a sym.q)")
        ->check(CLI::ExistingFile);
  if (date_option)
    app.add_option("--date", k.date, "kdb+ journals among the inputs: their day (default: from the file name)");
}

void read_kdb_journals(const KdbArgs& k) {
  std::shared_ptr<const Schema> schema;
  if (!k.schema.empty()) schema = std::make_shared<const Schema>(load_schema(k.schema));
  int32_t date = kNoDate;
  if (!k.date.empty()) {
    auto d = parse_date(k.date);
    if (!d) throw UsageError(str("--date ", k.date, ": not a date (YYYY-MM-DD or YYYY.MM.DD)"));
    date = *d;
  }
  kdb::read_journals(std::move(schema), date);
}

}  // namespace tick::cli
