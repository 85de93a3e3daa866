// praxis deny MEMBER|GROUP|ROOT: the operator's deny list (issue 7). What is
// denied is never stored from then on (the ingestor judges it out of scope),
// so never forwarded; a denied root is dropped now and never served.
#include <spdlog/spdlog.h>

#include "control_internal.h"
#include "praxis/node/holdings.h"
#include "praxis/node/resolve.h"
#include "praxis/storage/keys.h"

namespace praxis::node::control_internal {

namespace {

// Whether any key of `column` starts with `id` (a share names the root; a
// log by the member is held).
bool AnyKeyFor(storage::Store& store, storage::Column column, const Id& id) {
  bool found = false;
  (void)store.Scan(column, id.Str(), [&](std::string_view, std::string_view) {
    found = true;
    return false;
  });
  return found;
}

Result<std::pair<DenyKind, Id>> Resolve(Context c, const control::DenyRequest& req) {
  Ingestor& ing = c.node.ingestor();
  storage::Store& store = c.node.store();
  const std::string& text = req.id();
  if (req.kind() == "member") {
    auto m = ResolveMember(store, text);
    if (!m) return Err(m.error());
    return std::pair{DenyKind::kMember, *m};
  }
  if (req.kind() == "group") {
    if (auto full = Id::FromHex(Lower(text))) return std::pair{DenyKind::kGroup, *full};
    auto g = ResolveGroup(ing, text);
    if (!g) return Err(g.error());
    return std::pair{DenyKind::kGroup, *g};
  }
  if (req.kind() == "root") {
    if (auto full = Id::FromHex(Lower(text))) return std::pair{DenyKind::kRoot, *full};
    auto r = ResolveContent(ing, store, text);
    if (!r || !r->is_root) return Err(Status::NotFound("no resource root '" + text + "' here"));
    return std::pair{DenyKind::kRoot, r->id};
  }
  if (!req.kind().empty())
    return Err(Status::InvalidArgument("unknown kind '" + req.kind() + "': member, group or root"));
  // Worked out from what is held: exactly one reading must fit.
  std::vector<std::pair<DenyKind, Id>> fits;
  if (auto g = ResolveGroup(ing, text)) fits.emplace_back(DenyKind::kGroup, *g);
  if (auto full = Id::FromHex(Lower(text))) {
    if (AnyKeyFor(store, storage::Column::kLogs, *full)) fits.emplace_back(DenyKind::kMember, *full);
    if (AnyKeyFor(store, storage::Column::kByRoot, *full)) fits.emplace_back(DenyKind::kRoot, *full);
  } else {
    if (auto r = ResolveContent(ing, store, text); r && r->is_root)
      fits.emplace_back(DenyKind::kRoot, r->id);
    if (auto m = ResolveMember(store, text)) fits.emplace_back(DenyKind::kMember, *m);
  }
  if (fits.size() == 1) return fits[0];
  return Err(Status::InvalidArgument(
      (fits.empty() ? "'" + text + "' names no member, group or root held here"
                    : "'" + text + "' could be several things") +
      ": say which with --member, --group or --root"));
}

}  // namespace

Result<control::Response> Deny(Context c, const control::DenyRequest& req) {
  DenyList& deny = c.node.deny();
  std::string done;
  if (!req.id().empty()) {
    auto what = Resolve(c, req);
    if (!what) return Err(what.error());
    const auto [kind, id] = *what;
    const std::string label = std::string(DenyKindName(kind)) + " " + id.Hex();
    if (req.remove()) {
      auto removed = deny.Remove(kind, id);
      if (!removed) return Err(removed.error());
      done = *removed ? "no longer denied: " + label : label + " was not denied";
    } else {
      if (Status s = deny.Add(kind, id); !s.ok()) return Err(s);
      done = "denied: " + label + " (not stored, served or forwarded by this node)";
      if (kind == DenyKind::kRoot) {
        auto freed = DropContent(c.node.store(), id);
        if (freed && *freed) done += "; dropped " + HumanBytes(*freed) + " held";
      }
      spdlog::info("{}", done);
    }
  }
  control::Response r;
  auto* out = r.mutable_deny();
  for (const auto& [kind, id] : deny.List()) {
    auto* e = out->add_entries();
    e->set_kind(DenyKindName(kind));
    e->set_id(id.Str());
  }
  out->set_done(done);
  return r;
}

}  // namespace praxis::node::control_internal
