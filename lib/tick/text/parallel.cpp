// JSON lines on two threads, a window at a time.
#include "tick/text/in_impl.h"

#include <thread>

namespace tick {

bool Encoder::encode_parallel(Input& in, uint64_t& line_no) {
  constexpr size_t kWindow = kParallelWindow, kMin = kParallelWindow / 2;
  Impl& m = *impl_;
  const char* d = reinterpret_cast<const char*>(in.data());
  size_t n = std::min(in.avail(), kWindow);
  if (n < kMin) return false;
  const char* limit = d + in.avail() + Input::kPadding;
  const char* last = static_cast<const char*>(memrchr(d, '\n', n));
  if (!last) return false;
  const char* end = last + 1;
  // Halves (measured best: 40/60 and 60/40 splits were slower).
  const char* half = d + (end - d) / 2;
  const char* mid = static_cast<const char*>(std::memchr(half, '\n', static_cast<size_t>(last - half) + 1));
  if (!mid || mid + 1 >= end) return false;
  const char* split = mid + 1;
  if (!worker_) worker_ = std::make_unique<Worker>(m.schema, m.opt);
  Worker& w = *worker_;
  // The second half on the other thread, the first here.
  std::exception_ptr werr;
  w.start([&] {
    try {
      w.run(split, end, limit);
    } catch (...) {
      werr = std::current_exception();
    }
  });
  uint64_t bad_line = 0;
  bool ok;
  try {
    ok = m.json_block(d, split, limit, line_no, rows_, bad_line, [&](uint64_t line, std::string_view text) {
      m.reject(str(in.name(), ":", line), text, rejected_);
    });
  } catch (...) {
    w.wait();
    throw;
  }
  w.wait();
  if (werr) std::rethrow_exception(werr);
  if (!ok) {
    flush();
    fail(in.name(), ":", bad_line, ": ", m.err);
  }
  take_worker_rows();
  rows_ += w.rows;
  for (const auto& h : w.held) {
    m.err = h.err;
    m.reject(str(in.name(), ":", line_no + h.line), h.text, rejected_);
  }
  if (!w.ok) {
    flush();
    fail(in.name(), ":", line_no + w.bad_line, ": ", w.impl.err);
  }
  line_no += w.lines;
  in.consume(static_cast<size_t>(end - d));
  return true;
}

// The second half's rows follow the first's.
void Encoder::take_worker_rows() {
  Impl& m = *impl_;
  Worker& w = *worker_;
  m.flush_batches();
  const SymbolTable& ws = w.impl.writer.syms();
  for (uint32_t i = static_cast<uint32_t>(w.map.size()); i < ws.size(); i++)
    w.map.push_back(m.writer.syms().intern(ws.name(i)));
  for (auto& [tid, b] : w.batches) {
    b.remap_symbols(w.map);
    m.writer.data(static_cast<uint16_t>(tid), b);
    b.clear();
    w.spare[tid].push_back(std::move(b));
  }
  w.batches.clear();
}

void Encoder::Worker::start(std::function<void()> f) {
  {
    std::lock_guard<std::mutex> lk(mu);
    job = std::move(f);
    busy = true;
  }
  cv.notify_all();
  if (thread.joinable()) return;
  thread = std::thread([this] {
    std::unique_lock<std::mutex> lk(mu);
    while (true) {
      cv.wait(lk, [this] { return quit || (busy && job); });
      if (quit) return;
      auto f = std::move(job);
      job = nullptr;
      lk.unlock();
      f();
      lk.lock();
      busy = false;
      cv.notify_all();
    }
  });
}

void Encoder::Worker::wait() {
  std::unique_lock<std::mutex> lk(mu);
  cv.wait(lk, [this] { return !busy; });
}

Encoder::Worker::~Worker() {
  {
    std::lock_guard<std::mutex> lk(mu);
    quit = true;
  }
  cv.notify_all();
  if (thread.joinable()) thread.join();
}

// Fewer messages than this are read on one thread (the hand-over costs
// about what a few dozen rows do).
constexpr size_t kParallelMessages = 256;

size_t Encoder::messages(const Msg* msgs, size_t n, bool stop_at_error, std::vector<std::string>& answers) {
  answers.assign(n, std::string());
  Impl& m = *impl_;
  auto serial = [&](size_t from, size_t to) -> size_t {
    for (size_t i = from; i < to; i++) {
      if (m.one_message(msgs[i].p, msgs[i].len, msgs[i].meta, rows_)) continue;
      answers[i] = m.err;
      rejected_++;
      if (stop_at_error) return i + 1;
    }
    return to;
  };
  static const bool two_cores = std::thread::hardware_concurrency() > 1;
  if (n < kParallelMessages || !two_cores) return serial(0, n);
  if (!worker_) worker_ = std::make_unique<Worker>(m.schema, m.opt);
  Worker& w = *worker_;
  const size_t half = n / 2;
  std::exception_ptr werr;
  w.start([&] {
    try {
      w.run_messages(msgs + half, n - half, stop_at_error);
    } catch (...) {
      werr = std::current_exception();
    }
  });
  size_t looked;
  try {
    looked = serial(0, half);
  } catch (...) {
    w.wait();
    w.drop_rows();
    throw;
  }
  w.wait();
  if (werr) {
    w.drop_rows();
    std::rethrow_exception(werr);
  }
  if (looked < half) {  // (stopped at a refused message: nothing after it)
    w.drop_rows();
    return looked;
  }
  take_worker_rows();
  rows_ += w.rows;
  rejected_ += w.refused;
  for (size_t i = 0; i < w.looked; i++) answers[half + i] = std::move(w.answers[i]);
  return half + w.looked;
}

}  // namespace tick
