// praxis connect and praxis peers: dial a node, and see who this node talks to.
#include <iostream>
#include <memory>
#include <string>

#include "commands.h"
#include "format.h"
#include "output.h"

namespace praxis::cli {

namespace {

Status RunConnect(const GlobalOptions& globals, const std::string& address) {
  control::Request request;
  request.mutable_connect()->set_address(ValidUtf8(address));
  auto response = CallNode(globals, request, control::Response::kAck);
  if (!response) return response.error();
  if (globals.json) {
    PrintJson(std::cout, {{"address", address}, {"connecting", true}});
    return Status::OK();
  }
  std::cout << "connecting to " << ForTerminal(address)
            << "; 'praxis peers' shows it once the handshake is done\n";
  return Status::OK();
}

Status RunPeers(const GlobalOptions& globals) {
  control::Request request;
  request.mutable_peers();
  auto response = CallNode(globals, request, control::Response::kPeers);
  if (!response) return response.error();
  const control::PeersReply& peers = response->peers();
  if (globals.json) {
    Json list = Json::array();
    for (const control::PeerEntry& p : peers.peers())
      list.push_back({{"member", HexId(p.member())},
                      {"address", p.address()},
                      {"direction", p.direction()},
                      {"found", p.found()},
                      {"since_unix_ms", p.since_unix_ms()},
                      {"eager", p.eager()},
                      {"bytes_in", p.bytes_in()},
                      {"bytes_out", p.bytes_out()}});
    PrintJson(std::cout, list);
    return Status::OK();
  }
  if (peers.peers().empty()) {
    std::cout << "no peers (connect with: praxis connect HOST:PORT)\n";
    return Status::OK();
  }
  Table table({"MEMBER", "ADDRESS", "DIRECTION", "FOUND", "SINCE", "IN", "OUT"});
  table.AlignRight(5);
  table.AlignRight(6);
  for (const control::PeerEntry& p : peers.peers())
    table.AddRow({ShortId(p.member()), ForTerminal(p.address()), p.direction(),
                  ForTerminal(p.found()), IsoTimeUtc(p.since_unix_ms()), HumanSize(p.bytes_in()),
                  HumanSize(p.bytes_out())});
  table.Print(std::cout);
  return Status::OK();
}

}  // namespace

void AddPeersCommands(CLI::App& app, const GlobalOptions& globals, Action* action) {
  auto address = std::make_shared<std::string>();
  CLI::App* connect = app.add_subcommand("connect", "Dial another node at HOST:PORT");
  connect->add_option("ADDRESS", *address, "HOST:PORT of the node")->required();
  connect->callback([&globals, action, address] {
    *action = [&globals, address] { return RunConnect(globals, *address); };
  });
  CLI::App* peers = app.add_subcommand("peers", "List the nodes this node is connected to");
  peers->callback([&globals, action] { *action = [&globals] { return RunPeers(globals); }; });
}

}  // namespace praxis::cli
