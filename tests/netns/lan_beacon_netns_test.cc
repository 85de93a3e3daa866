// LanBeacon over real UDP broadcast, but only inside two network namespaces
// this test creates and joins with a veth pair: no packet can reach a real
// network. The probes themselves refuse to run outside the namespace they
// are named for (tests/netns/lan_beacon_probe.cc).
//
// Needs root and iproute2's `ip`; skips otherwise. Every wait is a polled
// deadline, never a fixed sleep.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "praxis/crypto/crypto.h"
#include "praxis/net/lan_beacon.h"
#include "testutil/temp_dir.h"

namespace praxis::net {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::seconds kLiveness{30};
constexpr std::chrono::milliseconds kPoll{20};

// Forks and execs argv with stdout and stderr on `out_fd`, stdin on /dev/null.
pid_t SpawnTo(const std::vector<std::string>& argv, int out_fd, int err_fd) {
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    execvp(cargv[0], cargv.data());
    _exit(127);
  }
  return pid;
}

// Polls for the exit of `pid` until `deadline`; its exit code (128 + signal
// when killed), or nullopt if it is still running.
std::optional<int> WaitExit(pid_t pid, Clock::duration deadline) {
  const auto until = Clock::now() + deadline;
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (r < 0) return -1;
    if (Clock::now() >= until) return std::nullopt;
    std::this_thread::sleep_for(kPoll);
  }
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A short command (`ip ...`): exit code and everything it printed. (Not
// Run: inside a TEST body, ::testing::Test::Run would hide it.)
struct Cmd {
  int code = -1;
  std::string output;
};
Cmd RunCommand(const std::vector<std::string>& argv, const testutil::TempDir& tmp) {
  const std::string path = tmp / "cmd.out";
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return {};
  pid_t pid = SpawnTo(argv, fd, fd);
  close(fd);
  Cmd r;
  if (pid < 0) return r;
  auto code = WaitExit(pid, kLiveness);
  if (!code) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  r.code = code.value_or(-1);
  r.output = ReadFile(path);
  while (!r.output.empty() && r.output.back() == '\n') r.output.pop_back();
  return r;
}

// A network namespace this test created, deleted (with its veth end) when
// the object goes, whatever happens to the test.
class Netns {
 public:
  Netns(std::string name, const testutil::TempDir& tmp) : name_(std::move(name)), tmp_(tmp) {}
  ~Netns() {
    if (created_) (void)RunCommand({"ip", "netns", "del", name_}, tmp_);
  }
  Netns(const Netns&) = delete;
  Netns& operator=(const Netns&) = delete;

  Cmd Create() {
    Cmd r = RunCommand({"ip", "netns", "add", name_}, tmp_);
    created_ = r.code == 0;
    return r;
  }
  // `ip -n NAME ARGS...`: runs inside the namespace only.
  Cmd Ip(std::vector<std::string> args) {
    args.insert(args.begin(), {"ip", "-n", name_});
    return RunCommand(args, tmp_);
  }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  const testutil::TempDir& tmp_;
  bool created_ = false;
};

// One lan_beacon_probe, started with `ip netns exec NS`.
class Probe {
 public:
  Probe(const std::string& label, const Netns& ns, const std::string& key_hex,
        const std::string& member_seed, int listen_port, const testutil::TempDir& tmp)
      : out_path_(tmp / (label + ".out")), err_path_(tmp / (label + ".err")) {
    int out = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_ = SpawnTo({"ip", "netns", "exec", ns.name(), LAN_BEACON_PROBE_BIN, "--netns", ns.name(),
                    "--key", key_hex, "--member-seed", member_seed, "--listen-port",
                    std::to_string(listen_port), "--interval-ms", "200", "--deadline-ms", "120000"},
                   out, err);
    close(out);
    close(err);
  }
  ~Probe() {
    if (pid_ > 0 && !exit_code_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;

  std::string Out() const { return ReadFile(out_path_); }
  std::string Err() const { return ReadFile(err_path_); }

  // Polls stdout until `cond` holds, the probe exits, or kLiveness passes.
  bool WaitFor(const std::function<bool(const std::string&)>& cond) {
    const auto until = Clock::now() + kLiveness;
    for (;;) {
      if (cond(Out())) return true;
      if (!exit_code_) exit_code_ = WaitExit(pid_, Clock::duration::zero());
      if (exit_code_ || Clock::now() >= until) return cond(Out());
      std::this_thread::sleep_for(kPoll);
    }
  }
  bool WaitForLine(const std::string& prefix) {
    return WaitFor([&](const std::string& out) { return CountLines(out, prefix) > 0; });
  }
  // SIGTERM; the exit code once it exited (kLiveness), or nullopt.
  std::optional<int> Terminate() {
    if (!exit_code_) {
      kill(pid_, SIGTERM);
      exit_code_ = WaitExit(pid_, kLiveness);
    }
    return exit_code_;
  }

  static int CountLines(const std::string& out, const std::string& prefix) {
    int n = 0;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) n += line.rfind(prefix, 0) == 0;
    return n;
  }
  // The last "stats ..." line, parsed.
  LanBeaconStats LastStats() const {
    LanBeaconStats s;
    std::istringstream in(Out());
    for (std::string line; std::getline(in, line);) {
      unsigned long long v[5];
      if (std::sscanf(line.c_str(),
                      "stats sent=%llu received=%llu rejected=%llu own=%llu "
                      "reported=%llu",
                      &v[0], &v[1], &v[2], &v[3], &v[4]) == 5)
        s = {v[0], v[1], v[2], v[3], v[4]};
    }
    return s;
  }
  std::string Describe() const { return "stdout:\n" + Out() + "stderr:\n" + Err(); }

 private:
  std::string out_path_, err_path_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

// As root under CI these must run: a skip there would hide a broken setup.
#define SKIP_OR_FAIL(why)                                                      \
  do {                                                                         \
    if (std::getenv("CI") && geteuid() == 0)                                   \
      FAIL() << (why) << " (CI runs this as root: it must not be skipped)";    \
    GTEST_SKIP() << (why);                                                     \
  } while (0)

TEST(LanBeaconNetns, NodesOnOneLanFindEachOtherAndAnotherNetworkFindsNobody) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to create network namespaces";
  testutil::TempDir tmp;
  if (RunCommand({"ip", "-V"}, tmp).code != 0) SKIP_OR_FAIL("iproute2's `ip` is not installed");
  crypto::InitCrypto();

  const std::string base = "praxis-lb-" + std::to_string(getpid()) + "-";
  Netns a(base + "a", tmp), b(base + "b", tmp);
  for (Netns* ns : {&a, &b}) {
    Cmd r = ns->Create();
    if (r.code != 0) SKIP_OR_FAIL("cannot create a network namespace: " + r.output);
  }
  // The veth pair is created inside `a` with its peer moved straight into
  // `b`: the host's own namespace never sees either end.
  Cmd veth =
      a.Ip({"link", "add", "pxlb0", "type", "veth", "peer", "name", "pxlb1", "netns", b.name()});
  if (veth.code != 0) SKIP_OR_FAIL("cannot create a veth pair: " + veth.output);
  for (const auto& [ns, dev, addr] :
       {std::tuple{&a, "pxlb0", "10.77.0.1/24"}, std::tuple{&b, "pxlb1", "10.77.0.2/24"}}) {
    // `brd +` as DHCP would set it: without a broadcast address the kernel
    // treats 10.77.0.255 as a unicast address.
    ASSERT_EQ(ns->Ip({"addr", "add", addr, "brd", "+", "dev", dev}).code, 0);
    ASSERT_EQ(ns->Ip({"link", "set", dev, "up"}).code, 0);
    ASSERT_EQ(ns->Ip({"link", "set", "lo", "up"}).code, 0);
  }

  const std::string key = crypto::Blake2b256("netns test network").Hex();
  const std::string other_key = crypto::Blake2b256("another deployment").Hex();
  const std::string alice = crypto::Blake2b256("alice").Hex();
  const std::string bob = crypto::Blake2b256("bob").Hex();

  // Bob and a node of another deployment share namespace b (and the UDP
  // port); both listen before Alice sends her first beacon, so whatever
  // reaches Bob reaches the stranger too.
  Probe stranger("stranger", b, other_key, "stranger", 4103, tmp);
  Probe bob_probe("bob", b, key, "bob", 4102, tmp);
  ASSERT_TRUE(stranger.WaitForLine("ready ")) << stranger.Describe();
  ASSERT_TRUE(bob_probe.WaitForLine("ready ")) << bob_probe.Describe();
  Probe alice_probe("alice", a, key, "alice", 4101, tmp);

  ASSERT_TRUE(bob_probe.WaitForLine("found " + alice)) << bob_probe.Describe();
  ASSERT_TRUE(alice_probe.WaitForLine("found " + bob)) << alice_probe.Describe();
  // Several more beacons each way, which must not be reported again.
  for (Probe* p : {&alice_probe, &bob_probe})
    ASSERT_TRUE(p->WaitFor([&](const std::string&) { return p->LastStats().received >= 10; }))
        << p->Describe();

  for (Probe* p : {&alice_probe, &bob_probe, &stranger}) ASSERT_EQ(p->Terminate(), 0);

  const std::string bob_out = bob_probe.Out(), alice_out = alice_probe.Out();
  EXPECT_EQ(Probe::CountLines(bob_out, "found "), 1) << bob_out;
  EXPECT_EQ(Probe::CountLines(bob_out, "found " + alice + " 10.77.0.1:4101"), 1) << bob_out;
  EXPECT_EQ(Probe::CountLines(alice_out, "found "), 1) << alice_out;
  EXPECT_EQ(Probe::CountLines(alice_out, "found " + bob + " 10.77.0.2:4102"), 1) << alice_out;
  EXPECT_EQ(bob_probe.LastStats().reported, 1u);
  EXPECT_EQ(alice_probe.LastStats().reported, 1u);
  // Each hears its own broadcast looped back, and ignores it.
  EXPECT_GE(alice_probe.LastStats().own, 1u) << alice_probe.Describe();

  // The stranger heard Alice's (and Bob's) beacons and could use none.
  const LanBeaconStats s = stranger.LastStats();
  EXPECT_EQ(Probe::CountLines(stranger.Out(), "found "), 0) << stranger.Describe();
  EXPECT_EQ(s.reported, 0u);
  EXPECT_GE(s.rejected, 1u) << stranger.Describe();
}

}  // namespace
}  // namespace praxis::net
