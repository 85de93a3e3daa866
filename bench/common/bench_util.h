// Pieces every benchmark under bench/ shares: CPU clocks, a seeded
// generator, a small worker pool for corpus generation, and the raw Ed25519
// verify rate each benchmark prints its figures against.
#pragma once

#include <fmt/core.h>
#include <sodium.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "praxis/storage/id.h"
#include "praxis/storage/status.h"

namespace praxis::bench {

// The one-minute load average (0 when unknown).
inline double LoadAverage() {
  std::ifstream f("/proc/loadavg");
  double one = 0;
  f >> one;
  return one;
}

// The load average now, printing a note when other work shares the machine
// (wall-clock figures then suffer).
inline double LoadAtStart(unsigned cores) {
  const double load = LoadAverage();
  if (load > 0.5)
    fmt::print(
        "  note: load average {:.2f} on {} cores before starting: other work shares this "
        "machine, wall-clock figures suffer\n",
        load, cores);
  return load;
}

// This process's peak resident memory, MiB.
inline double PeakRssMib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // Linux: KiB
}

// This process's resident memory now, MiB.
inline double CurrentRssMib() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / 1048576.0;
}

inline double CpuSeconds(clockid_t which) {
  timespec ts{};
  clock_gettime(which, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct SplitMix {
  std::uint64_t s;
  std::uint64_t Next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t Below(std::uint64_t n) { return Next() % n; }
};

// For the verify slices: the same kind of message the ingest verifies.
struct Sample {
  std::string message;  // SignedBytes(header, body)
  std::string signature;
  Id key;
};

// ---------------------------------------------------------------------------
// A small fork-join pool: Run(n, fn) calls fn(i) for every i in [0, n) on the
// calling thread and threads-1 workers, and returns when all are done.
class WorkerPool {
 public:
  explicit WorkerPool(unsigned threads) {
    for (unsigned i = 1; i < threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
  }
  ~WorkerPool() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  unsigned size() const { return static_cast<unsigned>(workers_.size()) + 1; }

  void Run(std::size_t n, const std::function<void(std::size_t)>& fn, std::size_t grain) {
    if (workers_.empty() || n <= grain) {
      for (std::size_t i = 0; i < n; ++i) fn(i);
      return;
    }
    {
      std::lock_guard lock(mu_);
      fn_ = &fn;
      n_ = n;
      grain_ = grain;
      next_.store(0, std::memory_order_relaxed);
      busy_ = workers_.size();
      ++generation_;
    }
    wake_.notify_all();
    Drain();
    // Every worker takes part in every job (possibly finding nothing left), so
    // none can still be reading fn_ once busy_ is back to zero.
    std::unique_lock lock(mu_);
    done_.wait(lock, [this] { return busy_ == 0; });
  }

 private:
  void Drain() {
    for (;;) {
      std::size_t i = next_.fetch_add(grain_, std::memory_order_relaxed);
      if (i >= n_) return;
      const std::size_t end = std::min(n_, i + grain_);
      for (; i < end; ++i) (*fn_)(i);
    }
  }

  void WorkerLoop() {
    std::uint64_t seen = 0;
    std::unique_lock lock(mu_);
    for (;;) {
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      lock.unlock();
      Drain();
      lock.lock();
      if (--busy_ == 0) done_.notify_one();
    }
  }

  std::vector<std::thread> workers_;
  std::mutex mu_;  // guards everything below except next_
  std::condition_variable wake_, done_;
  const std::function<void(std::size_t)>* fn_ = nullptr;
  std::size_t n_ = 0, grain_ = 1, busy_ = 0;
  std::uint64_t generation_ = 0;
  bool stop_ = false;
  std::atomic<std::size_t> next_{0};
};

// Raw libsodium verification, one thread, for at least `seconds` of this
// thread's CPU time. Returns verifications per CPU second.
inline double VerifySlice(const std::vector<Sample>& samples, double seconds,
                          std::uint64_t& failures) {
  const double t0 = CpuSeconds(CLOCK_THREAD_CPUTIME_ID);
  double t = t0;
  std::uint64_t count = 0;
  std::size_t i = 0;
  do {
    for (int k = 0; k < 32; ++k) {
      const Sample& s = samples[i];
      if (++i == samples.size()) i = 0;
      if (crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(s.signature.data()),
                                      reinterpret_cast<const unsigned char*>(s.message.data()),
                                      s.message.size(), s.key.bytes.data()) != 0)
        ++failures;
      ++count;
    }
    t = CpuSeconds(CLOCK_THREAD_CPUTIME_ID);
  } while (t - t0 < seconds);
  return static_cast<double>(count) / (t - t0);
}

// `n` words drawn from `words`, space-separated.
inline std::string Words(SplitMix& r, std::size_t n, std::span<const char* const> words) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    if (i) out.push_back(' ');
    out += words[r.Below(words.size())];
  }
  return out;
}

inline std::string RandomBytes32(SplitMix& r) {
  std::string out(32, '\0');
  for (std::size_t i = 0; i < 32; i += 8) {
    std::uint64_t v = r.Next();
    std::memcpy(out.data() + i, &v, 8);
  }
  return out;
}

// The directory a benchmark writes its databases in: `dir` if given (empty or
// missing, then kept), else a fresh temp directory removed on every way out.
struct DirGuard {
  std::filesystem::path path;
  bool remove = false;
  ~DirGuard() {
    if (!remove) return;
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  Status Prepare(const std::string& bench, const std::string& dir) {
    namespace fs = std::filesystem;
    if (dir.empty()) {
      std::string tmpl =
          (fs::temp_directory_path() / ("praxis-bench-" + bench + "-XXXXXX")).string();
      if (!mkdtemp(tmpl.data()))
        return Status::IOError(std::string("cannot create a temp dir: ") + std::strerror(errno));
      path = tmpl;
      remove = true;
      return Status::OK();
    }
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (!fs::is_directory(dir) || !fs::is_empty(dir, ec))
      return Status::InvalidArgument("--dir " + dir + " must be an empty or missing directory");
    path = dir;
    return Status::OK();
  }
};

}  // namespace praxis::bench
