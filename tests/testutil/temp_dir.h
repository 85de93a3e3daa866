// A directory under $TMPDIR removed with everything in it when the object dies.
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

 private:
  std::string path_;
};

}  // namespace praxis::testutil
