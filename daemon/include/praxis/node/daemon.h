// Daemon: wires a data directory, store, node, control socket and listener
// together and runs them until a signal. main() only parses options.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "praxis/storage/status.h"

namespace praxis::node {

struct DaemonOptions {
  std::string data_dir;  // Default: DefaultDataDir()
  std::string listen;    // "HOST:PORT" (port 0: any); empty: do not listen
  std::string log_level = "info";
  std::vector<std::string> seeds;  // HOST:PORT peers dialled at start and whenever we have none
  std::string network_key;         // 64 hex digits; empty: the public network's built-in key
  bool lan = false;                // LAN beacon (--lan)
  std::string advertise;           // HOST:PORT told to peers instead of what they see
  std::uint64_t max_upload_rate = 0;    // bytes/s served to peers; 0: no limit
  std::uint64_t max_download_rate = 0;  // bytes/s fetched; 0: no limit
  std::uint64_t max_resource_size = std::uint64_t{4} << 30;
  // Bytes of content kept before fetched content nobody here committed to is
  // evicted, oldest first (own shares and republish commitments stay).
  std::uint64_t quota = std::uint64_t{5} << 30;
  std::string import_identity;  // a sealed export to start from (praxis identity export)
  std::string passphrase_file;  // its passphrase's file; empty: ask on the terminal
  std::string role = "member";  // member | seed: a seed takes more inbound peers
  // Eager pushes accepted per author per second before the rest waits for
  // catch-up; < 0: the role's default (seeds 100, members no limit), 0: none.
  double author_rate = -1;
  std::string metrics;          // HOST:PORT for /metrics, /healthz, /readyz; empty: off
  // HOST:PORT for the web page and HTTP API (docs/api.md); "" or "off": none.
  // Beyond loopback, requests need the token in DATA_DIR/api-token.
  std::string http = "127.0.0.1:7421";
  std::string log_format = "text";  // text | json (JSON lines)
  std::string log_file;             // empty: stdout; SIGHUP reopens it
  // RocksDB memory: the block cache shared by all columns and the memtable
  // of each column, so a container's memory limit means something.
  std::uint64_t db_cache = std::uint64_t{32} << 20;
  std::uint64_t db_write_buffer = std::uint64_t{16} << 20;
  // Announcements held per author and per group (logs of all members); what
  // is over is refused as out of scope (a valid key filling the disk).
  std::uint64_t max_author_announcements = 1'000'000;
  std::uint64_t max_group_announcements = 10'000'000;
  // Seed role: which open groups' content it keeps (publishing practice
  // circles are kept whatever their size). An allow-list of group ids, when
  // given, replaces the size and age rule.
  std::uint64_t seed_min_members = 3;
  std::uint64_t seed_min_age = 3600;  // seconds since the group's genesis
  std::vector<std::string> seed_groups;
  std::uint64_t seed_group_quota = std::uint64_t{1} << 30;  // content kept per group
  // SIGHUP: the log level to use from now on (the configuration file read
  // again), or nullopt to keep it. Null: keep it.
  std::function<std::optional<std::string>()> reread_log_level;
};

// Runs until SIGINT/SIGTERM: stops accepting, finishes writes in flight and
// returns within 10 s (a second signal exits at once). SIGHUP reopens the log
// file and rereads the level. Tells systemd READY=1 once listening. Returns
// a failed Status (one line) when the node cannot start; the caller prints it
// and exits non-zero.
Status RunDaemon(const DaemonOptions& opts);

}  // namespace praxis::node
