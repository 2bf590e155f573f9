#include "tick/net/sub.h"

#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tick/base/clock.h"
#include "tick/base/diag.h"
#include "tick/base/error.h"
#include "tick/base/signals.h"
#include "tick/base/units.h"
#include "tick/net/net.h"
#include "tick/stream/writer.h"

namespace tick {

namespace {

// Where the stream stands: the day, the last sequence seen, a closed day;
// a reconnect resumes right after it.
struct Position {
  int32_t day = kNoDate;
  uint64_t seq = 0;
  bool known = false, day_closed = false;

  // The request that resumes after what was written: the next record of
  // the day, or the start of the next day once its end of day was seen.
  void resume(SubscribeRequest& req) const {
    if (!known) return;
    req.from = SubscribeRequest::From::seq;
    req.day = day_closed ? day + 1 : day;
    req.seq = day_closed ? 1 : seq + 1;
  }
  void accepted(const Accepted& a) {
    if (!known || a.day != kNoDate) {
      day = a.day;
      seq = a.after;
    }
    known = true;
    day_closed = false;
  }
  // A record written; true if it closed its day.
  bool written(Decoder::Kind k, const Decoder& d) {
    if (k == Decoder::Kind::Header && d.stream_date() != kNoDate) {
      if (d.stream_date() != day) {
        day = d.stream_date();
        seq = 0;
      }
      day_closed = false;
    } else if (k == Decoder::Kind::Data && d.data().seq) {
      seq = d.data().seq;
    } else if (k == Decoder::Kind::EndOfDay) {
      day = d.eod_date();
      seq = d.control_seq();
      day_closed = true;
      return true;
    }
    return false;
  }
};

// The wait before the next connection: doubling from 0.1 s to 5 s, back to
// 0.1 s once a connection is accepted; whether a retry has been said.
struct Backoff {
  static constexpr int64_t kRepeatNs = 10 * kNsPerSec;  // a failing connect said again this often
  int64_t ns = 100'000'000;
  bool warned = false;
  int64_t failing_since = 0, said_at = 0;
  uint64_t attempts = 0;
  void wait() {
    sleep_ns(ns);
    ns = std::min<int64_t>(ns * 2, 5 * kNsPerSec);
  }
  // A connection that could not be made: said at once, then every
  // kRepeatNs while it goes on failing.
  void refused(const std::string& why) {
    int64_t now = now_ns();
    attempts++;
    if (!warned) {
      warn(why + " (retrying; --no-reconnect fails at once)");
      warned = true;
      failing_since = said_at = now;
      attempts = 1;
    } else if (now - said_at >= kRepeatNs) {
      warn(str(why, " (still, after ", attempts, " attempts in ", duration_text((now - failing_since) / kNsPerSec * kNsPerSec),
               "; retrying every ", duration_text(ns), ")"));
      said_at = now;
    }
  }
  // A connection that was up went: the next refusals are said as going on.
  void lost() {
    warned = true;
    failing_since = said_at = now_ns();
    attempts = 0;
  }
  void connected(const std::string& address) {
    ns = 100'000'000;
    if (warned) warn(str("connected to ", address));
    warned = false;
  }
};

// How one connection's stream ended.
struct Session {
  enum class End { lost, eos, eod, cut } end = End::lost;
  std::string refused;  // the server's refusal, if any
  std::string torn;     // the connection went mid-record (where)
};

// One connection's stream, written through the copier.
Session stream(const SubOptions& o, int fd, Copier& copier, Position& pos, Backoff& backoff) {
  auto in = Input::from_socket(fd, o.address);
  Session ss;
  copier.set_observer([&](const Record& r, Decoder::Kind k, const Decoder& d) {
    switch (r.h.type) {
      case RecordType::Accept:
        pos.accepted(parse_accept(r.payload(), r.h.length));
        backoff.connected(o.address);
        return true;
      case RecordType::Refuse: {
        Refused ref = parse_refuse(r.h, r.payload());
        ss.refused = ref.why;
        // (cut off: its queue passed tick-pub's bound; it resumes from the journal)
        ss.end = ref.code == Refusal::cut_off ? Session::End::cut : Session::End::lost;
        return false;
      }
      case RecordType::EndOfStream:
        ss.end = Session::End::eos;
        return false;
      default:
        break;
    }
    if (pos.written(k, d) && o.until_eod) {
      ss.end = Session::End::eod;
      copier.stop_after();
    }
    return true;
  });
  try {
    copier.copy(*in, o.max_record);
  } catch (const BrokenPipe&) {
    throw;  // the downstream closed: tick-sub ends quietly, status 0
  } catch (const RefusedInput&) {
    throw;  // it would come again on every reconnect
  } catch (const OutputRefused&) {
    throw;  // so would this
  } catch (const TornTail& e) {
    // The connection went in the middle of a record: said as such; what
    // came before it is written, the record is asked for again.
    if (!o.reconnect) throw;
    ss.torn = e.what();
  } catch (const Error& e) {
    if (!o.reconnect) throw;
    warn(e.what());
  }
  copier.flush();
  return ss;
}

}  // namespace

int subscribe(const SubOptions& o, Output& out) {
  Address addr = parse_address(o.address);
  SubscribeRequest req = o.request;
  Copier copier(out, o.copy);
  Backoff backoff;
  Position pos;
  while (!stop_requested()) {
    int fd = connect_to(addr);
    if (fd < 0) {
      std::string why = str(o.address, ": ", std::strerror(errno));
      if (!o.reconnect) fail(why);
      backoff.refused(why);
      out.check_reader();  // (nothing is written while it waits: | true, | head that ended, end it)
      backoff.wait();
      continue;
    }
    pos.resume(req);
    {
      Output w(fd, 4096);
      write_subscribe(w, req);
      w.flush();
    }
    Session ss = stream(o, fd, copier, pos, backoff);
    using End = Session::End;
    if (ss.end == End::eos) return 0;
    if (!ss.refused.empty() && ss.end != End::cut) fail(o.address, ": refused: ", ss.refused);
    if (ss.end == End::eod) return 0;
    if (stop_requested()) return 0;
    if (!o.reconnect) fail(o.address, ": ", ss.refused.empty() ? "connection closed" : ss.refused);
    if (!ss.torn.empty() && ss.refused.empty())
      warn(str(ss.torn, ": connection lost mid-record; reconnecting"));
    else
      warn(str(o.address, ": ", ss.refused.empty() ? "connection lost" : ss.refused, "; reconnecting"));
    backoff.lost();
    backoff.wait();
  }
  return 0;
}

}  // namespace tick
