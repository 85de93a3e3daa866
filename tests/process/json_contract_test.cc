// The --json contract of DESIGN.md §7, for every command: stdout is exactly
// one JSON document, keys are snake_case, ids are 64-digit lowercase hex
// strings, counts are numbers. And the global options (--json, --data-dir)
// work before or after a command's words.
#include <regex>
#include <set>
#include <string>

#include "harness.h"

namespace praxis::process_test {
namespace {

const std::set<std::string> kIdKeys = {"member", "group", "announcement", "root", "author"};
const std::set<std::string> kIdListKeys = {"republished_by"};
const std::set<std::string> kNullableIdKeys = {"raised_by"};
const std::set<std::string> kCountKeys = {
    "peers",        "groups",           "announcements",        "size",        "members",
    "republishers", "min_republishers", "outside_republishers", "min_outside", "contributors"};

// Checks one value of the contract, recursively; `where` names it in messages.
void CheckContract(const Json& v, const std::string& where) {
  static const std::regex kSnake("^[a-z][a-z0-9]*(_[a-z0-9]+)*$");
  if (v.is_array()) {
    for (std::size_t i = 0; i < v.size(); ++i)
      CheckContract(v[i], where + "[" + std::to_string(i) + "]");
    return;
  }
  if (!v.is_object()) return;
  for (const auto& [key, value] : v.items()) {
    const std::string at = where + "." + key;
    EXPECT_TRUE(std::regex_match(key, kSnake)) << "key not snake_case: " << at;
    if (kIdKeys.count(key)) {
      EXPECT_TRUE(IsHexId(value)) << "id not 64 lowercase hex: " << at << " = " << value;
    } else if (kNullableIdKeys.count(key)) {
      EXPECT_TRUE(value.is_null() || IsHexId(value)) << at << " = " << value;
    } else if (kIdListKeys.count(key)) {
      EXPECT_TRUE(value.is_array()) << at << " = " << value;
      for (const auto& id : value) EXPECT_TRUE(IsHexId(id)) << at << " holds " << id;
    } else if (kCountKeys.count(key)) {
      EXPECT_TRUE(value.is_number_unsigned()) << "count not a number: " << at << " = " << value;
    }
    CheckContract(value, at);
  }
}

// Runs `praxis ARGS --json`, expects success and one JSON document of the
// given shape and keys, checks the contract, and returns the document.
Json RunJson(const TestNode& node, std::vector<std::string> args, bool array,
             const std::set<std::string>& keys) {
  std::string label = "praxis";
  for (const auto& a : args) label += " " + a;
  SCOPED_TRACE(label + " --json");
  args.push_back("--json");
  CmdResult r = node.Praxis(args);
  EXPECT_TRUE(r.ok()) << r;
  EXPECT_EQ(r.err, "") << "stderr while succeeding with --json" << r;
  Json doc;
  try {
    doc = r.JsonOut();  // throws unless the whole of stdout is one document
  } catch (const std::exception& e) {
    ADD_FAILURE() << "stdout is not exactly one JSON document: " << e.what() << r;
    return Json();
  }
  EXPECT_EQ(doc.is_array(), array) << doc;
  EXPECT_EQ(doc.is_object(), !array) << doc;
  CheckContract(doc, label);
  for (const Json& object : array ? doc : Json::array({doc})) {
    for (const auto& key : keys)
      EXPECT_TRUE(object.contains(key)) << "missing " << key << " in " << object;
  }
  return doc;
}

TEST(ProcessCli, EveryCommandPrintsOneJsonDocumentWithSnakeCaseKeysAndHexIds) {
  TestNode node;
  ASSERT_TRUE(node.Start());

  const Json status = RunJson(
      node, {"status"}, false,
      {"member", "listen", "peers", "groups", "announcements", "version", "data_dir", "key_path"});
  const Json groups_empty = RunJson(node, {"groups"}, true, {});
  EXPECT_EQ(groups_empty, Json::array());
  const Json ls_empty = RunJson(node, {"ls"}, true, {});
  EXPECT_EQ(ls_empty, Json::array());

  const Json created = RunJson(node, {"group", "create", "contract", "--tag", "t"}, false,
                               {"group", "publish_on_practice"});
  const Json other = RunJson(node, {"group", "create", "elsewhere"}, false, {"group"});
  const Json closed =
      RunJson(node, {"group", "create", "closed", "--invite-only"}, false, {"group"});
  const std::string g = created.value("group", "");
  const std::string h = other.value("group", "");
  ASSERT_TRUE(IsHexId(g) && IsHexId(h));

  RunJson(node, {"group", "leave", h}, false, {"announcement"});
  RunJson(node, {"group", "join", h}, false, {"announcement"});
  RunJson(node, {"group", "invite", closed.value("group", ""), std::string(64, 'b')}, false,
          {"announcement"});

  const std::string path = node.tmp() / "contract.bin";
  WriteFile(path, RandomBytes(600 * 1024, 7));
  const Json share =
      RunJson(node, {"share", path, "--group", g}, false, {"announcement", "root", "size"});
  RunJson(node, {"share", "--text", "a note", "--group", g}, false,
          {"announcement", "root", "size"});
  RunJson(node, {"republish", share.value("announcement", ""), "--into", h}, false,
          {"announcement"});

  const std::set<std::string> entry_keys = {"announcement", "root",           "title", "author",
                                            "group",        "size",           "tags",  "created",
                                            "held",         "republished_by", "note"};
  const Json ls = RunJson(node, {"ls"}, true, entry_keys);
  EXPECT_EQ(ls.size(), 2u);
  RunJson(node, {"ls", "--group", h}, true, entry_keys);
  RunJson(node, {"ls", "--author", status.value("member", "")}, true, entry_keys);
  const Json groups = RunJson(node, {"groups"}, true,
                              {"group", "name", "stage", "members", "invite_only",
                               "publish_on_practice", "tags", "description", "joined"});
  EXPECT_EQ(groups.size(), 3u);
  RunJson(node, {"stage", g}, false, {"group", "stage", "raised_by", "republishers"});
  RunJson(node, {"get", share.value("announcement", ""), "-o", node.tmp() / "got.bin"}, false,
          {"root", "path", "size"});
  RunJson(node, {"status"}, false, {"member"});
}

TEST(ProcessCli, GlobalOptionsWorkBeforeAndAfterTheCommandWords) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string& dir = node.data_dir();

  // The same question, with --json and --data-dir on either side.
  std::vector<std::vector<std::string>> forms = {
      {"--json", "--data-dir", dir, "status"},   {"--data-dir", dir, "--json", "status"},
      {"--data-dir", dir, "status", "--json"},   {"--json", "status", "--data-dir", dir},
      {"status", "--json", "--data-dir", dir},   {"status", "--data-dir", dir, "--json"},
      {"--data-dir=" + dir, "status", "--json"}, {"status", "--data-dir=" + dir, "--json"},
  };
  Json first;
  for (const auto& args : forms) {
    CmdResult r = Praxis(args);
    ASSERT_TRUE(r.ok()) << r;
    Json doc;
    ASSERT_NO_THROW(doc = r.JsonOut()) << r;
    if (first.is_null()) first = doc;
    EXPECT_EQ(doc, first) << r;
  }

  // $PRAXIS_HOME names the data directory when --data-dir does not, and
  // --data-dir wins over it.
  CmdResult from_env =
      RunCommand({"/usr/bin/env", "PRAXIS_HOME=" + dir, PRAXIS_BIN, "status", "--json"});
  ASSERT_TRUE(from_env.ok()) << from_env;
  EXPECT_EQ(from_env.JsonOut(), first);
  CmdResult overridden = RunCommand({"/usr/bin/env", "PRAXIS_HOME=" + (node.tmp() / "elsewhere"),
                                     PRAXIS_BIN, "--data-dir", dir, "status", "--json"});
  ASSERT_TRUE(overridden.ok()) << overridden;
  EXPECT_EQ(overridden.JsonOut(), first);

  // Commands of two words, and options of the command mixed in.
  CmdResult before = Praxis({"--json", "--data-dir", dir, "group", "create", "before"});
  ASSERT_TRUE(before.ok()) << before;
  CmdResult after = Praxis({"group", "create", "after", "--json", "--data-dir", dir});
  ASSERT_TRUE(after.ok()) << after;
  CmdResult mixed = Praxis({"group", "create", "--data-dir", dir, "mixed", "--tag", "x", "--json"});
  ASSERT_TRUE(mixed.ok()) << mixed;
  for (const CmdResult* r : {&before, &after, &mixed}) {
    Json doc;
    ASSERT_NO_THROW(doc = r->JsonOut()) << *r;
    EXPECT_TRUE(IsHexId(doc["group"])) << *r;
  }
  const Json groups = node.JsonOf({"groups"});
  EXPECT_EQ(groups.size(), 3u) << groups;

  // Without --json, the same commands print for people, not JSON.
  CmdResult text = Praxis({"status", "--data-dir", dir});
  ASSERT_TRUE(text.ok()) << text;
  EXPECT_THROW((void)text.JsonOut(), Json::exception) << text;
}

}  // namespace
}  // namespace praxis::process_test
