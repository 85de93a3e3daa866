#include "praxis/node/event_log.h"

namespace praxis::node {

void EventLog::Append(control::Event e) {
  {
    std::lock_guard lock(mu_);
    ring_.push_back({++last_, std::move(e)});
    while (ring_.size() > capacity_) ring_.pop_front();
  }
  cv_.notify_all();
}

EventLog::Page EventLog::Since(std::uint64_t since, std::size_t max) const {
  std::lock_guard lock(mu_);
  Page page;
  page.next = since > last_ ? last_ : since;
  const std::uint64_t first = ring_.empty() ? last_ + 1 : ring_.front().seq;
  if (since + 1 < first) page.missed = first - since - 1;
  for (const Numbered& n : ring_) {
    if (n.seq <= since) continue;
    if (page.events.size() >= max) break;
    page.events.push_back(n);
    page.next = n.seq;
  }
  if (page.events.empty() && page.missed) page.next = first - 1;
  return page;
}

bool EventLog::WaitBeyond(std::uint64_t since, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return closed_ || last_ > since; });
  return !closed_ && last_ > since;
}

void EventLog::Close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

bool EventLog::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

std::uint64_t EventLog::last() const {
  std::lock_guard lock(mu_);
  return last_;
}

}  // namespace praxis::node
