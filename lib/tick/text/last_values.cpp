#include "tick/text/last_values.h"

#include <algorithm>

namespace tick {

LiveState::LiveState(size_t keep)
    : keep_(std::max<size_t>(keep, 1)),
      sink_([this](const uint8_t* p, size_t n) { text_.append(reinterpret_cast<const char*>(p), n); }),
      json_(sink_, Format::json) {}

LiveState::~LiveState() = default;

const LiveState::Table* LiveState::find(std::string_view name) const {
  for (const auto& t : tables_)
    if (t->name == name) return t.get();
  return nullptr;
}

LiveState::Table& LiveState::table(std::string_view name) {
  // Records come in runs of one table: the last one first.
  if (last_table_ < tables_.size() && tables_[last_table_]->name == name) return *tables_[last_table_];
  for (size_t i = 0; i < tables_.size(); i++)
    if (tables_[i]->name == name) return *tables_[last_table_ = i];
  tables_.push_back(std::make_unique<Table>());
  tables_.back()->name = std::string(name);
  last_table_ = tables_.size() - 1;
  return *tables_.back();
}

void LiveState::take(const Decoder& d) {
  const DataView& v = d.data();
  rows_.clear();
  text_.clear();
  rows_table_ = v.table->name;
  if (v.rows == 0) return;
  json_.rows(d, nullptr, v.rows);
  sink_.flush();
  Table& t = table(v.table->name);
  if (t.gen != d.generation()) {
    t.by_id.clear();
    t.gen = d.generation();
  }
  size_t at = 0;
  std::string key;
  for (uint32_t i = 0; i < v.rows; i++) {
    size_t nl = text_.find('\n', at);  // JSON escapes newlines in values: this ends the row
    std::string_view row(text_.data() + at, nl - at);
    at = nl + 1;
    const uint32_t id = v.sym(i);
    std::string_view sym = d.syms().name(id);
    if (id >= t.by_id.size()) t.by_id.resize(size_t{id} + 1, -1);
    if (t.by_id[id] < 0) {
      key.assign(sym);
      auto [it, added] = t.index.try_emplace(key, t.syms.size());
      if (added) t.syms.push_back(Sym{key, std::vector<std::string>(keep_)});
      t.by_id[id] = static_cast<int32_t>(it->second);
    }
    Sym& s = t.syms[static_cast<size_t>(t.by_id[id])];
    s.ring[s.next].assign(row);
    s.next = (s.next + 1) % keep_;
    s.count = std::min(s.count + 1, keep_);
    rows_.push_back({sym, row, static_cast<uint32_t>(t.by_id[id])});  // (the decoder's name: Sym entries move)
  }
}

std::vector<std::string> LiveState::tables() const {
  std::vector<std::string> out;
  for (const auto& t : tables_) out.push_back(t->name);
  return out;
}

void LiveState::last(std::string_view table, const std::vector<std::string>& syms,
                     std::vector<std::string_view>& out) const {
  const Table* t = find(table);
  if (!t) return;
  if (syms.empty()) {
    for (const auto& s : t->syms) out.push_back(s.newest());
    return;
  }
  for (const auto& name : syms) {
    auto it = t->index.find(name);
    if (it != t->index.end()) out.push_back(t->syms[it->second].newest());
  }
}

void LiveState::syms(std::string_view table, std::vector<std::string_view>& out) const {
  if (const Table* t = find(table))
    for (const auto& s : t->syms) out.push_back(s.name);
}

void LiveState::recent(std::string_view table, std::string_view sym, size_t n,
                       std::vector<std::string_view>& out) const {
  const Table* t = find(table);
  if (!t) return;
  auto it = t->index.find(std::string(sym));
  if (it == t->index.end()) return;
  const Sym& s = t->syms[it->second];
  n = std::min(n, s.count);
  for (size_t k = n; k > 0; k--) out.push_back(s.ring[(s.next + keep_ - k) % keep_]);
}

}  // namespace tick
