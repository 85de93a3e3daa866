#include "praxis/node/log_index.h"

#include <cstring>

#include "praxis/crypto/crypto.h"
#include "praxis/storage/keys.h"

namespace praxis::node {

using storage::Column;
namespace keys = storage::keys;

Result<LogIndex> LogIndex::Load(storage::Store& store) {
  LogIndex index;
  // kLogs keys are author | group | seq, so each log is one run and its last
  // key is its head.
  Status s = store.Scan(Column::kLogs, "", [&](std::string_view k, std::string_view v) {
    if (k.size() != 72 || v.size() < 32) return true;
    index.Advance(*Id::FromBytes(k.substr(0, 32)), *Id::FromBytes(k.substr(32, 32)),
                  keys::LogSeq(k), *Id::FromBytes(v.substr(0, 32)));
    return true;
  });
  if (!s.ok()) return Err(s);
  s = store.Scan(Column::kForks, "", [&](std::string_view k, std::string_view) {
    if (k.size() == 72)
      index.Freeze(*Id::FromBytes(k.substr(0, 32)), *Id::FromBytes(k.substr(32, 32)));
    return true;
  });
  if (!s.ok()) return Err(s);
  return index;
}

std::uint64_t LogIndex::Term(const Id& author, const Head& h) {
  crypto::Hasher hasher;
  hasher.Update(author.View());
  std::string seq;
  keys::AppendU64(seq, h.seq);
  hasher.Update(seq);
  hasher.Update(h.head.View());
  hasher.Update(h.frozen ? std::string_view("\1", 1) : std::string_view("\0", 1));
  Id digest = hasher.Finish();
  std::uint64_t term;
  std::memcpy(&term, digest.bytes.data(), sizeof term);
  return term;
}

void LogIndex::Set(const Id& author, const Id& group, const Head& h) {
  Group& g = groups_[group];
  auto [it, inserted] = g.logs.try_emplace(author, h);
  if (!inserted) {
    g.fingerprint ^= Term(author, it->second);
    it->second = h;
  }
  g.fingerprint ^= Term(author, h);
}

void LogIndex::Advance(const Id& author, const Id& group, std::uint64_t seq, const Id& head) {
  Head h{seq, head, false};
  if (const Group* g = Find(group)) {
    auto it = g->logs.find(author);
    if (it != g->logs.end()) {
      if (seq <= it->second.seq) return;
      h.frozen = it->second.frozen;
    }
  }
  Set(author, group, h);
}

void LogIndex::Freeze(const Id& author, const Id& group) {
  Head h;
  if (const Group* g = Find(group)) {
    auto it = g->logs.find(author);
    if (it != g->logs.end()) h = it->second;
  }
  if (h.frozen) return;
  h.frozen = true;
  Set(author, group, h);
}

const LogIndex::Group* LogIndex::Find(const Id& group) const {
  auto it = groups_.find(group);
  return it == groups_.end() ? nullptr : &it->second;
}

std::uint64_t LogIndex::Fingerprint(const Id& group) const {
  const Group* g = Find(group);
  return g ? g->fingerprint : 0;
}

}  // namespace praxis::node
