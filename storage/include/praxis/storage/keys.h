// Key layouts of the store's column families. Integers are big-endian so
// that byte order is numeric order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "praxis/storage/id.h"

namespace praxis::storage::keys {

void AppendU64(std::string& out, std::uint64_t v);
void AppendU32(std::string& out, std::uint32_t v);
std::uint64_t ReadU64(std::string_view in);  // REQUIRES: in.size() >= 8
std::uint32_t ReadU32(std::string_view in);  // REQUIRES: in.size() >= 4

// kLogs: author | log group | seq
std::string LogPrefix(const Id& author, const Id& log_group);
std::string Log(const Id& author, const Id& log_group, std::uint64_t seq);
std::uint64_t LogSeq(std::string_view key);  // REQUIRES: a key made by Log()

// kGroupIndex: group | created | id
std::string GroupIndex(const Id& group, std::uint64_t created, const Id& id);
Id GroupIndexId(std::string_view key);  // REQUIRES: a key made by GroupIndex()
std::uint64_t GroupIndexCreated(std::string_view key);

// kByRoot: root | share id ; kRepublishes: original | republish id
std::string Pair(const Id& a, const Id& b);
Id PairSecond(std::string_view key);  // REQUIRES: a key made by Pair()

}  // namespace praxis::storage::keys
