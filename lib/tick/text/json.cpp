// JSON lines into rows, with simdjson On-Demand: one pass when the table is
// known or comes first, the next column tried first for each field.
#include "tick/text/in_impl.h"

#include "tick/base/units.h"

namespace tick {

const char* Encoder::Impl::json_type_name(sj::json_type t) {
  switch (t) {
    case sj::json_type::array: return "an array";
    case sj::json_type::object: return "an object";
    case sj::json_type::number: return "a number";
    case sj::json_type::string: return "a string";
    case sj::json_type::boolean: return "a boolean";
    case sj::json_type::null: return "null";
  }
  return "?";
}

bool Encoder::Impl::json_value(TableBatch& b, int col, const Column& c, sj::value val) {
  sj::json_type jt;
  if (auto e = val.type().get(jt)) return bad(str("column ", c.name, ": ", simdjson::error_message(e)));
  if (jt == sj::json_type::null) {
    if (val.is_null().error()) return bad(str("column ", c.name, ": bad null"));
    return true;  // left unset: null
  }
  auto wrong = [&](const char* want) {
    return bad(str("column ", c.name, ": expected ", want, ", got ", json_type_name(jt)));
  };
  auto range = [&](const char* t) { return bad(str("column ", c.name, ": number out of range for ", t)); };
  auto get_int = [&](int64_t& x, const char* want) {
    if (jt != sj::json_type::number) return wrong(want);
    auto e = val.get_int64().get(x);
    if (e == simdjson::INCORRECT_TYPE) {
      // A whole number too big for 64 bits arrives as a double.
      std::string_view raw = val.raw_json_token();
      if (raw.find_first_of(".eE") == std::string_view::npos) return range(want);
      return bad(str("column ", c.name, ": expected ", want, ", got a fraction"));
    }
    if (e == simdjson::NUMBER_OUT_OF_RANGE) return range(want);
    if (e) return bad(str("column ", c.name, ": ", simdjson::error_message(e)));
    return true;
  };
  switch (c.type) {
    case Type::boolean: {
      bool x;
      if (jt != sj::json_type::boolean || val.get_bool().get(x)) return wrong("true or false");
      b.set<uint8_t>(col, x);
      return true;
    }
    case Type::byte: case Type::short_: case Type::int_: case Type::long_: {
      int64_t x = 0;  // (set by get_int; GCC 12 cannot see it)
      if (!get_int(x, "an integer")) return false;
      return put_whole(b, col, c.type, x) || range(type_name(c.type).data());
    }
    case Type::real: case Type::float_: {
      double x;
      if (jt == sj::json_type::string) {
        std::string_view s;
        if (val.get_string().get(s)) return wrong("a number");
        if (!parse_float(s, x)) return bad(str("column ", c.name, ": '", s.substr(0, 64), "' is not a number"));
      } else if (jt != sj::json_type::number) {
        return wrong("a number");
      } else {
        std::string_view raw = val.raw_json_token();
        if (auto e = val.get_double().get(x))
          return e == simdjson::NUMBER_ERROR ? range(type_name(c.type).data())
                                             : bad(str("column ", c.name, ": ", simdjson::error_message(e)));
        json_double(raw, x);  // (correctly rounded where simdjson 3.0 is not)
      }
      return put_real(b, col, c.type, x) || range("real");
    }
    case Type::time: case Type::minute: case Type::second: case Type::month: {
      // A string in q's text; a number is the stored integer itself.
      if (jt == sj::json_type::string) {
        std::string_view s;
        if (val.get_string().get(s)) return wrong("a string");
        return set_text(b, col, c, s);
      }
      int64_t x = 0;
      if (!get_int(x, "a string or an integer")) return false;
      if (x < INT32_MIN || x > INT32_MAX) return range(type_name(c.type).data());
      b.set<int32_t>(col, static_cast<int32_t>(x));
      return true;
    }
    case Type::datetime: {
      if (jt == sj::json_type::string) {
        std::string_view s;
        if (val.get_string().get(s)) return wrong("a string");
        return set_text(b, col, c, s);
      }
      double x;
      std::string_view raw = jt == sj::json_type::number ? val.raw_json_token() : std::string_view();
      if (jt != sj::json_type::number || val.get_double().get(x)) return wrong("a datetime (string, or days since 2000.01.01)");
      json_double(raw, x);
      b.set<double>(col, x);
      return true;
    }
    case Type::char_: case Type::symbol: case Type::string: case Type::guid: {
      std::string_view s;
      if (jt != sj::json_type::string || val.get_string().get(s)) return wrong("a string");
      return set_text(b, col, c, s);
    }
    case Type::timestamp: case Type::timespan: case Type::date: {
      if (jt == sj::json_type::string) {
        std::string_view s;
        if (val.get_string().get(s)) return wrong("a string");
        return set_text(b, col, c, s);
      }
      if (jt != sj::json_type::number) return wrong("a time (string or number)");
      std::string_view raw = val.raw_json_token();
      sj::number num;
      if (auto e = val.get_number().get(num)) return bad(str("column ", c.name, ": ", simdjson::error_message(e)));
      if (num.is_double()) {
        if (c.type == Type::date) return bad(str("column ", c.name, ": a date number must be whole days"));
        double d = num.get_double();
        json_double(raw, d);  // (correctly rounded where simdjson 3.0 is not)
        double x = d * static_cast<double>(unit_ns(opt.unit));
        if (!(x > -9.2e18 && x < 9.2e18)) return range(type_name(c.type).data());
        int64_t ns = std::llround(x);
        b.set<int64_t>(col, c.type == Type::timespan ? time_of_day(ns) : ns);
        return true;
      }
      if (!num.is_int64()) return range(type_name(c.type).data());
      int64_t ns;
      if (!time_number(c, num.get_int64(), ns)) return false;
      if (c.type == Type::date) {
        if (ns < INT32_MIN || ns > INT32_MAX) return range("date");
        b.set<int32_t>(col, static_cast<int32_t>(ns));
      } else {
        b.set<int64_t>(col, ns);
      }
      return true;
    }
  }
  return false;
}

// One field of a row of table t; false with err set when rejected.
bool Encoder::Impl::json_field(const Table& t, TableBatch& b, sj::field field, size_t& expect) {
  sj::raw_json_string key = field.key();
  int col = -1;
  // Fields usually come in schema order: try the next column first.
  if (expect < t.columns.size() && key.unsafe_is_equal(t.columns[expect].name)) {
    col = static_cast<int>(expect);
  } else {
    for (size_t i = 0; i < t.columns.size(); i++)
      if (key.unsafe_is_equal(t.columns[i].name)) {
        col = static_cast<int>(i);
        break;
      }
  }
  if (col < 0) {
    std::string_view k;
    if (field.unescaped_key().get(k)) return bad("bad field name");
    if (k == "table") {
      std::string_view name;
      if (field.value().get_string().get(name) || name != t.name)
        return bad(str("\"table\" does not match -t ", t.name));
      return true;
    }
    // A column name written with escapes still names the column.
    col = t.find(k);
    if (col < 0) {
      if (opt.ignore_unknown) return true;
      return bad(str("unknown column '", k.substr(0, 64), "' for table ", t.name));
    }
  }
  if (b.is_set(col)) return bad(str("column ", t.columns[col].name, " appears twice"));
  if (!json_value(b, col, t.columns[col], field.value())) return false;
  expect = col + 1;
  return true;
}

// The fields of obj into the row of table tid (begun in *b), from where
// its iteration stands. With no table yet (b null), the first field may
// name it ("table", as tick-cat writes it) and the row begins there.
// 1: the row is read; 0: rejected (err set, the row aborted); -1: the
// table is named later in the object (read it again knowing the table).
int Encoder::Impl::json_fields(sj::object& obj, int& tid, TableBatch*& b, size_t& expect) {
  for (auto f : obj) {
    sj::field field;
    if (auto e = std::move(f).get(field)) {
      if (b) b->abort_row();
      bad(simdjson::error_message(e));
      return 0;
    }
    if (!b) {
      std::string_view name;
      if (!field.key().unsafe_is_equal("table") || field.value().get_string().get(name)) return -1;
      tid = table_by_name(name);
      if (tid < 0) {
        bad(str("unknown table ", quoted(name)));
        return 0;
      }
      b = begin_table_row(tid);
      if (!b) return 0;
      continue;
    }
    if (!json_field(schema.tables[tid], *b, std::move(field), expect)) {
      b->abort_row();
      return 0;
    }
  }
  return 1;
}

// One JSON line into its table's batch; false with err set when rejected.
bool Encoder::Impl::json_line(const char* p, size_t len, size_t cap, uint64_t& rows) {
  if (opt.flat && maps.empty() && flat_row(p, len, cap, fixed_table, rows)) return true;
  sj::document doc;
  if (auto e = parser.iterate(p, len, cap).get(doc)) return bad(simdjson::error_message(e));
  sj::object obj;
  if (auto e = doc.get_object().get(obj)) {
    if (e != simdjson::INCORRECT_TYPE) return bad(simdjson::error_message(e));
    // A CSV line read as JSON (a .csv file without --in csv) says so.
    std::string_view line(p, len);
    bool csv = !line.empty() && line[0] != '[' && line[0] != '"' && line.find(',') != std::string_view::npos;
    return bad(csv ? "not a JSON object: it looks like CSV (give --in csv)" : "not a JSON object");
  }
  return object_row(obj, fixed_table, &doc, rows);
}

// The table an object's "table" field names; -1 with err set.
int Encoder::Impl::table_field(sj::object& obj) {
  std::string_view name;
  auto e = obj.find_field_unordered("table").get_string().get(name);
  if (e == simdjson::NO_SUCH_FIELD) return bad("no \"table\" field (give the table with -t)"), -1;
  if (e) return bad(str("\"table\": ", simdjson::error_message(e))), -1;
  int tid = table_by_name(name);
  if (tid < 0) bad(str("unknown table ", quoted(name)));
  return tid;
}

// The row of a JSON object: its table tid (or, -1, from its "table" field),
// its fields by column name, or with --map by path.
bool Encoder::Impl::object_row(sj::object& obj, int tid, sj::document* doc, uint64_t& rows) {
  TableBatch* b = nullptr;
  size_t expect = 0;
  if (!maps.empty()) {
    if (tid < 0 && (tid = table_field(obj)) < 0) return false;
    b = begin_table_row(tid);
    if (!b) return false;
    if (!mapped_fields(obj, tid, *b)) return b->abort_row(), false;
    if (doc) {
      // Paths read parts of the object: pass over all of it, so that what
      // follows it can be seen (and a malformed rest of it refused).
      if (obj.reset().error()) return b->abort_row(), bad("bad object");
      for (auto f : obj)
        if (f.error()) return b->abort_row(), bad(simdjson::error_message(f.error()));
    }
  } else {
    if (tid >= 0 && !(b = begin_table_row(tid))) return false;
    // One pass when the table is known or is the first field; otherwise
    // find "table", rewind, and read the row again.
    int got = json_fields(obj, tid, b, expect);
    if (got == 0) return false;
    if (got < 0) {
      if (obj.reset().error()) return bad("bad object");
      if ((tid = table_field(obj)) < 0) return false;
      if (obj.reset().error()) return bad("bad object");
      if (!(b = begin_table_row(tid))) return false;
      if (json_fields(obj, tid, b, expect) != 1) return false;
    }
    if (!b) return bad("no \"table\" field (give the table with -t)");
  }
  // Anything left after the object is a second value on the line.
  if (doc && !doc->current_location().error()) {
    b->abort_row();
    return bad("trailing content after the JSON object");
  }
  end_row(tid, rows);
  return true;
}

}  // namespace tick
