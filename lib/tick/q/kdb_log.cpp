#include "tick/q/kdb_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "tick/base/clock.h"
#include "tick/base/diag.h"
#include "tick/base/error.h"
#include "tick/base/files.h"
#include "tick/journal/maintenance.h"

namespace tick {

KdbLog::KdbLog(std::string dir, std::string name) : dir_(std::move(dir)), name_(std::move(name)) { make_dirs(dir_); }

void KdbLog::open_day(int32_t day) {
  if (jfd_ >= 0 && day == day_) return;
  close();
  day_ = day;
  char d[16];
  size_t n = format_date_q(d, day);
  path_ = join_path(dir_, name_ + std::string(d, n));
  seqs_path_ = join_path(dir_, "." + name_ + std::string(d, n) + ".seqs");
  messages_ = 0;
  last_ = 0;
  bool fresh = !path_exists(path_);
  if (!fresh) recover();
  jfd_ = open_or_fail(path_, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC);
  sfd_ = open_or_fail(seqs_path_, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC);
  jout_ = std::make_unique<Output>(jfd_, 1 << 20);
  sout_ = std::make_unique<Output>(sfd_, 64 << 10);
  writer_ = std::make_unique<kdb::JournalWriter>(*jout_, !fresh);
  if (fresh) {
    writer_->finish();
    jout_->flush();
  }
}

bool KdbLog::write(const DataView& v, const SymbolTable& syms) {
  if (jfd_ < 0) return true;
  if (v.seq && v.seq <= last_) return false;
  store64(sout_->reserve(8), v.seq);
  sout_->commit(8);
  writer_->data(v, syms, nullptr, v.rows);
  messages_++;
  if (v.seq) last_ = v.seq;
  return true;
}

// The sequence numbers first: a message is never on file without its own.
void KdbLog::flush() {
  if (jfd_ < 0) return;
  sout_->flush();
  jout_->flush();
}

void KdbLog::close() {
  if (jfd_ < 0) return;
  flush();
  writer_.reset();
  jout_.reset();
  sout_.reset();
  ::close(jfd_);
  ::close(sfd_);
  jfd_ = sfd_ = -1;
}

std::string KdbLog::file_symbol() const {
  std::string p = path_;
  if (!p.empty() && p[0] != '/') {
    char cwd[4096];
    if (::getcwd(cwd, sizeof cwd)) p = join_path(cwd, p);
  }
  return ":" + p;
}

// A file tick-q wrote before: its torn tail cut (kept in FILE.bad), its
// messages counted, and the last stream sequence number they hold.
void KdbLog::recover() {
  kdb::Check c = check_kdb_journal(path_, true);
  if (!c.sound)
    warn(str(path_, ": ", c.why, " at byte ", c.valid_bytes, ": cut to ", c.messages, " messages (the rest kept in ",
             path_, ".bad)"));
  messages_ = c.messages;
  std::string s = path_exists(seqs_path_) ? read_file(seqs_path_) : std::string();
  uint64_t have = s.size() / 8;
  if (have < messages_)
    warn(str(seqs_path_, ": ", have, " sequence numbers for ", messages_,
             " messages: records are not matched to what the journal holds"));
  uint64_t keep = std::min(have, messages_);
  last_ = keep ? load64(reinterpret_cast<const uint8_t*>(s.data()) + 8 * (keep - 1)) : 0;
  if (have != keep || s.size() % 8) {
    int fd = open_or_fail(seqs_path_, O_WRONLY | O_CLOEXEC);
    if (::ftruncate(fd, static_cast<off_t>(keep * 8)) != 0) fail(seqs_path_, ": truncate: ", std::strerror(errno));
    ::close(fd);
  }
}

}  // namespace tick
