// praxis get: fetch a resource through the node and write it to a file (or
// stdout). The stream is  get -> GetBegin | Error ; Data* ; GetEnd, and the
// target name only ever holds complete content (atomic_file.h).
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>

#include "atomic_file.h"
#include "commands.h"
#include "format.h"
#include "output.h"
#include "progress.h"

namespace praxis::cli {

namespace {

struct GetOptions {
  std::string id;
  std::string output;
  bool force = false;
};

// Where the bytes go: a file written atomically, or stdout as they come.
class Sink {
 public:
  explicit Sink(std::unique_ptr<AtomicFile> file) : file_(std::move(file)) {}

  Status Write(std::string_view bytes) {
    if (file_) return file_->Write(bytes);
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

  Status Finish() { return file_ ? file_->Commit() : Status::OK(); }

 private:
  std::unique_ptr<AtomicFile> file_;  // null: stdout
};

// Refuses, before the node is asked anything, a target that would be
// clobbered without --force or that can never be written.
Status CheckTarget(const std::string& path, bool force) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::OK();
    return Status::IOError("cannot write '" + ForTerminal(path) + "': " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) {
    return Status::IOError("cannot write '" + ForTerminal(path) +
                           "': it is a directory (give a file name with -o)");
  }
  if (!force) {
    return Status::AlreadyExists("'" + ForTerminal(path) +
                                 "' already exists; use --force to replace it");
  }
  return Status::OK();
}

Status ReceiveContent(ControlClient& client, const control::GetBegin& begin, Sink& sink,
                      ProgressBar& progress) {
  std::uint64_t received = 0;
  for (;;) {
    auto response = client.ReceiveReply();
    if (!response && response.error().code() == Code::kIOError) {
      return Status::IOError(response.error().message() + " during the download, after " +
                             std::to_string(received) + " of " + std::to_string(begin.size()) +
                             " bytes");
    }
    if (!response) return response.error();
    if (response->has_get_end()) break;
    if (!response->has_data()) {
      return Status::Protocol("unexpected reply from the node during a download (kind " +
                              std::to_string(response->resp_case()) + ")");
    }
    const std::string& bytes = response->data().bytes();
    if (bytes.size() > begin.size() - received) {
      return Status::Protocol("the node sent more than the " + std::to_string(begin.size()) +
                              " bytes it announced");
    }
    PRAXIS_RETURN_IF_ERROR(sink.Write(bytes));
    received += bytes.size();
    progress.Update(received);
  }
  if (received != begin.size()) {
    return Status::Protocol("the download ended early: received " + std::to_string(received) +
                            " of " + std::to_string(begin.size()) + " bytes");
  }
  return Status::OK();
}

Status RunGet(const GlobalOptions& globals, const GetOptions& opts) {
  const bool to_stdout = opts.output == "-";
  std::unique_ptr<AtomicFile> file;
  if (!to_stdout) {
    PRAXIS_RETURN_IF_ERROR(CheckTarget(opts.output, opts.force));
    auto created = AtomicFile::Create(opts.output);
    if (!created) return created.error();
    file = std::move(*created);
  }
  Sink sink(std::move(file));

  auto client = ConnectToNode(globals);
  if (!client) return client.error();
  control::Request request;
  request.mutable_get()->set_id(ValidUtf8(opts.id));
  auto begin_response = client->Call(request, control::Response::kGetBegin);
  if (!begin_response) return begin_response.error();
  const control::GetBegin& begin = begin_response->get_begin();

  // Content on the terminal and a bar on the same terminal would garble both.
  const bool show = ProgressWanted(globals.json) && !(to_stdout && ::isatty(STDOUT_FILENO));
  const std::string label = !begin.title().empty() ? begin.title() : ShortId(begin.root());
  ProgressBar progress(label, begin.size(), show);
  PRAXIS_RETURN_IF_ERROR(ReceiveContent(*client, begin, sink, progress));
  PRAXIS_RETURN_IF_ERROR(sink.Finish());
  progress.Finish();

  // With -o - stdout carries the content, so the report goes to stderr.
  std::ostream& out = to_stdout ? std::cerr : std::cout;
  if (globals.json) {
    PrintJson(out, {{"root", HexId(begin.root())}, {"path", opts.output}, {"size", begin.size()}});
  } else if (!to_stdout) {
    out << "saved '" << ForTerminal(label) << "' to " << ForTerminal(opts.output) << " ("
        << HumanSize(begin.size()) << ")\n";
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
  cmd->add_option("-o,--output", opts->output, "Where to save it ('-' for standard output)")
      ->required();
  cmd->add_flag("--force", opts->force, "Replace PATH if it already exists");
  cmd->callback(
      [&globals, action, opts] { *action = [&globals, opts] { return RunGet(globals, *opts); }; });
}

}  // namespace praxis::cli
