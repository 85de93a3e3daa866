#include "atomic_file.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "format.h"

namespace praxis::cli {

namespace {

// What the signal handler removes. Only async-signal-safe state: a fixed
// buffer and a flag.
char g_cleanup_path[PATH_MAX];
volatile sig_atomic_t g_cleanup_armed = 0;

extern "C" void RemoveTempAndDie(int sig) {
  if (g_cleanup_armed) ::unlink(g_cleanup_path);
  // Die of the same signal, so the shell sees what happened.
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void ArmCleanup(const std::string& path) {
  if (path.size() >= sizeof g_cleanup_path) return;  // Create() would have failed anyway
  std::memcpy(g_cleanup_path, path.c_str(), path.size() + 1);
  g_cleanup_armed = 1;
  struct sigaction sa {};
  sa.sa_handler = RemoveTempAndDie;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
}

void DisarmCleanup() { g_cleanup_armed = 0; }

std::string Describe(const std::string& what, const std::string& path, int err) {
  return "cannot " + what + " '" + path + "': " + std::strerror(err);
}

// rename() that fails with EEXIST instead of replacing: renameat2 where the
// file system supports it, else a hard link (which never replaces) and an
// unlink, else a check just before the rename (racy, but the best left).
int RenameNoReplace(const char* from, const char* to) {
  if (::renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) return -1;
  if (::link(from, to) == 0) {
    ::unlink(from);
    return 0;
  }
  if (errno == EEXIST) return -1;
  struct stat st {};
  if (::lstat(to, &st) == 0) {
    errno = EEXIST;
    return -1;
  }
  return ::rename(from, to);
}

}  // namespace

Result<std::unique_ptr<AtomicFile>> AtomicFile::Create(const std::string& target, unsigned mode) {
  const std::filesystem::path target_path(target);
  std::filesystem::path dir = target_path.parent_path();
  if (dir.empty()) dir = ".";
  const std::string temp =
      (dir / ("." + target_path.filename().string() + ".praxis-tmp-" + std::to_string(::getpid())))
          .string();
  ArmCleanup(temp);  // before the file exists, so no signal can strand it
  const int fd =
      ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) {
    const int err = errno;
    DisarmCleanup();
    return Err(Status::IOError(Describe("create a file in", dir.string(), err)));
  }
  return std::unique_ptr<AtomicFile>(new AtomicFile(fd, temp, target));
}

AtomicFile::AtomicFile(int fd, std::string temp_path, std::string target)
    : fd_(fd), temp_path_(std::move(temp_path)), target_(std::move(target)) {}

AtomicFile::~AtomicFile() { Discard(); }

void AtomicFile::Discard() {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  ::unlink(temp_path_.c_str());
  DisarmCleanup();
}

Status AtomicFile::Write(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(Describe("write", temp_path_, errno));
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::OK();
}

Status AtomicFile::Commit(Replace replace) {
  if (!synced_) {
    if (::fsync(fd_) != 0) {
      const int err = errno;
      Discard();
      return Status::IOError(Describe("flush", temp_path_, err));
    }
    synced_ = true;
  }
  const int rc = replace == Replace::kAllow ? ::rename(temp_path_.c_str(), target_.c_str())
                                            : RenameNoReplace(temp_path_.c_str(), target_.c_str());
  if (rc != 0) {
    const int err = errno;
    if (err == EEXIST && replace == Replace::kRefuse) {
      return Status::AlreadyExists("'" + ForTerminal(target_) +
                                   "' already exists; use --force to replace it");
    }
    Discard();
    return Status::IOError(Describe("write", target_, err));
  }
  ::close(fd_);
  fd_ = -1;
  DisarmCleanup();
  // The content is safe; syncing the directory only makes the new name
  // durable, so a failure here is not worth failing the command for.
  std::filesystem::path dir = std::filesystem::path(target_).parent_path();
  if (dir.empty()) dir = ".";
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return Status::OK();
}

Status CheckTarget(const std::string& path, bool replace, const std::string& directory_hint) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::OK();
    return Status::IOError("cannot write '" + ForTerminal(path) + "': " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) {
    return Status::IOError("cannot write '" + ForTerminal(path) + "': it is a directory" +
                           (directory_hint.empty() ? "" : " (" + directory_hint + ")"));
  }
  if (!replace) {
    return Status::AlreadyExists("'" + ForTerminal(path) +
                                 "' already exists; use --force to replace it");
  }
  return Status::OK();
}

}  // namespace praxis::cli
