#include "praxis/node/announcement.h"

#include <atomic>

#include "praxis/node/signature_memo.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

namespace praxis::node {

Id Announcement::LogGroup() const {
  if (kind == wire::KIND_GENESIS) return id;
  if (group) return *group;
  return kNoGroup;
}

std::string SignedBytes(std::string_view header, std::string_view body) {
  std::string out;
  out.reserve(kAnnouncementDomain.size() + 4 + header.size() + body.size());
  out.append(kAnnouncementDomain);
  auto n = static_cast<std::uint32_t>(header.size());
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>(n >> (8 * i)));
  out.append(header);
  out.append(body);
  return out;
}

namespace {
bool GroupLess(std::uint32_t kind) {
  return kind == wire::KIND_GENESIS || kind == wire::KIND_PROFILE;
}
}  // namespace

Result<Announcement> ParseAnnouncement(std::string_view envelope) {
  if (envelope.size() > kMaxEnvelopeBytes)
    return Err(Status::Protocol("envelope larger than " + std::to_string(kMaxEnvelopeBytes)));
  wire::Envelope env;
  if (!env.ParseFromArray(envelope.data(), static_cast<int>(envelope.size())))
    return Err(Status::Protocol("envelope does not parse"));
  if (env.header().size() > kMaxHeaderBytes) return Err(Status::Protocol("header too large"));
  wire::Header h;
  if (!h.ParseFromString(env.header())) return Err(Status::Protocol("header does not parse"));

  Announcement a;
  auto author = Id::FromBytes(h.author());
  if (!author) return Err(Status::Protocol("author is not 32 bytes"));
  a.author = *author;
  a.kind = h.kind();
  if (a.kind == wire::KIND_UNSPECIFIED) return Err(Status::Protocol("kind 0"));
  if (GroupLess(a.kind)) {
    if (!h.group().empty()) return Err(Status::Protocol("genesis or profile names a group"));
  } else {
    auto g = Id::FromBytes(h.group());
    if (!g) return Err(Status::Protocol("group is not 32 bytes"));
    a.group = *g;
  }
  a.seq = h.seq();
  if (a.seq == 0) return Err(Status::Protocol("seq 0"));
  if (a.kind == wire::KIND_GENESIS && a.seq != 1)
    return Err(Status::Protocol("genesis not at seq 1"));
  if (a.seq == 1) {
    if (!h.prev().empty()) return Err(Status::Protocol("prev set at seq 1"));
  } else {
    auto p = Id::FromBytes(h.prev());
    if (!p) return Err(Status::Protocol("prev is not 32 bytes"));
    a.prev = *p;
  }
  a.created = h.created();
  if (h.body_size() != env.body().size()) return Err(Status::Protocol("body_size mismatch"));
  if (env.signature().size() != crypto::kSignatureSize)
    return Err(Status::Protocol("signature is not 64 bytes"));

  a.header = std::move(*env.mutable_header());
  a.body = std::move(*env.mutable_body());
  a.signature = std::move(*env.mutable_signature());
  a.id = crypto::Blake2b256(SignedBytes(a.header, a.body));
  a.envelope.assign(envelope);
  return a;
}

namespace {
std::atomic<std::uint64_t> signature_checks{0};
std::atomic<SignatureMemo*> signature_memo{nullptr};  // the simulator's; none in production
}  // namespace

std::uint64_t SignatureChecks() { return signature_checks.load(std::memory_order_relaxed); }

void SetSignatureMemo(SignatureMemo* memo) { signature_memo.store(memo, std::memory_order_release); }

Status VerifyAnnouncement(Announcement& a) {
  SignatureMemo* memo = signature_memo.load(std::memory_order_acquire);
  std::optional<bool> valid;
  if (memo) valid = memo->Find(a.id, a.signature);
  if (!valid) {
    signature_checks.fetch_add(1, std::memory_order_relaxed);
    valid = crypto::VerifyDetached(a.signature, SignedBytes(a.header, a.body), a.author);
    if (memo) memo->Put(a.id, a.signature, *valid);
  }
  if (!*valid) return Status::Protocol("bad signature");
  a.verified = true;
  return Status::OK();
}

Result<Announcement> DecodeAnnouncement(std::string_view envelope) {
  auto a = ParseAnnouncement(envelope);
  if (!a) return a;
  if (Status s = VerifyAnnouncement(*a); !s.ok()) return Err(s);
  return a;
}

std::string SerializeBody(const google::protobuf::MessageLite& m) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  m.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

Announcement SignDraft(const crypto::KeyPair& key, const Draft& d) {
  wire::Header h;
  h.set_author(key.public_key().Str());
  if (d.group && !GroupLess(d.kind)) h.set_group(d.group->Str());
  h.set_kind(d.kind);
  h.set_seq(d.seq);
  if (d.prev) h.set_prev(d.prev->Str());
  h.set_created(d.created);
  h.set_body_size(static_cast<std::uint32_t>(d.body.size()));

  Announcement a;
  a.author = key.public_key();
  a.group = GroupLess(d.kind) ? std::nullopt : d.group;
  a.kind = d.kind;
  a.seq = d.seq;
  a.prev = d.prev;
  a.created = d.created;
  a.header = SerializeBody(h);
  a.body = d.body;
  std::string signed_bytes = SignedBytes(a.header, a.body);
  a.signature = key.Sign(signed_bytes);
  a.id = crypto::Blake2b256(signed_bytes);
  a.verified = true;
  wire::Envelope env;
  env.set_header(a.header);
  env.set_body(a.body);
  env.set_signature(a.signature);
  a.envelope = SerializeBody(env);
  return a;
}

const char* KindName(std::uint32_t kind) {
  switch (kind) {
    case wire::KIND_GENESIS:
      return "genesis";
    case wire::KIND_JOIN:
      return "join";
    case wire::KIND_LEAVE:
      return "leave";
    case wire::KIND_INVITE:
      return "invite";
    case wire::KIND_SHARE:
      return "share";
    case wire::KIND_REPUBLISH:
      return "republish";
    case wire::KIND_RETRACT:
      return "retract";
    case wire::KIND_PROFILE:
      return "profile";
    default:
      return "unknown";
  }
}

}  // namespace praxis::node
