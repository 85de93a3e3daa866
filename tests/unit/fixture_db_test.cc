// A database written by an earlier praxisd (tests/fixtures/db-v1) must open
// and mean the same thing in this version.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "praxis/node/ingestor.h"
#include "praxis/node/resource.h"
#include "testutil/content.h"
#include "testutil/temp_dir.h"

namespace praxis::node {
namespace {

std::map<std::string, std::string> ReadExpect(const std::string& path) {
  std::map<std::string, std::string> m;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    auto sp = line.find(' ');
    if (sp != std::string::npos) m[line.substr(0, sp)] = line.substr(sp + 1);
  }
  return m;
}

TEST(FixtureDb, SchemaV1DatabaseOpensWithItsContent) {
  crypto::InitCrypto();
  auto expect = ReadExpect(std::string(PRAXIS_FIXTURES_DIR) + "/db-v1.expect");
  ASSERT_EQ(expect.size(), 8u);
  testutil::TempDir dir;
  // Open a copy: opening may replay the WAL, and the fixture stays pristine.
  std::filesystem::copy(std::string(PRAXIS_FIXTURES_DIR) + "/db-v1", dir.Sub("db"));
  auto store = storage::OpenRocksStore({.path = dir.Sub("db"), .create_if_missing = false});
  ASSERT_TRUE(store) << store.error().ToString();
  auto ing = Ingestor::Open(**store, {});
  ASSERT_TRUE(ing) << ing.error().ToString();

  EXPECT_EQ((*ing)->accepted_total(), std::stoul(expect["announcements"]));
  const GroupState* g = (*ing)->Group(*Id::FromHex(expect["group"]));
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->genesis.name(), expect["group_name"]);
  EXPECT_EQ(g->engine->Rules().min_republishers, 1u);

  auto share = (*ing)->Find(*Id::FromHex(expect["share"]));
  ASSERT_TRUE(share && *share);
  EXPECT_EQ((*share)->author.Hex(), expect["member"]);
  EXPECT_TRUE((*ing)->Held(*Id::FromHex(expect["republish"])));

  Id root = *Id::FromHex(expect["root"]);
  EXPECT_TRUE(*ResourceHeld(**store, root));
  auto content = testutil::ReadResource(**store, root);
  ASSERT_TRUE(content);
  EXPECT_EQ(*content, expect["content"]);
}

}  // namespace
}  // namespace praxis::node
