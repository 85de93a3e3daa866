// FrameCodec::Feed, the first code that sees a peer's bytes after the
// handshake. The input is a script: raw bytes, pieces sealed with the
// session's real key (any flags byte, any plaintext), or bare length
// prefixes, fed in pieces of a chosen size. A peer holding the session key
// (the realistic hostile peer) reaches the piece parsing and reassembly this
// way; raw bytes reach the length handling and the MAC check.
//
// Checked: no crash; no frame over the cap; a failure is Protocol and final;
// and Encode then Feed gives back the frame.
#include <algorithm>

#include "fuzz/fuzz_init.h"
#include "fuzz/fuzz_input.h"
#include "fuzz/session_keys.h"
#include "praxis/net/frame_codec.h"

namespace {

using praxis::net::FrameCodec;
using praxis::net::NoiseTransport;

void AppendSealed(std::string& wire, NoiseTransport& sender, std::string_view plain) {
  auto sealed = sender.Encrypt(plain);
  if (!sealed) return;
  wire.push_back(static_cast<char>(sealed->size() >> 8));
  wire.push_back(static_cast<char>(sealed->size() & 0xff));
  wire += *sealed;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace praxis;
  fuzz::InitOnce();
  fuzz::FuzzInput in(data, size);
  const auto& [init, resp] = fuzz::SessionTransports();
  const std::uint8_t mode = in.U8();
  // A small cap makes "frame larger than the cap" reachable with small inputs.
  const std::size_t max_frame = mode & 1 ? 1 + in.U16() % 4096 : net::kMaxFrameBytes;
  const std::size_t step = std::max<std::size_t>(1, (mode >> 1) % 8 == 0 ? SIZE_MAX : in.U8());

  NoiseTransport sender = init;
  std::string wire;
  while (!in.empty()) {
    switch (in.U8() % 4) {
      case 0:  // bytes as they come
        wire += in.Part();
        break;
      case 1: {  // one sealed piece: any flags byte, any plaintext
        std::string plain(1, static_cast<char>(in.U8()));
        plain += in.Part();
        AppendSealed(wire, sender, plain);
        break;
      }
      case 2:  // an empty sealed piece (no flags byte at all)
        AppendSealed(wire, sender, "");
        break;
      case 3: {  // a length prefix alone
        const std::uint16_t len = in.U16();
        wire.push_back(static_cast<char>(len >> 8));
        wire.push_back(static_cast<char>(len & 0xff));
        break;
      }
    }
  }

  FrameCodec codec(resp, max_frame);
  Status last;
  for (std::size_t at = 0; at < wire.size(); at += step) {
    Status s = codec.Feed(std::string_view(wire).substr(at, step));
    if (!last.ok()) FUZZ_CHECK(!s.ok());  // failure is final
    last = s;
    while (auto f = codec.Next()) FUZZ_CHECK(f->size() <= max_frame);
  }
  if (!last.ok()) {
    FUZZ_CHECK(last.code() == Code::kProtocol);
    FUZZ_CHECK(codec.buffered() == 0);
  }

  // Round trip: what one side encodes, the other decodes unchanged.
  FrameCodec out(init, max_frame), back(resp, max_frame);
  const std::string frame = wire.substr(0, std::min(wire.size(), max_frame));
  auto bytes = out.Encode(frame);
  FUZZ_CHECK(bytes.has_value());
  FUZZ_CHECK(back.Feed(*bytes).ok());
  auto got = back.Next();
  FUZZ_CHECK(got && *got == frame && !back.Next());
  return 0;
}
