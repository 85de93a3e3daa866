// praxis share: publish a file or a note into a group. The CLI reads the
// bytes and streams them over the control socket (transfer.h); with
// --replaces the new share supersedes an earlier one of ours.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "format.h"
#include "output.h"
#include "progress.h"
#include "share_source.h"
#include "transfer.h"

namespace praxis::cli {

namespace {

struct ShareOptions {
  std::string path;
  std::string text;
  bool is_note = false;  // --text was given
  std::string group;
  std::string title;
  std::vector<std::string> tags;
  std::string description;
  std::string replaces;
};

// All of standard input, byte for byte.
Result<std::string> ReadStdin() {
  if (::isatty(STDIN_FILENO) == 1) {
    std::cerr << "reading the note from standard input; end it with Ctrl-D\n";
  }
  std::string text;
  char buf[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Err(Status::IOError(std::string("cannot read the note from standard input: ") +
                                 std::strerror(errno)));
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  return text;
}

Status RunShare(const GlobalOptions& globals, const ShareOptions& opts) {
  if (opts.is_note == !opts.path.empty()) {
    return Status::InvalidArgument(
        "share takes either a PATH or --text TEXT (see 'praxis share --help')");
  }
  if (opts.is_note && opts.text.empty()) {
    return Status::InvalidArgument("--text is empty: there is nothing to share");
  }

  control::Request begin_request;
  control::ShareBeginRequest* begin = begin_request.mutable_share_begin();
  std::unique_ptr<ShareSource> source;
  std::string title = opts.title;
  if (opts.is_note) {
    std::string text = opts.text;
    if (text == "-") {
      auto read = ReadStdin();
      if (!read) return read.error();
      if (read->empty()) {
        return Status::FailedPrecondition("standard input was empty: there is no note to share");
      }
      text = std::move(*read);
    }
    if (title.empty()) title = NoteTitle(text);
    source = ShareSource::FromText(std::move(text));
    begin->set_note(true);
  } else {
    // Open before connecting: a wrong path must fail with nothing sent.
    auto opened = ShareSource::OpenFile(opts.path);
    if (!opened) return opened.error();
    source = std::move(*opened);
    const std::string base = ValidUtf8(std::filesystem::path(opts.path).filename().string());
    if (title.empty()) title = base;
    begin->set_filename(base);
  }
  begin->set_group(ValidUtf8(opts.group));
  begin->set_title(ValidUtf8(title));
  for (const auto& tag : opts.tags) begin->add_tags(ValidUtf8(tag));
  begin->set_description(ValidUtf8(opts.description));
  begin->set_expected_size(source->expected_size());
  begin->set_replaces(ValidUtf8(opts.replaces));

  auto client = ConnectToNode(globals);
  if (!client) return client.error();
  ProgressBar progress(title, source->expected_size(), ProgressWanted(globals.json));
  auto reply = UploadShare(*client, begin_request, *source, progress);
  if (!reply) return reply.error();

  if (globals.json) {
    PrintJson(std::cout, {{"announcement", HexId(reply->announcement())},
                          {"root", HexId(reply->root())},
                          {"size", reply->size()}});
    return Status::OK();
  }
  std::cout << "shared " << (opts.is_note ? "note" : "file") << " '" << ForTerminal(title) << "' ("
            << HumanSize(reply->size()) << ") into " << ForTerminal(opts.group) << '\n';
  std::vector<std::pair<std::string, std::string>> fields = {
      {"announcement", HexId(reply->announcement())}, {"root", HexId(reply->root())}};
  if (!opts.replaces.empty()) fields.emplace_back("replaces", opts.replaces);
  PrintFields(std::cout, fields);
  return Status::OK();
}

}  // namespace

void AddShareCommand(CLI::App& app, const GlobalOptions& globals, Action* action) {
  auto opts = std::make_shared<ShareOptions>();
  CLI::App* cmd =
      app.add_subcommand("share", "Share a file (or, with --text, a note) into a group");
  CLI::Option* path = cmd->add_option("PATH", opts->path, "File to share");
  cmd->add_option_function<std::string>(
         "--text",
         [opts](const std::string& text) {
           opts->text = text;
           opts->is_note = true;
         },
         "Share this text as a note instead of a file ('-': read it all from standard input)")
      ->excludes(path);
  cmd->add_option("--group", opts->group, "Group to share into (id or unique prefix)")->required();
  cmd->add_option("--title", opts->title,
                  "Title (default: the file's name, or the note's first non-blank line)");
  cmd->add_option("--tag", opts->tags, "Tag (repeatable)")->allow_extra_args(false);
  cmd->add_option("--description", opts->description, "A few words about it");
  cmd->add_option("--replaces", opts->replaces,
                  "This is a new version of an earlier share of yours: ls shows only the latest")
      ->type_name("ANNOUNCEMENT");
  cmd->footer("JSON: {announcement, root, size}.");
  cmd->callback([&globals, action, opts] {
    *action = [&globals, opts] { return RunShare(globals, *opts); };
  });
}

}  // namespace praxis::cli
