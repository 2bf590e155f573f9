// tick-eod --format kdb: the partition DayBuilder scattered (plain columns,
// each fixed-width one after room for q's 16-byte header; rows by sym in
// arrival order) finished in q's layout, as .Q.dpft leaves it.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <unordered_map>

#include "tick/base/error.h"
#include "tick/base/files.h"
#include "tick/hdb/day_builder.h"
#include "tick/kdb/files.h"
#include "tick/kdb/object.h"

namespace tick {

namespace {
constexpr size_t kChunkRows = 1 << 16;

}  // namespace

// The partition ranks some row's symbol has (the stream's dictionary may
// hold names no row uses: q's sym file gets only those enumerated).
std::vector<uint8_t> DayBuilder::used_syms() {
  std::vector<uint8_t> used(all_.size(), 0);
  std::vector<uint8_t> in;
  for (auto& t : tables_) {
    for (uint32_t e = 0; e < all_.size(); e++)
      if (t.count[e]) used[rank_[e]] = 1;
    for (size_t c = 0; c < t.cols.size(); c++) {
      if (t.cols[c].type != Type::symbol || static_cast<int>(c) == t.table.sym_col) continue;
      int fd = open_or_fail(t.cols[c].path, O_RDONLY);
      CloseFd closer{fd};
      for (uint64_t a = 0; a < t.rows; a += kChunkRows) {
        uint64_t n = std::min<uint64_t>(kChunkRows, t.rows - a);
        in.resize(n * 4);
        pread_all(fd, in.data(), n * 4, hdr_ + a * 4, t.cols[c].path);
        for (uint64_t i = 0; i < n; i++) used[load32(in.data() + 4 * i)] = 1;
      }
    }
  }
  return used;
}

// The partition's symbols enumerated against HDB/sym: new names appended
// at its end (old ones never move), the file replaced atomically. Returns
// each partition rank's index in it (-1 for a name no row uses).
std::vector<int64_t> DayBuilder::enumerate_syms(const std::vector<uint8_t>& used) {
  const std::string path = join_path(o_.hdb, "sym");
  // One writer of the sym file at a time among tick-eods (q takes no lock of
  // its own: the file is read again under this one, just before it is
  // replaced, so only a q writing in that moment could be missed).
  FileLock lock(join_path(o_.hdb, ".sym.lock"));
  std::vector<std::string> names = path_exists(path) ? kdb::read_symbol_list(path) : std::vector<std::string>{};
  std::unordered_map<std::string_view, int64_t> index;
  index.reserve(names.size() + all_.size());
  for (size_t i = 0; i < names.size(); i++) index.emplace(names[i], static_cast<int64_t>(i));
  const size_t before = names.size();
  std::vector<int64_t> at(all_.size());
  std::vector<std::string> added;
  for (uint32_t g = 0; g < all_.size(); g++) {
    if (!used[g]) {
      at[g] = -1;
      continue;
    }
    std::string_view n = all_.name(order_[g]);
    auto it = index.find(n);
    if (it != index.end()) {
      at[g] = it->second;
    } else {
      at[g] = static_cast<int64_t>(before + added.size());
      added.emplace_back(n);
    }
  }
  if (added.empty() && path_exists(path)) return at;
  std::vector<std::string_view> all(names.begin(), names.end());
  for (const auto& a : added) all.push_back(a);
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  write_file(tmp, kdb::encode_symbol_list(all));
  if (o_.sync) fsync_path(tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    fail(path, ": rename: ", std::strerror(errno));
  }
  if (o_.sync) fsync_dir(path);
  return at;
}

void DayBuilder::write_kdb(const std::string& dir) {
  const std::vector<int64_t> enums = enumerate_syms(used_syms());
  std::vector<uint8_t> in, out;
  for (auto& t : tables_) {
    const std::string td = join_path(dir, t.table.name);
    for (size_t c = 0; c < t.cols.size(); c++) {
      const Col& col = t.cols[c];
      const Type ty = col.type;
      const int qt = kdb::q_type_of(ty);
      const uint64_t w = static_cast<uint64_t>(col.width);
      int fd = open_or_fail(col.path, O_RDWR);
      CloseFd closer{fd};
      if (ty == Type::symbol) {
        // u32 ranks -> int64 indexes into HDB/sym, after the enumeration's page.
        std::string qpath = col.path + ".q";
        int qfd = open_or_fail(qpath, O_WRONLY | O_CREAT | O_TRUNC);
        CloseFd qcloser{qfd};
        out.resize(kdb::kEnumHeader);
        kdb::enum_header(out.data(), "sym", t.rows);
        pwrite_all(qfd, out.data(), out.size(), 0, qpath);
        for (uint64_t a = 0; a < t.rows; a += kChunkRows) {
          uint64_t n = std::min<uint64_t>(kChunkRows, t.rows - a);
          in.resize(n * 4);
          out.resize(n * 8);
          pread_all(fd, in.data(), n * 4, hdr_ + a * 4, col.path);
          for (uint64_t i = 0; i < n; i++) {
            int64_t e = enums[load32(in.data() + 4 * i)];
            std::memcpy(out.data() + 8 * i, &e, 8);
          }
          pwrite_all(qfd, out.data(), n * 8, kdb::kEnumHeader + a * 8, qpath);
        }
        if (::rename(qpath.c_str(), col.path.c_str()) != 0) fail(col.path, ": rename: ", std::strerror(errno));
        bytes_ += kdb::kEnumHeader + t.rows * 8;
        continue;
      }
      if (ty == Type::timestamp || ty == Type::date) {
        // tick's epoch (1970) to kdb+'s (2000), in place.
        for (uint64_t a = 0; a < t.rows; a += kChunkRows) {
          uint64_t n = std::min<uint64_t>(kChunkRows, t.rows - a);
          in.resize(n * w);
          pread_all(fd, in.data(), n * w, hdr_ + a * w, col.path);
          kdb::values_to_q(ty, in.data(), in.data(), n);
          pwrite_all(fd, in.data(), n * w, hdr_ + a * w, col.path);
        }
      }
      uint8_t h[kdb::kColumnHeader];
      kdb::column_header(h, qt, t.rows);
      pwrite_all(fd, h, sizeof h, 0, col.path);
      bytes_ += hdr_ + t.rows * w;
    }
    // .d: the columns in order, sym first (as .Q.dpft moves it).
    std::vector<std::string_view> names;
    names.push_back(t.table.columns[t.table.sym_col].name);
    for (const auto& c : t.table.columns)
      if (c.name != names[0]) names.push_back(c.name);
    write_file(join_path(td, ".d"), kdb::encode_symbol_list(names));
  }
}

}  // namespace tick
