// tick-cat: decode tick streams to text, or encode text (-e) to a tick stream.
#include <unistd.h>

#include "common/cli.h"
#include "tick/base/diag.h"
#include "tick/base/signals.h"
#include "tick/journal/files.h"
#include "tick/stream/schema.h"
#include "tick/text/copy.h"
#include "tick/text/in.h"

using namespace tick;

int main(int argc, char** argv) {
  CLI::App app{"Decode tick streams to text, or encode JSON lines or CSV to a tick stream.",
               "tick-cat"};
  std::vector<std::string> files;
  std::string format, schema_file, in_format = "json", on_error = "fail", rejects, unit = "ns";
  bool encode = false, ignore_unknown = false;
  uint32_t batch = 4096;
  cli::FilterArgs filters;
  app.add_option("files", files, "Inputs (default: standard input; - is standard input)");
  app.add_flag("-e,--encode", encode, "Encode text to a tick stream");
  app.add_option("--schema", schema_file, "Schema file (native or kdb+ sym.q): for -e, and kdb+ journals' columns");
  cli::KdbArgs kdb_args;
  cli::add_kdb_journals(app, kdb_args, /*schema_option=*/false);
  app.add_option("--in", in_format, "Text input format for -e: json or csv")
      ->check(CLI::IsMember({"json", "csv"}));
  cli::add_format(app, format, Format::json, /*kdb=*/true);  // the decoder: text on a pipe too
  TimeFormat time_format = TimeFormat::iso;
  cli::add_time_format(app, time_format);
  std::string split;
  cli::add_split(app, split);
  cli::add_filters(app, filters);
  app.add_option("--on-error", on_error, "On bad input: fail (stop, exit 1) or skip (go on)")
      ->check(CLI::IsMember({"fail", "skip"}));
  app.add_option("--rejects", rejects, "With -e and --on-error skip: write rejected lines here");
  app.add_option("--time-unit", unit, "Unit of epoch numbers in time columns: s, ms, us or ns")
      ->check(CLI::IsMember({"s", "ms", "us", "ns"}));
  app.add_option("--batch", batch, "With -e: rows per record at most")->check(CLI::Range(1u, 1u << 24));
  app.add_flag("--ignore-unknown", ignore_unknown, "With -e: ignore fields that are not in the schema");

  return cli::run(app, argc, argv, [&] {
    if (files.empty()) files.push_back("-");
    Output out(STDOUT_FILENO);
    if (encode) {
      if (schema_file.empty()) throw UsageError("-e needs --schema FILE");
      // tick on a pipe, as encoders do; -f json|csv|table shows what was
      // encoded (read back through the decoder).
      if (format.empty() && ::isatty(STDOUT_FILENO))
        throw UsageError("refusing to write a binary tick stream to a terminal (redirect it, or add -f table to "
                         "see what is encoded)");
      const Format shown = format.empty() ? Format::tick : cli::resolve_format(format, STDOUT_FILENO);
      Schema schema = load_schema(schema_file);
      EncodeOptions o;
      o.in = in_format == "csv" ? EncodeOptions::In::csv : EncodeOptions::In::json;
      o.table = filters.tables;
      o.unit = *time_unit_from_name(unit);
      o.skip_errors = on_error == "skip";
      o.rejects = rejects;
      o.batch_rows = batch;
      o.ignore_unknown = ignore_unknown;
      CopyOptions shown_as;
      shown_as.format = shown;
      shown_as.time_format = time_format;
      shown_as.csv_table_column = filters.tables.empty();
      // Whole records reach the decoder: the encoder writes a record at a time.
      ShownText text(out, shown_as, "encoded");
      Encoder enc(schema, shown == Format::tick ? out : text.input(), o);
      for (const auto& f : files) {
        auto in = Input::open(f, /*allow_mmap=*/false);
        enc.encode(*in);
      }
      enc.flush();
      text.flush();
      if (enc.rejected()) warn(str(enc.rejected(), " lines rejected", rejects.empty() ? "" : " (see " + rejects + ")"));
      return 0;
    }
    kdb_args.schema = schema_file;
    cli::read_kdb_journals(kdb_args);
    CopyOptions o;
    if (!split.empty() && format.empty()) format = "csv";
    o.format = cli::resolve_format(format, STDOUT_FILENO, Format::json);
    o.split_dir = split;
    o.time_format = time_format;
    o.filter = filters.spec();
    o.skip_bad = on_error == "skip";
    o.csv_table_column = o.filter.tables.size() != 1;
    Copier copier(out, o);
    for (const auto& f : expand_journals(files)) {  // a directory: its journals, in date order
      if (stop_requested()) break;
      auto in = Input::open(f);
      copier.copy(*in);
    }
    if (stop_requested()) copier.flush();  // (what was read so far; the filters' checks need all of it)
    else copier.finish();
    return copier.problems() ? 1 : 0;
  });
}
