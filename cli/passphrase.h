// Reading a passphrase for sealing the identity key: from a file (its first
// line), or typed twice on the controlling terminal with echo off. The
// terminal, not stdin, so that input piped into praxis is never taken for a
// passphrase; with no terminal the user is told to pass a file.
#pragma once

#include <optional>
#include <string>

#include "praxis/storage/status.h"

namespace praxis::cli {

// Returns the new passphrase: the first line of `file` (its newline, and a
// CR before it, stripped) when given, else what the user typed at the two
// prompts on /dev/tty, which must match. FailedPrecondition for an empty
// passphrase, one that is not valid UTF-8, two that differ, or no terminal
// to ask on; Cancelled on end of input at a prompt; IOError when the file
// cannot be read.
Result<std::string> ReadNewPassphrase(const std::optional<std::string>& file);

// Overwrites the string's bytes before it is freed.
void Wipe(std::string& secret);

}  // namespace praxis::cli
