// Byte input and output in large buffers.
//
// Input presents a window of bytes over a file (mmap'd in place), a pipe or
// socket (read in large chunks), or either of those compressed with zstd
// (recognised by its magic, decompressed on the fly). Output gathers writes
// in a large buffer and writes it when full, when asked, or when the input is
// about to block (the idle hook), so a quiet feed sees low latency and a busy
// one full throughput.
#pragma once
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tick/base/error.h"

namespace tick {

// The downstream closed its end (EPIPE): tools end quietly.
struct BrokenPipe : Error {
  BrokenPipe() : Error("broken pipe") {}
};

// Input that will be refused however often it is tried (zstd on a
// connection): a client ends rather than reconnecting into it again.
struct RefusedInput : Error {
  // message: as said locally ("NAME: ..."); reason: as sent to a peer.
  RefusedInput(const std::string& message, std::string why) : Error(message), reason(std::move(why)) {}
  std::string reason;
};

// Where bytes come from, before framing.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to cap bytes; 0 at end of input. Throws Error on failure.
  virtual size_t read(uint8_t* dst, size_t cap) = 0;
  // True if a read now would wait for data.
  virtual bool would_block() { return false; }
  // Waits up to timeout_ms for data (or the end); false on timeout.
  virtual bool wait(int timeout_ms) { (void)timeout_ms; return true; }
};

// A byte buffer that does not zero what it allocates: reads fill it.
class RawBuffer {
 public:
  uint8_t* data() { return p_.get(); }
  size_t size() const { return n_; }
  // Keeps the first min(n, size()) bytes.
  void resize(size_t n) {
    if (n <= cap_) {
      n_ = n;
      return;
    }
    std::unique_ptr<uint8_t[]> q(new uint8_t[n]);
    if (n_) std::memcpy(q.get(), p_.get(), n_);
    p_ = std::move(q);
    cap_ = n_ = n;
  }
  // Gives back memory above n bytes (keeping the first min(n, size())).
  void shrink(size_t n) {
    if (n >= cap_) return;
    std::unique_ptr<uint8_t[]> q(new uint8_t[n]);
    n_ = std::min(n_, n);
    if (n_) std::memcpy(q.get(), p_.get(), n_);
    p_ = std::move(q);
    cap_ = n;
  }

 private:
  std::unique_ptr<uint8_t[]> p_;
  size_t n_ = 0, cap_ = 0;
};

class Input {
 public:
  // "-" is standard input. Regular uncompressed files are mapped unless
  // allow_mmap is false; zstd is detected by its magic number.
  static std::unique_ptr<Input> open(const std::string& path, bool allow_mmap = true);
  static std::unique_ptr<Input> from_fd(int fd, std::string name, bool allow_mmap = true);
  // A connection's input: never mapped, and zstd is refused rather than
  // decompressed (a peer must not make this process wait on a stalled
  // frame, or inflate a few bytes into gigabytes).
  static std::unique_ptr<Input> from_socket(int fd, std::string name);
  // A journal being written, read in place: mapped once with room to grow
  // (data() pointers stay valid), starting at byte `from`. When more is
  // wanted, grow(want, idle) returns the new readable end, waiting as it
  // must (calling idle before it sleeps); the same end is the end of input.
  using Grow = std::function<uint64_t(uint64_t want, const std::function<void()>& idle)>;
  static std::unique_ptr<Input> open_growing(const std::string& path, uint64_t from, uint64_t end, Grow grow);
  // A reader of another format's files (kdb+ journals), offered each
  // regular file opened here, mapped whole: it returns the tick stream the
  // bytes hold as a source reading from them, or null to leave the file as
  // it is. One for the process; the bytes stay mapped while the input lives.
  using Transcoder = std::function<std::unique_ptr<ByteSource>(const std::string& name, const uint8_t* p, size_t n)>;
  static void set_transcoder(Transcoder t);
  ~Input();

  const std::string& name() const { return name_; }
  // Makes at least n bytes available at data() if the input has them;
  // returns the bytes available (fewer only at end of input).
  size_t fill(size_t n);
  // The same, but stops as soon as a read would wait: it takes what is
  // ready (a file's next bytes, what a pipe holds) and never blocks.
  size_t fill_ready(size_t n);
  const uint8_t* data() const { return base_ + pos_; }
  size_t avail() const { return end_ - pos_; }
  void consume(size_t n) { pos_ += n; offset_ += n; }
  // Offset in the (decompressed) stream of data().
  uint64_t offset() const { return offset_; }
  bool eof() const { return eof_; }
  bool compressed() const { return compressed_; }
  // The whole input is mapped: data() pointers stay valid until destruction.
  bool mapped() const { return map_ != nullptr; }
  // At least this many readable bytes follow the end of the data (for simdjson).
  static constexpr size_t kPadding = 64;
  // Called before a read that would block, and again every kIdleRecheckMs
  // while the input stays quiet: the place to flush output (and to ask
  // whether its reader is still there).
  void set_idle_hook(std::function<void()> f) { idle_ = std::move(f); }
  static constexpr int kIdleRecheckMs = 1000;
  // Waits up to timeout_ms for more input; false on timeout.
  bool wait(int timeout_ms) { return avail() > 0 || eof_ || !src_ || src_->wait(timeout_ms); }
  // The same, whatever is buffered (from an idle hook: a part of a record
  // may be buffered, the rest not yet come).
  bool wait_source(int timeout_ms) { return eof_ || !src_ || src_->wait(timeout_ms); }
  // Called before fill() moves or frees buffered bytes: pointers into
  // data() stay valid until then (a copier writes runs of records straight
  // from the buffer).
  void set_move_hook(std::function<void()> f) { move_ = std::move(f); }
  // Follow mode (tail -F): at the end of what a file holds, keep_waiting()
  // is asked whether to wait for more (it sleeps) or to end the input.
  void set_follow(std::function<bool()> keep_waiting) { follow_ = std::move(keep_waiting); }
  // A mapped input's bytes before `offset` are no longer needed: their pages
  // leave this process's resident set (a long pass over a large file then
  // stays small). No-op for other inputs.
  void release(uint64_t offset);
  // The bytes were made by this process (a transcoder's tick stream from
  // another format's file): their framing holds, their CRCs need no check.
  bool made_here() const { return other_map_ != nullptr; }
  // Total size if known (regular files), for progress; 0 otherwise.
  uint64_t size_hint() const { return size_hint_; }

 private:
  Input() = default;
  std::string name_;
  std::unique_ptr<ByteSource> src_;
  RawBuffer buf_;
  const uint8_t* base_ = nullptr;
  size_t pos_ = 0, end_ = 0;
  uint64_t offset_ = 0;
  bool eof_ = false, compressed_ = false, sniff_ = false, ready_only_ = false, socket_ = false;
  void* map_ = nullptr;
  size_t map_len_ = 0;
  void* other_map_ = nullptr;  // the mapped file a transcoder reads
  size_t other_map_len_ = 0;
  size_t released_ = 0;
  uint64_t size_hint_ = 0;
  std::function<void()> idle_;
  std::function<bool()> follow_;
  std::function<void()> move_;
  Grow grow_;
};

class Output {
 public:
  using Sink = std::function<void(const uint8_t*, size_t)>;
  explicit Output(int fd, size_t capacity = 1 << 20);
  // Buffered bytes go to sink instead of an fd (always whole records when
  // the writer reserves a record at a time).
  explicit Output(Sink sink, size_t capacity = 1 << 20);
  ~Output();
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  // Room for n bytes at the returned pointer; commit() what was written.
  uint8_t* reserve(size_t n) {
    if (cap_ - len_ < n) make_room(n);
    return buf_.get() + len_;
  }
  void commit(size_t n) { len_ += n; }
  void write(const void* p, size_t n);
  // Writes p straight to the destination (after what is buffered): for
  // bytes that stay valid, like a mapped file's.
  void write_direct(const void* p, size_t n) {
    flush();
    emit(static_cast<const uint8_t*>(p), n);
  }
  void put(char c) { *reserve(1) = static_cast<uint8_t>(c); len_++; }
  void flush();
  // The bytes buffered (pending() of them), for an owner that hands them
  // on itself rather than flush() them, then drop()s them.
  uint8_t* buffered() { return buf_.get(); }
  void drop() { len_ = 0; }
  size_t pending() const { return len_; }
  // Throws BrokenPipe if the reader of the fd went away (a pipe's read end
  // closed, a socket's peer gone), without writing: a tool waiting on a
  // quiet input notices `| head` ending before it has more to write.
  void check_reader() const;
  // The buffer's size now (it grows for a large record, then returns).
  size_t capacity() const { return cap_; }
  int fd() const { return fd_; }
  // Bytes written to the fd so far.
  uint64_t written() const { return written_; }

 private:
  void make_room(size_t n);
  void emit(const uint8_t* p, size_t n);
  int fd_;
  Sink sink_;
  std::unique_ptr<uint8_t[]> buf_;
  size_t base_cap_, cap_, len_ = 0;
  uint64_t written_ = 0;
};

// Raises a pipe's buffer to 1 MiB (no-op for other kinds of fd).
void grow_pipe(int fd);

// Writes all of p to fd; throws BrokenPipe on EPIPE, Error otherwise.
void write_all(int fd, const void* p, size_t n);

}  // namespace tick
