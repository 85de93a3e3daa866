#include "praxis/node/daemon.h"

#include <spdlog/spdlog.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_awaitable.hpp>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <systemd/sd-daemon.h>

#include <cerrno>
#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <future>
#include <iterator>

#include "praxis/crypto/sealed_key.h"
#include "praxis/node/control_server.h"
#include "praxis/net/lan_beacon.h"
#include "praxis/node/data_dir.h"
#include "praxis/node/holdings_digest.h"
#include "praxis/node/api_auth.h"
#include "praxis/node/http_api.h"
#include "praxis/node/http_server.h"
#include "praxis/node/keeper.h"
#include "praxis/node/logging.h"
#include "praxis/node/metrics.h"
#include "praxis/node/node.h"
#include "praxis/node/peer_manager.h"

namespace praxis::node {

namespace {

// Bytes free for an unprivileged writer where the store lives.
// PRAXIS_TEST_FREE_BYTES replaces the answer: the seam through which tests
// set the space left (a full disk cannot be made on demand).
Result<std::uint64_t> FreeBytes(const std::string& dir) {
  if (const char* fake = std::getenv("PRAXIS_TEST_FREE_BYTES"))
    return static_cast<std::uint64_t>(std::strtoull(fake, nullptr, 10));
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0)
    return Err(Status::IOError("cannot read the free space of " + dir + ": " + std::strerror(errno)));
  return static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
}

Result<std::uint64_t> TotalBytes(const std::string& dir) {
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0)
    return Err(Status::IOError("cannot read the size of " + dir + ": " + std::strerror(errno)));
  return static_cast<std::uint64_t>(st.f_blocks) * st.f_frsize;
}

// Stopping may not take longer than this: past it, the node exits anyway
// (acknowledged writes are durable whatever happens next).
constexpr auto kStopDeadline = std::chrono::seconds(9);

using asio::ip::tcp;

Result<tcp::endpoint> ParseHostPort(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return Err(Status::InvalidArgument("listen address '" + text + "' is not HOST:PORT"));
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  std::string port_text = text.substr(colon + 1);
  char* end = nullptr;
  long port = std::strtol(port_text.c_str(), &end, 10);
  if (port_text.empty() || *end || port < 0 || port > 65535)
    return Err(Status::InvalidArgument("listen address '" + text + "' has a bad port"));
  asio::error_code ec;
  auto addr = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) return Err(Status::InvalidArgument("listen address '" + text + "': " + ec.message()));
  return tcp::endpoint(addr, static_cast<unsigned short>(port));
}

std::string Format(const tcp::endpoint& ep) {
  std::string host = ep.address().to_string();
  if (ep.address().is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(ep.port());
}

// Serves the web page and API on HOST:PORT; beyond loopback only with the
// data directory's API token. Fills `api`.
Result<std::unique_ptr<HttpServer>> StartHttpApi(const std::string& host_port,
                                                 const std::string& dir, Node& node,
                                                 PeerManager& peers, std::unique_ptr<HttpApi>& api) {
  std::string host = HostOf(host_port);
  if (host == host_port)
    return Err(Status::InvalidArgument("--http '" + host_port + "' is not HOST:PORT"));
  ApiAccess access{.host = host};
  if (!IsLoopbackHost(host)) {
    auto token = LoadOrCreateApiToken(dir);
    if (!token) return Err(token.error());
    access.token = *token;
  }
  // civetweb binds addresses, not names.
  const std::string bind =
      host == "localhost" ? "127.0.0.1" + host_port.substr(host.size()) : host_port;
  api = std::make_unique<HttpApi>(node, &peers);
  // Each open event stream (a page) holds a thread.
  auto server = HttpServer::Start(
      bind, [a = api.get()](const HttpRequest& r) { return a->Serve(r); }, {.threads = 8});
  if (!server) return Err(server.error());
  access.port = (*server)->port();
  api->set_access(access);
  node.set_http_address((*server)->bound());
  if (!access.token.empty())
    spdlog::info("HTTP API beyond loopback: requests need the token in {}/{}", dir, kApiTokenFile);
  return server;
}

}  // namespace

// Every peer, handshake and RocksDB file is a descriptor; the soft limit
// (often 1024) is a default, not a decision: take what the hard limit allows.
static void RaiseDescriptorLimit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= lim.rlim_max) return;
  lim.rlim_cur = lim.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &lim) != 0)
    spdlog::warn("cannot raise the open-files limit: {}", std::strerror(errno));
}

Status RunDaemon(const DaemonOptions& opts) {
  crypto::InitCrypto();
  LogOptions log_opts{.level = opts.log_level, .format = opts.log_format, .file = opts.log_file};
  PRAXIS_RETURN_IF_ERROR(SetupLogging(log_opts));
  if (opts.role != "member" && opts.role != "seed")
    return Status::InvalidArgument("unknown role '" + opts.role + "': member or seed");
  const bool seed = opts.role == "seed";
  RaiseDescriptorLimit();
  const std::string dir = opts.data_dir.empty() ? DefaultDataDir() : opts.data_dir;

  auto lock = DataDirLock::Acquire(dir);
  if (!lock) return lock.error();
  Result<crypto::KeyPair> key = Err(Status::Cancelled(""));
  if (!opts.import_identity.empty()) {
    std::ifstream in(opts.import_identity);
    if (!in) return Status::IOError("cannot read " + opts.import_identity);
    std::string sealed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto pass =
        ReadPassphrase(opts.passphrase_file, "passphrase for " + opts.import_identity + ": ");
    if (!pass) return pass.error();
    auto unsealed = crypto::UnsealKey(sealed, *pass);
    if (!unsealed)
      return Status::InvalidArgument(opts.import_identity + ": " + unsealed.error().message());
    key = InstallImportedIdentity(dir, *unsealed);
  } else {
    key = LoadOrCreateIdentity(dir);
  }
  if (!key) return key.error();
  std::set<Id> seed_groups;
  for (const auto& g : opts.seed_groups) {
    auto id = Id::FromHex(g);
    if (!id) return Status::InvalidArgument("seed group '" + g + "' is not a group id (64 hex digits)");
    seed_groups.insert(*id);
  }
  auto store = storage::OpenRocksStore({.path = dir + "/db",
                                        .block_cache_bytes = opts.db_cache,
                                        .write_buffer_bytes = opts.db_write_buffer});
  if (!store) return store.error();
  if (!opts.import_identity.empty()) {
    // Until this node has caught up the member's own logs, signing could
    // fork them (DESIGN §3): remember that the key came from elsewhere.
    storage::WriteSet ws;
    ws.Put(storage::Column::kMeta, std::string(kImportedKey), "1");
    PRAXIS_RETURN_IF_ERROR((*store)->Write(ws, storage::Durability::kSync));
  }
  auto ingestor = Ingestor::Open(**store, {.max_per_author = opts.max_author_announcements,
                                          .max_per_group = opts.max_group_announcements});
  if (!ingestor) return ingestor.error();

  asio::io_context io;
  asio::thread_pool pool(2);
  Node node(io.get_executor(), pool, **store, std::move(*ingestor), std::move(*key),
            {.data_dir = dir, .key_path = dir + "/" + kKeyFileName});

  net::HandshakeOptions hs;
  {
    // The public network's key is a constant everybody can derive; a private
    // deployment sets its own, and its nodes never talk to anyone else's.
    std::string key_bytes = crypto::Blake2b256("praxis public network v1").Str();
    if (!opts.network_key.empty()) {
      auto k = Id::FromHex(opts.network_key);
      if (!k) return Status::InvalidArgument("--network-key must be 64 hex digits");
      key_bytes = k->Str();
    }
    hs.network_key = *net::NoisePskFromBytes(key_bytes);
    hs.clock_ms = node.NowMs();
  }
  node.set_storage_limits({.max_resource_size = opts.max_resource_size,
                           .quota = opts.quota,
                           .free_bytes = [dir = node.store().path()] { return FreeBytes(dir); }});
  PeerManagerOptions pm_opts;
  pm_opts.gossip.advertise = opts.advertise;
  pm_opts.gossip.author_rate = opts.author_rate >= 0 ? opts.author_rate : seed ? 100 : 0;
  if (seed) {
    // Seeds are where newcomers and members behind NAT arrive: many more
    // inbound slots, and peer exchange served to all of them.
    pm_opts.gossip.seed = true;
    pm_opts.gossip.max_active = 256;
    pm_opts.gossip.active_target = 8;
  }
  pm_opts.transfer.max_upload_rate = opts.max_upload_rate;
  pm_opts.transfer.max_download_rate = opts.max_download_rate;
  pm_opts.transfer.max_resource_size = opts.max_resource_size;
  pm_opts.transfer.free_bytes = node.storage_limits().free_bytes;
  pm_opts.transfer.wall_ms = [&node] { return node.NowMs(); };
  auto peers_or = PeerManager::Open(node, node.key(), hs, pm_opts);
  if (!peers_or) return peers_or.error();
  PeerManager& peers = **peers_or;
  if (!opts.listen.empty()) {
    auto ep = ParseHostPort(opts.listen);
    if (!ep) return ep.error();
    auto bound = peers.Listen(*ep);
    if (!bound)
      return Status::IOError("cannot listen on " + opts.listen + ": " + bound.error().message());
    node.set_listen_address(Format(*bound));
  }
  // Seeds are dialled now and redialled with backoff whenever the active
  // set is short (host names are resolved anew on every try).
  for (const auto& seed : opts.seeds) peers.AddSeed(seed);
  std::unique_ptr<net::LanBeacon> lan;
  if (opts.lan) {
    if (opts.listen.empty()) return Status::InvalidArgument("--lan needs --listen");
    auto port = static_cast<std::uint16_t>(ParseHostPort(node.listen_address())->port());
    lan = std::make_unique<net::LanBeacon>(
        io.get_executor(), hs.network_key, node.member(), port,
        [&peers](const Id& member, const tcp::endpoint& at) {
          peers.AddLanPeer(Format(at), member);
        });
    PRAXIS_RETURN_IF_ERROR(lan->Start());
  }

  ControlServer control(node, dir + "/praxis.sock", &peers);
  PRAXIS_RETURN_IF_ERROR(control.Start());
  Keeper keeper(node, peers);
  if (seed)
    keeper.set_seed_policy({.min_members = opts.seed_min_members,
                            .min_age_ms = opts.seed_min_age * 1000,
                            .groups = std::move(seed_groups),
                            .group_quota = opts.seed_group_quota});
  keeper.Start();
  // The web page and HTTP API. A node that cannot serve them warns once and
  // runs without: they are a window on the node, not the node.
  std::unique_ptr<HttpApi> api;
  std::unique_ptr<HttpServer> api_http;
  if (!opts.http.empty() && opts.http != "off") {
    auto started = StartHttpApi(opts.http, dir, node, peers, api);
    if (started) {
      api_http = std::move(*started);
    } else {
      spdlog::warn("{}; running without the web page and HTTP API", started.error().message());
      api.reset();
    }
  }

  // Ready: listening (when asked to), and caught up with a peer once (or no
  // seeds to catch up from).
  auto ready = [&]() -> std::optional<std::string> {
    if (!opts.listen.empty() && node.listen_address().empty()) return "not listening";
    if (!opts.seeds.empty() && !peers.gossip().last_in_sync())
      return peers.peer_count() ? "first catch-up not done" : "no seed reached yet";
    return std::nullopt;
  };
  // Kept only for the metrics: building it reads every open group's index.
  std::optional<HoldingsDigest> digest;
  if (!opts.metrics.empty()) digest.emplace(node);
  MetricsSources sources{.node = node,
                         .peers = peers,
                         .digest = digest ? &*digest : nullptr,
                         .disk_free = [path = node.store().path()] { return FreeBytes(path); },
                         .disk_total = [path = node.store().path()] { return TotalBytes(path); },
                         .ready = [&] { return !ready(); },
                         .quota = opts.quota,
                         .extra = [&node, &keeper] {
                           using X = MetricsSources::Extra;
                           return std::vector<X>{
                               X{"praxis_denied_announcements_total", "counter",
                                 "Announcements refused by the deny list",
                                 static_cast<double>(node.deny().refused_announcements())},
                               X{"praxis_denied_requests_total", "counter",
                                 "Resource requests refused by the deny list",
                                 static_cast<double>(node.deny().refused_requests())},
                               X{"praxis_seed_quota_reached", "gauge",
                                 "1 when a seed leaves practice circles' content out for want "
                                 "of quota",
                                 keeper.seed_quota_reached() ? 1.0 : 0.0},
                               X{"praxis_seed_groups_kept", "gauge",
                                 "Open groups whose content this seed keeps (its policy)",
                                 static_cast<double>(keeper.seed_groups_kept())},
                               X{"praxis_seed_groups_at_cap", "gauge",
                                 "Groups whose content on this seed is at seed_group_quota",
                                 static_cast<double>(keeper.seed_groups_at_cap())},
                               X{"praxis_author_cap_refused_total", "counter",
                                 "Announcements refused: their author at "
                                 "max_author_announcements",
                                 static_cast<double>(node.ingestor().capped_by_author())},
                               X{"praxis_group_cap_refused_total", "counter",
                                 "Announcements refused: their group at max_group_announcements",
                                 static_cast<double>(node.ingestor().capped_by_group())}};
                         }};
  // Runs on the node's thread.
  auto serve = [&](const HttpRequest& req) -> HttpResponse {
    if (req.method != "GET" && req.method != "HEAD") return {405, "text/plain", "GET only\n"};
    if (req.path == "/metrics")
      return {200, "text/plain; version=0.0.4; charset=utf-8", RenderMetrics(sources)};
    if (req.path == "/healthz") return {200, "text/plain", "ok\n"};
    if (req.path == "/readyz") {
      auto why = ready();
      return why ? HttpResponse{503, "text/plain", "not ready: " + *why + "\n"}
                 : HttpResponse{200, "text/plain", "ready\n"};
    }
    return {404, "text/plain", "not found: /metrics, /healthz, /readyz\n"};
  };
  std::unique_ptr<HttpServer> http;
  if (!opts.metrics.empty()) {
    auto started = HttpServer::Start(opts.metrics, [&io, &serve](const HttpRequest& req) {
      // Hand the work to the node's thread; a node too busy to answer in
      // 2 s is reported as such rather than blocking the scraper.
      auto done = std::make_shared<std::promise<HttpResponse>>();
      auto answer = done->get_future();
      asio::post(io, [done, req, &serve] { done->set_value(serve(req)); });
      if (answer.wait_for(std::chrono::seconds(2)) != std::future_status::ready)
        return HttpResponse{503, "text/plain", "node busy\n"};
      return answer.get();
    });
    if (!started) return started.error();
    http = std::move(*started);
  }

  spdlog::info("praxisd {} member {} ({})", PRAXIS_VERSION, node.member().Hex(), opts.role);
  spdlog::info("data directory {}", dir);
  spdlog::info("control socket {}", control.path());
  if (!opts.listen.empty()) spdlog::info("listening on {}", node.listen_address());
  if (http) spdlog::info("metrics on http://{}/metrics", http->bound());
  if (api_http) spdlog::info("web page and API on http://{}/", api_http->bound());
  sd_notifyf(0, "READY=1\nSTATUS=listening on %s", node.listen_address().c_str());

  asio::steady_timer stop_deadline(io);
  bool stopping = false;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  std::function<void(const asio::error_code&, int)> on_signal = [&](const asio::error_code& ec,
                                                                    int sig) {
    if (ec) return;
    if (stopping) {
      spdlog::warn("signal {} again: exiting at once", sig);
      spdlog::default_logger()->flush();
      std::_Exit(1);
    }
    stopping = true;
    spdlog::info("signal {}: stopping", sig);
    sd_notify(0, "STOPPING=1");
    signals.async_wait(on_signal);  // a second one exits at once
    http.reset();
    if (api) api->Stop();
    api_http.reset();
    control.Stop();
    keeper.Stop();
    if (lan) lan->Stop();
    peers.Close();
    stop_deadline.expires_after(kStopDeadline);
    stop_deadline.async_wait([](const asio::error_code& e) {
      if (e) return;
      spdlog::error("still stopping after {} s: exiting (acknowledged writes are durable)",
                    std::chrono::duration_cast<std::chrono::seconds>(kStopDeadline).count());
      spdlog::default_logger()->flush();
      std::_Exit(1);
    });
    // Acknowledged writes are already durable; wait for those in flight.
    node.Drain([&] {
      stop_deadline.cancel();
      io.stop();
    });
  };
  signals.async_wait(on_signal);
  asio::signal_set hangup(io, SIGHUP);
  std::function<void(const asio::error_code&, int)> on_hangup = [&](const asio::error_code& ec,
                                                                    int) {
    if (ec) return;
    if (opts.reread_log_level)
      if (auto level = opts.reread_log_level()) log_opts.level = *level;
    if (Status s = SetupLogging(log_opts); !s.ok())
      spdlog::error("SIGHUP: {} (logging as before)", s.message());
    else
      spdlog::info("SIGHUP: logs reopened, level {}", log_opts.level);
    hangup.async_wait(on_hangup);
  };
  hangup.async_wait(on_hangup);
  io.run();
  pool.join();
  spdlog::info("stopped");
  spdlog::default_logger()->flush();
  return Status::OK();
}

}  // namespace praxis::node
