// The configuration file: every key documented in the example, one line
// naming file, line and key for every mistake, flags winning over the file.
#include "praxis/node/config_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <sstream>

namespace praxis::node {
namespace {

Status Apply(const std::string& text, DaemonOptions& o, const std::set<std::string>& given = {}) {
  return ApplyConfigText(text, "praxis.toml", o, given);
}

TEST(ConfigFile, EveryKeyIsDocumentedInTheExampleAndTheExampleUncommentedParses) {
  std::ifstream in(PRAXIS_EXAMPLE_CONFIG);
  ASSERT_TRUE(in) << PRAXIS_EXAMPLE_CONFIG;
  std::string example((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const std::string& key : ConfigKeys())
    EXPECT_NE(example.find("# " + key + " = "), std::string::npos)
        << key << " is not documented in deploy/praxis.example.toml";
  // Each documented "# key = value" line, uncommented, is a valid setting
  // (placeholders aside).
  std::istringstream lines(example);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# ", 0) != 0 || line.find(" = ") == std::string::npos) continue;
    const std::string setting = line.substr(2);
    if (setting.find('<') != std::string::npos || setting.find("…") != std::string::npos)
      continue;
    if (setting.find(' ') != setting.find(" = ")) continue;  // prose, not a key
    DaemonOptions o;
    Status s = Apply(setting + "\n", o);
    EXPECT_TRUE(s.ok()) << setting << ": " << s.message();
  }
}

TEST(ConfigFile, ValuesLandInTheirOptions) {
  DaemonOptions o;
  ASSERT_TRUE(Apply("role = \"seed\"\nseed_min_members = 5\nseed_min_age = 60\n"
                    "seed_group_quota = 1000\ndb_cache = 4096\nmax_group_announcements = 9\n"
                    "seeds = [\"a:1\", \"b:2\"]\nauthor_rate = 2.5\nlan = true\n",
                    o)
                  .ok());
  EXPECT_EQ(o.role, "seed");
  EXPECT_EQ(o.seed_min_members, 5u);
  EXPECT_EQ(o.seed_min_age, 60u);
  EXPECT_EQ(o.seed_group_quota, 1000u);
  EXPECT_EQ(o.db_cache, 4096u);
  EXPECT_EQ(o.max_group_announcements, 9u);
  EXPECT_EQ(o.seeds, (std::vector<std::string>{"a:1", "b:2"}));
  EXPECT_EQ(o.author_rate, 2.5);
  EXPECT_TRUE(o.lan);
}

TEST(ConfigFile, MistakesNameFileLineAndKey) {
  struct Case {
    const char* text;
    const char* want;
  } cases[] = {
      {"listen = \"x:1\"\nrole = \"king\"\n", "praxis.toml:2: key 'role' must be \"member\" or \"seed\", not 'king'"},
      {"\n\nmetricz = 1\n", "praxis.toml:3: unknown key 'metricz'"},
      {"quota = -1\n", "praxis.toml:1: key 'quota' must be a whole number of bytes"},
      {"quota = 2.2e33\n", "praxis.toml:1: key 'quota' must be a whole number of bytes"},
      {"seed_min_members = \"three\"\n", "praxis.toml:1: key 'seed_min_members' must be a whole"},
      {"seed_groups = [1, 2]\n", "praxis.toml:1: key 'seed_groups' must be a list of group ids"},
      {"lan = \"yes\"\n", "praxis.toml:1: key 'lan' must be true or false"},
      {"log_level = \"loud\"\n", "praxis.toml:1: key 'log_level' must be"},
      {"listen = \n", "praxis.toml:1: "},
  };
  for (const auto& c : cases) {
    DaemonOptions o;
    Status s = Apply(c.text, o);
    ASSERT_FALSE(s.ok()) << c.text;
    EXPECT_EQ(s.message().rfind(c.want, 0), 0u) << s.message();
    EXPECT_EQ(s.message().find('\n'), std::string::npos) << "one line: " << s.message();
  }
}

TEST(ConfigFile, AFlagWinsButTheFilesValueMustStillBeSound) {
  DaemonOptions o;
  o.quota = 777;
  ASSERT_TRUE(Apply("quota = 12345\n", o, {"quota"}).ok());
  EXPECT_EQ(o.quota, 777u);
  EXPECT_FALSE(Apply("quota = \"lots\"\n", o, {"quota"}).ok());
}

}  // namespace
}  // namespace praxis::node
