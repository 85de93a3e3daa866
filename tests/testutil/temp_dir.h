// A directory under $TMPDIR (or /tmp), removed with everything in it when the
// object goes away, unless PRAXIS_KEEP_TEST_DIRS is set (for post-mortems).
#pragma once

#include <filesystem>
#include <string>

namespace praxis::testutil {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }
  std::string operator/(const std::string& name) const { return Sub(name); }

 private:
  std::string path_;
};

}  // namespace praxis::testutil
