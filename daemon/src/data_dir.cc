#include "praxis/node/data_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace praxis::node {

namespace fs = std::filesystem;

std::string DefaultDataDir() {
  if (const char* h = std::getenv("PRAXIS_HOME"); h && *h) return h;
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return std::string(x) + "/praxis";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.local/share/praxis";
}

namespace {
std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }
}  // namespace

Result<std::unique_ptr<DataDirLock>> DataDirLock::Acquire(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Err(Status::IOError("cannot create data directory " + dir + ": " + ec.message()));
  ::chmod(dir.c_str(), 0700);  // best effort: the directory holds a private key
  std::string path = dir + "/praxisd.pid";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Err(Status::IOError(Errno("cannot open " + path)));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    std::string pid = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "unknown";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    return Err(Status::FailedPrecondition("data directory " + dir +
                                          " is in use by another praxisd (pid " + pid + ")"));
  }
  std::string me = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, me.data(), me.size(), 0) < 0) {
    ::close(fd);
    return Err(Status::IOError(Errno("cannot write " + path)));
  }
  return std::unique_ptr<DataDirLock>(new DataDirLock(fd));
}

DataDirLock::~DataDirLock() { ::close(fd_); }

namespace {
constexpr std::string_view kKeyMagic = "praxis-ed25519-secret-v1 ";

Result<crypto::KeyPair> ReadKey(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Err(Status::IOError(Errno("cannot stat " + path)));
  if (st.st_mode & 077) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
    return Err(Status::FailedPrecondition("identity key " + path + " is readable by others (mode " +
                                          mode + "); run: chmod 600 " + path));
  }
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.substr(0, kKeyMagic.size()) != kKeyMagic)
    return Err(Status::Corruption("identity key " + path + " is corrupt (unknown format)"));
  auto raw = FromHexString(std::string_view(text).substr(kKeyMagic.size()));
  if (!raw) return Err(Status::Corruption("identity key " + path + " is corrupt (bad hex)"));
  auto kp = crypto::KeyPair::FromSecret(*raw);
  if (!kp)
    return Err(
        Status::Corruption("identity key " + path + " is corrupt (" + kp.error().message() + ")"));
  return kp;
}
}  // namespace

Result<crypto::KeyPair> LoadOrCreateIdentity(const std::string& dir) {
  std::string path = dir + "/" + kKeyFileName;
  if (fs::exists(path)) return ReadKey(path);
  auto kp = crypto::KeyPair::Generate();
  PRAXIS_RETURN_IF_ERROR(WriteIdentity(dir, kp));
  return kp;
}

Result<crypto::KeyPair> InstallImportedIdentity(const std::string& dir,
                                                const crypto::KeyPair& imported) {
  std::string path = dir + "/" + kKeyFileName;
  if (fs::exists(path)) {
    auto existing = ReadKey(path);
    if (!existing) return existing;
    if (existing->public_key() != imported.public_key())
      return Err(Status::FailedPrecondition("data directory " + dir + " already holds identity " +
                                            existing->public_key().Hex() +
                                            "; import into an empty data directory"));
    return existing;
  }
  PRAXIS_RETURN_IF_ERROR(WriteIdentity(dir, imported));
  return imported;
}

Status WriteIdentity(const std::string& dir, const crypto::KeyPair& kp) {
  std::string path = dir + "/" + kKeyFileName;
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError(Errno("cannot create " + tmp));
  std::string text = std::string(kKeyMagic) + ToHex(kp.SecretForStorage()) + "\n";
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0)
    return Status::IOError(Errno("cannot write " + path));
  return Status::OK();
}

}  // namespace praxis::node

namespace praxis::node {

Result<std::string> ReadPassphrase(const std::string& file, const std::string& prompt) {
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return Err(Status::IOError(Errno("cannot read passphrase file " + file)));
    std::string line;
    std::getline(in, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) return Err(Status::InvalidArgument("passphrase file " + file + " is empty"));
    return line;
  }
  int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0)
    return Err(
        Status::InvalidArgument("no terminal to ask for the passphrase; use --passphrase-file"));
  termios old{};
  bool have_tty = ::tcgetattr(fd, &old) == 0;
  if (have_tty) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  (void)!::write(fd, prompt.data(), prompt.size());
  std::string line;
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n') line.push_back(c);
  if (have_tty) ::tcsetattr(fd, TCSAFLUSH, &old);
  (void)!::write(fd, "\n", 1);
  ::close(fd);
  if (line.empty()) return Err(Status::InvalidArgument("empty passphrase"));
  return line;
}

}  // namespace praxis::node
