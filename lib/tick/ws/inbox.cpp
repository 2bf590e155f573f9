#include "tick/ws/inbox.h"

#include "tick/base/error.h"
#include "tick/base/io.h"
#include "tick/stream/reader.h"

namespace tick::ws {

void read_stdin(const std::shared_ptr<Inbox>& inbox) {
  try {
    auto in = Input::from_fd(0, "stdin");
    RecordReader rr(*in);
    Record r;
    while (rr.read(r)) {
      // (woken at the first record of a batch: what a quiet input brings is
      // applied at once, a busy one's in batches)
      inbox->put(r.bytes, r.size());
    }
    inbox->end("");
  } catch (const Error& e) {
    inbox->end(e.what());
  }
}

}  // namespace tick::ws
