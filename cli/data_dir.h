// Where a node keeps its state, and so where its control socket is. The rule
// is shared with praxisd, so both find each other without configuration:
//   --data-dir DIR, else $PRAXIS_HOME, else $XDG_DATA_HOME/praxis,
//   else ~/.local/share/praxis.
#pragma once

#include <optional>
#include <string>

#include "praxis/storage/status.h"

namespace praxis::cli {

// Returns the data directory for this run. `flag` is the --data-dir value if
// the user gave one. Empty environment variables count as unset. Fails with
// InvalidArgument for an empty --data-dir, and with NotFound when there is no
// home directory to fall back on.
Result<std::string> ResolveDataDir(const std::optional<std::string>& flag);

// DIR/praxis.sock.
std::string SocketPath(const std::string& data_dir);

}  // namespace praxis::cli
