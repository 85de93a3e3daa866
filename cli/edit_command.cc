// praxis edit: open one of your notes in your editor and share what you
// changed as its new version (share --replaces). The note comes through the
// get stream into a private temporary file; the editor runs through
// /bin/sh -c, like git runs $EDITOR, so "code --wait" works.
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
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

// A file only this user can read (mkstemp makes it 0600), removed when this
// goes out of scope unless Keep() was called.
class TempNote {
 public:
  static Result<TempNote> Create() {
    const char* dir = std::getenv("TMPDIR");
    std::string path = (dir != nullptr && *dir != '\0') ? dir : "/tmp";
    if (path.back() != '/') path += '/';
    path += "praxis-note-XXXXXX.txt";
    const int fd = ::mkostemps(path.data(), 4, O_CLOEXEC);
    if (fd < 0) {
      return Err(Status::IOError("cannot create a temporary file for the note in " +
                                 path.substr(0, path.rfind('/')) + ": " + std::strerror(errno)));
    }
    return TempNote(fd, std::move(path));
  }

  TempNote(TempNote&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)),
        path_(std::move(other.path_)),
        remove_(std::exchange(other.remove_, false)) {}
  TempNote& operator=(TempNote&&) = delete;
  ~TempNote() {
    CloseFd();
    if (remove_) ::unlink(path_.c_str());
  }

  const std::string& path() const { return path_; }
  void Keep() { remove_ = false; }

  Status Write(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::IOError("cannot write '" + path_ + "': " + std::strerror(errno));
      }
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return Status::OK();
  }

  Status Close() {
    if (CloseFd() != 0) {
      return Status::IOError("cannot write '" + path_ + "': " + std::strerror(errno));
    }
    return Status::OK();
  }

  // The file as the editor left it: by name, since many editors save by
  // writing a new file and renaming it over the old one.
  Result<std::string> ReadBack() const {
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return Err(
          Status::IOError("cannot read the edited note '" + path_ + "': " + std::strerror(errno)));
    }
    std::string text;
    char buf[64 * 1024];
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0) {
        if (errno == EINTR) continue;
        const int err = errno;
        ::close(fd);
        return Err(
            Status::IOError("cannot read the edited note '" + path_ + "': " + std::strerror(err)));
      }
      if (n == 0) break;
      text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return text;
  }

 private:
  TempNote(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}

  int CloseFd() {
    if (fd_ < 0) return 0;
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

  int fd_;
  std::string path_;
  bool remove_ = true;
};

bool IsExecutable(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

bool OnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/bin:/bin";
  while (true) {
    const std::size_t colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    if (dir.empty()) dir = ".";
    if (IsExecutable(dir + "/" + program)) return true;
    if (colon == std::string_view::npos) return false;
    dirs.remove_prefix(colon + 1);
  }
}

// $VISUAL, else $EDITOR, else vi when there is one.
Result<std::string> ChooseEditor() {
  for (const char* var : {"VISUAL", "EDITOR"}) {
    const char* value = std::getenv(var);
    if (value != nullptr && *value != '\0') return std::string(value);
  }
  if (OnPath("vi")) return std::string("vi");
  return Err(Status::FailedPrecondition(
      "no editor: set VISUAL or EDITOR (for example EDITOR=nano), vi is not installed either"));
}

// Runs `editor` on `path` and waits for it. Our stdout may carry JSON or
// go to a file, so the editor draws on the terminal instead (or on stderr
// when there is none); Ctrl-C is the editor's while it runs.
Status RunEditor(const std::string& editor, const std::string& path) {
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  struct sigaction old_int {
  }, old_quit{};
  ::sigaction(SIGINT, &ignore, &old_int);
  ::sigaction(SIGQUIT, &ignore, &old_quit);
  std::cout.flush();

  const std::string script = editor + " \"$@\"";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGQUIT, SIG_DFL);
    const int tty = ::open("/dev/tty", O_RDWR | O_NOCTTY);
    if (::isatty(STDIN_FILENO) != 1 && tty >= 0) ::dup2(tty, STDIN_FILENO);
    if (::isatty(STDOUT_FILENO) != 1) ::dup2(tty >= 0 ? tty : STDERR_FILENO, STDOUT_FILENO);
    if (tty > STDERR_FILENO) ::close(tty);
    ::execl("/bin/sh", "sh", "-c", script.c_str(), editor.c_str(), path.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  int err = 0;
  if (pid < 0) {
    err = errno;
  } else {
    while (::waitpid(pid, &status, 0) < 0) {
      if (errno != EINTR) {
        err = errno;
        break;
      }
    }
  }
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGQUIT, &old_quit, nullptr);

  const std::string who = "the editor '" + editor + "'";
  if (err != 0) return Status::IOError("cannot run " + who + ": " + std::strerror(err));
  if (WIFSIGNALED(status)) {
    return Status::Cancelled(who + " was stopped by signal " + std::to_string(WTERMSIG(status)) +
                             "; nothing was shared");
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
    return Status::FailedPrecondition("cannot run " + who +
                                      " (the shell did not find it); set VISUAL or EDITOR");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Status::Cancelled(who + " exited with status " + std::to_string(WEXITSTATUS(status)) +
                             "; nothing was shared");
  }
  return Status::OK();
}

// Keeps the edited file and says where it is, so that a failure after
// editing loses nothing. Not a usage error whatever went wrong.
Status KeptAt(const Status& s, TempNote& note) {
  note.Keep();
  return Status::FailedPrecondition(s.message() + "; your edited note is kept in " + note.path());
}

// Whether the user left the note as it was. Many editors (vi among them)
// end the last line with a newline when they save, even without a change:
// that alone does not make a new version.
bool Unchanged(const std::string& original, const std::string& edited) {
  if (edited == original) return true;
  return !original.empty() && original.back() != '\n' && edited.size() == original.size() + 1 &&
         edited.back() == '\n' && edited.compare(0, original.size(), original) == 0;
}

Status RunEdit(const GlobalOptions& globals, const std::string& id) {
  // Fetch the note, and close the connection before the editor runs.
  std::string original;
  control::GetBegin begin;
  auto note = TempNote::Create();
  if (!note) return note.error();
  {
    auto client = ConnectToNode(globals);
    if (!client) return client.error();
    auto begun = BeginGet(*client, id);
    if (!begun) return begun.error();
    begin = std::move(*begun);
    if (begin.announcement().empty()) {
      return Status::FailedPrecondition(
          "'" + ForTerminal(id) +
          "' is a resource root; edit needs the note's share announcement (see 'praxis ls')");
    }
    if (!begin.note()) {
      return Status::FailedPrecondition(
          "only notes can be edited; share a new version with --replaces");
    }
    if (begin.group().empty()) {
      return Status::Protocol(
          "the node did not say which group the note is in (is praxisd the "
          "same version?)");
    }
    ProgressBar progress(begin.title(), begin.size(), ProgressWanted(globals.json));
    auto end = ReceiveContent(
        *client, begin,
        [&](std::string_view bytes) {
          original.append(bytes);
          return note->Write(bytes);
        },
        progress);
    if (!end) return end.error();
    progress.Finish();
  }
  PRAXIS_RETURN_IF_ERROR(note->Close());

  auto editor = ChooseEditor();
  if (!editor) return editor.error();
  PRAXIS_RETURN_IF_ERROR(RunEditor(*editor, note->path()));
  auto edited = note->ReadBack();
  if (!edited) return edited.error();

  const std::string replaces = HexId(begin.announcement());
  if (Unchanged(original, *edited)) {
    if (globals.json) {
      PrintJson(std::cout, {{"announcement", nullptr},
                            {"root", nullptr},
                            {"size", 0},
                            {"replaces", replaces},
                            {"changed", false}});
    } else {
      std::cout << "no change to '" << ForTerminal(begin.title()) << "'; nothing was shared\n";
    }
    return Status::OK();
  }
  if (edited->empty()) {
    return Status::FailedPrecondition(
        "the note is now empty; nothing was shared (to withdraw it, use 'praxis retract " +
        ShortId(begin.announcement()) + "')");
  }

  control::Request request;
  control::ShareBeginRequest* share = request.mutable_share_begin();
  share->set_group(HexId(begin.group()));
  // Keep the title; a note shared without one gets the usual default.
  share->set_title(!begin.title().empty() ? begin.title() : NoteTitle(*edited));
  for (const auto& tag : begin.tags()) share->add_tags(tag);
  share->set_description(begin.description());
  share->set_note(true);
  share->set_expected_size(edited->size());
  share->set_replaces(replaces);
  auto source = ShareSource::FromText(*edited);

  auto client = ConnectToNode(globals);
  if (!client) return KeptAt(client.error(), *note);
  ProgressBar progress(begin.title(), edited->size(), ProgressWanted(globals.json));
  auto reply = UploadShare(*client, request, *source, progress);
  if (!reply) return KeptAt(reply.error(), *note);

  if (globals.json) {
    PrintJson(std::cout, {{"announcement", HexId(reply->announcement())},
                          {"root", HexId(reply->root())},
                          {"size", reply->size()},
                          {"replaces", replaces},
                          {"changed", true}});
    return Status::OK();
  }
  std::cout << "shared the new version of note '" << ForTerminal(begin.title()) << "' ("
            << HumanSize(reply->size()) << ") into " << ShortId(begin.group()) << '\n';
  PrintFields(std::cout, {{"announcement", HexId(reply->announcement())},
                          {"root", HexId(reply->root())},
                          {"replaces", replaces}});
  return Status::OK();
}

}  // namespace

void AddEditCommand(CLI::App& app, const GlobalOptions& globals, Action* action) {
  auto id = std::make_shared<std::string>();
  CLI::App* cmd =
      app.add_subcommand("edit", "Edit one of your notes and share the result as its new version");
  cmd->add_option("ANNOUNCEMENT", *id, "The note's share announcement id (or unique prefix)")
      ->required();
  cmd->footer(
      "The note is written to a private temporary file (in $TMPDIR, else /tmp) and opened with\n"
      "$VISUAL, else $EDITOR, else vi. If you changed it, it is shared into the same group with\n"
      "the same title, tags and description, replacing the note you edited; if not, nothing is\n"
      "shared. Should sharing fail, the edited file is kept and its path printed.\n"
      "JSON: {announcement, root, size, replaces, changed}: the new share, the note it replaces\n"
      "and changed: true; unchanged: announcement and root null, size 0, changed: false.");
  cmd->callback(
      [&globals, action, id] { *action = [&globals, id] { return RunEdit(globals, *id); }; });
}

}  // namespace praxis::cli
