#include "praxis/node/metrics.h"

#include <fmt/format.h>

#include <array>

#include "praxis/node/peer_manager.h"

namespace praxis::node {

namespace {

// Label values are escaped as the format asks: backslash, quote, newline.
std::string Escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

void Exposition::Family(const std::string& name, const char* type, const std::string& help) {
  out_ += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void Exposition::Sample(const std::string& name, double value, const Labels& labels) {
  out_ += name;
  if (!labels.empty()) {
    out_ += '{';
    for (std::size_t i = 0; i < labels.size(); ++i)
      out_ += (i ? "," : "") + labels[i].first + "=\"" + Escape(labels[i].second) + "\"";
    out_ += '}';
  }
  out_ += fmt::format(" {}\n", value);
}

std::string RenderMetrics(const MetricsSources& s) {
  Exposition e;
  Node& node = s.node;
  Gossip& gossip = s.peers.gossip();
  const std::uint64_t now_ms = node.NowMs();

  e.Family("praxis_build_info", "gauge", "Version of this praxisd");
  e.Sample("praxis_build_info", 1, {{"version", PRAXIS_VERSION}});
  e.Family("praxis_ready", "gauge", "1 when /readyz answers 200");
  e.Sample("praxis_ready", s.ready() ? 1 : 0);

  std::uint64_t inbound = 0, outbound = 0, bytes_in = 0, bytes_out = 0;
  for (const PeerInfo& p : s.peers.Peers()) {
    (p.inbound ? inbound : outbound) += 1;
    bytes_in += p.bytes_in;
    bytes_out += p.bytes_out;
  }
  e.Family("praxis_peers", "gauge", "Linked peers by direction");
  e.Sample("praxis_peers", static_cast<double>(inbound), {{"direction", "inbound"}});
  e.Sample("praxis_peers", static_cast<double>(outbound), {{"direction", "outbound"}});
  e.Family("praxis_peer_bytes_total", "counter",
           "Bytes over links that are up now, by direction (encrypted frames)");
  e.Sample("praxis_peer_bytes_total", static_cast<double>(bytes_in), {{"direction", "in"}});
  e.Sample("praxis_peer_bytes_total", static_cast<double>(bytes_out), {{"direction", "out"}});

  const GossipCounters& g = gossip.counters();
  e.Family("praxis_announcements_accepted_total", "counter",
           "Announcements this node holds (accepted since the store was created)");
  e.Sample("praxis_announcements_accepted_total",
           static_cast<double>(node.ingestor().accepted_total()));
  e.Family("praxis_announcements_received_total", "counter",
           "Announcements received from peers since start, by what became of them");
  for (const auto& [outcome, n] :
       std::array<std::pair<const char*, std::uint64_t>, 6>{{{"accepted", g.delivered},
                                                             {"duplicate", g.duplicates},
                                                             {"invalid", g.invalid},
                                                             {"deferred", g.deferred},
                                                             {"out_of_scope", g.out_of_scope},
                                                             {"fork", g.forks}}})
    e.Sample("praxis_announcements_received_total", static_cast<double>(n),
             {{"outcome", outcome}});
  e.Family("praxis_announcements_pending", "gauge", "Announcements waiting for a dependency");
  e.Sample("praxis_announcements_pending", static_cast<double>(node.ingestor().pending()));
  e.Family("praxis_gossip_sent_total", "counter", "Gossip messages sent since start, by kind");
  e.Sample("praxis_gossip_sent_total", static_cast<double>(g.pushes_sent), {{"kind", "push"}});
  e.Sample("praxis_gossip_sent_total", static_cast<double>(g.replies_sent), {{"kind", "reply"}});
  e.Sample("praxis_gossip_sent_total", static_cast<double>(g.ihave_ids_sent),
           {{"kind", "ihave_id"}});
  e.Sample("praxis_gossip_sent_total", static_cast<double>(g.grafts_sent), {{"kind", "graft"}});
  e.Sample("praxis_gossip_sent_total", static_cast<double>(g.prunes_sent), {{"kind", "prune"}});
  e.Family("praxis_rate_limited_total", "counter",
           "Eager pushes deferred to catch-up: their author was over the per-author rate");
  e.Sample("praxis_rate_limited_total", static_cast<double>(g.rate_limited));
  e.Family("praxis_handshakes_dropped_total", "counter",
           "Half-open inbound handshakes dropped to make room (max_handshakes in flight)");
  e.Sample("praxis_handshakes_dropped_total", static_cast<double>(s.peers.handshakes_dropped()));
  e.Family("praxis_refused_links_total", "counter", "Links refused: banned, duplicate or full");
  e.Sample("praxis_refused_links_total", static_cast<double>(g.refused_links));
  auto tables = gossip.TableSizes();
  tables.push_back({"handshakes", s.peers.handshaking(), s.peers.max_handshakes()});
  e.Family("praxis_table_entries", "gauge",
           "Entries in each table a peer can make grow (bounded by praxis_table_cap)");
  for (const auto& t : tables)
    e.Sample("praxis_table_entries", static_cast<double>(t.entries), {{"table", t.name}});
  e.Family("praxis_table_cap", "gauge", "The bound of each table in praxis_table_entries");
  for (const auto& t : tables)
    e.Sample("praxis_table_cap", static_cast<double>(t.cap), {{"table", t.name}});

  e.Family("praxis_catchup_lag_seconds", "gauge",
           "Seconds since a peer's digest last showed nothing this node lacks (-1: never)");
  const Millis in_sync = gossip.last_in_sync();
  const Millis mono = s.peers.NowMono();
  e.Sample("praxis_catchup_lag_seconds",
           in_sync ? static_cast<double>(mono > in_sync ? mono - in_sync : 0) / 1000.0 : -1.0);

  const TransferCounters& t = s.peers.transfer().counters();
  e.Family("praxis_chunks_total", "counter", "Resource pieces moved since start, by direction");
  e.Sample("praxis_chunks_total", static_cast<double>(t.chunks_served), {{"direction", "served"}});
  e.Sample("praxis_chunks_total", static_cast<double>(t.chunks_received),
           {{"direction", "received"}});
  e.Family("praxis_chunk_bytes_total", "counter", "Resource bytes moved since start, by direction");
  e.Sample("praxis_chunk_bytes_total", static_cast<double>(t.bytes_served),
           {{"direction", "served"}});
  e.Sample("praxis_chunk_bytes_total", static_cast<double>(t.bytes_received),
           {{"direction", "received"}});
  e.Family("praxis_chunk_requests_refused_total", "counter",
           "Piece requests not served (group rules)");
  e.Sample("praxis_chunk_requests_refused_total", static_cast<double>(t.refused));
  e.Family("praxis_bad_pieces_total", "counter", "Pieces received that failed their hash");
  e.Sample("praxis_bad_pieces_total", static_cast<double>(t.bad_pieces));

  std::uint64_t storage_bytes = 0;
  for (int c = 0; c < static_cast<int>(storage::Column::kCount); ++c)
    storage_bytes += node.store().ApproximateBytes(static_cast<storage::Column>(c));
  const std::uint64_t content = node.store().ApproximateBytes(storage::Column::kChunks);
  e.Family("praxis_storage_bytes", "gauge", "Bytes the database takes on disk (RocksDB estimate)");
  e.Sample("praxis_storage_bytes", static_cast<double>(storage_bytes));
  e.Family("praxis_content_bytes", "gauge", "Bytes of resource content held (RocksDB estimate)");
  e.Sample("praxis_content_bytes", static_cast<double>(content));
  e.Family("praxis_quota_bytes", "gauge", "Content kept before fetched content is evicted (0: none)");
  e.Sample("praxis_quota_bytes", static_cast<double>(s.quota));
  if (s.disk_free)
    if (auto free = s.disk_free()) {
      e.Family("praxis_disk_free_bytes", "gauge", "Bytes free where the database lives");
      e.Sample("praxis_disk_free_bytes", static_cast<double>(*free));
    }
  if (s.disk_total)
    if (auto total = s.disk_total()) {
      e.Family("praxis_disk_total_bytes", "gauge", "Size of the filesystem the database lives on");
      e.Sample("praxis_disk_total_bytes", static_cast<double>(*total));
    }

  std::array<std::uint64_t, 3> by_stage{};
  for (const auto& [id, grp] : node.ingestor().Groups())
    ++by_stage[static_cast<std::size_t>(grp.engine->Report().stage)];
  e.Family("praxis_groups", "gauge", "Groups held, by stage");
  for (Stage st : {Stage::kNetwork, Stage::kPractice, Stage::kInfluence})
    e.Sample("praxis_groups", static_cast<double>(by_stage[static_cast<std::size_t>(st)]),
             {{"stage", StageName(st)}});

  if (s.digest) {
    e.Family("praxis_holdings_digest", "gauge",
             "XOR of 48-bit id prefixes of settled open-group announcements; equal on converged "
             "seeds");
    e.Sample("praxis_holdings_digest", static_cast<double>(s.digest->Value(now_ms)));
  }

  if (s.extra)
    for (const auto& x : s.extra()) {
      e.Family(x.name, x.type, x.help);
      e.Sample(x.name, x.value);
    }
  return e.Take();
}

}  // namespace praxis::node
