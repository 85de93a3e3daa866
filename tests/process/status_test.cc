// praxis status against a freshly started praxisd.
#include <sys/stat.h>

#include <string>

#include "harness.h"

namespace praxis::process_test {
namespace {

TEST(ProcessCli, StatusOfFreshNodeShowsIdentityListenAddressAndZeroCounts) {
  TestNode node;
  ASSERT_TRUE(node.Start());

  CmdResult r = node.Praxis({"status", "--json"});
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_EQ(r.err, "") << r;
  const Json s = r.JsonOut();
  ASSERT_TRUE(s.is_object()) << r;

  EXPECT_TRUE(IsHexId(s["member"])) << s;

  // 127.0.0.1:PORT with the port actually bound, not the 0 we asked for.
  ASSERT_TRUE(s["listen"].is_string()) << s;
  const std::string listen = s["listen"];
  const std::string prefix = "127.0.0.1:";
  ASSERT_TRUE(listen.starts_with(prefix)) << listen;
  const std::string port_text = listen.substr(prefix.size());
  ASSERT_FALSE(port_text.empty()) << listen;
  ASSERT_EQ(port_text.find_first_not_of("0123456789"), std::string::npos) << listen;
  const long port = std::stol(port_text);
  EXPECT_GT(port, 0) << listen;
  EXPECT_LE(port, 65535) << listen;

  for (const char* count : {"peers", "groups", "announcements"}) {
    ASSERT_TRUE(s[count].is_number_unsigned()) << count << " in " << s;
    EXPECT_EQ(s[count].get<std::uint64_t>(), 0u) << count << " in " << s;
  }
  ASSERT_TRUE(s["version"].is_string()) << s;
  EXPECT_FALSE(s["version"].get<std::string>().empty()) << s;
  EXPECT_EQ(s["data_dir"], node.data_dir()) << s;
  EXPECT_EQ(s["key_path"], node.data_dir() + "/identity.key") << s;
}

TEST(ProcessCli, StatusTextNamesTheSameMember) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string member = node.Member();
  ASSERT_TRUE(IsHexId(member));

  CmdResult text = node.Praxis({"status"});
  ASSERT_TRUE(text.ok()) << text;
  EXPECT_NE(text.out.find(member), std::string::npos) << text;
  EXPECT_THROW((void)text.JsonOut(), Json::exception) << "text output should be for people";
}

TEST(ProcessCli, StatusCountsGroupsAndAnnouncements) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("counted");
  ASSERT_TRUE(IsHexId(g));
  ASSERT_TRUE(IsHexId(node.ShareText("a note", g)["announcement"]));

  const Json s = node.JsonOf({"status"});
  EXPECT_EQ(s["groups"], 1) << s;
  EXPECT_EQ(s["announcements"], 2) << s;  // the genesis and the share
}

// The CLI reaches a socket whose path is longer than sockaddr_un allows
// (control_client.cc: "home and test directories can be deeper"); the daemon
// must be able to listen there too.
TEST(ProcessCli, NodeRunsInADeepDataDirectory) {
  TempDir tmp;
  std::string dir = tmp.path();
  for (int i = 0; i < 3; ++i) {
    dir += "/" + std::string(40, static_cast<char>('a' + i));
    ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0) << dir;
  }
  dir += "/node";
  ASSERT_GT((dir + "/praxis.sock").size(), 108u) << "not deep enough to test anything";
  Daemon daemon(dir, tmp / "praxisd");
  ASSERT_TRUE(daemon.Start());
  CmdResult r = Praxis({"--data-dir", dir, "status", "--json"});
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_EQ(r.JsonOut()["data_dir"], dir);
}

}  // namespace
}  // namespace praxis::process_test
