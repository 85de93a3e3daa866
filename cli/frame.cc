#include "frame.h"

namespace praxis::cli {

std::string EncodeFrame(std::string_view payload) {
  const auto n = static_cast<std::uint32_t>(payload.size());
  std::string frame;
  frame.reserve(kFrameHeaderSize + payload.size());
  frame.push_back(static_cast<char>(n >> 24));
  frame.push_back(static_cast<char>(n >> 16));
  frame.push_back(static_cast<char>(n >> 8));
  frame.push_back(static_cast<char>(n));
  frame.append(payload);
  return frame;
}

Result<std::uint32_t> DecodeFrameHeader(std::span<const std::uint8_t, kFrameHeaderSize> header) {
  const std::uint32_t n = std::uint32_t{header[0]} << 24 | std::uint32_t{header[1]} << 16 |
                          std::uint32_t{header[2]} << 8 | std::uint32_t{header[3]};
  if (n > kMaxFrameSize) {
    return Err(Status::Protocol("the node sent a message of " + std::to_string(n) +
                                " bytes, more than the limit of " + std::to_string(kMaxFrameSize)));
  }
  return n;
}

}  // namespace praxis::cli
