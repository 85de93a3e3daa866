// Framing of the control socket (proto/control.proto): every message is a
// 4-byte big-endian length followed by that many bytes of a serialised
// Request or Response. Sans-I/O, so it can be checked without a socket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "praxis/storage/status.h"

namespace praxis::cli {

inline constexpr std::size_t kFrameHeaderSize = 4;
// Largest message either side may send. A data message carries 256 KiB, so
// this leaves ample room while stopping a confused peer from making us
// allocate gigabytes.
inline constexpr std::uint32_t kMaxFrameSize = 4u << 20;

// Returns the header and `payload`, ready to write.
// REQUIRES: payload.size() <= kMaxFrameSize.
std::string EncodeFrame(std::string_view payload);

// Returns the payload length a header announces, or a Protocol error when it
// exceeds kMaxFrameSize.
Result<std::uint32_t> DecodeFrameHeader(std::span<const std::uint8_t, kFrameHeaderSize> header);

}  // namespace praxis::cli
