// What a node keeps across a crash (kill -9) and a clean restart (SIGTERM):
// every acknowledged write is durable (DESIGN.md §3), and the identity key
// persists with mode 0600.
#include <sys/stat.h>

#include <map>
#include <string>

#include "harness.h"

namespace praxis::process_test {
namespace {

constexpr std::size_t kChunk = 256 * 1024;

// One acknowledged share and the bytes it must give back.
struct Acked {
  std::string announcement;
  std::string root;
  std::string title;
  std::string content;
};

// After a restart, every acknowledged share is listed, held, and gives back
// its exact bytes.
void ExpectAllThere(const TestNode& node, const std::vector<Acked>& acked) {
  const Json ls = node.JsonOf({"ls"});
  std::map<std::string, Json> by_id;
  for (const auto& e : ls) by_id[e.value("announcement", "")] = e;
  EXPECT_EQ(ls.size(), acked.size()) << ls;
  int i = 0;
  for (const Acked& a : acked) {
    SCOPED_TRACE("share '" + a.title + "' " + a.announcement);
    auto it = by_id.find(a.announcement);
    ASSERT_NE(it, by_id.end()) << "an acknowledged share is gone after the crash";
    EXPECT_EQ(it->second["root"], a.root);
    EXPECT_EQ(it->second["title"], a.title);
    EXPECT_EQ(it->second["size"], a.content.size());
    EXPECT_EQ(it->second["held"], "yes");
    const std::string out = node.tmp() / ("check-" + std::to_string(i++));
    CmdResult r = node.Praxis({"get", a.announcement, "-o", out, "--force"});
    ASSERT_TRUE(r.ok()) << r;
    const std::string got = ReadFile(out);
    EXPECT_EQ(got.size(), a.content.size());
    EXPECT_TRUE(got == a.content) << "content differs after the crash";
  }
}

TEST(ProcessDurability, AcknowledgedSharesSurviveKill9RightAfterTheAck) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string member = node.Member();
  const std::string g = node.CreateGroup("crash course");
  ASSERT_TRUE(IsHexId(g));
  std::vector<Acked> acked;
  int n = 0;
  auto share_file = [&](std::size_t size) {
    const std::string title = "file-" + std::to_string(n) + ".bin";
    const std::string path = node.tmp() / title;
    std::string content = RandomBytes(size, 100 + n++);
    WriteFile(path, content);
    const Json r = node.ShareFile(path, g);
    ASSERT_TRUE(IsHexId(r["announcement"])) << r;
    acked.push_back({r["announcement"], r["root"], title, std::move(content)});
  };

  // Round 1: one share large enough to take the chunk path without a WAL
  // (more than 16 chunks: written unsynced, then flushed), killed at once.
  share_file(18 * kChunk + 100);
  node.Kill9();
  ASSERT_TRUE(node.Start());
  ExpectAllThere(node, acked);

  // Round 2: five quick shares of mixed sizes, one after another, then a
  // group created and the kill straight after its ack.
  for (std::size_t size : {kChunk + 1, 17 * kChunk, std::size_t{1}, 3 * kChunk, 20 * kChunk - 5})
    share_file(size);
  const std::string late_group = node.CreateGroup("created just before the crash");
  ASSERT_TRUE(IsHexId(late_group));
  node.Kill9();
  ASSERT_TRUE(node.Start());
  ExpectAllThere(node, acked);
  EXPECT_EQ(node.JsonOf({"groups"}).size(), 2u);

  // Round 3: five shares at once (their writes may share one sync), killed
  // as soon as the last one was acknowledged.
  std::vector<Running> running;
  std::vector<std::pair<std::string, std::string>> pending;  // title, content
  for (std::size_t size : {std::size_t{5}, 2 * kChunk, 17 * kChunk + 3, kChunk, 4 * kChunk}) {
    const std::string title = "together-" + std::to_string(n) + ".bin";
    const std::string path = node.tmp() / title;
    std::string content = RandomBytes(size, 100 + n++);
    WriteFile(path, content);
    pending.emplace_back(title, std::move(content));
    running.push_back(
        Spawn({PRAXIS_BIN, "--data-dir", node.data_dir(), "share", path, "--group", g, "--json"}));
  }
  for (std::size_t i = 0; i < running.size(); ++i) {
    CmdResult r = running[i].Wait();
    ASSERT_TRUE(r.ok()) << r;
    const Json j = r.JsonOut();
    acked.push_back({j["announcement"], j["root"], pending[i].first, pending[i].second});
  }
  node.Kill9();
  ASSERT_TRUE(node.Start());
  ExpectAllThere(node, acked);
  EXPECT_EQ(node.Member(), member) << "the identity changed across crashes";
  EXPECT_EQ(node.JsonOf({"stage", g})["contributors"], 1);
}

TEST(ProcessDurability, CleanRestartKeepsGroupsStagesListingsAndIdentity) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string a = node.CreateGroup("kept", {"--tag", "x", "--min-republishers", "2"});
  const std::string b = node.CreateGroup("also kept", {"--no-publish-on-practice"});
  const std::string c = node.CreateGroup("kept closed", {"--invite-only"});
  ASSERT_TRUE(IsHexId(a) && IsHexId(b) && IsHexId(c));
  const std::string path = node.tmp() / "kept.bin";
  const std::string content = RandomBytes(5 * kChunk + 9, 42);
  WriteFile(path, content);
  const Json file = node.ShareFile(path, a, {"--tag", "t"});
  const Json note = node.ShareText("kept note", b);
  ASSERT_TRUE(IsHexId(file["announcement"]) && IsHexId(note["announcement"]));
  ASSERT_TRUE(node.Praxis({"republish", file["announcement"], "--into", b}).ok());
  ASSERT_TRUE(node.Praxis({"group", "invite", c, std::string(64, 'f')}).ok());
  ASSERT_TRUE(node.Praxis({"group", "leave", b}).ok());

  auto snapshot = [&] {
    Json s = node.JsonOf({"status"});
    s.erase("listen");  // port 0: a new port on every start
    s.erase("http");    // likewise
    return Json{{"status", s},
                {"groups", node.JsonOf({"groups"})},
                {"ls", node.JsonOf({"ls"})},
                {"ls_a", node.JsonOf({"ls", "--group", a})},
                {"stage_a", node.JsonOf({"stage", a})},
                {"stage_b", node.JsonOf({"stage", b})},
                {"stage_c", node.JsonOf({"stage", c})}};
  };
  const Json before = snapshot();
  ASSERT_TRUE(node.Stop());  // SIGTERM: exits 0

  const std::string key = node.data_dir() + "/identity.key";
  EXPECT_EQ(FileMode(key), 0600u) << std::oct << "identity.key mode 0" << FileMode(key);

  ASSERT_TRUE(node.Start());
  const Json after = snapshot();
  EXPECT_EQ(after["status"]["member"], before["status"]["member"]) << "the key was not kept";
  for (const char* part : {"status", "groups", "ls", "ls_a", "stage_a", "stage_b", "stage_c"}) {
    EXPECT_EQ(after[part], before[part]) << part << " changed across a clean restart";
  }
  const std::string out = node.tmp() / "after-restart.bin";
  ASSERT_TRUE(node.Praxis({"get", file["root"], "-o", out}).ok());
  EXPECT_TRUE(ReadFile(out) == content);

  // And it keeps working where it left off.
  const Json more = node.ShareText("after the restart", a);
  EXPECT_TRUE(IsHexId(more["announcement"])) << more;
  ASSERT_TRUE(node.Stop());
  EXPECT_FALSE(Exists(node.data_dir() + "/praxis.sock")) << "a clean stop removes its socket";
}

// DESIGN.md §8: SIGTERM drains and stops cleanly. An upload still streaming
// is dropped: its client fails with one line and nothing of it is shared.
TEST(ProcessDurability, SigtermDuringAnUploadStopsCleanlyAndSharesNothing) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("interrupted");
  ASSERT_TRUE(IsHexId(g));
  const Json kept = node.ShareText("acknowledged before the stop", g);
  ASSERT_TRUE(IsHexId(kept["announcement"]));
  const Json status_before = node.JsonOf({"status"});

  const std::string fifo = node.tmp() / "slow-source";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  Running share = Spawn({PRAXIS_BIN, "--data-dir", node.data_dir(), "share", fifo, "--group", g,
                         "--title", "never finished"});
  FifoWriter source;
  ASSERT_TRUE(source.Open(fifo));
  ASSERT_TRUE(source.Write(RandomBytes(3 * kChunk, 9)));  // mid-upload: no end yet

  EXPECT_TRUE(node.Stop()) << "SIGTERM with an upload in progress";
  source.Close();
  CmdResult r = share.Wait();
  EXPECT_TRUE(FailedWithOneLine(r));

  ASSERT_TRUE(node.Start());
  const Json ls = node.JsonOf({"ls"});
  ASSERT_EQ(ls.size(), 1u) << ls;
  EXPECT_EQ(ls[0]["announcement"], kept["announcement"]);
  EXPECT_EQ(node.JsonOf({"status"})["announcements"], status_before["announcements"]);
}

}  // namespace
}  // namespace praxis::process_test
