#include "tick/sub.h"

#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tick/clock.h"
#include "tick/diag.h"
#include "tick/error.h"
#include "tick/net.h"
#include "tick/signals.h"
#include "tick/writer.h"

namespace tick {

int subscribe(const SubOptions& o, Output& out) {
  Address addr = parse_address(o.address);
  SubscribeRequest req = o.request;
  Copier copier(out, o.copy);
  int64_t backoff = 100'000'000;
  bool warned = false;
  // Where the stream stands: the day, the last sequence seen, a closed day.
  int32_t day = kNoDate;
  uint64_t seq = 0;
  bool have_position = false, day_closed = false;
  while (!stop_requested()) {
    int fd = connect_to(addr);
    if (fd < 0) {
      std::string why = str(o.address, ": ", std::strerror(errno));
      if (!o.reconnect) fail(why);
      if (!warned) warn(why + " (retrying)");
      warned = true;
      sleep_ns(backoff);
      backoff = std::min<int64_t>(backoff * 2, 5 * kNsPerSec);
      continue;
    }
    if (have_position) {
      // Resume right after what was written: the next record of the day,
      // or the start of the next day once its end of day was seen.
      req.from = SubscribeRequest::From::seq;
      req.day = day_closed ? day + 1 : day;
      req.seq = day_closed ? 1 : seq + 1;
    }
    {
      Output w(fd, 4096);
      write_subscribe(w, req);
      w.flush();
    }
    auto in = Input::from_socket(fd, o.address);
    enum class End { lost, eos, eod, cut } end = End::lost;
    std::string refused, torn;
    copier.set_observer([&](const Record& r, Decoder::Kind k, const Decoder& d) {
      switch (r.h.type) {
        case RecordType::Accept: {
          Accepted a = parse_accept(r.payload(), r.h.length);
          if (!have_position || a.day != kNoDate) {
            day = a.day;
            seq = a.after;
          }
          have_position = true;
          day_closed = false;
          backoff = 100'000'000;
          if (warned) warn(str("connected to ", o.address));
          warned = false;
          return true;
        }
        case RecordType::Refuse: {
          Refused ref = parse_refuse(r.h, r.payload());
          refused = ref.why;
          // (cut off: its queue passed tick-pub's bound; it resumes from the journal)
          end = ref.code == Refusal::cut_off ? End::cut : End::lost;
          return false;
        }
        case RecordType::EndOfStream:
          end = End::eos;
          return false;
        default:
          break;
      }
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
        if (o.until_eod) {
          end = End::eod;
          copier.stop_after();
        }
      }
      return true;
    });
    try {
      copier.copy(*in, o.max_record);
    } catch (const BrokenPipe&) {
      throw;  // the downstream closed: tick-sub ends quietly, status 0
    } catch (const RefusedInput&) {
      throw;  // it would come again on every reconnect
    } catch (const TornTail& e) {
      // The connection went in the middle of a record: said as such below;
      // what came before it is written, the record is asked for again.
      if (!o.reconnect) throw;
      torn = e.what();
    } catch (const Error& e) {
      if (!o.reconnect) throw;
      warn(e.what());
    }
    copier.flush();
    if (end == End::eos) return 0;
    if (!refused.empty() && end != End::cut) fail(o.address, ": refused: ", refused);
    if (end == End::eod) return 0;
    if (stop_requested()) return 0;
    if (!o.reconnect) fail(o.address, ": ", refused.empty() ? "connection closed" : refused);
    if (!torn.empty() && refused.empty())
      warn(str(torn, ": connection lost mid-record; reconnecting"));
    else
      warn(str(o.address, ": ", refused.empty() ? "connection lost" : refused, "; reconnecting"));
    warned = true;
    sleep_ns(backoff);
    backoff = std::min<int64_t>(backoff * 2, 5 * kNsPerSec);
  }
  return 0;
}

}  // namespace tick
