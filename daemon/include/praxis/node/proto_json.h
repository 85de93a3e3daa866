// Control replies as JSON for the HTTP API, in the CLI's `--json` shapes
// (DESIGN §7): snake_case keys in schema order, zero values printed, counts
// as numbers (not protobuf's JSON strings), ids (bytes) as lowercase hex and
// empty ids as null.
#pragma once

#include <google/protobuf/message.h>

#include <nlohmann/json.hpp>
#include <string>

namespace praxis::node {

using ApiJson = nlohmann::ordered_json;

ApiJson ProtoToJson(const google::protobuf::Message& m);
// One line; invalid UTF-8 (titles come from other members) is replaced.
std::string DumpJson(const ApiJson& j);

}  // namespace praxis::node
