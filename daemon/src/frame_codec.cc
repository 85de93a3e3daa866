#include "praxis/net/frame_codec.h"

namespace praxis::net {

namespace {
constexpr std::uint8_t kFinal = 1;
constexpr std::size_t kPiece = kNoiseMaxPlaintext - 1;  // one byte of flags per message
}  // namespace

Status FrameCodec::Feed(std::span<const std::uint8_t> bytes) {
  if (!failed_.ok()) return failed_;
  in_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  std::size_t pos = 0;
  while (in_.size() - pos >= 2) {
    const std::size_t len =
        static_cast<std::uint8_t>(in_[pos]) << 8 | static_cast<std::uint8_t>(in_[pos + 1]);
    if (in_.size() - pos - 2 < len) break;  // wait for the rest
    auto plain = transport_.Decrypt(std::string_view(in_).substr(pos + 2, len));
    pos += 2 + len;
    if (!plain) {
      failed_ = plain.error();
      break;
    }
    if (plain->empty() || (static_cast<std::uint8_t>((*plain)[0]) & ~kFinal) != 0) {
      failed_ = Status::Protocol("malformed frame piece");
      break;
    }
    if (partial_.size() + plain->size() - 1 > max_frame_) {
      failed_ = Status::Protocol("frame larger than " + std::to_string(max_frame_) + " bytes");
      break;
    }
    partial_.append(*plain, 1);
    if ((*plain)[0] & kFinal) {
      ready_.push_back(std::move(partial_));
      partial_.clear();
    }
  }
  in_.erase(0, pos);
  if (!failed_.ok()) {
    in_.clear();
    partial_.clear();
  }
  return failed_;
}

std::optional<std::string> FrameCodec::Next() {
  if (ready_.empty()) return std::nullopt;
  std::string f = std::move(ready_.front());
  ready_.pop_front();
  return f;
}

Result<std::string> FrameCodec::Encode(std::string_view frame) {
  if (frame.size() > max_frame_)
    return Err(
        Status::InvalidArgument("frame larger than " + std::to_string(max_frame_) + " bytes"));
  std::string out;
  std::size_t off = 0;
  do {
    const std::size_t n = std::min(kPiece, frame.size() - off);
    std::string piece;
    piece.reserve(n + 1);
    piece.push_back(static_cast<char>(off + n == frame.size() ? kFinal : 0));
    piece.append(frame.substr(off, n));
    auto sealed = transport_.Encrypt(piece);
    if (!sealed) return Err(sealed.error());
    out.push_back(static_cast<char>(sealed->size() >> 8));
    out.push_back(static_cast<char>(sealed->size() & 0xff));
    out += *sealed;
    off += n;
  } while (off < frame.size());
  return out;
}

}  // namespace praxis::net
