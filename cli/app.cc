#include "app.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "command.h"
#include "commands.h"
#include "format.h"

namespace praxis::cli {

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

constexpr const char* kFooter =
    "The node is found through its data directory: --data-dir DIR, else $PRAXIS_HOME,\n"
    "else $XDG_DATA_HOME/praxis, else ~/.local/share/praxis. --data-dir and --json may\n"
    "come before or after a command's words.";

void PrintFailure(const std::string& message) {
  std::cout.flush();  // keep whatever was printed before the error in order
  std::fprintf(stderr, "praxis: %s\n", ForTerminal(message).c_str());
}

// "praxis group create": the command the user reached before the error, for
// pointing at the right --help.
std::string CommandPath(CLI::App& app) {
  std::string path = "praxis";
  CLI::App* current = &app;
  while (!current->get_subcommands().empty()) {
    current = current->get_subcommands().front();
    path += " " + current->get_name();
  }
  return path;
}

// CLI11 checks for a missing subcommand before it complains about extra
// words, so "praxis shre" would read "A subcommand is required".
std::string UsageMessage(CLI::App& app, const CLI::ParseError& e) {
  CLI::App* current = &app;
  while (!current->get_subcommands().empty()) current = current->get_subcommands().front();
  const std::vector<std::string> extra = app.remaining(/*recurse=*/true);
  if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr &&
      current->get_require_subcommand_min() > 0 && !extra.empty()) {
    return "unknown command '" + extra.front() + "'";
  }
  return e.what();
}

}  // namespace

int RunCli(int argc, char** argv) {
  GlobalOptions globals;
  Action action;

  CLI::App app("praxis: share files and notes with your groups, and watch them grow", "praxis");
  // Set before adding subcommands, which inherit it: unknown options fall
  // through to this app, so the global options work after a command's words.
  app.fallthrough();
  app.require_subcommand(1);
  app.footer(kFooter);
  app.set_version_flag("--version", std::string("praxis ") + PRAXIS_VERSION);
  app.add_option_function<std::string>(
         "--data-dir", [&globals](const std::string& dir) { globals.data_dir = dir; },
         "Data directory of the node to talk to")
      ->type_name("DIR");
  app.add_flag("--json", globals.json, "Print one JSON document instead of text for people");

  AddStatusCommand(app, globals, &action);
  AddGroupCommand(app, globals, &action);
  AddGroupsCommand(app, globals, &action);
  AddShareCommand(app, globals, &action);
  AddLsCommand(app, globals, &action);
  AddGetCommand(app, globals, &action);
  AddRepublishCommand(app, globals, &action);
  AddPeersCommands(app, globals, &action);
  AddStageCommand(app, globals, &action);
  AddEditCommand(app, globals, &action);
  AddRetractCommand(app, globals, &action);
  AddDuCommand(app, globals, &action);
  AddDropCommand(app, globals, &action);
  AddInvitesCommand(app, globals, &action);
  AddDiscoverCommand(app, globals, &action);
  AddWatchCommand(app, globals, &action);
  AddNewsCommand(app, globals, &action);
  AddBackupCommand(app, globals, &action);
  AddDenyCommand(app, globals, &action);
  AddIdentityCommand(app, globals, &action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with exit code 0: let CLI11 print them.
    if (e.get_exit_code() == 0) return app.exit(e);
    PrintFailure(UsageMessage(app, e) + " (see '" + CommandPath(app) + " --help')");
    return kExitUsage;
  }
  if (!action) {  // unreachable: require_subcommand guarantees a command
    PrintFailure("no command given (see 'praxis --help')");
    return kExitUsage;
  }

  const Status status = action();
  if (!status.ok()) {
    PrintFailure(status.message());
    return status.code() == Code::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  std::cout.flush();
  if (!std::cout) {
    PrintFailure("cannot write to standard output");
    return kExitFailure;
  }
  return 0;
}

}  // namespace praxis::cli
