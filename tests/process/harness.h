// Process-level test harness: starts the real `praxisd` on a temp data dir
// and drives it only through the real `praxis` binary, exactly as a user
// would (STYLE.md §7). Nothing here links the node: every observation goes
// through a command line, its exit status, its stdout and its stderr.
//
//   TestNode node;                          // temp dir, praxisd on 127.0.0.1:0
//   ASSERT_TRUE(node.Start());              // polls `praxis status --json`
//   CmdResult r = node.Praxis({"groups", "--json"});
//   ASSERT_TRUE(r.ok()) << r;               // prints argv, exit, stdout, stderr
//   nlohmann::json groups = r.JsonOut();
//   node.Praxis({"share", "--text", "-", "--group", g}, {.stdin_bytes = "a note\n"});
//
// Time: every wait is a polled deadline (kLiveness), never a fixed sleep.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <functional>
#include <thread>
#include <utility>
#include <vector>

#include "testutil/temp_dir.h"

namespace praxis::process_test {

using Json = nlohmann::json;

// A generous liveness bound for anything a test waits on (start-up, a
// command, a stop). Reaching it means something hung, not "slow machine".
inline constexpr std::chrono::seconds kLiveness{30};

// What a finished command did. `exit_code` is the status passed to exit(),
// or 128 + signal when a signal ended it, or -1 when it overran its deadline
// (it was then killed).
struct CmdResult {
  std::vector<std::string> argv;
  int exit_code = -1;
  std::string out;
  std::string err;

  bool ok() const { return exit_code == 0; }
  // stdout parsed as exactly one JSON document (throws on anything else).
  Json JsonOut() const;
  // The non-empty lines of stderr.
  std::vector<std::string> ErrLines() const;
};
std::ostream& operator<<(std::ostream& os, const CmdResult& r);

// Passes when `r` failed the way DESIGN.md §7 says a command fails: non-zero
// exit, exactly one non-empty line on stderr, nothing on stdout.
::testing::AssertionResult FailedWithOneLine(const CmdResult& r);

// How to run a command beyond its argv. Each field left at its default keeps
// what Spawn(argv) does: stdin on /dev/null, the test's working directory,
// the environment as ChildEnv filters it.
struct CmdOptions {
  // Fed to the command's stdin through a pipe (closed after the last byte,
  // so the command sees end of file), when set. Any size: a thread writes it.
  std::optional<std::string> stdin_bytes;
  // The command's working directory, when not empty. Use a temp dir for any
  // command that writes into its current directory.
  std::string cwd;
  // NAME=VALUE pairs set in the command's environment (replacing a variable
  // of the same name), e.g. {{"EDITOR", script}, {"TMPDIR", tmp / "t"}}.
  std::vector<std::pair<std::string, std::string>> env;
};

// A command started but not yet waited for (for concurrent commands).
class Running {
 public:
  Running(const Running&) = delete;
  Running& operator=(const Running&) = delete;
  Running(Running&& other) noexcept;
  ~Running();  // kills and reaps a command nobody waited for

  // Waits (until `deadline`, then SIGKILL) and collects the output.
  CmdResult Wait(std::chrono::steady_clock::duration deadline = kLiveness);
  // What it wrote to stdout so far (for commands that run until stopped).
  std::string StdoutSoFar() const;
  // Ctrl-C (SIGINT), then Wait().
  CmdResult Interrupt();

 private:
  friend Running Spawn(std::vector<std::string> argv, CmdOptions opts);
  Running() = default;
  void JoinFeeder();
  std::vector<std::string> argv_;
  pid_t pid_ = -1;
  int out_fd_ = -1;  // memfds the child wrote into: no pipe to drain, no deadlock
  int err_fd_ = -1;
  std::thread feeder_;  // writes CmdOptions::stdin_bytes; ends when the child exits at the latest
};

// Starts argv[0] (an absolute path) with stdin on /dev/null, stdout and
// stderr captured, and an environment without PRAXIS_HOME/XDG_DATA_HOME so
// that no test can reach a real user's node by accident; `opts` may give
// stdin bytes, a working directory and environment variables instead.
// (RunCommand, not Run: inside a TEST body, ::testing::Test::Run would hide a
// plain Run.)
Running Spawn(std::vector<std::string> argv, CmdOptions opts = {});
CmdResult RunCommand(std::vector<std::string> argv,
                     std::chrono::steady_clock::duration deadline = kLiveness);
CmdResult RunCommand(std::vector<std::string> argv, CmdOptions opts,
                     std::chrono::steady_clock::duration deadline = kLiveness);

// `praxis ARGS...` (the built binary).
CmdResult Praxis(std::vector<std::string> args, CmdOptions opts = {});

using testutil::TempDir;

// One praxisd process on a data directory. The object can start it, stop it
// (SIGTERM) or kill it (SIGKILL), and start it again on the same directory.
class Daemon {
 public:
  // stderr (and stdout, where spdlog writes) go to files named after
  // `log_prefix`: LOG.stderr and LOG.stdout, appended to across restarts.
  Daemon(std::string data_dir, std::string log_prefix);
  ~Daemon();  // kills a daemon still running
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Spawns praxisd --data-dir DIR --listen 127.0.0.1:0 EXTRA_ARGS... (see
  // set_launch) and
  // polls `praxis --data-dir DIR status --json` until it answers (kLiveness).
  // Fails at once, with the daemon's stderr, if the daemon exits instead.
  // EXTRA_ARGS are for this start only (e.g. {"--import-identity", FILE,
  // "--passphrase-file", PF}); a later Start() without them runs plain.
  ::testing::AssertionResult Start(std::vector<std::string> extra_args = {});
  // Spawns only; for daemons expected to refuse to start.
  void Spawn(std::vector<std::string> extra_args = {});
  // Waits for the daemon to exit on its own; its exit code (see CmdResult),
  // or nullopt if it was still running at the deadline.
  std::optional<int> WaitExit(std::chrono::steady_clock::duration deadline = kLiveness);
  // SIGTERM, then waits: passes when it exited 0 within kLiveness.
  ::testing::AssertionResult Stop();
  // SIGKILL and reap: a crash, as far as the node can tell.
  void Kill9();

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  const std::string& data_dir() const { return data_dir_; }
  std::string Stderr() const;  // everything it wrote to stderr, all runs
  std::string Stdout() const;

  // `praxis --data-dir DIR ARGS...`
  CmdResult Praxis(std::vector<std::string> args, CmdOptions opts = {}) const;
  // NAME=VALUE pairs set in the environment of later starts (NOTIFY_SOCKET).
  void set_env(std::vector<std::pair<std::string, std::string>> env) { env_ = std::move(env); }
  // Later starts run `WRAPPER... praxisd --data-dir DIR --listen LISTEN`
  // (no --listen when LISTEN is empty): e.g. {"ip", "netns", "exec", NS} and
  // "0.0.0.0:7420" for a host in a network namespace. The wrapper must exec
  // praxisd in place, so that signals reach the daemon itself.
  void set_launch(std::vector<std::string> wrapper, std::string listen) {
    wrapper_ = std::move(wrapper);
    listen_ = std::move(listen);
  }

 private:
  std::vector<std::pair<std::string, std::string>> env_;
  std::vector<std::string> wrapper_;
  std::string listen_ = "127.0.0.1:0";
  std::string data_dir_;
  std::string log_prefix_;
  pid_t pid_ = -1;
  int pidfd_ = -1;
};

// The usual arrangement: a temp dir holding the data dir (DIR/node) and the
// daemon's logs. Prints the daemon's logs when the test failed.
class TestNode {
 public:
  TestNode();
  ~TestNode();

  ::testing::AssertionResult Start(std::vector<std::string> extra_args = {}) {
    return daemon_.Start(std::move(extra_args));
  }
  ::testing::AssertionResult Stop() { return daemon_.Stop(); }
  void Kill9() { daemon_.Kill9(); }

  Daemon& daemon() { return daemon_; }
  const TempDir& tmp() const { return tmp_; }
  const std::string& data_dir() const { return daemon_.data_dir(); }
  CmdResult Praxis(std::vector<std::string> args, CmdOptions opts = {}) const {
    return daemon_.Praxis(std::move(args), std::move(opts));
  }

  // Shortcuts that ASSERT-fail the test (via ADD_FAILURE + empty result)
  // when the command does not succeed; each returns the parsed --json output.
  Json JsonOf(std::vector<std::string> args) const;
  std::string Member() const;  // status --json .member
  std::string CreateGroup(const std::string& name, std::vector<std::string> extra = {}) const;
  // share PATH|--text ... --json: the whole reply {announcement, root, size}.
  Json ShareFile(const std::string& path, const std::string& group,
                 std::vector<std::string> extra = {}) const;
  Json ShareText(const std::string& text, const std::string& group,
                 std::vector<std::string> extra = {}) const;

 private:
  TempDir tmp_;
  Daemon daemon_;
};

// The writing end of a FIFO that a command reads as its "file": content of
// unknown size, delivered when the test says so. Every wait is bounded by
// kLiveness.
class FifoWriter {
 public:
  FifoWriter() = default;
  ~FifoWriter() { Close(); }
  FifoWriter(const FifoWriter&) = delete;
  FifoWriter& operator=(const FifoWriter&) = delete;

  // Waits for a reader to open `path`, then opens it for writing.
  ::testing::AssertionResult Open(const std::string& path);
  ::testing::AssertionResult Write(std::string_view bytes);
  void Close();  // the reader sees end of file

 private:
  int fd_ = -1;
};
// Open, write all of `bytes`, close.
::testing::AssertionResult WriteToFifo(const std::string& path, std::string_view bytes);

// Helpers on files and ids.
// Polls `cond` (every 50 ms) until it holds or the liveness deadline passes.
bool Eventually(const std::function<bool()>& cond);

std::string RandomBytes(std::size_t n, std::uint64_t seed);  // deterministic, incompressible
void WriteFile(const std::string& path, const std::string& bytes);
std::string ReadFile(const std::string& path);  // "" when missing
bool Exists(const std::string& path);
unsigned FileMode(const std::string& path);                // st_mode & 07777, or ~0u when missing
std::vector<std::string> ListDir(const std::string& dir);  // sorted names
// GET http://HOST:PORT/PATH over loopback: status code and body, or nullopt
// when nothing answers.
// The address the daemon logged for its metrics endpoint ("" if none).
std::string MetricsAddress(const TestNode& n);
// One sample's value from Prometheus text (series with its labels, as
// printed), or -1 when absent.
double Sample(const std::string& text, const std::string& series);

std::optional<std::pair<int, std::string>> HttpGet(const std::string& host_port,
                                                   const std::string& path);
// One HTTP/1.1 exchange over loopback with any method, headers and body.
// `headers` replace the defaults of the same name (Host: HOST:PORT);
// a header given with an empty value is left out.
struct HttpReply {
  int status = 0;
  std::string head;  // status line and headers, as sent
  std::string body;
  // The body parsed as JSON (null when it is not JSON).
  Json JsonBody() const;
};
std::optional<HttpReply> HttpCall(const std::string& host_port, const std::string& method,
                                  const std::string& path,
                                  std::vector<std::pair<std::string, std::string>> headers = {},
                                  const std::string& body = "");
bool IsHexId(const Json& v);                               // a string of 64 lowercase hex digits
bool IsHexId(const std::string& s);

}  // namespace praxis::process_test
