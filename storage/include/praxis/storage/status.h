// Status and Result: errors as values at module boundaries (leveldb's shape).
// Exceptions are for programmer errors only; untrusted bytes never throw.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <utility>

namespace praxis {

enum class Code : std::uint8_t {
  kOk,
  kInvalidArgument,  // the caller asked for something malformed
  kNotFound,
  kAlreadyExists,
  kCorruption,  // stored bytes fail their own checks
  kIOError,
  kProtocol,  // a peer (or client) sent something provably bad
  kDeferred,  // not yet valid: a dependency is missing or it is future-dated
  kTimedOut,
  kCancelled,
  kFailedPrecondition,  // valid request, wrong state (e.g. not a member)
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string_view m) { return {Code::kInvalidArgument, m}; }
  static Status NotFound(std::string_view m) { return {Code::kNotFound, m}; }
  static Status AlreadyExists(std::string_view m) { return {Code::kAlreadyExists, m}; }
  static Status Corruption(std::string_view m) { return {Code::kCorruption, m}; }
  static Status IOError(std::string_view m) { return {Code::kIOError, m}; }
  static Status Protocol(std::string_view m) { return {Code::kProtocol, m}; }
  static Status Deferred(std::string_view m) { return {Code::kDeferred, m}; }
  static Status TimedOut(std::string_view m) { return {Code::kTimedOut, m}; }
  static Status Cancelled(std::string_view m) { return {Code::kCancelled, m}; }
  static Status FailedPrecondition(std::string_view m) { return {Code::kFailedPrecondition, m}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return msg_; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  std::string ToString() const;

 private:
  Status(Code c, std::string_view m) : code_(c), msg_(m) {}
  Code code_ = Code::kOk;
  std::string msg_;
};

template <class T>
using Result = tl::expected<T, Status>;

// Wraps a failed Status for returning from a function that returns Result<T>.
inline tl::unexpected<Status> Err(Status s) { return tl::unexpected<Status>(std::move(s)); }

// A failed Status on its way out of a function returning Status or Result<T>.
struct PropagatedStatus {
  Status status;
  operator Status() && { return std::move(status); }
  template <class T>
  operator Result<T>() && {
    return Err(std::move(status));
  }
};

}  // namespace praxis

// Propagates a failed Status from an expression returning Status, out of a
// function returning Status or Result<T>.
#define PRAXIS_RETURN_IF_ERROR(expr)                                  \
  do {                                                                \
    ::praxis::Status _st = (expr);                                    \
    if (!_st.ok()) return ::praxis::PropagatedStatus{std::move(_st)}; \
  } while (0)
