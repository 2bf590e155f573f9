// A progress bar on stderr for long work, only when stderr is a terminal,
// and only once the work has run a second (none for quick work).
#pragma once
#include <cstdint>
#include <string>

namespace tick {

class ProgressBar {
 public:
  ProgressBar(std::string label, uint64_t total);
  ~ProgressBar();
  // Cheap to call often: redraws at most ten times a second.
  void update(uint64_t done) {
    if (on_ && ++calls_ % 1024 == 0) draw(done, false);
  }
  void finish();

 private:
  void draw(uint64_t done, bool last);
  std::string label_;
  uint64_t total_, calls_ = 0;
  int64_t start_ = 0, last_ = 0;
  bool on_;
  bool shown_ = false;
};

}  // namespace tick
