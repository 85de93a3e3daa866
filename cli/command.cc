#include "command.h"

#include "data_dir.h"

namespace praxis::cli {

Result<ControlClient> ConnectToNode(const GlobalOptions& globals) {
  auto dir = ResolveDataDir(globals.data_dir);
  if (!dir) return Err(dir.error());
  return ControlClient::Connect(*dir);
}

Result<control::Response> CallNode(const GlobalOptions& globals, const control::Request& request,
                                   control::Response::RespCase expected) {
  auto client = ConnectToNode(globals);
  if (!client) return Err(client.error());
  return client->Call(request, expected);
}

}  // namespace praxis::cli
