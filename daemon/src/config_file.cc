#include "praxis/node/config_file.h"

#include <toml++/toml.h>

#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>

namespace praxis::node {

namespace {

bool UnknownLevel(const std::string& s) {
  static const std::set<std::string> kLevels = {"trace", "debug",    "info", "warn",
                                                "error", "critical", "off"};
  return !kLevels.count(s);
}

Status Bad(const std::string& path, const toml::node& v, const std::string& why) {
  return Status::InvalidArgument(path + ":" + std::to_string(v.source().begin.line) + ": " + why);
}

}  // namespace

Status ApplyConfigText(std::string_view text, const std::string& path, DaemonOptions& o,
                       const std::set<std::string>& given) {
  toml::table t;
  try {
    t = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument(path + ":" + std::to_string(e.source().begin.line) + ": " +
                                   std::string(e.description()));
  }
  static const std::set<std::string> kKnown = {
      "data_dir",  "listen",          "log_level",         "seeds",
      "network_key", "lan",           "advertise",         "max_upload_rate",
      "max_download_rate", "max_resource_size", "quota", "role", "metrics", "log_format",
      "log_file", "author_rate"};
  static const std::map<std::string, std::uint64_t DaemonOptions::*> kBytes = {
      {"max_upload_rate", &DaemonOptions::max_upload_rate},
      {"max_download_rate", &DaemonOptions::max_download_rate},
      {"max_resource_size", &DaemonOptions::max_resource_size},
      {"quota", &DaemonOptions::quota}};
  for (auto&& [k, v] : t) {
    std::string key(k.str());
    if (!kKnown.count(key)) return Bad(path, v, "unknown key '" + key + "'");
    if (auto b = kBytes.find(key); b != kBytes.end()) {
      // Only an integer is read as one: toml++ converts a float beyond the
      // range of int64 with an undefined cast (the fuzzer found it).
      auto n = v.is_integer() ? v.value<std::int64_t>() : std::nullopt;
      if (!n || *n < 0)
        return Bad(path, v, "key '" + key + "' must be a whole number of bytes");
      if (!given.count(key)) o.*(b->second) = static_cast<std::uint64_t>(*n);
      continue;
    }
    if (key == "author_rate") {
      auto n = v.value<double>();
      if (!(v.is_integer() || v.is_floating_point()) || !n || *n < 0)
        return Bad(path, v, "key 'author_rate' must be a number >= 0");
      if (!given.count(key)) o.author_rate = *n;
      continue;
    }
    if (key == "seeds") {
      const toml::array* arr = v.as_array();
      if (!arr || !arr->is_homogeneous(toml::node_type::string))
        return Bad(path, v, "key 'seeds' must be a list of \"HOST:PORT\" strings");
      if (!given.count(key))
        for (auto&& e : *arr) o.seeds.push_back(*e.value<std::string>());
      continue;
    }
    if (key == "lan") {
      if (!v.is_boolean()) return Bad(path, v, "key 'lan' must be true or false");
      if (!given.count(key)) o.lan = *v.value<bool>();
      continue;
    }
    if (!v.is_string()) return Bad(path, v, "key '" + key + "' must be a string");
    std::string s = *v.value<std::string>();
    if (given.count(key)) continue;
    if (key == "data_dir") o.data_dir = s;
    if (key == "listen") o.listen = s;
    if (key == "log_level") o.log_level = s;
    if (key == "network_key") o.network_key = s;
    if (key == "advertise") o.advertise = s;
    if (key == "metrics") o.metrics = s;
    if (key == "log_file") o.log_file = s;
    if (key == "role" || key == "log_format") {
      const bool ok = key == "role" ? (s == "member" || s == "seed") : (s == "text" || s == "json");
      if (!ok)
        return Bad(path, v,
                   "key '" + key + "' must be " +
                       (key == "role" ? "\"member\" or \"seed\"" : "\"text\" or \"json\"") +
                       ", not '" + s + "'");
      (key == "role" ? o.role : o.log_format) = s;
    }
    if (key == "log_level" && UnknownLevel(s))
      return Bad(path, v,
                 "key 'log_level' must be one of trace, debug, info, warn, error, critical, "
                 "off, not '" + s + "'");
  }
  return Status::OK();
}

namespace {
std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

Status ApplyConfigFile(const std::string& path, DaemonOptions& o,
                       const std::set<std::string>& given) {
  auto text = ReadFile(path);
  if (!text) return Status::IOError("cannot read " + path);
  return ApplyConfigText(*text, path, o, given);
}

std::optional<std::string> ConfigLogLevel(const std::string& path) {
  auto text = ReadFile(path);
  if (!text) return std::nullopt;
  try {
    toml::table t = toml::parse(*text, path);
    if (auto level = t["log_level"].value<std::string>(); level && !UnknownLevel(*level))
      return *level;
  } catch (const toml::parse_error&) {
  }
  return std::nullopt;
}

}  // namespace praxis::node
