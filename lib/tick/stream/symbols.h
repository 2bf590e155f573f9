// The symbol dictionary: strings interned to dense integer ids.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace tick {

class SymbolTable {
 public:
  SymbolTable();
  // The id of s, adding it if new.
  uint32_t intern(std::string_view s);
  std::optional<uint32_t> find(std::string_view s) const;
  std::string_view name(uint32_t id) const { return names_[id]; }
  uint32_t size() const { return static_cast<uint32_t>(names_.size()); }
  // The bytes of every name, added up.
  uint64_t bytes() const { return bytes_; }
  void clear();

 private:
  std::string_view store(std::string_view s);
  void grow();
  size_t slot_for(std::string_view s, uint64_t h) const;

  std::vector<std::string_view> names_;
  std::vector<uint64_t> hashes_;
  std::vector<uint32_t> slots_;  // open addressing: id + 1, 0 when empty
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t block_used_ = 0, block_size_ = 0;
  uint64_t bytes_ = 0;
};

}  // namespace tick
