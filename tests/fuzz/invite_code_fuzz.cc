// Invite codes ("praxis-invite:" + base64url of an InviteCode) are pasted by
// people from chat and mail: DecodeInviteCode must refuse anything wrong in
// one line. Raw text, or a code encoded from an invite (or another kind)
// validly signed from the input, with any addresses, then cut, padded,
// spaced or flipped as a paste might.
//
// Checked: no crash; a code decodes to a verified invite whose envelope is
// the one encoded (when untouched); failures carry a message.
#include "fuzz/fuzz_drafts.h"
#include "fuzz/fuzz_init.h"
#include "praxis/node/invite_book.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace praxis;
  fuzz::InitOnce();
  static fuzz::IdPool ids;
  fuzz::FuzzInput in(data, size);
  const std::uint8_t mode = in.U8();
  std::string text;
  std::optional<node::Announcement> encoded;
  if (mode % 2 == 0) {
    text = in.Rest();
  } else {
    fuzz::Signed s = fuzz::SignFromInput(in, ids, nullptr);
    ids.Add(s.a);
    std::vector<std::string> addresses;
    for (int n = in.U8() % 3; n > 0; --n) addresses.push_back(in.Part());
    text = node::EncodeInviteCode(s.a, addresses);
    encoded = s.a;
    switch (mode >> 1 & 7) {
      case 1:
        text.resize(in.U16() % (text.size() + 1));
        encoded.reset();
        break;
      case 2:
        if (!text.empty()) text[in.U16() % text.size()] ^= static_cast<char>(in.U8() | 1);
        encoded.reset();
        break;
      case 3:  // what a paste adds around it
        text = std::string(in.Bytes(in.U8() % 4)) + text + std::string(in.Bytes(in.U8() % 4));
        encoded.reset();
        break;
    }
  }
  (void)node::LooksLikeInviteCode(text);
  auto code = node::DecodeInviteCode(text);
  if (!code) {
    FUZZ_CHECK(!code.error().message().empty());
    return 0;
  }
  FUZZ_CHECK(code->invite.verified);
  FUZZ_CHECK(code->invite.kind == wire::KIND_INVITE);
  if (encoded) FUZZ_CHECK(code->invite.envelope == encoded->envelope);
  return 0;
}
