// tick-gen: synthetic trades and quotes as a tick stream.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "common/cli.h"
#include "tick/base/clock.h"
#include "tick/base/signals.h"
#include "tick/stream/gen.h"
#include "tick/stream/schema.h"
#include "tick/text/copy.h"
#include <cstring>
#include <thread>

using namespace tick;

int main(int argc, char** argv) {
  CLI::App app{"Generate synthetic trades and quotes as a tick stream.", "tick-gen"};
  GenOptions o;
  std::string start, format;
  bool print_schema = false;
  app.add_option("--syms", o.syms, "Number of symbols")->check(CLI::Range(1u, 10'000'000u));
  app.add_option("--rate", o.rate,
                 "Rows per second of the feed: rows 1/RATE apart, delivered at RATE into a pipe, socket or terminal")
      ->check(cli::number("a number of rows per second", 1e10));
  app.add_option("--count", o.count, "Rows to write (0: no limit)")->check(cli::number("a number of rows", 1e15, true));
  app.add_option("--duration", o.duration, "Seconds of the feed: RATE x SECS rows (0: no limit)")
      ->check(cli::number("a number of seconds", 1e9));
  bool pace = false;
  app.add_flag("--pace", pace, "Deliver at --rate into a file too (a file is written as fast as it can be)");
  app.add_option("--batch", o.batch, "Rows per record at most")->check(CLI::Range(1u, 1u << 24));
  app.add_option("--seed", o.seed, "Random seed: the same seed gives the same bytes");
  app.add_option("--start", start, "Time of the first row (ISO-8601); rows are --step apart");
  int64_t step = 0;
  app.add_option("--step", step, "Nanoseconds between rows' times (default 1e9/RATE, or 1000000)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  app.add_flag("--print-schema", print_schema, "Print the schema of the generated tables and exit");
  cli::add_format(app, format);
  TimeFormat time_format = TimeFormat::iso;
  cli::add_time_format(app, time_format);

  return cli::run(app, argc, argv, [&] {
    if (print_schema) {
      std::fputs(format_schema(gen_schema()).c_str(), stdout);
      return 0;
    }
    if (!start.empty()) {
      auto t = parse_timestamp(start);
      if (!t) throw UsageError("bad --start '" + start + "' (want ISO-8601)");
      o.start = *t;
    }
    if (step > 0) o.step = step;
    // A live feed into a pipe, a socket or a terminal; into a file, the
    // rows at once (unless --pace).
    struct stat st{};
    const bool to_file = ::fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode);
    o.pace = o.rate > 0 && (pace || !to_file);
    if (pace && o.rate <= 0) throw UsageError("--pace needs --rate");
    Format f = cli::resolve_format(format, STDOUT_FILENO);
    if (f != Format::tick) {
      // Text: the generator's stream goes through the same decoder tick-cat uses.
      int fds[2];
      if (::pipe(fds) != 0) throw Error("pipe: " + std::string(std::strerror(errno)));
      std::thread producer([&] {
        try {
          Output pipe_out(fds[1]);
          generate(o, pipe_out);
        } catch (...) {
        }
        ::close(fds[1]);
      });
      Output out(STDOUT_FILENO);
      CopyOptions co;
      co.format = f;
      co.time_format = time_format;
      Copier copier(out, co);
      auto in = Input::from_fd(fds[0], "tick-gen");
      try {
        copier.copy(*in);
        copier.flush();
      } catch (...) {
        request_stop();
        ::close(fds[0]);
        producer.join();
        throw;
      }
      producer.join();
      return 0;
    }
    Output out(STDOUT_FILENO);
    generate(o, out);
    return 0;
  });
}
