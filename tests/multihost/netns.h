// Network namespaces for tests that run real hosts on one machine. Every
// namespace, link and hosts file belongs to one test process: its names carry
// the process id, and all of it goes when the objects go (namespaces left by
// a test process that died are removed by the next one). No veth end ever
// sits in the machine's own namespace, so no packet can leave the test's
// network.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace praxis::multihost {

// The absolute path of a system tool (`ip`, `nft`), searched in $PATH and the
// sbin directories a non-login root shell may lack; "" when absent.
std::string FindTool(const std::string& name);

// Why this machine cannot run namespace tests ("" when it can): not root,
// `ip` or `nft` missing, or namespaces refused.
std::string NetnsUnavailable();

// Deletes namespaces (and their /etc/netns files) named by this scheme whose
// test process no longer exists.
void RemoveStaleNamespaces();

// One network namespace, "pxmh<pid>-LABEL".
class Netns {
 public:
  explicit Netns(const std::string& label);
  ~Netns();  // deletes the namespace and /etc/netns/NAME
  Netns(const Netns&) = delete;
  Netns& operator=(const Netns&) = delete;

  // `ip netns add`, then loopback up.
  ::testing::AssertionResult Create();
  // `ip -n NAME ARGS...`
  ::testing::AssertionResult Ip(std::vector<std::string> args) const;
  // `ip netns exec NAME ARGV...` with `stdin_bytes` on its stdin.
  ::testing::AssertionResult Exec(std::vector<std::string> argv,
                                  std::optional<std::string> stdin_bytes = std::nullopt) const;
  // /etc/netns/NAME/hosts, which `ip netns exec` mounts over /etc/hosts for
  // what runs inside; resolv.conf is emptied beside it so that no name
  // lookup leaves the namespace looking for the machine's DNS server.
  ::testing::AssertionResult WriteHosts(const std::string& hosts) const;
  // What runs a command inside: {"/usr/sbin/ip", "netns", "exec", NAME}.
  std::vector<std::string> Wrapper() const;
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  bool created_ = false;
};

// A veth pair: `dev_a` in `a`, `dev_b` in `b`, both up.
::testing::AssertionResult Veth(const Netns& a, const std::string& dev_a, const Netns& b,
                                const std::string& dev_b);

}  // namespace praxis::multihost
