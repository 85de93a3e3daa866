#include "praxis/node/control_server.h"

#include <fcntl.h>
#include <locale.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <wctype.h>

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/read.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "control.pb.h"
#include "control_internal.h"
#include "praxis/crypto/sealed_key.h"
#include "praxis/node/access.h"
#include "praxis/node/holdings.h"
#include "praxis/node/peer_manager.h"
#include "praxis/node/resolve.h"
#include "praxis/node/resource.h"
#include "praxis/storage/keys.h"

namespace praxis::node {

namespace {

using asio::awaitable;
using asio::use_awaitable;
using stream = asio::local::stream_protocol;
using storage::Column;
namespace keys = storage::keys;
constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);
using control_internal::Lower;
using control_internal::PoolAwait;
using control_internal::PublishAwait;

const char* CodeName(Code c) {
  switch (c) {
    case Code::kOk:
      return "ok";
    case Code::kInvalidArgument:
      return "invalid_argument";
    case Code::kNotFound:
      return "not_found";
    case Code::kAlreadyExists:
      return "already_exists";
    case Code::kCorruption:
      return "corruption";
    case Code::kIOError:
      return "io_error";
    case Code::kProtocol:
      return "protocol";
    case Code::kDeferred:
      return "deferred";
    case Code::kTimedOut:
      return "timed_out";
    case Code::kCancelled:
      return "cancelled";
    case Code::kFailedPrecondition:
      return "failed_precondition";
  }
  return "unknown";
}

control::Response ErrorResponse(const Status& s) {
  control::Response r;
  std::string msg = s.message();
  std::replace(msg.begin(), msg.end(), '\n', ' ');
  r.mutable_error()->set_message(msg);
  r.mutable_error()->set_code(CodeName(s.code()));
  return r;
}

// One client of the control API. Replies go to the socket, or, for callers
// that are not a socket (the HTTP API), into `collected`.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Node& node, PeerManager* peers, stream::socket socket,
          std::vector<control::Response>* collected = nullptr)
      : node_(node), peers_(peers), socket_(std::move(socket)), collected_(collected) {}

  awaitable<void> Run() {
    auto self = shared_from_this();
    control::Request req;
    while (co_await Read(req)) {
      if (!co_await Handle(req)) break;
    }
  }

  // Answers one request; false when the session should end.
  awaitable<bool> Handle(const control::Request& req) {
    using R = control::Request;
    Result<control::Response> r =
        Err(Status::InvalidArgument("request not understood by this praxisd"));
    switch (req.req_case()) {
      case R::kStatus:
        r = Status_();
        break;
      case R::kGroupCreate:
        r = co_await control_internal::GroupCreate(ctx(), req.group_create());
        break;
      case R::kGroupJoin:
        r = co_await control_internal::Join(ctx(), req.group_join());
        break;
      case R::kGroupLeave:
        r = co_await control_internal::Leave(ctx(), req.group_leave());
        break;
      case R::kGroupInvite:
        r = co_await control_internal::Invite(ctx(), req.group_invite());
        break;
      case R::kGroups:
        r = control_internal::Groups(ctx());
        break;
      case R::kShareBegin: {
        bool alive = co_await Share(req.share_begin());
        co_return alive;
      }
      case R::kLs:
        r = Ls(req.ls());
        break;
      case R::kGet: {
        bool alive = co_await Get(req.get());
        co_return alive;
      }
      case R::kRepublish:
        r = co_await Republish(req.republish());
        break;
      case R::kIdentityExport:
        r = co_await IdentityExport(req.identity_export());
        break;
      case R::kRetract:
        r = co_await Retract(req.retract());
        break;
      case R::kDu:
        r = Du();
        break;
      case R::kDrop:
        r = Drop(req.drop());
        break;
      case R::kConnect:
        r = co_await Connect(req.connect());
        break;
      case R::kPeers:
        r = Peers();
        break;
      case R::kStage:
        r = control_internal::GroupStage(ctx(), req.stage());
        break;
      case R::kImport:
        r = co_await Import(req.import());
        break;
      case R::kInvites:
        r = control_internal::Invites(ctx());
        break;
      case R::kDiscover:
        r = control_internal::Discover(ctx(), req.discover());
        break;
      case R::kNews:
        r = control_internal::News(ctx(), req.news());
        break;
      case R::kDeny:
        r = control_internal::Deny(ctx(), req.deny());
        break;
      case R::kBackup:
        r = co_await control_internal::Backup(ctx(), req.backup());
        break;
      case R::kWatch: {
        bool alive = co_await Watch(req.watch());
        co_return alive;
      }
      case R::kFetch:
        r = Fetch(req.fetch());
        break;
      default:
        break;
    }
    bool alive = co_await Reply(r);
    co_return alive;
  }

 private:
  // Returns false on end of stream or a malformed frame (the session ends).
  awaitable<bool> Read(control::Request& req) {
    std::array<std::uint8_t, 4> len{};
    auto [ec, n] = co_await asio::async_read(socket_, asio::buffer(len), kTuple);
    if (ec) co_return false;
    std::uint32_t size = keys::ReadU32({reinterpret_cast<const char*>(len.data()), 4});
    if (size > kMaxControlFrame) {
      spdlog::warn("control: frame of {} bytes refused", size);
      co_return false;
    }
    buf_.resize(size);
    auto [ec2, n2] = co_await asio::async_read(socket_, asio::buffer(buf_), kTuple);
    if (ec2) co_return false;
    if (!req.ParseFromString(buf_)) {
      {
        Status failure_ = Status::InvalidArgument("malformed control request");
        co_await Fail(failure_);
      }
      co_return false;
    }
    co_return true;
  }

  awaitable<bool> Write(const control::Response& resp) {
    if (collected_) {
      collected_->push_back(resp);
      co_return true;
    }
    std::string out;
    keys::AppendU32(out, static_cast<std::uint32_t>(resp.ByteSizeLong()));
    resp.AppendToString(&out);
    auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(out), kTuple);
    co_return !ec;
  }

  // g++ 12 mishandles temporaries inside co_await expressions (conditional
  // operands, by-value coroutine arguments): results are kept in named locals
  // and every coroutine takes its arguments by reference.
  awaitable<bool> Fail(const Status& s) {
    control::Response err = ErrorResponse(s);
    co_return co_await Write(err);
  }

  awaitable<bool> Reply(const Result<control::Response>& r) {
    if (r) co_return co_await Write(*r);
    control::Response err = ErrorResponse(r.error());
    co_return co_await Write(err);
  }


  awaitable<Result<control::Response>> Import(const control::ImportRequest& req) {
    constexpr int kMaxImport = 10'000;
    if (req.envelopes_size() > kMaxImport)
      co_return Err(Status::InvalidArgument("at most " + std::to_string(kMaxImport) +
                                            " announcements per import request"));
    if (req.originals_size() != 0 && req.originals_size() != req.envelopes_size())
      co_return Err(Status::InvalidArgument("import: one original per envelope, or none"));
    std::vector<RawDelivery> batch(static_cast<std::size_t>(req.envelopes_size()));
    for (int i = 0; i < req.envelopes_size(); ++i) {
      batch[i].envelope = req.envelopes(i);
      if (req.originals_size()) batch[i].original = req.originals(i);
    }
    auto outcomes =
        peers_ ? peers_->IngestLocal(batch)
               : node_.ingestor().IngestBatch(batch, storage::Durability::kWal, node_.PoolFor());
    // Overload slows the publisher (this reply waits) rather than dropping
    // anything: links whose outbox overflows would be cut.
    constexpr std::size_t kMaxBacklog = 256 << 10;
    asio::steady_timer wait(node_.executor());
    for (int i = 0; peers_ && peers_->TotalBacklog() > kMaxBacklog && i < 12'000; ++i) {
      wait.expires_after(std::chrono::milliseconds(5));
      (void)co_await wait.async_wait(kTuple);
    }
    control::Response r;
    auto* out = r.mutable_import();
    for (const auto& o : outcomes) {
      using K = IngestOutcome::Kind;
      switch (o.kind) {
        case K::kAccepted:
          out->set_accepted(out->accepted() + 1);
          break;
        case K::kDuplicate:
          out->set_duplicate(out->duplicate() + 1);
          break;
        case K::kDeferred:
          out->set_deferred(out->deferred() + 1);
          break;
        case K::kInvalid:
          out->set_invalid(out->invalid() + 1);
          break;
        case K::kOutOfScope:
          out->set_out_of_scope(out->out_of_scope() + 1);
          break;
        case K::kFork:
          out->set_fork(out->fork() + 1);
          break;
      }
      if ((o.kind == K::kInvalid || o.kind == K::kDeferred) && out->first_problem().empty())
        out->set_first_problem(o.reason);
    }
    co_return r;
  }

  // Streams an event per announcement held until the client goes away.
  awaitable<bool> Watch(const control::WatchRequest& req) {
    auto self = shared_from_this();
    std::optional<Id> only;
    if (!req.group().empty()) {
      auto gid = ResolveGroup(node_.ingestor(), req.group());
      if (!gid) {
        bool alive = co_await Fail(gid.error());
        co_return alive;
      }
      only = *gid;
    }
    auto feed = std::make_shared<control_internal::EventFeed>(node_, only);
    constexpr std::size_t kMaxQueued = 100'000;  // a client this far behind is cut off
    struct Queue {
      explicit Queue(asio::any_io_executor ex) : wake(ex) {
        wake.expires_at(asio::steady_timer::time_point::max());
      }
      std::string pending;  // length-prefixed responses, ready to write
      std::size_t count = 0;
      bool overflow = false;
      asio::steady_timer wake;
    };
    auto q = std::make_shared<Queue>(node_.executor());
    control::Response ack;
    ack.mutable_ack();
    if (!co_await Write(ack)) co_return false;
    const std::size_t token = node_.Watch([q, feed](const NodeEvent& e) {
      for (const control::Event& ev : feed->On(e)) {
        if (q->count >= kMaxQueued) {
          q->overflow = true;
          break;
        }
        control::Response r;
        *r.mutable_event() = ev;
        keys::AppendU32(q->pending, static_cast<std::uint32_t>(r.ByteSizeLong()));
        r.AppendToString(&q->pending);
        ++q->count;
      }
      q->wake.cancel_one();
    });
    for (;;) {
      if (q->overflow) {
        Status behind = Status::FailedPrecondition("watch fell too far behind; start it again");
        co_await Fail(behind);
        break;
      }
      if (q->pending.empty()) {
        (void)co_await q->wake.async_wait(kTuple);
        continue;
      }
      std::string out = std::move(q->pending);
      q->pending.clear();
      q->count = 0;
      auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(out), kTuple);
      if (ec) break;
    }
    node_.Unwatch(token);
    co_return false;
  }

  control_internal::Context ctx() { return {node_, peers_}; }
  bool IsMember(const Id& group) { return control_internal::IsMember(node_, group); }
  std::string GroupLabel(const Id& group) { return control_internal::GroupLabel(node_, group); }

  Result<control::Response> Status_() {
    control::Response r;
    auto* s = r.mutable_status();
    s->set_member(node_.member().Str());
    s->set_listen(node_.listen_address());
    s->set_http(node_.http_address());
    s->set_peers(peers_ ? peers_->peer_count() : 0);
    s->set_groups(node_.ingestor().Groups().size());
    s->set_announcements(node_.ingestor().accepted_total());
    s->set_version(PRAXIS_VERSION);
    s->set_data_dir(node_.options().data_dir);
    s->set_key_path(node_.options().key_path);
    s->set_imported(node_.imported());
    if (peers_) {
      for (const auto& [name, value] : peers_->gossip().counters().Named())
        (*s->mutable_gossip())[name] = value;
      (*s->mutable_gossip())["passive"] = peers_->gossip().passive_count();
      (*s->mutable_gossip())["eager_links"] = peers_->gossip().eager_count();
      (*s->mutable_gossip())["signature_checks"] = SignatureChecks();
      for (const auto& [name, value] : peers_->transfer().counters().Named())
        (*s->mutable_transfer())[name] = value;
      (*s->mutable_transfer())["fetching"] = peers_->transfer().active_fetches();
    }
    auto held = ListHeld(node_.store());
    if (!held) return Err(held.error());
    std::uint64_t bytes = 0;
    for (const auto& h : *held) bytes += h.size;
    s->set_content_bytes(bytes);
    s->set_resources(held->size());
    return r;
  }

  awaitable<Result<control::Response>> IdentityExport(const control::IdentityExportRequest& req) {
    if (req.passphrase().empty())
      co_return Err(Status::InvalidArgument("an empty passphrase protects nothing"));
    Result<std::string> sealed = Err(Status::Cancelled("not run"));
    // Argon2id is slow and memory-hungry on purpose: keep it off the node thread.
    std::function<Status()> seal = [&] {
      sealed = crypto::SealKey(node_.key(), req.passphrase());
      return sealed ? Status::OK() : sealed.error();
    };
    Status st = co_await PoolAwait(node_, seal);
    if (!st.ok()) co_return Err(st);
    control::Response r;
    r.mutable_identity_export()->set_sealed(*sealed);
    r.mutable_identity_export()->set_member(node_.member().Str());
    co_return r;
  }

  awaitable<Result<control::Response>> Retract(const control::RetractRequest& req) {
    auto id = ResolveAnnouncement(node_.ingestor(), node_.store(), req.announcement());
    if (!id) co_return Err(id.error());
    auto a = node_.ingestor().Find(*id);
    if (!a) co_return Err(a.error());
    if ((*a)->author != node_.member())
      co_return Err(Status::FailedPrecondition("you can only retract your own announcements (" +
                                               id->Short() + " is by " + (*a)->author.Short() +
                                               ")"));
    // What a member takes back is content: a share, or a republish (the
    // commitment to keep another's share). Joins, leaves and retractions are
    // facts of the log; retracting them would undo nothing.
    if ((*a)->kind != wire::KIND_SHARE && (*a)->kind != wire::KIND_REPUBLISH)
      co_return Err(Status::InvalidArgument(id->Short() + " is a " +
                                            std::string(KindName((*a)->kind)) +
                                            "; only shares and republishes can be retracted"));
    auto gone = node_.ingestor().Retracted(*id);
    if (!gone) co_return Err(gone.error());
    if (*gone) co_return Err(Status::AlreadyExists(id->Short() + " is already retracted"));
    wire::Retract body;
    body.set_target(id->Str());
    node_.ingestor().TakeDroppedBytes();
    OwnWrite w{.kind = wire::KIND_RETRACT, .group = *(*a)->group, .body = SerializeBody(body)};
    Result<Announcement> done = co_await PublishAwait(node_, w);
    if (!done) co_return Err(done.error());
    control::Response r;
    auto* out = r.mutable_retract();
    out->set_announcement(done->id.Str());
    out->set_target(id->Str());
    out->set_dropped_bytes(node_.ingestor().TakeDroppedBytes());
    co_return r;
  }

  awaitable<Result<control::Response>> Connect(const control::ConnectRequest& req) {
    if (!peers_) co_return Err(Status::FailedPrecondition("this node does not network"));
    auto init = [this, &req](auto handler) {
      auto h = std::make_shared<decltype(handler)>(std::move(handler));
      peers_->Connect(req.address(), [h](Status s) { std::move (*h)(std::move(s)); });
    };
    Status s =
        co_await asio::async_initiate<decltype(use_awaitable), void(Status)>(init, use_awaitable);
    if (!s.ok()) co_return Err(s);
    control::Response r;
    r.mutable_ack();
    co_return r;
  }

  Result<control::Response> Peers() {
    control::Response r;
    auto* out = r.mutable_peers();
    if (!peers_) return r;
    for (const PeerInfo& p : peers_->Peers()) {
      auto* e = out->add_peers();
      e->set_member(p.member.Str());
      e->set_address(p.address);
      e->set_direction(p.inbound ? "inbound" : "outbound");
      e->set_bytes_in(p.bytes_in);
      e->set_bytes_out(p.bytes_out);
      e->set_found(FoundByName(p.found));
      e->set_since_unix_ms(p.since_unix_ms);
      e->set_eager(p.eager);
    }
    return r;
  }

  Result<control::Response> Du() {
    auto held = ListHoldings(node_.ingestor(), node_.store(), node_.member());
    if (!held) return Err(held.error());
    std::map<std::pair<Id, std::string>, std::pair<std::uint64_t, std::uint64_t>> rows;
    std::uint64_t total = 0;
    for (const auto& h : *held) {
      auto& row = rows[{h.group.value_or(Id{}), HeldForName(h.why)}];
      row.first += 1;
      row.second += h.size;
      total += h.size;
    }
    // Commitments still being fetched: counted, with the size their shares state.
    auto pending = PendingCommitments(node_.ingestor(), node_.store(), node_.member());
    if (!pending) return Err(pending.error());
    for (const Id& root : *pending) {
      auto why = WhyHeld(node_.ingestor(), node_.store(), node_.member(), root, 0);
      if (!why) return Err(why.error());
      auto& row = rows[{why->group.value_or(Id{}), "pending"}];
      row.first += 1;
      row.second += SharedSize(root);
    }
    control::Response r;
    auto* out = r.mutable_du();
    for (const auto& [key, v] : rows) {
      auto* e = out->add_entries();
      e->set_group(key.first.Str());
      if (const GroupState* g = node_.ingestor().Group(key.first))
        e->set_group_name(g->genesis.name());
      e->set_reason(key.second);
      e->set_resources(v.first);
      e->set_bytes(v.second);
    }
    out->set_total_bytes(total);
    return r;
  }

  // The size a share naming `root` states (0 when none is held).
  std::uint64_t SharedSize(const Id& root) {
    std::uint64_t size = 0;
    ForEachShareOf(node_.ingestor(), node_.store(), root, /*live_only=*/false,
                   [&](const Announcement& a) {
                     wire::Share sh;
                     if (ParseBody(a, sh)) size = sh.size();
                     return size == 0;
                   });
    return size;
  }

  Result<control::Response> Drop(const control::DropRequest& req) {
    auto content = ResolveContent(req.id());
    if (!content) return Err(content.error());
    const Id root = content->first;
    auto size = HeldSize(node_.store(), root);
    if (!size) return Err(size.error());
    if (!*size)
      return Err(Status::NotFound("content " + root.Short() + " is not held on this node"));
    auto why = WhyHeld(node_.ingestor(), node_.store(), node_.member(), root, **size);
    if (!why) return Err(why.error());
    if (why->why == HeldFor::kOwnShare)
      return Err(Status::FailedPrecondition(
          "content " + root.Short() +
          " is your own share: others fetch it from you; retract the share to stop serving it"));
    auto freed = DropContent(node_.store(), root);
    if (!freed) return Err(freed.error());
    control::Response r;
    auto* d = r.mutable_drop();
    d->set_root(root.Str());
    d->set_freed_bytes(*freed);
    d->set_reason(HeldForName(why->why));
    if (why->why == HeldFor::kRepublish)
      d->set_warning("this ends your commitment to keep " + root.Short() +
                     ", which you republished: it is fetched again at the next start unless "
                     "you retract the republish");
    return r;
  }

  awaitable<Result<control::Response>> PublishReply(OwnWrite& w) {
    Result<Announcement> a = co_await PublishAwait(node_, w);
    if (!a) co_return Err(a.error());
    control::Response r;
    r.mutable_announcement()->set_announcement(a->id.Str());
    co_return r;
  }

  // The share body's descriptive fields from a request. A file name is only a
  // default for `praxis get`, so an over-long one is shortened (keeping its
  // extension) rather than refused.
  static wire::Share ShareFields(const control::ShareBeginRequest& begin) {
    wire::Share s;
    s.set_title(begin.title());
    for (const auto& t : begin.tags()) s.add_tags(t);
    s.set_description(begin.description());
    std::string name = begin.filename();
    if (name.size() > kMaxName) {
      auto dot = name.rfind('.');
      std::string ext = dot != std::string::npos && name.size() - dot <= 16 ? name.substr(dot) : "";
      // Cut at a character boundary: never inside a UTF-8 sequence.
      std::size_t cut = kMaxName - ext.size();
      while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;
      name = name.substr(0, cut) + ext;
    }
    s.set_filename(name);
    s.set_note(begin.note());
    return s;
  }

  // A new version may replace only our own live share, in the same group.
  Status CheckReplaceable(const std::string& text, const Id& group, Id& out) {
    auto id = ResolveAnnouncement(node_.ingestor(), node_.store(), text);
    if (!id) return id.error();
    auto a = node_.ingestor().Find(*id);
    if (!a) return a.error();
    if ((*a)->kind != wire::KIND_SHARE)
      return Status::InvalidArgument(text + " is a " + KindName((*a)->kind) + ", not a share");
    if ((*a)->author != node_.member())
      return Status::FailedPrecondition("only the author can replace a share; " + id->Short() +
                                        " is by " + (*a)->author.Short());
    if (*(*a)->group != group)
      return Status::InvalidArgument("a new version goes into the same group as the old one (" +
                                     GroupLabel(*(*a)->group) + ")");
    auto gone = node_.ingestor().Retracted(*id);
    if (gone && *gone) return Status::FailedPrecondition(id->Short() + " was retracted");
    auto later = node_.store().Get(Column::kMeta, SupersededKey(*id));
    if (later && *later)
      return Status::FailedPrecondition(id->Short() + " was already replaced by " +
                                        Id::FromBytes(**later)->Short() + "; replace that one");
    out = *id;
    return Status::OK();
  }

  awaitable<bool> Share(const control::ShareBeginRequest& begin) {
    auto gid = ResolveGroup(node_.ingestor(), begin.group());
    if (!gid) {
      Status failure_ = gid.error();
      co_return co_await Fail(failure_);
    }
    if (!IsMember(*gid)) {
      Status failure_ =
          Status::FailedPrecondition("you are not a member of group " + GroupLabel(*gid) +
                                     "; join it first: praxis group join " + gid->Short());
      co_return co_await Fail(failure_);
    }
    Id replaces;
    if (!begin.replaces().empty()) {
      Status bad = CheckReplaceable(begin.replaces(), *gid, replaces);
      if (!bad.ok()) co_return co_await Fail(bad);
    }
    if (Status may = node_.MaySignInto(*gid); !may.ok()) co_return co_await Fail(may);
    // Check the fields before a byte is streamed: a long upload should not
    // end in "title too long".
    wire::Share fields = ShareFields(begin);
    if (Status bad = CheckShareFields(fields); !bad.ok()) co_return co_await Fail(bad);
    control::Response ack;
    ack.mutable_ack();
    if (!co_await Write(ack)) co_return false;

    ResourceWriter writer(node_.store());
    control::Request req;
    for (;;) {
      if (!co_await Read(req)) {
        spdlog::info("control: share of '{}' abandoned by the client", begin.title());
        co_return false;
      }
      if (req.has_share_end()) break;
      if (!req.has_data()) {
        Status failure_ = Status::InvalidArgument("expected share data or end");
        co_return co_await Fail(failure_);
      }
      if (Status s = writer.Append(req.data().bytes()); !s.ok()) {
        Status failure_ = s;
        co_return co_await Fail(failure_);
      }
    }
    OwnWrite w{.kind = wire::KIND_SHARE, .group = *gid};
    Result<ResourceInfo> info = Err(Status::Cancelled("not run"));
    std::function<Status()> finish = [&] {
      info = writer.Finish(w.extra);
      return info ? Status::OK() : info.error();
    };
    Status fin = co_await PoolAwait(node_, finish);
    if (!fin.ok()) {
      Status failure_ = fin;
      co_return co_await Fail(failure_);
    }
    wire::Share s = ShareFields(begin);
    s.set_root(info->root.Str());
    s.set_size(info->size);
    if (!replaces.IsZero()) s.set_supersedes(replaces.Str());
    w.body = SerializeBody(s);
    Result<Announcement> a = co_await PublishAwait(node_, w);
    if (!a) {
      Status failure_ = a.error();
      co_return co_await Fail(failure_);
    }
    spdlog::info("shared '{}' ({} bytes) into {} as {}", begin.title(), info->size, gid->Short(),
                 a->id.Hex());
    control::Response r;
    r.mutable_share()->set_announcement(a->id.Str());
    r.mutable_share()->set_root(info->root.Str());
    r.mutable_share()->set_size(info->size);
    co_return co_await Write(r);
  }

  Result<control::Response> Ls(const control::LsRequest& req) {
    std::optional<Id> group, author;
    if (!req.group().empty()) {
      auto g = ResolveGroup(node_.ingestor(), req.group());
      if (!g) return Err(g.error());
      group = *g;
    }
    if (!req.author().empty()) {
      auto m = ResolveMember(node_.store(), req.author());
      if (!m) return Err(m.error());
      author = *m;
    }
    control::Response r;
    auto* out = r.mutable_ls();
    Status err;
    std::set<Id> listed;
    // A group lists its own shares and the shares republished into it.
    std::string match = Lower(req.match());
    auto add = [&](const Announcement& share) {
      if (author && share.author != *author) return true;
      if (share.created < req.since()) return true;
      if (!listed.insert(share.id).second) return true;
      const GroupState* home = node_.ingestor().Group(*share.group);
      if (!home) return true;
      control::Entry e;
      err = FillEntry(share, *home, &e);
      if (!err.ok()) return false;
      if (!req.history() && (e.superseded() || e.retracted())) return true;
      for (const auto& want : req.tags())
        if (std::find(e.tags().begin(), e.tags().end(), want) == e.tags().end()) return true;
      if (!match.empty()) {
        std::string hay = Lower(e.title() + "\n" + e.description());
        for (const auto& t : e.tags()) hay += "\n" + Lower(t);
        if (hay.find(match) == std::string::npos) return true;
      }
      *out->add_entries() = std::move(e);
      return true;
    };
    for (const auto& [gid, g] : node_.ingestor().Groups()) {
      if (group && gid != *group) continue;
      Status s = node_.store().Scan(
          Column::kGroupIndex, gid.Str(), [&](std::string_view k, std::string_view v) {
            if (v.size() != 4) return true;
            std::uint32_t kind = keys::ReadU32(v);
            if (kind != wire::KIND_SHARE && kind != wire::KIND_REPUBLISH) return true;
            auto a = node_.ingestor().Find(keys::GroupIndexId(k));
            if (!a || !*a) {
              err = a ? Status::Corruption("group index names a missing envelope") : a.error();
              return false;
            }
            if (kind == wire::KIND_SHARE) return add(**a);
            wire::Republish r;
            if (!ParseBody(**a, r)) return true;
            auto oid = Id::FromBytes(r.original());
            if (!oid) return true;
            auto original = node_.ingestor().Find(*oid);
            if (original && *original) return add(**original);
            return true;
          });
      if (!s.ok()) return Err(s);
      if (!err.ok()) return Err(err);
    }
    std::stable_sort(
        out->mutable_entries()->begin(), out->mutable_entries()->end(),
        [](const control::Entry& x, const control::Entry& y) { return x.created() < y.created(); });
    return r;
  }

  Status FillEntry(const Announcement& a, const GroupState& g, control::Entry* e) {
    wire::Share s;
    if (!ParseBody(a, s)) return Status::Corruption("stored share does not parse");
    auto root = *Id::FromBytes(s.root());
    e->set_announcement(a.id.Str());
    e->set_root(s.root());
    e->set_title(s.title());
    e->set_author(a.author.Str());
    e->set_group(g.id.Str());
    e->set_group_name(g.genesis.name());
    e->set_size(s.size());
    for (const auto& t : s.tags()) e->add_tags(t);
    e->set_created(a.created);
    e->set_note(s.note());
    e->set_filename(s.filename());
    e->set_description(s.description());
    e->set_replaces(s.supersedes());
    auto later = node_.store().Get(Column::kMeta, SupersededKey(a.id));
    if (!later) return later.error();
    e->set_superseded(later->has_value());
    auto gone = node_.ingestor().Retracted(a.id);
    if (!gone) return gone.error();
    e->set_retracted(*gone);
    bool committed = false;
    Status st = node_.store().Scan(
        Column::kRepublishes, a.id.Str(), [&](std::string_view, std::string_view v) {
          // A member republishing into two groups is one republisher.
          if (std::find(e->republished_by().begin(), e->republished_by().end(), v) ==
              e->republished_by().end())
            e->add_republished_by(std::string(v));
          if (v == node_.member().View()) committed = true;
          return true;
        });
    if (!st.ok()) return st;
    auto held = ResourceHeld(node_.store(), root);
    if (!held) return held.error();
    // A republish commits this node to hold the content: until the fetch
    // (the network's job) completes, it is pending.
    e->set_held(*held ? "yes" : committed ? "pending" : "no");
    return Status::OK();
  }

  // The root (and the share naming it, if any) of what `text` designates.
  Result<std::pair<Id, std::optional<Announcement>>> ResolveContent(const std::string& text) {
    auto ref = node::ResolveContent(node_.ingestor(), node_.store(), text);
    if (!ref) return Err(ref.error());
    if (ref->is_root) return std::pair(ref->id, std::optional<Announcement>());
    auto a = node_.ingestor().Find(ref->id);
    if (!a) return Err(a.error());
    wire::Share s;
    if ((*a)->kind != wire::KIND_SHARE || !ParseBody(**a, s))
      return Err(Status::InvalidArgument(text + " is a " + KindName((*a)->kind) +
                                         ", not a share: nothing to get"));
    return std::pair(*Id::FromBytes(s.root()), std::move(*a));
  }

  // Whether a share held here names `root`.
  bool NamedHere(const Id& root) {
    bool named = false;
    ForEachShareOf(node_.ingestor(), node_.store(), root, /*live_only=*/false,
                   [&](const Announcement&) {
                     named = true;
                     return false;
                   });
    return named;
  }

  // Peers serve a group's content to its members (DESIGN §4): say so before
  // waiting for holders that would refuse this node.
  std::optional<Status> WhyNotServed(const Id& root) {
    std::optional<Id> group;
    ForEachShareOf(node_.ingestor(), node_.store(), root, /*live_only=*/false,
                   [&](const Announcement& a) {
                     group = a.group;
                     return !group;
                   });
    if (!group || MayFetch(node_.ingestor(), node_.store(), node_.member(), root))
      return std::nullopt;
    const GroupState* g = node_.ingestor().Group(*group);
    const std::string name = g ? g->genesis.name() : group->Short();
    return Status::FailedPrecondition(
        "content " + root.Short() + " belongs to group '" + name +
        "', served to its members: join it first (praxis group join " + group->Short() + ")");
  }

  // Starts fetching `root` from the peers holding it and waits until its
  // chunk list is known, telling the client how it goes a few times a second.
  // False when the client went away (the fetch goes on: a later get resumes
  // from it).
  awaitable<Result<bool>> StartFetch(const Id& root) {
    if (!peers_)
      co_return Err(Status::NotFound("content " + root.Short() +
                                     " is not held on this node, and the node has no network"));
    if (auto why = WhyNotServed(root)) co_return Err(*why);
    if (peers_->peer_count() == 0 && !NamedHere(root))
      co_return Err(Status::NotFound("unknown announcement or content " + root.Hex() +
                                     ": not held here, and no peer is connected to ask"));
    if (Status s = peers_->Fetch(root); !s.ok()) co_return Err(s);
    asio::steady_timer tick(node_.executor());
    for (;;) {
      const FetchProgress* p = peers_->transfer().Progress(root);
      if (!p) co_return Err(Status::Cancelled("the fetch of " + root.Short() + " was dropped"));
      if (!p->failed.ok()) {
        Status failed = p->failed;
        peers_->transfer().Forget(root);
        co_return Err(failed);
      }
      control::Response r;
      auto* fp = r.mutable_fetch_progress();
      fp->set_root(root.Str());
      fp->set_size(p->size);
      fp->set_have_bytes(p->have_bytes);
      fp->set_holders(static_cast<std::uint32_t>(p->holders));
      fp->set_peers(static_cast<std::uint32_t>(p->bytes_from.size()));
      fp->set_resumed_bytes(p->resumed_bytes);
      const bool ready = p->done || p->planned;
      if (!co_await Write(r)) co_return false;
      if (ready) co_return true;
      tick.expires_after(std::chrono::milliseconds(100));
      (void)co_await tick.async_wait(kTuple);
    }
  }

  awaitable<bool> Get(const control::GetRequest& req) {
    auto content = ResolveContent(req.id());
    if (!content) {
      Status failure_ = content.error();
      co_return co_await Fail(failure_);
    }
    auto& [root, share] = *content;
    if (share) {
      auto gone = node_.ingestor().Retracted(share->id);
      if (gone && *gone) {
        Status failure_ = Status::NotFound(
            share->id.Short() + " was retracted by its author; its content is not served");
        co_return co_await Fail(failure_);
      }
    }
    auto held = ResourceHeld(node_.store(), root);
    if (!held) {
      Status failure_ = held.error();
      co_return co_await Fail(failure_);
    }
    const bool fetching = !*held;
    if (fetching) {
      auto started = co_await StartFetch(root);
      if (!started) {
        Status failure_ = started.error();
        co_return co_await Fail(failure_);
      }
      if (!*started) co_return false;  // the client went away
    }
    auto manifest = LoadManifest(node_.store(), root);
    if (!manifest) {
      Status failure_ = manifest.error();
      co_return co_await Fail(failure_);
    }
    std::vector<Id> chunks;
    Status s = ForEachChunk(node_.store(), root, [&](std::uint64_t, const Id& c) {
      chunks.push_back(c);
      return Status::OK();
    });
    if (!s.ok()) {
      Status failure_ = s;
      co_return co_await Fail(failure_);
    }
    control::Response r;
    auto* b = r.mutable_get_begin();
    b->set_root(root.Str());
    b->set_size(manifest->size());
    if (share) {
      wire::Share sh;
      ParseBody(*share, sh);
      b->set_title(sh.title());
      b->set_filename(sh.filename());
      b->set_announcement(share->id.Str());
      b->set_group(share->group->Str());
      for (const auto& t : sh.tags()) b->add_tags(t);
      b->set_note(sh.note());
      b->set_description(sh.description());
    }
    if (!co_await Write(r)) co_return false;
    // While fetching, each chunk goes to the client as soon as it is stored:
    // the file is written as the network brings it, not after.
    asio::steady_timer wait(node_.executor());
    // Read without a second BLAKE2b: each chunk's hash was checked when it
    // was stored, and RocksDB checks every blob's CRC on read.
    auto read = [&](const Id& c) -> Result<std::string> {
      auto v = node_.store().Get(Column::kChunks, c.View());
      if (!v) return Err(v.error());
      if (!*v) return Err(Status::NotFound("chunk " + c.Hex() + " not held"));
      return std::move(**v);
    };
    for (const Id& c : chunks) {
      auto bytes = read(c);
      while (!bytes && bytes.error().code() == Code::kNotFound && fetching) {
        const FetchProgress* p = peers_->transfer().Progress(root);
        if (!p || p->done || !p->failed.ok()) break;
        wait.expires_after(std::chrono::milliseconds(5));
        (void)co_await wait.async_wait(kTuple);
        bytes = read(c);
      }
      if (!bytes) {
        const FetchProgress* p = fetching ? peers_->transfer().Progress(root) : nullptr;
        Status failure_ = p && !p->failed.ok() ? p->failed : bytes.error();
        co_return co_await Fail(failure_);
      }
      control::Response d;
      d.mutable_data()->set_bytes(std::move(*bytes));
      if (!co_await Write(d)) co_return false;
    }
    control::Response end;
    if (fetching) {
      // Every chunk is stored; the fetch writes its held marker once the
      // last one is (normally before this point).
      const FetchProgress* p = peers_->transfer().Progress(root);
      if (p) end.mutable_get_end()->set_peers(static_cast<std::uint32_t>(p->bytes_from.size()));
    }
    end.mutable_get_end();
    co_return co_await Write(end);
  }

  awaitable<Result<control::Response>> Republish(const control::RepublishRequest& req) {
    auto id = ResolveAnnouncement(node_.ingestor(), node_.store(), req.announcement());
    if (!id) co_return Err(id.error());
    auto a = node_.ingestor().Find(*id);
    if (!a) co_return Err(a.error());
    if ((*a)->kind != wire::KIND_SHARE)
      co_return Err(Status::InvalidArgument(req.announcement() + " is a " + KindName((*a)->kind) +
                                            "; only shares can be republished"));
    Id into = *(*a)->group;
    if (!req.into().empty()) {
      auto g = ResolveGroup(node_.ingestor(), req.into());
      if (!g) co_return Err(g.error());
      into = *g;
    }
    if (!IsMember(into))
      co_return Err(Status::FailedPrecondition("you are not a member of group " + GroupLabel(into) +
                                               "; join it first to republish into it"));
    // A republish commits this node to keep the content (DESIGN §3).
    wire::Share share;
    ParseBody(**a, share);
    const Id root = *Id::FromBytes(share.root());
    auto held = ResourceHeld(node_.store(), root);
    if (!held) co_return Err(held.error());
    if (!*held && !req.yes())
      if (auto why = OverCommitment(share.size())) co_return Err(*why);
    wire::Republish r;
    r.set_original(id->Str());
    OwnWrite w{.kind = wire::KIND_REPUBLISH,
               .group = into,
               .body = SerializeBody(r),
               .original = std::move(**a)};
    Result<control::Response> reply = co_await PublishReply(w);
    if (reply && !*held && peers_) {
      // Fetched in the background; `ls` shows it pending until then.
      if (Status s = peers_->Fetch(root, /*beyond_size_limit=*/true); !s.ok())
        spdlog::warn("republished {}, but cannot fetch its content: {}", root.Short(), s.message());
    }
    co_return reply;
  }

  // Why committing to keep `size` more bytes needs the member's yes: over
  // the size limit, the quota, or the free disk. Nullopt when it fits.
  std::optional<Status> OverCommitment(std::uint64_t size) {
    const auto& limits = node_.storage_limits();
    auto yes = [](const std::string& what) {
      return Status::FailedPrecondition(what +
                                        ": republishing commits this node to keep it; add --yes "
                                        "to commit anyway");
    };
    if (limits.max_resource_size && size > limits.max_resource_size)
      return yes("it is " + HumanBytes(size) + ", over this node's limit of " +
                 HumanBytes(limits.max_resource_size) + " (max_resource_size)");
    if (limits.quota) {
      auto all = ListHeld(node_.store());
      if (!all) return all.error();
      std::uint64_t total = 0;
      for (const auto& h : *all) total += h.size;
      if (total + size > limits.quota)
        return yes("keeping it would hold " + HumanBytes(total + size) + ", over the quota of " +
                   HumanBytes(limits.quota));
    }
    if (limits.free_bytes) {
      auto free = limits.free_bytes();
      if (free && *free < size)
        return yes("it is " + HumanBytes(size) + " and only " + HumanBytes(*free) +
                   " of disk is free");
    }
    return std::nullopt;
  }

  // Starts (or only reports) a fetch into this node's store without
  // streaming the content back: the web page's fetch button.
  Result<control::Response> Fetch(const control::FetchRequest& req) {
    auto content = ResolveContent(req.id());
    if (!content) return Err(content.error());
    auto& [root, share] = *content;
    if (share) {
      auto gone = node_.ingestor().Retracted(share->id);
      if (gone && *gone)
        return Err(Status::NotFound(share->id.Short() +
                                    " was retracted by its author; its content is not served"));
    }
    control::Response r;
    auto* fp = r.mutable_fetch_progress();
    fp->set_root(root.Str());
    auto held = HeldSize(node_.store(), root);
    if (!held) return Err(held.error());
    if (*held) {
      fp->set_held(true);
      fp->set_size(**held);
      fp->set_have_bytes(**held);
      return r;
    }
    const FetchProgress* p = peers_ ? peers_->transfer().Progress(root) : nullptr;
    const bool running = p && !p->done && p->failed.ok();
    if (req.start() && !running) {
      if (!peers_)
        return Err(Status::NotFound("content " + root.Short() +
                                    " is not held on this node, and the node has no network"));
      if (auto why = WhyNotServed(root)) return Err(*why);
      if (peers_->peer_count() == 0 && !NamedHere(root))
        return Err(Status::NotFound("unknown announcement or content " + root.Hex() +
                                    ": not held here, and no peer is connected to ask"));
      if (Status s = peers_->Fetch(root); !s.ok()) return Err(s);
      p = peers_->transfer().Progress(root);
    }
    if (!p) return r;
    fp->set_size(p->size);
    fp->set_have_bytes(p->have_bytes);
    fp->set_holders(static_cast<std::uint32_t>(p->holders));
    fp->set_peers(static_cast<std::uint32_t>(p->bytes_from.size()));
    fp->set_resumed_bytes(p->resumed_bytes);
    fp->set_fetching(!p->done && p->failed.ok());
    fp->set_held(p->done && p->failed.ok());
    if (!p->failed.ok()) fp->set_failed(p->failed.message());
    return r;
  }

  Node& node_;
  PeerManager* peers_;
  stream::socket socket_;
  std::vector<control::Response>* collected_;
  std::string buf_;
};

awaitable<void> AcceptLoop(Node& node, PeerManager* peers, stream::acceptor& acceptor) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      spdlog::warn("control: accept failed: {}", ec.message());
      continue;
    }
    auto session = std::make_shared<Session>(node, peers, std::move(socket));
    asio::co_spawn(
        node.executor(), [session]() { return session->Run(); }, asio::detached);
  }
}

}  // namespace

awaitable<control::Response> AnswerControl(Node& node, PeerManager* peers,
                                           const control::Request& req) {
  using R = control::Request;
  switch (req.req_case()) {
    case R::kShareBegin:
    case R::kData:
    case R::kShareEnd:
    case R::kGet:
    case R::kWatch:
      co_return ErrorResponse(
          Status::InvalidArgument("this request streams: use the control socket"));
    default:
      break;
  }
  std::vector<control::Response> out;
  auto session = std::make_shared<Session>(node, peers, stream::socket(node.executor()), &out);
  bool alive = co_await session->Handle(req);
  (void)alive;
  if (out.empty()) co_return ErrorResponse(Status::IOError("the request produced no reply"));
  co_return out.back();
}

ControlServer::ControlServer(Node& node, std::string socket_path, PeerManager* peers)
    : node_(node), peers_(peers), path_(std::move(socket_path)) {}

Status ControlServer::Start() {
  std::error_code fec;
  std::filesystem::remove(path_, fec);
  // sun_path holds 107 bytes; a deeper data directory is reached through a
  // descriptor of the directory itself (the CLI connects the same way).
  std::string bind_path = path_;
  int dir_fd = -1;
  if (path_.size() >= sizeof(sockaddr_un::sun_path)) {
    auto slash = path_.rfind('/');
    std::string dir = slash == std::string::npos ? "." : path_.substr(0, slash);
    dir_fd = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0)
      return Status::IOError("cannot open " + dir +
                             " for the control socket: " + std::strerror(errno));
    bind_path = "/proc/self/fd/" + std::to_string(dir_fd) + path_.substr(slash);
    if (bind_path.size() >= sizeof(sockaddr_un::sun_path)) {
      ::close(dir_fd);
      return Status::InvalidArgument("control socket name too long: " + path_);
    }
  }
  acceptor_ = std::make_unique<stream::acceptor>(node_.executor());
  asio::error_code ec;
  acceptor_->open(stream::endpoint(bind_path).protocol(), ec);
  // Create the socket file 0600 from the start: no window where others can connect.
  mode_t old = ::umask(0177);
  if (!ec) acceptor_->bind(stream::endpoint(bind_path), ec);
  ::umask(old);
  if (dir_fd >= 0) ::close(dir_fd);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::IOError("cannot listen on control socket " + path_ + ": " + ec.message());
  asio::co_spawn(node_.executor(), AcceptLoop(node_, peers_, *acceptor_), asio::detached);
  return Status::OK();
}

void ControlServer::Stop() {
  if (acceptor_) {
    asio::error_code ec;
    acceptor_->close(ec);
  }
  std::error_code fec;
  std::filesystem::remove(path_, fec);
}

}  // namespace praxis::node
