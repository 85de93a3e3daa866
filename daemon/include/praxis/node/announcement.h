// Announcements: building, signing, parsing and checking envelopes
// (DESIGN.md §3). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "praxis/crypto/crypto.h"
#include "praxis/storage/id.h"
#include "praxis/storage/status.h"
#include "wire.pb.h"

namespace praxis::node {

// Domain separation: a signature over an announcement can never be replayed
// as a signature over anything else this key signs (e.g. a handshake).
inline constexpr std::string_view kAnnouncementDomain{"praxis/announcement/v1\0", 23};

// Announcements are small; content travels as chunks.
inline constexpr std::size_t kMaxEnvelopeBytes = 64 * 1024;
inline constexpr std::size_t kMaxHeaderBytes = 512;

// The group-less log for kinds that belong to no group (profile).
inline const Id kNoGroup{};

// A parsed envelope whose structure checked out. Its signature may not yet be
// verified: see `verified`.
struct Announcement {
  Id id;  // BLAKE2b-256 of the signed bytes
  Id author;
  std::optional<Id> group;  // header group; empty for genesis and profile
  std::uint32_t kind = 0;
  std::uint64_t seq = 0;
  std::optional<Id> prev;
  std::uint64_t created = 0;  // ms since the Unix epoch
  std::string header;         // exact signed header bytes
  std::string body;           // exact signed body bytes
  std::string signature;      // 64 bytes
  std::string envelope;       // serialised Envelope as received or built
  bool verified = false;

  // The (author, group) log this announcement belongs to: the header group,
  // its own id for a genesis, kNoGroup for a profile.
  Id LogGroup() const;
  bool Known() const { return kind >= wire::KIND_GENESIS && kind <= wire::KIND_PROFILE; }
};

// The bytes an author signs: domain || u32be(len(header)) || header || body.
std::string SignedBytes(std::string_view header, std::string_view body);

// Parses `envelope` and checks structure: sizes, field lengths, seq/prev
// agreement, body_size. Computes the id. Does not verify the signature.
// Failure is provably bad input (Protocol).
Result<Announcement> ParseAnnouncement(std::string_view envelope);

// Verifies the signature of a parsed announcement and sets `verified`.
// Returns Protocol("bad signature") on failure.
Status VerifyAnnouncement(Announcement& a);
// Signature checks made by this process so far (all threads): how the
// ingest path is shown to verify each announcement once.
std::uint64_t SignatureChecks();

// Parse + verify in one call.
Result<Announcement> DecodeAnnouncement(std::string_view envelope);

// What an author fills in; Sign() serialises and signs it.
struct Draft {
  std::optional<Id> group;
  std::uint32_t kind = 0;
  std::uint64_t seq = 0;
  std::optional<Id> prev;
  std::uint64_t created = 0;
  std::string body;  // serialised body message
};
Announcement SignDraft(const crypto::KeyPair& key, const Draft& d);

// Serialises a body message (deterministically) for a Draft.
std::string SerializeBody(const google::protobuf::MessageLite& m);

const char* KindName(std::uint32_t kind);  // "share", ..., "unknown"

// Parses the body of `a` as the message its kind names.
template <class M>
bool ParseBody(const Announcement& a, M& m) {
  return m.ParseFromString(a.body);
}

}  // namespace praxis::node
