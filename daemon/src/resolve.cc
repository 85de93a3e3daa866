#include "praxis/node/resolve.h"

#include <algorithm>
#include <vector>

namespace praxis::node {

namespace {
std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}
constexpr std::size_t kMinPrefix = 4;

Status Ambiguous(const std::string& what, const std::string& text, const std::vector<Id>& ids) {
  std::string list;
  for (std::size_t i = 0; i < ids.size() && i < 5; ++i) list += (i ? ", " : "") + ids[i].Short();
  if (ids.size() > 5) list += ", ...";
  return Status::InvalidArgument(what + " '" + text + "' is ambiguous: matches " + list);
}
}  // namespace

Result<Id> ResolveGroup(Ingestor& ing, const std::string& text) {
  if (text.empty()) return Err(Status::InvalidArgument("no group given"));
  std::string hex = Lower(text);
  std::vector<Id> by_id, by_name;
  for (const auto& [id, g] : ing.Groups()) {
    if (IsHex(hex) && hex.size() >= kMinPrefix && id.Hex().starts_with(hex)) by_id.push_back(id);
    if (g.genesis.name() == text) by_name.push_back(id);
  }
  if (hex.size() == 2 * Id::kSize && by_id.size() == 1) return by_id[0];  // a full id is exact
  // A name that also reads as another group's id prefix ("cafe", "2024")
  // must not silently pick either: every candidate is listed.
  std::vector<Id> all = by_name;
  for (const Id& id : by_id)
    if (std::find(all.begin(), all.end(), id) == all.end()) all.push_back(id);
  if (all.size() == 1) return all[0];
  if (all.size() > 1)
    return Err(Ambiguous(by_name.empty() ? "group"
                         : by_id.empty() ? "group name"
                                         : "group name or id prefix",
                         text, all));
  return Err(Status::NotFound("unknown group '" + text + "' (no group with that name or id here)"));
}

namespace {
// Checks what a person typed as an id; returns its lowercase form.
Result<std::string> CheckIdText(const std::string& text) {
  std::string hex = Lower(text);
  if (hex.empty() || !IsHex(hex))
    return Err(Status::InvalidArgument("malformed id '" + text + "': expected hex digits"));
  if (hex.size() > 2 * Id::kSize)
    return Err(Status::InvalidArgument("malformed id '" + text + "': longer than 64 hex digits"));
  if (hex.size() < kMinPrefix)
    return Err(
        Status::InvalidArgument("id prefix '" + text + "' is too short (at least 4 digits)"));
  return hex;
}

// Ids (at most 6) whose hex starts with `hex`, among keys `key_prefix || id`.
Result<std::vector<Id>> IdsWithPrefix(storage::Store& store, storage::Column column,
                                      const std::string& key_prefix, const std::string& hex) {
  std::string scan = key_prefix + *FromHexString(hex.substr(0, hex.size() & ~std::size_t{1}));
  std::vector<Id> hits;
  Status s = store.Scan(column, scan, [&](std::string_view k, std::string_view) {
    auto id = Id::FromBytes(k.substr(key_prefix.size()));
    if (id && id->Hex().starts_with(hex)) hits.push_back(*id);
    return hits.size() < 6;
  });
  if (!s.ok()) return Err(s);
  return hits;
}
// Roots named by a share held here (held or not): keys are root | share.
Result<std::vector<Id>> NamedRoots(storage::Store& store, const std::string& hex) {
  std::string scan = *FromHexString(hex.substr(0, hex.size() & ~std::size_t{1}));
  std::vector<Id> hits;
  Status s = store.Scan(storage::Column::kByRoot, scan, [&](std::string_view k, std::string_view) {
    auto id = Id::FromBytes(k.substr(0, Id::kSize));
    if (id && id->Hex().starts_with(hex) && std::find(hits.begin(), hits.end(), *id) == hits.end())
      hits.push_back(*id);
    return hits.size() < 6;
  });
  if (!s.ok()) return Err(s);
  return hits;
}
}  // namespace

Result<Id> ResolveAnnouncement(Ingestor& ing, storage::Store& store, const std::string& text) {
  auto hex = CheckIdText(text);
  if (!hex) return Err(hex.error());
  if (auto full = Id::FromHex(*hex)) {
    if (ing.Held(*full)) return *full;
    return Err(Status::NotFound("unknown announcement " + text));
  }
  auto hits = IdsWithPrefix(store, storage::Column::kEnvelopes, "", *hex);
  if (!hits) return Err(hits.error());
  if (hits->size() == 1) return (*hits)[0];
  if (hits->size() > 1) return Err(Ambiguous("id prefix", text, *hits));
  return Err(Status::NotFound("unknown announcement " + text));
}

Result<ContentRef> ResolveContent(Ingestor& ing, storage::Store& store, const std::string& text) {
  auto hex = CheckIdText(text);
  if (!hex) return Err(hex.error());
  auto roots = IdsWithPrefix(store, storage::Column::kMeta, "held:", *hex);
  if (!roots) return Err(roots.error());
  // Roots of shares held here, their content fetched or not.
  auto named = NamedRoots(store, *hex);
  if (!named) return Err(named.error());
  for (const Id& r : *named)
    if (std::find(roots->begin(), roots->end(), r) == roots->end()) roots->push_back(r);
  auto anns = IdsWithPrefix(store, storage::Column::kEnvelopes, "", *hex);
  if (!anns) return Err(anns.error());
  std::vector<Id> all = *roots;
  all.insert(all.end(), anns->begin(), anns->end());
  if (all.size() > 1) return Err(Ambiguous("id prefix", text, all));
  if (roots->size() == 1) return ContentRef{.id = (*roots)[0], .is_root = true};
  if (anns->size() == 1) return ContentRef{.id = (*anns)[0], .is_root = false};
  (void)ing;
  // A full root this node has never heard of (given by hand): peers may
  // hold it.
  if (auto full = Id::FromHex(*hex)) return ContentRef{.id = *full, .is_root = true};
  return Err(Status::NotFound("unknown announcement or content " + text));
}

Result<Id> ResolveMember(storage::Store& store, const std::string& text) {
  std::string hex = Lower(text);
  if (auto id = Id::FromHex(hex)) return *id;
  if (hex.empty() || !IsHex(hex) || hex.size() > 2 * Id::kSize)
    return Err(Status::InvalidArgument("malformed member id '" + text + "': expected hex digits"));
  if (hex.size() < kMinPrefix)
    return Err(
        Status::InvalidArgument("member prefix '" + text + "' is too short (at least 4 digits)"));
  // Members known here are the authors of held logs; the logs column is
  // keyed by author first, so each distinct author costs one seek.
  std::string prefix_bytes = *FromHexString(hex.substr(0, hex.size() & ~std::size_t{1}));
  std::vector<Id> hits;
  std::string start = prefix_bytes;
  while (hits.size() < 6) {
    std::optional<Id> next;
    Status s = store.Scan(
        storage::Column::kLogs, prefix_bytes,
        [&](std::string_view k, std::string_view) {
          next = Id::FromBytes(k.substr(0, Id::kSize));
          return false;
        },
        start);
    if (!s.ok()) return Err(s);
    if (!next) break;
    if (next->Hex().starts_with(hex)) hits.push_back(*next);
    start = next->Str() + std::string(64, '\xff');
  }
  if (hits.size() == 1) return hits[0];
  if (hits.size() > 1) return Err(Ambiguous("member prefix", text, hits));
  return Err(Status::NotFound("unknown member '" + text + "' (no announcements by it here)"));
}

}  // namespace praxis::node
