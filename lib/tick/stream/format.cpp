#include "tick/stream/format.h"

#include "tick/base/crc32c.h"

namespace tick {

bool parse_header(const uint8_t* p, RecordHeader& h) {
  if (load32(p) != kMarker) return false;
  h.length = load32(p + 4);
  h.type = static_cast<RecordType>(p[8]);
  h.flags = p[9];
  h.table = load16(p + 10);
  h.crc = load32(p + 12);
  if (h.length % 8 != 0 || h.length > kMaxPayload) return false;
  // Sizes each known type can have: garbage that happens to hold the marker
  // is refused before the reader waits for a gigabyte of payload.
  switch (h.type) {
    case RecordType::Header:
    case RecordType::EndOfDay:
    case RecordType::Heartbeat:
      return h.length >= 16 && h.length <= 4096;
    case RecordType::Data:
      return h.length >= kDataPrefix;
    case RecordType::Schema:
    case RecordType::Subscribe:
    case RecordType::Accept:
    case RecordType::Refuse:
    case RecordType::EndOfStream:
    case RecordType::Hello:
    case RecordType::Ack:
    case RecordType::Progress:
      return h.length <= (1u << 20);
    case RecordType::Positions:
      return h.length >= 8 && h.length <= (1u << 20);
    case RecordType::Symbols:
      return h.length >= 8;
  }
  return true;  // a newer minor version's type
}

uint32_t record_crc(const uint8_t* header, const uint8_t* payload, size_t len) {
  uint32_t c = crc32c(0, header + 4, 8);
  return crc32c(c, payload, len);
}

void write_header_unsealed(uint8_t* out, RecordType type, uint16_t table, uint32_t len) {
  store32(out, kMarker);
  store32(out + 4, len);
  out[8] = static_cast<uint8_t>(type);
  out[9] = 0;
  store16(out + 10, table);
  store32(out + 12, 0);
}

void write_header(uint8_t* out, RecordType type, uint16_t table, const uint8_t* payload,
                  uint32_t len) {
  write_header_unsealed(out, type, table, len);
  store32(out + 12, record_crc(out, payload, len));
}

void seal_records(uint8_t* p, size_t n) {
  for (size_t at = 0; n - at >= kHeaderSize;) {
    const uint32_t len = load32(p + at + 4);
    store32(p + at + 12, record_crc(p + at, p + at + kHeaderSize, len));
    at += kHeaderSize + len;
  }
}

std::string record_type_name(RecordType t) {
  switch (t) {
    case RecordType::Header: return "header";
    case RecordType::Schema: return "schema";
    case RecordType::Symbols: return "symbols";
    case RecordType::Data: return "data";
    case RecordType::EndOfDay: return "end-of-day";
    case RecordType::Heartbeat: return "heartbeat";
    case RecordType::Subscribe: return "subscribe";
    case RecordType::Accept: return "accept";
    case RecordType::Refuse: return "refuse";
    case RecordType::EndOfStream: return "end-of-stream";
    case RecordType::Hello: return "hello";
    case RecordType::Ack: return "ack";
    case RecordType::Progress: return "progress";
    case RecordType::Positions: return "positions";
  }
  return std::string("unknown type 0x") + "0123456789abcdef"[static_cast<uint8_t>(t) >> 4] +
         "0123456789abcdef"[static_cast<uint8_t>(t) & 15];
}

}  // namespace tick
