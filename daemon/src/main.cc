// praxisd: a praxis node. Parses options and configuration, then runs.
#include <toml++/toml.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <map>
#include <set>

#include "praxis/node/daemon.h"
#include "praxis/node/data_dir.h"

namespace {

bool spdlog_level_unknown(const std::string& s) {
  static const std::set<std::string> kLevels = {"trace", "debug",    "info", "warn",
                                                "error", "critical", "off"};
  return !kLevels.count(s);
}

// The configuration file's log_level now (for SIGHUP), if it names one.
std::optional<std::string> ConfigLogLevel(const std::string& path) {
  try {
    toml::table t = toml::parse_file(path);
    if (auto level = t["log_level"].value<std::string>(); level && !spdlog_level_unknown(*level))
      return *level;
  } catch (const toml::parse_error&) {
  }
  return std::nullopt;
}

// Fills unset options from a TOML file. Returns false (after printing one
// line naming file, line and key) on an unknown key or a bad value.
// `given`: keys also given as flags (flags win).
bool ApplyConfig(const std::string& path, praxis::node::DaemonOptions& o,
                 const std::set<std::string>& given) {
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::fprintf(stderr, "praxisd: %s:%u: %s\n", path.c_str(), e.source().begin.line,
                 std::string(e.description()).c_str());
    return false;
  }
  static const std::set<std::string> kKnown = {
      "data_dir",  "listen",          "log_level",         "seeds",
      "network_key", "lan",           "advertise",         "max_upload_rate",
      "max_download_rate", "max_resource_size", "quota", "role", "metrics", "log_format",
      "log_file", "author_rate", "http"};
  static const std::map<std::string, std::uint64_t praxis::node::DaemonOptions::*> kBytes = {
      {"max_upload_rate", &praxis::node::DaemonOptions::max_upload_rate},
      {"max_download_rate", &praxis::node::DaemonOptions::max_download_rate},
      {"max_resource_size", &praxis::node::DaemonOptions::max_resource_size},
      {"quota", &praxis::node::DaemonOptions::quota}};
  for (auto&& [k, v] : t) {
    std::string key(k.str());
    if (!kKnown.count(key)) {
      std::fprintf(stderr, "praxisd: %s:%u: unknown key '%s'\n", path.c_str(),
                   v.source().begin.line, key.c_str());
      return false;
    }
    if (auto b = kBytes.find(key); b != kBytes.end()) {
      auto n = v.value<std::int64_t>();
      if (!v.is_integer() || !n || *n < 0) {
        std::fprintf(stderr, "praxisd: %s:%u: key '%s' must be a whole number of bytes\n",
                     path.c_str(), v.source().begin.line, key.c_str());
        return false;
      }
      if (!given.count(key)) o.*(b->second) = static_cast<std::uint64_t>(*n);
      continue;
    }
    if (key == "author_rate") {
      auto n = v.value<double>();
      if (!(v.is_integer() || v.is_floating_point()) || !n || *n < 0) {
        std::fprintf(stderr, "praxisd: %s:%u: key 'author_rate' must be a number >= 0\n",
                     path.c_str(), v.source().begin.line);
        return false;
      }
      if (!given.count(key)) o.author_rate = *n;
      continue;
    }
    if (key == "seeds") {
      const toml::array* arr = v.as_array();
      if (!arr || !arr->is_homogeneous(toml::node_type::string)) {
        std::fprintf(stderr,
                     "praxisd: %s:%u: key 'seeds' must be a list of \"HOST:PORT\" strings\n",
                     path.c_str(), v.source().begin.line);
        return false;
      }
      if (!given.count(key))
        for (auto&& e : *arr) o.seeds.push_back(*e.value<std::string>());
      continue;
    }
    if (key == "lan") {
      if (!v.is_boolean()) {
        std::fprintf(stderr, "praxisd: %s:%u: key 'lan' must be true or false\n", path.c_str(),
                     v.source().begin.line);
        return false;
      }
      if (!given.count(key)) o.lan = *v.value<bool>();
      continue;
    }
    if (!v.is_string()) {
      std::fprintf(stderr, "praxisd: %s:%u: key '%s' must be a string\n", path.c_str(),
                   v.source().begin.line, key.c_str());
      return false;
    }
    std::string s = *v.value<std::string>();
    if (given.count(key)) continue;
    if (key == "data_dir") o.data_dir = s;
    if (key == "listen") o.listen = s;
    if (key == "log_level") o.log_level = s;
    if (key == "network_key") o.network_key = s;
    if (key == "advertise") o.advertise = s;
    if (key == "metrics") o.metrics = s;
    if (key == "http") o.http = s;
    if (key == "log_file") o.log_file = s;
    if (key == "role" || key == "log_format") {
      const bool ok = key == "role" ? (s == "member" || s == "seed") : (s == "text" || s == "json");
      if (!ok) {
        std::fprintf(stderr, "praxisd: %s:%u: key '%s' must be %s, not '%s'\n", path.c_str(),
                     v.source().begin.line, key.c_str(),
                     key == "role" ? "\"member\" or \"seed\"" : "\"text\" or \"json\"",
                     s.c_str());
        return false;
      }
      (key == "role" ? o.role : o.log_format) = s;
    }
    if (key == "log_level" && spdlog_level_unknown(s)) {
      std::fprintf(stderr,
                   "praxisd: %s:%u: key 'log_level' must be one of trace, debug, info, warn, "
                   "error, critical, off, not '%s'\n",
                   path.c_str(), v.source().begin.line, s.c_str());
      return false;
    }
  }
  return true;
}

}  // namespace

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
           {"author_rate", ar}, {"http", http}})
    if (opt->count() > 0) given.insert(key);
  if (config.empty()) {
    // A praxis.toml in the data directory is read when no --config names one.
    const std::string dir =
        opts.data_dir.empty() ? praxis::node::DefaultDataDir() : opts.data_dir;
    if (std::filesystem::exists(dir + "/praxis.toml")) config = dir + "/praxis.toml";
  }
  if (!config.empty() && !ApplyConfig(config, opts, given)) return 1;
  if (!config.empty() && !given.count("log_level"))
    opts.reread_log_level = [config] { return ConfigLogLevel(config); };
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
