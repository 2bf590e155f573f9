#include "tick/hdb/eod.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <numeric>
#include <thread>

#include "tick/base/clock.h"
#include "tick/base/diag.h"
#include "tick/base/error.h"
#include "tick/base/files.h"
#include "tick/base/progress_bar.h"
#include "tick/base/signals.h"
#include "tick/base/units.h"
#include "tick/hdb/commit.h"
#include "tick/hdb/day_builder.h"
#include "tick/hdb/hdb.h"
#include "tick/journal/files.h"
#include "tick/stream/reader.h"
#include "tick/stream/symbols.h"
#include "tick/stream/writer.h"

namespace tick {

namespace {
// How a day's partition ends: at its end-of-day record, or partial, where
// the input ended before it.
enum class DayEnd { eod_record, input_ended };


// How read_records reads.
struct ReadOptions {
  bool salvage = false;  // skip corrupt regions (counted) instead of refusing the day
  bool quiet = false;    // with salvage: do not report them (the first reading did)
  uint64_t limit = UINT64_MAX;  // stop at the record at this byte
  bool first_reading = false;   // verify CRCs (a second reading trusts the first's)
};

// Reads in to its end, or up to the record at byte o.limit, applying each
// record to a fresh decoder and handing it to f. A corrupt region or a
// record that contradicts the stream is refused ("NAME:OFFSET: reason"),
// or with salvage reported (unless quiet), counted and skipped.
uint64_t read_records(Input& in, const ReadOptions& o, const RecordFn& f) {
  const bool salvage = o.salvage, quiet = o.quiet, first_reading = o.first_reading;
  const uint64_t limit = o.limit;
  Decoder dec;
  uint64_t problems = 0, released = 0;
  auto problem = [&](const Damage& d) {
    std::string where = d.where(in.name());
    if (!salvage) throw Error(where + " (--salvage keeps every valid record)");
    problems++;
    if (!quiet) warn(where);
  };
  const Reporter rep{salvage, problem};
  auto take = [&](const Record& r) {
    Decoder::Kind kind;
    try {
      kind = dec.apply(r);
    } catch (const VersionError& e) {
      throw Error(str(in.name(), ":", r.offset, ": ", e.what()));
    } catch (const Error& e) {
      return problem(Damage{r.offset, e.what()});
    }
    f(kind, dec, r);
    if (first_reading && r.offset - released > (16u << 20)) {
      in.release(r.offset);
      released = r.offset;
    }
  };
  ReadPlan plan;
  // The second reading of a day: its bytes were verified by the first.
  // (With --salvage the corrupt regions must be found again: checked.)
  plan.trusted = !first_reading && !salvage;
  plan.limit = limit;
  for_each_record(in, plan, rep, [&](const Record& r) {
    take(r);
    return true;
  });
  return problems;
}

// Builds the partition of date from a day read by again(), and puts it in
// place; false if an existing one was kept.
bool build(DayBuilder& b, int32_t date, const EodOptions& o, const ReadAgain& again,
           EodReport& report, DayEnd end = DayEnd::eod_record) {
  const bool partial_day = end == DayEnd::input_ended;
  std::string fin = o.kdb ? hdb::kdb_partition_path(o.hdb, date) : hdb::partition_path(o.hdb, date);
  // A partial partition (written from an unfinished day) never blocks the
  // real one.
  const bool was_partial = path_exists(join_path(fin, kPartialMarker));
  const bool replace = o.force || was_partial;
  if (path_exists(fin) && !replace) {
    warn(str(fin, " exists: kept (--force replaces it)"));
    report.kept++;
    return false;
  }
  int64_t t0 = now_ns();
  std::string tmp = temp_path(o.hdb, date_string(date));
  remove_tree(tmp);
  make_dir(tmp);
  try {
    b.write(tmp, date, again);
    if (partial_day) write_file(join_path(tmp, kPartialMarker), "the input ended before this day's end-of-day record\n");
    if (!commit_partition(tmp, o.hdb, date, replace, o.kdb)) {
      warn(str(fin, " appeared meanwhile: kept (--force replaces it)"));
      report.kept++;
      return false;
    }
  } catch (...) {
    try {
      remove_tree(tmp);
    } catch (...) {
    }
    throw;
  }
  report.written++;
  report.rows += b.rows();
  warn(str(fin, ": ", partial_day ? "partial (no end of day yet), " : "", b.rows(), " rows, ", b.tables(),
           " tables, ", b.syms(), " syms, ",
           o.kdb ? "q's layout" : o.level ? size_text(b.bytes_written()) + " of " + hdb::compress_name(o.level) + " columns" : "plain columns",
           ", in ", seconds_text(now_ns() - t0), was_partial && !partial_day ? "; replaced the partial partition" : ""));
  return true;
}

}  // namespace

void eod_journal(const std::string& path, const EodOptions& o, EodReport& report) {
  open_hdb(o.hdb);
  if (journal_in_use(path)) {
    // Its day is not over: a partition of it now would hold part of the day.
    warn(str(path, ": a tick-log is writing this journal (its day is not over): skipped; its partition is written "
             "once the day has rolled"));
    report.skipped++;
    return;
  }
  auto in = Input::open(path);
  uint64_t size = in->size_hint();
  ProgressBar prog(base_name(path), 2 * size);
  DayBuilder b(o);
  int32_t date = kNoDate;
  uint64_t end = 0;
  bool saw_eod = false;
  ReadOptions first{.salvage = o.salvage, .first_reading = true};
  report.problems += read_records(*in, first, [&](Decoder::Kind k, const Decoder& d, const Record& r) {
    const uint64_t off = r.offset;
    if (k == Decoder::Kind::Header && d.stream_date() != kNoDate) {
      if (date == kNoDate) date = d.stream_date();
      else if (d.stream_date() != date)
        fail(path, ":", off, ": a second day (", date_string(d.stream_date()), ") in the journal of ",
             date_string(date), "; give tick-eod this on standard input to write a partition per day");
    }
    if (k == Decoder::Kind::EndOfDay) saw_eod = true;
    b.count(k, d, {path, off});
    end = off + r.size();  // (the input itself may be read ahead)
    prog.update(end);
  });
  in.reset();
  if (!saw_eod)
    warn(str(path, ": no end-of-day record (its tick-log stopped before the roll): the partition is marked partial, "
             "and the day's real end replaces it"));
  if (date == kNoDate) date = journal_date(path);
  if (date == kNoDate) fail(path, ": no date in the journal's header or name");
  build(b, date, o, [&](const RecordFn& f) {
    auto again = Input::open(path);
    if (again->mapped()) b.set_release([&](uint64_t off) { again->release(off); });
    read_records(*again, {.salvage = o.salvage, .quiet = true, .limit = end}, [&](Decoder::Kind k, const Decoder& d, const Record& r) {
      f(k, d, r);
      prog.update(size + again->offset());
    });
    prog.finish();  // before compression and the summary line
    return again;
  }, report, saw_eod ? DayEnd::eod_record : DayEnd::input_ended);
  prog.finish();
}

void eod_stream(Input& in, const EodOptions& o, EodReport& report) {
  open_hdb(o.hdb);
  const std::string spool = temp_path(o.hdb, "spool");
  struct Cleanup {
    const std::string& p;
    ~Cleanup() { ::unlink(p.c_str()); }
  } cleanup{spool};
  std::unique_ptr<Output> out;
  std::unique_ptr<DayBuilder> day;
  int32_t stream_date = kNoDate;
  // A new day's spool starts with the stream's context, so it decodes alone.
  auto begin_day = [&](const Decoder* dec) {
    out = std::make_unique<Output>(open_or_fail(spool, O_WRONLY | O_CREAT | O_TRUNC));
    day = std::make_unique<DayBuilder>(o);
    if (!dec || !dec->started()) return;
    write_context(*out, *dec);
  };
  auto end_day = [&](int32_t date, DayEnd end) {
    out->flush();
    ::close(out->fd());
    out.reset();
    build(*day, date, o, [&](const RecordFn& f) {
      auto again = Input::open(spool);
      if (again->mapped()) day->set_release([&](uint64_t off) { again->release(off); });
      read_records(*again, {.quiet = true}, f);
      return again;
    }, report, end);
  };
  begin_day(nullptr);
  report.problems += read_records(in, {.salvage = o.salvage, .first_reading = true}, [&](Decoder::Kind kind, const Decoder& dec, const Record& r) {
    stream_date = dec.stream_date();
    switch (kind) {
      case Decoder::Kind::Header:
      case Decoder::Kind::Schema:
      case Decoder::Kind::Symbols:
      case Decoder::Kind::Data:
        out->write(r.bytes, r.size());
        day->count(kind, dec, {in.name(), r.offset});
        break;
      case Decoder::Kind::EndOfDay:
        if (o.date != INT32_MIN && dec.eod_date() != o.date)
          fail(in.name(), ":", r.offset, ": an end of day ", date_string(dec.eod_date()), " in a stream loaded as --date ",
               date_string(o.date));
        end_day(dec.eod_date(), DayEnd::eod_record);
        begin_day(&dec);
        break;
      default:
        break;  // heartbeats and protocol messages are not history
    }
  });
  if (day->rows() == 0) return;
  if (o.date != INT32_MIN && !stop_requested()) {
    // A backfill: the input is the day, whole.
    end_day(o.date, DayEnd::eod_record);
    return;
  }
  if (stop_requested()) {
    warn(str("stopped: the ", day->rows(), " rows of the unfinished day were not written"));
    return;
  }
  if (stream_date == kNoDate)
    fail(in.name(), ": the input ended with ", day->rows(),
         " rows of a day with no date (no end-of-day record, no dated header); not written");
  if (!o.partial) {
    // Not a finished day: half a day in the HDB would be taken for the day.
    warn(str("the input ended before the end of day ", date_string(stream_date), ": its ", day->rows(),
             " rows were not written (--partial writes them, marked partial)"));
    report.unfinished = day->rows();
    return;
  }
  end_day(stream_date, DayEnd::input_ended);
}

}  // namespace tick
