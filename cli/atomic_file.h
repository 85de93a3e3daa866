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
  // Creates the temporary file (mode 0666 less the umask, like any new file).
  // Fails with IOError when the directory is missing or not writable.
  static Result<std::unique_ptr<AtomicFile>> Create(const std::string& target);

  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  Status Write(std::string_view bytes);
  // Flushes to disk and renames onto the target, replacing what is there;
  // then syncs the directory so that the new name survives a crash too.
  // On failure the temporary file is removed.
  Status Commit();

 private:
  AtomicFile(int fd, std::string temp_path, std::string target);
  void Discard();

  int fd_;
  std::string temp_path_;
  std::string target_;
};

}  // namespace praxis::cli
