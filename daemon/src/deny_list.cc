#include "praxis/node/deny_list.h"

namespace praxis::node {

namespace {

constexpr std::string_view kPrefix = "deny:";

std::string Key(DenyKind k, const Id& id) {
  return std::string(kPrefix) + static_cast<char>(k) + id.Str();
}

}  // namespace

const char* DenyKindName(DenyKind k) {
  switch (k) {
    case DenyKind::kMember:
      return "member";
    case DenyKind::kGroup:
      return "group";
    case DenyKind::kRoot:
      return "root";
  }
  return "unknown";
}

DenyList::DenyList(storage::Store& store) : store_(store) {
  load_ = store_.Scan(storage::Column::kMeta, kPrefix, [&](std::string_view k, std::string_view) {
    k.remove_prefix(kPrefix.size());
    if (k.size() != 1 + Id::kSize) return true;
    auto id = Id::FromBytes(k.substr(1));
    const auto kind = static_cast<DenyKind>(k[0]);
    if (id && (kind == DenyKind::kMember || kind == DenyKind::kGroup || kind == DenyKind::kRoot))
      Set(kind).insert(*id);
    return true;
  });
}

std::set<Id>& DenyList::Set(DenyKind k) {
  return k == DenyKind::kMember ? members_ : k == DenyKind::kGroup ? groups_ : roots_;
}

Status DenyList::Add(DenyKind kind, const Id& id) {
  storage::WriteSet ws;
  ws.Put(storage::Column::kMeta, Key(kind, id), "");
  PRAXIS_RETURN_IF_ERROR(store_.Write(ws, storage::Durability::kSync));
  Set(kind).insert(id);
  return Status::OK();
}

Result<bool> DenyList::Remove(DenyKind kind, const Id& id) {
  if (!Set(kind).count(id)) return false;
  storage::WriteSet ws;
  ws.Delete(storage::Column::kMeta, Key(kind, id));
  PRAXIS_RETURN_IF_ERROR(store_.Write(ws, storage::Durability::kSync));
  Set(kind).erase(id);
  return true;
}

std::vector<std::pair<DenyKind, Id>> DenyList::List() const {
  std::vector<std::pair<DenyKind, Id>> out;
  for (const Id& id : members_) out.emplace_back(DenyKind::kMember, id);
  for (const Id& id : groups_) out.emplace_back(DenyKind::kGroup, id);
  for (const Id& id : roots_) out.emplace_back(DenyKind::kRoot, id);
  return out;
}

bool DenyList::Refuses(const Announcement& a) {
  bool refused = members_.count(a.author) || groups_.count(a.LogGroup());
  if (!refused && !roots_.empty() && a.kind == wire::KIND_SHARE) {
    wire::Share s;
    if (ParseBody(a, s))
      if (auto root = Id::FromBytes(s.root())) refused = roots_.count(*root) > 0;
  }
  if (refused) ++refused_announcements_;
  return refused;
}

bool DenyList::RefusesRoot(const Id& root) {
  const bool refused = roots_.count(root) > 0;
  if (refused) ++refused_requests_;
  return refused;
}

}  // namespace praxis::node
