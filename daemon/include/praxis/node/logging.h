// How praxisd logs: spdlog text (on a terminal, or any stdout) or JSON lines
// (--log-format json), to stdout or a file (--log-file) that SIGHUP reopens
// (for logrotate). Never a key: nothing secret is passed to a log call.
#pragma once

#include <string>

#include "praxis/storage/status.h"

namespace praxis::node {

struct LogOptions {
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
  std::string format = "text";  // text | json
  std::string file;             // empty: stdout
};

// Installs the default logger. InvalidArgument names a bad level or format;
// IOError a file that cannot be opened.
Status SetupLogging(const LogOptions& opts);

}  // namespace praxis::node
