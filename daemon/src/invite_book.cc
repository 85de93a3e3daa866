#include "praxis/node/invite_book.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <cstring>

namespace praxis::node {

namespace {

using storage::Column;
constexpr std::string_view kInvitePrefix = "invite_in:";
constexpr std::string_view kPendingPrefix = "join_pending:";
constexpr std::string_view kCodePrefix = "praxis-invite:";
// Anyone can make an invite-only group and invite us into it: the book is
// bounded like every table fed from outside.
constexpr std::size_t kMaxInvites = 1024;
constexpr std::size_t kMaxMembersKnown = 64;  // per group
constexpr std::size_t kMaxCode = 16 * 1024;

std::optional<ReceivedInvite> Describe(const Announcement& a) {
  wire::Invite body;
  if (a.kind != wire::KIND_INVITE || !a.group || !ParseBody(a, body)) return std::nullopt;
  return ReceivedInvite{
      .invite = a.id, .group = *a.group, .inviter = a.author, .created = a.created,
      .envelope = a.envelope};
}

}  // namespace

std::string PendingJoinKey(const Id& group) { return std::string(kPendingPrefix) + group.Str(); }

bool LooksLikeInviteCode(std::string_view text) { return text.starts_with(kCodePrefix); }

std::string EncodeInviteCode(const Announcement& invite,
                             const std::vector<std::string>& addresses) {
  wire::InviteCode c;
  c.set_invite(invite.envelope);
  for (const auto& a : addresses) c.add_addresses(a);
  const std::string bin = SerializeBody(c);
  const int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_encoded_len(bin.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bin.data()),
                    bin.size(), variant);
  out.resize(std::strlen(out.c_str()));
  return std::string(kCodePrefix) + out;
}

Result<InviteCode> DecodeInviteCode(std::string_view text) {
  auto bad = [](const std::string& why) {
    return Err(Status::InvalidArgument("not a usable invite code: " + why));
  };
  if (!LooksLikeInviteCode(text)) return bad("it does not start with " + std::string(kCodePrefix));
  text.remove_prefix(kCodePrefix.size());
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  if (text.size() > kMaxCode) return bad("too long");
  std::string bin(text.size(), '\0');
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(bin.data()), bin.size(), text.data(),
                        text.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
    return bad("it is not base64url (was it cut short when pasted?)");
  bin.resize(len);
  wire::InviteCode c;
  if (!c.ParseFromString(bin)) return bad("it does not parse (was it cut short when pasted?)");
  auto a = DecodeAnnouncement(c.invite());
  if (!a) return bad(a.error().message());
  if (!Describe(*a)) return bad("it holds no invite");
  InviteCode out{.invite = std::move(*a), .addresses = {}};
  for (const auto& addr : c.addresses())
    if (addr.size() <= 300) out.addresses.push_back(addr);
  return out;
}

std::unique_ptr<InviteBook> InviteBook::Open(storage::Store& store, Ingestor& ingestor,
                                             const Id& self) {
  std::unique_ptr<InviteBook> book(new InviteBook(store, ingestor, self));
  if (Status s = book->Load(); !s.ok())
    spdlog::warn("cannot read the invites held here: {}", s.message());
  InviteBook* raw = book.get();
  book->listener_ = ingestor.AddAcceptedListener(
      [raw](const Announcement& a, const Announcement*) { raw->OnAccepted(a); });
  return book;
}

InviteBook::~InviteBook() { ingestor_.RemoveAcceptedListener(listener_); }

Status InviteBook::Load() {
  Status s = store_.Scan(Column::kMeta, kInvitePrefix, [&](std::string_view, std::string_view v) {
    auto a = ParseAnnouncement(v);
    if (!a) return true;
    if (auto r = Describe(*a)) invites_[r->group] = std::move(*r);
    return true;
  });
  if (!s.ok()) return s;
  std::vector<Id> held;
  s = store_.Scan(Column::kMeta, kPendingPrefix, [&](std::string_view, std::string_view v) {
    auto a = ParseAnnouncement(v);
    if (!a || !a->group) return true;
    a->verified = true;  // signed by this node
    if (ingestor_.Held(a->id))
      held.push_back(*a->group);  // came back before the marker was cleared
    else
      pending_.emplace(*a->group, std::move(*a));
    return true;
  });
  if (!s.ok()) return s;
  if (!held.empty()) {
    storage::WriteSet ws;
    for (const Id& g : held) ws.Delete(Column::kMeta, PendingJoinKey(g));
    return store_.Write(ws, storage::Durability::kWal);
  }
  return Status::OK();
}

Result<bool> InviteBook::Add(const Announcement& invite) {
  auto r = Describe(invite);
  wire::Invite body;
  if (!r || !invite.verified || !ParseBody(invite, body) || body.invitee() != self_.View())
    return false;
  auto it = invites_.find(r->group);
  if (it != invites_.end() && (it->second.invite == r->invite || it->second.created > r->created))
    return false;
  if (it == invites_.end() && invites_.size() >= kMaxInvites) {
    spdlog::warn("invite into group {} not kept: {} invites are held already", r->group.Short(),
                 kMaxInvites);
    return false;
  }
  storage::WriteSet ws;
  ws.Put(Column::kMeta, std::string(kInvitePrefix) + r->group.Str(), invite.envelope);
  if (Status s = store_.Write(ws, storage::Durability::kWal); !s.ok()) return Err(s);
  NoteMemberOf(r->group, r->inviter);
  invites_[r->group] = std::move(*r);
  return true;
}

void InviteBook::NoteMemberOf(const Id& group, const Id& from) {
  auto& known = members_of_[group];
  if (known.size() < kMaxMembersKnown) known.insert(from);
}

std::vector<ReceivedInvite> InviteBook::List() const {
  std::vector<ReceivedInvite> out;
  for (const auto& [g, r] : invites_) out.push_back(r);
  return out;
}

std::optional<ReceivedInvite> InviteBook::For(const Id& group) const {
  auto it = invites_.find(group);
  if (it == invites_.end()) return std::nullopt;
  return it->second;
}

std::optional<Announcement> InviteBook::PendingJoin(const Id& group) const {
  auto it = pending_.find(group);
  if (it == pending_.end()) return std::nullopt;
  return it->second;
}

void InviteBook::Pending(const Announcement& join) {
  if (join.group) pending_.insert_or_assign(*join.group, join);
}

std::vector<std::string> InviteBook::JoinsFor(const Id& member) const {
  std::vector<std::string> out;
  for (const auto& [group, join] : pending_) {
    auto known = members_of_.find(group);
    auto inv = invites_.find(group);
    if ((inv != invites_.end() && inv->second.inviter == member) ||
        (known != members_of_.end() && known->second.count(member)))
      out.push_back(join.envelope);
  }
  return out;
}

void InviteBook::OnAccepted(const Announcement& a) {
  if (a.author != self_ || a.kind != wire::KIND_JOIN || !a.group) return;
  auto it = pending_.find(*a.group);
  if (it == pending_.end() || it->second.id != a.id) return;
  pending_.erase(it);
  storage::WriteSet ws;
  ws.Delete(Column::kMeta, PendingJoinKey(*a.group));
  if (Status s = store_.Write(ws, storage::Durability::kWal); !s.ok())
    spdlog::warn("cannot clear the pending join of group {}: {}", a.group->Short(), s.message());
  spdlog::info("joined invite-only group {}: its members admitted the join", a.group->Short());
}

}  // namespace praxis::node
