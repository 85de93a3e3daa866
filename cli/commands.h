// The commands of `praxis`, one file each. Every Add*Command registers its
// subcommand on `app`; when the user picks it, it stores what to run in
// *action. `globals` and `action` must outlive the parse and the action.
#pragma once

#include <CLI/CLI.hpp>

#include "command.h"

namespace praxis::cli {

void AddStatusCommand(CLI::App& app, const GlobalOptions& globals, Action* action);
void AddGroupCommand(CLI::App& app, const GlobalOptions& globals, Action* action);
void AddGroupsCommand(CLI::App& app, const GlobalOptions& globals, Action* action);
void AddShareCommand(CLI::App& app, const GlobalOptions& globals, Action* action);
void AddLsCommand(CLI::App& app, const GlobalOptions& globals, Action* action);
void AddGetCommand(CLI::App& app, const GlobalOptions& globals, Action* action);
void AddRepublishCommand(CLI::App& app, const GlobalOptions& globals, Action* action);
void AddPeersCommands(CLI::App& app, const GlobalOptions& globals, Action* action);
void AddStageCommand(CLI::App& app, const GlobalOptions& globals, Action* action);
void AddIdentityCommand(CLI::App& app, const GlobalOptions& globals, Action* action);
void AddRetractCommand(CLI::App& app, const GlobalOptions& globals, Action* action);
void AddEditCommand(CLI::App& app, const GlobalOptions& globals, Action* action);
void AddDuCommand(CLI::App& app, const GlobalOptions& globals, Action* action);
void AddDropCommand(CLI::App& app, const GlobalOptions& globals, Action* action);
void AddInvitesCommand(CLI::App& app, const GlobalOptions& globals, Action* action);
void AddDiscoverCommand(CLI::App& app, const GlobalOptions& globals, Action* action);
void AddWatchCommand(CLI::App& app, const GlobalOptions& globals, Action* action);
void AddNewsCommand(CLI::App& app, const GlobalOptions& globals, Action* action);
void AddBackupCommand(CLI::App& app, const GlobalOptions& globals, Action* action);
void AddDenyCommand(CLI::App& app, const GlobalOptions& globals, Action* action);

}  // namespace praxis::cli
