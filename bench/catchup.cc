// bench/catchup.cc: how fast a node that was away catches up from a peer, set
// against the machine's own limit, single-core Ed25519 verification, and how
// many bytes that costs against the bytes of what it missed (DESIGN §4: "a
// node offline for a week catches up in one exchange").
//
// For each author count (--authors 10,10000 by default):
// 1. Generates signed envelopes (SignDraft) from that many authors: geneses,
//    a join by every author into each group it takes part in before anything
//    else there, then shares. Signing runs on every core and is not timed.
// 2. Loads the first --held of them into two fresh RocksDB stores, the lagging
//    node's and the ahead node's, through Ingestor::IngestBatch on every core
//    (setup, not timed), then the next --missing into the ahead store only.
// 3. Opens a Node and a PeerManager (Noise over TCP on 127.0.0.1) for each,
//    both on one io_context run by this thread (one core), connects lagging ->
//    ahead and times from the dial until the lagging ingestor has accepted
//    all --missing announcements (checked after every handler the loop runs,
//    no fixed sleeps), then checks that every group's fingerprint agrees.
// 4. Measures raw libsodium verification (crypto_sign_verify_detached, one
//    thread, CPU time) over the missing announcements' signed bytes, in
//    slices before and after the catch-up; reports their median.
//
// Prints lines for people, then exactly one JSON object as the last line:
// {"runs":[{...},...],...}. Exit status: 0 when every run caught up fully
// with matching fingerprints, 1 when one did not (its figures are then
// meaningless), 2 on a setup error. The figures themselves are not
// pass/fail. Touches nothing outside its temp directory.
#include <fmt/core.h>
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>
#include <asio/thread_pool.hpp>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/bench_util.h"
#include "common/corpus.h"
#include "praxis/crypto/crypto.h"
#include "praxis/node/announcement.h"
#include "praxis/node/ingestor.h"
#include "praxis/node/node.h"
#include "praxis/node/peer_manager.h"
#include "praxis/storage/store.h"
#include "wire.pb.h"

namespace praxis::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using node::IngestOutcome;

constexpr double kGoalRatio = 0.5;       // catch-up rate / single-core verify rate, at least
constexpr double kGoalBytesRatio = 1.2;  // bytes received / bytes of the missing envelopes, at most

struct Options {
  std::vector<std::uint32_t> authors = {10, 10000};
  std::uint64_t held = 1000000;
  std::uint64_t missing = 100000;
  std::uint32_t groups = 10;
  std::string dir;  // empty: a fresh temp dir, removed at the end
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());  // setup only
  std::uint64_t seed = 1;
  double slice_s = 0.3;
  double stall_s = 60;             // catch-up without progress this long: give up
  std::size_t block_cache_mb = 0;  // 0: the store's default
  bool restart = false;            // reopen both stores before the catch-up (cold caches)
  bool quick = false;
};

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

// ---------------------------------------------------------------------------
// Where the store time goes during the catch-up: forwards to the real store
// and, while `on`, adds up the wall time of the calling (node) thread's
// reads, scans and writes. One per node.
class TimedStore final : public storage::Store {
 public:
  struct Tally {
    double get_s = 0, scan_s = 0, write_s = 0;
    std::uint64_t gets = 0, scans = 0, writes = 0;
  };

  explicit TimedStore(std::unique_ptr<storage::Store> inner) : inner_(std::move(inner)) {}

  void Start() {
    tally_ = {};
    owner_ = std::this_thread::get_id();
    on_ = true;
  }
  void Stop() { on_ = false; }
  const Tally& tally() const { return tally_; }

  Result<std::optional<std::string>> Get(storage::Column c, std::string_view key) override {
    if (!Timing()) return inner_->Get(c, key);
    auto t0 = Clock::now();
    auto r = inner_->Get(c, key);
    tally_.get_s += Seconds(Clock::now() - t0);
    ++tally_.gets;
    return r;
  }
  Status Write(const storage::WriteSet& ws, storage::Durability d) override {
    if (!Timing()) return inner_->Write(ws, d);
    auto t0 = Clock::now();
    Status s = inner_->Write(ws, d);
    tally_.write_s += Seconds(Clock::now() - t0);
    ++tally_.writes;
    return s;
  }
  Status Scan(storage::Column c, std::string_view prefix, const storage::ScanFn& fn,
              std::string_view start) override {
    if (!Timing()) return inner_->Scan(c, prefix, fn, start);
    // The visitor's own time (what the caller does per entry) is counted too.
    auto t0 = Clock::now();
    Status s = inner_->Scan(c, prefix, fn, start);
    tally_.scan_s += Seconds(Clock::now() - t0);
    ++tally_.scans;
    return s;
  }
  Result<std::optional<std::pair<std::string, std::string>>> Last(
      storage::Column c, std::string_view prefix) override {
    return inner_->Last(c, prefix);
  }
  Status Flush(storage::Column c) override { return inner_->Flush(c); }
  std::uint64_t ApproximateBytes(storage::Column c) override { return inner_->ApproximateBytes(c); }
  const std::string& path() const override { return inner_->path(); }

 private:
  bool Timing() const { return on_ && std::this_thread::get_id() == owner_; }

  std::unique_ptr<storage::Store> inner_;
  std::atomic<bool> on_{false};
  std::thread::id owner_;
  Tally tally_;
};

// ---------------------------------------------------------------------------
// Corpus generation, in order and in chunks (1.1M envelopes need not all be
// in memory at once).

std::uint64_t NowMs() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

class Generator {
 public:
  Generator(std::uint32_t authors, std::uint32_t groups, std::uint64_t total, std::uint64_t seed)
      : groups_(groups), seed_(seed), rng_(seed ^ authors) {
    keys_.reserve(authors);
    for (std::uint32_t a = 0; a < authors; ++a) keys_.push_back(crypto::KeyPair::Generate());
    authors_.resize(authors);
    // Who takes part where: 1 to 3 groups each; a group's creator is a member
    // through its genesis, everyone else joins first.
    for (std::uint32_t g = 0; g < groups; ++g) authors_[g % authors].groups.push_back(g);
    for (auto& st : authors_) {
      st.member_of = st.groups.size();
      const std::size_t want = 1 + Below(std::min<std::uint32_t>(3, groups));
      while (st.groups.size() < want) {
        auto g = static_cast<std::uint32_t>(Below(groups));
        if (std::find(st.groups.begin(), st.groups.end(), g) == st.groups.end())
          st.groups.push_back(g);
      }
    }
    base_ = NowMs() - 86'400'000 - total;
    group_ids_.resize(groups);
  }

  // Envelopes for slots [start, end), in order; signing runs on `pool`.
  // Slots below `groups` are the geneses.
  void Make(std::uint64_t start, std::uint64_t end, WorkerPool& pool,
            std::vector<node::RawDelivery>& out, std::vector<Sample>* samples,
            std::uint64_t sample_stride) {
    out.assign(end - start, {});
    plan_.assign(end - start, {});
    for (std::uint64_t s = start; s < end; ++s) {
      Planned& p = plan_[s - start];
      if (s < groups_) {
        p.author = static_cast<std::uint32_t>(s % authors_.size());
        p.kind = wire::KIND_GENESIS;
        p.group = static_cast<std::uint32_t>(s);
        continue;
      }
      p.author = static_cast<std::uint32_t>(Below(authors_.size()));
      AuthorState& st = authors_[p.author];
      if (st.member_of < st.groups.size()) {
        p.kind = wire::KIND_JOIN;
        p.group = st.groups[st.member_of++];
        continue;
      }
      p.kind = wire::KIND_SHARE;
      p.group = st.groups[Below(st.groups.size())];
    }
    // Geneses first, on this thread: every other announcement names one.
    std::uint64_t s = start;
    for (; s < end && s < groups_; ++s) Sign(s, start, out);
    // Each thread owns a set of authors and walks their logs in order, so
    // seq/prev chains need no locking.
    const unsigned parts = pool.size();
    const std::uint64_t from = s;
    pool.Run(
        parts,
        [&](std::size_t t) {
          for (std::uint64_t k = from; k < end; ++k)
            if (plan_[k - start].author % parts == t) Sign(k, start, out);
        },
        1);
    if (samples) {
      for (std::uint64_t k = start; k < end; ++k) {
        if (k % sample_stride != 0) continue;
        auto a = node::ParseAnnouncement(out[k - start].envelope);
        if (a) samples->push_back({node::SignedBytes(a->header, a->body), a->signature, a->author});
      }
    }
  }

  // Logs as generated: (author key, group id) -> (seq, head), for the check.
  std::size_t log_count() const {
    std::size_t n = 0;
    for (const auto& st : authors_) n += st.logs.size();
    return n;
  }

 private:
  struct LogState {
    std::uint64_t seq = 0;
    Id head;
  };
  struct AuthorState {
    std::vector<std::uint32_t> groups;  // groups this author takes part in, in join order
    std::size_t member_of = 0;          // groups[0, member_of) created or joined
    std::unordered_map<std::uint32_t, LogState> logs;  // by group index; one thread at a time
  };
  struct Planned {
    std::uint32_t author = 0;
    std::uint32_t kind = 0;
    std::uint32_t group = 0;
  };

  std::uint64_t Below(std::uint64_t k) {
    return std::uniform_int_distribution<std::uint64_t>(0, k - 1)(rng_);
  }

  void Sign(std::uint64_t s, std::uint64_t start, std::vector<node::RawDelivery>& out) {
    const Planned& p = plan_[s - start];
    LogState& log = authors_[p.author].logs[p.group];
    node::Draft d;
    d.kind = p.kind;
    d.seq = log.seq + 1;
    if (log.seq) d.prev = log.head;
    d.created = base_ + s;  // follows delivery order; geneses come first
    if (p.kind == wire::KIND_GENESIS) {
      d.body = GenesisBody(seed_, p.group);
    } else {
      d.group = group_ids_[p.group];
      d.body = p.kind == wire::KIND_SHARE ? ShareBody(seed_, s) : node::SerializeBody(wire::Join());
    }
    node::Announcement ann = node::SignDraft(keys_[p.author], d);
    if (p.kind == wire::KIND_GENESIS) group_ids_[p.group] = ann.id;
    log = {d.seq, ann.id};
    out[s - start].envelope = std::move(ann.envelope);
  }

  std::uint32_t groups_;
  std::uint64_t seed_;
  std::mt19937_64 rng_;
  std::uint64_t base_ = 0;
  std::vector<crypto::KeyPair> keys_;
  std::vector<AuthorState> authors_;
  std::vector<Id> group_ids_;
  std::vector<Planned> plan_;
};

// ---------------------------------------------------------------------------
// One node of the pair.
struct Peer {
  std::unique_ptr<TimedStore> store;
  std::unique_ptr<node::Ingestor> ingestor;  // until the Node takes it
  std::unique_ptr<node::Node> node;
  std::unique_ptr<node::PeerManager> peers;
  std::uint16_t port = 0;

  node::Ingestor& ing() { return node ? node->ingestor() : *ingestor; }
};

Status OpenPeer(const fs::path& dir, std::size_t block_cache_mb, Peer& p) {
  storage::StoreOptions so{.path = dir.string()};
  if (block_cache_mb) so.block_cache_bytes = block_cache_mb << 20;
  auto s = storage::OpenRocksStore(so);
  if (!s) return s.error();
  p.store = std::make_unique<TimedStore>(std::move(*s));
  auto ing = node::Ingestor::Open(*p.store, {});
  if (!ing) return ing.error();
  p.ingestor = std::move(*ing);
  return Status::OK();
}

struct RunResult {
  std::uint32_t authors = 0;
  std::uint64_t held = 0, missing = 0;
  bool complete = false;
  bool fingerprints_match = false;
  std::uint64_t caught_up = 0;  // announcements the lagging node accepted during the catch-up
  double seconds = 0;
  double verify_per_s = 0;
  std::vector<double> verify_slices;
  double catchup_per_s = 0;
  double ratio = 0;
  std::uint64_t bytes_received = 0, bytes_sent = 0, bytes_missing = 0;
  double bytes_ratio = 0;
  double setup_s = 0;
  double thread_cpu_s = 0, process_cpu_s = 0;
  std::uint64_t logs = 0;
  std::uint64_t differing_groups = 0;
  node::GossipCounters lag_counters, ahead_counters;
  TimedStore::Tally lag_store, ahead_store;
  std::uint64_t verify_failures = 0;
};

std::string JoinRates(const std::vector<double>& v) {
  std::string out;
  for (double x : v) out += fmt::format("{}{:.0f}", out.empty() ? "" : ",", x);
  return out;
}

// Runs `io` on this thread until cond() holds or the catch-up stalls (no
// change in progress() for stall_s). Checks after every handler, so the
// finish time is exact to one handler.
bool RunUntil(asio::io_context& io, const std::function<bool()>& cond,
              const std::function<std::uint64_t()>& progress, double stall_s) {
  auto guard = asio::make_work_guard(io);
  io.restart();
  std::uint64_t last = progress();
  auto last_change = Clock::now();
  while (!cond()) {
    io.run_one_for(std::chrono::milliseconds(20));
    if (const std::uint64_t now = progress(); now != last) {
      last = now;
      last_change = Clock::now();
    } else if (Seconds(Clock::now() - last_change) > stall_s) {
      return cond();
    }
  }
  return true;
}

Result<RunResult> RunOnce(const Options& o, std::uint32_t authors, const fs::path& dir,
                          WorkerPool& pool) {
  RunResult r;
  r.authors = authors;
  r.held = o.held;
  r.missing = o.missing;
  const std::uint64_t total = o.held + o.missing;
  fmt::print(
      "\n== {} authors: {} held by both, {} more made while the lagging node is away, {} "
      "groups\n",
      authors, o.held, o.missing, o.groups);
  std::fflush(stdout);

  // Declared first so that they outlive the nodes on every way out.
  asio::io_context io;
  asio::thread_pool node_pool(1);  // the nodes' own writes; unused here

  // 1-2. Generate and load (not timed).
  Peer lag, ahead;
  if (std::error_code ec; !fs::create_directories(dir, ec) && ec)
    return Err(Status::IOError(fmt::format("cannot create {}: {}", dir.string(), ec.message())));
  if (Status s = OpenPeer(dir / "lagging", o.block_cache_mb, lag); !s.ok()) return Err(s);
  if (Status s = OpenPeer(dir / "ahead", o.block_cache_mb, ahead); !s.ok()) return Err(s);
  const auto setup0 = Clock::now();
  Generator gen(authors, o.groups, total, o.seed);
  const node::ParallelFor pf = [&](std::size_t n, const std::function<void(std::size_t)>& fn) {
    pool.Run(n, fn, 4);
  };
  constexpr std::uint64_t kChunk = 4096;
  constexpr std::size_t kSamples = 4096;
  const std::uint64_t stride = std::max<std::uint64_t>(1, o.missing / kSamples);
  std::vector<Sample> samples;
  std::vector<node::RawDelivery> chunk;
  std::uint64_t next_report = 200000;
  for (std::uint64_t start = 0; start < total;) {
    const std::uint64_t end = std::min(start + kChunk, start < o.held ? o.held : total);
    const bool missing = start >= o.held;
    gen.Make(start, end, pool, chunk, missing ? &samples : nullptr, stride);
    for (Peer* p : {&lag, &ahead}) {
      if (missing && p == &lag) continue;
      std::vector<IngestOutcome> out = p->ing().IngestBatch(chunk, storage::Durability::kWal, pf);
      for (const auto& oc : out)
        if (!oc.ok())
          return Err(
              Status::FailedPrecondition(fmt::format("setup: slot {} not accepted: {}: {}", start,
                                                     node::OutcomeName(oc.kind), oc.reason)));
    }
    if (missing)
      for (const auto& d : chunk) r.bytes_missing += d.envelope.size();
    start = end;
    if (start >= next_report && start < total) {
      fmt::print("  setup: {} of {} loaded ({:.0f} s)\n", start, total,
                 Seconds(Clock::now() - setup0));
      std::fflush(stdout);
      next_report += 200000;
    }
  }
  r.setup_s = Seconds(Clock::now() - setup0);
  r.logs = gen.log_count();
  fmt::print(
      "  setup: {} logs; lagging holds {}, ahead holds {} ({:.1f} s, not timed); missing "
      "envelopes {} B, average {:.0f} B\n",
      r.logs, lag.ing().accepted_total(), ahead.ing().accepted_total(), r.setup_s, r.bytes_missing,
      static_cast<double>(r.bytes_missing) / static_cast<double>(o.missing));
  std::fflush(stdout);
  if (o.restart) {
    // As a node that was switched off: close both stores and open them again,
    // so caches are cold and the ingestors rebuild their state from disk.
    const auto t = Clock::now();
    for (Peer* p : {&lag, &ahead}) {
      const fs::path path = p->store->path();
      p->ingestor.reset();
      p->store.reset();
      if (Status s = OpenPeer(path, o.block_cache_mb, *p); !s.ok()) return Err(s);
    }
    fmt::print(
        "  restart: both stores closed and reopened, ingestors rebuilt ({:.1f} s, not "
        "timed)\n",
        Seconds(Clock::now() - t));
    std::fflush(stdout);
  }

  std::uint64_t failures = 0;
  r.verify_slices.push_back(VerifySlice(samples, o.slice_s, failures));
  r.verify_slices.push_back(VerifySlice(samples, o.slice_s, failures));

  // 3. Two nodes on one io_context, this thread.
  net::HandshakeOptions hs;
  hs.network_key.fill(0x42);
  node::PeerManagerOptions pmo;
  pmo.gossip.active_target = 1;  // dial nobody beyond the one connect
  for (Peer* p : {&lag, &ahead}) {
    p->node = std::make_unique<node::Node>(io.get_executor(), node_pool, *p->store,
                                           std::move(p->ingestor), crypto::KeyPair::Generate(),
                                           node::NodeOptions{});
    auto pm = node::PeerManager::Open(*p->node, p->node->key(), hs, pmo);
    if (!pm) return Err(pm.error());
    p->peers = std::move(*pm);
    auto ep = p->peers->Listen(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    if (!ep) return Err(ep.error());
    p->port = ep->port();
  }
  const auto& lag_index = lag.peers->gossip().log_index();
  const auto& ahead_index = ahead.peers->gossip().log_index();
  for (const auto& [group, g] : ahead_index.groups())
    if (lag_index.Fingerprint(group) != g.fingerprint) ++r.differing_groups;
  fmt::print("  nodes open: {} of {} groups differ by fingerprint; connecting lagging -> ahead\n",
             r.differing_groups, ahead_index.groups().size());
  std::fflush(stdout);

  const std::uint64_t baseline = lag.ing().accepted_total();
  const std::uint64_t target = baseline + o.missing;
  lag.store->Start();
  ahead.store->Start();
  const double thread_cpu0 = CpuSeconds(CLOCK_THREAD_CPUTIME_ID);
  const double process_cpu0 = CpuSeconds(CLOCK_PROCESS_CPUTIME_ID);
  const auto t0 = Clock::now();
  Status dial = Status::OK();
  lag.peers->Connect("127.0.0.1:" + std::to_string(ahead.port), [&](Status s) { dial = s; });
  r.complete = RunUntil(
      io, [&] { return lag.ing().accepted_total() >= target || !dial.ok(); },
      [&] { return lag.ing().accepted_total(); }, o.stall_s);
  const auto t1 = Clock::now();
  r.thread_cpu_s = CpuSeconds(CLOCK_THREAD_CPUTIME_ID) - thread_cpu0;
  r.process_cpu_s = CpuSeconds(CLOCK_PROCESS_CPUTIME_ID) - process_cpu0;
  lag.store->Stop();
  ahead.store->Stop();
  r.complete = r.complete && dial.ok() && lag.ing().accepted_total() >= target;
  if (!dial.ok()) fmt::print("  !!! dial failed: {}\n", dial.ToString());
  r.seconds = Seconds(t1 - t0);
  r.caught_up = lag.ing().accepted_total() - baseline;

  // Every group's fingerprint must now agree (both ways).
  r.fingerprints_match = lag_index.groups().size() == ahead_index.groups().size();
  for (const auto& [group, g] : ahead_index.groups())
    if (lag_index.Fingerprint(group) != g.fingerprint) r.fingerprints_match = false;
  for (const node::PeerInfo& info : lag.peers->Peers()) {
    if (info.member != ahead.node->member()) continue;
    r.bytes_received = info.bytes_in;
    r.bytes_sent = info.bytes_out;
  }
  r.lag_counters = lag.peers->gossip().counters();
  r.ahead_counters = ahead.peers->gossip().counters();
  r.lag_store = lag.store->tally();
  r.ahead_store = ahead.store->tally();

  for (Peer* p : {&lag, &ahead}) p->peers->Close();
  {
    // Let the sessions' coroutines see their sockets close (returns as soon
    // as nothing is left to run).
    auto guard = asio::make_work_guard(io);
    io.restart();
    io.run_for(std::chrono::milliseconds(100));
  }

  // 4. Verify slices after, too.
  r.verify_slices.push_back(VerifySlice(samples, o.slice_s, failures));
  r.verify_slices.push_back(VerifySlice(samples, o.slice_s, failures));
  r.verify_slices.push_back(VerifySlice(samples, o.slice_s, failures));
  r.verify_failures = failures;
  r.verify_per_s = Median(r.verify_slices);
  r.catchup_per_s = static_cast<double>(r.caught_up) / r.seconds;
  r.ratio = r.catchup_per_s / r.verify_per_s;
  r.bytes_ratio = static_cast<double>(r.bytes_received) / static_cast<double>(r.bytes_missing);

  for (Peer* p : {&lag, &ahead}) {
    p->peers.reset();
    p->node.reset();
  }
  node_pool.join();
  for (Peer* p : {&lag, &ahead}) p->store.reset();
  return r;
}

void Report(const RunResult& r) {
  const double n = static_cast<double>(std::max<std::uint64_t>(1, r.caught_up));
  const double us = 1e6 / n;  // seconds -> microseconds per announcement
  if (!r.complete || !r.fingerprints_match || r.verify_failures) {
    fmt::print(
        "  !!! CATCH-UP INCOMPLETE: {} of {} accepted in {:.1f} s; fingerprints {}; {} "
        "sample verifications failed; the figures below are NOT valid !!!\n",
        r.caught_up, r.missing, r.seconds, r.fingerprints_match ? "match" : "DIFFER",
        r.verify_failures);
  }
  fmt::print(
      "  lagging: delivered {}, duplicates {}, deferred {}, invalid {}, out of scope {}; "
      "ahead: replies sent {}, pushes {}\n",
      r.lag_counters.delivered, r.lag_counters.duplicates, r.lag_counters.deferred,
      r.lag_counters.invalid, r.lag_counters.out_of_scope, r.ahead_counters.replies_sent,
      r.ahead_counters.pushes_sent);
  fmt::print(
      "  cpu during catch-up: this thread {:.2f} s of {:.2f} s wall ({:.0f}% busy); whole "
      "process {:.2f} s (RocksDB background work included)\n",
      r.thread_cpu_s, r.seconds, 100 * r.thread_cpu_s / r.seconds, r.process_cpu_s);
  fmt::print(
      "  per announcement (wall, node thread): total {:.1f} us; one verify {:.1f} us; "
      "lagging store writes {:.1f} us ({:.2f}/ann), gets {:.1f} us ({:.2f}/ann), scans "
      "{:.1f} us ({:.2f}/ann); ahead store gets {:.1f} us ({:.2f}/ann), scans {:.1f} us "
      "({:.2f}/ann), writes {:.1f} us\n",
      r.seconds * us, 1e6 / r.verify_per_s, r.lag_store.write_s * us,
      static_cast<double>(r.lag_store.writes) / n, r.lag_store.get_s * us,
      static_cast<double>(r.lag_store.gets) / n, r.lag_store.scan_s * us,
      static_cast<double>(r.lag_store.scans) / n, r.ahead_store.get_s * us,
      static_cast<double>(r.ahead_store.gets) / n, r.ahead_store.scan_s * us,
      static_cast<double>(r.ahead_store.scans) / n, r.ahead_store.write_s * us);
  fmt::print(
      "  bytes: received {} (sent {}) for {} B of missing envelopes: {:.1f} B overhead "
      "per announcement\n",
      r.bytes_received, r.bytes_sent, r.bytes_missing,
      static_cast<double>(r.bytes_received - std::min(r.bytes_received, r.bytes_missing)) / n);
  fmt::print("  verify slices (1 thread, CPU time): {} /s\n", JoinRates(r.verify_slices));
  fmt::print(
      "  seconds          {:>10.2f} s    from the dial until the lagging node holds all "
      "{}\n",
      r.seconds, r.missing);
  fmt::print("  catchup_per_s    {:>10.0f} /s\n", r.catchup_per_s);
  fmt::print("  verify_per_s     {:>10.0f} /s   one core doing nothing but Ed25519 verification\n",
             r.verify_per_s);
  fmt::print("  ratio_to_verify  {:>10.3f}      goal >= {:.2f}: {}\n", r.ratio, kGoalRatio,
             r.ratio >= kGoalRatio ? "MET" : "NOT MET");
  fmt::print("  bytes_ratio      {:>10.3f}      goal <= {:.2f}: {}\n", r.bytes_ratio,
             kGoalBytesRatio, r.bytes_ratio <= kGoalBytesRatio ? "MET" : "NOT MET");
  std::fflush(stdout);
}

std::string Json(const RunResult& r) {
  return fmt::format(
      "{{\"seconds\":{:.3f},\"announcements\":{},\"authors\":{},\"verify_per_s\":{:.1f},"
      "\"catchup_per_s\":{:.1f},\"ratio_to_verify\":{:.4f},\"bytes_received\":{},"
      "\"bytes_missing\":{},\"bytes_ratio\":{:.4f},\"held_before\":{},\"complete\":{},"
      "\"fingerprints_match\":{},\"caught_up\":{},\"bytes_sent\":{},\"logs\":{},"
      "\"differing_groups\":{},\"thread_cpu_seconds\":{:.3f},\"process_cpu_seconds\":{:.3f},"
      "\"setup_seconds\":{:.1f},\"verify_slices\":[{}],\"goal_ratio_met\":{},"
      "\"goal_bytes_met\":{}}}",
      r.seconds, r.missing, r.authors, r.verify_per_s, r.catchup_per_s, r.ratio, r.bytes_received,
      r.bytes_missing, r.bytes_ratio, r.held, r.complete && r.fingerprints_match,
      r.fingerprints_match, r.caught_up, r.bytes_sent, r.logs, r.differing_groups, r.thread_cpu_s,
      r.process_cpu_s, r.setup_s, JoinRates(r.verify_slices), r.ratio >= kGoalRatio,
      r.bytes_ratio <= kGoalBytesRatio);
}

int Run(const Options& o) {
  crypto::InitCrypto();
  spdlog::set_level(spdlog::level::warn);  // the nodes' "peer up" lines would interleave
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  if (o.held < o.groups + 1 || o.missing < 1 || o.authors.empty()) {
    fmt::print(stderr,
               "catchup: --held must exceed --groups, --missing and --authors must be "
               "non-empty\n");
    return 2;
  }

  DirGuard guard;
  if (Status st = guard.Prepare("catchup", o.dir); !st.ok()) {
    fmt::print(stderr, "catchup: {}\n", st.message());
    return 2;
  }

  std::string author_list;
  for (auto a : o.authors) author_list += (author_list.empty() ? "" : ",") + std::to_string(a);
  fmt::print(
      "praxis catch-up benchmark: the lagging node holds {}, {} more made while away; "
      "authors {}; {} groups; both nodes on one thread (one core), Noise over TCP on "
      "127.0.0.1; setup on {} threads{}{}\n",
      o.held, o.missing, author_list, o.groups, o.threads,
      o.restart ? "; stores reopened before the catch-up (--restart)" : "",
      o.quick ? " (--quick)" : "");
  fmt::print("  databases under {} ({})\n", guard.path.string(),
             guard.remove ? "temporary, removed at the end" : "kept");
  const double load_start = LoadAtStart(cores);
  std::fflush(stdout);

  WorkerPool pool(o.threads);
  std::vector<RunResult> results;
  bool all_ok = true;
  for (std::uint32_t authors : o.authors) {
    const fs::path dir = guard.path / fmt::format("authors-{}", authors);
    auto r = RunOnce(o, authors, dir, pool);
    if (!r) {
      fmt::print(stderr, "catchup: {} authors: {}\n", authors, r.error().ToString());
      return 2;
    }
    Report(*r);
    all_ok = all_ok && r->complete && r->fingerprints_match && r->verify_failures == 0;
    results.push_back(std::move(*r));
    if (guard.remove) {  // a run's databases are not needed by the next one
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  }

  fmt::print("\nsummary:\n");
  for (const auto& r : results)
    fmt::print(
        "  {:>6} authors: {:.2f} s, {:.0f}/s caught up vs {:.0f}/s verify: ratio {:.3f} "
        "(goal >= {:.2f}); bytes_ratio {:.3f} (goal <= {:.2f}){}\n",
        r.authors, r.seconds, r.catchup_per_s, r.verify_per_s, r.ratio, kGoalRatio, r.bytes_ratio,
        kGoalBytesRatio,
        r.complete && r.fingerprints_match ? "" : "  INCOMPLETE: figures NOT valid");
  std::string runs;
  for (const auto& r : results) runs += (runs.empty() ? "" : ",") + Json(r);
  fmt::print(
      "{{\"runs\":[{}],\"held_before\":{},\"announcements\":{},\"groups\":{},\"cores\":{},"
      "\"load_average_start\":{:.2f},\"load_average_end\":{:.2f},\"block_cache_mb\":{},"
      "\"restart\":{},"
      "\"quick\":{},\"ok\":{}}}\n",
      runs, o.held, o.missing, o.groups, cores, load_start, LoadAverage(), o.block_cache_mb,
      o.restart, o.quick, all_ok);
  std::fflush(stdout);
  return all_ok ? 0 : 1;
}

}  // namespace
}  // namespace praxis::bench

int main(int argc, char** argv) {
  praxis::bench::Options o;
  CLI::App app{
      "Catch-up benchmark: a lagging node reconnects to a peer that holds what it "
      "missed; rate against raw Ed25519 verification, bytes against the missing "
      "envelopes. Last line of output: one JSON object."};
  app.add_option("--held", o.held, "announcements both nodes hold before")
      ->check(CLI::PositiveNumber);
  app.add_option("--missing", o.missing, "announcements made while the lagging node is away")
      ->check(CLI::PositiveNumber);
  app.add_option("--authors", o.authors, "author counts, one run each (comma-separated)")
      ->delimiter(',')
      ->check(CLI::PositiveNumber);
  app.add_option("--groups", o.groups, "groups (one genesis each)")->check(CLI::PositiveNumber);
  app.add_option("--dir", o.dir,
                 "empty directory for the databases, kept (default: a fresh temp dir, removed "
                 "at the end)");
  app.add_option("--threads", o.threads, "threads for generating and loading (setup only)")
      ->check(CLI::PositiveNumber);
  app.add_option("--seed", o.seed, "seed of the corpus plan");
  app.add_option("--slice", o.slice_s, "CPU seconds per verify slice")->check(CLI::PositiveNumber);
  app.add_option("--stall", o.stall_s, "give up after this many seconds without progress")
      ->check(CLI::PositiveNumber);
  app.add_option("--block-cache-mb", o.block_cache_mb,
                 "RocksDB block cache of each store, MiB (default: the store's own default)");
  app.add_flag("--restart", o.restart,
               "close and reopen both stores before the catch-up, as after switching the nodes "
               "off (cold caches, ingestor state rebuilt from disk; not timed)");
  app.add_flag("--quick", o.quick, "smoke size: 20,000 held, 5,000 missing");
  CLI11_PARSE(app, argc, argv);
  if (o.quick) {  // explicit sizes still win
    if (!app.count("--held")) o.held = 20000;
    if (!app.count("--missing")) o.missing = 5000;
    if (!app.count("--slice")) o.slice_s = 0.1;
  }
  return praxis::bench::Run(o);
}
