// Connection floods against a real praxisd (issue 8, adversarial peers), in
// its own process because descriptor counts matter: thousands of TCP
// connections that never speak a word of the handshake. The node keeps at
// most max_handshakes of them, drops the oldest for each newcomer, and an
// honest peer still links and gossips while the flood sits there.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "harness.h"

namespace praxis::process_test {
namespace {

// Opens up to `n` TCP connections to host:port that never send a byte.
std::vector<int> HalfOpen(const std::string& host_port, int n) {
  const auto colon = host_port.rfind(':');
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(std::stoi(host_port.substr(colon + 1))));
  inet_pton(AF_INET, host_port.substr(0, colon).c_str(), &to.sin_addr);
  std::vector<int> fds;
  for (int i = 0; i < n; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) break;
    if (connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
      close(fd);
      break;
    }
    fds.push_back(fd);
  }
  return fds;
}

TEST(ProcessFlood, ThousandsOfHalfOpenHandshakesNeitherFillTheNodeNorKeepAnHonestPeerOut) {
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
  const int want = 5000;
  const int can = static_cast<int>(std::min<rlim_t>(want, lim.rlim_cur > 300 ? lim.rlim_cur - 300 : 0));

  TestNode target, honest;
  ASSERT_TRUE(target.Start({"--metrics", "127.0.0.1:0"}));
  const std::string listen = target.JsonOf({"status"})["listen"];
  const std::string metrics = MetricsAddress(target);
  ASSERT_FALSE(metrics.empty());

  const auto started = std::chrono::steady_clock::now();
  std::vector<int> flood = HalfOpen(listen, can);
  const double open_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("flood: %zu half-open connections (wanted %d) opened in %.2f s\n", flood.size(),
              want, open_s);
  ASSERT_GE(flood.size(), 1000u) << "could not open enough connections to mean anything";

  // The node has accepted the flood: its handshake table sits at the cap.
  double entries = -1, cap = -1, dropped = -1;
  ASSERT_TRUE(Eventually([&] {
    auto m = HttpGet(metrics, "/metrics");
    if (!m) return false;
    entries = Sample(m->second, "praxis_table_entries{table=\"handshakes\"}");
    cap = Sample(m->second, "praxis_table_cap{table=\"handshakes\"}");
    dropped = Sample(m->second, "praxis_handshakes_dropped_total");
    return dropped >= static_cast<double>(flood.size()) - cap;
  })) << "dropped " << dropped << " of " << flood.size();
  EXPECT_LE(entries, cap);

  // While every flood connection is still open, an honest node links and
  // its share arrives.
  const auto honest_started = std::chrono::steady_clock::now();
  ASSERT_TRUE(honest.Start({"--seed", listen}));
  const std::string g = honest.CreateGroup("through the flood");
  const Json share = honest.ShareText("still here", g);
  ASSERT_TRUE(Eventually([&] {
    CmdResult r = target.Praxis({"ls", "--json"});
    return r.ok() && r.JsonOut().size() == 1;
  }));
  std::printf("flood: the honest share arrived %.2f s after the honest node started\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - honest_started)
                  .count());
  EXPECT_EQ(target.JsonOf({"ls"})[0]["announcement"], share["announcement"]);
  auto m = HttpGet(metrics, "/metrics");
  ASSERT_TRUE(m);
  EXPECT_LE(Sample(m->second, "praxis_table_entries{table=\"handshakes\"}"),
            Sample(m->second, "praxis_table_cap{table=\"handshakes\"}"));
  for (int fd : flood) close(fd);
}

}  // namespace
}  // namespace praxis::process_test
