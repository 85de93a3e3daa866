// A small network of real hosts on one machine: each host is a network
// namespace running one praxisd, driven through `praxis` over its control
// socket (a file in its data directory, so the CLI runs outside the
// namespace). Hosts sit on bridges (each bridge in a namespace of its own)
// or behind a NAT router.
//
//   Lab lab;
//   Netns& pub = lab.Bridge("pub", "10.200.0");        // 10.200.0.0/24
//   Host& s1 = lab.OnBridge("seed1", pub, 11);         // 10.200.0.11
//   Netns& nat = lab.Router("nat", pub, 1);            // 10.200.0.1, masquerading
//   Host& a = lab.BehindNat("a", nat, "10.201.1");     // 10.201.1.2, alone on its leg
//   lab.SetHosts("10.200.0.11 seed1\n");               // every host resolves these names
//   s1.args = {"--role", "seed"};  ASSERT_TRUE(s1.Start());
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "multihost/netns.h"
#include "process/harness.h"

namespace praxis::multihost {

using process_test::Json;
using process_test::TestNode;

// Every host's praxisd listens on this port (each namespace has its own).
inline constexpr int kPort = 7420;

class Host {
 public:
  Host(const std::string& label, std::string address);
  const std::string& label() const { return label_; }
  const std::string& address() const { return address_; }  // its IPv4 address
  Netns& ns() { return ns_; }
  TestNode& node() { return node_; }
  const TestNode& node() const { return node_; }
  // praxisd arguments beyond --data-dir and --listen, for every start.
  std::vector<std::string> args;
  // Starts praxisd inside the namespace; polls `status` until it answers.
  ::testing::AssertionResult Start() { return node_.Start(args); }
  void Kill9() { node_.Kill9(); }
  // `praxis --data-dir DIR ARGS... --json`, parsed (a test failure when it fails).
  Json JsonOf(std::vector<std::string> a) const { return node_.JsonOf(std::move(a)); }

 private:
  std::string label_;
  std::string address_;
  Netns ns_;
  TestNode node_;
};

class Lab {
 public:
  Lab() = default;
  Lab(const Lab&) = delete;
  Lab& operator=(const Lab&) = delete;

  // A bridge `br0` in a new namespace, for the /24 network PREFIX.0.
  Netns& Bridge(const std::string& label, const std::string& prefix);
  // A host at PREFIX.N on the bridge, with the bridge's prefix.
  Host& OnBridge(const std::string& label, Netns& bridge, int n);
  // A router at PREFIX.N on the bridge that forwards and masquerades what
  // its private legs send out, lets the answers back in, and drops anything
  // else (in particular one leg's traffic to another): home routers.
  Netns& Router(const std::string& label, Netns& bridge, int n);
  // A host alone on a new private leg PREFIX.0/24 of `router`: it is
  // PREFIX.2, the router PREFIX.1 and its default route.
  Host& BehindNat(const std::string& label, Netns& router, const std::string& prefix);
  // The same /etc/hosts lines for every host made so far.
  ::testing::AssertionResult SetHosts(const std::string& lines);

  // Whether every step so far succeeded; the first failure otherwise.
  const ::testing::AssertionResult& ok() const { return ok_; }

 private:
  void Check(::testing::AssertionResult r);
  struct BridgeInfo {
    Netns* ns;
    std::string prefix;
    int ports = 0;
  };
  BridgeInfo* Find(const Netns& bridge);
  Netns& NewNetns(const std::string& label);

  ::testing::AssertionResult ok_ = ::testing::AssertionSuccess();
  std::vector<std::unique_ptr<Netns>> namespaces_;  // bridges and routers
  std::vector<BridgeInfo> bridges_;
  // Declared last, so gone first: every daemon is killed before the
  // namespaces it ran in are deleted.
  std::vector<std::unique_ptr<Host>> hosts_;
  int router_legs_ = 0;
};

}  // namespace praxis::multihost
