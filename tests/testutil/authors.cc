#include "testutil/authors.h"

#include <stdexcept>

namespace praxis::testutil {

using node::Announcement;

Announcement TestAuthor::Next(std::optional<Id> group, std::uint32_t kind, std::string body,
                              std::uint64_t created) {
  node::Draft d{.group = group, .kind = kind, .body = std::move(body)};
  if (kind == wire::KIND_GENESIS) {
    d.seq = 1;
    d.created = created;
    Announcement a = node::SignDraft(key_, d);
    logs_[a.id] = {1, a.id, created};
    return a;
  }
  LogState& log = logs_[group.value_or(node::kNoGroup)];
  d.seq = log.seq + 1;
  if (log.seq) d.prev = log.head;
  d.created = created ? created : log.created + 10;
  Announcement a = node::SignDraft(key_, d);
  log = {a.seq, a.id, a.created};
  return a;
}

Announcement TestAuthor::Genesis(const std::string& name, bool invite_only,
                                 std::uint32_t min_republishers, std::uint64_t created) {
  wire::Genesis g;
  g.set_name(name);
  g.set_invite_only(invite_only);
  g.set_publish_on_practice(!invite_only);
  g.set_min_republishers(min_republishers);
  g.set_nonce(name);
  return Next(std::nullopt, wire::KIND_GENESIS, node::SerializeBody(g), created);
}

Announcement TestAuthor::Join(const Id& group, std::uint64_t created, const Id* invite) {
  wire::Join j;
  if (invite) j.set_invite(invite->Str());
  if (!created && !logs_.count(group)) created = 2000;
  return Next(group, wire::KIND_JOIN, node::SerializeBody(j), created);
}

Announcement TestAuthor::Leave(const Id& group, std::uint64_t created) {
  return Next(group, wire::KIND_LEAVE, node::SerializeBody(wire::Leave()), created);
}

Announcement TestAuthor::Invite(const Id& group, const Id& invitee, std::uint64_t created) {
  wire::Invite i;
  i.set_invitee(invitee.Str());
  return Next(group, wire::KIND_INVITE, node::SerializeBody(i), created);
}

Announcement TestAuthor::Share(const Id& group, const std::string& title, std::uint64_t created) {
  wire::Share s;
  s.set_root(crypto::Blake2b256(title).Str());
  s.set_size(title.size());
  s.set_title(title);
  return Next(group, wire::KIND_SHARE, node::SerializeBody(s), created);
}

Announcement TestAuthor::Republish(const Id& into, const Announcement& share,
                                   std::uint64_t created) {
  wire::Republish r;
  r.set_original(share.id.Str());
  if (!created && logs_[into].created < share.created) created = share.created + 1;
  return Next(into, wire::KIND_REPUBLISH, node::SerializeBody(r), created);
}

Announcement TestAuthor::Raw(const Id& group, std::uint32_t kind, std::string body,
                             std::uint64_t created) {
  return Next(group, kind, std::move(body), created);
}

Announcement TestAuthor::At(const Id& group, std::uint32_t kind, std::string body,
                            std::uint64_t seq, std::optional<Id> prev, std::uint64_t created) {
  node::Draft d{.group = group,
                .kind = kind,
                .seq = seq,
                .prev = prev,
                .created = created,
                .body = std::move(body)};
  return node::SignDraft(key_, d);
}

node::IngestOutcome ApplyAndWrite(node::Ingestor& ing, storage::Store& store, const Announcement& a,
                                  const Announcement* original) {
  storage::WriteSet ws;
  node::IngestOutcome o = ing.Apply(a, original, ws);
  if (!ws.empty()) {
    if (!store.Write(ws, storage::Durability::kWal).ok()) throw std::runtime_error("write failed");
  }
  ing.Committed();
  return o;
}

}  // namespace praxis::testutil
