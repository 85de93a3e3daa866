// FrameCodec: frames over an established Noise session, with no socket and
// no clock (bitcoin's Transport shape): bytes in, frames out; frames in,
// bytes out. Exhaustively testable and fuzzable.
//
// On the wire every Noise transport message is preceded by its length as a
// big-endian u16 (Noise messages are at most 65535 bytes). Inside, the first
// plaintext byte says whether this piece ends a frame; a frame larger than
// one message is split across as many as it needs (DESIGN §4).
//
// Not thread-safe: one session owns one codec.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "praxis/net/noise.h"

namespace praxis::net {

// A chunk (256 KiB) plus its envelope fits; anything larger is a peer error.
inline constexpr std::size_t kMaxFrameBytes = 1 << 20;

class FrameCodec {
 public:
  explicit FrameCodec(NoiseTransport transport, std::size_t max_frame = kMaxFrameBytes)
      : transport_(std::move(transport)), max_frame_(max_frame) {}

  // Accepts bytes read from the socket, in pieces of any size. A Protocol
  // error (bad MAC, oversize frame, malformed piece) is final: the session
  // must close, and every later Feed fails the same way.
  Status Feed(std::span<const std::uint8_t> bytes);
  Status Feed(std::string_view bytes) {
    return Feed({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
  }
  // The next complete frame, in order, or nullopt.
  std::optional<std::string> Next();

  // The bytes to write for one frame. InvalidArgument if it is over the cap.
  Result<std::string> Encode(std::string_view frame);

  std::size_t buffered() const { return in_.size() + partial_.size(); }

 private:
  NoiseTransport transport_;
  std::size_t max_frame_;
  std::string in_;       // socket bytes not yet a whole Noise message
  std::string partial_;  // pieces of the frame being reassembled
  std::deque<std::string> ready_;
  Status failed_;
};

}  // namespace praxis::net
