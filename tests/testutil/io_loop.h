// Running an io_context from a test until something holds: real loopback I/O
// and pool completions arrive as handlers, so the loop waits for a condition
// (bounded by a generous liveness deadline), never for a fixed time.
#pragma once

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <chrono>
#include <functional>

namespace praxis::testutil {

inline bool RunUntil(asio::io_context& io, const std::function<bool()>& cond,
                     std::chrono::seconds liveness = std::chrono::seconds(30)) {
  auto guard = asio::make_work_guard(io);  // pool completions post here later
  io.restart();
  auto deadline = std::chrono::steady_clock::now() + liveness;
  while (!cond() && std::chrono::steady_clock::now() < deadline)
    io.run_one_for(std::chrono::milliseconds(20));
  return cond();
}

}  // namespace praxis::testutil
