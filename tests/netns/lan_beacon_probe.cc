// lan_beacon_probe: runs one LanBeacon until SIGTERM, for
// lan_beacon_netns_test.cc. It broadcasts on real interfaces, so it refuses
// to start unless it runs inside the named network namespace (one the test
// created): started any other way, it sends nothing.
//
//   lan_beacon_probe --netns NAME --key HEX64 --member-seed S --listen-port P
//                    [--interval-ms N] [--deadline-ms N]
//
// stdout, one line each, flushed at once:
//   ready UDP_PORT                    once Start() succeeded
//   found MEMBER_HEX IP:PORT          on every on_found
//   stats sent=.. received=.. rejected=.. own=.. reported=..
//                                     whenever the counters change, and at exit
// Exit: 0 on SIGTERM/SIGINT, 2 on bad arguments or a foreign namespace,
// 3 when Start() fails, 4 when the deadline passes first.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>

#include "praxis/crypto/crypto.h"
#include "praxis/net/lan_beacon.h"

namespace {

using praxis::Id;
using praxis::net::LanBeaconStats;

bool SameFile(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  return stat(a.c_str(), &sa) == 0 && stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

std::string StatsLine(const LanBeaconStats& s) {
  return "stats sent=" + std::to_string(s.sent) + " received=" + std::to_string(s.received) +
         " rejected=" + std::to_string(s.rejected) + " own=" + std::to_string(s.own) +
         " reported=" + std::to_string(s.reported);
}

void Say(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> args;
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  auto arg = [&](const std::string& k, const std::string& dflt = "") {
    auto it = args.find(k);
    return it == args.end() ? dflt : it->second;
  };
  const std::string netns = arg("--netns");
  if (netns.empty() || netns.find('/') != std::string::npos ||
      !SameFile("/proc/self/ns/net", "/run/netns/" + netns)) {
    std::fprintf(stderr, "lan_beacon_probe: not inside network namespace '%s'; refusing\n",
                 netns.c_str());
    return 2;
  }
  auto key_id = Id::FromHex(arg("--key"));
  const int listen_port = std::atoi(arg("--listen-port", "0").c_str());
  if (!key_id || arg("--member-seed").empty() || listen_port <= 0 || listen_port > 65535) {
    std::fprintf(stderr, "lan_beacon_probe: need --key HEX64 --member-seed S --listen-port P\n");
    return 2;
  }
  const int interval_ms = std::atoi(arg("--interval-ms", "200").c_str());
  const int deadline_ms = std::atoi(arg("--deadline-ms", "60000").c_str());

  // Logs to stderr, so that stdout holds only the lines above.
  spdlog::set_default_logger(spdlog::stderr_color_st("probe"));
  spdlog::set_level(spdlog::level::debug);
  praxis::crypto::InitCrypto();

  praxis::net::NoisePsk key;
  std::copy(key_id->bytes.begin(), key_id->bytes.end(), key.begin());
  const Id member = praxis::crypto::Blake2b256(arg("--member-seed"));

  asio::io_context io;
  praxis::net::LanBeacon beacon(
      io.get_executor(), key, member, static_cast<std::uint16_t>(listen_port),
      [](const Id& m, const asio::ip::tcp::endpoint& at) {
        Say("found " + m.Hex() + " " + at.address().to_string() + ":" + std::to_string(at.port()));
      },
      {.interval = std::chrono::milliseconds(interval_ms)});
  if (praxis::Status s = beacon.Start(); !s.ok()) {
    std::fprintf(stderr, "lan_beacon_probe: %s\n", s.ToString().c_str());
    return 3;
  }
  Say("ready " + std::to_string(beacon.udp_port()));

  int exit_code = 4;
  asio::signal_set signals(io, SIGTERM, SIGINT);
  asio::steady_timer deadline(io, std::chrono::milliseconds(deadline_ms));
  asio::steady_timer poll(io);
  std::string last_stats;
  // A poll whose timer had already fired when finish() cancelled it still
  // runs; without this flag it re-armed itself and the probe never exited.
  bool finished = false;
  std::function<void()> poll_stats = [&] {
    std::string line = StatsLine(beacon.stats());
    if (line != last_stats) Say(last_stats = line);
    poll.expires_after(std::chrono::milliseconds(20));
    poll.async_wait([&](const asio::error_code& ec) {
      if (!ec && !finished) poll_stats();
    });
  };
  auto finish = [&](int code) {
    if (finished) return;
    finished = true;
    exit_code = code;
    beacon.Stop();
    Say(StatsLine(beacon.stats()));
    signals.cancel();
    deadline.cancel();
    poll.cancel();
  };
  signals.async_wait([&](const asio::error_code& ec, int) {
    if (!ec) finish(0);
  });
  deadline.async_wait([&](const asio::error_code& ec) {
    if (!ec) finish(4);
  });
  poll_stats();
  io.run();
  return exit_code;
}
