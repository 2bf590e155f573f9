#include "tick/base/io.h"

#include <fcntl.h>
#ifndef F_SETPIPE_SZ
#define F_SETPIPE_SZ 1031
#endif
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "tick/base/signals.h"

namespace tick {

namespace {

constexpr size_t kChunk = 1 << 20;

class FdSource : public ByteSource {
 public:
  FdSource(int fd, std::string name, bool owned) : fd_(fd), name_(std::move(name)), owned_(owned) {}
  ~FdSource() override {
    if (owned_) ::close(fd_);
  }
  size_t read(uint8_t* dst, size_t cap) override {
    while (true) {
      if (stop_requested()) return 0;
      ssize_t r = ::read(fd_, dst, cap);
      if (r >= 0) return static_cast<size_t>(r);
      // A stop signal ends the input as if it were closed, so the tool
      // flushes what it accepted and exits cleanly.
      if (errno == EINTR) {
        if (stop_requested()) return 0;
        continue;
      }
      if (errno == EAGAIN) {
        pollfd p{fd_, POLLIN, 0};
        ::poll(&p, 1, -1);
        continue;
      }
      fail(name_, ": read error: ", std::strerror(errno));
    }
  }
  bool would_block() override {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) == 0;
  }
  bool wait(int timeout_ms) override {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, timeout_ms) != 0;
  }
 private:
  int fd_;
  std::string name_;
  bool owned_;
};

class ZstdSource : public ByteSource {
 public:
  // primed: bytes already read from raw (the magic number).
  ZstdSource(std::unique_ptr<ByteSource> raw, std::string name, std::vector<uint8_t> primed)
      : raw_(std::move(raw)), name_(std::move(name)), in_(std::move(primed)) {
    ds_ = ZSTD_createDStream();
    ZSTD_initDStream(ds_);
    in_len_ = in_.size();
    in_.resize(std::max(in_.size(), ZSTD_DStreamInSize()));
  }
  ~ZstdSource() override { ZSTD_freeDStream(ds_); }
  size_t read(uint8_t* dst, size_t cap) override {
    while (true) {
      if (in_pos_ == in_len_ && !raw_eof_) {
        consumed_ += in_len_;
        in_len_ = raw_->read(in_.data(), in_.size());
        in_pos_ = 0;
        if (in_len_ == 0) raw_eof_ = true;
      }
      // last_ == 0: at a frame boundary with nothing left to flush.
      if (in_pos_ == in_len_ && raw_eof_ && last_ == 0) return 0;
      ZSTD_inBuffer ib{in_.data(), in_len_, in_pos_};
      ZSTD_outBuffer ob{dst, cap, 0};
      size_t r = ZSTD_decompressStream(ds_, &ob, &ib);
      in_pos_ = ib.pos;
      if (ZSTD_isError(r))
        fail(name_, ": zstd: ", ZSTD_getErrorName(r), " (compressed offset ", consumed_ + in_pos_, ")");
      last_ = r;
      if (ob.pos > 0) return ob.pos;
      if (raw_eof_ && in_pos_ == in_len_ && last_ != 0) fail(name_, ": zstd: truncated compressed input");
    }
  }
  bool would_block() override { return in_pos_ == in_len_ && raw_->would_block(); }
  bool wait(int timeout_ms) override { return in_pos_ < in_len_ || raw_->wait(timeout_ms); }

 private:
  std::unique_ptr<ByteSource> raw_;
  std::string name_;
  std::vector<uint8_t> in_;
  size_t in_len_ = 0, in_pos_ = 0;
  uint64_t consumed_ = 0;
  bool raw_eof_ = false;
  size_t last_ = 0;
  ZSTD_DStream* ds_;
};

}  // namespace

// A pipe's default 64 KiB buffer means a context switch every 64 KiB; a
// larger one lets each side move a megabyte per system call.
void grow_pipe(int fd) {
  struct stat st{};
  if (::fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) ::fcntl(fd, F_SETPIPE_SZ, 1 << 20);
}

namespace {

bool is_zstd(const uint8_t* p, size_t n) {
  return n >= 4 && p[0] == 0x28 && p[1] == 0xB5 && p[2] == 0x2F && p[3] == 0xFD;
}

}  // namespace

void Input::release(uint64_t offset) {
  if (!map_) return;
  size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  size_t upto = std::min<size_t>(static_cast<size_t>(offset), map_len_) / page * page;
  if (upto <= released_) return;
  ::madvise(static_cast<uint8_t*>(map_) + released_, upto - released_, MADV_DONTNEED);
  released_ = upto;
}

namespace {
Input::Transcoder& transcoder() {
  static Input::Transcoder t;
  return t;
}
}  // namespace

void Input::set_transcoder(Transcoder t) { transcoder() = std::move(t); }

std::unique_ptr<Input> Input::open(const std::string& path, bool allow_mmap) {
  if (path == "-") return from_fd(0, "-", allow_mmap);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path, ": ", std::strerror(errno));
  auto in = from_fd(fd, path, allow_mmap);
  return in;
}

std::unique_ptr<Input> Input::from_fd(int fd, std::string name, bool allow_mmap) {
  // (Followed files are opened with allow_mmap false: they grow.)
  std::unique_ptr<Input> in(new Input());
  in->name_ = name;
  bool owned = fd != 0;
  struct stat st{};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    in->size_hint_ = static_cast<uint64_t>(st.st_size);
    if (allow_mmap && st.st_size > 0) {
      void* m = ::mmap(nullptr, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
      if (m != MAP_FAILED) {
        const auto* p = static_cast<const uint8_t*>(m);
        if (transcoder() && !is_zstd(p, st.st_size)) {
          std::unique_ptr<ByteSource> other;
          try {
            other = transcoder()(name, p, static_cast<size_t>(st.st_size));
          } catch (...) {
            ::munmap(m, st.st_size);
            if (owned) ::close(fd);
            throw;
          }
          if (other) {
            if (owned) ::close(fd);
            ::madvise(m, st.st_size, MADV_SEQUENTIAL);
            in->other_map_ = m;
            in->other_map_len_ = st.st_size;
            in->size_hint_ = 0;
            in->src_ = std::move(other);
            in->buf_.resize(kChunk + kPadding);
            in->base_ = in->buf_.data();
            return in;
          }
        }
        if (!is_zstd(p, st.st_size)) {
          ::madvise(m, st.st_size, MADV_SEQUENTIAL);
          in->map_ = m;
          in->map_len_ = st.st_size;
          in->base_ = p;
          in->end_ = st.st_size;
          in->eof_ = true;
          if (owned) ::close(fd);
          return in;
        }
        ::munmap(m, st.st_size);
      }
    }
  }
  grow_pipe(fd);
  // zstd is recognised by its magic when the first bytes arrive (in fill,
  // so that a tool waiting on a quiet pipe keeps its idle work going).
  in->src_ = std::make_unique<FdSource>(fd, name, owned);
  in->sniff_ = true;
  in->buf_.resize(kChunk + kPadding);
  in->base_ = in->buf_.data();
  return in;
}

std::unique_ptr<Input> Input::open_growing(const std::string& path, uint64_t from, uint64_t end, Grow grow) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path, ": ", std::strerror(errno));
  // Room for the day's journal to grow into: address space, not memory
  // (pages beyond the file's end are never touched: grow says how far).
  size_t len = size_t{1} << 40;
  void* m = MAP_FAILED;
  for (; len >= (size_t{1} << 30) && m == MAP_FAILED; len >>= 2)
    m = ::mmap(nullptr, len, PROT_READ, MAP_SHARED | MAP_NORESERVE, fd, 0);
  int e = errno;
  ::close(fd);
  if (m == MAP_FAILED) fail(path, ": mmap: ", std::strerror(e));
  std::unique_ptr<Input> in(new Input);
  in->name_ = path;
  in->map_ = m;
  in->map_len_ = len << 2;  // (the loop shifted once past the size that worked)
  in->base_ = static_cast<const uint8_t*>(m);
  in->pos_ = from;
  in->end_ = std::max(from, end);
  in->offset_ = from;
  in->released_ = from / 4096 * 4096;
  in->grow_ = std::move(grow);
  return in;
}

std::unique_ptr<Input> Input::from_socket(int fd, std::string name) {
  auto in = from_fd(fd, std::move(name), false);
  in->socket_ = true;
  return in;
}

Input::~Input() {
  if (map_) ::munmap(map_, map_len_);
  src_.reset();
  if (other_map_) ::munmap(other_map_, other_map_len_);
}


size_t Input::fill_ready(size_t n) {
  if (avail() >= n || map_ || eof_ || !src_ || src_->would_block()) return avail();
  ready_only_ = true;
  try {
    fill(n);
  } catch (...) {
    ready_only_ = false;
    throw;
  }
  ready_only_ = false;
  return avail();
}

size_t Input::fill(size_t n) {
  if (avail() >= n) return avail();
  if (map_) {
    while (grow_ && !eof_ && avail() < n) {
      uint64_t e = grow_(pos_ + n, idle_ ? idle_ : std::function<void()>([] {}));
      if (e > map_len_) fail(name_, ": grew past its mapping (", map_len_, " bytes)");
      if (e <= end_) eof_ = true;
      else end_ = e;
    }
    return avail();
  }
  if (move_) move_();
  // Compact, then grow to fit n.
  if (pos_ > 0) {
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
  }
  if (buf_.size() < n + kPadding) buf_.resize(std::max(n + kPadding, buf_.size() * 2));
  // After a large record, the buffer goes back to its usual size.
  else if (buf_.size() > 4 * (kChunk + kPadding) && n <= kChunk && end_ <= kChunk) buf_.shrink(kChunk + kPadding);
  base_ = buf_.data();
  while (end_ < n && !eof_) {
    if (ready_only_ && src_->would_block()) break;
    // Idle: the hook runs before the read would block, and again each
    // kIdleRecheckMs the input stays quiet (so a hook that checks the
    // reader notices a closed downstream on a silent input too).
    if (idle_ && src_->would_block()) {
      do idle_();
      while (!stop_requested() && !src_->wait(kIdleRecheckMs));
    }
    size_t room = buf_.size() - kPadding - end_;
    size_t r = src_->read(buf_.data() + end_, room);
    if (r == 0) {
      if (follow_ && !stop_requested() && follow_()) continue;
      eof_ = true;
      break;
    }
    end_ += r;
    if (sniff_ && end_ >= 4) {
      sniff_ = false;
      if (socket_ && is_zstd(buf_.data(), end_)) {
        const std::string why = "zstd-compressed input is not accepted on a connection (send the stream uncompressed)";
        throw RefusedInput(name_ + ": " + why, why);
      }
      if (is_zstd(buf_.data(), end_)) {
        std::vector<uint8_t> head(buf_.data(), buf_.data() + end_);
        src_ = std::make_unique<ZstdSource>(std::move(src_), name_, std::move(head));
        compressed_ = true;
        end_ = 0;
      }
    }
  }
  std::memset(buf_.data() + end_, 0, kPadding);
  return avail();
}

Output::Output(int fd, size_t capacity)
    : fd_(fd), buf_(new uint8_t[capacity]), base_cap_(capacity), cap_(capacity) {
  grow_pipe(fd);
}

Output::Output(Sink sink, size_t capacity)
    : fd_(-1), sink_(std::move(sink)), buf_(new uint8_t[capacity]), base_cap_(capacity), cap_(capacity) {}

void Output::emit(const uint8_t* p, size_t n) {
  if (sink_) sink_(p, n);
  else write_all(fd_, p, n);
  written_ += n;
}

Output::~Output() {
  try {
    flush();
  } catch (...) {
  }
}

void write_all(int fd, const void* p, size_t n) {
  const auto* c = static_cast<const uint8_t*>(p);
  while (n > 0) {
    ssize_t w = ::write(fd, c, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE) throw BrokenPipe();
      if (errno == EAGAIN) {
        pollfd q{fd, POLLOUT, 0};
        ::poll(&q, 1, -1);
        continue;
      }
      fail("write error: ", std::strerror(errno));
    }
    c += w;
    n -= static_cast<size_t>(w);
  }
}

void Output::check_reader() const {
  if (fd_ < 0) return;
  pollfd p{fd_, 0, 0};
  if (::poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP))) throw BrokenPipe();
}

void Output::flush() {
  if (len_ == 0) return;
  size_t n = len_;
  len_ = 0;
  emit(buf_.get(), n);
}

void Output::make_room(size_t n) {
  flush();
  // Grown for a large record, the buffer goes back to its usual size for
  // the next ordinary one.
  size_t want = n > cap_ ? n : (cap_ > base_cap_ && n <= base_cap_ ? base_cap_ : cap_);
  if (want != cap_) {
    buf_.reset(new uint8_t[want]);
    cap_ = want;
  }
}

void Output::write(const void* p, size_t n) {
  if (n >= cap_ / 2) {
    flush();
    emit(static_cast<const uint8_t*>(p), n);
    return;
  }
  std::memcpy(reserve(n), p, n);
  len_ += n;
}

}  // namespace tick
