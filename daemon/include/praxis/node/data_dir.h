// The node's data directory: where it is, the identity key in it, and the
// lock that keeps a second praxisd off it.
#pragma once

#include <memory>
#include <string>

#include "praxis/crypto/crypto.h"
#include "praxis/storage/status.h"

namespace praxis::node {

// $PRAXIS_HOME, else $XDG_DATA_HOME/praxis, else ~/.local/share/praxis
// (the CLI applies the same rule).
std::string DefaultDataDir();

// Holds an exclusive lock on DIR/praxisd.pid for the life of the object.
class DataDirLock {
 public:
  // Creates DIR (mode 0700) if missing and takes the lock. Fails with a line
  // naming the running daemon's pid when another process holds it.
  static Result<std::unique_ptr<DataDirLock>> Acquire(const std::string& dir);
  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

inline constexpr const char* kKeyFileName = "identity.key";

// Loads DIR/identity.key, creating it (mode 0600) on first start. Refuses a
// key file that group or others can read, or whose content is corrupt.
Result<crypto::KeyPair> LoadOrCreateIdentity(const std::string& dir);

// Writes `kp` as DIR/identity.key (mode 0600, temp file + fsync + rename).
Status WriteIdentity(const std::string& dir, const crypto::KeyPair& kp);

// Installs an imported key into DIR. Refuses when DIR already holds a
// different identity; returns the key in use.
Result<crypto::KeyPair> InstallImportedIdentity(const std::string& dir,
                                                const crypto::KeyPair& imported);

// Reads a passphrase: the first line of `file` if given, else from the
// terminal without echo. Fails with one line when neither is possible.
Result<std::string> ReadPassphrase(const std::string& file, const std::string& prompt);

}  // namespace praxis::node
