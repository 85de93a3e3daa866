// ProgressBar: one line on stderr while a transfer runs (bytes, percent,
// rate), erased when it ends. It draws only where a person watches: stderr
// is a terminal and the output is not JSON. Otherwise every call is a no-op,
// so callers need no branches.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace praxis::cli {

// True when stderr is a terminal and `json` is off.
bool ProgressWanted(bool json);

class ProgressBar {
 public:
  // `total` is the expected byte count, 0 when unknown (no percentage then).
  ProgressBar(std::string label, std::uint64_t total, bool enabled);
  ~ProgressBar();  // erases the line, so an error message starts clean
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // Records `done` bytes; redraws at most ten times a second.
  void Update(std::uint64_t done);
  // The expected byte count, once known.
  void SetTotal(std::uint64_t total) { total_ = total; }
  void SetLabel(std::string label) { label_ = std::move(label); }
  // Erases the line. Further calls do nothing.
  void Finish();

 private:
  void Draw();

  std::string label_;
  std::uint64_t total_;
  std::uint64_t done_ = 0;
  std::optional<std::uint64_t> first_;  // the first count seen: the rate counts from it
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace praxis::cli
