#include <atomic>
#include "tick/stream/reader.h"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include "tick/base/error.h"
#include "tick/base/units.h"

namespace tick {

RecordReader::Status RecordReader::bad(uint64_t offset, std::string why) {
  problem_offset_ = offset;
  problem_ = std::move(why);
  need_resync_ = true;
  torn_tail_ = false;
  oversized_ = false;
  return Status::Bad;
}

RecordReader::Status RecordReader::torn(uint64_t offset, std::string why) {
  bad(offset, std::move(why));
  torn_tail_ = true;
  return Status::Bad;
}

// Looks for the next offset whose header is plausible and whose CRC holds,
// starting one byte past the bad record. Consumes everything before it.
bool RecordReader::resync() {
  need_resync_ = false;
  uint64_t start = in_.offset();
  if (in_.fill(1) > 0) in_.consume(1);
  while (true) {
    size_t n = in_.fill(kHeaderSize);
    if (n < kHeaderSize) {
      in_.consume(n);
      skipped_ = in_.offset() - start;
      return false;
    }
    const uint8_t* p = in_.data();
    // Scan the window for the marker's first byte.
    const uint8_t first = kMarker & 0xff;
    size_t i = 0;
    bool found = false;
    while (i + kHeaderSize <= n) {
      const void* hit = std::memchr(p + i, first, n - kHeaderSize + 1 - i);
      if (!hit) {
        i = n - kHeaderSize + 1;
        break;
      }
      i = static_cast<const uint8_t*>(hit) - p;
      RecordHeader h;
      if (parse_header(p + i, h)) {
        in_.consume(i);
        size_t have = in_.fill(kHeaderSize + h.length);
        p = in_.data();
        if (have >= kHeaderSize + h.length &&
            record_crc(p, p + kHeaderSize, h.length) == h.crc) {
          found = true;
          break;
        }
        n = have;
        i = 1;
        continue;
      }
      i++;
    }
    if (found) {
      skipped_ = in_.offset() - start;
      return true;
    }
    in_.consume(std::min(i, n));
  }
}

std::string Damage::where(const std::string& name) const {
  std::string s = str(name, ":", offset, ": ", why);
  if (salvaged)
    s += resumed ? str(" (skipped ", skipped, " bytes to the next good record)")
                 : str(" (", skipped, " bytes to the end skipped)");
  return s;
}

Damage RecordReader::damage(bool salvage) {
  Damage d;
  d.offset = problem_offset_;
  d.why = problem_;
  d.torn = torn_tail_;
  d.oversized = oversized_;
  if (salvage) {
    d.salvaged = true;
    d.resumed = resync();
    d.skipped = skipped_;
  }
  return d;
}

bool RecordReader::read(Record& r, const Reporter& rep) {
  while (true) {
    Status st = next(r);
    if (st == Status::Ok) return true;
    if (st == Status::End) return false;
    rep.on_damage(rep.salvage ? salvage() : damage());
    if (!rep.salvage) return false;
  }
}

bool RecordReader::read(Record& r) {
  Status st = next(r);
  if (st == Status::Bad) throw Error(damage().where(in_.name()));
  return st == Status::Ok;
}

// Text where a tick stream was expected: what it looks like, and the
// encoder that makes a stream of it.
static std::string text_hint(const uint8_t* p, size_t n) {
  // (tick.q's log begins as a serialised empty list: read from a file only)
  if (n >= 8 && p[0] == 0xff && p[1] == 0x01 && p[2] == 0 && p[3] == 0)
    return ": it looks like a kdb+ tick journal (tick.q's log); give it as a file, with --schema sym.q";
  // Text has no control bytes but whitespace (JSON may carry UTF-8, CSV
  // is taken as ASCII): random bytes that begin with '{' are not JSON.
  bool text = true, utf8 = true, comma = false;
  for (size_t k = 0; k < n; k++) {
    bool ws = p[k] == '\n' || p[k] == '\r' || p[k] == '\t';
    text = text && (ws || (p[k] >= 0x20 && p[k] < 0x7f));
    utf8 = utf8 && (ws || (p[k] >= 0x20 && p[k] != 0x7f));
    comma = comma || p[k] == ',';
  }
  size_t i = 0;
  while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) i++;
  if (utf8 && i < n && (p[i] == '{' || p[i] == '['))
    return ": it looks like JSON; encode it first: tick-cat -e --schema FILE";
  if (text && comma) return ": it looks like CSV; encode it first: tick-cat -e --in csv --schema FILE";
  if (text) return ": it looks like text";
  return "";
}

RecordReader::Status RecordReader::next(Record& r) {
  if (need_resync_) resync();
  while (true) {
    uint64_t off = in_.offset();
    size_t n = in_.fill(kHeaderSize);
    if (n == 0) return Status::End;
    if (n < kHeaderSize)
      return torn(off, str("truncated record: ", n, " bytes at the end of input"));
    RecordHeader h;
    if (!parse_header(in_.data(), h)) {
      if (load32(in_.data()) != kMarker) {
        if (off == 0) return bad(off, str("not a tick stream (no record marker)", text_hint(in_.data(), n)));
        if (last_unverified_)
          return bad(off, "no record marker after a skipped record (corrupt length?)");
        return bad(off, "corrupt data (no record marker)");
      }
      return bad(off, str("corrupt record header (length ", load32(in_.data() + 4), ")"));
    }
    if (max_record_ && h.length > max_record_) {
      bad(off, str(record_type_name(h.type), " record of ", h.length, " bytes is over the limit of ",
                   max_record_, " bytes (--max-record)"));
      oversized_ = true;
      return Status::Bad;
    }
    bool skip = skip_ && h.type == RecordType::Data && skip_(h);
    size_t total = kHeaderSize + h.length;
    if (skip && in_.avail() < total && in_.eof()) skip = false;  // report a torn tail properly
    if (skip) {
      // Passed over without reading the payload: for mmap'd files and
      // buffered data this is O(1).
      size_t left = total;
      while (left > 0) {
        size_t a = in_.fill(std::min<size_t>(left, 1 << 20));
        if (a == 0) return torn(off, "truncated record at the end of input");
        size_t c = std::min(a, left);
        in_.consume(c);
        left -= c;
      }
      last_unverified_ = true;
      continue;
    }
    size_t have = in_.fill(total);
    if (have < total)
      return torn(off, str("truncated ", record_type_name(h.type), " record: ", have, " of ", total,
                          " bytes at the end of input"));
    const uint8_t* p = in_.data();
    if (!trusted_ && record_crc(p, p + kHeaderSize, h.length) != h.crc)
      return bad(off, str("CRC mismatch in ", record_type_name(h.type), " record of ", total, " bytes"));
    r.h = h;
    r.bytes = p;
    r.offset = off;
    in_.consume(total);
    last_unverified_ = false;
    return Status::Ok;
  }
}

struct FramingAhead::Sync {
  std::mutex m;
  std::condition_variable cv;
  uint64_t head = 0, tail = 0;  // batches filled, batches freed
  bool taken = false, stop = false;
  std::exception_ptr err;
  std::thread th;
};

bool FramingAhead::suits(const Input& in) {
  return in.mapped() && in.eof() && in.avail() >= (8u << 20) && std::thread::hardware_concurrency() >= 2;
}

FramingAhead::FramingAhead(Input& in, bool salvage) : rr_(in), salvage_(salvage), sync_(std::make_unique<Sync>()) {
  for (auto& b : slots_) b.items.reserve(kBatch);
  sync_->th = std::thread([this] { run(); });
}

FramingAhead::~FramingAhead() {
  {
    std::lock_guard<std::mutex> l(sync_->m);
    sync_->stop = true;
  }
  sync_->cv.notify_all();
  sync_->th.join();
}

const FramingAhead::Batch& FramingAhead::next() {
  Sync& y = *sync_;
  std::unique_lock<std::mutex> l(y.m);
  if (y.taken) {  // the batch handed out last time is free again
    y.taken = false;
    y.tail++;
    y.cv.notify_all();
  }
  y.cv.wait(l, [&] { return y.head > y.tail || y.err; });
  if (y.head == y.tail && y.err) std::rethrow_exception(y.err);
  y.taken = true;
  return slots_[y.tail % kSlots];
}

void FramingAhead::run() {
  Sync& y = *sync_;
  try {
    bool done = false;
    while (!done) {
      Batch* b;
      {
        std::unique_lock<std::mutex> l(y.m);
        y.cv.wait(l, [&] { return y.head - y.tail < kSlots || y.stop; });
        if (y.stop) return;
        b = &slots_[y.head % kSlots];
      }
      b->items.clear();
      b->damage.clear();
      b->last = false;
      size_t bytes = 0;
      while (b->items.size() < kBatch && bytes < (4u << 20)) {
        Item it;
        auto st = rr_.next(it.r);
        if (st == RecordReader::Status::End) {
          done = b->last = true;
          break;
        }
        if (st == RecordReader::Status::Bad) {
          it.bad = true;
          it.r.offset = rr_.problem_offset();
          b->damage.push_back(salvage_ ? rr_.salvage() : rr_.damage());
          b->items.push_back(it);
          if (!salvage_) {
            done = b->last = true;
            break;
          }
          continue;
        }
        bytes += it.r.size();
        b->items.push_back(it);
      }
      std::lock_guard<std::mutex> l(y.m);
      y.head++;
      y.cv.notify_all();
    }
  } catch (...) {
    std::lock_guard<std::mutex> l(y.m);
    y.err = std::current_exception();
    y.cv.notify_all();
  }
}

namespace {
// Process-wide, so no two contexts share a generation whichever decoder
// read them (caches keyed on it then never outlive their ids).
uint64_t next_generation() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

Decoder::Kind Decoder::apply(const Record& r) {
  const uint8_t* p = r.payload();
  uint32_t len = r.h.length;
  switch (r.h.type) {
    case RecordType::Header: {
      if (len < kHeaderPayload || std::memcmp(p, kStreamMagic, 8) != 0)
        fail("not a tick stream header");
      uint16_t major = load16(p + 8), minor = load16(p + 10);
      if (major != kVersionMajor)
        throw VersionError(str("unsupported tick stream version ", major, ".", minor,
                               " (this build reads ", kVersionMajor, ".x)"));
      started_ = true;
      generation_ = next_generation();
      std::memcpy(&date_, p + 12, 4);
      tables_.clear();
      syms_.clear();
      return Kind::Header;
    }
    case RecordType::Schema: {
      if (!started_) fail("schema record before the stream header");
      if (len < 4) fail("schema record too short");
      uint16_t ncols = load16(p), nlen = load16(p + 2);
      size_t at = 4;
      auto need = [&](size_t k) {
        if (at + k > len) fail("schema record too short");
      };
      need(nlen);
      Table t;
      t.name.assign(reinterpret_cast<const char*>(p + at), nlen);
      at += nlen;
      for (uint16_t i = 0; i < ncols; i++) {
        need(2);
        uint8_t ty = p[at], cl = p[at + 1];
        at += 2;
        need(cl);
        if (!type_valid(ty)) fail("schema of table ", quoted(t.name), ": unknown column type ", int(ty));
        t.columns.push_back({std::string(reinterpret_cast<const char*>(p + at), cl),
                             static_cast<Type>(ty)});
        at += cl;
      }
      if (std::string e = t.check(); !e.empty()) fail("bad schema record: ", e);
      uint16_t id = r.h.table;
      if (id < tables_.size()) {
        if (tables_[id].name != t.name || !tables_[id].same_columns(t))
          fail("schema record redefines table id ", id, " (", quoted(tables_[id].name), ")");
        return Kind::Schema;
      }
      if (id != tables_.size())
        fail("schema record for table id ", id, " but ", tables_.size(), " tables are defined");
      for (const auto& o : tables_)
        if (o.name == t.name) fail("table ", quoted(t.name), " defined twice");
      tables_.push_back(std::move(t));
      return Kind::Schema;
    }
    case RecordType::Symbols: {
      if (!started_) fail("symbol record before the stream header");
      if (len < 8) fail("symbol record too short");
      uint32_t first = load32(p), count = load32(p + 4);
      if (first != syms_.size())
        fail("symbol record starts at id ", first, " but the dictionary has ", syms_.size());
      size_t at = 8;
      for (uint32_t i = 0; i < count; i++) {
        if (at + 2 > len) fail("symbol record too short");
        uint16_t sl = load16(p + at);
        at += 2;
        if (at + sl > len) fail("symbol record too short");
        uint32_t id = syms_.intern({reinterpret_cast<const char*>(p + at), sl});
        if (id != first + i) fail("symbol record repeats symbol ", quoted(syms_.name(id)));
        at += sl;
      }
      return Kind::Symbols;
    }
    case RecordType::Data:
      data(r);
      return Kind::Data;
    case RecordType::EndOfDay:
      if (len < 16) fail("end-of-day record too short");
      std::memcpy(&eod_date_, p, 4);
      ctl_seq_ = load64(p + 8);
      return Kind::EndOfDay;
    case RecordType::Subscribe:
    case RecordType::Accept:
    case RecordType::Refuse:
    case RecordType::EndOfStream:
    case RecordType::Hello:
    case RecordType::Ack:
      return Kind::Protocol;
    case RecordType::Progress:
      return Kind::Unknown;  // journal bookkeeping: passed on, never decoded
    case RecordType::Positions:
      return Kind::Positions;  // a Kafka consumer's: parsed by who needs them
    case RecordType::Heartbeat:
      if (len < 16) fail("heartbeat record too short");
      ctl_seq_ = load64(p + 8);
      return Kind::Heartbeat;
  }
  return Kind::Unknown;  // a newer minor version's record: skipped
}

void Decoder::data(const Record& r) {
  if (!started_) fail("data record before the stream header");
  uint16_t id = r.h.table;
  if (id >= tables_.size()) fail("data record for undefined table id ", id);
  const Table& t = tables_[id];
  const uint8_t* p = r.payload();
  const size_t len = r.h.length;
  if (len < kDataPrefix) fail("data record too short");
  uint32_t rows = load32(p);
  view_.table = &t;
  view_.table_id = id;
  view_.rows = rows;
  view_.seq = load64(p + 8);
  view_.cols.resize(t.columns.size());
  view_.heap.resize(t.columns.size());
  size_t at = kDataPrefix;
  const uint32_t nsyms = syms_.size();
  for (size_t c = 0; c < t.columns.size(); c++) {
    Type ty = t.columns[c].type;
    int w = type_width(ty);
    if (w) {
      size_t n = pad8(size_t{rows} * w);
      if (n > len - at) fail("data record of table ", quoted(t.name), " too short for ", rows, " rows");
      view_.cols[c] = p + at;
      if (ty == Type::symbol && !trusted_) {
        uint32_t mx = 0;
        for (uint32_t i = 0; i < rows; i++) mx = std::max(mx, load32(p + at + 4 * i));
        if (rows && mx >= nsyms)
          fail("data record of table ", quoted(t.name), " uses symbol id ", mx, " beyond the dictionary (",
               nsyms, ")");
      }
      at += n;
    } else {
      size_t n = pad8((size_t{rows} + 1) * 4);
      if (n > len - at) fail("data record of table ", quoted(t.name), " too short for ", rows, " rows");
      const uint8_t* off = p + at;
      at += n;
      if (!trusted_) {
        if (load32(off) != 0) fail("data record of table ", quoted(t.name), ": bad string offsets");
        for (uint32_t i = 1, prev = 0; i <= rows; i++) {
          uint32_t o = load32(off + 4 * i);
          if (o < prev) fail("data record of table ", quoted(t.name), ": bad string offsets");
          prev = o;
        }
      }
      size_t hb = pad8(load32(off + 4 * size_t{rows}));  // (the last offset: the string bytes' end)
      if (hb > len - at) fail("data record of table ", quoted(t.name), ": string bytes past the record");
      view_.cols[c] = off;
      view_.heap[c] = p + at;
      at += hb;
    }
  }
  if (at != len) fail("data record of table ", quoted(t.name), " has ", len - at, " stray bytes");
}

}  // namespace tick
