// Interop of praxis's Noise_XX_25519_ChaChaPoly_BLAKE2b with an independent
// implementation: the noise-protocol package from npm (emilbayes), run by
// tests/interop/noise_peer.js under node and driven over stdin/stdout pipes.
// Published vectors (noise_test.cc) pin each primitive; this checks that a
// live handshake and transport agree with code we did not write.
//
// The test installs the pinned package (tests/interop/package.json) into the
// build directory on first use; that install is its only network traffic, to
// the npm registry. Without node or npm, or if the install fails, every test
// here skips with a one-line reason.
//
// Not covered: XXpsk0. noise-protocol 3.x has no psk token (its README lists
// PSK patterns as unsupported), so only plain XX can be checked against it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "praxis/net/noise.h"

extern char** environ;

namespace praxis::net {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Generous: a cold node start plus the largest message is well under a second,
// but CI machines are shared and slow.
constexpr auto kReplyTimeout = std::chrono::seconds(60);
// npm's own retries are capped by flags below; this bounds a hung registry.
constexpr auto kInstallTimeout = std::chrono::seconds(300);

constexpr std::string_view kPrologue = "praxis/1 interop-network-key";

// ------------------------------------------------------------ child processes

std::optional<fs::path> FindInPath(std::string_view name) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return std::nullopt;
  std::stringstream dirs(path);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    fs::path candidate = fs::path(dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0 && !fs::is_directory(candidate)) return candidate;
  }
  return std::nullopt;
}

// A child in its own process group with pipes on stdin, stdout and stderr
// (stderr merged into stdout if asked). Killed and reaped on destruction, so
// a failed assertion never leaves a node process behind.
class Child {
 public:
  static std::unique_ptr<Child> Spawn(const std::vector<std::string>& argv, bool merge_stderr,
                                      std::string* error) {
    int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 ||
        ::pipe2(err, O_CLOEXEC) != 0) {
      *error = std::string("pipe2: ") + std::strerror(errno);
      for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) {
        if (fd >= 0) ::close(fd);
      }
      return nullptr;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, merge_stderr ? out[1] : err[1], 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    std::vector<char*> cargv;
    for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, cargv[0], &fa, &attr, cargv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    for (int fd : {in[0], out[1], err[1]}) ::close(fd);
    if (rc != 0) {
      for (int fd : {in[1], out[0], err[0]}) ::close(fd);
      *error = "cannot start " + argv[0] + ": " + std::strerror(rc);
      return nullptr;
    }
    // Our ends never block: every wait goes through poll() with a deadline.
    for (int fd : {in[1], out[0], err[0]}) ::fcntl(fd, F_SETFL, O_NONBLOCK);
    return std::unique_ptr<Child>(new Child(pid, in[1], out[0], err[0]));
  }

  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    CloseStdin();
    for (int fd : {out_, err_}) ::close(fd);
    if (pid_ > 0) {
      ::kill(-pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }

  // Writes all of `data`; false on a deadline or a child that stopped reading.
  bool Write(std::string_view data, Clock::time_point deadline) {
    // A dead reader must be an EPIPE here, not a SIGPIPE that ends the test
    // binary: block the signal for this thread and consume any it raised.
    sigset_t pipe_set, old;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    bool ok = true;
    while (ok && !data.empty()) {
      const ssize_t n = ::write(in_, data.data(), data.size());
      if (n > 0) {
        data.remove_prefix(static_cast<std::size_t>(n));
      } else if (n < 0 && errno == EAGAIN) {
        ok = WaitFor(in_, POLLOUT, deadline);
      } else if (!(n < 0 && errno == EINTR)) {
        ok = false;
      }
    }
    const timespec zero{};
    while (sigtimedwait(&pipe_set, nullptr, &zero) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return ok;
  }

  void CloseStdin() {
    if (in_ >= 0) ::close(in_);
    in_ = -1;
  }

  // The next line of stdout without its '\n'; nullopt on EOF or the deadline.
  std::optional<std::string> ReadLine(Clock::time_point deadline) {
    for (;;) {
      if (auto nl = stdout_.find('\n'); nl != std::string::npos) {
        std::string line = stdout_.substr(0, nl);
        stdout_.erase(0, nl + 1);
        return line;
      }
      if (!Pump(deadline)) return std::nullopt;
    }
  }

  // Reads stdout to EOF and reaps the child; its exit code, or nullopt on the
  // deadline (the child is then killed by the destructor).
  std::optional<int> Finish(Clock::time_point deadline) {
    CloseStdin();
    while (Pump(deadline)) {
    }
    if (!out_eof_) return std::nullopt;
    int status = 0;
    if (::waitpid(pid_, &status, 0) != pid_) return std::nullopt;
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  const std::string& stdout_text() const { return stdout_; }
  const std::string& stderr_text() const { return stderr_; }

 private:
  Child(pid_t pid, int in, int out, int err) : pid_(pid), in_(in), out_(out), err_(err) {}

  static bool WaitFor(int fd, short events, Clock::time_point deadline) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{.fd = fd, .events = events, .revents = 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    return ready > 0 || (ready < 0 && errno == EINTR);
  }

  // Moves whatever stdout and stderr have into the buffers, waiting until
  // stdout has something. False on stdout EOF or the deadline.
  bool Pump(Clock::time_point deadline) {
    while (!out_eof_) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      pollfd p[2] = {{.fd = out_, .events = POLLIN, .revents = 0},
                     {.fd = err_eof_ ? -1 : err_, .events = POLLIN, .revents = 0}};
      if (::poll(p, 2, static_cast<int>(left.count())) < 0 && errno != EINTR) return false;
      if (p[1].revents != 0) Drain(err_, stderr_, err_eof_);
      if (p[0].revents != 0 && Drain(out_, stdout_, out_eof_)) return true;
    }
    return false;
  }

  // Appends what `fd` has now; true if it gave any bytes.
  static bool Drain(int fd, std::string& to, bool& eof) {
    bool got = false;
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0) {
        to.append(buf, static_cast<std::size_t>(n));
        got = true;
      } else if (n == 0) {
        eof = true;
        return got;
      } else if (errno != EINTR) {
        return got;  // EAGAIN: nothing more for now
      }
    }
  }

  pid_t pid_;
  int in_, out_, err_;
  std::string stdout_, stderr_;
  bool out_eof_ = false, err_eof_ = false;
};

// ------------------------------------------------------------ the npm package

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// npm's first error line names the cause ("npm error code ECONNREFUSED"); its
// last one only points to a log file.
std::string NpmErrorLine(const std::string& output) {
  std::stringstream lines(output);
  std::string last;
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("npm error") || line.starts_with("npm ERR!")) return line;
    if (!line.empty()) last = line;
  }
  return last;
}

struct Environment {
  fs::path node_modules;  // holds noise-protocol, when skip is empty
  std::string skip;       // why the interop tests cannot run here
};

// Installs tests/interop/package.json's pin under the build directory unless
// that exact pin is installed already. CTest runs tests in parallel processes,
// so an flock serialises the install; a stamp written after a successful npm
// run marks it complete (an interrupted install leaves none).
Environment Install() {
  if (!FindInPath("node")) return {.skip = "node is not in PATH; install Node.js to run it"};
  if (!FindInPath("npm")) return {.skip = "npm is not in PATH; install npm to run it"};
  const fs::path source = fs::path(PRAXIS_INTEROP_DIR) / "package.json";
  const fs::path dir = PRAXIS_INTEROP_NPM_DIR;
  const std::string want = ReadFile(source);
  if (want.empty()) return {.skip = "cannot read " + source.string()};
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return {.skip = "cannot create " + dir.string() + ": " + ec.message()};

  const int lock = ::open((dir / "install.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock < 0 || ::flock(lock, LOCK_EX) != 0) {
    if (lock >= 0) ::close(lock);
    return {.skip = "cannot lock " + (dir / "install.lock").string()};
  }
  struct Unlock {
    int fd;
    ~Unlock() { ::close(fd); }
  } unlock{lock};

  Environment env{.node_modules = dir / "node_modules"};
  const fs::path stamp = dir / "installed-package.json";
  if (ReadFile(stamp) == want && fs::is_directory(env.node_modules / "noise-protocol")) return env;

  fs::remove(stamp, ec);
  std::ofstream(dir / "package.json", std::ios::binary | std::ios::trunc) << want;
  // --ignore-scripts: the install may reach the npm registry and nothing else
  // (an install script could fetch headers or binaries elsewhere); the
  // package's native dependency ships prebuilt binaries, so none is needed.
  std::string error;
  auto npm = Child::Spawn({"npm", "install", "--prefix", dir.string(), "--no-audit", "--no-fund",
                           "--no-update-notifier", "--ignore-scripts", "--fetch-retries=1",
                           "--fetch-timeout=60000", "--loglevel=error"},
                          /*merge_stderr=*/true, &error);
  if (!npm) return {.skip = "npm install failed: " + error};
  auto code = npm->Finish(Clock::now() + kInstallTimeout);
  if (!code) return {.skip = "npm install of noise-protocol timed out"};
  if (*code != 0) {
    return {.skip = "npm install of noise-protocol failed (exit " + std::to_string(*code) +
                    "): " + NpmErrorLine(npm->stdout_text())};
  }
  std::ofstream(stamp, std::ios::binary | std::ios::trunc) << want;
  return env;
}

// ------------------------------------------------------------ the JS peer

// One reply of noise_peer.js: its first word and the fields after it, hex
// decoded (for "error": the reason, as text).
struct Reply {
  std::string kind;
  std::vector<std::string> fields;
};

class JsPeer {
 public:
  // Starts the peer; nullptr with `why` set if it did not report ready.
  // `unavailable` tells a package that does not load from a broken peer.
  static std::unique_ptr<JsPeer> Start(const fs::path& node_modules, bool* unavailable,
                                       std::string* why) {
    *unavailable = false;
    const std::string script = (fs::path(PRAXIS_INTEROP_DIR) / "noise_peer.js").string();
    auto child = Child::Spawn({"node", script, node_modules.string()}, false, why);
    if (!child) return nullptr;
    auto line = child->ReadLine(Clock::now() + kReplyTimeout);
    if (line && line->starts_with("ready ")) {
      return std::unique_ptr<JsPeer>(new JsPeer(std::move(child)));
    }
    constexpr std::string_view kUnavailable = "unavailable ";
    *unavailable = line && line->starts_with(kUnavailable);
    if (*unavailable) {
      *why = line->substr(kUnavailable.size()) + " (delete " + node_modules.parent_path().string() +
             " to reinstall)";
    } else {
      *why = line ? *line : "no startup line; stderr:\n" + child->stderr_text();
    }
    return nullptr;
  }

  // Sends `command` with `args` hex-encoded; returns the reply. A dead or
  // silent peer is a test failure, reported as kind "lost".
  Reply Call(std::string_view command, const std::vector<std::string_view>& args = {}) {
    if (lost_) return {.kind = "lost"};  // reported once; do not wait again
    std::string line(command);
    for (auto a : args) line += " " + ToHex(a);
    line += "\n";
    const auto deadline = Clock::now() + kReplyTimeout;
    std::optional<std::string> got;
    if (child_->Write(line, deadline)) got = child_->ReadLine(deadline);
    if (!got) {
      ADD_FAILURE() << "noise_peer.js gave no reply to " << command
                    << "; stderr: " << child_->stderr_text();
      lost_ = true;
      return {.kind = "lost"};
    }
    Reply reply;
    std::stringstream words(*got);
    words >> reply.kind;
    if (reply.kind == "error") {
      reply.fields.push_back(got->substr(std::min(got->size(), reply.kind.size() + 1)));
      return reply;
    }
    for (std::string word; words >> word;) {
      auto raw = FromHexString(word);
      EXPECT_TRUE(raw.has_value()) << "bad hex from the peer: " << *got;
      reply.fields.push_back(raw.value_or(""));
    }
    // An empty payload ends the line with a space: its field is "".
    if (!got->empty() && got->back() == ' ') reply.fields.push_back("");
    return reply;
  }

 private:
  explicit JsPeer(std::unique_ptr<Child> child) : child_(std::move(child)) {}
  std::unique_ptr<Child> child_;
  bool lost_ = false;
};

// The one field of a reply of `kind`, or "" after a failure.
std::string Field(const Reply& reply, std::string_view kind) {
  EXPECT_EQ(reply.kind, kind) << (reply.fields.empty() ? "" : reply.fields[0]);
  EXPECT_EQ(reply.fields.size(), 1u);
  return reply.kind == kind && reply.fields.size() == 1 ? reply.fields[0] : "";
}

// Byte strings up to 64 KiB: on a mismatch, say where instead of printing both.
::testing::AssertionResult SameBytes(std::string_view got, std::string_view want) {
  if (got == want) return ::testing::AssertionSuccess();
  std::size_t i = 0;
  while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
  return ::testing::AssertionFailure() << "got " << got.size() << " bytes, want " << want.size()
                                       << "; they differ from byte " << i;
}

// ------------------------------------------------------------ fixtures

// Fixed static keys (any 32 bytes are an X25519 secret), so each side can
// check the other learned the right one. Ephemerals stay random on both
// sides: noise-protocol generates its own for the e token and takes none.
X25519KeyPair CppStatic() { return *X25519KeyPair::FromSecret(std::string(32, '\x11')); }
std::string JsSecret() { return std::string(32, '\x22'); }
X25519KeyPair JsStatic() { return *X25519KeyPair::FromSecret(JsSecret()); }

std::string AllBytes() {
  std::string s(256, '\0');
  for (int i = 0; i < 256; ++i) s[i] = static_cast<char>(i);
  return s;
}

// Transport plaintexts sent each way: empty, text, every byte value, and the
// largest a Noise message can carry.
std::vector<std::string> TransportPlaintexts(std::string_view from) {
  std::string big(kNoiseMaxPlaintext, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 + from.size());
  return {"", std::string("transport message from ") + std::string(from), AllBytes(), big};
}

class NoiseInteropTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    static const Environment installed = Install();
    env_ = &installed;
  }

  void SetUp() override {
    crypto::InitCrypto();
    if (!env_->skip.empty()) GTEST_SKIP() << "noise-protocol interop skipped: " << env_->skip;
    bool unavailable = false;
    std::string why;
    peer_ = JsPeer::Start(env_->node_modules, &unavailable, &why);
    if (unavailable) GTEST_SKIP() << "noise-protocol interop skipped: " << why;
    ASSERT_NE(peer_, nullptr) << "noise_peer.js did not start: " << why;
  }

  // Starts the JS side of a handshake with its fixed static key.
  void InitPeer(NoiseRole role, std::string_view prologue) {
    const std::string command = role == NoiseRole::kInitiator ? "init initiator" : "init responder";
    const Reply r = peer_->Call(command, {prologue, JsStatic().public_key().View(), JsSecret()});
    EXPECT_EQ(r.kind, "ok") << (r.fields.empty() ? "" : r.fields[0]);
  }

  // Runs XX between `cpp` and the peer with a payload in every message; checks
  // each side read the other's payloads and static key and that both hold the
  // same handshake hash. Returns the C++ side's transport.
  std::optional<NoiseTransport> Handshake(NoiseHandshake& cpp, NoiseRole cpp_role) {
    // Message 2 carries every byte value: payloads are bytes, not text.
    const std::string payloads[3] = {"initiator says hello", AllBytes(), "initiator's proof"};
    for (int i = 0; i < 3; ++i) {
      SCOPED_TRACE("handshake message " + std::to_string(i + 1));
      const bool cpp_writes = (i % 2 == 0) == (cpp_role == NoiseRole::kInitiator);
      if (cpp_writes) {
        auto msg = cpp.WriteMessage(payloads[i]);
        EXPECT_TRUE(msg) << msg.error().ToString();
        if (!msg) return std::nullopt;
        EXPECT_EQ(Field(peer_->Call("read", {*msg}), "payload"), payloads[i]);
      } else {
        const std::string msg = Field(peer_->Call("write", {payloads[i]}), "msg");
        auto got = cpp.ReadMessage(msg);
        EXPECT_TRUE(got) << got.error().ToString();
        if (!got) return std::nullopt;
        EXPECT_EQ(*got, payloads[i]);
      }
    }
    EXPECT_TRUE(cpp.Complete());
    const Reply done = peer_->Call("done");
    EXPECT_EQ(done.kind, "done");
    EXPECT_EQ(done.fields.size(), 2u);
    if (done.kind != "done" || done.fields.size() != 2) return std::nullopt;
    EXPECT_EQ(ToHex(done.fields[0]), ToHex(cpp.HandshakeHash()));
    EXPECT_EQ(ToHex(done.fields[1]), ToHex(CppStatic().public_key().View()));
    EXPECT_EQ(ToHex(cpp.RemoteStatic().View()), ToHex(JsStatic().public_key().View()));
    auto transport = cpp.Split();
    EXPECT_TRUE(transport) << transport.error().ToString();
    if (!transport) return std::nullopt;
    return std::move(*transport);
  }

  // Sends every TransportPlaintexts() message each way, alternating.
  void ExchangeTransport(NoiseTransport& cpp) {
    const auto from_cpp = TransportPlaintexts("praxis");
    const auto from_js = TransportPlaintexts("noise-protocol");
    for (std::size_t i = 0; i < from_cpp.size(); ++i) {
      SCOPED_TRACE("transport message " + std::to_string(i + 1));
      auto sealed = cpp.Encrypt(from_cpp[i]);
      ASSERT_TRUE(sealed) << sealed.error().ToString();
      EXPECT_EQ(sealed->size(), from_cpp[i].size() + kNoiseTagSize);
      EXPECT_TRUE(SameBytes(Field(peer_->Call("decrypt", {*sealed}), "plain"), from_cpp[i]));

      const std::string from_peer = Field(peer_->Call("encrypt", {from_js[i]}), "msg");
      EXPECT_EQ(from_peer.size(), from_js[i].size() + kNoiseTagSize);
      auto opened = cpp.Decrypt(from_peer);
      ASSERT_TRUE(opened) << opened.error().ToString();
      EXPECT_TRUE(SameBytes(*opened, from_js[i]));
    }
  }

  static const Environment* env_;
  std::unique_ptr<JsPeer> peer_;
};

const Environment* NoiseInteropTest::env_ = nullptr;

// ------------------------------------------------------------ tests

TEST_F(NoiseInteropTest, CppInitiatorJsResponder) {
  NoiseHandshake cpp(NoiseRole::kInitiator, CppStatic(), kPrologue);
  InitPeer(NoiseRole::kResponder, kPrologue);
  auto transport = Handshake(cpp, NoiseRole::kInitiator);
  ASSERT_TRUE(transport);
  ExchangeTransport(*transport);
}

TEST_F(NoiseInteropTest, JsInitiatorCppResponder) {
  NoiseHandshake cpp(NoiseRole::kResponder, CppStatic(), kPrologue);
  InitPeer(NoiseRole::kInitiator, kPrologue);
  auto transport = Handshake(cpp, NoiseRole::kResponder);
  ASSERT_TRUE(transport);
  ExchangeTransport(*transport);
}

// A flipped bit in the ciphertext or the tag fails the MAC on either side, and
// the rejection leaves the receive nonce alone: the genuine message still
// opens afterwards.
TEST_F(NoiseInteropTest, TamperedTransportMessagesAreRejectedBothWays) {
  NoiseHandshake cpp(NoiseRole::kInitiator, CppStatic(), kPrologue);
  InitPeer(NoiseRole::kResponder, kPrologue);
  auto transport = Handshake(cpp, NoiseRole::kInitiator);
  ASSERT_TRUE(transport);

  const std::string genuine = Field(peer_->Call("encrypt", {"pay 10 to alice"}), "msg");
  ASSERT_EQ(genuine.size(), 15 + kNoiseTagSize);
  for (std::size_t at : {std::size_t{0}, genuine.size() - 1}) {  // ciphertext, tag
    std::string forged = genuine;
    forged[at] = static_cast<char>(forged[at] ^ 0x01);
    auto got = transport->Decrypt(forged);
    ASSERT_FALSE(got) << "forged byte " << at << " accepted";
    EXPECT_EQ(got.error().code(), Code::kProtocol);
  }
  auto got = transport->Decrypt(genuine);
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(*got, "pay 10 to alice");

  auto sealed = transport->Encrypt("pay 20 to bob");
  ASSERT_TRUE(sealed);
  for (std::size_t at : {std::size_t{0}, sealed->size() - 1}) {
    std::string forged = *sealed;
    forged[at] = static_cast<char>(forged[at] ^ 0x01);
    EXPECT_EQ(peer_->Call("decrypt", {forged}).kind, "error") << "forged byte " << at;
  }
  EXPECT_EQ(Field(peer_->Call("decrypt", {*sealed}), "plain"), "pay 20 to bob");
}

// The prologue (praxis: the network key) is bound into the handshake hash, so
// two implementations that disagree on it must refuse message 2: the
// initiator is the first to check a MAC over the hash.
TEST_F(NoiseInteropTest, CppInitiatorRefusesJsResponderWithAnotherPrologue) {
  NoiseHandshake cpp(NoiseRole::kInitiator, CppStatic(), kPrologue);
  InitPeer(NoiseRole::kResponder, "praxis/1 another-network-key");
  auto msg1 = cpp.WriteMessage("hello");
  ASSERT_TRUE(msg1);
  EXPECT_EQ(Field(peer_->Call("read", {*msg1}), "payload"), "hello");  // clear, unauthenticated
  const std::string msg2 = Field(peer_->Call("write", {"who are you"}), "msg");
  ASSERT_FALSE(msg2.empty());
  auto got = cpp.ReadMessage(msg2);
  ASSERT_FALSE(got) << "message 2 under another prologue accepted";
  EXPECT_EQ(got.error().code(), Code::kProtocol);
  EXPECT_TRUE(cpp.Failed());
}

TEST_F(NoiseInteropTest, JsInitiatorRefusesCppResponderWithAnotherPrologue) {
  NoiseHandshake cpp(NoiseRole::kResponder, CppStatic(), kPrologue);
  InitPeer(NoiseRole::kInitiator, "praxis/1 another-network-key");
  const std::string msg1 = Field(peer_->Call("write", {"hello"}), "msg");
  auto payload = cpp.ReadMessage(msg1);
  ASSERT_TRUE(payload) << payload.error().ToString();
  EXPECT_EQ(*payload, "hello");
  auto msg2 = cpp.WriteMessage("who are you");
  ASSERT_TRUE(msg2);
  EXPECT_EQ(peer_->Call("read", {*msg2}).kind, "error")
      << "noise-protocol accepted message 2 under another prologue";
}

}  // namespace
}  // namespace praxis::net
