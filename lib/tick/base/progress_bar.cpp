#include "tick/base/progress_bar.h"

#include <unistd.h>

#include <cstdio>

#include "tick/base/clock.h"

namespace tick {

ProgressBar::ProgressBar(std::string label, uint64_t total)
    : label_(std::move(label)), total_(total), on_(::isatty(STDERR_FILENO) && total > 0) {
  start_ = now_ns();
}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::draw(uint64_t done, bool last) {
  int64_t now = now_ns();
  // Work that ends within a second shows no bar at all.
  if (!shown_ && now - start_ < 1'000'000'000) return;
  if (!last && now - last_ < 100'000'000) return;
  shown_ = true;
  last_ = now;
  double f = total_ ? static_cast<double>(done) / static_cast<double>(total_) : 1;
  if (f > 1) f = 1;
  int width = 30, fill = static_cast<int>(f * width);
  double secs = static_cast<double>(now - start_) / 1e9;
  double mbs = secs > 0 ? static_cast<double>(done) / 1e6 / secs : 0;
  std::fprintf(stderr, "\r%-24.24s [%.*s%*s] %3.0f%% %8.1f MB/s", label_.c_str(), fill,
               "##############################", width - fill, "", f * 100, mbs);
  if (last) std::fputc('\n', stderr);
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (!on_) return;
  draw(total_, true);
  on_ = false;
}

}  // namespace tick
