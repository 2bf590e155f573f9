#include "tick/stream/symbols.h"

#include <cstring>

namespace tick {

namespace {
uint64_t hash(std::string_view s) {
  // FNV-1a, then a final mix so that the low bits used for slots are good.
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}
constexpr size_t kBlock = 64 * 1024;
}  // namespace

SymbolTable::SymbolTable() { slots_.assign(1024, 0); }

void SymbolTable::clear() {
  names_.clear();
  hashes_.clear();
  slots_.assign(1024, 0);
  blocks_.clear();
  block_used_ = block_size_ = 0;
  bytes_ = 0;
}

std::string_view SymbolTable::store(std::string_view s) {
  static const char kEmpty = 0;
  if (s.empty()) return {&kEmpty, 0};  // never a null pointer, even for ""
  bytes_ += s.size();

  if (s.size() > kBlock / 4) {
    // A long string gets a block of its own, kept before the block being filled.
    auto big = std::make_unique<char[]>(s.size());
    std::memcpy(big.get(), s.data(), s.size());
    char* p = big.get();
    blocks_.insert(block_size_ ? blocks_.end() - 1 : blocks_.end(), std::move(big));
    return {p, s.size()};
  }
  if (block_used_ + s.size() > block_size_) {
    blocks_.emplace_back(new char[kBlock]);
    block_size_ = kBlock;
    block_used_ = 0;
  }
  char* p = blocks_.back().get() + block_used_;
  std::memcpy(p, s.data(), s.size());
  block_used_ += s.size();
  return {p, s.size()};
}

size_t SymbolTable::slot_for(std::string_view s, uint64_t h) const {
  size_t mask = slots_.size() - 1;
  size_t i = h & mask;
  while (true) {
    uint32_t v = slots_[i];
    if (v == 0) return i;
    if (hashes_[v - 1] == h && names_[v - 1] == s) return i;
    i = (i + 1) & mask;
  }
}

void SymbolTable::grow() {
  std::vector<uint32_t> old;
  old.swap(slots_);
  slots_.assign(old.size() * 2, 0);
  size_t mask = slots_.size() - 1;
  for (uint32_t v : old) {
    if (!v) continue;
    size_t i = hashes_[v - 1] & mask;
    while (slots_[i]) i = (i + 1) & mask;
    slots_[i] = v;
  }
}

uint32_t SymbolTable::intern(std::string_view s) {
  uint64_t h = hash(s);
  size_t i = slot_for(s, h);
  if (slots_[i]) return slots_[i] - 1;
  uint32_t id = size();
  names_.push_back(store(s));
  hashes_.push_back(h);
  slots_[i] = id + 1;
  if (names_.size() * 2 > slots_.size()) grow();
  return id;
}

std::optional<uint32_t> SymbolTable::find(std::string_view s) const {
  size_t i = slot_for(s, hash(s));
  if (!slots_[i]) return std::nullopt;
  return slots_[i] - 1;
}

}  // namespace tick
