// Announcements built from fuzz input and signed with real keys, so that a
// target reaches what lies past the signature check (the ingestor's rules,
// the invite code, the gossip engine) instead of stopping at a bad signature.
// Ids the input refers to come from a small pool (authors, recent
// announcements, zero, or raw bytes), so groups, prev links, invites and
// republish targets line up often enough to matter.
#pragma once

#include <array>
#include <deque>
#include <functional>
#include <optional>
#include <string>

#include "fuzz/fuzz_input.h"
#include "praxis/node/announcement.h"
#include "praxis/node/ingestor.h"
#include "wire.pb.h"

namespace praxis::fuzz {

inline constexpr std::size_t kAuthors = 3;

inline const std::array<crypto::KeyPair, kAuthors>& Authors() {
  static const std::array<crypto::KeyPair, kAuthors> keys = {
      crypto::KeyPair::Generate(), crypto::KeyPair::Generate(), crypto::KeyPair::Generate()};
  return keys;
}

class IdPool {
 public:
  void Add(const node::Announcement& a) {
    recent_.push_front(a);
    if (recent_.size() > 16) recent_.pop_back();
  }
  // Other ids worth naming (e.g. roots of content the node holds).
  void AddId(const Id& id) {
    extra_.push_front(id);
    if (extra_.size() > 8) extra_.pop_back();
  }
  const node::Announcement* Recent(std::size_t i) const {
    return i < recent_.size() ? &recent_[i] : nullptr;
  }
  // An id as the input chooses it, as raw bytes (possibly not 32 long).
  std::string Pick(FuzzInput& in) const {
    const std::uint8_t c = in.U8();
    switch (c % 5) {
      case 0:
        return Authors()[(c >> 3) % kAuthors].public_key().Str();
      case 1:
      case 2:
        if (auto* a = Recent(c >> 3)) return (c & 4 ? a->LogGroup() : a->id).Str();
        return std::string(32, '\0');
      case 3:
        return (c >> 3) < extra_.size() ? extra_[c >> 3].Str() : std::string(32, '\0');
      default:
        return std::string(in.Bytes(in.U8() % 40));
    }
  }

 private:
  std::deque<node::Announcement> recent_;
  std::deque<Id> extra_;
};

// A body for `kind` built from the input, or raw input bytes.
inline std::string BodyFor(std::uint32_t kind, FuzzInput& in, const IdPool& ids) {
  if (in.U8() % 8 == 0) return in.Part();
  switch (kind) {
    case wire::KIND_GENESIS: {
      wire::Genesis g;
      g.set_name(in.Part());
      g.set_description(in.Part());
      for (int n = in.U8() % 4; n > 0; --n) g.add_tags(in.Part());
      g.set_invite_only(in.Bool());
      g.set_publish_on_practice(in.Bool());
      g.set_min_republishers(in.U8());
      g.set_min_outside(in.U8());
      g.set_nonce(std::string(in.Bytes(8)));
      return node::SerializeBody(g);
    }
    case wire::KIND_JOIN: {
      wire::Join j;
      if (in.Bool()) j.set_invite(ids.Pick(in));
      return node::SerializeBody(j);
    }
    case wire::KIND_INVITE: {
      wire::Invite i;
      i.set_invitee(ids.Pick(in));
      return node::SerializeBody(i);
    }
    case wire::KIND_SHARE: {
      wire::Share s;
      s.set_root(ids.Pick(in));
      s.set_size(in.Bool() ? in.U64() : in.U16());
      s.set_title(in.Part());
      for (int n = in.U8() % 4; n > 0; --n) s.add_tags(in.Part());
      s.set_description(in.Part());
      s.set_filename(in.Part());
      s.set_note(in.Bool());
      if (in.Bool()) s.set_supersedes(ids.Pick(in));
      return node::SerializeBody(s);
    }
    case wire::KIND_REPUBLISH: {
      wire::Republish r;
      r.set_original(ids.Pick(in));
      r.set_comment(in.Part());
      return node::SerializeBody(r);
    }
    case wire::KIND_RETRACT: {
      wire::Retract r;
      r.set_target(ids.Pick(in));
      return node::SerializeBody(r);
    }
    case wire::KIND_PROFILE: {
      wire::Profile p;
      p.set_name(in.Part());
      p.set_about(in.Part());
      return node::SerializeBody(p);
    }
    default:  // leave, and kinds this node does not know
      return in.Part();
  }
}

struct Signed {
  node::Announcement a;
  std::string original;  // a republish's share envelope, if the input gives one
};

// One announcement signed by one of Authors(). Most land where the author's
// log continues (seq and prev from `head`), the rest anywhere.
inline Signed SignFromInput(FuzzInput& in, const IdPool& ids,
                            const std::function<node::LogHead(const Id& author,
                                                              const Id& log_group)>& head) {
  const std::uint8_t how = in.U8();
  const crypto::KeyPair& key = Authors()[how % kAuthors];
  node::Draft d;
  d.kind = in.U8() % 10;
  if (d.kind != wire::KIND_GENESIS && d.kind != wire::KIND_PROFILE)
    d.group = Id::FromBytes(ids.Pick(in));
  if (!d.group && d.kind != wire::KIND_GENESIS && d.kind != wire::KIND_PROFILE)
    d.group = Id{};
  const Id log_group = d.kind == wire::KIND_PROFILE ? node::kNoGroup : d.group.value_or(Id{});
  if (how & 0x80 || d.kind == wire::KIND_GENESIS) {
    d.seq = d.kind == wire::KIND_GENESIS ? 1 : in.U8();
    if (d.seq > 1) d.prev = Id::FromBytes(ids.Pick(in));
  } else {
    const node::LogHead h = head ? head(key.public_key(), log_group) : node::LogHead{};
    d.seq = h.seq + 1;
    if (h.seq > 0) d.prev = h.id;
  }
  d.created = how & 0x40 ? in.U64() : 1'000'000 + in.U16();
  d.body = BodyFor(d.kind, in, ids);
  Signed s{node::SignDraft(key, d), {}};
  if (d.kind == wire::KIND_REPUBLISH && in.Bool())
    if (auto* o = ids.Recent(in.U8() % 16)) s.original = o->envelope;
  return s;
}

}  // namespace praxis::fuzz
