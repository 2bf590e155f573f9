// A text value (a CSV field, a JSON string in a time column) into a column.
#include "tick/text/in_impl.h"

#include "tick/base/clock.h"
#include "tick/base/units.h"

namespace tick {

bool Encoder::Impl::time_number(const Column& c, int64_t v, int64_t& ns) {
  if (c.type == Type::date) {
    ns = v;
    return true;
  }
  if (mul_overflows(v, unit_ns(opt.unit), ns)) return bad(str("column ", c.name, ": ", v, " is out of range"));
  // An epoch number in a timespan column is its time of day, as a timestamp
  // there is (a number within a day is that time of day already).
  if (c.type == Type::timespan) ns = time_of_day(ns);
  return true;
}

// Sets column col from its text form (CSV fields; JSON strings in time columns).
bool Encoder::Impl::set_text(TableBatch& b, int col, const Column& c, std::string_view v) {
  auto wrong = [&](const char* what) {
    return bad(str("column ", c.name, ": '", v.substr(0, 64), "' is not ", what));
  };
  switch (c.type) {
    case Type::boolean:
      if (v == "1" || v == "true" || v == "t" || v == "1b") b.set<uint8_t>(col, 1);
      else if (v == "0" || v == "false" || v == "f" || v == "0b") b.set<uint8_t>(col, 0);
      else return wrong("a boolean");
      return true;
    case Type::byte: {
      unsigned x;
      if (!parse_int(v, x) || x > 255) return wrong("a byte (0-255)");
      b.set<uint8_t>(col, static_cast<uint8_t>(x));
      return true;
    }
    case Type::short_: {
      int16_t x;
      if (!parse_int(v, x)) return wrong("a short");
      b.set<int16_t>(col, x);
      return true;
    }
    case Type::int_: {
      int32_t x;
      if (!parse_int(v, x)) return wrong("an int");
      b.set<int32_t>(col, x);
      return true;
    }
    case Type::long_: {
      int64_t x;
      if (!parse_int(v, x)) return wrong("a long");
      b.set<int64_t>(col, x);
      return true;
    }
    case Type::real: {
      float x;
      if (!parse_float(v, x)) return wrong("a real");
      b.set<float>(col, x);
      return true;
    }
    case Type::float_: {
      double x;
      if (!parse_float(v, x)) return wrong("a float");
      b.set<double>(col, x);
      return true;
    }
    case Type::char_:
      if (v.size() > 1) return wrong("a single character");
      b.set<char>(col, v.empty() ? ' ' : v[0]);
      return true;
    case Type::symbol:
      if (v.size() > 65535) return bad(str("column ", c.name, ": symbol longer than 65535 bytes"));
      b.set<uint32_t>(col, writer.syms().intern(v));
      return true;
    case Type::string:
      b.set_string(col, v);
      return true;
    case Type::timestamp: {
      if (auto t = parse_timestamp(v)) return b.set<int64_t>(col, *t), true;
      int64_t n, ns;
      if (!parse_int(v, n)) {
        double d;
        if (!parse_float(v, d) || !std::isfinite(d)) return wrong("a timestamp (ISO-8601, q's 2026.11.23D14:30:00 or an epoch number)");
        double x = d * static_cast<double>(unit_ns(opt.unit));
        if (!(x > -9.2e18 && x < 9.2e18)) return wrong("a timestamp in range");
        return b.set<int64_t>(col, static_cast<int64_t>(std::llround(x))), true;
      }
      if (!time_number(c, n, ns)) return false;
      b.set<int64_t>(col, ns);
      return true;
    }
    case Type::timespan: {
      if (auto t = parse_timespan(v)) return b.set<int64_t>(col, *t), true;
      // A timestamp in a timespan column (kdb+ tick's time:timespan) is the
      // time since midnight UTC of its day.
      if (auto t = parse_timestamp(v)) return b.set<int64_t>(col, time_of_day(*t)), true;
      int64_t n, ns;
      if (!parse_int(v, n)) return wrong("a timespan (HH:MM:SS.f, a timestamp or a number)");
      if (!time_number(c, n, ns)) return false;
      b.set<int64_t>(col, ns);
      return true;
    }
    case Type::date: {
      if (auto d = parse_date(v)) return b.set<int32_t>(col, *d), true;
      int32_t n;
      if (!parse_int(v, n)) return wrong("a date (YYYY-MM-DD or YYYY.MM.DD)");
      b.set<int32_t>(col, n);
      return true;
    }
    case Type::time: case Type::second: case Type::minute: {
      // q's text (09:30:00.000, 09:30:00, 09:30), a timespan's or a
      // timestamp's time of day (truncated to the unit), or the number itself.
      std::optional<int64_t> ns = parse_timespan(v);
      if (!ns) {
        if (auto t = parse_timestamp(v)) ns = time_of_day(*t);
      }
      if (ns) {
        uint8_t cell[8];
        store_time_ns(c.type, *ns, cell);
        b.set_bytes(col, cell);
        return true;
      }
      int32_t n;
      if (!parse_int(v, n)) return wrong(c.type == Type::time ? "a time (HH:MM:SS.mmm or milliseconds)"
                                         : c.type == Type::second ? "a second (HH:MM:SS or seconds)"
                                                                  : "a minute (HH:MM or minutes)");
      b.set<int32_t>(col, n);
      return true;
    }
    case Type::month: {
      if (auto m = parse_month(v)) return b.set<int32_t>(col, *m), true;
      int32_t n;
      if (!parse_int(v, n)) return wrong("a month (YYYY-MM, YYYY.MM or 2026.12m)");
      b.set<int32_t>(col, n);
      return true;
    }
    case Type::datetime: {
      if (auto t = parse_timestamp(v)) {
        // To the millisecond, as q keeps a datetime.
        int64_t ms = (*t - kQEpochNs) / 1'000'000 - ((*t - kQEpochNs) % 1'000'000 < 0);
        return b.set<double>(col, static_cast<double>(ms) / 86400000.0), true;
      }
      double d;
      if (!parse_float(v, d)) return wrong("a datetime (YYYY-MM-DDTHH:MM:SS.mmm or q's days since 2000.01.01)");
      b.set<double>(col, d);
      return true;
    }
    case Type::guid: {
      uint8_t g[16];
      if (!parse_guid(v, g)) return wrong("a guid (8-4-4-4-12 hex digits)");
      b.set_bytes(col, g);
      return true;
    }
  }
  return false;
}

}  // namespace tick
