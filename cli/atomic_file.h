// AtomicFile writes a file so that its target name only ever holds complete
// content: bytes go to ".NAME.praxis-tmp-PID" in the target's directory, and
// Commit() fsyncs and renames onto NAME. An AtomicFile dropped without
// Commit(), or a SIGINT, SIGTERM or SIGHUP while it is open, removes the
// temporary file.
//
// Single-threaded, and at most one AtomicFile may be open at a time: the
// signal handler knows only one path to clean up.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "praxis/storage/status.h"

namespace praxis::cli {

class AtomicFile {
 public:
  // Creates the temporary file with `mode` less the umask (0666: like any
  // new file; 0600 for secrets). Fails with IOError when the directory is
  // missing or not writable.
  static Result<std::unique_ptr<AtomicFile>> Create(const std::string& target,
                                                    unsigned mode = 0666);

  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  Status Write(std::string_view bytes);
  // Flushes to disk and renames onto the target, replacing what is there;
  // then syncs the directory so that the new name survives a crash too.
  // On failure the temporary file is removed.
  //
  // With Replace::kRefuse an existing target is left alone: Commit() returns
  // AlreadyExists and keeps the temporary file, so the caller may Retarget()
  // and commit again; other failures still remove it.
  enum class Replace { kAllow, kRefuse };
  Status Commit(Replace replace = Replace::kAllow);
  // Points a file that is not yet committed at another name in the same
  // directory (the temporary file stays where it is).
  void Retarget(std::string target) { target_ = std::move(target); }
  const std::string& target() const { return target_; }

 private:
  AtomicFile(int fd, std::string temp_path, std::string target);
  void Discard();

  int fd_;
  bool synced_ = false;
  std::string temp_path_;
  std::string target_;
};

// Refuses, before any work is done, a target that can never be written (a
// directory: `directory_hint` says what to do instead) or that exists while
// `replace` is false (AlreadyExists, suggesting --force).
Status CheckTarget(const std::string& path, bool replace, const std::string& directory_hint = "");

}  // namespace praxis::cli
