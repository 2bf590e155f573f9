#include "tick/stream/writer.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "tick/base/error.h"

namespace tick {

TableBatch::TableBatch(const Table& t) : table_(&t) {
  for (const auto& c : t.columns) cols_.push_back({c.type, type_width(c.type), {}, {}});
  set_.assign(cols_.size(), 0);
  for (auto& c : cols_)
    if (!c.width) c.data.assign(4, 0);  // string offsets start with 0
}

void TableBatch::begin_row() {
  if (rows_ == cap_) {
    cap_ = std::max<uint32_t>(64, cap_ * 2);
    for (auto& c : cols_) c.data.resize(size_t{cap_ + 1} * (c.width ? c.width : 4));
  }
  std::fill(set_.begin(), set_.end(), 0);
}

void TableBatch::set_string(int col, std::string_view s) {
  auto& c = cols_[col];
  c.heap.insert(c.heap.end(), s.begin(), s.end());
  store32(c.data.data() + 4 * (size_t{rows_} + 1), static_cast<uint32_t>(c.heap.size()));
  set_[col] = 1;
}

void TableBatch::set_null(int col) {
  switch (cols_[col].type) {
    case Type::boolean: case Type::byte: set<uint8_t>(col, 0); break;
    case Type::char_: set<char>(col, ' '); break;
    case Type::short_: set<int16_t>(col, kNullShort); break;
    case Type::int_: case Type::date: set<int32_t>(col, kNullInt); break;
    case Type::time: case Type::minute: case Type::second: case Type::month: set<int32_t>(col, kNullInt); break;
    case Type::datetime: set<uint64_t>(col, kNullDatetimeBits); break;
    case Type::guid: {
      static const uint8_t zero[16] = {};
      set_bytes(col, zero);
      break;
    }
    case Type::long_: case Type::timestamp: case Type::timespan: set<int64_t>(col, kNullLong); break;
    case Type::real: set<float>(col, std::numeric_limits<float>::quiet_NaN()); break;
    case Type::float_: set<double>(col, std::numeric_limits<double>::quiet_NaN()); break;
    case Type::symbol: set<uint32_t>(col, null_sym); break;
    case Type::string: set_string(col, {}); break;
  }
}

void TableBatch::end_row() {
  for (size_t i = 0; i < cols_.size(); i++)
    if (!set_[i]) set_null(static_cast<int>(i));
  rows_++;
}

void TableBatch::abort_row() {
  for (auto& c : cols_)
    if (!c.width) c.heap.resize(load32(c.data.data() + 4 * size_t{rows_}));
}

void TableBatch::truncate(uint32_t n) {
  if (n >= rows_) return;
  rows_ = n;
  for (auto& c : cols_)
    if (!c.width) c.heap.resize(load32(c.data.data() + 4 * size_t{n}));
}

void TableBatch::append(const DataView& v, uint32_t row) {
  begin_row();
  for (size_t i = 0; i < cols_.size(); i++) {
    auto& c = cols_[i];
    if (c.width)
      std::memcpy(c.data.data() + size_t{rows_} * c.width, v.cols[i] + size_t{row} * c.width,
                  c.width);
    else
      set_string(static_cast<int>(i), v.string(static_cast<int>(i), row));
  }
  rows_++;
}

void TableBatch::append(const DataView& v, uint32_t row, const std::vector<uint32_t>& map) {
  append(v, row);
  for (size_t i = 0; i < cols_.size(); i++) {
    if (cols_[i].type != Type::symbol) continue;
    uint8_t* p = cols_[i].data.data() + 4 * (size_t{rows_} - 1);
    store32(p, map[load32(p)]);
  }
}

void TableBatch::remap_symbols(const std::vector<uint32_t>& map) {
  for (auto& c : cols_) {
    if (c.type != Type::symbol) continue;
    uint8_t* p = c.data.data();
    for (uint32_t r = 0; r < rows_; r++) store32(p + 4 * size_t{r}, map[load32(p + 4 * size_t{r})]);
  }
}

size_t TableBatch::payload_size() const {
  size_t n = kDataPrefix;
  for (const auto& c : cols_)
    n += c.width ? pad8(size_t{rows_} * c.width) : pad8((size_t{rows_} + 1) * 4) + pad8(c.heap.size());
  return n;
}

void TableBatch::encode(uint8_t* out, uint64_t seq) const {
  uint8_t* p = put_data_prefix(out, rows_, seq);
  auto put = [&](const uint8_t* src, size_t n) {
    if (n) std::memcpy(p, src, n);
    std::memset(p + n, 0, pad8(n) - n);
    p += pad8(n);
  };
  for (const auto& c : cols_) {
    if (c.width) {
      put(c.data.data(), size_t{rows_} * c.width);
    } else {
      put(c.data.data(), (size_t{rows_} + 1) * 4);
      put(c.heap.data(), c.heap.size());
    }
  }
}

void TableBatch::clear() {
  rows_ = 0;
  for (auto& c : cols_) c.heap.clear();
}

void write_record(Output& out, RecordType type, uint16_t table, const uint8_t* payload,
                  uint32_t len) {
  uint8_t* p = out.reserve(kHeaderSize + len);
  if (len) std::memcpy(p + kHeaderSize, payload, len);
  write_header(p, type, table, p + kHeaderSize, len);
  out.commit(kHeaderSize + len);
}

void write_stream_header(Output& out, int32_t date) {
  uint8_t pl[kHeaderPayload] = {};
  std::memcpy(pl, kStreamMagic, 8);
  store16(pl + 8, kVersionMajor);
  store16(pl + 10, kVersionMinor);
  std::memcpy(pl + 12, &date, 4);
  write_record(out, RecordType::Header, 0, pl, sizeof pl);
}

void write_context(Output& out, int32_t date, const std::vector<Table>& tables, const SymbolTable& syms) {
  write_stream_header(out, date);
  for (size_t i = 0; i < tables.size(); i++) write_schema(out, static_cast<uint16_t>(i), tables[i]);
  write_symbols(out, syms, 0);
}

void write_schema(Output& out, uint16_t id, const Table& t) {
  std::vector<uint8_t> pl(4);
  store16(pl.data(), static_cast<uint16_t>(t.columns.size()));
  store16(pl.data() + 2, static_cast<uint16_t>(t.name.size()));
  pl.insert(pl.end(), t.name.begin(), t.name.end());
  for (const auto& c : t.columns) {
    pl.push_back(static_cast<uint8_t>(c.type));
    pl.push_back(static_cast<uint8_t>(c.name.size()));
    pl.insert(pl.end(), c.name.begin(), c.name.end());
  }
  pl.resize(pad8(pl.size()), 0);
  write_record(out, RecordType::Schema, id, pl.data(), static_cast<uint32_t>(pl.size()));
}

void write_symbols(Output& out, const SymbolTable& syms, uint32_t first) {
  uint32_t last = syms.size();
  while (first < last) {
    // Split very large dictionaries so no record nears the size limit.
    size_t len = 8;
    uint32_t end = first;
    while (end < last && len + 2 + syms.name(end).size() < (kMaxPayload >> 2))
      len += 2 + syms.name(end++).size();
    size_t plen = pad8(len);
    uint8_t* p = out.reserve(kHeaderSize + plen);
    uint8_t* q = p + kHeaderSize;
    store32(q, first);
    store32(q + 4, end - first);
    size_t at = 8;
    for (uint32_t i = first; i < end; i++) {
      std::string_view s = syms.name(i);
      store16(q + at, static_cast<uint16_t>(s.size()));
      std::memcpy(q + at + 2, s.data(), s.size());
      at += 2 + s.size();
    }
    std::memset(q + at, 0, plen - at);
    write_header(p, RecordType::Symbols, 0, q, static_cast<uint32_t>(plen));
    out.commit(kHeaderSize + plen);
    first = end;
  }
}

void write_eod(Output& out, int32_t date, uint64_t seq) {
  uint8_t pl[16] = {};
  std::memcpy(pl, &date, 4);
  store64(pl + 8, seq);
  write_record(out, RecordType::EndOfDay, 0, pl, 16);
}

void write_heartbeat(Output& out, int64_t time, uint64_t seq) {
  uint8_t pl[16];
  std::memcpy(pl, &time, 8);
  store64(pl + 8, seq);
  write_record(out, RecordType::Heartbeat, 0, pl, 16);
}

void write_subset(Output& out, const DataView& v, const uint32_t* rows, uint32_t n) {
  const Table& t = *v.table;
  // Size first, so the record is built in place in the output buffer.
  size_t len = kDataPrefix;
  for (size_t c = 0; c < t.columns.size(); c++) {
    int w = type_width(t.columns[c].type);
    if (w) {
      len += pad8(size_t{n} * w);
    } else {
      size_t hb = 0;
      for (uint32_t i = 0; i < n; i++) hb += v.string(static_cast<int>(c), rows[i]).size();
      len += pad8((size_t{n} + 1) * 4) + pad8(hb);
    }
  }
  uint8_t* rec = out.reserve(kHeaderSize + len);
  uint8_t* q = rec + kHeaderSize;
  std::memset(q, 0, len);
  store32(q, n);
  store64(q + 8, v.seq);
  uint8_t* p = q + kDataPrefix;
  for (size_t c = 0; c < t.columns.size(); c++) {
    int w = type_width(t.columns[c].type);
    const uint8_t* src = v.cols[c];
    if (w == 8) {
      for (uint32_t i = 0; i < n; i++) std::memcpy(p + 8 * i, src + 8 * size_t{rows[i]}, 8);
    } else if (w == 4) {
      for (uint32_t i = 0; i < n; i++) std::memcpy(p + 4 * i, src + 4 * size_t{rows[i]}, 4);
    } else if (w) {
      for (uint32_t i = 0; i < n; i++) std::memcpy(p + w * i, src + w * size_t{rows[i]}, w);
    }
    if (w) {
      p += pad8(size_t{n} * w);
      continue;
    }
    uint8_t* offs = p;
    uint8_t* heap = p + pad8((size_t{n} + 1) * 4);
    uint32_t at = 0;
    for (uint32_t i = 0; i < n; i++) {
      std::string_view s = v.string(static_cast<int>(c), rows[i]);
      std::memcpy(heap + at, s.data(), s.size());
      at += static_cast<uint32_t>(s.size());
      store32(offs + 4 * (size_t{i} + 1), at);
    }
    p = heap + pad8(at);
  }
  write_header(rec, RecordType::Data, v.table_id, q, static_cast<uint32_t>(len));
  out.commit(kHeaderSize + len);
}

std::vector<uint8_t> framed(const std::function<void(Output&)>& f) {
  std::vector<uint8_t> bytes;
  Output o([&](const uint8_t* p, size_t n) { bytes.insert(bytes.end(), p, p + n); }, 4096);
  f(o);
  o.flush();
  return bytes;
}

void StreamWriter::begin(const Schema& s) {
  write_stream_header(out_);
  for (size_t i = 0; i < s.tables.size(); i++)
    write_schema(out_, static_cast<uint16_t>(i), s.tables[i]);
  syms_.clear();
  syms_written_ = 0;
}

void StreamWriter::data(uint16_t table, const TableBatch& b, uint64_t seq) {
  if (syms_.size() > syms_written_) {
    write_symbols(out_, syms_, syms_written_);
    syms_written_ = syms_.size();
  }
  write_batch(out_, table, b, seq);
}

void write_batch(Output& out, uint16_t table, const TableBatch& b, uint64_t seq) {
  size_t len = b.payload_size();
  if (len > kMaxPayload) fail("a batch of table ", b.table().name, " exceeds the record size limit");
  uint8_t* p = out.reserve(kHeaderSize + len);
  b.encode(p + kHeaderSize, seq);
  write_header(p, RecordType::Data, table, p + kHeaderSize, static_cast<uint32_t>(len));
  out.commit(kHeaderSize + len);
}

void StreamWriter::eod(int32_t date, uint64_t seq) { write_eod(out_, date, seq); }

}  // namespace tick
