#include "praxis/node/node.h"

#include <spdlog/spdlog.h>

#include <asio/post.hpp>
#include <chrono>
#include <latch>

namespace praxis::node {

Node::Node(asio::any_io_executor ex, asio::thread_pool& pool, storage::Store& store,
           std::unique_ptr<Ingestor> ingestor, crypto::KeyPair key, NodeOptions opts)
    : ex_(std::move(ex)),
      pool_(pool),
      store_(store),
      ingestor_(std::move(ingestor)),
      key_(std::move(key)),
      opts_(std::move(opts)) {
  invites_ = InviteBook::Open(store_, *ingestor_, member());
  deny_ = std::make_unique<DenyList>(store_);
  if (!deny_->load_status().ok())
    spdlog::warn("cannot read the deny list: {}", deny_->load_status().message());
  ingestor_->set_refuse([this](const Announcement& a) { return deny_->Refuses(a); });
  auto imported = store_.Get(storage::Column::kMeta, kImportedKey);
  imported_ = imported && imported->has_value();
  if (!opts_.now_ms) {
    opts_.now_ms = [] {
      return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count());
    };
  }
}

void Node::NoteCaughtUp(const Id& group) {
  if (!imported_) return;
  const std::string key = std::string(kCaughtUpPrefix) + group.Str();
  auto held = store_.Get(storage::Column::kMeta, key);
  if (!held || held->has_value()) return;
  storage::WriteSet ws;
  ws.Put(storage::Column::kMeta, key, "");
  if (Status s = store_.Write(ws, storage::Durability::kWal); !s.ok())
    spdlog::warn("cannot record catch-up of group {}: {}", group.Short(), s.message());
}

void Node::NoteOwnLogAhead(const Id& group, std::uint64_t seq) {
  auto& known = own_ahead_[group];
  if (seq <= known) return;
  known = seq;
  spdlog::warn(
      "a peer holds this identity's posts in group {} up to seq {} that this node lacks: is "
      "the identity in use on another machine? Posting there waits until they arrive.",
      group.Short(), seq);
}

Status Node::MaySignInto(const Id& log_group) {
  if (auto it = own_ahead_.find(log_group); it != own_ahead_.end()) {
    auto head = ingestor_->Head(member(), log_group);
    if (!head) return head.error();
    if (head->seq < it->second)
      return Status::FailedPrecondition(
          "this identity has posts this node lacks in this group (a peer holds seq " +
          std::to_string(it->second) + ", this node " + std::to_string(head->seq) +
          "): in use on another machine? praxisd posts again once it holds them");
    own_ahead_.erase(it);  // they arrived: this node holds all a peer showed
    NoteCaughtUp(log_group);
  }
  if (!imported_) return Status::OK();
  auto caught = store_.Get(storage::Column::kMeta, std::string(kCaughtUpPrefix) + log_group.Str());
  if (!caught) return caught.error();
  if (caught->has_value()) return Status::OK();
  std::string name = log_group.Short();
  if (const GroupState* g = ingestor_->Group(log_group)) name = "'" + g->genesis.name() + "'";
  return Status::FailedPrecondition(
      "this identity was imported: praxisd signs nothing in group " + name +
      " until it has caught up your earlier announcements there from peers, and no peer is "
      "connected");
}

void Node::Publish(OwnWrite w, Done done) {
  queue_.push_back({std::move(w), std::move(done)});
  if (!writing_) StartBatch();
}

void Node::RunOnPool(std::function<Status()> fn, std::function<void(Status)> done) {
  asio::post(pool_, [this, fn = std::move(fn), done = std::move(done)]() mutable {
    Status s = fn();
    asio::post(ex_, [s = std::move(s), done = std::move(done)]() mutable { done(std::move(s)); });
  });
}

void Node::Drain(std::function<void()> done) {
  if (!writing_ && queue_.empty()) return done();
  drain_waiters_.push_back(std::move(done));
}

void Node::StartBatch() {
  writing_ = true;
  storage::WriteSet ws;
  std::vector<std::pair<Result<Announcement>, Done>> results;
  // Every head read here is durable: a batch starts only after the previous
  // one was synced, so seq = last durable own seq + 1.
  while (!queue_.empty()) {
    Queued q = std::move(queue_.front());
    queue_.pop_front();
    Draft d{.group = q.w.group, .kind = q.w.kind, .body = std::move(q.w.body)};
    std::uint64_t created = NowMs();
    if (q.w.kind == wire::KIND_GENESIS) {
      d.seq = 1;
    } else {
      Id log_group = q.w.group.value_or(kNoGroup);
      if (Status may = MaySignInto(log_group); !may.ok()) {
        results.emplace_back(Err(may), std::move(q.done));
        continue;
      }
      auto head = ingestor_->Head(member(), log_group);
      if (!head) {
        results.emplace_back(Err(head.error()), std::move(q.done));
        continue;
      }
      d.seq = head->seq + 1;
      if (head->seq) d.prev = head->id;
      // Strictly after our previous announcement, so our own join always
      // precedes our own republish in the canonical (created, id) order.
      if (head->seq) created = std::max(created, head->created + 1);
      if (q.w.group)
        if (const GroupState* g = ingestor_->Group(*q.w.group))
          created = std::max(created, g->created);
      if (q.w.original) created = std::max(created, q.w.original->created);
    }
    d.created = std::max(created, q.w.not_before);
    Announcement a = SignDraft(key_, d);
    if (q.w.pending_join) {
      // Judged by the group's members, who hold what this node lacks.
      ws.Put(storage::Column::kMeta, PendingJoinKey(*q.w.group), a.envelope);
      results.emplace_back(std::move(a), std::move(q.done));
      continue;
    }
    IngestOutcome o = ingestor_->Apply(a, q.w.original ? &*q.w.original : nullptr, ws);
    if (!o.ok()) {
      results.emplace_back(Err(Status::FailedPrecondition(o.reason)), std::move(q.done));
      continue;
    }
    // A group this imported identity creates has no earlier log to catch up.
    if (imported_ && a.kind == wire::KIND_GENESIS)
      ws.Put(storage::Column::kMeta, std::string(kCaughtUpPrefix) + a.id.Str(), "");
    ws.Append(std::move(q.w.extra));
    results.emplace_back(std::move(a), std::move(q.done));
  }
  if (ws.empty()) {
    FinishBatch(Status::OK(), std::move(results));
    return;
  }
  auto shared_ws = std::make_shared<storage::WriteSet>(std::move(ws));
  auto shared_results =
      std::make_shared<std::vector<std::pair<Result<Announcement>, Done>>>(std::move(results));
  RunOnPool(
      [this, shared_ws] { return store_.Write(*shared_ws, storage::Durability::kSync); },
      [this, shared_results](Status s) { FinishBatch(std::move(s), std::move(*shared_results)); });
}

void Node::FinishBatch(Status written, std::vector<std::pair<Result<Announcement>, Done>> results) {
  if (written.ok()) {
    std::vector<Id> ids;
    for (const auto& r : results)
      if (r.first) ids.push_back(r.first->id);
    ingestor_->Committed(ids);
  } else {
    // Nothing of this batch is durable: forget what was staged in memory.
    (void)ingestor_->Reset();
  }
  for (auto& [r, done] : results) {
    if (!written.ok() && r) r = Err(Status::IOError("could not store: " + written.message()));
    if (written.ok() && r) {
      if (r->kind == wire::KIND_JOIN && r->group && !ingestor_->Held(r->id)) {
        invites_->Pending(*r);  // held nowhere yet: the caller sends it to members
      } else {
        if (on_durable_) on_durable_(*r);
        Emit(*r, true);
      }
    }
    done(std::move(r));
  }
  writing_ = false;
  if (!queue_.empty()) {
    StartBatch();
    return;
  }
  auto waiters = std::move(drain_waiters_);
  drain_waiters_.clear();
  for (auto& w : waiters) w();
}

ParallelFor Node::PoolFor() {
  return [this](std::size_t n, const std::function<void(std::size_t)>& fn) {
    constexpr std::size_t kHelpers = 2;  // the pool's threads
    if (n < 16) {
      for (std::size_t i = 0; i < n; ++i) fn(i);
      return;
    }
    const std::size_t stride = kHelpers + 1;
    std::latch done(kHelpers);
    for (std::size_t h = 1; h <= kHelpers; ++h)
      asio::post(pool_, [&, h] {
        for (std::size_t i = h; i < n; i += stride) fn(i);
        done.count_down();
      });
    for (std::size_t i = 0; i < n; i += stride) fn(i);
    done.wait();
  };
}

Node::~Node() { ingestor_->RemoveAcceptedListener(accepted_listener_); }

std::size_t Node::Watch(WatchFn fn) {
  if (!accepted_listener_)
    accepted_listener_ = ingestor_->AddAcceptedListener(
        [this](const Announcement& a, const Announcement*) { Emit(a, a.author == member()); });
  watchers_.emplace(next_watch_, std::move(fn));
  return next_watch_++;
}

void Node::ReceiveInvite(const Announcement& invite, const Id& from) {
  if (invite.group) invites_->NoteMemberOf(*invite.group, from);
  auto added = invites_->Add(invite);
  if (!added) {
    spdlog::warn("cannot keep an invite: {}", added.error().message());
    return;
  }
  if (!*added) return;
  spdlog::info("invited into group {} by {}", invite.group->Short(), invite.author.Short());
  Emit(invite, false);
}

void Node::Unwatch(std::size_t token) { watchers_.erase(token); }

void Node::Emit(const Announcement& a, bool own) {
  if (watchers_.empty()) return;
  const auto mono = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::steady_clock::now().time_since_epoch());
  NodeEvent e{a, own, NowMs(), static_cast<std::uint64_t>(mono.count())};
  auto watchers = watchers_;  // a watcher may unwatch itself
  for (const auto& [token, fn] : watchers) fn(e);
}

}  // namespace praxis::node
