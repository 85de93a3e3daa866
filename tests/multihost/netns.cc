#include "multihost/netns.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

#include "process/harness.h"

namespace praxis::multihost {

namespace fs = std::filesystem;
using process_test::CmdOptions;
using process_test::CmdResult;
using process_test::RunCommand;

namespace {

constexpr std::string_view kPrefix = "pxmh";
const fs::path kEtcNetns = "/etc/netns";

const std::string& IpPath() {
  static const std::string ip = FindTool("ip");
  return ip;
}

::testing::AssertionResult Succeeded(const CmdResult& r) {
  if (r.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << r;
}

void DeleteNamespace(const std::string& name) {
  // A namespace outlives its name while processes run in it: end any that a
  // killed test left (`ip netns pids`: processes in this namespace only).
  const CmdResult pids = RunCommand({IpPath(), "netns", "pids", name});
  std::istringstream in(pids.out);
  for (pid_t pid; in >> pid;)
    if (pid > 1) ::kill(pid, SIGKILL);
  (void)RunCommand({IpPath(), "netns", "del", name});
  std::error_code ec;
  fs::remove_all(kEtcNetns / name, ec);
}

}  // namespace

std::string FindTool(const std::string& name) {
  std::string dirs = std::getenv("PATH") ? std::getenv("PATH") : "";
  dirs += ":/usr/sbin:/sbin:/usr/bin:/bin";
  std::istringstream in(dirs);
  for (std::string dir; std::getline(in, dir, ':');) {
    if (dir.empty()) continue;
    const std::string path = dir + "/" + name;
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  return "";
}

std::string NetnsUnavailable() {
  if (::geteuid() != 0) return "needs root to create network namespaces";
  if (IpPath().empty()) return "iproute2's `ip` is not installed";
  if (FindTool("nft").empty()) return "nftables' `nft` is not installed";
  // Root without CAP_SYS_ADMIN (an unprivileged container) cannot.
  Netns probe("probe");
  if (auto r = probe.Create(); !r)
    return std::string("cannot create a network namespace: ") + r.message();
  return "";
}

void RemoveStaleNamespaces() {
  const CmdResult list = RunCommand({IpPath(), "netns", "list"});
  std::istringstream in(list.out);
  for (std::string line; std::getline(in, line);) {
    const std::string name = line.substr(0, line.find(' '));
    if (!name.starts_with(kPrefix)) continue;
    const auto dash = name.find('-');
    if (dash == std::string::npos) continue;
    const pid_t pid = std::atoi(name.substr(kPrefix.size(), dash - kPrefix.size()).c_str());
    if (pid > 0 && (::kill(pid, 0) == 0 || errno != ESRCH)) continue;  // still running
    DeleteNamespace(name);
  }
}

Netns::Netns(const std::string& label)
    : name_(std::string(kPrefix) + std::to_string(::getpid()) + "-" + label) {}

Netns::~Netns() {
  if (created_) DeleteNamespace(name_);
}

::testing::AssertionResult Netns::Create() {
  const CmdResult r = RunCommand({IpPath(), "netns", "add", name_});
  if (!r.ok()) return Succeeded(r);
  created_ = true;
  return Ip({"link", "set", "lo", "up"});
}

::testing::AssertionResult Netns::Ip(std::vector<std::string> args) const {
  args.insert(args.begin(), {IpPath(), "-n", name_});
  return Succeeded(RunCommand(std::move(args)));
}

::testing::AssertionResult Netns::Exec(std::vector<std::string> argv,
                                       std::optional<std::string> stdin_bytes) const {
  std::vector<std::string> full = Wrapper();
  full.insert(full.end(), argv.begin(), argv.end());
  CmdOptions opts;
  opts.stdin_bytes = std::move(stdin_bytes);
  return Succeeded(RunCommand(std::move(full), std::move(opts)));
}

::testing::AssertionResult Netns::WriteHosts(const std::string& hosts) const {
  std::error_code ec;
  fs::create_directories(kEtcNetns / name_, ec);
  if (ec) return ::testing::AssertionFailure() << "cannot create /etc/netns/" << name_;
  std::ofstream(kEtcNetns / name_ / "hosts") << "127.0.0.1 localhost\n" << hosts;
  std::ofstream(kEtcNetns / name_ / "resolv.conf") << "# no DNS inside the test network\n";
  if (!fs::exists(kEtcNetns / name_ / "hosts"))
    return ::testing::AssertionFailure() << "cannot write /etc/netns/" << name_ << "/hosts";
  return ::testing::AssertionSuccess();
}

std::vector<std::string> Netns::Wrapper() const { return {IpPath(), "netns", "exec", name_}; }

::testing::AssertionResult Veth(const Netns& a, const std::string& dev_a, const Netns& b,
                                const std::string& dev_b) {
  // Created inside `a` with its peer moved straight into `b`: the machine's
  // own namespace never holds either end.
  if (auto r =
          a.Ip({"link", "add", dev_a, "type", "veth", "peer", "name", dev_b, "netns", b.name()});
      !r)
    return r;
  if (auto r = a.Ip({"link", "set", dev_a, "up"}); !r) return r;
  return b.Ip({"link", "set", dev_b, "up"});
}

}  // namespace praxis::multihost
