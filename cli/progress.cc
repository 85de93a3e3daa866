#include "progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "format.h"

namespace praxis::cli {

namespace {

constexpr auto kRedrawInterval = std::chrono::milliseconds(100);

std::size_t TerminalWidth() {
  winsize ws{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

}  // namespace

bool ProgressWanted(bool json) { return !json && ::isatty(STDERR_FILENO) == 1; }

ProgressBar::ProgressBar(std::string label, std::uint64_t total, bool enabled)
    : label_(ForTerminal(label)),
      total_(total),
      enabled_(enabled),
      start_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Update(std::uint64_t done) {
  done_ = done;
  if (!first_) first_ = done;  // a resumed transfer's rate counts new bytes only
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  // Always draw the end, so a wait for the node afterwards shows 100%.
  const bool complete = total_ > 0 && done_ >= total_;
  if (drawn_ && !complete && now - last_draw_ < kRedrawInterval) return;
  last_draw_ = now;
  Draw();
}

void ProgressBar::Finish() {
  if (enabled_ && drawn_) std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  enabled_ = false;
}

void ProgressBar::Draw() {
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const std::uint64_t fresh = done_ - std::min(done_, first_.value_or(0));
  const auto rate = secs > 0.2 ? static_cast<std::uint64_t>(static_cast<double>(fresh) / secs) : 0;

  std::string figures = "  " + HumanSize(done_);
  if (total_ > 0) {
    const int percent = static_cast<int>(std::min<std::uint64_t>(done_, total_) * 100 / total_);
    figures += " / " + HumanSize(total_) + "  " + std::to_string(percent) + "%";
  }
  if (rate > 0) figures += "  " + HumanSize(rate) + "/s";
  if (rate > 0 && total_ > done_) {
    const std::uint64_t eta = (total_ - done_) / rate;
    figures += eta >= 60 ? "  ETA " + std::to_string(eta / 60) + "m" + std::to_string(eta % 60) + "s"
                         : "  ETA " + std::to_string(eta) + "s";
  }

  // Leave the last column free: writing into it wraps on some terminals.
  const std::size_t width = TerminalWidth() - 1;
  std::string line;
  const std::size_t bar_width = 24;
  const std::size_t label_width =
      width > figures.size() + bar_width + 4 ? width - figures.size() - bar_width - 4 : 0;
  if (label_width >= 8) line = Ellipsize(label_, std::min<std::size_t>(label_width, 40)) + " ";
  if (total_ > 0) {
    const auto filled =
        static_cast<std::size_t>(std::min<std::uint64_t>(done_, total_) * bar_width / total_);
    line += "[" + std::string(filled, '#') + std::string(bar_width - filled, '.') + "]";
  }
  line += figures;
  if (DisplayWidth(line) > width) line = TruncatePoints(line, width);
  std::fprintf(stderr, "\r\033[K%s", line.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace praxis::cli
