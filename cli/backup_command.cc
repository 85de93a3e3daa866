// praxis backup DIR: the node writes an online, consistent copy of its data
// directory (database and identity) into DIR, a new directory. Restore by
// stopping praxisd and starting it with --data-dir DIR (deploy/README.md).
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "commands.h"
#include "format.h"
#include "output.h"

namespace praxis::cli {

namespace {

Status RunBackup(const GlobalOptions& globals, const std::string& dir) {
  std::error_code ec;
  const std::string abs = std::filesystem::absolute(dir, ec).lexically_normal().string();
  if (ec) return Status::InvalidArgument("cannot resolve " + dir + ": " + ec.message());
  control::Request request;
  request.mutable_backup()->set_dir(ValidUtf8(abs));
  auto response = CallNode(globals, request, control::Response::kBackup);
  if (!response) return response.error();
  const control::BackupReply& b = response->backup();
  if (globals.json) {
    PrintJson(std::cout, {{"dir", b.dir()},
                          {"announcements", b.announcements()},
                          {"bytes", b.bytes()},
                          {"seconds", b.seconds()}});
    return Status::OK();
  }
  std::cout << "backed up " << b.announcements() << " announcements and the identity key into "
            << ForTerminal(b.dir()) << " (" << HumanSize(b.bytes()) << ")\n"
            << "restore: stop praxisd, then start it with --data-dir " << ForTerminal(b.dir())
            << " (or move it into place)\n";
  return Status::OK();
}

}  // namespace

void AddBackupCommand(CLI::App& app, const GlobalOptions& globals, Action* action) {
  auto dir = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "backup", "Copy the node's database and identity into a new directory, while it runs");
  cmd->add_option("DIR", *dir, "A directory that does not exist yet")->required();
  cmd->callback([&globals, action, dir] {
    *action = [&globals, dir] { return RunBackup(globals, *dir); };
  });
}

}  // namespace praxis::cli
