// praxis identity export: the member's key sealed with a passphrase
// (DESIGN.md §3), so it can move to a new machine. The node seals; the CLI
// asks for the passphrase and writes the file, mode 0600.
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "atomic_file.h"
#include "commands.h"
#include "format.h"
#include "output.h"
#include "passphrase.h"

namespace praxis::cli {

namespace {

struct ExportOptions {
  std::string path;
  std::optional<std::string> passphrase_file;
  bool force = false;
};

Status RunExport(const GlobalOptions& globals, const ExportOptions& opts) {
  // Everything that can fail without the passphrase fails before it is asked.
  PRAXIS_RETURN_IF_ERROR(CheckTarget(opts.path, opts.force, "give a file name"));
  auto client = ConnectToNode(globals);
  if (!client) return client.error();

  control::Request request;
  {
    auto passphrase = ReadNewPassphrase(opts.passphrase_file);
    if (!passphrase) return passphrase.error();
    request.mutable_identity_export()->set_passphrase(*passphrase);
    Wipe(*passphrase);
  }
  auto response = client->Call(request, control::Response::kIdentityExport);
  Wipe(*request.mutable_identity_export()->mutable_passphrase());
  if (!response) return response.error();
  const control::IdentityExportReply& reply = response->identity_export();
  if (reply.sealed().empty()) {
    return Status::Protocol("the node sent an empty sealed key; nothing was written");
  }

  auto file = AtomicFile::Create(opts.path, 0600);
  if (!file) return file.error();
  PRAXIS_RETURN_IF_ERROR((*file)->Write(reply.sealed()));
  PRAXIS_RETURN_IF_ERROR(
      (*file)->Commit(opts.force ? AtomicFile::Replace::kAllow : AtomicFile::Replace::kRefuse));

  if (globals.json) {
    PrintJson(std::cout, {{"member", HexId(reply.member())}, {"path", opts.path}});
    return Status::OK();
  }
  std::cout << "exported the key of member " << HexId(reply.member()) << " to "
            << ForTerminal(opts.path) << '\n'
            << "keep this file and its passphrase safe: together they let anyone sign as you\n"
            << "to restore it on the new machine: praxisd --import-identity "
            << ForTerminal(opts.path) << '\n';
  return Status::OK();
}

void AddExport(CLI::App& identity, const GlobalOptions& globals, Action* action) {
  auto opts = std::make_shared<ExportOptions>();
  CLI::App* cmd = identity.add_subcommand(
      "export", "Write your key, sealed with a passphrase, to FILE (to move to a new machine)");
  cmd->add_option("FILE", opts->path, "Where to write the sealed key (created with mode 0600)")
      ->required();
  cmd->add_option_function<std::string>(
         "--passphrase-file", [opts](const std::string& f) { opts->passphrase_file = f; },
         "Take the passphrase from the first line of F instead of asking on the terminal")
      ->type_name("F");
  cmd->add_flag("--force", opts->force, "Replace FILE if it already exists");
  cmd->footer(
      "Without --passphrase-file the passphrase is asked twice on the terminal, without echo.\n"
      "An empty passphrase is refused. Restore on the new machine with\n"
      "  praxisd --import-identity FILE\n"
      "JSON: {member, path}.");
  cmd->callback([&globals, action, opts] {
    *action = [&globals, opts] { return RunExport(globals, *opts); };
  });
}

}  // namespace

void AddIdentityCommand(CLI::App& app, const GlobalOptions& globals, Action* action) {
  CLI::App* identity = app.add_subcommand("identity", "Manage this node's member identity");
  identity->require_subcommand(1);
  AddExport(*identity, globals, action);
}

}  // namespace praxis::cli
