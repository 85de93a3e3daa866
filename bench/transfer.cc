// bench/transfer.cc: how fast a file moves between real praxisd processes on
// loopback, set against the machine's own limits measured in the same run.
//
// 1. Limits (each on this machine, now): raw loopback TCP (one connection,
//    one thread each end), single-core ChaCha20-Poly1305 decryption of 64 KiB
//    records plus BLAKE2b of the same bytes in 256 KiB chunks (what a fetcher
//    does to each byte), and the RocksDB chunk write rate (256 KiB values
//    into the chunk column without the WAL, then flushed, as a fetch writes
//    them). The lowest is the limit.
// 2. One holder: praxisd A shares an S-byte file (default 1 GiB) into a
//    group; praxisd F links to A, joins, and `praxis get ROOT -o FILE` is
//    timed from the command's start to its exit (writing FILE included). The
//    copy is checked byte for byte.
// 3. Four holders: three more nodes fetch it (from A and one another), F
//    drops its copy, links to all four and fetches again.
// 4. A slow holder: the fourth holder stops; F fetches from the three fast
//    ones alone (timed); the fourth comes back with --max-upload-rate 2MB and
//    F fetches from all four again (timed).
// 5. Peak resident memory (VmHWM) of every daemon.
//
// Prints lines for people, then one JSON object as the last line:
//   mb_per_s            one holder, file written (MB = 10^6 bytes)
//   limit_mb_per_s      the lowest of the three limits
//   ratio               mb_per_s / limit_mb_per_s (goal >= 0.5)
//   four_holders_ratio  four-holder rate / one-holder rate (goal >= 0.95)
//   slow_holder_ratio   time with a throttled fourth / time with the three
//                       fast ones alone (goal <= 1.3)
//   peak_rss_mb         {daemon: MB}; goal < 200 each, whatever the size
// Exit status: 0 when every copy matched, 1 when not, 2 on a setup error.
#include <fcntl.h>
#include <fmt/core.h>
#include <netinet/in.h>
#include <signal.h>
#include <sodium.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/bench_util.h"
#include "praxis/storage/store.h"

namespace praxis::bench {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kChunk = 256 * 1024;
constexpr double kMB = 1e6;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// ---------------------------------------------------------------------------
// Limits

double LoopbackMBps(std::size_t bytes) {
  int ls = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (ls < 0 || ::bind(ls, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(ls, 1) != 0 || ::getsockname(ls, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    return 0;
  std::thread sender([&] {
    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    if (::connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
    std::string buf(kChunk, 'x');
    for (std::size_t sent = 0; sent < bytes;) {
      ssize_t n = ::send(s, buf.data(), std::min(buf.size(), bytes - sent), 0);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    ::close(s);
  });
  int c = ::accept(ls, nullptr, nullptr);
  std::string buf(kChunk, '\0');
  const auto t0 = Clock::now();
  std::size_t got = 0;
  for (;;) {
    ssize_t n = ::recv(c, buf.data(), buf.size(), 0);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  const double s = Seconds(t0, Clock::now());
  sender.join();
  ::close(c);
  ::close(ls);
  return static_cast<double>(got) / s / kMB;
}

double CryptoMBps(std::size_t bytes) {
  // 64 KiB Noise-sized records: decrypt each, hash each 256 KiB chunk.
  constexpr std::size_t kRecord = 65535 - crypto_aead_chacha20poly1305_ietf_ABYTES;
  std::vector<unsigned char> key(crypto_aead_chacha20poly1305_ietf_KEYBYTES, 7);
  std::vector<unsigned char> nonce(crypto_aead_chacha20poly1305_ietf_NPUBBYTES, 0);
  std::string plain(kRecord, 'p');
  std::vector<unsigned char> sealed(kRecord + crypto_aead_chacha20poly1305_ietf_ABYTES);
  unsigned long long sealed_len = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(
      sealed.data(), &sealed_len, reinterpret_cast<const unsigned char*>(plain.data()),
      plain.size(), nullptr, 0, nullptr, nonce.data(), key.data());
  std::string chunk(kChunk, '\0');
  unsigned char hash[32];
  const double c0 = CpuSeconds(CLOCK_THREAD_CPUTIME_ID);
  std::size_t done = 0;
  while (done < bytes) {
    for (std::size_t at = 0; at < kChunk; at += kRecord) {
      unsigned long long out_len = 0;
      if (crypto_aead_chacha20poly1305_ietf_decrypt(
              reinterpret_cast<unsigned char*>(chunk.data()) + std::min(at, kChunk - kRecord),
              &out_len, nullptr, sealed.data(), sealed_len, nullptr, 0, nonce.data(),
              key.data()) != 0)
        return 0;
    }
    crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(chunk.data()),
                       chunk.size(), nullptr, 0);
    done += kChunk;
  }
  return static_cast<double>(done) / (CpuSeconds(CLOCK_THREAD_CPUTIME_ID) - c0) / kMB;
}

double RocksMBps(const fs::path& dir, std::size_t bytes) {
  auto store = storage::OpenRocksStore({.path = (dir / "limit-db").string()});
  if (!store) return 0;
  SplitMix r(42);
  std::string value(kChunk, '\0');
  const auto t0 = Clock::now();
  for (std::size_t i = 0, done = 0; done < bytes; ++i, done += kChunk) {
    for (std::size_t k = 0; k < 64; ++k) value[k * 4096] = static_cast<char>(r.Next());
    std::string key(32, '\0');
    for (std::size_t k = 0; k < 8; ++k) key[k] = static_cast<char>(i >> (8 * k));
    storage::WriteSet ws;
    ws.Put(storage::Column::kChunks, key, value);
    if (!(*store)->Write(ws, storage::Durability::kNoWal).ok()) return 0;
  }
  (void)(*store)->Flush(storage::Column::kChunks);
  const double s = Seconds(t0, Clock::now());
  store->reset();
  std::error_code ec;
  fs::remove_all(dir / "limit-db", ec);
  return static_cast<double>(bytes) / s / kMB;
}

// ---------------------------------------------------------------------------
// Processes

struct Options {
  std::size_t size_mb = 1024;
  std::string praxisd = PRAXISD_BIN, praxis = PRAXIS_BIN;
  std::string dir;
  bool keep = false;
  bool quick = false;
  std::string log_level = "warn";
};

struct CmdOut {
  int code = -1;
  std::string out;
};

// Runs argv to its end; stdout captured, stderr to `log`.
CmdOut Run(std::vector<std::string> args, const std::string& log) {
  int pipefd[2];
  if (::pipe(pipefd) != 0) return {};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int err = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(pipefd[1], 1);
    if (err >= 0) ::dup2(err, 2);
    ::close(pipefd[0]);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(pipefd[1]);
  CmdOut r;
  char buf[4096];
  for (ssize_t n; (n = ::read(pipefd[0], buf, sizeof buf)) > 0;) r.out.append(buf, n);
  ::close(pipefd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  return r;
}

class Daemon {
 public:
  Daemon(std::string name, fs::path root, const Options& o)
      : name_(std::move(name)), dir_((root / name_).string()), log_((root / (name_ + ".log")).string()), o_(o) {}
  ~Daemon() { Stop(); }

  bool Start(std::vector<std::string> extra = {}) {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    std::vector<std::string> args = {o_.praxisd, "--data-dir", dir_, "--listen", "127.0.0.1:0",
                                     "--log-level", o_.log_level};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      const int null = ::open("/dev/null", O_RDONLY);
      ::dup2(null, 0);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    for (int i = 0; i < 600; ++i) {
      if (auto s = Json1({"status"}); s && s->contains("listen")) {
        listen_ = (*s)["listen"];
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  void Stop() {
    if (pid_ <= 0) return;
    peak_mb_ = std::max(peak_mb_, PeakRssMb());
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  // `praxis --data-dir DIR ARGS... --json`, parsed; nullopt on failure.
  std::optional<Json> Json1(std::vector<std::string> args) const {
    args.insert(args.begin(), {o_.praxis, "--data-dir", dir_});
    args.push_back("--json");
    CmdOut r = Run(args, log_);
    if (r.code != 0) return std::nullopt;
    try {
      return Json::parse(r.out);
    } catch (...) {
      return std::nullopt;
    }
  }
  double PeakRssMb() const {
    if (pid_ <= 0) return peak_mb_;
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0 * 1.024;
    return 0;
  }
  const std::string& name() const { return name_; }
  const std::string& listen() const { return listen_; }
  const std::string& dir() const { return dir_; }
  const std::string& log() const { return log_; }

 private:
  std::string name_, dir_, log_;
  const Options& o_;
  pid_t pid_ = -1;
  std::string listen_;
  double peak_mb_ = 0;
};

bool Wait(const std::function<bool()>& cond, double seconds = 60) {
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return cond();
}

// a links to b and both see it.
bool Link(Daemon& a, const Daemon& b) {
  if (!a.Json1({"connect", b.listen()})) return false;
  const auto member = b.Json1({"status"});
  if (!member) return false;
  return Wait([&] {
    auto peers = a.Json1({"peers"});
    if (!peers) return false;
    for (const auto& p : *peers)
      if (p["member"] == (*member)["member"]) return true;
    return false;
  });
}

bool Join(Daemon& d, const std::string& group) {
  if (!Wait([&] { return d.Json1({"stage", group}).has_value(); })) return false;
  return d.Json1({"group", "join", group}).has_value();
}

// Times `get ROOT -o out` on `d`; 0 on failure.
double TimedGet(Daemon& d, const std::string& root, const std::string& out, std::size_t size,
                std::size_t* peers = nullptr) {
  std::error_code ec;
  fs::remove(out, ec);
  const auto t0 = Clock::now();
  auto r = d.Json1({"get", root, "-o", out});
  const double s = Seconds(t0, Clock::now());
  if (!r || (*r)["size"] != size) return 0;
  if (peers) *peers = (*r)["peers"];
  return s;
}

bool SameFile(const std::string& a, const std::string& b) {
  std::ifstream fa(a, std::ios::binary), fb(b, std::ios::binary);
  std::string ba(1 << 20, '\0'), bb(1 << 20, '\0');
  while (fa && fb) {
    fa.read(ba.data(), static_cast<std::streamsize>(ba.size()));
    fb.read(bb.data(), static_cast<std::streamsize>(bb.size()));
    if (fa.gcount() != fb.gcount() || std::memcmp(ba.data(), bb.data(), static_cast<std::size_t>(fa.gcount())) != 0)
      return false;
  }
  return fa.eof() && fb.eof();
}

int Main(const Options& o) {
  if (sodium_init() < 0) return 2;
  DirGuard guard;
  if (Status s = guard.Prepare("transfer", o.dir); !s.ok()) {
    fmt::print(stderr, "transfer: {}\n", s.message());
    return 2;
  }
  guard.remove = guard.remove && !o.keep;
  const fs::path root = guard.path;
  const std::size_t size = o.size_mb << 20;
  fmt::print("praxis transfer benchmark: {} MiB file, praxisd processes on loopback\n  dirs under {}{}\n",
             o.size_mb, root.string(), guard.remove ? " (removed at the end)" : "");

  (void)LoadAtStart(std::max(1u, std::thread::hardware_concurrency()));

  // 1. Limits.
  const std::size_t probe = std::min<std::size_t>(size, 512u << 20);
  const double loopback = LoopbackMBps(probe);
  const double crypto = CryptoMBps(std::min<std::size_t>(size, 256u << 20));
  const double rocks = RocksMBps(root, std::min<std::size_t>(size, 256u << 20));
  const double limit = std::min({loopback, crypto, rocks});
  fmt::print("limits: loopback TCP {:.0f} MB/s, AEAD decrypt + BLAKE2b (one core) {:.0f} MB/s, "
             "RocksDB chunk writes {:.0f} MB/s -> limit {:.0f} MB/s\n",
             loopback, crypto, rocks, limit);

  // 2. One holder.
  const std::string source = (root / "source.bin").string();
  {
    std::ofstream f(source, std::ios::binary);
    SplitMix r(7);
    std::string buf(1 << 20, '\0');
    for (std::size_t done = 0; done < size; done += buf.size()) {
      for (std::size_t i = 0; i < buf.size(); i += 8) {
        const std::uint64_t v = r.Next();
        std::memcpy(buf.data() + i, &v, 8);
      }
      f.write(buf.data(), static_cast<std::streamsize>(std::min(buf.size(), size - done)));
    }
  }
  std::vector<std::unique_ptr<Daemon>> d;
  auto add = [&](const std::string& name) -> Daemon& {
    d.push_back(std::make_unique<Daemon>(name, root, o));
    return *d.back();
  };
  Daemon& origin = add("origin");
  Daemon& fetcher = add("fetcher");
  if (!origin.Start() || !fetcher.Start()) {
    fmt::print(stderr, "transfer: a praxisd did not start (logs in {})\n", root.string());
    return 2;
  }
  auto g = origin.Json1({"group", "create", "bench"});
  if (!g) return 2;
  const std::string group = (*g)["group"];
  const auto t_share = Clock::now();
  auto shared = origin.Json1({"share", source, "--group", group});
  if (!shared) return 2;
  const std::string rootid = (*shared)["root"];
  fmt::print("origin shared it in {:.2f} s\n", Seconds(t_share, Clock::now()));
  if (!Link(fetcher, origin) || !Join(fetcher, group)) return 2;
  const std::string out = (root / "out.bin").string();
  std::size_t peers = 0;
  const double t1 = TimedGet(fetcher, rootid, out, size, &peers);
  bool ok = t1 > 0 && SameFile(source, out);
  const double mbps = t1 > 0 ? static_cast<double>(size) / t1 / kMB : 0;
  fmt::print("one holder: {:.2f} s = {:.0f} MB/s ({} peer), ratio to the limit {:.2f}; copy {}\n",
             t1, mbps, peers, mbps / limit, ok ? "identical" : "DIFFERS");

  // 3. Four holders.
  std::vector<Daemon*> holders = {&origin};
  for (int i = 1; i <= 3; ++i) {
    Daemon& h = add(fmt::format("holder{}", i));
    if (!h.Start() || !Link(h, origin) || !Join(h, group)) return 2;
    for (Daemon* other : holders)
      if (other != &origin) (void)Link(h, *other);
    if (TimedGet(h, rootid, (root / (h.name() + ".bin")).string(), size) == 0) return 2;
    fs::remove(root / (h.name() + ".bin"));
    holders.push_back(&h);
  }
  for (Daemon* h : holders)
    if (h != &origin && !Link(fetcher, *h)) return 2;
  auto drop = [&] { return fetcher.Json1({"drop", rootid}).has_value(); };
  if (!drop()) return 2;
  const double t4 = TimedGet(fetcher, rootid, out, size, &peers);
  ok = ok && t4 > 0 && SameFile(source, out);
  const double mbps4 = t4 > 0 ? static_cast<double>(size) / t4 / kMB : 0;
  fmt::print("four holders: {:.2f} s = {:.0f} MB/s ({} peers); four / one {:.2f}\n", t4, mbps4,
             peers, mbps4 / mbps);

  // 4. A slow holder.
  Daemon& fourth = *holders.back();
  fourth.Stop();
  if (!drop()) return 2;
  const double t3 = TimedGet(fetcher, rootid, out, size, &peers);
  ok = ok && t3 > 0 && SameFile(source, out);
  fmt::print("three fast holders alone: {:.2f} s ({} peers)\n", t3, peers);
  if (!fourth.Start({"--max-upload-rate", "2MB"}) || !Link(fetcher, fourth)) return 2;
  if (!drop()) return 2;
  const double tslow = TimedGet(fetcher, rootid, out, size, &peers);
  ok = ok && tslow > 0 && SameFile(source, out);
  fmt::print("three fast + one at 2 MB/s: {:.2f} s ({} peers); ratio {:.2f}\n", tslow, peers,
             tslow / t3);

  // 5. Memory.
  Json rss = Json::object();
  double rss_max = 0;
  for (auto& x : d) {
    const double mb = x->PeakRssMb();
    rss[x->name()] = std::round(mb * 10) / 10;
    rss_max = std::max(rss_max, mb);
  }
  fmt::print("peak RSS (MB): {}; largest {:.0f} (goal < 200)\n", rss.dump(), rss_max);
  for (auto& x : d) x->Stop();

  Json j = {{"size_mb", o.size_mb},
            {"mb_per_s", std::round(mbps * 10) / 10},
            {"limit_mb_per_s", std::round(limit * 10) / 10},
            {"limits", {{"loopback_mb_per_s", std::round(loopback)},
                        {"crypto_mb_per_s", std::round(crypto)},
                        {"rocksdb_mb_per_s", std::round(rocks)}}},
            {"ratio", std::round(mbps / limit * 1000) / 1000},
            {"four_holders_mb_per_s", std::round(mbps4 * 10) / 10},
            {"four_holders_ratio", std::round(mbps4 / mbps * 1000) / 1000},
            {"three_fast_seconds", std::round(t3 * 1000) / 1000},
            {"slow_holder_seconds", std::round(tslow * 1000) / 1000},
            {"slow_holder_ratio", std::round(tslow / t3 * 1000) / 1000},
            {"peak_rss_mb", rss},
            {"peak_rss_mb_max", std::round(rss_max * 10) / 10},
            {"identical", ok},
            {"quick", o.quick}};
  fmt::print("{}\n", j.dump());
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace praxis::bench

int main(int argc, char** argv) {
  praxis::bench::Options o;
  CLI::App app{"bench/transfer: file transfer between praxisd processes on loopback"};
  app.add_option("--size-mb", o.size_mb, "file size in MiB (default 1024)")->check(CLI::Range(1, 65536));
  app.add_option("--dir", o.dir, "work directory (empty or missing; kept)");
  app.add_option("--praxisd", o.praxisd, "praxisd binary");
  app.add_option("--praxis", o.praxis, "praxis binary");
  app.add_flag("--keep", o.keep, "keep the temp directory");
  app.add_option("--log-level", o.log_level, "praxisd --log-level (logs beside the data dirs)");
  app.add_flag("--quick", o.quick, "smoke size: 16 MiB");
  CLI11_PARSE(app, argc, argv);
  if (o.quick && !app.count("--size-mb")) o.size_mb = 16;
  return praxis::bench::Main(o);
}
