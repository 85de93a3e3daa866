// praxis.toml (DESIGN §8): the daemon's configuration file, parsed apart from
// main() so that the fuzzer and the replay tests reach the same code.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "praxis/node/daemon.h"
#include "praxis/storage/status.h"

namespace praxis::node {

// Fills unset options from TOML `text` read from `path` (named in messages
// only). InvalidArgument with one line "PATH:LINE: why" on a syntax error, an
// unknown key or a bad value. `given`: keys also given as flags (flags win).
Status ApplyConfigText(std::string_view text, const std::string& path, DaemonOptions& o,
                       const std::set<std::string>& given);
// The same for the file at `path` (IOError when it cannot be read).
Status ApplyConfigFile(const std::string& path, DaemonOptions& o,
                       const std::set<std::string>& given);

// The configuration file's log_level now (for SIGHUP), if it names a known one.
std::optional<std::string> ConfigLogLevel(const std::string& path);

}  // namespace praxis::node
