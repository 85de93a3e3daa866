// praxis get: fetch a resource through the node and write it to a file (or
// stdout). The target name only ever holds complete content (atomic_file.h).
// Without -o the file is named after the share, in the current directory,
// and never replaces anything there: "NAME (1)", "NAME (2)"... instead.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>

#include "atomic_file.h"
#include "commands.h"
#include "format.h"
#include "output.h"
#include "progress.h"
#include "transfer.h"

namespace praxis::cli {

namespace {

// Enough for any sane directory; past it something is wrong.
constexpr unsigned kMaxNumberedNames = 10000;

struct GetOptions {
  std::string id;
  std::string output;  // empty: a name from the share, in the current directory
  bool force = false;
};

Status WriteStdout(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(STDOUT_FILENO, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(std::string("cannot write to standard output: ") +
                             std::strerror(errno));
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::OK();
}

Result<bool> Exists(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) return true;
  if (errno == ENOENT) return false;
  return Err(Status::IOError("cannot write '" + ForTerminal(path) + "': " + std::strerror(errno)));
}

// The share's file name, else its title, made safe; else the short id.
std::string NameFor(const control::GetBegin& begin) {
  std::string name = SafeFileName(!begin.filename().empty() ? begin.filename() : begin.title());
  if (name.empty()) {
    name = ShortId(!begin.announcement().empty() ? begin.announcement() : begin.root());
  }
  return name;
}

// The first of NAME, "NAME (1)", "NAME (2)"... that is free, starting at the
// n-th, or an error when none is.
Result<unsigned> FirstFree(const std::string& name, unsigned n) {
  for (; n < kMaxNumberedNames; ++n) {
    auto exists = Exists(NumberedFileName(name, n));
    if (!exists) return Err(exists.error());
    if (!*exists) return n;
  }
  return Err(Status::AlreadyExists("'" + ForTerminal(name) + "' and " +
                                   std::to_string(kMaxNumberedNames - 1) +
                                   " numbered variants already exist here; use -o PATH"));
}

// Commits `file` under the first free numbered variant of `name`, moving on
// when another process takes a name first.
Status CommitUnique(AtomicFile& file, const std::string& name, unsigned n) {
  for (;;) {
    const Status s = file.Commit(AtomicFile::Replace::kRefuse);
    if (s.code() != Code::kAlreadyExists) return s;
    auto next = FirstFree(name, n + 1);
    if (!next) return next.error();
    n = *next;
    file.Retarget(NumberedFileName(name, n));
  }
}

Status RunGet(const GlobalOptions& globals, const GetOptions& opts) {
  const bool to_stdout = opts.output == "-";
  const bool auto_name = opts.output.empty();
  if (auto_name && opts.force) {
    return Status::InvalidArgument("--force needs -o PATH: without it get never replaces a file");
  }
  std::unique_ptr<AtomicFile> file;
  if (!to_stdout && !auto_name) {
    PRAXIS_RETURN_IF_ERROR(CheckTarget(opts.output, opts.force, "give a file name with -o"));
    auto created = AtomicFile::Create(opts.output);
    if (!created) return created.error();
    file = std::move(*created);
  }

  auto client = ConnectToNode(globals);
  if (!client) return client.error();
  // Not held here: the node fetches it from its peers first.
  const auto started = std::chrono::steady_clock::now();
  std::unique_ptr<ProgressBar> fetching;
  auto begin = BeginGet(*client, opts.id, [&](const control::FetchProgress& p) {
    if (!fetching)
      fetching = std::make_unique<ProgressBar>("fetching " + ShortId(p.root()), p.size(),
                                               ProgressWanted(globals.json));
    fetching->SetTotal(p.size());
    fetching->SetLabel("fetching " + ShortId(p.root()) + " from " + std::to_string(p.peers()) +
                       (p.peers() == 1 ? " peer" : " peers"));
    fetching->Update(p.have_bytes());
  });
  if (fetching) fetching->Finish();
  if (!begin) return begin.error();

  std::string name;  // auto_name: the name before any " (n)"
  unsigned n = 0;
  if (auto_name) {
    name = NameFor(*begin);
    auto free = FirstFree(name, 0);
    if (!free) return free.error();
    n = *free;
    auto created = AtomicFile::Create(NumberedFileName(name, n));
    if (!created) return created.error();
    file = std::move(*created);
  }

  // Content on the terminal and a bar on the same terminal would garble both.
  const bool show = ProgressWanted(globals.json) && !(to_stdout && ::isatty(STDOUT_FILENO));
  const std::string label = !begin->title().empty() ? begin->title() : ShortId(begin->root());
  ProgressBar progress(label, begin->size(), show);
  auto end = ReceiveContent(
      *client, *begin,
      [&file](std::string_view bytes) { return file ? file->Write(bytes) : WriteStdout(bytes); },
      progress);
  if (!end) return end.error();
  if (auto_name) {
    PRAXIS_RETURN_IF_ERROR(CommitUnique(*file, name, n));
  } else if (file) {
    PRAXIS_RETURN_IF_ERROR(
        file->Commit(opts.force ? AtomicFile::Replace::kAllow : AtomicFile::Replace::kRefuse));
  }
  progress.Finish();
  const std::string path = file ? file->target() : opts.output;

  // With -o - stdout carries the content, so the report goes to stderr.
  std::ostream& out = to_stdout ? std::cerr : std::cout;
  if (globals.json) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    PrintJson(out, {{"root", HexId(begin->root())},
                    {"path", path},
                    {"size", begin->size()},
                    {"peers", end->peers()},
                    {"seconds", seconds}});
  } else if (!to_stdout) {
    out << "saved '" << ForTerminal(label) << "' to " << ForTerminal(path) << " ("
        << HumanSize(begin->size()) << ")\n";
  }
  return Status::OK();
}

}  // namespace

void AddGetCommand(CLI::App& app, const GlobalOptions& globals, Action* action) {
  auto opts = std::make_shared<GetOptions>();
  CLI::App* cmd = app.add_subcommand("get", "Fetch a shared file or note and save it");
  cmd->add_option("ROOT_OR_ANNOUNCEMENT", opts->id,
                  "Resource root or share announcement id (or unique prefix)")
      ->required();
  cmd->add_option("-o,--output", opts->output,
                  "Where to save it ('-' for standard output; default: the share's file name "
                  "or title, in the current directory)");
  cmd->add_flag("--force", opts->force, "Replace the -o PATH if it already exists");
  cmd->footer(
      "Without -o the name comes from the share (made safe: no '/', no leading '.', no control\n"
      "characters, at most 200 bytes) and nothing is replaced: if NAME exists, NAME (1),\n"
      "NAME (2)... is used instead, before the extension if there is one.\n"
      "When this node does not hold it, the node fetches it first from every peer that does\n"
      "(waiting up to 60 s for one to appear); an interrupted fetch resumes from what is stored.\n"
      "JSON: {root, path, size, peers, seconds}; path is the name written ('-' for standard\n"
      "output), peers the number of peers it came from (0: it was held here).");
  cmd->callback(
      [&globals, action, opts] { *action = [&globals, opts] { return RunGet(globals, *opts); }; });
}

}  // namespace praxis::cli
