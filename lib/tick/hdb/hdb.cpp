#include "tick/hdb/hdb.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "tick/base/clock.h"
#include "tick/base/error.h"
#include "tick/base/files.h"
#include "tick/stream/format.h"

namespace tick::hdb {

namespace {

constexpr char kSymMagic[8] = {'T', 'K', 'S', 'Y', 'M', '0', '0', '1'};
constexpr uint32_t kBlockMagic = 0x425A4B54;  // "TKZB"
constexpr size_t kTrailerFixed = 16;          // u64 size, u32 block bytes, u32 magic

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> w;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') i++;
    size_t j = i;
    while (j < line.size() && line[j] != ' ') j++;
    if (j > i) w.push_back(line.substr(i, j - i));
    i = j;
  }
  return w;
}

uint64_t parse_u64(std::string_view s, const std::string& where) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) fail(where, ": not a number: ", s);
  return v;
}

// Calls f(words, "FILE:LINE") for each line after checking the first is
// "tick-hdb VERSION".
template <class F>
void each_line(const std::string& path, F f) {
  std::string text = read_file(path);
  size_t at = 0;
  int line = 0;
  while (at < text.size()) {
    size_t nl = text.find('\n', at);
    if (nl == std::string::npos) nl = text.size();
    std::string_view l(text.data() + at, nl - at);
    at = nl + 1;
    line++;
    std::string where = str(path, ":", line);
    auto w = words(l);
    if (line == 1) {
      if (w.size() != 2 || w[0] != "tick-hdb") fail(where, ": not a tick-hdb metadata file");
      if (parse_u64(w[1], where) != kFormatVersion)
        fail(where, ": tick-hdb version ", w[1], " (this build reads ", kFormatVersion, ")");
      continue;
    }
    if (w.empty()) continue;
    f(w, where);
  }
  if (line == 0) fail(path, ": empty metadata file");
}

}  // namespace

int parse_compress(const std::string& s) {
  if (s == "none") return 0;
  if (s == "zstd") return 1;
  if (s.rfind("zstd:", 0) == 0) {
    int level = 0;
    auto [p, ec] = std::from_chars(s.data() + 5, s.data() + s.size(), level);
    if (ec == std::errc() && p == s.data() + s.size() && level >= 1 && level <= ZSTD_maxCLevel()) return level;
  }
  throw UsageError(str("--compress: expected none, zstd or zstd:LEVEL (1-", ZSTD_maxCLevel(), "), not '", s, "'"));
}

std::string compress_name(int level) { return level ? str("zstd:", level) : "none"; }

std::string partition_path(const std::string& hdb, int32_t date) {
  std::string p = join_path(hdb, date_string(date));
  if (path_exists(p)) return p;
  std::string q = kdb_partition_path(hdb, date);  // (q's name, in q's HDB)
  return path_exists(q) ? q : p;
}
std::string kdb_partition_path(const std::string& hdb, int32_t date) {
  char b[32];
  return join_path(hdb, std::string(b, format_date_q(b, date)));
}

std::vector<int32_t> partition_dates(const std::string& hdb) {
  std::vector<int32_t> out;
  for (const auto& n : list_dir(hdb)) {
    if (n.size() != 10) continue;
    auto d = parse_date(n);
    if (d && is_directory(join_path(hdb, n))) out.push_back(*d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string format_partition_meta(const PartitionMeta& m) {
  std::string s = str("tick-hdb ", kFormatVersion, "\ndate ", date_string(m.date), "\n");
  for (const auto& t : m.tables) s += str("table ", t, "\n");
  return s;
}

PartitionMeta read_partition_meta(const std::string& part) {
  PartitionMeta m;
  bool dated = false;
  each_line(join_path(part, ".d"), [&](const auto& w, const std::string& where) {
    if (w[0] == "date" && w.size() == 2) {
      auto d = parse_date(w[1]);
      if (!d) fail(where, ": bad date ", w[1]);
      m.date = *d;
      dated = true;
    } else if (w[0] == "table" && w.size() == 2) {
      m.tables.emplace_back(w[1]);
    } else {
      fail(where, ": unexpected line");
    }
  });
  if (!dated) fail(join_path(part, ".d"), ": no date line");
  return m;
}

std::string format_table_meta(const TableMeta& m) {
  std::string s = str("tick-hdb ", kFormatVersion, "\ntable ", m.table.name, "\nrows ", m.rows,
                      "\ncompress ", compress_name(m.level), "\n");
  for (const auto& c : m.table.columns) s += str("column ", c.name, " ", type_name(c.type), "\n");
  return s;
}

TableMeta read_table_meta(const std::string& table_dir) {
  TableMeta m;
  std::string path = join_path(table_dir, ".d");
  each_line(path, [&](const auto& w, const std::string& where) {
    if (w[0] == "table" && w.size() == 2) {
      m.table.name = w[1];
    } else if (w[0] == "rows" && w.size() == 2) {
      m.rows = parse_u64(w[1], where);
    } else if (w[0] == "compress" && w.size() == 2) {
      try {
        m.level = parse_compress(std::string(w[1]));
      } catch (const UsageError&) {
        fail(where, ": unknown compression ", w[1]);
      }
    } else if (w[0] == "column" && w.size() == 3) {
      auto t = type_from_name(w[2]);
      if (!t) fail(where, ": unknown type ", w[2]);
      m.table.columns.push_back({std::string(w[1]), *t});
    } else {
      fail(where, ": unexpected line");
    }
  });
  if (std::string e = m.table.check(); !e.empty()) fail(path, ": ", e);
  return m;
}

std::string encode_syms(const std::vector<std::string_view>& names) {
  std::string s(kSymMagic, 8);
  char n[4];
  uint32_t count = static_cast<uint32_t>(names.size());
  std::memcpy(n, &count, 4);
  s.append(n, 4);
  for (auto name : names) {
    uint16_t len = static_cast<uint16_t>(name.size());
    s.append(reinterpret_cast<const char*>(&len), 2);
    s.append(name);
  }
  return s;
}

std::vector<std::string> read_syms(const std::string& part) {
  std::string path = join_path(part, "sym");
  std::string b = read_file(path);
  if (b.size() < 12 || std::memcmp(b.data(), kSymMagic, 8) != 0) fail(path, ": not a tick-hdb sym file");
  uint32_t count = load32(reinterpret_cast<const uint8_t*>(b.data()) + 8);
  std::vector<std::string> out;
  out.reserve(std::min<size_t>(count, b.size()));
  size_t at = 12;
  for (uint32_t i = 0; i < count; i++) {
    if (at + 2 > b.size()) fail(path, ":", at, ": truncated at symbol ", i, " of ", count);
    uint16_t len = load16(reinterpret_cast<const uint8_t*>(b.data()) + at);
    if (at + 2 + len > b.size()) fail(path, ":", at, ": truncated at symbol ", i, " of ", count);
    out.emplace_back(b.data() + at + 2, len);
    at += 2 + len;
  }
  if (at != b.size()) fail(path, ":", at, ": ", b.size() - at, " bytes after the last symbol");
  return out;
}

std::vector<uint64_t> read_index(const std::string& table_dir, size_t nsyms, uint64_t rows) {
  std::string path = join_path(table_dir, ".index");
  std::string b = read_file(path);
  if (b.size() != 8 * (nsyms + 1))
    fail(path, ": ", b.size(), " bytes, expected ", 8 * (nsyms + 1), " for ", nsyms, " symbols");
  std::vector<uint64_t> idx(nsyms + 1);
  std::memcpy(idx.data(), b.data(), b.size());
  for (size_t i = 0; i < nsyms; i++)
    if (idx[i] > idx[i + 1]) fail(path, ": ranges out of order at sym id ", i);
  if (idx[0] != 0 || idx[nsyms] != rows) fail(path, ": ranges do not cover the table's ", rows, " rows");
  return idx;
}

ColumnFile::ColumnFile(const std::string& path, int level, uint64_t size)
    : path_(path), size_(size), compressed_(level != 0) {
  int fd = open_or_fail(path, O_RDONLY);
  struct stat st{};
  ::fstat(fd, &st);
  map_len_ = static_cast<size_t>(st.st_size);
  if (map_len_) {
    void* m = ::mmap(nullptr, map_len_, PROT_READ, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
      int e = errno;
      ::close(fd);
      fail(path, ": mmap: ", std::strerror(e));
    }
    map_ = static_cast<const uint8_t*>(m);
  }
  ::close(fd);
  if (!compressed_) {
    if (map_len_ != size_) fail(path, ": ", map_len_, " bytes, expected ", size_);
    return;
  }
  if (map_len_ < kTrailerFixed) fail(path, ": too short for a compressed column");
  const uint8_t* t = map_ + map_len_ - kTrailerFixed;
  uint64_t raw = load64(t);
  uint32_t block = load32(t + 8);
  if (load32(t + 12) != kBlockMagic) fail(path, ": no compressed-column trailer");
  if (raw != size_ || block == 0) fail(path, ": holds ", raw, " bytes, expected ", size_);
  uint64_t n = (raw + block - 1) / block;
  if ((n + 1) * 8 + kTrailerFixed > map_len_) fail(path, ": block index larger than the file");
  offsets_.resize(n + 1);
  std::memcpy(offsets_.data(), t - 8 * (n + 1), 8 * (n + 1));
  uint64_t limit = map_len_ - kTrailerFixed - 8 * (n + 1);
  for (uint64_t i = 0; i < n; i++)
    if (offsets_[i] > offsets_[i + 1]) fail(path, ": block index out of order at block ", i);
  if (offsets_[0] != 0 || offsets_[n] != limit) fail(path, ": block index does not cover the file");
  dctx_ = ZSTD_createDCtx();
}

ColumnFile::~ColumnFile() {
  if (map_) ::munmap(const_cast<uint8_t*>(map_), map_len_);
  if (dctx_) ZSTD_freeDCtx(static_cast<ZSTD_DCtx*>(dctx_));
}

const uint8_t* ColumnFile::read(uint64_t a, uint64_t b) {
  if (a > b || b > size_) fail(path_, ": read of bytes ", a, "..", b, " beyond ", size_);
  if (!compressed_) return map_ ? map_ + a : nullptr;
  if (a == b) return buf_.data();
  uint64_t first = a / kBlockBytes, last = (b - 1) / kBlockBytes + 1;
  if (first < buf_first_ || last > buf_last_ || buf_first_ == buf_last_) {
    buf_.resize((last - first) * kBlockBytes);
    for (uint64_t k = first; k < last; k++) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(kBlockBytes, size_ - k * kBlockBytes));
      size_t got = ZSTD_decompressDCtx(static_cast<ZSTD_DCtx*>(dctx_), buf_.data() + (k - first) * kBlockBytes,
                                       kBlockBytes, map_ + offsets_[k], offsets_[k + 1] - offsets_[k]);
      if (ZSTD_isError(got)) fail(path_, ": block ", k, " at byte ", offsets_[k], ": ", ZSTD_getErrorName(got));
      if (got != want) fail(path_, ": block ", k, " at byte ", offsets_[k], " holds ", got, " bytes, expected ", want);
    }
    buf_first_ = first;
    buf_last_ = last;
  }
  return buf_.data() + (a - buf_first_ * kBlockBytes);
}

uint64_t compress_column(const std::string& src, const std::string& dst, int level) {
  int in = open_or_fail(src, O_RDONLY);
  int out = -1;
  ZSTD_CCtx* cc = ZSTD_createCCtx();
  uint64_t written = 0;
  try {
    out = open_or_fail(dst, O_WRONLY | O_CREAT | O_TRUNC);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 1);
    // Each frame carries its content's checksum, which zstd checks as it
    // decompresses: a damaged block is an error naming it, never other
    // values. (Without it, bytes overwritten inside a block decoded as
    // different prices.)
    ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
    // Many blocks a read, so the syscalls are few; each block its own frame.
    constexpr size_t kBatch = 64;
    std::vector<uint8_t> raw(kBatch * kBlockBytes), packed(ZSTD_compressBound(kBlockBytes) * kBatch);
    std::vector<uint64_t> offsets{0};
    struct stat st{};
    ::fstat(in, &st);
    uint64_t size = static_cast<uint64_t>(st.st_size), at = 0;
    while (at < size) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(raw.size(), size - at));
      pread_all(in, raw.data(), n, at, src);
      size_t p = 0;
      for (size_t k = 0; k < n; k += kBlockBytes) {
        size_t m = std::min<size_t>(kBlockBytes, n - k);
        size_t z = ZSTD_compress2(cc, packed.data() + p, packed.size() - p, raw.data() + k, m);
        if (ZSTD_isError(z)) fail(dst, ": zstd: ", ZSTD_getErrorName(z));
        p += z;
        offsets.push_back(offsets.back() + z);
      }
      pwrite_all(out, packed.data(), p, written, dst);
      written += p;
      at += n;
    }
    std::vector<uint8_t> trailer(8 * offsets.size() + kTrailerFixed);
    std::memcpy(trailer.data(), offsets.data(), 8 * offsets.size());
    uint8_t* t = trailer.data() + 8 * offsets.size();
    store64(t, size);
    store32(t + 8, kBlockBytes);
    store32(t + 12, kBlockMagic);
    pwrite_all(out, trailer.data(), trailer.size(), written, dst);
    written += trailer.size();
  } catch (...) {
    ZSTD_freeCCtx(cc);
    ::close(in);
    if (out >= 0) ::close(out);
    throw;
  }
  ZSTD_freeCCtx(cc);
  ::close(in);
  ::close(out);
  return written;
}

}  // namespace tick::hdb
