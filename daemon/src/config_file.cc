#include "praxis/node/config_file.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <variant>
#include <vector>

namespace praxis::node {

namespace {

using O = DaemonOptions;

// What a key holds and where it goes.
struct Bytes {
  std::uint64_t O::*field;
};
struct Count {
  std::uint64_t O::*field;
};
struct Number {
  double O::*field;
};
struct Flag {
  bool O::*field;
};
struct Text {
  std::string O::*field;
  std::vector<std::string> choices;  // empty: any string
};
struct List {
  std::vector<std::string> O::*field;
  const char* what;  // what each element is, for the message
};
using Spec = std::variant<Bytes, Count, Number, Flag, Text, List>;

const std::map<std::string, Spec>& Specs() {
  static const std::map<std::string, Spec> kSpecs = {
      {"data_dir", Text{&O::data_dir, {}}},
      {"listen", Text{&O::listen, {}}},
      {"log_level",
       Text{&O::log_level, {"trace", "debug", "info", "warn", "error", "critical", "off"}}},
      {"seeds", List{&O::seeds, "\"HOST:PORT\" strings"}},
      {"network_key", Text{&O::network_key, {}}},
      {"lan", Flag{&O::lan}},
      {"advertise", Text{&O::advertise, {}}},
      {"max_upload_rate", Bytes{&O::max_upload_rate}},
      {"max_download_rate", Bytes{&O::max_download_rate}},
      {"max_resource_size", Bytes{&O::max_resource_size}},
      {"quota", Bytes{&O::quota}},
      {"role", Text{&O::role, {"member", "seed"}}},
      {"metrics", Text{&O::metrics, {}}},
      {"http", Text{&O::http, {}}},
      {"log_format", Text{&O::log_format, {"text", "json"}}},
      {"log_file", Text{&O::log_file, {}}},
      {"author_rate", Number{&O::author_rate}},
      {"db_cache", Bytes{&O::db_cache}},
      {"db_write_buffer", Bytes{&O::db_write_buffer}},
      {"max_author_announcements", Count{&O::max_author_announcements}},
      {"max_group_announcements", Count{&O::max_group_announcements}},
      {"seed_min_members", Count{&O::seed_min_members}},
      {"seed_min_age", Count{&O::seed_min_age}},
      {"seed_groups", List{&O::seed_groups, "group ids (64 hex digits)"}},
      {"seed_group_quota", Bytes{&O::seed_group_quota}},
  };
  return kSpecs;
}

std::string Quoted(const std::vector<std::string>& choices) {
  std::string out;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    if (i) out += i + 1 == choices.size() ? " or " : ", ";
    out += "\"" + choices[i] + "\"";
  }
  return out;
}

// Sets o's field from v; the reason when v does not fit.
std::optional<std::string> Assign(const Spec& spec, const toml::node& v, O& o) {
  struct Visitor {
    const toml::node& v;
    O& o;
    // is_integer() first: value<int64_t>() of a float beyond int64 is an
    // undefined cast inside toml++ (found by the config fuzz target).
    std::optional<std::string> operator()(const Bytes& b) {
      if (!v.is_integer()) return "must be a whole number of bytes";
      auto n = v.value<std::int64_t>();
      if (!n || *n < 0) return "must be a whole number of bytes";
      o.*b.field = static_cast<std::uint64_t>(*n);
      return std::nullopt;
    }
    std::optional<std::string> operator()(const Count& c) {
      if (!v.is_integer()) return "must be a whole number >= 0";
      auto n = v.value<std::int64_t>();
      if (!n || *n < 0) return "must be a whole number >= 0";
      o.*c.field = static_cast<std::uint64_t>(*n);
      return std::nullopt;
    }
    std::optional<std::string> operator()(const Number& x) {
      auto n = v.value<double>();
      if (!(v.is_integer() || v.is_floating_point()) || !n || *n < 0)
        return "must be a number >= 0";
      o.*x.field = *n;
      return std::nullopt;
    }
    std::optional<std::string> operator()(const Flag& f) {
      if (!v.is_boolean()) return "must be true or false";
      o.*f.field = *v.value<bool>();
      return std::nullopt;
    }
    std::optional<std::string> operator()(const Text& t) {
      if (!v.is_string()) return "must be a string";
      std::string s = *v.value<std::string>();
      if (!t.choices.empty() && std::find(t.choices.begin(), t.choices.end(), s) == t.choices.end())
        return "must be " + Quoted(t.choices) + ", not '" + s + "'";
      o.*t.field = std::move(s);
      return std::nullopt;
    }
    std::optional<std::string> operator()(const List& l) {
      const toml::array* arr = v.as_array();
      if (!arr || !arr->is_homogeneous(toml::node_type::string))
        return std::string("must be a list of ") + l.what;
      std::vector<std::string> out;
      for (auto&& e : *arr) out.push_back(*e.value<std::string>());
      o.*l.field = std::move(out);
      return std::nullopt;
    }
  };
  return std::visit(Visitor{v, o}, spec);
}

bool KnownLogLevel(std::string_view level) {
  const auto& choices = std::get<Text>(Specs().at("log_level")).choices;
  return std::find(choices.begin(), choices.end(), level) != choices.end();
}

}  // namespace

const std::set<std::string>& ConfigKeys() {
  static const std::set<std::string> kKeys = [] {
    std::set<std::string> keys;
    for (const auto& [k, spec] : Specs()) keys.insert(k);
    return keys;
  }();
  return kKeys;
}

Status ApplyConfigText(std::string_view text, const std::string& path, DaemonOptions& o,
                       const std::set<std::string>& given) {
  toml::table t;
  try {
    t = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument(path + ":" + std::to_string(e.source().begin.line) + ": " +
                                   std::string(e.description()));
  }
  for (auto&& [k, v] : t) {
    const std::string key(k.str());
    const std::string where = path + ":" + std::to_string(v.source().begin.line) + ": ";
    auto spec = Specs().find(key);
    if (spec == Specs().end()) return Status::InvalidArgument(where + "unknown key '" + key + "'");
    // A flag wins, but the file's value must still be sound.
    DaemonOptions scratch;
    if (auto why = Assign(spec->second, v, given.count(key) ? scratch : o))
      return Status::InvalidArgument(where + "key '" + key + "' " + *why);
  }
  return Status::OK();
}

Status ApplyConfigFile(const std::string& path, DaemonOptions& o,
                       const std::set<std::string>& given) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read the configuration file " + path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return ApplyConfigText(text, path, o, given);
}

std::optional<std::string> ConfigLogLevel(const std::string& path) {
  try {
    toml::table t = toml::parse_file(path);
    if (auto level = t["log_level"].value<std::string>(); level && KnownLogLevel(*level))
      return *level;
  } catch (const toml::parse_error&) {
  }
  return std::nullopt;
}

}  // namespace praxis::node
