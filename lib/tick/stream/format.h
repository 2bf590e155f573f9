// The tick stream's record framing: the byte layout specified in man/tick.5.
//
// A stream is a sequence of records. Every record is a 16-byte header and a
// payload whose length is a multiple of 8, so every record, and every column
// inside a data record, starts 8-byte aligned relative to the stream's start.
//
//   0  u32 marker   kMarker, the resynchronisation point
//   4  u32 length   payload bytes (multiple of 8, at most kMaxPayload)
//   8  u8  type     RecordType
//   9  u8  flags    0
//  10  u16 table    table id for Schema and Data records, else 0
//  12  u32 crc      CRC32C of bytes 4..11 followed by the payload
#pragma once
#include <cstddef>
#include <cstdint>
#include <climits>
#include <cstring>
#include <string>
#include <string_view>

namespace tick {

constexpr uint32_t kMarker = 0x4B54A7E1u;  // bytes E1 A7 54 4B ("..TK")
constexpr size_t kHeaderSize = 16;
constexpr uint32_t kMaxPayload = 1u << 30;
constexpr uint16_t kVersionMajor = 1;
constexpr uint16_t kVersionMinor = 1;  // 1.1 added positions (O)
constexpr char kStreamMagic[8] = {'T', 'I', 'C', 'K', 'S', 'T', 'R', 'M'};
constexpr uint16_t kMaxTables = 4096;

enum class RecordType : uint8_t {
  Header = 'H',     // magic, version: starts a stream (and resets the context)
  Schema = 'S',     // one table's name and columns
  Symbols = 'Y',    // symbols appended to the dictionary
  Data = 'D',       // N rows of one table, by column
  EndOfDay = 'E',   // the day is complete
  Heartbeat = 'B',  // liveness, with the current time and sequence
  // The subscription protocol (man 5 tick, SUBSCRIBING):
  Subscribe = 'Q',    // subscriber -> tick-pub: tables, syms, where to start
  Accept = 'A',       // tick-pub -> subscriber: where the stream starts
  Refuse = 'X',       // either way: an error message, then the end
  EndOfStream = 'Z',  // tick-pub's input ended: nothing more will come
  // Publishers into tick-log --listen:
  Hello = 'P',        // publisher -> tick-log: its id and first sequence
  Ack = 'K',          // tick-log -> publisher: journaled up to a sequence
  Progress = 'G',     // in the journal: a publisher's last journaled sequence
  // Since 1.1:
  Positions = 'O',    // a Kafka consumer's positions, announcing the data records that follow
};

constexpr size_t pad8(size_t n) { return (n + 7) & ~size_t{7}; }

inline uint16_t load16(const uint8_t* p) { uint16_t v; std::memcpy(&v, p, 2); return v; }
inline uint32_t load32(const uint8_t* p) { uint32_t v; std::memcpy(&v, p, 4); return v; }
inline uint64_t load64(const uint8_t* p) { uint64_t v; std::memcpy(&v, p, 8); return v; }
inline void store16(uint8_t* p, uint16_t v) { std::memcpy(p, &v, 2); }
inline void store32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }
inline void store64(uint8_t* p, uint64_t v) { std::memcpy(p, &v, 8); }
// A data record's prefix (rows, publisher slot 0, sequence number) at q;
// returns where its columns begin.
inline uint8_t* put_data_prefix(uint8_t* q, uint32_t rows, uint64_t seq) {
  store32(q, rows);
  store32(q + 4, 0);
  store64(q + 8, seq);
  return q + 16;
}

struct RecordHeader {
  uint32_t length = 0;
  RecordType type{};
  uint8_t flags = 0;
  uint16_t table = 0;
  uint32_t crc = 0;
};

// Reads a header; false if the marker is missing or a field is out of range.
bool parse_header(const uint8_t* p, RecordHeader& h);
// CRC of a whole record as stored in its header (bytes 4..11 + payload).
uint32_t record_crc(const uint8_t* header, const uint8_t* payload, size_t len);
// Writes a header for the given payload (computes the CRC).
void write_header(uint8_t* out, RecordType type, uint16_t table, const uint8_t* payload,
                  uint32_t len);
// The same without the CRC (0), for seal_records to fill in later: a
// producer leaves the checksums to the thread that hands its records on.
void write_header_unsealed(uint8_t* out, RecordType type, uint16_t table, uint32_t len);
// Sets the CRC of each record of a run of whole records (n bytes at p).
void seal_records(uint8_t* p, size_t n);

// Header record payload (16 bytes): magic[8] u16 major u16 minor i32 date.
// date: the journal day the stream belongs to (days since 1970-01-01), or
// kNoDate for a stream that is not a journal's.
constexpr size_t kHeaderPayload = 16;
constexpr int32_t kNoDate = INT32_MIN;
// Data record payload prefix (16 bytes): u32 rows, u32 source, u64 seq.
// source: in a journal, the publisher slot the record came from (0: none).
constexpr size_t kDataPrefix = 16;
// Progress payload (24 bytes): u64 publisher id, u64 upto, u32 slot, u32 0.
// End-of-day payload (16 bytes): i32 date (days since epoch), u32 0, u64 seq.
// Heartbeat payload (16 bytes): i64 time (ns since epoch), u64 seq.
// Positions payload: u32 data records that follow (the group), u32 count,
// then count times: u64 next offset, i32 partition, u16 topic length, topic.

std::string record_type_name(RecordType t);

}  // namespace tick
