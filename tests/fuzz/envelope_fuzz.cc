// ParseAnnouncement and VerifyAnnouncement: the envelope of every
// announcement a peer delivers, imports or pastes. Raw bytes (mode bit 0
// clear), or a validly signed envelope built from the input and then cut,
// grown or flipped, so both the parse and the signature check see inputs
// near the real thing.
//
// Checked: no crash; failures are Protocol; what parses keeps the structural
// promises (sizes, seq/prev, group) and its id is the hash of the signed bytes.
#include "fuzz/fuzz_drafts.h"
#include "fuzz/fuzz_init.h"

namespace {

using namespace praxis;

void ParseBodyAsKind(const node::Announcement& a) {
  switch (a.kind) {
    case wire::KIND_GENESIS: {
      wire::Genesis m;
      node::ParseBody(a, m);
      break;
    }
    case wire::KIND_SHARE: {
      wire::Share m;
      node::ParseBody(a, m);
      break;
    }
    case wire::KIND_PROFILE: {
      wire::Profile m;
      node::ParseBody(a, m);
      break;
    }
    default: {
      wire::Republish m;
      node::ParseBody(a, m);
    }
  }
}

void Check(std::string_view envelope, bool signed_intact) {
  auto a = node::ParseAnnouncement(envelope);
  if (!a) {
    FUZZ_CHECK(a.error().code() == Code::kProtocol);
    FUZZ_CHECK(!signed_intact);
    return;
  }
  FUZZ_CHECK(envelope.size() <= node::kMaxEnvelopeBytes);
  FUZZ_CHECK(a->header.size() <= node::kMaxHeaderBytes);
  FUZZ_CHECK(a->signature.size() == crypto::kSignatureSize);
  FUZZ_CHECK(a->seq >= 1);
  FUZZ_CHECK((a->seq == 1) == !a->prev);
  FUZZ_CHECK(a->kind != wire::KIND_UNSPECIFIED);
  const bool groupless = a->kind == wire::KIND_GENESIS || a->kind == wire::KIND_PROFILE;
  FUZZ_CHECK(groupless == !a->group);
  FUZZ_CHECK(a->id == crypto::Blake2b256(node::SignedBytes(a->header, a->body)));
  FUZZ_CHECK(a->envelope == envelope);
  (void)node::KindName(a->kind);
  (void)a->LogGroup();
  ParseBodyAsKind(*a);
  Status s = node::VerifyAnnouncement(*a);
  if (signed_intact) FUZZ_CHECK(s.ok());
  if (!s.ok()) FUZZ_CHECK(s.code() == Code::kProtocol && !a->verified);
  auto d = node::DecodeAnnouncement(envelope);
  FUZZ_CHECK(d.has_value() == s.ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::InitOnce();
  fuzz::FuzzInput in(data, size);
  const std::uint8_t mode = in.U8();
  if (!(mode & 1)) {
    Check(in.Rest(), false);
    return 0;
  }
  static fuzz::IdPool ids;  // earlier inputs' announcements: prev and group links
  fuzz::Signed s = fuzz::SignFromInput(in, ids, nullptr);
  ids.Add(s.a);
  std::string env = s.a.envelope;
  bool intact = s.a.seq >= 1 && s.a.kind != 0 && env.size() <= node::kMaxEnvelopeBytes;
  // Genesis at seq 1 with no group, others with a 32-byte group: SignDraft's
  // own promises; a draft that breaks them (seq 0, kind 0) must be refused.
  switch (mode >> 1 & 3) {
    case 1:  // cut
      env.resize(in.U16() % (env.size() + 1));
      intact = intact && env.size() == s.a.envelope.size();
      break;
    case 2:  // flip one byte
      if (!env.empty()) {
        env[in.U16() % env.size()] ^= static_cast<char>(in.U8() | 1);
        intact = false;
      }
      break;
    case 3:  // trailing bytes (more protobuf fields, or garbage)
      env += in.Part();
      intact = false;
      break;
  }
  if (intact) {
    // A signed draft at seq 1 must not carry prev, and beyond seq 1 must; a
    // draft breaking that is the input's doing, not a parser failure.
    intact = (s.a.seq == 1) == !s.a.prev;
  }
  Check(env, intact);
  return 0;
}
