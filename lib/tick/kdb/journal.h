// kdb+ tick's journal (tick.q's log, see KDB.md): recognised, checked and
// repaired as q's -11! does, read as a tick stream, written from one.
//
// The file is the 8 bytes of a serialised empty list (ff 01 00 00, a count
// q never updates), then one serialised (`upd;`table;data) per message,
// without IPC headers. data is a list of columns (what feeds send and
// tick.q logs), one row of atoms, or a table.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tick/base/io.h"
#include "tick/kdb/object.h"
#include "tick/stream/reader.h"
#include "tick/stream/schema.h"
#include "tick/stream/symbols.h"

namespace tick::kdb {

constexpr size_t kJournalHead = 8;

// The first bytes of a kdb+ journal (n: how many there are).
bool is_journal(const uint8_t* p, size_t n);
// Whether the file at path is one (false if it cannot be read).
bool is_journal_file(const std::string& path);
// The day a journal's name says (tick.q's NAMEyyyy.mm.dd), or kNoDate.
int32_t journal_date_from_name(const std::string& path);

// -11!(-2;L): the messages of the whole file when it is sound; else the
// messages before the first that is torn or malformed and the bytes they
// end at (where q says to truncate).
struct Check {
  uint64_t messages = 0;
  uint64_t valid_bytes = 0;
  uint64_t size = 0;
  bool sound = true;
  bool torn = false;   // the file ends inside a message
  std::string why;     // what is wrong at valid_bytes
};
Check check_journal(const uint8_t* p, size_t n);

// What a journal holds, without a schema: by tick.q's rule a table's first
// column is its time and its second its sym (a table message names them).
struct Summary {
  struct TableInfo {
    uint64_t messages = 0, rows = 0;
  };
  std::map<std::string, TableInfo> tables;
  std::set<std::string> syms;
  int64_t time_lo = INT64_MAX, time_hi = INT64_MIN;  // ns (of the day, or since the epoch)
  bool instants = false;  // the times are timestamps
  Check check;
};
Summary summarise_journal(const uint8_t* p, size_t n);

// Where one column's values are in a kdb+ update: a vector's elements, or
// (a row) one atom's value; strings: the char lists themselves.
struct ColumnSource {
  const uint8_t* p = nullptr;
};

// kdb+ updates as tick records: the data of (`upd;`table;data) (a list of
// columns, a row of atoms, or a table) checked against the schema, and
// written as the symbols it adds, then one data record.
class UpdateEncoder {
 public:
  UpdateEncoder(std::shared_ptr<const Schema> schema, Output& out) : schema_(std::move(schema)), out_(&out) {}
  // Where the records go from now on.
  void set_output(Output& out) { out_ = &out; }
  // Data records' CRCs left for seal_records (by the reader of out).
  void seal_later() { seal_later_ = true; }
  // The stream's header (dated `date`, or kNoDate) and every table's schema.
  void begin(int32_t date);
  // One update (data: its object, sized already, len bytes). Returns an
  // empty string, or what does not fit (then no data record is written).
  std::string encode(std::string_view table, const uint8_t* data, size_t len, uint64_t seq);
  // The same, its columns found already (cols: one per column of table
  // tid, checked against its types; end: the end of the data).
  std::string emit(int tid, const ColumnSource* cols, uint32_t rows, const uint8_t* end, uint64_t seq);
  const Schema& schema() const { return *schema_; }

 private:
  std::shared_ptr<const Schema> schema_;
  Output* out_;
  bool seal_later_ = false;
  SymbolTable syms_;
  uint32_t syms_written_ = 0;
  // (16 bytes an entry: few of a day's names share a slot, and the whole
  // stays in the L2 cache while a journal streams through)
  struct SymCache {
    uint64_t head = 0;
    uint32_t len = UINT32_MAX, id = 0;
  };
  static constexpr int kSymCacheBits = 12;
  static constexpr size_t kSymCache = size_t{1} << kSymCacheBits;
  std::vector<SymCache> sym_cache_ = std::vector<SymCache>(kSymCache);
};

// The journal's messages as a tick stream: a header dated `date` (kNoDate:
// none), every table of the schema, then per message the new symbols and
// one data record (its sequence number the message's, from 1), and an
// end-of-day record when end_of_day. Errors are Error("NAME: byte OFFSET:
// message N: what"): data that does not fit the schema, a message that is
// not an update, a torn tail.
// The conversion runs on a thread of its own, a few batches of about a
// megabyte ahead of the reading; each batch is read from where it was made.
class JournalSource : public ByteSource {
 public:
  JournalSource(std::string name, const uint8_t* p, size_t n, std::shared_ptr<const Schema> schema,
                int32_t date, bool end_of_day);
  // Stops the thread (a batch under way is finished first) and joins it.
  ~JournalSource() override;
  size_t read(uint8_t* dst, size_t cap) override;

 private:
  // Records made in out's buffer; when one does not fit in what is left,
  // those before it go to spill (read first).
  struct Batch {
    std::vector<uint8_t> spill;
    std::unique_ptr<Output> out;  // (after spill, which its sink fills)
    size_t taken = 0;    // bytes read (of spill, then of out's)
    bool ready = false;  // made, not all read: the thread leaves it alone
    bool sealed = false; // its data records' CRCs filled in (by the reader)
    size_t size() const { return spill.size() + out->pending(); }
  };
  void run();
  void populate();
  void convert_some(Output& out, const std::vector<uint8_t>& spill);
  static constexpr size_t kAhead = size_t{8} << 20, kPage = 4096;
  void message(const uint8_t* m, size_t len, uint64_t offset);
  size_t one_walk(const uint8_t* m, size_t n, int& tid, uint32_t& rows);
  // The thread's.
  struct Shape {  // a table's columns as tick.q logs them: q types, widths (0: symbols)
    std::vector<int8_t> qtype, width;
    bool simple = true;  // no string column
  };
  std::vector<Shape> shapes_;
  std::vector<ColumnSource> found_;
  std::string last_table_;
  int last_tid_ = -1;
  std::string name_;
  const uint8_t* p_;
  size_t n_, at_ = kJournalHead;
  std::atomic<size_t> reached_{kJournalHead};  // at_ after the last batch made
  uint64_t number_ = 0;
  int32_t date_;
  bool eod_, started_ = false, ended_ = false;
  size_t released_ = 0;
  size_t populated_ = 0;  // the reader's
  // Shared, under mu_ (a batch's bytes: see Batch::ready).
  static constexpr size_t kBatch = size_t{1} << 20, kBatches = 3;
  Batch batches_[kBatches];
  UpdateEncoder enc_;  // (the thread's; after batches_, whose first it is made with)
  size_t make_ = 0, take_ = 0;  // the batch the thread makes next; the one read now
  bool done_ = false, quit_ = false;
  std::string error_;  // what ended the conversion, told after the batches before it
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
};

// From now on, kdb+ journals opened as Inputs anywhere in the process are
// read as tick streams (JournalSource) with this schema (null: a journal met
// is an error saying to give one) and date (kNoDate: from the file name).
// Their day ends (an end-of-day record) when it is before today's.
void read_journals(std::shared_ptr<const Schema> schema, int32_t date);

// Writes a tick stream's data as a kdb+ journal: the head once, then one
// (`upd;`table;columns) per data record, typed vectors in schema order.
class JournalWriter {
 public:
  // headed: the 8-byte head is in place already (a journal appended to).
  explicit JournalWriter(Output& out, bool headed = false) : out_(out), started_(headed) {}
  // The rows (all, or the n listed) of a data record as one message.
  void data(const DataView& v, const SymbolTable& syms, const uint32_t* rows, uint32_t n);
  // The head, if nothing was written yet (an empty journal).
  void finish();

 private:
  void head();
  Output& out_;
  bool started_ = false;
};

}  // namespace tick::kdb
