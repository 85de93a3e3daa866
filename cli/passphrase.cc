#include "passphrase.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "format.h"

namespace praxis::cli {

namespace {

// Longest line read from a passphrase file or the terminal.
constexpr std::size_t kMaxPassphrase = 4096;

// What the signal handler needs to give the terminal its echo back.
int g_tty_fd = -1;
struct termios g_saved_termios;
volatile sig_atomic_t g_echo_off = 0;

constexpr std::array<int, 4> kSignals = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

extern "C" void RestoreEchoAndDie(int sig) {
  if (g_echo_off) {
    ::tcsetattr(g_tty_fd, TCSAFLUSH, &g_saved_termios);
    const char newline = '\n';
    (void)!::write(g_tty_fd, &newline, 1);
  }
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// Turns echo off on the terminal for its lifetime, and makes sure that a
// Ctrl-C at the prompt does not leave it off.
class NoEcho {
 public:
  explicit NoEcho(int fd) : fd_(fd) {
    if (::tcgetattr(fd, &g_saved_termios) != 0) return;
    g_tty_fd = fd;
    struct sigaction sa {};
    sa.sa_handler = RestoreEchoAndDie;
    sigemptyset(&sa.sa_mask);
    for (std::size_t i = 0; i < kSignals.size(); ++i) {
      // A signal ignored when we started (nohup, a background job) stays so.
      ::sigaction(kSignals[i], nullptr, &old_[i]);
      if (old_[i].sa_handler != SIG_IGN) ::sigaction(kSignals[i], &sa, nullptr);
    }
    struct termios quiet = g_saved_termios;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;  // the Enter still moves to the next line
    g_echo_off = 1;
    if (::tcsetattr(fd, TCSAFLUSH, &quiet) != 0) {
      g_echo_off = 0;
      RestoreHandlers();
      return;
    }
    ok_ = true;
  }
  ~NoEcho() {
    if (!ok_) return;
    ::tcsetattr(fd_, TCSAFLUSH, &g_saved_termios);
    g_echo_off = 0;
    RestoreHandlers();
  }
  NoEcho(const NoEcho&) = delete;
  NoEcho& operator=(const NoEcho&) = delete;

  bool ok() const { return ok_; }

 private:
  void RestoreHandlers() {
    for (std::size_t i = 0; i < kSignals.size(); ++i) ::sigaction(kSignals[i], &old_[i], nullptr);
  }

  int fd_;
  bool ok_ = false;
  std::array<struct sigaction, kSignals.size()> old_{};
};

Status WriteText(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(std::string("cannot write to the terminal: ") + std::strerror(errno));
    }
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::OK();
}

// Reads up to a newline (not kept). Cancelled on end of input before any
// newline, which is what Ctrl-D at the prompt gives.
Result<std::string> ReadLine(int fd) {
  std::string line;
  for (;;) {
    char c;
    const ssize_t n = ::read(fd, &c, 1);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      Wipe(line);
      return Err(
          Status::IOError(std::string("cannot read from the terminal: ") + std::strerror(err)));
    }
    if (n == 0) {
      Wipe(line);
      return Err(Status::Cancelled("no passphrase given; nothing was exported"));
    }
    if (c == '\n') break;
    if (line.size() >= kMaxPassphrase) {
      Wipe(line);
      return Err(Status::FailedPrecondition("the passphrase is too long (at most " +
                                            std::to_string(kMaxPassphrase) + " bytes)"));
    }
    line += c;
  }
  return line;
}

Result<std::string> FromTerminal() {
  const int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0 || !::isatty(fd)) {
    if (fd >= 0) ::close(fd);
    return Err(Status::FailedPrecondition(
        "no terminal to ask for a passphrase on; give one with --passphrase-file FILE"));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};

  NoEcho no_echo(fd);
  if (!no_echo.ok()) {
    return Err(Status::FailedPrecondition(std::string("cannot turn off echo on the terminal (") +
                                          std::strerror(errno) +
                                          "); give the passphrase with --passphrase-file FILE"));
  }
  PRAXIS_RETURN_IF_ERROR(WriteText(fd, "Passphrase to seal the exported key: "));
  auto first = ReadLine(fd);
  if (!first) return first;
  if (first->empty()) {
    return Err(Status::FailedPrecondition("an empty passphrase is refused; nothing was exported"));
  }
  if (Status s = WriteText(fd, "Type it again: "); !s.ok()) {
    Wipe(*first);
    return Err(s);
  }
  auto second = ReadLine(fd);
  if (!second) {
    Wipe(*first);
    return second;
  }
  const bool same = *first == *second;
  Wipe(*second);
  if (!same) {
    Wipe(*first);
    return Err(Status::FailedPrecondition("the two passphrases differ; nothing was exported"));
  }
  return first;
}

Result<std::string> FromFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Err(
        Status::IOError("cannot read the passphrase file '" + path + "': " + std::strerror(errno)));
  }
  std::string line;
  bool ended = false;
  char buf[512];
  while (!ended) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      Wipe(line);
      explicit_bzero(buf, sizeof buf);
      return Err(
          Status::IOError("cannot read the passphrase file '" + path + "': " + std::strerror(err)));
    }
    if (n == 0) break;
    const std::string_view got(buf, static_cast<std::size_t>(n));
    const std::size_t eol = got.find('\n');
    line.append(got.substr(0, eol));
    ended = eol != std::string_view::npos;
    if (line.size() > kMaxPassphrase) break;
  }
  ::close(fd);
  explicit_bzero(buf, sizeof buf);
  if (line.size() > kMaxPassphrase) {
    Wipe(line);
    return Err(Status::FailedPrecondition("the first line of '" + path +
                                          "' is too long for a passphrase (at most " +
                                          std::to_string(kMaxPassphrase) + " bytes)"));
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) {
    return Err(Status::FailedPrecondition("the first line of '" + path +
                                          "' is empty: an empty passphrase is refused"));
  }
  return line;
}

}  // namespace

void Wipe(std::string& secret) {
  explicit_bzero(secret.data(), secret.size());
  secret.clear();
}

Result<std::string> ReadNewPassphrase(const std::optional<std::string>& file) {
  auto passphrase = file ? FromFile(*file) : FromTerminal();
  if (!passphrase) return passphrase;
  // protobuf strings must be UTF-8, and replacing bytes would change the key.
  std::string checked = ValidUtf8(*passphrase);
  const bool valid = checked == *passphrase;
  Wipe(checked);
  if (!valid) {
    Wipe(*passphrase);
    return Err(Status::FailedPrecondition(
        "the passphrase is not valid UTF-8 text; choose one in your terminal's encoding"));
  }
  return passphrase;
}

}  // namespace praxis::cli
