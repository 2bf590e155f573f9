// tick-aj: each left row with the last right row of its key at or before
// its time, kdb+'s aj, on a stream or on two files (lib/tick/agg.h).
#include <unistd.h>

#include "tick/analytics/aj.h"
#include "common/cli.h"
#include "tick/base/diag.h"
#include "tick/stream/filter.h"
#include "tick/text/copy.h"

using namespace tick;

int main(int argc, char** argv) {
  CLI::App app{"As-of join: each row of one table with the last row of another, of its sym, at or before its time.",
               "tick-aj"};
  std::vector<std::string> files;
  std::string format, cols;
  AjOptions o;
  app.add_option("files", files, "A stream with both tables (default: standard input), or LEFT.tick RIGHT.tick");
  app.add_option("--left", o.left, "The table whose rows are joined (e.g. trade)")->required();
  app.add_option("--right", o.right, "The table joined to them as of their time (e.g. quote)")->required();
  app.add_option("--on", o.on, "The key: a symbol column of both (default sym)");
  app.add_option("--cols", cols, "Right's columns to add, NAME or NEW=NAME (default: all but time and the key)");
  app.add_option("--out-table", o.out_table, "The joined table's name (default LEFT_RIGHT)");
  cli::add_format(app, format, Format::tick);
  TimeFormat time_format = TimeFormat::iso;
  cli::add_time_format(app, time_format);

  return cli::run(app, argc, argv, [&] {
    o.cols = split_list(cols);
    if (files.size() > 2) throw UsageError("one stream, or two files (LEFT.tick RIGHT.tick)");
    if (files.empty()) files.push_back("-");
    if (files.size() == 1 && files[0] == "-" && ::isatty(STDIN_FILENO))
      throw UsageError("refusing to read a binary tick stream from a terminal (pipe one in: tick-sub :5010 | tick-aj ...)");
    auto left = Input::open(files[0]);
    std::unique_ptr<Input> right = files.size() == 2 ? Input::open(files[1]) : nullptr;
    std::vector<Input*> ins{left.get()};
    Output out(STDOUT_FILENO);
    const Format shown = cli::resolve_format(format, STDOUT_FILENO, Format::tick);
    AjReport rep;
    if (shown == Format::tick) {
      rep = asof_join(ins, right.get(), out, o);
    } else {
      CopyOptions as;
      as.format = shown;
      as.time_format = time_format;
      as.csv_table_column = false;
      ShownText text(out, as, "tick-aj");
      rep = asof_join(ins, right.get(), text.input(), o, [&] {
        text.flush();
        out.flush();
        out.check_reader();  // (| head gone while the feed is quiet)
      });
      text.flush();
    }
    out.flush();
    return 0;
  });
}
