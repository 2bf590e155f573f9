// A source's bytes made a few batches ahead, on a thread of its own: for a
// source that works to make its bytes (a transcoder reading another
// format), so that the work overlaps its reader's.
#pragma once
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "tick/base/io.h"

namespace tick {

class ReadAhead : public ByteSource {
 public:
  // Up to depth batches of batch bytes wait to be read.
  explicit ReadAhead(std::unique_ptr<ByteSource> src, size_t batch = size_t{1} << 20, size_t depth = 3);
  // Stops the thread (a read under way finishes first) and joins it.
  ~ReadAhead() override;
  // The bytes in the source's order; at their end, the source's end (0) or
  // the error it threw, after every byte it gave before it.
  size_t read(uint8_t* dst, size_t cap) override;

 private:
  void run();
  struct Batch {
    std::vector<uint8_t> bytes;
    size_t taken = 0;
  };
  std::unique_ptr<ByteSource> src_;
  const size_t batch_, depth_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Batch> full_;
  std::vector<std::vector<uint8_t>> spare_;
  bool ended_ = false, quit_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace tick
