// The daemon's TOML configuration (deploy/praxis.example.toml documents every
// key): fills the options a flag did not set. One table of keys, so the
// example file, the flags and this parser cannot drift apart silently.
#pragma once

#include <set>
#include <string>
#include <string_view>

#include "praxis/node/daemon.h"

namespace praxis::node {

// Every key the file may hold.
const std::set<std::string>& ConfigKeys();

// Parses `text` (named `path` in messages) and sets every option not in
// `given` (keys also given as flags: flags win). On an unknown key, a bad
// value or a syntax error: one line "PATH:LINE: ..." naming the key, and
// `o` may be partly filled.
Status ApplyConfigText(std::string_view text, const std::string& path, DaemonOptions& o,
                       const std::set<std::string>& given);
Status ApplyConfigFile(const std::string& path, DaemonOptions& o,
                       const std::set<std::string>& given);

// The file's log_level, if it parses and names a known level (SIGHUP).
std::optional<std::string> ConfigLogLevel(const std::string& path);

}  // namespace praxis::node
