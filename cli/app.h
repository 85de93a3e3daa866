// The `praxis` program: parses the command line, runs the chosen command and
// turns its outcome into output and an exit status.
#pragma once

namespace praxis::cli {

// Exit status: 0 on success, 1 when the command failed (one line on stderr
// says why), 2 for a usage error. Does not throw.
int RunCli(int argc, char** argv);

}  // namespace praxis::cli
