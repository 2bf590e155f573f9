// Messages (a Kafka message's JSON) into rows: one object or an array of
// them, columns by name or by --map path, and the message's metadata.
#include "tick/base/units.h"
#include "tick/text/in_impl.h"

namespace tick {

FieldMap FieldMap::parse(const std::string& spec) {
  size_t eq = spec.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
    throw UsageError(str("--map ", tick::quoted(spec), ": expected COL=FIELD (a.b, /a/b, @key, @header:NAME, ...)"));
  FieldMap m;
  m.column = spec.substr(0, eq);
  std::string f = spec.substr(eq + 1);
  if (f[0] == '@') {
    static constexpr struct {
      const char* name;
      Meta meta;
    } kMeta[] = {{"@key", Meta::key},       {"@topic", Meta::topic},         {"@partition", Meta::partition},
                 {"@offset", Meta::offset}, {"@timestamp", Meta::timestamp}};
    for (const auto& k : kMeta)
      if (f == k.name) m.meta = k.meta;
    if (f.rfind("@header:", 0) == 0 && f.size() > 8) {
      m.meta = Meta::header;
      m.header = f.substr(8);
    }
    if (m.meta == Meta::none)
      throw UsageError(str("--map ", tick::quoted(spec), ": unknown metadata ", tick::quoted(f),
                           " (@key @topic @partition @offset @timestamp @header:NAME)"));
    return m;
  }
  if (f[0] == '/') {
    m.pointer = f;
    return m;
  }
  // A dotted path: each part a key (~ and / escaped as a pointer needs).
  m.pointer = "/";
  for (char c : f) {
    if (c == '.') m.pointer += '/';
    else if (c == '~') m.pointer += "~0";
    else if (c == '/') m.pointer += "~1";
    else m.pointer += c;
  }
  return m;
}

void Encoder::Impl::setup_maps() {
  if (maps.empty()) return;
  for (const auto& m : maps) {
    bool found = false;
    for (const auto& t : schema.tables) found |= t.find(m.column) >= 0;
    if (!found) throw UsageError(str("--map ", m.column, ": no table in the schema has column ", tick::quoted(m.column)));
  }
  for (const auto& t : schema.tables) {
    map_of.emplace_back(t.columns.size(), -1);
    pointers.emplace_back();
    for (size_t c = 0; c < t.columns.size(); c++) {
      std::string ptr = "/" + t.columns[c].name;
      for (size_t i = 0; i < maps.size(); i++)
        if (maps[i].column == t.columns[c].name) {
          map_of.back()[c] = static_cast<int>(i);
          if (maps[i].meta == FieldMap::Meta::none) ptr = maps[i].pointer;
        }
      pointers.back().push_back(std::move(ptr));
    }
  }
}

// Every column of table tid by its path (its own name unless mapped) or
// from the message's metadata; a path that is not there is null.
bool Encoder::Impl::mapped_fields(sj::object& obj, int tid, TableBatch& b) {
  const Table& t = schema.tables[tid];
  for (size_t ci = 0; ci < t.columns.size(); ci++) {
    const int col = static_cast<int>(ci);
    const Column& c = t.columns[ci];
    int mi = map_of[tid][ci];
    if (mi >= 0 && maps[mi].meta != FieldMap::Meta::none) {
      const FieldMap& m = maps[mi];
      if (!meta) continue;  // no message: null
      char num[32];
      std::string_view text;
      auto number = [&](int64_t v) {
        auto r = std::to_chars(num, num + sizeof num, v);
        text = {num, static_cast<size_t>(r.ptr - num)};
      };
      switch (m.meta) {
        case FieldMap::Meta::key: text = meta->key; break;
        case FieldMap::Meta::topic: text = meta->topic; break;
        case FieldMap::Meta::partition: number(meta->partition); break;
        case FieldMap::Meta::offset: number(meta->offset); break;
        case FieldMap::Meta::timestamp:
          if (meta->timestamp == INT64_MIN) continue;
          if (c.type == Type::timestamp) {
            b.set<int64_t>(col, meta->timestamp);
            continue;
          }
          if (c.type == Type::timespan) {
            b.set<int64_t>(col, time_of_day(meta->timestamp));
            continue;
          }
          number(meta->timestamp / 1000000);  // Kafka's unit: milliseconds
          break;
        case FieldMap::Meta::header:
          if (!meta->header || !meta->header(meta->ctx, m.header, text)) continue;
          break;
        case FieldMap::Meta::none: break;
      }
      if (!set_text(b, col, c, text)) return false;
      continue;
    }
    if (obj.reset().error()) return bad("bad object");
    sj::value v;
    auto e = obj.at_pointer(pointers[tid][ci]).get(v);
    if (e == simdjson::NO_SUCH_FIELD || e == simdjson::INDEX_OUT_OF_BOUNDS) continue;  // null
    if (e == simdjson::INCORRECT_TYPE) {
      // a path through something that is not an object
      return bad(str("column ", c.name, ": no ", pointers[tid][ci], " in the message"));
    }
    if (e) return bad(str("column ", c.name, ": ", simdjson::error_message(e)));
    if (!json_value(b, col, c, v)) return false;
  }
  return true;
}

bool Encoder::Impl::message_rows(const char* p, size_t len, size_t cap, uint64_t& rows) {
  const int tid = meta && meta->table >= 0 ? meta->table : fixed_table;
  if (opt.flat && maps.empty() && flat_row(p, len, cap, tid, rows)) return true;
  sj::document doc;
  if (auto e = parser.iterate(p, len, cap).get(doc)) return bad(simdjson::error_message(e));
  sj::json_type jt;
  if (auto e = doc.type().get(jt)) return bad(simdjson::error_message(e));
  if (jt == sj::json_type::object) {
    sj::object obj;
    if (auto e = doc.get_object().get(obj)) return bad(simdjson::error_message(e));
    return object_row(obj, tid, &doc, rows);
  }
  if (jt != sj::json_type::array) return bad("not a JSON object or array of objects");
  sj::array arr;
  if (auto e = doc.get_array().get(arr)) return bad(simdjson::error_message(e));
  holding = true;
  held_table = -1;
  const uint64_t rows0 = rows;
  size_t i = 0;
  bool ok = true;
  for (auto el : arr) {
    sj::object obj;
    if (auto e = el.get_object().get(obj)) {
      ok = bad(str("row ", i, ": ", e == simdjson::INCORRECT_TYPE ? "not a JSON object" : simdjson::error_message(e)));
      break;
    }
    if (!object_row(obj, tid, nullptr, rows)) {
      err = str("row ", i, ": ", err);
      ok = false;
      break;
    }
    i++;
  }
  if (ok && !doc.current_location().error()) ok = bad("trailing content after the JSON array");
  holding = false;
  if (held_table < 0) return ok;
  if (!ok) {
    batches[held_table].truncate(held_from);
    rows = rows0;
    return false;
  }
  if (batches[held_table].rows() >= opt.batch_rows) emit(held_table);
  return true;
}

bool Encoder::Impl::one_message(const char* p, size_t len, const MessageMeta& m, uint64_t& rows) {
  err.clear();
  // simdjson reads up to a padding past the end; a message is not padded.
  if (padded.size() < len + simdjson::SIMDJSON_PADDING) padded.resize(len + simdjson::SIMDJSON_PADDING);
  std::memcpy(padded.data(), p, len);
  meta = &m;
  bool ok = message_rows(padded.data(), len, padded.size(), rows);
  meta = nullptr;
  return ok;
}

bool Encoder::message(const char* p, size_t len, const MessageMeta& meta) {
  bool ok = impl_->one_message(p, len, meta, rows_);
  if (!ok) rejected_++;
  return ok;
}

const std::string& Encoder::error() const { return impl_->err; }

int Encoder::table_index(std::string_view name) const { return impl_->schema.index(name); }

void Encoder::new_arrival() {
  impl_->arrival_valid = false;
  if (worker_) worker_->impl.arrival_valid = false;
}

}  // namespace tick
