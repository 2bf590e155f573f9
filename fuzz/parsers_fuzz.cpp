// libFuzzer target: what clients and files hand the small parsers, chosen
// by the first byte: the subscription protocol's and the journal's control
// payloads (subscribe, accept, refuse, hello, ack, progress, positions),
// schema files and sym.q, tick-ws's messages (a hub with a live table) and
// its history query's fields (NUL-separated name=value pairs). Each must
// answer or throw Error, never crash.
#include <cstdint>
#include <string>
#include <string_view>

#include "tick/base/error.h"
#include "tick/net/protocol.h"
#include "tick/stream/control.h"
#include "tick/stream/schema.h"
#include "tick/ws/hub.h"
#include "tick/ws/query.h"

namespace {
struct NullConn : tick::ws::Conn {
  void want_write() override {}
};

void hub_message(std::string_view text) {
  static tick::ws::Hub* hub = [] {
    auto* h = new tick::ws::Hub(tick::ws::HubOptions{});
    h->on_query = [](tick::ws::Conn&, const tick::ws::FieldOf& field, const std::string&) {
      tick::ws::Query q;
      std::string why;
      tick::ws::parse_query(field, tick::ws::QuerySources{"hdb", ""}, 1000, q, why);
    };
    return h;
  }();
  NullConn c;
  hub->opened(c);
  hub->message(c, text);
  while (hub->next(c, 0)) {
  }
  hub->closed(c);
}

void query_fields(std::string_view text) {
  tick::ws::Query q;
  std::string why;
  tick::ws::parse_query(
      [&](const char* name) -> std::string {
        std::string key = std::string(name) + "=";
        size_t at = 0;
        while (at <= text.size()) {
          size_t end = text.find('\0', at);
          if (end == std::string_view::npos) end = text.size();
          std::string_view f = text.substr(at, end - at);
          if (f.substr(0, key.size()) == key) return std::string(f.substr(key.size()));
          at = end + 1;
        }
        return "";
      },
      tick::ws::QuerySources{"hdb", "log"}, 1000000, q, why);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t which = data[0];
  const uint8_t* p = data + 1;
  const size_t n = size - 1;
  const std::string_view text(reinterpret_cast<const char*>(p), n);
  try {
    switch (which % 11) {
      case 0: tick::parse_subscribe(p, n); break;
      case 1: tick::parse_accept(p, n); break;
      case 2: {
        tick::RecordHeader h{};
        h.length = static_cast<uint32_t>(n);
        tick::parse_refuse(h, p);
        break;
      }
      case 3: tick::parse_hello(p, n); break;
      case 4: {
        uint64_t a, b;
        tick::parse_ack(p, n, a, b);
        break;
      }
      case 5: tick::parse_progress(p, n); break;
      case 6: tick::parse_positions(p, n); break;
      case 7: tick::parse_schema(text, "fuzz"); break;
      case 8: tick::parse_symq(text, "fuzz"); break;
      case 9: hub_message(text); break;
      case 10: query_fields(text); break;
    }
  } catch (const tick::Error&) {
  }
  return 0;
}
