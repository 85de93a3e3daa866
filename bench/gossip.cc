// bench/gossip.cc: how a network of real praxisd processes spreads
// announcements, set against the machine's own limit, Ed25519 verification on
// every core.
//
// 1. Starts N praxisd (default 16) on loopback, each on a fresh temp data dir
//    with `--listen 127.0.0.1:0` and one seed, a random earlier node; waits
//    until every node has at least two peers (peer exchange builds the mesh).
//    Opens a control `watch` stream to every node: one event per announcement
//    the node holds, stamped with CLOCK_MONOTONIC by the daemon, so the times
//    of all processes compare with the benchmark's own.
// 2. Signs everything up front (not timed): A authors, G open groups whose
//    member counts follow a Zipf law, a genesis per group, a join by every
//    other member, then M shares, each by a random author into one of its
//    groups. Every author has a home node. Load is INJECTED AS PRE-SIGNED
//    ENVELOPES VIA THE CONTROL `import` REQUEST INTO THE AUTHOR'S HOME NODE, in
//    log order: the home node judges them as if a peer had sent them, then
//    gossips them. (Not group-committed local writes: one node signs for one
//    identity only, and many authors per node need pre-signed envelopes.)
// 3. Setup, not measured: geneses, then joins, imported at every home node at
//    once, each waited for on every node. This is the first traffic the mesh
//    sees: the dissemination tree forms (or not) under it.
// 4. Three measured phases of shares: 100/s and 500/s (open loop: requests are
//    sent on schedule, one envelope each, without waiting for replies), then
//    saturation (per home node, batches of --batch envelopes with at most
//    --window requests unanswered: as fast as imports are accepted; a node
//    that takes them in slowly slows its publisher, nothing is dropped here).
//    For each announcement: publish = when its import request was written
//    (CLOCK_MONOTONIC), delivered to all = the latest watch event for it over
//    all nodes. After each phase the benchmark waits until every node holds
//    every announcement of the phase, or until nothing new arrived for
//    --settle seconds.
// 5. Raw libsodium verification (crypto_sign_verify_detached, one thread, CPU
//    time) is measured in slices before each phase, while the network is
//    idle; the median is the limit per core.
//
// Figures (the names):
//   delivered_fraction  announcements held by every node / announcements published
//   deliveries_per_s    at saturation: (announcement, node) pairs held / seconds from
//                       the first import request to the last watch event; the home
//                       node's own copy counts (it verified the signature like the rest)
//   efficiency          deliveries_per_s / (cores x verify_per_s)
//   p50/p99/max_ms      publish to held-by-all, per phase
//   bytes_per_delivery  wire bytes (every praxisd's `peers` bytes_out: Noise records,
//                       their u16 length, flag byte and 16-byte AEAD tag included) /
//                       deliveries over links (N-1 per announcement)
//   control_share       (wire bytes - envelope bytes of first deliveries) / envelope
//                       bytes of first deliveries. AN UPPER BOUND: praxisd does not
//                       say how many payloads it received twice, so duplicate payloads
//                       are counted as control here.
//   rmr                 duplicate payload receipts per delivery: not visible from
//                       outside praxisd, so null; needs GossipCounters duplicates and
//                       delivered.
// With --gdb-counters the benchmark reads every praxisd's GossipCounters with
// gdb between phases (nothing timed runs meanwhile): rmr = duplicates /
// delivered, and control_share = (wire bytes - envelope bytes of every
// delivery sent, pushes and replies, duplicates included) / those bytes.
// --trace-tree samples every node's eager links every 100 ms during a phase.
// Also printed: cpu_efficiency, the efficiency ratio on CPU time (one
// verification / praxisd CPU per delivery at saturation), which other work on
// the machine does not distort, and p50 by tenth of each phase.
// Wire bytes of links that went down during a phase are lost with the link
// (praxisd reports live links only); the figures then say so.
//
// Prints lines for people, then exactly one JSON object as the last line.
// Exit status: 0 when every announcement reached every node and every import
// was accepted; 1 when not (the figures are then not valid); 2 on a setup
// error. The figures themselves are not pass/fail. Every praxisd is stopped
// at the end (SIGTERM, then SIGKILL), and dies with the benchmark if the
// benchmark is killed (PR_SET_PDEATHSIG).
#include <fcntl.h>
#include <fmt/core.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "control.pb.h"
#include "common/bench_util.h"
#include "praxis/crypto/crypto.h"
#include "praxis/node/announcement.h"
#include "wire.pb.h"

namespace praxis::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr double kGoalEfficiency = 0.5;
constexpr double kGoalP99At100 = 25, kGoalP99At500 = 100;  // ms
constexpr double kGoalRmr = 0.1, kGoalControlShare = 0.15;
constexpr std::uint32_t kMaxFrame = 64u << 20;  // control replies we accept

struct Options {
  unsigned nodes = 16;
  std::uint64_t announcements = 20000;  // shares in the measured phases
  unsigned authors = 50;
  unsigned groups = 40;
  double zipf = 1.0;        // exponent of group sizes by rank
  std::size_t batch = 128;  // envelopes per import request at saturation
  unsigned window = 2;      // unanswered import requests per node at saturation
  double seconds_100 = 10;  // length of the 100/s phase (capped at M/10 shares)
  double seconds_500 = 10;  // length of the 500/s phase (capped at M/4 shares)
  double settle_s = 30;     // give up waiting when nothing arrived this long
  unsigned min_peers = 2;
  double slice_s = 0.3;  // CPU seconds per verify slice
  std::string praxisd;
  std::string log_level = "warn";
  std::uint64_t seed = 1;
  bool quick = false;
  bool keep = false;
  bool gdb_counters = true;  // read GossipCounters (from status) between phases
  bool trace_tree = false;
};

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::uint64_t MonoNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ull +
         static_cast<std::uint64_t>(ts.tv_nsec);
}


// utime + stime of a process, seconds (0 when it is gone).
double ProcessCpuSeconds(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(f, line)) return 0;
  const auto close = line.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  double ticks = 0;
  // Fields after the name start at 3 (state); utime is 14, stime 15.
  for (int i = 3; i <= 15 && rest >> field; ++i)
    if (i >= 14) ticks += std::strtod(field.c_str(), nullptr);
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double rank = p / 100.0 * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(rank));
  const auto hi = std::min(v.size() - 1, lo + 1);
  return v[lo] + (v[hi] - v[lo]) * (rank - static_cast<double>(lo));
}

double Median(std::vector<double> v) { return Percentile(std::move(v), 50); }

std::string Tail(const std::string& path, std::size_t bytes) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  return s.size() > bytes ? s.substr(s.size() - bytes) : s;
}

// ---------------------------------------------------------------------------
// The control protocol: 4-byte big-endian length, then a serialised message.

std::string Framed(const google::protobuf::MessageLite& m) {
  std::string out(4, '\0');
  const auto n = static_cast<std::uint32_t>(m.ByteSizeLong());
  out[0] = static_cast<char>(n >> 24);
  out[1] = static_cast<char>(n >> 16);
  out[2] = static_cast<char>(n >> 8);
  out[3] = static_cast<char>(n);
  m.AppendToString(&out);
  return out;
}

// Takes one whole frame off the front of `buf` into `out`; false when `buf`
// does not hold one yet. Sets `bad` on a frame larger than kMaxFrame.
bool TakeFrame(std::string& buf, std::size_t& pos, control::Response& out, bool& bad) {
  if (buf.size() - pos < 4) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(buf.data() + pos);
  const std::uint32_t n = std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 |
                          std::uint32_t{p[2]} << 8 | std::uint32_t{p[3]};
  if (n > kMaxFrame) {
    bad = true;
    return false;
  }
  if (buf.size() - pos - 4 < n) return false;
  if (!out.ParseFromArray(buf.data() + pos + 4, static_cast<int>(n))) bad = true;
  pos += 4 + n;
  return !bad;
}

// A blocking connection to one daemon's control socket.
class Conn {
 public:
  Conn() = default;
  ~Conn() { Close(); }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  bool Open(const std::string& path) {
    Close();
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) return false;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      Close();
      return false;
    }
    return true;
  }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buf_.clear();
    pos_ = 0;
  }
  // Unblocks a thread reading this connection (it then sees end of stream).
  void Shutdown() {
    if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
  }
  int fd() const { return fd_; }
  // Bytes read past the last response taken (for a caller that reads the
  // socket itself from now on).
  std::string TakeBuffered() {
    std::string rest = buf_.substr(pos_);
    buf_.clear();
    pos_ = 0;
    return rest;
  }

  bool Write(const std::string& bytes) {
    std::size_t off = 0;
    while (off < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      off += static_cast<std::size_t>(n);
    }
    return true;
  }
  bool Write(const control::Request& req) { return Write(Framed(req)); }

  // One response; false on end of stream, a bad frame or after `timeout`.
  bool Read(control::Response& resp, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      bool bad = false;
      resp.Clear();
      if (TakeFrame(buf_, pos_, resp, bad)) {
        if (pos_ > (1u << 16)) {
          buf_.erase(0, pos_);
          pos_ = 0;
        }
        return true;
      }
      if (bad) return false;
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
      const int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
      if (r < 0 && errno != EINTR) return false;
      if (r <= 0) continue;
      char tmp[65536];
      const ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      buf_.append(tmp, static_cast<std::size_t>(n));
    }
  }

  bool Call(const control::Request& req, control::Response& resp,
            std::chrono::milliseconds timeout) {
    return Write(req) && Read(resp, timeout);
  }

 private:
  int fd_ = -1;
  std::string buf_;
  std::size_t pos_ = 0;
};

// ---------------------------------------------------------------------------
// The praxisd processes.

struct Daemon {
  std::string dir;   // data dir
  std::string sock;  // DIR/praxis.sock
  std::string log;   // stdout and stderr
  std::string listen;
  std::string member;  // raw 32 bytes
  pid_t pid = -1;
  std::optional<int> exit_code;
};

std::string DescribeExit(int status) {
  if (WIFEXITED(status)) return fmt::format("exit {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("signal {}", WTERMSIG(status));
  return "?";
}

class Fleet {
 public:
  Fleet(std::string praxisd, fs::path root, std::string log_level)
      : praxisd_(std::move(praxisd)), root_(std::move(root)), log_level_(std::move(log_level)) {}
  ~Fleet() { StopAll(std::chrono::seconds(10)); }

  std::vector<Daemon>& daemons() { return d_; }

  // Spawns one praxisd; returns its index.
  std::optional<std::size_t> Spawn(const std::string& seed, std::string& err) {
    Daemon d;
    const std::size_t i = d_.size();
    d.dir = (root_ / fmt::format("n{:02}", i)).string();
    d.sock = d.dir + "/praxis.sock";
    d.log = (root_ / fmt::format("n{:02}.log", i)).string();
    std::error_code ec;
    fs::create_directories(d.dir, ec);
    std::vector<std::string> args = {praxisd_,      "--data-dir",  d.dir,     "--listen",
                                     "127.0.0.1:0", "--log-level", log_level_};
    if (!seed.empty()) {
      args.push_back("--seed");
      args.push_back(seed);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
      err = fmt::format("fork: {}", std::strerror(errno));
      return std::nullopt;
    }
    if (pid == 0) {
      // Only async-signal-safe calls from here to exec.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // the benchmark died: so does its fleet
      if (::getppid() != parent) ::_exit(127);
      const int fd = ::open(d.log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      const int null = ::open("/dev/null", O_RDONLY);
      if (fd < 0 || null < 0) ::_exit(127);
      ::dup2(null, 0);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    d.pid = pid;
    d_.push_back(std::move(d));
    return i;
  }

  // Reaps a daemon that exited; true while it runs.
  bool Alive(std::size_t i) {
    Daemon& d = d_[i];
    if (d.pid <= 0) return false;
    int status = 0;
    const pid_t r = ::waitpid(d.pid, &status, WNOHANG);
    if (r == d.pid) {
      d.exit_code = status;
      d.pid = -1;
      return false;
    }
    return true;
  }

  // SIGTERM to all, then SIGKILL to whatever still runs at the deadline.
  // Returns one line per daemon that did not exit 0 on SIGTERM.
  std::vector<std::string> StopAll(Clock::duration grace) {
    std::vector<std::string> problems;
    for (auto& d : d_)
      if (d.pid > 0) ::kill(d.pid, SIGTERM);
    const auto deadline = Clock::now() + grace;
    for (;;) {
      bool running = false;
      for (std::size_t i = 0; i < d_.size(); ++i) running |= Alive(i);
      if (!running || Clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling exits
    }
    for (std::size_t i = 0; i < d_.size(); ++i) {
      Daemon& d = d_[i];
      if (d.pid > 0) {
        ::kill(d.pid, SIGKILL);
        int status = 0;
        ::waitpid(d.pid, &status, 0);
        d.pid = -1;
        problems.push_back(fmt::format("node {} did not stop on SIGTERM: killed", i));
        continue;
      }
      if (d.exit_code && !(WIFEXITED(*d.exit_code) && WEXITSTATUS(*d.exit_code) == 0))
        problems.push_back(fmt::format("node {} ended with {}", i, DescribeExit(*d.exit_code)));
    }
    return problems;
  }

 private:
  std::string praxisd_;
  fs::path root_;
  std::string log_level_;
  std::vector<Daemon> d_;
};

// ---------------------------------------------------------------------------
// The corpus.


constexpr std::array<const char*, 24> kGossipWords = {
    "soil",     "compost", "irrigation", "seed",   "orchard", "grafting", "pruning", "mulch",
    "rotation", "cover",   "crop",       "yield",  "survey",  "method",   "field",   "notes",
    "trial",    "harvest", "storage",    "drying", "tools",   "repair",   "water",   "terrace"};



// A share sized like what people post: a title, a few tags, often a short
// description and a file name.
std::string ShareBody(std::uint64_t seed, std::uint64_t slot) {
  SplitMix r{seed * 0x1000193ULL ^ slot};
  wire::Share s;
  s.set_root(RandomBytes32(r));
  s.set_size(1024 + r.Below(50u << 20));
  s.set_title(fmt::format("{} notes ({})", Words(r, 1 + r.Below(3), kGossipWords), slot));
  for (std::uint64_t i = 0, n = 1 + r.Below(3); i < n; ++i)
    s.add_tags(kGossipWords[r.Below(kGossipWords.size())]);
  if (r.Below(2)) s.set_description(Words(r, r.Below(25), kGossipWords));
  if (r.Below(5) == 0) {
    s.set_note(true);
  } else {
    s.set_filename(fmt::format("{}-{}.pdf", kGossipWords[r.Below(kGossipWords.size())], slot));
  }
  return node::SerializeBody(s);
}

std::string GenesisBody(std::uint64_t seed, std::uint32_t g) {
  SplitMix r{seed * 0x51ULL ^ g};
  wire::Genesis m;
  m.set_name(fmt::format("{} circle {}", kGossipWords[r.Below(kGossipWords.size())], g));
  m.set_description(Words(r, 12, kGossipWords));
  m.add_tags(kGossipWords[r.Below(kGossipWords.size())]);
  m.set_publish_on_practice(true);
  m.set_nonce(RandomBytes32(r).substr(0, 16));
  return node::SerializeBody(m);
}

enum PhaseId : int { kGeneses, kJoins, kRate100, kRate500, kSaturation, kPhaseCount };
constexpr std::array<const char*, kPhaseCount> kPhaseNames = {"geneses", "joins", "rate_100",
                                                              "rate_500", "saturation"};

struct Item {
  std::string envelope;
  Id id;
  std::uint32_t home = 0;  // node it is imported at
  int phase = kGeneses;
};


struct Corpus {
  std::vector<Item> items;  // in publish order; setup first
  std::array<std::size_t, kPhaseCount + 1>
      phase_begin{};  // items of phase p: [begin[p], begin[p+1])
  std::vector<Sample> samples;
  std::vector<std::uint32_t> group_sizes;  // by rank
  std::size_t memberships = 0;
};

Corpus Generate(const Options& o, std::size_t n_100, std::size_t n_500) {
  Corpus c;
  std::mt19937_64 rng(o.seed);
  auto below = [&](std::uint64_t k) {
    return std::uniform_int_distribution<std::uint64_t>(0, k - 1)(rng);
  };
  std::vector<crypto::KeyPair> keys;
  for (unsigned a = 0; a < o.authors; ++a) keys.push_back(crypto::KeyPair::Generate());
  auto home = [&](unsigned a) { return static_cast<std::uint32_t>(a % o.nodes); };

  // Members of group g (rank g+1): ceil(A / rank^s), the first is its creator.
  std::vector<std::vector<unsigned>> members(o.groups);
  std::vector<std::vector<unsigned>> groups_of(o.authors);
  for (unsigned g = 0; g < o.groups; ++g) {
    const double want =
        std::ceil(static_cast<double>(o.authors) / std::pow(static_cast<double>(g + 1), o.zipf));
    const auto size = static_cast<unsigned>(std::clamp(want, 1.0, double(o.authors)));
    std::vector<unsigned> all(o.authors);
    for (unsigned a = 0; a < o.authors; ++a) all[a] = a;
    std::shuffle(all.begin(), all.end(), rng);
    members[g].assign(all.begin(), all.begin() + size);
  }
  // Everyone takes part somewhere: an author left out joins a random group.
  for (unsigned g = 0; g < o.groups; ++g)
    for (unsigned a : members[g]) groups_of[a].push_back(g);
  for (unsigned a = 0; a < o.authors; ++a) {
    if (!groups_of[a].empty()) continue;
    const auto g = static_cast<unsigned>(below(o.groups));
    members[g].push_back(a);
    groups_of[a].push_back(g);
  }
  for (const auto& m : members) {
    c.group_sizes.push_back(static_cast<std::uint32_t>(m.size()));
    c.memberships += m.size();
  }

  // Created times: in the recent past, rising with publish order.
  const std::uint64_t now_ms =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  const std::uint64_t total = o.groups + c.memberships + o.announcements;
  const std::uint64_t base = now_ms - 600'000 - total;
  struct Log {
    std::uint64_t seq = 0;
    Id head;
  };
  std::map<std::pair<unsigned, unsigned>, Log> logs;  // (author, group)
  std::vector<Id> group_ids(o.groups);
  auto add = [&](unsigned a, int phase, node::Draft d) {
    node::Announcement ann = node::SignDraft(keys[a], d);
    if (c.samples.size() < 4096)
      c.samples.push_back({node::SignedBytes(ann.header, ann.body), ann.signature, ann.author});
    c.items.push_back({std::move(ann.envelope), ann.id, home(a), phase});
    return ann.id;
  };

  c.phase_begin[kGeneses] = 0;
  for (unsigned g = 0; g < o.groups; ++g) {
    const unsigned a = members[g][0];
    node::Draft d{.kind = wire::KIND_GENESIS,
                  .seq = 1,
                  .created = base + c.items.size(),
                  .body = GenesisBody(o.seed, g)};
    group_ids[g] = add(a, kGeneses, d);
    logs[{a, g}] = {1, group_ids[g]};
  }
  c.phase_begin[kJoins] = c.items.size();
  for (unsigned g = 0; g < o.groups; ++g)
    for (std::size_t k = 1; k < members[g].size(); ++k) {
      const unsigned a = members[g][k];
      node::Draft d{.group = group_ids[g],
                    .kind = wire::KIND_JOIN,
                    .seq = 1,
                    .created = base + c.items.size(),
                    .body = node::SerializeBody(wire::Join())};
      logs[{a, g}] = {1, add(a, kJoins, d)};
    }
  const std::array<std::size_t, 3> counts = {n_100, n_500, o.announcements - n_100 - n_500};
  for (int p = kRate100; p <= kSaturation; ++p) {
    c.phase_begin[p] = c.items.size();
    for (std::size_t k = 0; k < counts[p - kRate100]; ++k) {
      const auto a = static_cast<unsigned>(below(o.authors));
      const unsigned g = groups_of[a][below(groups_of[a].size())];
      Log& log = logs[{a, g}];
      node::Draft d{.group = group_ids[g],
                    .kind = wire::KIND_SHARE,
                    .seq = log.seq + 1,
                    .prev = log.head,
                    .created = base + c.items.size(),
                    .body = ShareBody(o.seed, c.items.size())};
      log = {d.seq, add(a, p, d)};
    }
  }
  c.phase_begin[kPhaseCount] = c.items.size();
  return c;
}


// ---------------------------------------------------------------------------
// Watching every node: which announcement each holds, and since when.

class Watcher {
 public:
  Watcher(const Corpus& corpus, std::size_t nodes)
      : nodes_(nodes),
        held_(corpus.items.size() * nodes, 0),
        count_(corpus.items.size(), 0),
        last_ns_(corpus.items.size(), 0),
        home_ns_(corpus.items.size(), 0),
        items_(corpus.items) {
    slot_of_.reserve(corpus.items.size());
    for (std::size_t i = 0; i < corpus.items.size(); ++i)
      slot_of_.emplace(corpus.items[i].id, static_cast<std::uint32_t>(i));
  }
  ~Watcher() { Stop(); }

  // Opens a watch stream on every socket; false (with a reason) on failure.
  bool Open(const std::vector<Daemon>& daemons, std::string& err) {
    for (std::size_t i = 0; i < daemons.size(); ++i) {
      auto c = std::make_unique<Conn>();
      control::Request req;
      req.mutable_watch();
      control::Response resp;
      if (!c->Open(daemons[i].sock) || !c->Call(req, resp, std::chrono::seconds(10)) ||
          !resp.has_ack()) {
        err = fmt::format("node {}: watch not acknowledged{}", i,
                          resp.has_error() ? ": " + resp.error().message() : "");
        return false;
      }
      conns_.push_back(std::move(c));
    }
    if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
      err = "pipe2 failed";
      return false;
    }
    thread_ = std::thread([this] { Loop(); });
    return true;
  }

  void Stop() {
    if (!thread_.joinable()) return;
    const char b = 1;
    (void)!::write(wake_[1], &b, 1);
    thread_.join();
    ::close(wake_[0]);
    ::close(wake_[1]);
  }

  // Waits until every node holds every item in [begin, end), or nothing new
  // arrived for `quiet`. Returns the number held by all nodes.
  std::size_t WaitAll(std::size_t begin, std::size_t end, Clock::duration quiet) {
    std::unique_lock lock(mu_);
    std::uint64_t seen = receipts_;
    auto last_progress = Clock::now();
    for (;;) {
      const std::size_t done = CompleteLocked(begin, end);
      if (done == end - begin || failed_) return done;
      cv_.wait_for(lock, std::chrono::milliseconds(200));
      if (receipts_ != seen) {
        seen = receipts_;
        last_progress = Clock::now();
      } else if (Clock::now() - last_progress >= quiet) {
        return CompleteLocked(begin, end);
      }
    }
  }

  // Items of [begin, end) that a given node lacks (for diagnosis).
  std::vector<std::size_t> MissingPerNode(std::size_t begin, std::size_t end) {
    std::lock_guard lock(mu_);
    std::vector<std::size_t> out(nodes_, 0);
    for (std::size_t s = begin; s < end; ++s)
      for (std::size_t n = 0; n < nodes_; ++n) out[n] += held_[s * nodes_ + n] ? 0 : 1;
    return out;
  }

  struct Snapshot {
    std::vector<std::uint16_t> count;
    std::vector<std::uint64_t> last_ns, home_ns;
  };
  Snapshot Take() {
    std::lock_guard lock(mu_);
    return {count_, last_ns_, home_ns_};
  }
  std::string failure() {
    std::lock_guard lock(mu_);
    return failure_;
  }
  std::uint64_t foreign() {
    std::lock_guard lock(mu_);
    return foreign_;
  }

 private:
  std::size_t CompleteLocked(std::size_t begin, std::size_t end) const {
    std::size_t done = 0;
    for (std::size_t s = begin; s < end; ++s) done += count_[s] == nodes_;
    return done;
  }

  void Record(std::size_t node, const control::Event& e) {
    auto id = Id::FromBytes(e.id());
    auto it = id ? slot_of_.find(*id) : slot_of_.end();
    if (it == slot_of_.end()) {
      ++foreign_;
      return;
    }
    const std::size_t s = it->second;
    ++receipts_;
    std::uint8_t& h = held_[s * nodes_ + node];
    if (h) {
      ++repeated_;
      return;
    }
    h = 1;
    ++count_[s];
    last_ns_[s] = std::max<std::uint64_t>(last_ns_[s], e.at_mono_ns());
    if (node == items_[s].home) home_ns_[s] = e.at_mono_ns();
  }

  void Fail(std::string why) {  // mu_ held
    if (!failed_) failure_ = std::move(why);
    failed_ = true;
  }

  // Takes the whole responses off the front of `buf` (node `i`'s stream).
  void Parse(std::size_t i, std::string& buf) {
    control::Response resp;
    std::size_t pos = 0;
    bool bad = false;
    std::lock_guard lock(mu_);
    while (TakeFrame(buf, pos, resp, bad)) {
      if (resp.has_event()) {
        Record(i, resp.event());
      } else if (resp.has_error()) {
        Fail(fmt::format("node {}: watch: {}", i, resp.error().message()));
      }
    }
    if (bad) Fail(fmt::format("node {}: malformed watch frame", i));
    buf.erase(0, pos);
    cv_.notify_all();
  }

  void Loop() {
    std::vector<std::string> bufs(conns_.size());
    for (std::size_t i = 0; i < conns_.size(); ++i) {
      bufs[i] = conns_[i]->TakeBuffered();
      Parse(i, bufs[i]);
    }
    std::vector<pollfd> fds(conns_.size() + 1);
    for (std::size_t i = 0; i < conns_.size(); ++i) fds[i] = {conns_[i]->fd(), POLLIN, 0};
    fds.back() = {wake_[0], POLLIN, 0};
    char tmp[1 << 16];
    for (;;) {
      const int r = ::poll(fds.data(), fds.size(), -1);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0 || fds.back().revents) return;
      for (std::size_t i = 0; i < conns_.size(); ++i) {
        if (!fds[i].revents) continue;
        const ssize_t n = ::recv(fds[i].fd, tmp, sizeof tmp, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          std::lock_guard lock(mu_);
          Fail(fmt::format("node {}: watch stream ended (did praxisd exit?)", i));
          cv_.notify_all();
          fds[i].fd = -1;  // poll ignores it from now on
          continue;
        }
        bufs[i].append(tmp, static_cast<std::size_t>(n));
        Parse(i, bufs[i]);
      }
    }
  }

  std::size_t nodes_;
  std::vector<std::unique_ptr<Conn>> conns_;
  int wake_[2] = {-1, -1};
  std::thread thread_;
  std::unordered_map<Id, std::uint32_t, IdHash> slot_of_;

  std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  std::vector<std::uint8_t> held_;  // [slot * nodes + node]
  std::vector<std::uint16_t> count_;
  std::vector<std::uint64_t> last_ns_;  // latest event over all nodes
  std::vector<std::uint64_t> home_ns_;  // the home node's event (the import accepted)
  const std::vector<Item>& items_;
  std::uint64_t receipts_ = 0, repeated_ = 0, foreign_ = 0;
  bool failed_ = false;
  std::string failure_;
};

// ---------------------------------------------------------------------------
// Publishing: one import connection per node, a reader thread per connection
// tallying replies, and at most `window` requests unanswered.

struct Tally {
  std::uint64_t sent = 0, accepted = 0, duplicate = 0, deferred = 0, invalid = 0, out_of_scope = 0,
                fork = 0, errors = 0;
  std::string first_problem;
};

class Importer {
 public:
  bool Open(const std::string& sock) {
    if (!conn_.Open(sock)) return false;
    reader_ = std::thread([this] { ReadLoop(); });
    return true;
  }
  ~Importer() { Close(); }

  void Close() {
    conn_.Shutdown();
    if (reader_.joinable()) reader_.join();
    conn_.Close();
  }

  // Sends one import request of the given items once fewer than `window`
  // are unanswered; records the write time of each item in `sent_ns`.
  bool Send(const std::vector<Item>& items, const std::vector<std::size_t>& slots, unsigned window,
            std::vector<std::uint64_t>& sent_ns) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return outstanding_ < window || dead_; });
      if (dead_) return false;
      ++outstanding_;
      tally_.sent += slots.size();
    }
    control::Request req;
    auto* imp = req.mutable_import();
    for (std::size_t s : slots) imp->add_envelopes(items[s].envelope);
    const std::string bytes = Framed(req);
    const std::uint64_t now = MonoNs();
    for (std::size_t s : slots) sent_ns[s] = now;
    if (!conn_.Write(bytes)) {
      std::lock_guard lock(mu_);
      dead_ = true;
      cv_.notify_all();
      return false;
    }
    return true;
  }

  // Waits until every request has its reply (or the connection died).
  void Drain() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return outstanding_ == 0 || dead_; });
  }

  Tally tally() {
    std::lock_guard lock(mu_);
    return tally_;
  }

 private:
  void ReadLoop() {
    control::Response resp;
    for (;;) {
      const bool ok = conn_.Read(resp, std::chrono::hours(24));
      std::lock_guard lock(mu_);
      if (!ok) {
        dead_ = true;
        cv_.notify_all();
        return;
      }
      if (outstanding_) --outstanding_;
      if (resp.has_error()) {
        ++tally_.errors;
        if (tally_.first_problem.empty()) tally_.first_problem = resp.error().message();
      } else if (resp.has_import()) {
        const auto& r = resp.import();
        tally_.accepted += r.accepted();
        tally_.duplicate += r.duplicate();
        tally_.deferred += r.deferred();
        tally_.invalid += r.invalid();
        tally_.out_of_scope += r.out_of_scope();
        tally_.fork += r.fork();
        if (tally_.first_problem.empty() && !r.first_problem().empty())
          tally_.first_problem = r.first_problem();
      }
      cv_.notify_all();
    }
  }

  Conn conn_;
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  unsigned outstanding_ = 0;
  bool dead_ = false;
  Tally tally_;
};

// ---------------------------------------------------------------------------
// Wire bytes, from every node's `peers` reply.

struct LinkBytes {
  std::uint64_t in = 0, out = 0, since_ms = 0;
  bool eager = false;
};
using LinkMap = std::map<std::pair<std::size_t, std::string>, LinkBytes>;  // (node, member)

struct PeersView {
  LinkMap links;
  std::vector<std::size_t> peers;  // per node
  std::size_t eager = 0;
  bool ok = true;
};

PeersView ReadPeers(const std::vector<Daemon>& daemons) {
  PeersView v;
  v.peers.assign(daemons.size(), 0);
  for (std::size_t i = 0; i < daemons.size(); ++i) {
    Conn c;
    control::Request req;
    req.mutable_peers();
    control::Response resp;
    if (!c.Open(daemons[i].sock) || !c.Call(req, resp, std::chrono::seconds(10)) ||
        !resp.has_peers()) {
      v.ok = false;
      continue;
    }
    for (const auto& p : resp.peers().peers()) {
      v.links[{i, p.member()}] = {p.bytes_in(), p.bytes_out(), p.since_unix_ms(), p.eager()};
      v.eager += p.eager();
    }
    v.peers[i] = static_cast<std::size_t>(resp.peers().peers_size());
  }
  return v;
}

// Links whose two ends disagree (one pushes payloads, the other advertises).
std::size_t OneSided(const PeersView& v, const std::vector<Daemon>& daemons) {
  std::map<std::string, std::size_t> node_of;
  for (std::size_t i = 0; i < daemons.size(); ++i) node_of[daemons[i].member] = i;
  std::size_t n = 0;
  for (const auto& [key, l] : v.links) {
    auto j = node_of.find(key.second);
    if (j == node_of.end() || j->second < key.first) continue;  // each link once
    auto back = v.links.find({j->second, daemons[key.first].member});
    if (back != v.links.end() && back->second.eager != l.eager) ++n;
  }
  return n;
}

// --trace-tree: the dissemination tree sampled every 100 ms during a phase.
class TreeTrace {
 public:
  TreeTrace(const std::vector<Daemon>& daemons, bool on) : daemons_(daemons) {
    if (!on) return;
    thread_ = std::thread([this] {
      std::unique_lock lock(mu_);
      while (!stop_) {
        lock.unlock();
        PeersView v = ReadPeers(daemons_);
        const std::size_t one_sided = OneSided(v, daemons_);
        lock.lock();
        ends_.push_back(static_cast<double>(v.eager));
        one_sided_.push_back(static_cast<double>(one_sided));
        cv_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stop_; });
      }
    });
  }
  ~TreeTrace() { Stop(); }
  void Stop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  // One line, or empty when not tracing.
  std::string Summary(std::size_t nodes) {
    Stop();
    if (ends_.empty()) return "";
    const double tree = 2.0 * static_cast<double>(nodes - 1);
    const auto spanning =
        std::count_if(ends_.begin(), ends_.end(), [&](double e) { return e >= tree; });
    const auto asym =
        std::count_if(one_sided_.begin(), one_sided_.end(), [](double a) { return a > 0; });
    std::string seq;
    for (std::size_t i = 0; i < ends_.size() && i < 40; ++i)
      seq += fmt::format(" {:.0f}", ends_[i]);
    return fmt::format(
        "eager link ends every 100 ms ({} samples): min {:.0f}, median {:.0f}, max {:.0f} (a "
        "spanning tree has {:.0f}); at least a tree's worth in {:.0f}% of samples; one-sided links "
        "in {:.0f}% (max {:.0f}); first samples:{}",
        ends_.size(), *std::min_element(ends_.begin(), ends_.end()), Median(ends_),
        *std::max_element(ends_.begin(), ends_.end()), tree,
        100.0 * static_cast<double>(spanning) / static_cast<double>(ends_.size()),
        100.0 * static_cast<double>(asym) / static_cast<double>(ends_.size()),
        *std::max_element(one_sided_.begin(), one_sided_.end()), seq);
  }

 private:
  const std::vector<Daemon>& daemons_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::vector<double> ends_, one_sided_;
};

struct WireDelta {
  std::uint64_t out = 0, in = 0;
  std::size_t links_lost = 0, links_new = 0;
  std::size_t eager_before = 0, eager_after = 0, links_after = 0;  // directed link ends
};

// Bytes moved between two views. A link whose `since` moved by more than a
// few ms (its figure is recomputed on every reply) came up again in between.
WireDelta Delta(const PeersView& a, const PeersView& b) {
  WireDelta d;
  d.eager_before = a.eager;
  d.eager_after = b.eager;
  d.links_after = b.links.size();
  for (const auto& [key, after] : b.links) {
    auto it = a.links.find(key);
    const bool same =
        it != a.links.end() && after.out >= it->second.out && after.in >= it->second.in &&
        (after.since_ms > it->second.since_ms ? after.since_ms - it->second.since_ms
                                              : it->second.since_ms - after.since_ms) <= 5;
    if (same) {
      d.out += after.out - it->second.out;
      d.in += after.in - it->second.in;
    } else {
      d.out += after.out;
      d.in += after.in;
      ++d.links_new;
      if (it != a.links.end()) ++d.links_lost;
    }
  }
  for (const auto& [key, before] : a.links)
    if (!b.links.count(key)) ++d.links_lost;
  return d;
}

// ---------------------------------------------------------------------------
// GossipCounters, read from each praxisd's `status` reply (its `gossip`
// map) between phases. (--gdb-counters, the first way, read them with gdb
// before praxisd reported them; kept as the flag's name.)

constexpr std::array<const char*, 9> kCounterNames = {
    "delivered",   "duplicates",  "pushes_sent", "replies_sent",    "ihave_ids_sent",
    "grafts_sent", "prunes_sent", "deferred",    "signature_checks"};
using Counters = std::array<std::uint64_t, kCounterNames.size()>;
constexpr const char* kGdbScript = "";  // unused: status carries the counters

std::optional<Counters> ReadCounters(const std::string& sock) {
  Conn c;
  control::Request req;
  req.mutable_status();
  control::Response resp;
  if (!c.Open(sock) || !c.Call(req, resp, std::chrono::seconds(10)) || !resp.has_status())
    return std::nullopt;
  Counters out{};
  for (std::size_t k = 0; k < kCounterNames.size(); ++k) {
    auto it = resp.status().gossip().find(kCounterNames[k]);
    if (it == resp.status().gossip().end()) return std::nullopt;
    out[k] = it->second;
  }
  return out;
}

// Summed over every node; nullopt if any could not be read.
std::optional<Counters> ReadAllCounters(const std::vector<Daemon>& daemons,
                                        const std::string& script) {
  Counters sum{};
  for (const auto& d : daemons) {
    (void)script;
    auto c = ReadCounters(d.sock);
    if (!c) return std::nullopt;
    for (std::size_t k = 0; k < sum.size(); ++k) sum[k] += (*c)[k];
  }
  return sum;
}

// ---------------------------------------------------------------------------

struct PhaseResult {
  std::string name;
  std::size_t published = 0, complete = 0;
  double target_rate = 0;                 // 0: saturation
  double send_s = 0;                      // first request written to last one answered
  double span_s = 0;                      // first request to the last watch event
  double max_lag_ms = 0;                  // publisher behind its schedule
  double p50 = 0, p99 = 0, max = 0;       // publish -> held by all, ms
  double home_p50 = 0, home_p99 = 0;      // publish -> held by the home node, ms
  double spread_p50 = 0, spread_p99 = 0;  // home -> held by all, ms
  double deliveries_per_s = 0;
  std::vector<double> p50_by_tenth;  // publish -> all, by tenth of the phase in publish order
  std::uint64_t envelope_bytes = 0;  // of the phase's announcements, once each
  WireDelta wire;
  double daemon_cpu_s = 0, bench_cpu_s = 0;
  double verify_per_s = 0;           // the slice before this phase
  std::optional<Counters> counters;  // deltas over the phase, all nodes (--gdb-counters)
  std::string tree_trace;            // --trace-tree
};

struct Run {
  Options o;
  std::size_t nodes = 0;
  Corpus corpus;
  Fleet* fleet = nullptr;
  Watcher* watcher = nullptr;
  std::vector<std::unique_ptr<Importer>> importers;
  std::vector<std::uint64_t> sent_ns;
  std::string gdb_script;                 // --gdb-counters: the script's path
  std::optional<Counters> last_counters;  // read at the end of the previous phase

  double DaemonCpu() {
    double s = 0;
    for (const auto& d : fleet->daemons())
      if (d.pid > 0) s += ProcessCpuSeconds(d.pid);
    return s;
  }

  // Publishes the items of phase p: on a schedule at `rate` per second (one
  // per request), or, when rate is 0, per node in batches with a window.
  void Publish(int p, double rate, PhaseResult& r) {
    const std::size_t begin = corpus.phase_begin[p], end = corpus.phase_begin[p + 1];
    const auto t0 = Clock::now();
    if (rate > 0) {
      std::vector<std::size_t> one(1);
      for (std::size_t s = begin; s < end; ++s) {
        const auto due =
            t0 + std::chrono::duration_cast<Clock::duration>(
                     std::chrono::duration<double>(static_cast<double>(s - begin) / rate));
        std::this_thread::sleep_until(due);  // the schedule, not a wait for a condition
        r.max_lag_ms = std::max(r.max_lag_ms, Seconds(Clock::now() - due) * 1e3);
        one[0] = s;
        importers[corpus.items[s].home]->Send(corpus.items, one, 1u << 20, sent_ns);
      }
    } else {
      // Each home node gets its own items in order; batches per node.
      std::vector<std::vector<std::size_t>> per_node(nodes);
      for (std::size_t s = begin; s < end; ++s) per_node[corpus.items[s].home].push_back(s);
      const std::size_t batch = o.batch;
      std::vector<std::thread> threads;
      for (std::size_t n = 0; n < nodes; ++n)
        threads.emplace_back([&, n] {
          std::vector<std::size_t> slots;
          for (std::size_t k = 0; k < per_node[n].size(); k += batch) {
            slots.assign(per_node[n].begin() + static_cast<std::ptrdiff_t>(k),
                         per_node[n].begin() +
                             static_cast<std::ptrdiff_t>(std::min(per_node[n].size(), k + batch)));
            if (!importers[n]->Send(corpus.items, slots, o.window, sent_ns)) return;
          }
        });
      for (auto& t : threads) t.join();
    }
    for (auto& imp : importers) imp->Drain();
    r.send_s = Seconds(Clock::now() - t0);  // the last request written and answered
  }

  // Waits until the links fall quiet (trailing advertisements, answers to
  // late requests): no byte moved between two `peers` reads 100 ms apart, or
  // 10 s passed. Returns the last view.
  PeersView Quiet() {
    auto total = [](const PeersView& v) {
      std::uint64_t t = 0;
      for (const auto& [key, l] : v.links) t += l.out;
      return t;
    };
    PeersView v = ReadPeers(fleet->daemons());
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // polling the byte counts
      PeersView next = ReadPeers(fleet->daemons());
      const bool still = total(next) == total(v);
      v = std::move(next);
      if (still) break;
    }
    return v;
  }

  // Runs one phase and waits for it to settle.
  PhaseResult Phase(int p, double rate, bool measure) {
    PhaseResult r;
    r.name = kPhaseNames[p];
    r.target_rate = rate;
    const std::size_t begin = corpus.phase_begin[p], end = corpus.phase_begin[p + 1];
    r.published = end - begin;
    for (std::size_t s = begin; s < end; ++s) r.envelope_bytes += corpus.items[s].envelope.size();
    PeersView before;
    double cpu0 = 0, bench0 = 0;
    std::optional<Counters> counters0;
    if (measure) {
      std::uint64_t failures = 0;
      r.verify_per_s = VerifySlice(corpus.samples, o.slice_s, failures);
      if (o.gdb_counters)
        counters0 = last_counters ? last_counters : ReadAllCounters(fleet->daemons(), gdb_script);
      before = ReadPeers(fleet->daemons());
      cpu0 = DaemonCpu();
      bench0 = CpuSeconds(CLOCK_PROCESS_CPUTIME_ID);
    }
    TreeTrace trace(fleet->daemons(), measure && o.trace_tree);
    Publish(p, rate, r);
    r.complete = watcher->WaitAll(
        begin, end,
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.settle_s)));
    if (!measure) return r;
    r.tree_trace = trace.Summary(nodes);
    const PeersView after = Quiet();
    r.daemon_cpu_s = DaemonCpu() - cpu0;
    r.bench_cpu_s = CpuSeconds(CLOCK_PROCESS_CPUTIME_ID) - bench0;
    r.wire = Delta(before, after);
    last_counters.reset();
    if (counters0) {
      if (auto c1 = ReadAllCounters(fleet->daemons(), gdb_script)) {
        last_counters = c1;
        r.counters = Counters{};
        for (std::size_t k = 0; k < c1->size(); ++k) (*r.counters)[k] = (*c1)[k] - (*counters0)[k];
      }
    }

    const Watcher::Snapshot snap = watcher->Take();
    std::vector<double> all, home, spread;
    std::uint64_t first = ~0ull, last = 0, held = 0;
    for (std::size_t s = begin; s < end; ++s) {
      first = std::min(first, sent_ns[s]);
      held += snap.count[s];
      if (snap.count[s] != nodes) continue;
      last = std::max(last, snap.last_ns[s]);
      all.push_back(static_cast<double>(snap.last_ns[s] - sent_ns[s]) / 1e6);
      if (snap.home_ns[s]) {
        home.push_back(static_cast<double>(snap.home_ns[s] - sent_ns[s]) / 1e6);
        spread.push_back(static_cast<double>(snap.last_ns[s] - snap.home_ns[s]) / 1e6);
      }
    }
    r.p50 = Percentile(all, 50);
    r.p99 = Percentile(all, 99);
    r.max = all.empty() ? 0 : *std::max_element(all.begin(), all.end());
    r.home_p50 = Percentile(home, 50);
    r.home_p99 = Percentile(home, 99);
    r.spread_p50 = Percentile(spread, 50);
    r.spread_p99 = Percentile(spread, 99);
    r.span_s = last > first ? static_cast<double>(last - first) / 1e9 : 0;
    r.deliveries_per_s = r.span_s > 0 ? static_cast<double>(held) / r.span_s : 0;
    // Does the network settle into its tree, or fall behind, as the phase goes on?
    for (int t = 0; t < 10; ++t) {
      std::vector<double> part;
      for (std::size_t s = begin + (end - begin) * t / 10; s < begin + (end - begin) * (t + 1) / 10;
           ++s)
        if (snap.count[s] == nodes)
          part.push_back(static_cast<double>(snap.last_ns[s] - sent_ns[s]) / 1e6);
      r.p50_by_tenth.push_back(Percentile(part, 50));
    }
    return r;
  }
};

std::string Json(double v, int digits = 4) {
  if (!std::isfinite(v)) return "null";
  return fmt::format("{:.{}f}", v, digits);
}

std::string PhaseJson(const PhaseResult& r) {
  std::string tenths;
  for (double v : r.p50_by_tenth)
    tenths += fmt::format("{}{}", tenths.empty() ? "" : ",", Json(v, 1));
  std::string counters = "null";
  if (r.counters) {
    counters = "{";
    for (std::size_t k = 0; k < kCounterNames.size(); ++k)
      counters += fmt::format("{}\"{}\":{}", k ? "," : "", kCounterNames[k], (*r.counters)[k]);
    counters += "}";
  }
  return fmt::format(
      "{{\"p50_ms\":{},\"p99_ms\":{},\"max_ms\":{},\"announcements\":{},\"delivered\":{},"
      "\"deliveries_per_s\":{},\"seconds\":{},\"home_p50_ms\":{},\"home_p99_ms\":{},"
      "\"spread_p50_ms\":{},\"spread_p99_ms\":{},\"max_publisher_lag_ms\":{},"
      "\"wire_bytes\":{},\"envelope_bytes\":{},\"links_lost\":{},\"eager_ends_before\":{},"
      "\"eager_ends_after\":{},\"link_ends\":{},\"daemon_cpu_s\":{},\"verify_per_s\":{},"
      "\"p50_by_tenth_ms\":[{}],\"counters\":{}}}",
      Json(r.p50, 3), Json(r.p99, 3), Json(r.max, 3), r.published, r.complete,
      Json(r.deliveries_per_s, 1), Json(r.span_s, 3), Json(r.home_p50, 3), Json(r.home_p99, 3),
      Json(r.spread_p50, 3), Json(r.spread_p99, 3), Json(r.max_lag_ms, 3), r.wire.out,
      r.envelope_bytes, r.wire.links_lost, r.wire.eager_before, r.wire.eager_after,
      r.wire.links_after, Json(r.daemon_cpu_s, 3), Json(r.verify_per_s, 1), tenths, counters);
}

std::string DefaultPraxisd() {
#ifdef PRAXISD_BIN
  if (fs::exists(PRAXISD_BIN)) return PRAXISD_BIN;
#endif
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  return (self.parent_path().parent_path() / "daemon" / "praxisd").string();
}

int RunBench(Options o) {
  crypto::InitCrypto();
  ::signal(SIGPIPE, SIG_IGN);
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  if (o.praxisd.empty()) o.praxisd = DefaultPraxisd();
  if (o.praxisd.empty() || ::access(o.praxisd.c_str(), X_OK) != 0) {
    fmt::print(stderr, "gossip: no runnable praxisd at '{}' (pass --praxisd)\n", o.praxisd);
    return 2;
  }
  if (o.nodes < 2 || o.nodes > 1000 || o.authors < 1 || o.groups < 1 || o.announcements < 3) {
    fmt::print(stderr, "gossip: need 2..1000 nodes, an author, a group and 3 announcements\n");
    return 2;
  }
  o.min_peers = std::min<unsigned>(o.min_peers, o.nodes - 1);
  const std::size_t n_100 = std::max<std::size_t>(
      1, std::min<std::size_t>(o.announcements / 10,
                               static_cast<std::size_t>(std::llround(100 * o.seconds_100))));
  const std::size_t n_500 = std::max<std::size_t>(
      1, std::min<std::size_t>(o.announcements / 4,
                               static_cast<std::size_t>(std::llround(500 * o.seconds_500))));

  DirGuard guard;
  if (Status st = guard.Prepare("gossip", ""); !st.ok()) {
    fmt::print(stderr, "gossip: {}\n", st.message());
    return 2;
  }
  guard.remove = !o.keep;

  fmt::print(
      "praxis gossip benchmark: {} praxisd on loopback, {} authors, {} groups (Zipf s={}), "
      "{} shares measured{}\n",
      o.nodes, o.authors, o.groups, o.zipf, o.announcements, o.quick ? " (--quick)" : "");
  fmt::print(
      "  load: pre-signed envelopes imported through the control `import` request into "
      "each author's home node (author i -> node i mod N), in log order\n");
  fmt::print("  praxisd {}; data dirs under {} ({})\n", o.praxisd, guard.path.string(),
             o.keep ? "kept" : "removed at the end");
  const double load_start = LoadAtStart(cores);
  std::fflush(stdout);

  // 1. Sign everything (not timed).
  auto g0 = Clock::now();
  Run run;
  run.o = o;
  run.nodes = o.nodes;
  run.corpus = Generate(o, n_100, n_500);
  const Corpus& corpus = run.corpus;
  run.sent_ns.assign(corpus.items.size(), 0);
  std::string sizes;
  for (std::size_t g = 0; g < corpus.group_sizes.size() && g < 12; ++g)
    sizes += fmt::format("{}{}", g ? "," : "", corpus.group_sizes[g]);
  std::uint64_t share_bytes = 0;
  for (std::size_t s = corpus.phase_begin[kRate100]; s < corpus.items.size(); ++s)
    share_bytes += corpus.items[s].envelope.size();
  const double avg_envelope =
      static_cast<double>(share_bytes) / static_cast<double>(o.announcements);
  fmt::print(
      "signed in {:.1f} s (not timed): {} geneses, {} joins, {} shares ({} at 100/s, {} at "
      "500/s, {} at saturation); group sizes by rank {}{}; average share envelope {:.0f} "
      "B\n",
      Seconds(Clock::now() - g0), o.groups, corpus.phase_begin[kRate100] - o.groups,
      o.announcements, n_100, n_500, o.announcements - n_100 - n_500, sizes,
      corpus.group_sizes.size() > 12 ? ",..." : "", avg_envelope);
  std::fflush(stdout);

  // 2. The fleet.
  Fleet fleet(o.praxisd, guard.path, o.log_level);
  run.fleet = &fleet;
  auto fail_setup = [&](const std::string& why) {
    fmt::print(stderr, "gossip: {}\n", why);
    for (std::size_t i = 0; i < fleet.daemons().size(); ++i)
      fmt::print(stderr, "---- node {} log tail ----\n{}\n", i, Tail(fleet.daemons()[i].log, 1500));
    guard.remove = false;
    fmt::print(stderr, "gossip: data dirs and logs kept in {}\n", guard.path.string());
    return 2;
  };
  std::mt19937_64 rng(o.seed ^ 0x5eed);
  const auto start0 = Clock::now();
  for (unsigned i = 0; i < o.nodes; ++i) {
    std::string seed;
    if (i > 0) seed = fleet.daemons()[rng() % i].listen;
    std::string err;
    if (!fleet.Spawn(seed, err)) return fail_setup(err);
    // Poll the control socket until `status` answers with the bound address.
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    for (;;) {
      if (!fleet.Alive(i))
        return fail_setup(fmt::format("node {} exited while starting ({})", i,
                                      DescribeExit(*fleet.daemons()[i].exit_code)));
      Conn c;
      control::Request req;
      req.mutable_status();
      control::Response resp;
      if (c.Open(fleet.daemons()[i].sock) && c.Call(req, resp, std::chrono::seconds(5)) &&
          resp.has_status() && !resp.status().listen().empty()) {
        fleet.daemons()[i].listen = resp.status().listen();
        fleet.daemons()[i].member = resp.status().member();
        break;
      }
      if (Clock::now() > deadline)
        return fail_setup(fmt::format("node {} did not answer `status` within 30 s", i));
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling the socket
    }
  }
  const double spawn_s = Seconds(Clock::now() - start0);
  // Wait for the mesh: every node with at least min_peers links.
  PeersView mesh;
  {
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    for (;;) {
      mesh = ReadPeers(fleet.daemons());
      const std::size_t fewest = *std::min_element(mesh.peers.begin(), mesh.peers.end());
      if (mesh.ok && fewest >= o.min_peers) break;
      for (std::size_t i = 0; i < o.nodes; ++i)
        if (!fleet.Alive(i)) return fail_setup(fmt::format("node {} exited", i));
      if (Clock::now() > deadline)
        return fail_setup(
            fmt::format("the mesh did not form within 60 s (fewest peers {})", fewest));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling `peers`
    }
  }
  std::size_t links = 0;
  for (std::size_t p : mesh.peers) links += p;
  fmt::print(
      "started {} praxisd in {:.1f} s; mesh ready after {:.1f} s: {:.1f} peers per node on "
      "average (min {}, max {})\n",
      o.nodes, spawn_s, Seconds(Clock::now() - start0), static_cast<double>(links) / o.nodes,
      *std::min_element(mesh.peers.begin(), mesh.peers.end()),
      *std::max_element(mesh.peers.begin(), mesh.peers.end()));
  std::fflush(stdout);

  if (o.gdb_counters) {
    run.gdb_script = (guard.path / "counters.gdb").string();
    std::ofstream(run.gdb_script) << kGdbScript;
    fmt::print(
        "  GossipCounters read from every praxisd's status between phases "
        "(nothing timed runs meanwhile)\n");
  }
  Watcher watcher(corpus, o.nodes);
  run.watcher = &watcher;
  {
    std::string err;
    if (!watcher.Open(fleet.daemons(), err)) return fail_setup(err);
  }
  for (unsigned i = 0; i < o.nodes; ++i) {
    run.importers.push_back(std::make_unique<Importer>());
    if (!run.importers.back()->Open(fleet.daemons()[i].sock))
      return fail_setup(fmt::format("node {}: cannot open an import connection", i));
  }

  // 3. Setup: geneses, then joins, each everywhere before the next.
  bool lost = false;
  for (int p : {kGeneses, kJoins}) {
    auto t0 = Clock::now();
    PhaseResult r = run.Phase(p, 0, false);
    fmt::print("setup {}: {} imported, held by all {} nodes: {} ({:.1f} s)\n", r.name, r.published,
               o.nodes, r.complete, Seconds(Clock::now() - t0));
    std::fflush(stdout);
    if (r.complete != r.published) lost = true;
  }

  // 4. The measured phases.
  std::vector<PhaseResult> results;
  if (!lost) {
    const std::array<std::pair<int, double>, 3> plan = {
        std::pair{kRate100, 100.0}, std::pair{kRate500, 500.0}, std::pair{kSaturation, 0.0}};
    for (const auto& [p, rate] : plan) {
      PhaseResult r = run.Phase(p, rate, true);
      const std::size_t link_deliveries = r.published * (o.nodes - 1);
      const std::uint64_t payload = r.envelope_bytes * (o.nodes - 1);
      const double deliveries = static_cast<double>(r.published) * o.nodes;
      fmt::print("{}: {} shares{}; held by all {} nodes: {}/{}\n", r.name, r.published,
                 rate > 0 ? fmt::format(" at {:.0f}/s (sent in {:.2f} s, publisher at most {:.1f} "
                                        "ms behind schedule)",
                                        rate, r.send_s, r.max_lag_ms)
                          : fmt::format(" in batches of {} per home node, window {} (sent in "
                                        "{:.2f} s = {:.0f}/s imported)",
                                        o.batch, o.window, r.send_s,
                                        static_cast<double>(r.published) / r.send_s),
                 o.nodes, r.complete, r.published);
      fmt::print(
          "  publish -> all: p50 {:.1f} ms, p99 {:.1f} ms, max {:.1f} ms  (publish -> home "
          "node p50 {:.1f} p99 {:.1f}; home -> all p50 {:.1f} p99 {:.1f})\n",
          r.p50, r.p99, r.max, r.home_p50, r.home_p99, r.spread_p50, r.spread_p99);
      std::string tenths;
      for (double v : r.p50_by_tenth) tenths += fmt::format(" {:.0f}", v);
      fmt::print("  publish -> all p50 by tenth of the phase (ms):{}\n", tenths);
      fmt::print(
          "  deliveries {:.0f} in {:.2f} s = {:.0f}/s; verify slice before: {:.0f}/s on one "
          "core\n",
          deliveries, r.span_s, r.deliveries_per_s, r.verify_per_s);
      fmt::print(
          "  wire {:.2f} MB = {:.0f} B per link delivery ({:.0f} B envelope); (wire - "
          "envelopes)/envelopes {:.3f}{}\n",
          static_cast<double>(r.wire.out) / 1e6,
          static_cast<double>(r.wire.out) / static_cast<double>(link_deliveries),
          static_cast<double>(r.envelope_bytes) / static_cast<double>(r.published),
          (static_cast<double>(r.wire.out) - static_cast<double>(payload)) /
              static_cast<double>(payload),
          r.wire.links_lost ? fmt::format("; {} links went down meanwhile (their bytes are "
                                          "missing)",
                                          r.wire.links_lost)
                            : "");
      fmt::print(
          "  eager link ends (pushing full payloads): {} before, {} after, of {} (a spanning "
          "tree has {})\n",
          r.wire.eager_before, r.wire.eager_after, r.wire.links_after, 2 * (o.nodes - 1));
      if (!r.tree_trace.empty()) fmt::print("  {}\n", r.tree_trace);
      fmt::print(
          "  cpu: praxisd {:.2f} s = {:.0f} us per delivery (one verification: {:.0f} us); "
          "benchmark {:.2f} s\n",
          r.daemon_cpu_s, r.daemon_cpu_s * 1e6 / deliveries, 1e6 / r.verify_per_s, r.bench_cpu_s);
      if (r.counters) {
        const Counters& c = *r.counters;
        const double avg = static_cast<double>(r.envelope_bytes) / static_cast<double>(r.published);
        const double sent = static_cast<double>(c[2] + c[3]) * avg;
        fmt::print(
            "  counters (gdb, all nodes): delivered {}, duplicates {} (rmr {:.3f}), pushes "
            "{}, replies {}, ihave ids {}, grafts {}, prunes {}, deferred {}; signature checks "
            "{:.3f} per delivery; payloads sent "
            "~{:.2f} MB, (wire - payloads sent) / payloads sent {:.3f}\n",
            c[0], c[1], c[0] ? static_cast<double>(c[1]) / static_cast<double>(c[0]) : 0.0, c[2],
            c[3], c[4], c[5], c[6], c[7],
            c[0] ? static_cast<double>(c[8]) / static_cast<double>(c[0]) : 0.0, sent / 1e6,
            sent > 0 ? (static_cast<double>(r.wire.out) - sent) / sent : 0.0);
      }
      std::fflush(stdout);
      if (r.complete != r.published) lost = true;
      results.push_back(r);
    }
  }

  // 5. Tally, stop, report.
  Tally tally;
  for (auto& imp : run.importers) {
    Tally t = imp->tally();
    tally.sent += t.sent;
    tally.accepted += t.accepted;
    tally.duplicate += t.duplicate;
    tally.deferred += t.deferred;
    tally.invalid += t.invalid;
    tally.out_of_scope += t.out_of_scope;
    tally.fork += t.fork;
    tally.errors += t.errors;
    if (tally.first_problem.empty()) tally.first_problem = t.first_problem;
  }
  const std::string watch_failure = watcher.failure();
  std::vector<std::size_t> missing;
  if (lost) missing = watcher.MissingPerNode(0, corpus.items.size());
  watcher.Stop();
  for (auto& imp : run.importers) imp->Close();
  const std::vector<std::string> stop_problems = fleet.StopAll(std::chrono::seconds(10));

  std::size_t measured = 0, complete = 0;
  std::uint64_t wire = 0, payload = 0, envelope_bytes = 0;
  std::size_t links_lost = 0;
  std::vector<double> verify_rates;
  for (const auto& r : results) {
    measured += r.published;
    complete += r.complete;
    wire += r.wire.out;
    envelope_bytes += r.envelope_bytes;
    payload += r.envelope_bytes * (o.nodes - 1);
    links_lost += r.wire.links_lost;
    verify_rates.push_back(r.verify_per_s);
  }
  const double delivered_fraction =
      measured ? static_cast<double>(complete) / static_cast<double>(measured) : 0;
  const double verify_per_s = verify_rates.empty() ? 0 : Median(verify_rates);
  const PhaseResult none;
  auto phase = [&](int p) -> const PhaseResult& {
    for (const auto& r : results)
      if (r.name == kPhaseNames[p]) return r;
    return none;
  };
  const PhaseResult& sat = phase(kSaturation);
  const double efficiency = verify_per_s > 0 ? sat.deliveries_per_s / (cores * verify_per_s) : 0;
  const double link_deliveries = static_cast<double>(measured) * (o.nodes - 1);
  const double bytes_per_delivery = link_deliveries > 0 ? wire / link_deliveries : 0;
  // Without counters: an upper bound (duplicate payloads count as control).
  // With them (gdb): payload = envelopes of every delivery sent, duplicates
  // included (they are rmr's part), at the phase's average envelope size.
  double control_share =
      payload ? (static_cast<double>(wire) - static_cast<double>(payload)) / payload : 0;
  std::optional<double> rmr;
  bool counted = !results.empty();
  for (const auto& r : results) counted = counted && r.counters.has_value();
  if (counted) {
    double delivered = 0, duplicates = 0, sent = 0;
    for (const auto& r : results) {
      delivered += static_cast<double>((*r.counters)[0]);
      duplicates += static_cast<double>((*r.counters)[1]);
      sent += static_cast<double>((*r.counters)[2] + (*r.counters)[3]) *
              static_cast<double>(r.envelope_bytes) / static_cast<double>(r.published);
    }
    if (delivered > 0) rmr = duplicates / delivered;
    if (sent > 0) control_share = (static_cast<double>(wire) - sent) / sent;
  }
  double daemon_cpu = 0;
  for (const auto& r : results) daemon_cpu += r.daemon_cpu_s;
  const double cpu_per_delivery_us =
      measured ? daemon_cpu * 1e6 / (static_cast<double>(measured) * o.nodes) : 0;
  // The same ratio as efficiency on CPU time instead of wall time: what one
  // delivery costs every praxisd in total at saturation against one
  // verification. Unlike efficiency it does not suffer when other work
  // shares the machine.
  const double sat_cpu_us =
      sat.published ? sat.daemon_cpu_s * 1e6 / (static_cast<double>(sat.published) * o.nodes) : 0;
  const double cpu_efficiency =
      sat_cpu_us > 0 && verify_per_s > 0 ? (1e6 / verify_per_s) / sat_cpu_us : 0;
  const bool imports_ok = tally.accepted == tally.sent && tally.errors == 0;
  const bool ok = !lost && delivered_fraction == 1.0 && imports_ok && watch_failure.empty();
  const double load_end = LoadAverage();

  fmt::print(
      "imports: {} sent, {} accepted, {} duplicate, {} deferred, {} invalid, {} out of "
      "scope, {} fork, {} errors{}\n",
      tally.sent, tally.accepted, tally.duplicate, tally.deferred, tally.invalid,
      tally.out_of_scope, tally.fork, tally.errors,
      tally.first_problem.empty() ? "" : "; first problem: " + tally.first_problem);
  if (!watch_failure.empty()) fmt::print("!!! {}\n", watch_failure);
  if (watcher.foreign())
    fmt::print("note: {} watch events for ids not in the corpus\n", watcher.foreign());
  for (const auto& p : stop_problems) fmt::print("note: {}\n", p);
  if (!missing.empty()) {
    std::string per;
    for (std::size_t i = 0; i < missing.size(); ++i)
      per += fmt::format("{}{}:{}", i ? " " : "", i, missing[i]);
    fmt::print("!!! NOT EVERYTHING ARRIVED: announcements missing per node: {}\n", per);
  }
  fmt::print("verify slices (1 thread, CPU time):");
  for (double v : verify_rates) fmt::print(" {:.0f}", v);
  fmt::print(" /s; load average {:.2f} at start, {:.2f} at end\n", load_start, load_end);
  fmt::print("delivered_fraction     {:>10.4f}     {} of {} measured shares held by all {} nodes\n",
             delivered_fraction, complete, measured, o.nodes);
  fmt::print("deliveries_per_s       {:>10.0f} /s   at saturation, the home node's copy included\n",
             sat.deliveries_per_s);
  fmt::print("verify_per_s           {:>10.0f} /s   one core, median of {} slices\n", verify_per_s,
             verify_rates.size());
  fmt::print(
      "efficiency             {:>10.3f}      = deliveries_per_s / ({} cores x verify_per_s); "
      "goal >= {}: {}\n",
      efficiency, cores, kGoalEfficiency, efficiency >= kGoalEfficiency ? "MET" : "NOT MET");
  fmt::print(
      "cpu_per_delivery       {:>10.0f} us   praxisd CPU over all measured phases / "
      "deliveries (one verification {:.0f} us); at saturation {:.0f} us\n",
      cpu_per_delivery_us, verify_per_s > 0 ? 1e6 / verify_per_s : 0, sat_cpu_us);
  fmt::print(
      "cpu_efficiency         {:>10.3f}      = one verification / praxisd CPU per delivery at "
      "saturation (efficiency on CPU time: blind to other load on the machine)\n",
      cpu_efficiency);
  for (int p : {kRate100, kRate500, kSaturation}) {
    const PhaseResult& r = phase(p);
    const double goal = p == kRate100 ? kGoalP99At100 : p == kRate500 ? kGoalP99At500 : 0;
    fmt::print("{:<22} p50 {:>7.1f} ms  p99 {:>7.1f} ms  max {:>7.1f} ms{}\n", kPhaseNames[p],
               r.p50, r.p99, r.max,
               goal > 0
                   ? fmt::format("   goal p99 <= {:.0f} ms: {}", goal,
                                 r.p99 <= goal && r.complete == r.published ? "MET" : "NOT MET")
                   : "");
  }
  if (rmr) {
    fmt::print(
        "rmr                    {:>10.3f}      duplicate payloads received / deliveries from "
        "links (GossipCounters read with gdb); goal <= {}: {}\n",
        *rmr, kGoalRmr, *rmr <= kGoalRmr ? "MET" : "NOT MET");
    fmt::print(
        "control_share          {:>10.3f}      (wire - envelopes of every delivery sent) / "
        "those envelopes (counters read with gdb){}; goal <= {}: {}\n",
        control_share,
        *rmr > kGoalRmr ? ", duplicates swell the payload side: read it with rmr" : "",
        kGoalControlShare, control_share <= kGoalControlShare ? "MET" : "NOT MET");
  } else {
    fmt::print(
        "rmr                          null      duplicate payload receipts are not visible "
        "from outside praxisd (needs its GossipCounters; try --gdb-counters); goal <= {}: "
        "UNKNOWN\n",
        kGoalRmr);
    fmt::print(
        "control_share          {:>10.3f}      UPPER BOUND: (wire - first-delivery "
        "envelopes) / envelopes, duplicate payloads included; goal <= {}: {}\n",
        control_share, kGoalControlShare,
        control_share <= kGoalControlShare ? "MET" : "UNKNOWN (bound above the goal)");
  }
  fmt::print(
      "bytes_per_delivery     {:>10.0f} B    wire bytes / link deliveries (average envelope "
      "{:.0f} B){}\n",
      bytes_per_delivery, avg_envelope,
      links_lost ? fmt::format("; {} links went down during phases: a lower bound", links_lost)
                 : "");
  if (!ok)
    fmt::print("!!! NOT VALID: {}{}{} !!!\n", lost ? "announcements lost; " : "",
               imports_ok ? "" : "imports not all accepted; ",
               watch_failure.empty() ? "" : "a watch stream failed");
  if (!ok) {
    guard.remove = false;
    fmt::print("data dirs and logs kept in {}\n", guard.path.string());
  }
  fmt::print(
      "{{\"nodes\":{},\"announcements\":{},\"authors\":{},\"groups\":{},"
      "\"injected\":\"pre-signed envelopes via control import at the author's home node\","
      "\"delivered_fraction\":{},\"deliveries_per_s\":{},\"verify_per_s\":{},\"cores\":{},"
      "\"efficiency\":{},\"rate_100\":{},\"rate_500\":{},\"saturation\":{},\"rmr\":{},"
      "\"control_share\":{},\"control_share_is_upper_bound\":{},\"bytes_per_delivery\":{},"
      "\"wire_bytes\":{},\"envelope_bytes\":{},\"avg_envelope_bytes\":{},\"links_lost\":{},"
      "\"cpu_per_delivery_us\":{},\"cpu_efficiency\":{},\"imports_accepted\":{},\"imports_sent\":{}"
      ","
      "\"load_average_start\":{},\"load_average_end\":{},\"quick\":{},\"ok\":{}}}\n",
      o.nodes, measured, o.authors, o.groups, Json(delivered_fraction, 6),
      Json(sat.deliveries_per_s, 1), Json(verify_per_s, 1), cores, Json(efficiency, 4),
      PhaseJson(phase(kRate100)), PhaseJson(phase(kRate500)), PhaseJson(sat),
      rmr ? Json(*rmr, 4) : "null", Json(control_share, 4), !rmr, Json(bytes_per_delivery, 1), wire,
      envelope_bytes, Json(avg_envelope, 1), links_lost, Json(cpu_per_delivery_us, 1),
      Json(cpu_efficiency, 4), tally.accepted, tally.sent, Json(load_start, 2), Json(load_end, 2),
      o.quick, ok);
  std::fflush(stdout);
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace praxis::bench

int main(int argc, char** argv) {
  praxis::bench::Options o;
  CLI::App app{
      "Gossip benchmark: N praxisd on loopback, pre-signed announcements imported at "
      "their authors' home nodes, timed until every node holds them. Last line of "
      "output: one JSON object."};
  app.add_option("--nodes", o.nodes, "praxisd processes")->check(CLI::Range(2, 1000));
  app.add_option("--announcements", o.announcements, "shares in the measured phases")
      ->check(CLI::PositiveNumber);
  app.add_option("--authors", o.authors, "distinct authors")->check(CLI::PositiveNumber);
  app.add_option("--groups", o.groups, "open groups (Zipf-distributed member counts)")
      ->check(CLI::PositiveNumber);
  app.add_option("--zipf", o.zipf, "exponent of group size by rank");
  app.add_option("--batch", o.batch, "envelopes per import request at saturation")
      ->check(CLI::PositiveNumber);
  app.add_option("--window", o.window, "unanswered import requests per node at saturation")
      ->check(CLI::PositiveNumber);
  app.add_option("--seconds-100", o.seconds_100, "length of the 100/s phase (at most M/10)")
      ->check(CLI::PositiveNumber);
  app.add_option("--seconds-500", o.seconds_500, "length of the 500/s phase (at most M/4)")
      ->check(CLI::PositiveNumber);
  app.add_option("--settle", o.settle_s,
                 "give up waiting for a phase when nothing arrived "
                 "this many seconds")
      ->check(CLI::PositiveNumber);
  app.add_option("--min-peers", o.min_peers, "peers every node needs before the load starts");
  app.add_option("--slice", o.slice_s, "CPU seconds per verify slice")->check(CLI::PositiveNumber);
  app.add_option("--praxisd", o.praxisd,
                 "the praxisd binary (default: the one built with this "
                 "benchmark)");
  app.add_option("--log-level", o.log_level, "praxisd --log-level");
  app.add_option("--seed", o.seed, "seed of the corpus and the seeds");
  app.add_flag("--keep", o.keep, "keep the data dirs and logs");
  app.add_flag("--trace-tree", o.trace_tree,
               "sample every node's eager (tree) links every 100 ms during the measured phases");
  app.add_flag("--gdb-counters", o.gdb_counters,
               "between phases, read every praxisd's GossipCounters with gdb (needs gdb and "
               "praxisd's debug info) to report rmr and payload bytes sent; slow");
  app.add_flag("--quick", o.quick, "smoke size: 5 nodes, 1,000 shares, short phases");
  CLI11_PARSE(app, argc, argv);
  if (o.quick) {  // explicit sizes still win
    if (!app.count("--nodes")) o.nodes = 5;
    if (!app.count("--announcements")) o.announcements = 1000;
    if (!app.count("--authors")) o.authors = 20;
    if (!app.count("--groups")) o.groups = 10;
    if (!app.count("--seconds-100")) o.seconds_100 = 1;
    if (!app.count("--seconds-500")) o.seconds_500 = 0.5;
    if (!app.count("--settle")) o.settle_s = 10;
    if (!app.count("--slice")) o.slice_s = 0.1;
  }
  return praxis::bench::RunBench(o);
}
