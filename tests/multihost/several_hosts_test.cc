// Several hosts (issue 7, item 7): real praxisd processes on one machine,
// each in a network namespace of its own, driven through `praxis` as a user
// would.
//
//   seed1 .11   seed2 .12   seed3 .13   p .21      10.200.0.0/24 on bridge "pub"
//       |           |           |         |
//       +-----------+---- br0 --+---------+------ nat .1 (masquerades; drops leg to leg)
//                                                  |    |
//                                   a 10.201.1.2 --+    +-- b 10.201.2.2
//
// Members know the seeds only by name (/etc/netns/NS/hosts); a and b sit
// behind the NAT and cannot reach each other, so whatever passes between
// them goes through the seeds. A second test puts two members with `--lan`
// and no seed on one bridge.
//
// Needs root, iproute2 and nftables; skips otherwise, except under CI as
// root, where a skip would hide a broken test and fails instead. Every wait
// is a polled deadline, never a fixed sleep.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "multihost/lab.h"

namespace praxis::multihost {
namespace {

using process_test::Eventually;
using process_test::RandomBytes;
using process_test::ReadFile;
using process_test::TempDir;
using process_test::WriteFile;

// Skips when this machine cannot make namespaces, except under CI as root.
#define REQUIRE_NETNS()                                                     \
  do {                                                                      \
    const std::string why = NetnsUnavailable();                             \
    if (!why.empty()) {                                                     \
      if (std::getenv("CI") && ::geteuid() == 0)                            \
        FAIL() << why << " (CI runs this as root: it must not be skipped)"; \
      GTEST_SKIP() << why;                                                  \
    }                                                                       \
    RemoveStaleNamespaces();                                                \
  } while (0)

// Prints how long each phase took, for whoever keeps the runtime modest.
class Phases {
 public:
  void operator()(const std::string& what) {
    const auto now = std::chrono::steady_clock::now();
    std::cout << "[multihost] " << what << " after "
              << std::chrono::duration<double>(now - start_).count() << " s" << std::endl;
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// The `ls --json` entry for `announcement` on `h`, or null.
Json Entry(const Host& h, const std::string& announcement) {
  const Json ls = h.JsonOf({"ls"});
  for (const Json& e : ls)
    if (e["announcement"] == announcement) return e;
  return Json();
}
bool Lists(const Host& h, const std::string& announcement) {
  return !Entry(h, announcement).is_null();
}
bool Holds(const Host& h, const std::string& announcement) {
  const Json e = Entry(h, announcement);
  return !e.is_null() && e["held"] == "yes";
}
std::set<std::string> Listed(const Host& h) {
  std::set<std::string> ids;
  const Json ls = h.JsonOf({"ls"});
  for (const Json& e : ls) ids.insert(e["announcement"].get<std::string>());
  return ids;
}
// The members `h` has a link with, and how each was found.
std::vector<std::pair<std::string, std::string>> Links(const Host& h) {
  std::vector<std::pair<std::string, std::string>> out;
  const Json peers = h.JsonOf({"peers"});
  for (const Json& p : peers)
    out.emplace_back(p["member"].get<std::string>(), p["found"].get<std::string>());
  return out;
}
bool LinkedTo(const Host& h, const std::string& member) {
  for (const auto& [m, found] : Links(h))
    if (m == member) return true;
  return false;
}
std::string Member(const Host& h) { return h.node().Member(); }

// `praxis get` on `h` into a new file; its content ("" on failure).
std::string Get(const Host& h, const std::string& id, const TempDir& out, const std::string& name) {
  const std::string path = out / name;
  const Json r = h.JsonOf({"get", id, "-o", path});
  return r.is_object() ? ReadFile(path) : "";
}

TEST(SeveralHosts, MembersBehindNatShareThroughSeedsThatCatchUpAfterACrash) {
  REQUIRE_NETNS();
  Phases phase;
  Lab lab;
  Netns& pub = lab.Bridge("pub", "10.200.0");
  std::vector<Host*> seeds;
  for (int i = 1; i <= 3; ++i)
    seeds.push_back(&lab.OnBridge("seed" + std::to_string(i), pub, 10 + i));
  Host& p = lab.OnBridge("p", pub, 21);
  Netns& nat = lab.Router("nat", pub, 1);
  Host& a = lab.BehindNat("a", nat, "10.201.1");
  Host& b = lab.BehindNat("b", nat, "10.201.2");
  ASSERT_TRUE(lab.ok());
  ASSERT_TRUE(lab.SetHosts("10.200.0.11 seed1\n10.200.0.12 seed2\n10.200.0.13 seed3\n"));
  const std::vector<Host*> members = {&p, &a, &b};
  const std::vector<Host*> all = {seeds[0], seeds[1], seeds[2], &p, &a, &b};

  // Seeds advertise their names and dial each other; members are given the
  // three names and nothing else. The seeds' policy keeps the content of
  // open groups of three members or more once they are an hour old: here
  // at once (--seed-min-age 0), the test cannot wait an hour.
  const std::string port = ":" + std::to_string(kPort);
  for (int i = 0; i < 3; ++i) {
    Host& s = *seeds[i];
    s.args = {"--role", "seed", "--advertise", s.label() + port, "--seed-min-age", "0"};
    for (int j = 0; j < 3; ++j)
      if (j != i) s.args.insert(s.args.end(), {"--seed", seeds[j]->label() + port});
  }
  for (Host* m : members)
    m->args = {"--seed", "seed1" + port, "--seed", "seed2" + port, "--seed", "seed3" + port};
  for (Host* h : all) ASSERT_TRUE(h->Start()) << h->label();
  const std::string a_id = Member(a), b_id = Member(b);
  phase("started");

  // Every member reached a seed by its name; a seed sees a and b arrive
  // from the router's public address, the NAT at work.
  for (Host* m : members)
    ASSERT_TRUE(Eventually([&] {
      const Json peers = m->JsonOf({"peers"});
      for (const Json& l : peers)
        if (l["found"] == "seed" && l["address"].get<std::string>().starts_with("seed"))
          return true;
      return false;
    })) << m->label()
        << " reached no seed: " << m->JsonOf({"peers"});
  ASSERT_TRUE(Eventually([&] {
    const Json peers = seeds[0]->JsonOf({"peers"});
    int natted = 0;
    for (const Json& l : peers)
      natted += (l["member"] == a_id || l["member"] == b_id) &&
                l["address"].get<std::string>().starts_with("10.200.0.1:");
    return natted == 2;
  })) << seeds[0]->JsonOf({"peers"});
  phase("members reached the seeds");

  // a founds an open group; b and p join once its genesis reached them:
  // three members, enough for the seeds to keep its content.
  const std::string g = a.node().CreateGroup("field notes");
  ASSERT_TRUE(process_test::IsHexId(g));
  for (Host* m : {&b, &p})
    ASSERT_TRUE(Eventually([&] {
      return m->node().Praxis({"group", "join", g}).ok();
    })) << m->label()
        << " never got the group";
  for (Host* s : seeds)
    ASSERT_TRUE(Eventually([&] {
      return s->JsonOf({"stage", g})["members"] == 3;
    })) << s->label()
        << ": " << s->JsonOf({"stage", g});

  // Shares made behind the NAT (and one from the public side) reach
  // everyone, seeds included.
  TempDir files;
  const std::string a_bytes = RandomBytes(700 * 1024, 1), b_bytes = RandomBytes(300 * 1024, 2);
  WriteFile(files / "from-a.bin", a_bytes);
  WriteFile(files / "from-b.bin", b_bytes);
  const Json a_share = a.node().ShareFile(files / "from-a.bin", g);
  const Json b_share = b.node().ShareFile(files / "from-b.bin", g);
  const Json p_note = p.node().ShareText("from the public side", g);
  const std::string a_file = a_share["announcement"], b_file = b_share["announcement"];
  const std::string note = p_note["announcement"];
  for (Host* h : all)
    ASSERT_TRUE(Eventually([&] {
      return Lists(*h, a_file) && Lists(*h, b_file) && Lists(*h, note);
    })) << h->label()
        << ": " << h->JsonOf({"ls"});
  phase("shares behind the NAT reached every host");

  // a and b fetch each other's files, byte for byte, with no link between
  // them: through the seeds that keep them. The group is still a network:
  // the seeds keep it by their policy, not because a circle publishes.
  for (const std::string& id : {a_file, b_file})
    ASSERT_TRUE(Eventually([&] {
      for (Host* s : seeds)
        if (Holds(*s, id)) return true;
      return false;
    })) << "no seed keeps "
        << id;
  EXPECT_EQ(seeds[1]->JsonOf({"stage", g})["stage"], "network");
  EXPECT_EQ(Get(b, a_file, files, "b-got-a.bin"), a_bytes);
  EXPECT_EQ(Get(a, b_file, files, "a-got-b.bin"), b_bytes);
  EXPECT_FALSE(LinkedTo(a, b_id)) << a.JsonOf({"peers"});
  EXPECT_FALSE(LinkedTo(b, a_id)) << b.JsonOf({"peers"});
  phase("a and b fetched each other's files");

  // seed1 crashes; what b shares meanwhile reaches every other host, and a
  // fetches it through the two seeds left.
  Host& crashed = *seeds[0];
  crashed.Kill9();
  const std::string later_bytes = RandomBytes(500 * 1024, 3);
  WriteFile(files / "later.bin", later_bytes);
  const std::string later = b.node().ShareFile(files / "later.bin", g)["announcement"];
  const std::string later_note = b.node().ShareText("while seed1 was down", g)["announcement"];
  for (Host* h : all) {
    if (h == &crashed) continue;
    ASSERT_TRUE(Eventually([&] { return Lists(*h, later) && Lists(*h, later_note); }))
        << h->label() << ": " << h->JsonOf({"ls"});
  }
  ASSERT_TRUE(Eventually([&] { return Holds(*seeds[1], later) || Holds(*seeds[2], later); }));
  EXPECT_EQ(Get(a, later, files, "a-got-later.bin"), later_bytes);
  phase("converged without seed1");

  // seed1 comes back on its data directory, catches up everything it missed
  // and keeps the circle's content again, all of it.
  ASSERT_TRUE(crashed.Start());
  const std::set<std::string> everything = Listed(*seeds[1]);
  EXPECT_EQ(everything.size(), 5u);  // a's and b's files, p's note, b's later file and note
  ASSERT_TRUE(Eventually([&] { return Listed(crashed) == everything; })) << crashed.JsonOf({"ls"});
  for (const std::string& id : everything)
    EXPECT_TRUE(Eventually([&] { return Holds(crashed, id); })) << id << ": " << Entry(crashed, id);
  // Every host holds the same announcements.
  const auto count = [](const Host& h) {
    return h.JsonOf({"status"})["announcements"].get<std::uint64_t>();
  };
  EXPECT_TRUE(Eventually([&] {
    for (Host* h : all)
      if (count(*h) != count(*seeds[1])) return false;
    return true;
  }));
  phase("seed1 caught up");
}

TEST(SeveralHosts, TwoMembersOnOneLanFindEachOtherWithNoSeed) {
  REQUIRE_NETNS();
  Phases phase;
  Lab lab;
  Netns& lan = lab.Bridge("lan", "10.202.0");
  Host& c = lab.OnBridge("c", lan, 2);
  Host& d = lab.OnBridge("d", lan, 3);
  ASSERT_TRUE(lab.ok());
  for (Host* h : {&c, &d}) {
    h->args = {"--lan"};
    ASSERT_TRUE(h->Start()) << h->label();
  }
  const std::string c_id = Member(c), d_id = Member(d);

  // The beacon brought one of them to dial the other: their one link, found
  // by the LAN (the other end sees it arrive, or heard a beacon too).
  // (Both may dial at once; one of the two links then goes.)
  ASSERT_TRUE(Eventually([&] {
    const auto cl = Links(c), dl = Links(d);
    return cl.size() == 1 && dl.size() == 1 && cl[0].first == d_id && dl[0].first == c_id;
  })) << c.JsonOf({"peers"})
      << d.JsonOf({"peers"});
  bool by_lan = false;
  for (Host* h : {&c, &d}) {
    const auto links = Links(*h);
    for (const auto& [m, found] : links) {
      by_lan |= found == "lan";
      EXPECT_TRUE(found == "lan" || found == "inbound") << h->JsonOf({"peers"});
    }
  }
  EXPECT_TRUE(by_lan) << c.JsonOf({"peers"}) << d.JsonOf({"peers"});
  phase("found each other");

  // A share on one reaches the other, which joins and fetches it.
  const std::string g = c.node().CreateGroup("same room");
  TempDir files;
  const std::string bytes = RandomBytes(400 * 1024, 4);
  WriteFile(files / "c.bin", bytes);
  const std::string share = c.node().ShareFile(files / "c.bin", g)["announcement"];
  ASSERT_TRUE(Eventually([&] { return Lists(d, share); })) << d.JsonOf({"ls"});
  ASSERT_TRUE(d.JsonOf({"group", "join", g}).is_object());
  EXPECT_EQ(Get(d, share, files, "d-got-c.bin"), bytes);
  phase("exchanged a share");
}

}  // namespace
}  // namespace praxis::multihost
