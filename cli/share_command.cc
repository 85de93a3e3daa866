// praxis share: publish a file or a note into a group. The CLI reads the
// bytes and streams them over the control socket (proto/control.proto):
//   share_begin -> Ack | Error ; Data* ; share_end -> ShareReply | Error
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

namespace praxis::cli {

namespace {

// Matches the node's chunk size (DESIGN.md §3), so each message is one chunk.
constexpr std::size_t kDataMessageSize = 256 * 1024;

struct ShareOptions {
  std::string path;
  std::string text;
  bool is_note = false;  // --text was given
  std::string group;
  std::string title;
  std::vector<std::string> tags;
  std::string description;
};

Status Stream(ControlClient& client, ShareSource& source, ProgressBar& progress) {
  control::Request request;
  std::string buf;
  std::uint64_t sent = 0;
  for (;;) {
    buf.resize(kDataMessageSize);
    PRAXIS_RETURN_IF_ERROR(source.Read(&buf));
    if (buf.empty()) break;
    sent += buf.size();
    request.mutable_data()->set_bytes(std::move(buf));
    PRAXIS_RETURN_IF_ERROR(client.Send(request));
    buf = std::move(*request.mutable_data()->mutable_bytes());
    progress.Update(sent);
  }
  if (source.size_known() && sent != source.expected_size()) {
    // Closing without share_end makes the node drop the upload.
    return Status::IOError("'" + ForTerminal(source.name()) +
                           "' changed while being shared (read " + std::to_string(sent) + " of " +
                           std::to_string(source.expected_size()) + " bytes); nothing was shared");
  }
  return Status::OK();
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
    source = ShareSource::FromText(opts.text);
    if (title.empty()) title = NoteTitle(opts.text);
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

  auto client = ConnectToNode(globals);
  if (!client) return client.error();
  if (auto ack = client->Call(begin_request, control::Response::kAck); !ack) return ack.error();

  ProgressBar progress(title, source->expected_size(), ProgressWanted(globals.json));
  PRAXIS_RETURN_IF_ERROR(Stream(*client, *source, progress));
  control::Request end_request;
  end_request.mutable_share_end();
  auto response = client->Call(end_request, control::Response::kShare);
  progress.Finish();
  if (!response) return response.error();
  const control::ShareReply& reply = response->share();

  if (globals.json) {
    PrintJson(std::cout, {{"announcement", HexId(reply.announcement())},
                          {"root", HexId(reply.root())},
                          {"size", reply.size()}});
    return Status::OK();
  }
  std::cout << "shared " << (opts.is_note ? "note" : "file") << " '" << ForTerminal(title) << "' ("
            << HumanSize(reply.size()) << ") into " << ForTerminal(opts.group) << '\n';
  PrintFields(std::cout,
              {{"announcement", HexId(reply.announcement())}, {"root", HexId(reply.root())}});
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
         "Share this text as a note instead of a file")
      ->excludes(path);
  cmd->add_option("--group", opts->group, "Group to share into (id or unique prefix)")->required();
  cmd->add_option("--title", opts->title,
                  "Title (default: the file's name, or the note's first line)");
  cmd->add_option("--tag", opts->tags, "Tag (repeatable)")->allow_extra_args(false);
  cmd->add_option("--description", opts->description, "A few words about it");
  cmd->callback([&globals, action, opts] {
    *action = [&globals, opts] { return RunShare(globals, *opts); };
  });
}

}  // namespace praxis::cli
