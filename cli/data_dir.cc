#include "data_dir.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

namespace praxis::cli {

namespace {

std::optional<std::string> Env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

// $HOME, else the password database: services started without a login
// environment often have no HOME.
std::optional<std::string> HomeDir() {
  if (auto home = Env("HOME")) return home;
  long size = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buf(size > 0 ? static_cast<std::size_t>(size) : 16384);
  passwd pw{};
  passwd* found = nullptr;
  if (getpwuid_r(geteuid(), &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr &&
      found->pw_dir != nullptr && *found->pw_dir != '\0') {
    return std::string(found->pw_dir);
  }
  return std::nullopt;
}

}  // namespace

Result<std::string> ResolveDataDir(const std::optional<std::string>& flag) {
  if (flag) {
    if (flag->empty()) return Err(Status::InvalidArgument("--data-dir must not be empty"));
    return *flag;
  }
  if (auto dir = Env("PRAXIS_HOME")) return *dir;
  if (auto dir = Env("XDG_DATA_HOME")) return (std::filesystem::path(*dir) / "praxis").string();
  if (auto home = HomeDir()) return (std::filesystem::path(*home) / ".local/share/praxis").string();
  return Err(Status::NotFound(
      "cannot find a data directory: no --data-dir, $PRAXIS_HOME, $XDG_DATA_HOME or home "
      "directory"));
}

std::string SocketPath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "praxis.sock").string();
}

}  // namespace praxis::cli
