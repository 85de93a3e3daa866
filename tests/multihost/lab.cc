#include "multihost/lab.h"

#include <algorithm>

namespace praxis::multihost {

namespace {

// Forward and masquerade what the private legs send out of the public leg
// (eth0); only answers come back in, and no leg reaches another.
constexpr const char* kNatRules = R"(
table ip praxis_nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    iifname "leg*" oifname "eth0" masquerade
  }
}
table inet praxis_filter {
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "leg*" oifname "eth0" accept
  }
}
)";

// An address with a broadcast address, as DHCP would set it: the LAN beacon
// broadcasts to it.
::testing::AssertionResult AddAddress(const Netns& ns, const std::string& dev,
                                      const std::string& cidr) {
  return ns.Ip({"addr", "add", cidr, "brd", "+", "dev", dev});
}

// Plugs `ns` (as eth0, at CIDR) into a port of the bridge.
::testing::AssertionResult Plug(const Netns& bridge, const std::string& port, const Netns& ns,
                                const std::string& cidr) {
  if (auto r = Veth(bridge, port, ns, "eth0"); !r) return r;
  if (auto r = bridge.Ip({"link", "set", port, "master", "br0"}); !r) return r;
  return AddAddress(ns, "eth0", cidr);
}

}  // namespace

Host::Host(const std::string& label, std::string address)
    : label_(label), address_(std::move(address)), ns_(label) {
  node_.daemon().set_launch(ns_.Wrapper(), "0.0.0.0:" + std::to_string(kPort));
}

void Lab::Check(::testing::AssertionResult r) {
  if (ok_ && !r) ok_ = std::move(r);
}

Netns& Lab::NewNetns(const std::string& label) {
  namespaces_.push_back(std::make_unique<Netns>(label));
  Check(namespaces_.back()->Create());
  return *namespaces_.back();
}

Lab::BridgeInfo* Lab::Find(const Netns& bridge) {
  auto it = std::find_if(bridges_.begin(), bridges_.end(),
                         [&](const BridgeInfo& b) { return b.ns == &bridge; });
  return it == bridges_.end() ? nullptr : &*it;
}

Netns& Lab::Bridge(const std::string& label, const std::string& prefix) {
  Netns& ns = NewNetns(label);
  Check(ns.Ip({"link", "add", "br0", "type", "bridge"}));
  Check(ns.Ip({"link", "set", "br0", "up"}));
  bridges_.push_back({&ns, prefix});
  return ns;
}

Host& Lab::OnBridge(const std::string& label, Netns& bridge, int n) {
  BridgeInfo* b = Find(bridge);
  const std::string address = (b ? b->prefix : "?") + "." + std::to_string(n);
  hosts_.push_back(std::make_unique<Host>(label, address));
  Host& h = *hosts_.back();
  Check(h.ns().Create());
  if (b) Check(Plug(bridge, "p" + std::to_string(++b->ports), h.ns(), address + "/24"));
  return h;
}

Netns& Lab::Router(const std::string& label, Netns& bridge, int n) {
  BridgeInfo* b = Find(bridge);
  Netns& ns = NewNetns(label);
  if (b)
    Check(Plug(bridge, "p" + std::to_string(++b->ports), ns,
               b->prefix + "." + std::to_string(n) + "/24"));
  Check(ns.Exec({"sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"}));
  Check(ns.Exec({FindTool("nft"), "-f", "-"}, std::string(kNatRules)));
  return ns;
}

Host& Lab::BehindNat(const std::string& label, Netns& router, const std::string& prefix) {
  hosts_.push_back(std::make_unique<Host>(label, prefix + ".2"));
  Host& h = *hosts_.back();
  Check(h.ns().Create());
  const std::string leg = "leg" + std::to_string(++router_legs_);
  Check(Veth(router, leg, h.ns(), "eth0"));
  Check(AddAddress(router, leg, prefix + ".1/24"));
  Check(AddAddress(h.ns(), "eth0", prefix + ".2/24"));
  Check(h.ns().Ip({"route", "add", "default", "via", prefix + ".1"}));
  return h;
}

::testing::AssertionResult Lab::SetHosts(const std::string& lines) {
  for (auto& h : hosts_)
    if (auto r = h->ns().WriteHosts(lines); !r) return r;
  return ::testing::AssertionSuccess();
}

}  // namespace praxis::multihost
