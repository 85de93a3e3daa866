// praxisd: a praxis node. Parses options and configuration, then runs.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <map>
#include <set>

#include "praxis/node/config_file.h"
#include "praxis/node/daemon.h"
#include "praxis/node/data_dir.h"

int main(int argc, char** argv) {
  CLI::App app{"praxisd: a praxis node (peer-to-peer knowledge sharing)"};
  praxis::node::DaemonOptions opts;
  std::string config;
  app.set_version_flag("--version", std::string("praxisd ") + PRAXIS_VERSION);
  auto* dd = app.add_option("--data-dir", opts.data_dir,
                            "Data directory (default: $PRAXIS_HOME, $XDG_DATA_HOME/praxis, "
                            "~/.local/share/praxis)");
  app.add_option("--config", config, "TOML configuration file (flags override it)");
  auto* ls = app.add_option("--listen", opts.listen, "Listen for peers on HOST:PORT (port 0: any)");
  auto* ll =
      app.add_option("--log-level", opts.log_level, "trace, debug, info, warn, error")
          ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  auto* seeds = app.add_option("--seed", opts.seeds,
                               "A peer to dial, HOST:PORT (repeatable; config key 'seeds')");
  auto* nk =
      app.add_option("--network-key", opts.network_key,
                     "64 hex digits: a private deployment's key (default: the public network)");
  auto* lan = app.add_flag("--lan", opts.lan,
                           "Find peers on the local network with a beacon sealed by the network "
                           "key (UDP broadcast, port 7422; off by default)");
  auto* adv = app.add_option("--advertise", opts.advertise,
                             "HOST:PORT peers should dial to reach this node (behind NAT, on "
                             "Kubernetes; default: the address they see and the listen port)");
  auto* up = app.add_option("--max-upload-rate", opts.max_upload_rate,
                            "Bytes per second served to peers, e.g. 2MB (0: no limit)")
                 ->transform(CLI::AsSizeValue(true));
  auto* down = app.add_option("--max-download-rate", opts.max_download_rate,
                              "Bytes per second fetched from peers (0: no limit)")
                   ->transform(CLI::AsSizeValue(true));
  auto* maxsz = app.add_option("--max-resource-size", opts.max_resource_size,
                               "Largest file this node fetches or commits to (default 4GiB)")
                    ->transform(CLI::AsSizeValue(false));
  auto* quota = app.add_option("--quota", opts.quota,
                               "Content kept before fetched files nobody here committed to are "
                               "evicted, oldest first (default 5GiB; 0: no quota)")
                    ->transform(CLI::AsSizeValue(false));
  auto* role = app.add_option("--role", opts.role,
                              "member (default) or seed: an always-on node others bootstrap "
                              "from, with many more inbound slots")
                  ->check(CLI::IsMember({"member", "seed"}));
  auto* metrics = app.add_option("--metrics", opts.metrics,
                                 "Serve Prometheus /metrics, /healthz and /readyz on HOST:PORT");
  auto* http = app.add_option("--http", opts.http,
                              "Serve the web page and HTTP API on HOST:PORT (default "
                              "127.0.0.1:7421; off: none; beyond loopback a token is required, "
                              "see docs/api.md)");
  auto* ar = app.add_option("--author-rate", opts.author_rate,
                            "Pushes accepted per author per second; the rest waits for catch-up "
                            "(default: 100 on seeds, no limit on members; 0: none)")
                 ->check(CLI::NonNegativeNumber);
  auto* lf = app.add_option("--log-format", opts.log_format, "text (default) or json lines")
                 ->check(CLI::IsMember({"text", "json"}));
  auto* lfile = app.add_option("--log-file", opts.log_file,
                               "Log to this file instead of stdout (SIGHUP reopens it)");
  auto* cache = app.add_option("--db-cache", opts.db_cache,
                               "RocksDB block cache shared by all columns (default 32MiB)")
                    ->transform(CLI::AsSizeValue(false));
  auto* wbuf = app.add_option("--db-write-buffer", opts.db_write_buffer,
                              "RocksDB memtable per column (default 16MiB)")
                   ->transform(CLI::AsSizeValue(false));
  auto* max_author =
      app.add_option("--max-author-announcements", opts.max_author_announcements,
                     "Announcements held per author; more are refused (default 1000000)");
  auto* max_group =
      app.add_option("--max-group-announcements", opts.max_group_announcements,
                     "Announcements held per group; more are refused (default 10000000)");
  auto* min_members = app.add_option(
      "--seed-min-members", opts.seed_min_members,
      "Seed: keep the content of open groups with at least this many members (default 3)");
  auto* min_age = app.add_option(
      "--seed-min-age", opts.seed_min_age,
      "Seed: ... once the group is this many seconds old (default 3600)");
  auto* seed_groups = app.add_option(
      "--seed-group", opts.seed_groups,
      "Seed: keep only these groups' content (repeatable; replaces the members and age rule)");
  auto* group_quota = app.add_option("--seed-group-quota", opts.seed_group_quota,
                                     "Seed: content kept per group (default 1GiB; 0: no cap)")
                          ->transform(CLI::AsSizeValue(false));
  app.add_option("--import-identity", opts.import_identity,
                 "Start from an identity sealed by 'praxis identity export FILE'")
      ->check(CLI::ExistingFile);
  app.add_option("--passphrase-file", opts.passphrase_file,
                 "Read the import passphrase from this file (default: ask on the terminal)");
  CLI11_PARSE(app, argc, argv);
  std::set<std::string> given;
  for (auto [key, opt] : std::initializer_list<std::pair<const char*, CLI::Option*>>{
           {"data_dir", dd}, {"listen", ls}, {"log_level", ll}, {"seeds", seeds},
           {"network_key", nk}, {"lan", lan}, {"advertise", adv}, {"max_upload_rate", up},
           {"max_download_rate", down}, {"max_resource_size", maxsz}, {"quota", quota},
           {"role", role}, {"metrics", metrics}, {"log_format", lf}, {"log_file", lfile},
           {"author_rate", ar}, {"http", http}, {"db_cache", cache}, {"db_write_buffer", wbuf},
           {"max_author_announcements", max_author}, {"max_group_announcements", max_group},
           {"seed_min_members", min_members}, {"seed_min_age", min_age},
           {"seed_groups", seed_groups}, {"seed_group_quota", group_quota}})
    if (opt->count() > 0) given.insert(key);
  if (config.empty()) {
    // A praxis.toml in the data directory is read when no --config names one.
    const std::string dir =
        opts.data_dir.empty() ? praxis::node::DefaultDataDir() : opts.data_dir;
    if (std::filesystem::exists(dir + "/praxis.toml")) config = dir + "/praxis.toml";
  }
  if (!config.empty()) {
    if (auto s = praxis::node::ApplyConfigFile(config, opts, given); !s.ok()) {
      std::fprintf(stderr, "praxisd: %s\n", s.message().c_str());
      return 1;
    }
  }
  if (!config.empty() && !given.count("log_level"))
    opts.reread_log_level = [config] { return praxis::node::ConfigLogLevel(config); };
  try {
    praxis::Status s = praxis::node::RunDaemon(opts);
    if (!s.ok()) {
      std::fprintf(stderr, "praxisd: %s\n", s.message().c_str());
      return 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "praxisd: fatal: %s\n", e.what());
    return 1;
  }
  return 0;
}
