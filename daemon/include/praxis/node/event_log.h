// EventLog: the recent `praxis watch` events, numbered, for the HTTP API.
// The node's thread appends (fed by an EventFeed); HTTP threads read what
// follows a cursor and may wait for more. Only the last `capacity` events are
// kept: a reader further behind is told how many it missed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

#include "control.pb.h"

namespace praxis::node {

class EventLog {
 public:
  explicit EventLog(std::size_t capacity = 1024) : capacity_(capacity) {}

  struct Numbered {
    std::uint64_t seq = 0;  // 1, 2, ... in the order the node saw them
    control::Event event;
  };
  struct Page {
    std::vector<Numbered> events;
    std::uint64_t next = 0;    // the cursor to ask with next time
    std::uint64_t missed = 0;  // events after the cursor no longer kept
  };

  void Append(control::Event e);
  // Events with seq > `since`, at most `max`.
  Page Since(std::uint64_t since, std::size_t max) const;
  // Waits up to `timeout` for an event with seq > `since`; false when none
  // came or the log was closed.
  bool WaitBeyond(std::uint64_t since, std::chrono::milliseconds timeout) const;
  // Wakes every waiter for good (the node is stopping).
  void Close();
  bool closed() const;
  std::uint64_t last() const;

 private:
  const std::size_t capacity_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::deque<Numbered> ring_;
  std::uint64_t last_ = 0;
  bool closed_ = false;
};

}  // namespace praxis::node
