// What every command shares: the global options, the deferred action that
// main runs after parsing, and the way to reach the node.
//
// Commands register themselves on a CLI::App (commands.h). Parsing only
// records what to do; the Action runs afterwards, outside CLI11, and reports
// failure as a Status: main prints "praxis: <message>" and exits 1, or 2 for
// InvalidArgument (a usage error).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "control.pb.h"
#include "control_client.h"
#include "praxis/storage/status.h"

namespace praxis::cli {

// Options of the main program, accepted before or after a command's words.
struct GlobalOptions {
  std::optional<std::string> data_dir;  // --data-dir, if given
  bool json = false;                    // --json: one JSON document on stdout
};

using Action = std::function<Status()>;

// Resolves the data directory (data_dir.h) and connects to its node.
Result<ControlClient> ConnectToNode(const GlobalOptions& globals);

// Connects, sends `request`, and returns the one reply of kind `expected`
// (see ControlClient::Call for the failures).
Result<control::Response> CallNode(const GlobalOptions& globals, const control::Request& request,
                                   control::Response::RespCase expected);

}  // namespace praxis::cli
