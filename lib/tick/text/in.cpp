#include "tick/text/in.h"

#include <thread>

#include "tick/base/diag.h"
#include "tick/base/units.h"
#include "tick/text/in_impl.h"

namespace tick {

Encoder::Encoder(const Schema& s, Output& out, EncodeOptions o)
    : impl_(std::make_unique<Impl>(s, out, std::move(o))) {}
Encoder::~Encoder() = default;

void Encoder::flush() {
  impl_->flush_batches();
  impl_->out.flush();
  if (impl_->rejects) std::fflush(impl_->rejects);
}

void Encoder::encode(Input& in) {
  Impl& m = *impl_;
  in.set_idle_hook([this] { flush(); });
  const bool json = m.opt.in == EncodeOptions::In::json;
  if (!json) {
    m.header.clear();  // each CSV input starts with its header
  }
  uint64_t line_no = 0;
  size_t scanned = 0;  // bytes of the current window known to hold no newline
  const bool parallel = json && std::thread::hardware_concurrency() > 1;
  while (true) {
    // Plenty buffered (a file, a fast pipe): two threads on it.
    if (parallel && scanned == 0 && in.avail() >= (4u << 20) && encode_parallel(in, line_no)) continue;
    size_t n = in.avail();
    const char* d = reinterpret_cast<const char*>(in.data());
    const char* nl = n > scanned ? static_cast<const char*>(std::memchr(d + scanned, '\n', n - scanned)) : nullptr;
    if (nl && !json) nl = csv_record_end(d, nl, d + n);
    if (!nl && !in.eof()) {
      scanned = json ? n : 0;
      // What is ready without waiting, up to a window for two threads;
      // waiting (and the idle flush) only for the rest of a line.
      if (parallel && in.fill_ready(kParallelWindow) > n) {
        scanned = 0;
        continue;
      }
      in.fill(n + 1);
      m.arrival_valid = false;
      continue;
    }
    if (!nl && n == 0) break;
    size_t len = nl ? static_cast<size_t>(nl - d) : n;
    std::string_view line = strip_cr({d, len});
    uint64_t first_line = ++line_no;
    if (!json)
      for (size_t i = 0; i < line.size(); i++) line_no += line[i] == '\n';
    if (!blank(line)) {
      bool ok;
      if (json) {
        size_t cap = static_cast<size_t>(d + n + Input::kPadding - line.data());
        ok = m.json_line(line.data(), line.size(), cap, rows_);
      } else {
        bool is_header;
        ok = m.csv_line(line, rows_, is_header);
        if (!ok && is_header) {
          flush();
          fail(in.name(), ":", first_line, ": ", m.err);
        }
      }
      if (!ok) {
        std::string where = str(in.name(), ":", first_line);
        if (!m.opt.skip_errors) {
          flush();
          fail(where, ": ", m.err);
        }
        m.reject(where, line, rejected_);
      }
    }
    in.consume(nl ? len + 1 : len);
    scanned = 0;
  }
  flush();
}

}  // namespace tick
