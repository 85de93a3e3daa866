// What an operator relies on, checked on real praxisd processes: the
// configuration file (errors named by file, line and key; flags win), the
// metrics endpoint (parsed, counters moving, health and readiness), systemd
// readiness on a NOTIFY_SOCKET the test binds, SIGHUP reopening a renamed log
// file, and SIGTERM stopping cleanly with everything acknowledged kept.
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <sstream>
#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"

namespace praxis::process_test {
namespace {

TEST(ProcessOperations, ConfigurationErrorsNameTheFileLineAndKeyAndFlagsWin) {
  TestNode n;
  const std::string cfg = n.tmp().Sub("praxis.toml");
  WriteFile(cfg, "listen = \"127.0.0.1:0\"\nrole = \"king\"\n");
  n.daemon().Spawn({"--config", cfg});
  ASSERT_EQ(n.daemon().WaitExit(), 1);
  std::string err = n.daemon().Stderr();
  EXPECT_NE(err.find(cfg + ":2: key 'role'"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;

  WriteFile(cfg, "# a seed\nquota = 1000\nmetricz = \"127.0.0.1:0\"\n");
  n.daemon().Spawn({"--config", cfg});
  ASSERT_EQ(n.daemon().WaitExit(), 1);
  err = n.daemon().Stderr();
  EXPECT_NE(err.find(cfg + ":3: unknown key 'metricz'"), std::string::npos) << err;

  WriteFile(cfg, "log_level = \"loud\"\n");
  n.daemon().Spawn({"--config", cfg});
  ASSERT_EQ(n.daemon().WaitExit(), 1);
  EXPECT_NE(n.daemon().Stderr().find(cfg + ":1: key 'log_level'"), std::string::npos)
      << n.daemon().Stderr();

  // A good file, with a flag overriding one of its keys.
  WriteFile(cfg, "role = \"seed\"\nmetrics = \"127.0.0.1:0\"\nquota = 12345\n");
  ASSERT_TRUE(n.Start({"--config", cfg, "--quota", "777"}));
  const std::string metrics = MetricsAddress(n);
  ASSERT_FALSE(metrics.empty()) << n.daemon().Stdout();
  auto scraped = HttpGet(metrics, "/metrics");
  ASSERT_TRUE(scraped);
  EXPECT_EQ(Sample(scraped->second, "praxis_quota_bytes"), 777) << "the flag wins";
  EXPECT_NE(n.daemon().Stdout().find("(seed)"), std::string::npos) << "role from the file";
}

TEST(ProcessOperations, MetricsParseCountersMoveAndProbesAnswer) {
  TestNode a, b;
  ASSERT_TRUE(a.Start({"--metrics", "127.0.0.1:0"}));
  const std::string a_listen = a.JsonOf({"status"})["listen"];
  const std::string m = MetricsAddress(a);
  ASSERT_FALSE(m.empty()) << a.daemon().Stdout();

  auto health = HttpGet(m, "/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->first, 200);
  auto ready = HttpGet(m, "/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->first, 200) << "no seeds configured: ready once listening; " << ready->second;
  EXPECT_EQ(HttpGet(m, "/nowhere")->first, 404);

  auto before = HttpGet(m, "/metrics");
  ASSERT_TRUE(before);
  ASSERT_EQ(before->first, 200);
  // Every line is a comment or NAME{LABELS} VALUE, every name praxis_.
  static const std::regex kSample(R"(^praxis_[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.e+]+$)");
  std::istringstream in(before->second);
  int samples = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) continue;
    EXPECT_TRUE(std::regex_match(line, kSample)) << line;
    ++samples;
  }
  EXPECT_GE(samples, 20);
  EXPECT_EQ(Sample(before->second, "praxis_build_info{version=\"0.1.0\"}"), 1);
  EXPECT_EQ(Sample(before->second, "praxis_announcements_accepted_total"), 0);
  EXPECT_EQ(Sample(before->second, "praxis_peers{direction=\"inbound\"}"), 0);

  // A peer links and sends what it holds: the counters move.
  ASSERT_TRUE(b.Start({"--seed", a_listen}));
  const std::string g = b.CreateGroup("metered");
  b.ShareText("counted", g);
  ASSERT_TRUE(Eventually([&] {
    auto now = HttpGet(m, "/metrics");
    return now && Sample(now->second, "praxis_announcements_accepted_total") == 2 &&
           Sample(now->second, "praxis_peers{direction=\"inbound\"}") == 1 &&
           Sample(now->second, "praxis_announcements_received_total{outcome=\"accepted\"}") == 2 &&
           Sample(now->second, "praxis_groups{stage=\"network\"}") == 1 &&
           Sample(now->second, "praxis_catchup_lag_seconds") >= 0;
  })) << HttpGet(m, "/metrics")->second;
}

TEST(ProcessOperations, ReadinessIsToldToSystemdOnTheNotifySocketAfterListening) {
  TestNode n;
  const std::string path = n.tmp().Sub("notify.sock");
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  ASSERT_LT(path.size(), sizeof sa.sun_path);
  std::strncpy(sa.sun_path, path.c_str(), sizeof sa.sun_path - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  timeval tv{.tv_sec = 30, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  n.daemon().set_env({{"NOTIFY_SOCKET", path}});
  n.daemon().Spawn();
  char buf[4096];
  const ssize_t got = ::recv(fd, buf, sizeof buf, 0);
  ::close(fd);
  ASSERT_GT(got, 0) << "no datagram on NOTIFY_SOCKET";
  const std::string msg(buf, static_cast<std::size_t>(got));
  EXPECT_NE(msg.find("READY=1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("listening on 127.0.0.1:"), std::string::npos) << msg;
  // Ready means it answers: the control socket is up by then.
  EXPECT_TRUE(n.Praxis({"status"}).ok());
}

TEST(ProcessOperations, SighupReopensARenamedLogFile) {
  TestNode n;
  const std::string log = n.tmp().Sub("praxisd.log");
  ASSERT_TRUE(n.Start({"--log-file", log, "--log-format", "json"}));
  ASSERT_TRUE(Eventually([&] { return ReadFile(log).find("listening on") != std::string::npos; }));
  const std::string rotated = log + ".1";
  ASSERT_EQ(std::rename(log.c_str(), rotated.c_str()), 0);
  ASSERT_EQ(::kill(n.daemon().pid(), SIGHUP), 0);
  ASSERT_TRUE(Eventually([&] { return ReadFile(log).find("logs reopened") != std::string::npos; }))
      << "after SIGHUP, the log goes to a new file at the old name";
  EXPECT_EQ(ReadFile(rotated).find("logs reopened"), std::string::npos);
  // JSON lines, one object each.
  std::istringstream in(ReadFile(rotated));
  for (std::string line; std::getline(in, line);) {
    const Json j = Json::parse(line);
    EXPECT_TRUE(j.contains("time") && j.contains("level") && j.contains("msg")) << line;
  }
  EXPECT_TRUE(n.Praxis({"status"}).ok()) << "still serving after SIGHUP";
}

TEST(ProcessOperations, SigtermStopsCleanlyAndEverythingAcknowledgedIsThereAfter) {
  TestNode n;
  ASSERT_TRUE(n.Start());
  const std::string g = n.CreateGroup("kept");
  for (int i = 0; i < 20; ++i) n.ShareText("note " + std::to_string(i), g);
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(n.Stop()) << "SIGTERM: exit 0";
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  ASSERT_TRUE(n.Start());
  EXPECT_EQ(n.JsonOf({"ls"}).size(), 20u);
  EXPECT_EQ(n.JsonOf({"status"})["announcements"], 21);
}

TEST(ProcessOperations, ABackupTakenDuringIngestOpensWithEverythingAcknowledgedBeforeIt) {
  TestNode n;
  ASSERT_TRUE(n.Start());
  const std::string member = n.Member();
  const std::string g = n.CreateGroup("backed up");
  // Shares keep arriving while the backup is taken.
  std::vector<std::string> acknowledged;
  std::mutex mu;
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; i < 200 && !stop; ++i) {
      const Json s = n.ShareText("note " + std::to_string(i), g);
      if (!s.is_object()) return;
      std::lock_guard<std::mutex> lock(mu);
      acknowledged.push_back(s["announcement"]);
    }
  });
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard<std::mutex> lock(mu);
    return acknowledged.size() >= 10;
  }));
  std::vector<std::string> before;
  {
    std::lock_guard<std::mutex> lock(mu);
    before = acknowledged;
  }
  const std::string dir = n.tmp().Sub("backup");
  const Json b = n.JsonOf({"backup", dir});
  stop = true;
  writer.join();
  EXPECT_EQ(b["dir"], dir);
  EXPECT_GT(b["bytes"].get<std::uint64_t>(), 0u);
  EXPECT_TRUE(FailedWithOneLine(n.Praxis({"backup", dir}))) << "never over an existing directory";

  // The copy opens as a data directory of its own: same identity, and every
  // share acknowledged before the backup began.
  Daemon restored(dir, n.tmp().Sub("restored"));
  ASSERT_TRUE(restored.Start());
  const Json status = restored.Praxis({"status", "--json"}).JsonOut();
  EXPECT_EQ(status["member"], member);
  EXPECT_GE(status["announcements"].get<std::uint64_t>(), before.size() + 1);
  EXPECT_GE(status["announcements"].get<std::uint64_t>(), b["announcements"].get<std::uint64_t>());
  std::set<std::string> held;
  const Json ls = restored.Praxis({"ls", "--json"}).JsonOut();
  for (const auto& e : ls) held.insert(e["announcement"]);
  for (const std::string& id : before) EXPECT_TRUE(held.count(id)) << id;
  ASSERT_TRUE(restored.Stop());
}

TEST(ProcessOperations, DenyListsWhatItRefusesPersistsAndLiftsWithOneLineErrors) {
  TestNode n;
  ASSERT_TRUE(n.Start());
  const std::string g = n.CreateGroup("noisy");
  const Json share = n.ShareText("to be denied", g);
  const std::string root = share["root"];

  EXPECT_TRUE(n.JsonOf({"deny"})["denied"].empty());
  const Json by_name = n.JsonOf({"deny", "noisy"});
  EXPECT_NE(by_name["done"].get<std::string>().find("denied: group " + g), std::string::npos)
      << by_name;
  const Json by_root = n.JsonOf({"deny", root, "--root"});
  EXPECT_EQ(by_root["denied"].size(), 2u) << by_root;
  EXPECT_TRUE(FailedWithOneLine(n.Praxis({"deny", "zzzz"})));
  EXPECT_TRUE(FailedWithOneLine(n.Praxis({"deny", "--remove"})));
  EXPECT_TRUE(FailedWithOneLine(n.Praxis({"share", "--text", "more", "--group", g})))
      << "the node refuses to hold what it denies, its own member's too";

  ASSERT_TRUE(n.Stop());
  ASSERT_TRUE(n.Start());
  EXPECT_EQ(n.JsonOf({"deny"})["denied"].size(), 2u) << "persisted";
  n.JsonOf({"deny", g, "--group", "--remove"});
  EXPECT_EQ(n.JsonOf({"deny"})["denied"].size(), 1u);
  EXPECT_TRUE(n.Praxis({"share", "--text", "more", "--group", g}).ok());
}

// The rows of `du --json` with this reason: their total bytes.
std::uint64_t DuBytes(const TestNode& n, const std::string& reason) {
  std::uint64_t total = 0;
  const Json du = n.JsonOf({"du"});  // kept: iterating a temporary's member dangles
  for (const auto& e : du["entries"])
    if (e["reason"] == reason) total += e["bytes"].get<std::uint64_t>();
  return total;
}

TEST(ProcessOperations, ASeedKeepsAPublishingCirclesContentWithinItsQuota) {
  TestNode a, b, seed, small;
  ASSERT_TRUE(a.Start());
  const std::string a_listen = a.JsonOf({"status"})["listen"];
  ASSERT_TRUE(b.Start({"--seed", a_listen}));
  const std::string g = a.CreateGroup("open circle", {"--min-republishers", "1"});
  const std::string path = a.tmp().Sub("paper.bin");
  const std::string bytes = RandomBytes(600 * 1024, 11);
  WriteFile(path, bytes);
  const Json share = a.ShareFile(path, g);
  ASSERT_TRUE(Eventually([&] { return b.Praxis({"group", "join", g}).ok(); }));
  ASSERT_TRUE(Eventually([&] { return b.Praxis({"republish", share["announcement"]}).ok(); }));
  ASSERT_TRUE(Eventually([&] { return a.JsonOf({"stage", g})["stage"] == "practice"; }));

  // No minimum age: these seeds keep what they see at once.
  ASSERT_TRUE(seed.Start({"--role", "seed", "--seed", a_listen, "--seed-min-age", "0"}));
  ASSERT_TRUE(small.Start({"--role", "seed", "--seed", a_listen, "--seed-min-age", "0", "--quota",
                           "100KiB", "--metrics", "127.0.0.1:0"}));
  // The seed is no member, but a publishing circle's catalogue is anyone's.
  ASSERT_TRUE(Eventually([&] { return DuBytes(seed, "seed") == bytes.size(); }))
      << seed.JsonOf({"du"});
  const std::string out = seed.tmp().Sub("from-seed.bin");
  EXPECT_TRUE(seed.Praxis({"get", share["root"], "-o", out}).ok());
  EXPECT_EQ(ReadFile(out), bytes);

  // A seed without room says so, and keeps nothing it has no room for.
  const std::string m = MetricsAddress(small);
  ASSERT_TRUE(Eventually([&] {
    auto scraped = HttpGet(m, "/metrics");
    return scraped && Sample(scraped->second, "praxis_seed_quota_reached") == 1;
  }));
  EXPECT_EQ(DuBytes(small, "seed"), 0u);
  EXPECT_NE(small.daemon().Stdout().find("seed quota reached"), std::string::npos);
}

}  // namespace
}  // namespace praxis::process_test
