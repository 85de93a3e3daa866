#include "harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <thread>

extern char** environ;

namespace praxis::process_test {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// A reader that went away must show up as EPIPE in the test, not kill it.
[[maybe_unused]] const bool kIgnoreSigpipe = [] {
  ::signal(SIGPIPE, SIG_IGN);
  return true;
}();

int ExitCodeOf(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string ReadAllFd(int fd) {
  std::string out;
  char buf[65536];
  off_t off = 0;
  for (;;) {
    const ssize_t n = ::pread(fd, buf, sizeof buf, off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    off += n;
  }
  return out;
}

int MemFd(const char* name) {
  const int fd = ::memfd_create(name, MFD_CLOEXEC);
  if (fd < 0) {
    std::perror("memfd_create");
    std::abort();
  }
  return fd;
}

// A descriptor that becomes readable when `pid` exits, or -1 (old kernels):
// callers then poll waitpid instead.
int PidFd(pid_t pid) {
#ifdef SYS_pidfd_open
  const long fd = ::syscall(SYS_pidfd_open, pid, 0);
  if (fd >= 0) {
    ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
    return static_cast<int>(fd);
  }
#endif
  return -1;
}

// Waits until `pid` exits or `timeout` passes; returns its exit code, or
// nullopt on timeout. Reaps the child when it returns a value.
std::optional<int> WaitPid(pid_t pid, int pidfd, Clock::duration timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return ExitCodeOf(status);
    if (r < 0 && errno != EINTR) return -1;  // not our child any more
    const auto left = deadline - Clock::now();
    if (left <= Clock::duration::zero()) return std::nullopt;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(left).count() + 1;
    if (pidfd >= 0) {
      pollfd p{.fd = pidfd, .events = POLLIN, .revents = 0};
      ::poll(&p, 1, static_cast<int>(std::min<long long>(ms, 1000)));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min<long long>(ms, 2)));
    }
  }
}

// The environment for children: ours, minus what could point `praxis` or
// `praxisd` at a real user's data directory.
// `overrides` are NAME=VALUE pairs set on top (replacing a variable of the
// same name).
std::vector<std::string> ChildEnv(
    const std::vector<std::pair<std::string, std::string>>& overrides = {}) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view kv(*e);
    if (kv.starts_with("PRAXIS_HOME=") || kv.starts_with("XDG_DATA_HOME=")) continue;
    const bool overridden = std::any_of(overrides.begin(), overrides.end(), [&](const auto& o) {
      return kv.starts_with(o.first + "=");
    });
    if (!overridden) env.emplace_back(kv);
  }
  for (const auto& [name, value] : overrides) env.push_back(name + "=" + value);
  return env;
}

std::vector<char*> CStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// posix_spawn with stdout/stderr as given; stdin from `in_fd`, or /dev/null
// when it is -1; the working directory and environment as `opts` says
// (opts.stdin_bytes is the caller's business: it passes `in_fd`).
pid_t SpawnWith(std::vector<std::string> argv, int out_fd, const std::string* out_path, int err_fd,
                const std::string* err_path, int in_fd = -1, const CmdOptions& opts = {}) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (in_fd >= 0) {
    posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
  } else {
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  }
  if (!opts.cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, opts.cwd.c_str());
  if (out_path) {
    posix_spawn_file_actions_addopen(&fa, 1, out_path->c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                     0644);
  } else {
    posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
  }
  if (err_path) {
    posix_spawn_file_actions_addopen(&fa, 2, err_path->c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                     0644);
  } else {
    posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
  }
  std::vector<std::string> env = ChildEnv(opts.env);
  std::vector<char*> cargv = CStrings(argv);
  std::vector<char*> cenv = CStrings(env);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, cargv[0], &fa, nullptr, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    ADD_FAILURE() << "cannot start " << argv[0] << ": " << std::strerror(rc);
    return -1;
  }
  return pid;
}

std::string Joined(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

}  // namespace

// --- CmdResult ---------------------------------------------------------------

Json CmdResult::JsonOut() const { return Json::parse(out); }

std::vector<std::string> CmdResult::ErrLines() const {
  std::vector<std::string> lines;
  std::istringstream in(err);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

std::ostream& operator<<(std::ostream& os, const CmdResult& r) {
  return os << "\n$ " << Joined(r.argv) << "\nexit: " << r.exit_code << "\nstdout: <<<"
            << r.out.substr(0, 4000) << ">>>\nstderr: <<<" << r.err.substr(0, 4000) << ">>>";
}

::testing::AssertionResult FailedWithOneLine(const CmdResult& r) {
  if (r.exit_code == 0) return ::testing::AssertionFailure() << "succeeded but should fail" << r;
  if (r.exit_code < 0 || r.exit_code >= 128)
    return ::testing::AssertionFailure() << "hung or crashed instead of failing" << r;
  const auto lines = r.ErrLines();
  if (lines.size() != 1 || r.err.back() != '\n')
    return ::testing::AssertionFailure()
           << "stderr holds " << lines.size() << " non-empty lines, want exactly one" << r;
  if (!r.out.empty())
    return ::testing::AssertionFailure() << "printed on stdout while failing" << r;
  return ::testing::AssertionSuccess();
}

// --- Running commands ----------------------------------------------------------

Running::Running(Running&& other) noexcept
    : argv_(std::move(other.argv_)),
      pid_(std::exchange(other.pid_, -1)),
      out_fd_(std::exchange(other.out_fd_, -1)),
      err_fd_(std::exchange(other.err_fd_, -1)),
      feeder_(std::move(other.feeder_)) {}

Running::~Running() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  JoinFeeder();
  if (out_fd_ >= 0) ::close(out_fd_);
  if (err_fd_ >= 0) ::close(err_fd_);
}

// The feeder ends once it wrote everything or the child's end of the pipe is
// gone (EPIPE): after the child exited, joining cannot block for long.
void Running::JoinFeeder() {
  if (feeder_.joinable()) feeder_.join();
}

CmdResult Running::Wait(Clock::duration deadline) {
  CmdResult r;
  r.argv = argv_;
  if (pid_ <= 0) return r;
  const int pidfd = PidFd(pid_);
  std::optional<int> code = WaitPid(pid_, pidfd, deadline);
  if (!code) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    ADD_FAILURE() << "command still running after its deadline, killed: " << Joined(argv_);
  }
  if (pidfd >= 0) ::close(pidfd);
  pid_ = -1;
  JoinFeeder();
  r.exit_code = code.value_or(-1);
  r.out = ReadAllFd(out_fd_);
  r.err = ReadAllFd(err_fd_);
  return r;
}

std::string Running::StdoutSoFar() const { return out_fd_ >= 0 ? ReadAllFd(out_fd_) : ""; }

CmdResult Running::Interrupt() {
  if (pid_ > 0) ::kill(pid_, SIGINT);
  return Wait();
}

Running Spawn(std::vector<std::string> argv, CmdOptions opts) {
  Running r;
  r.argv_ = argv;
  r.out_fd_ = MemFd("stdout");
  r.err_fd_ = MemFd("stderr");
  if (!opts.stdin_bytes) {
    r.pid_ = SpawnWith(std::move(argv), r.out_fd_, nullptr, r.err_fd_, nullptr, -1, opts);
    return r;
  }
  // A real pipe, as a shell gives it: no size known up front, no seeking.
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2: " << std::strerror(errno);
    return r;
  }
  r.pid_ = SpawnWith(std::move(argv), r.out_fd_, nullptr, r.err_fd_, nullptr, p[0], opts);
  ::close(p[0]);
  r.feeder_ = std::thread([fd = p[1], bytes = std::move(*opts.stdin_bytes)] {
    std::string_view left = bytes;
    while (!left.empty()) {
      const ssize_t n = ::write(fd, left.data(), left.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // EPIPE: the command stopped reading; it will say so
      left.remove_prefix(static_cast<std::size_t>(n));
    }
    ::close(fd);
  });
  return r;
}

CmdResult RunCommand(std::vector<std::string> argv, Clock::duration deadline) {
  return Spawn(std::move(argv)).Wait(deadline);
}

CmdResult RunCommand(std::vector<std::string> argv, CmdOptions opts, Clock::duration deadline) {
  return Spawn(std::move(argv), std::move(opts)).Wait(deadline);
}

CmdResult Praxis(std::vector<std::string> args, CmdOptions opts) {
  args.insert(args.begin(), PRAXIS_BIN);
  return RunCommand(std::move(args), std::move(opts));
}

// --- Daemon ------------------------------------------------------------------------

Daemon::Daemon(std::string data_dir, std::string log_prefix)
    : data_dir_(std::move(data_dir)), log_prefix_(std::move(log_prefix)) {}

Daemon::~Daemon() {
  if (pid_ > 0) Kill9();
}

void Daemon::Spawn(std::vector<std::string> extra_args) {
  if (pid_ > 0) {
    ADD_FAILURE() << "praxisd already running as pid " << pid_;
    return;
  }
  const std::string out = log_prefix_ + ".stdout";
  const std::string err = log_prefix_ + ".stderr";
  std::vector<std::string> argv = wrapper_;
  argv.insert(argv.end(), {PRAXISD_BIN, "--data-dir", data_dir_});
  if (!listen_.empty()) argv.insert(argv.end(), {"--listen", listen_});
  // Tests never take the default web port: two suites may run at once.
  if (std::find(extra_args.begin(), extra_args.end(), "--http") == extra_args.end())
    argv.insert(argv.end(), {"--http", "127.0.0.1:0"});
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  CmdOptions opts;
  opts.env = env_;
  pid_ = SpawnWith(std::move(argv), -1, &out, -1, &err, -1, opts);
  pidfd_ = pid_ > 0 ? PidFd(pid_) : -1;
}

std::optional<int> Daemon::WaitExit(Clock::duration deadline) {
  if (pid_ <= 0) return std::nullopt;
  std::optional<int> code = WaitPid(pid_, pidfd_, deadline);
  if (code) {
    pid_ = -1;
    if (pidfd_ >= 0) ::close(pidfd_);
    pidfd_ = -1;
  }
  return code;
}

::testing::AssertionResult Daemon::Start(std::vector<std::string> extra_args) {
  Spawn(std::move(extra_args));
  if (pid_ <= 0) return ::testing::AssertionFailure() << "praxisd did not start";
  const auto deadline = Clock::now() + kLiveness;
  CmdResult last;
  for (;;) {
    last = Praxis({"status", "--json"});
    if (last.ok()) {
      try {
        (void)last.JsonOut();
        return ::testing::AssertionSuccess();
      } catch (const std::exception& e) {
        return ::testing::AssertionFailure() << "status --json is not JSON: " << e.what() << last;
      }
    }
    if (Clock::now() >= deadline) break;
    // A short wait on the daemon's exit, not a sleep: an early exit ends it.
    if (auto code = WaitExit(std::chrono::milliseconds(10))) {
      return ::testing::AssertionFailure()
             << "praxisd exited with " << *code << " while starting; stderr:\n"
             << Stderr();
    }
  }
  return ::testing::AssertionFailure()
         << "praxisd did not answer `status` within " << kLiveness.count()
         << " s; last attempt:" << last << "\npraxisd stderr:\n"
         << Stderr();
}

::testing::AssertionResult Daemon::Stop() {
  if (pid_ <= 0) return ::testing::AssertionFailure() << "praxisd is not running";
  const pid_t pid = pid_;
  ::kill(pid, SIGTERM);
  std::optional<int> code = WaitExit();
  if (!code) {
    Kill9();
    return ::testing::AssertionFailure() << "praxisd (pid " << pid << ") still running "
                                         << kLiveness.count() << " s after SIGTERM; killed";
  }
  if (*code != 0)
    return ::testing::AssertionFailure()
           << "praxisd exited with " << *code << " after SIGTERM; stderr:\n"
           << Stderr();
  return ::testing::AssertionSuccess();
}

void Daemon::Kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
  if (pidfd_ >= 0) ::close(pidfd_);
  pidfd_ = -1;
}

std::string Daemon::Stderr() const { return ReadFile(log_prefix_ + ".stderr"); }
std::string Daemon::Stdout() const { return ReadFile(log_prefix_ + ".stdout"); }

CmdResult Daemon::Praxis(std::vector<std::string> args, CmdOptions opts) const {
  args.insert(args.begin(), {"--data-dir", data_dir_});
  return process_test::Praxis(std::move(args), std::move(opts));
}

// --- TestNode ----------------------------------------------------------------------

TestNode::TestNode() : daemon_(tmp_ / "node", tmp_ / "praxisd") {}

TestNode::~TestNode() {
  if (::testing::Test::HasFailure()) {
    std::cerr << "---- praxisd stderr (" << data_dir() << ") ----\n"
              << daemon_.Stderr() << "---- praxisd stdout ----\n"
              << daemon_.Stdout().substr(0, 8000) << "----\n";
  }
}

Json TestNode::JsonOf(std::vector<std::string> args) const {
  args.push_back("--json");
  CmdResult r = Praxis(std::move(args));
  if (!r.ok()) {
    ADD_FAILURE() << "command failed" << r;
    return Json();
  }
  try {
    return r.JsonOut();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not one JSON document: " << e.what() << r;
    return Json();
  }
}

std::string TestNode::Member() const {
  Json s = JsonOf({"status"});
  return s.is_object() && s["member"].is_string() ? s["member"].get<std::string>() : "";
}

std::string TestNode::CreateGroup(const std::string& name, std::vector<std::string> extra) const {
  std::vector<std::string> args = {"group", "create", name};
  args.insert(args.end(), extra.begin(), extra.end());
  Json g = JsonOf(std::move(args));
  return g.is_object() && g["group"].is_string() ? g["group"].get<std::string>() : "";
}

Json TestNode::ShareFile(const std::string& path, const std::string& group,
                         std::vector<std::string> extra) const {
  std::vector<std::string> args = {"share", path, "--group", group};
  args.insert(args.end(), extra.begin(), extra.end());
  return JsonOf(std::move(args));
}

Json TestNode::ShareText(const std::string& text, const std::string& group,
                         std::vector<std::string> extra) const {
  std::vector<std::string> args = {"share", "--text", text, "--group", group};
  args.insert(args.end(), extra.begin(), extra.end());
  return JsonOf(std::move(args));
}

// --- FifoWriter ---------------------------------------------------------------------

::testing::AssertionResult FifoWriter::Open(const std::string& path) {
  Close();
  const auto deadline = Clock::now() + kLiveness;
  for (;;) {
    // Non-blocking: ENXIO until the reader has opened its end.
    fd_ = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd_ >= 0) return ::testing::AssertionSuccess();
    if (errno != ENXIO && errno != EINTR)
      return ::testing::AssertionFailure()
             << "cannot open " << path << ": " << std::strerror(errno);
    if (Clock::now() > deadline)
      return ::testing::AssertionFailure() << "nobody opened " << path << " for reading";
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

::testing::AssertionResult FifoWriter::Write(std::string_view bytes) {
  const auto deadline = Clock::now() + kLiveness;
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR)
      return ::testing::AssertionFailure() << "writing the FIFO: " << std::strerror(errno);
    const auto left = deadline - Clock::now();
    if (left <= Clock::duration::zero())
      return ::testing::AssertionFailure() << "the reader stopped reading the FIFO";
    pollfd p{.fd = fd_, .events = POLLOUT, .revents = 0};
    ::poll(&p, 1, 100);
  }
  return ::testing::AssertionSuccess();
}

void FifoWriter::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

::testing::AssertionResult WriteToFifo(const std::string& path, std::string_view bytes) {
  FifoWriter w;
  if (auto r = w.Open(path); !r) return r;
  return w.Write(bytes);
}

// --- files and ids -----------------------------------------------------------------

std::string RandomBytes(std::size_t n, std::uint64_t seed) {
  std::string out(n, '\0');
  std::uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (std::size_t i = 0; i < n; i += 8) {
    // splitmix64
    x += 0x9E3779B97F4A7C15ull;
    std::uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    std::memcpy(out.data() + i, &z, std::min<std::size_t>(8, n - i));
  }
  return out;
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  f.close();
  if (!f) ADD_FAILURE() << "cannot write " << path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool Exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

unsigned FileMode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return ~0u;
  return st.st_mode & 07777;
}

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

bool IsHexId(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool IsHexId(const Json& v) { return v.is_string() && IsHexId(v.get<std::string>()); }

bool Eventually(const std::function<bool()>& cond) {
  const auto deadline = Clock::now() + kLiveness;
  while (Clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return cond();
}

std::string MetricsAddress(const TestNode& n) {
  std::smatch m;
  const std::string out = const_cast<TestNode&>(n).daemon().Stdout();
  static const std::regex kLine(R"(metrics on http://([0-9.]+:[0-9]+)/metrics)");
  return std::regex_search(out, m, kLine) ? m[1].str() : "";
}

double Sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.starts_with(series + " ")) return std::stod(line.substr(series.size() + 1));
  return -1;
}

std::optional<std::pair<int, std::string>> HttpGet(const std::string& host_port,
                                                   const std::string& path) {
  auto r = HttpCall(host_port, "GET", path);
  if (!r) return std::nullopt;
  return std::make_pair(r->status, r->body);
}

Json HttpReply::JsonBody() const {
  return Json::parse(body, nullptr, /*allow_exceptions=*/false);
}

std::optional<HttpReply> HttpCall(const std::string& host_port, const std::string& method,
                                  const std::string& path,
                                  std::vector<std::pair<std::string, std::string>> headers,
                                  const std::string& body) {
  const auto colon = host_port.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(std::stoi(host_port.substr(colon + 1))));
  std::string host = host_port.substr(0, colon);
  if (host == "0.0.0.0") host = "127.0.0.1";  // a wildcard bind is reached on loopback
  if (::inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1) return std::nullopt;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  timeval tv{.tv_sec = 10, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  std::vector<std::pair<std::string, std::string>> all = {{"Host", host_port},
                                                          {"Connection", "close"}};
  if (!body.empty() || method == "POST")
    all.emplace_back("Content-Length", std::to_string(body.size()));
  for (auto& [k, v] : headers) {
    auto same = std::find_if(all.begin(), all.end(), [&](const auto& h) { return h.first == k; });
    if (same != all.end())
      same->second = v;
    else
      all.emplace_back(k, v);
  }
  std::string req = method + " " + path + " HTTP/1.1\r\n";
  for (const auto& [k, v] : all)
    if (!v.empty()) req += k + ": " + v + "\r\n";
  req += "\r\n" + body;
  if (::write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return std::nullopt;
  }
  std::string resp;
  char buf[65536];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) resp.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  const auto sp = resp.find(' ');
  const auto end = resp.find("\r\n\r\n");
  if (sp == std::string::npos || end == std::string::npos) return std::nullopt;
  return HttpReply{.status = std::atoi(resp.c_str() + sp + 1),
                   .head = resp.substr(0, end),
                   .body = resp.substr(end + 4)};
}

}  // namespace praxis::process_test
