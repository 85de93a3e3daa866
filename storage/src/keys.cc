#include "praxis/storage/keys.h"

namespace praxis::storage::keys {

void AppendU64(std::string& out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
}
void AppendU32(std::string& out, std::uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
}
std::uint64_t ReadU64(std::string_view in) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | static_cast<std::uint8_t>(in[i]);
  return v;
}
std::uint32_t ReadU32(std::string_view in) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = v << 8 | static_cast<std::uint8_t>(in[i]);
  return v;
}

std::string LogPrefix(const Id& author, const Id& log_group) {
  std::string k;
  k.reserve(72);
  k.append(author.View());
  k.append(log_group.View());
  return k;
}
std::string Log(const Id& author, const Id& log_group, std::uint64_t seq) {
  std::string k = LogPrefix(author, log_group);
  AppendU64(k, seq);
  return k;
}
std::uint64_t LogSeq(std::string_view key) { return ReadU64(key.substr(64)); }

std::string GroupIndex(const Id& group, std::uint64_t created, const Id& id) {
  std::string k;
  k.reserve(72);
  k.append(group.View());
  AppendU64(k, created);
  k.append(id.View());
  return k;
}
Id GroupIndexId(std::string_view key) { return *Id::FromBytes(key.substr(40, 32)); }
std::uint64_t GroupIndexCreated(std::string_view key) { return ReadU64(key.substr(32)); }

std::string Pair(const Id& a, const Id& b) {
  std::string k;
  k.reserve(64);
  k.append(a.View());
  k.append(b.View());
  return k;
}
Id PairSecond(std::string_view key) { return *Id::FromBytes(key.substr(32, 32)); }

}  // namespace praxis::storage::keys
