// Files move between praxisd processes (DESIGN §4, transfer): `praxis get`
// fetches what the node does not hold from every peer that holds it,
// verified chunk by chunk, fairly shared, resumed after a crash, and bounded
// by the disk and the size limit.
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <thread>

#include "harness.h"

namespace praxis::process_test {
namespace {

constexpr std::size_t kChunk = 256 * 1024;

std::string Listen(const TestNode& n) { return n.JsonOf({"status"})["listen"]; }

// `from` dials `to` and both see the link.
void Link(const TestNode& from, const TestNode& to) {
  const std::string member = to.Member();
  (void)from.JsonOf({"connect", Listen(to)});
  ASSERT_TRUE(Eventually([&] {
    for (const auto& p : from.JsonOf({"peers"}))
      if (p["member"] == member) return true;
    return false;
  })) << from.JsonOf({"peers"});
}

// `n` holds the group's genesis (by catch-up or gossip), then joins it.
void Join(const TestNode& n, const std::string& group) {
  ASSERT_TRUE(Eventually([&] { return n.Praxis({"stage", group, "--json"}).ok(); }))
      << "the group never reached the node";
  (void)n.JsonOf({"group", "join", group});
}

std::uint64_t Transfer(const TestNode& n, const std::string& counter) {
  const Json t = n.JsonOf({"status"})["transfer"];
  return t.contains(counter) ? t[counter].get<std::uint64_t>() : 0;
}

// A member of `group` that holds `root`, fetched from `from` (and any
// other holder it is linked to).
void FetchFrom(const TestNode& n, const TestNode& from, const std::string& group,
               const std::string& root, const std::string& content) {
  Link(n, from);
  Join(n, group);
  const std::string out = n.tmp() / "copy";
  const Json got = n.JsonOf({"get", root, "-o", out});
  ASSERT_GE(got["peers"], 1) << got;  // holders met by peer exchange help too
  ASSERT_TRUE(ReadFile(out) == content);
}

class Transfers : public ::testing::Test {
 protected:
  // The first node creates a group and shares `size` bytes into it.
  void Share(std::size_t size, std::vector<std::string> daemon_args = {}) {
    ASSERT_TRUE(origin_.Start(std::move(daemon_args)));
    group_ = origin_.CreateGroup("files");
    content_ = RandomBytes(size, size);
    const std::string path = origin_.tmp() / "data.bin";
    WriteFile(path, content_);
    root_ = origin_.ShareFile(path, group_)["root"];
  }

  // Three more holders (the i-th started with `args[i]`, if given), then a
  // fetcher linked to all four and joined, not holding it yet.
  void FourHolders(std::vector<std::vector<std::string>> args = {}) {
    for (std::size_t i = 0; i < 3; ++i) {
      holders_.push_back(std::make_unique<TestNode>());
      ASSERT_TRUE(holders_.back()->Start(i < args.size() ? args[i] : std::vector<std::string>{}));
      FetchFrom(*holders_.back(), origin_, group_, root_, content_);
    }
    ASSERT_TRUE(fetcher_.Start());
    Link(fetcher_, origin_);
    for (auto& h : holders_) Link(fetcher_, *h);
    Join(fetcher_, group_);
  }

  TestNode origin_;
  std::string group_, root_, content_;
  std::vector<std::unique_ptr<TestNode>> holders_;
  TestNode fetcher_;
};

TEST_F(Transfers, OneHolderServesAMemberAndTheCopyIsByteIdentical) {
  Share(3 * kChunk + 777);
  TestNode b;
  ASSERT_TRUE(b.Start());
  Link(b, origin_);
  Join(b, group_);
  const std::string out = b.tmp() / "paper.bin";
  const Json got = b.JsonOf({"get", root_, "-o", out});
  EXPECT_EQ(got["root"], root_) << got;
  EXPECT_EQ(got["size"], content_.size()) << got;
  EXPECT_EQ(got["peers"], 1) << got;
  EXPECT_TRUE(got["seconds"].is_number()) << got;
  EXPECT_TRUE(ReadFile(out) == content_) << "the fetched copy differs from the original";
  EXPECT_EQ(Transfer(origin_, "chunks_served"), 4u);

  // Held now: listed so, served from here, and the target is never replaced
  // without --force.
  EXPECT_EQ(b.JsonOf({"ls"})[0]["held"], "yes");
  const CmdResult again = b.Praxis({"get", root_, "-o", out});
  EXPECT_NE(again.exit_code, 0);
  ASSERT_EQ(again.ErrLines().size(), 1u) << again;
  const Json local = b.JsonOf({"get", root_, "-o", out, "--force"});
  EXPECT_EQ(local["peers"], 0) << local;
  EXPECT_EQ(Transfer(origin_, "chunks_served"), 4u) << "a held resource is not fetched again";
}

TEST_F(Transfers, ANonMemberIsToldToJoinTheGroupFirst) {
  Share(kChunk);
  TestNode b;
  ASSERT_TRUE(b.Start());
  Link(b, origin_);
  ASSERT_TRUE(Eventually([&] { return b.JsonOf({"ls"}).size() == 1; }));
  const CmdResult r = b.Praxis({"get", root_, "-o", b.tmp() / "x"});
  EXPECT_NE(r.exit_code, 0);
  ASSERT_EQ(r.ErrLines().size(), 1u) << r;
  EXPECT_NE(r.ErrLines()[0].find("join it first"), std::string::npos) << r;
  EXPECT_EQ(ReadFile(b.tmp() / "x"), "");
  EXPECT_EQ(Transfer(origin_, "chunks_served"), 0u);
}

TEST_F(Transfers, FourHoldersServeOneFetchAtOnce) {
  Share(64 * kChunk + 5);
  FourHolders();
  ASSERT_FALSE(HasFatalFailure());
  auto& holders = holders_;
  TestNode& f = fetcher_;
  std::vector<std::uint64_t> before;
  before.push_back(Transfer(origin_, "bytes_served"));
  for (auto& h : holders) before.push_back(Transfer(*h, "bytes_served"));

  const std::string out = f.tmp() / "big.bin";
  const Json got = f.JsonOf({"get", root_, "-o", out});
  EXPECT_EQ(got["peers"], 4) << got;
  EXPECT_TRUE(ReadFile(out) == content_);
  std::uint64_t total = Transfer(origin_, "bytes_served") - before[0];
  EXPECT_GT(total, 0u);
  for (std::size_t i = 0; i < holders.size(); ++i) {
    const std::uint64_t served = Transfer(*holders[i], "bytes_served") - before[i + 1];
    EXPECT_GT(served, 0u) << "holder " << i << " served nothing";
    total += served;
  }
  EXPECT_GE(total, content_.size());
}

TEST_F(Transfers, AThrottledHolderDoesNotHoldUpTheFetch) {
  Share(64 * kChunk);
  FourHolders({{}, {}, {"--max-upload-rate", "2MB"}});  // the last one serves at 2 MB/s
  ASSERT_FALSE(HasFatalFailure());
  auto& holders = holders_;
  TestNode& f = fetcher_;
  const std::uint64_t slow_before = Transfer(*holders[2], "chunks_served");

  const Json got = f.JsonOf({"get", root_, "-o", f.tmp() / "big.bin"});
  EXPECT_TRUE(ReadFile(f.tmp() / "big.bin") == content_);
  const std::uint64_t slow = Transfer(*holders[2], "chunks_served") - slow_before;
  // 64 chunks: at 2 MB/s the slow one would need 8 s for all of them.
  EXPECT_LT(slow, 16u) << "the throttled holder served " << slow << " of 64 chunks; " << got;
  EXPECT_GE(got["peers"], 3) << got;
}

TEST_F(Transfers, TwoFetchersShareOneHoldersUplinkFairly) {
  Share(48 * kChunk, {"--max-upload-rate", "8MB"});
  TestNode f1, f2;
  ASSERT_TRUE(f1.Start());
  ASSERT_TRUE(f2.Start());
  for (TestNode* f : {&f1, &f2}) {
    Link(*f, origin_);
    Join(*f, group_);
  }
  const std::string m1 = f1.Member(), m2 = f2.Member();
  // Both joins reached the holder, so neither is turned away at first (and
  // asks again 2 s later, which would hand the other a head start).
  ASSERT_TRUE(Eventually([&] { return origin_.JsonOf({"stage", group_})["members"] == 3; }));
  auto get = [&](const TestNode& f) {
    return Spawn({PRAXIS_BIN, "--data-dir", f.data_dir(), "get", root_, "-o", f.tmp() / "out",
                  "--json"});
  };
  Running g1 = get(f1), g2 = get(f2);
  // Sample the holder's bytes out to each while both fetch. The two `get`s
  // start a moment apart, so the window opens once both are under way; once
  // half a file has gone out in it, each has had 40-60% of it.
  std::uint64_t b1 = 0, b2 = 0, base1 = 0, base2 = 0;
  auto sample = [&] {
    for (const auto& p : origin_.JsonOf({"peers"})) {
      if (p["member"] == m1) b1 = p["bytes_out"];
      if (p["member"] == m2) b2 = p["bytes_out"];
    }
  };
  sample();  // gossip sent before the fetches is not part of it
  const std::uint64_t start1 = b1, start2 = b2;
  ASSERT_TRUE(Eventually([&] {
    sample();
    return b1 - start1 >= 2 * kChunk && b2 - start2 >= 2 * kChunk;
  }));
  base1 = b1;
  base2 = b2;
  ASSERT_TRUE(Eventually([&] {
    sample();
    return (b1 - base1) + (b2 - base2) >= content_.size() / 2;
  }));
  const double share = static_cast<double>(b1 - base1) /
                       static_cast<double>((b1 - base1) + (b2 - base2));
  EXPECT_GE(share, 0.4) << b1 - base1 << " vs " << b2 - base2;
  EXPECT_LE(share, 0.6) << b1 - base1 << " vs " << b2 - base2;
  CmdResult r1 = g1.Wait(), r2 = g2.Wait();
  ASSERT_TRUE(r1.ok()) << r1;
  ASSERT_TRUE(r2.ok()) << r2;
  EXPECT_TRUE(ReadFile(f1.tmp() / "out") == content_);
  EXPECT_TRUE(ReadFile(f2.tmp() / "out") == content_);
}

TEST_F(Transfers, AFetchKilledMidwayResumesFromWhatIsStored) {
  Share(256 * kChunk, {"--max-upload-rate", "16MB"});  // 64 MiB, about 4 s
  TestNode f;
  ASSERT_TRUE(f.Start());
  Link(f, origin_);
  Join(f, group_);
  const std::string out = f.tmp() / "big.bin";
  Running get = Spawn({PRAXIS_BIN, "--data-dir", f.data_dir(), "get", root_, "-o", out});
  ASSERT_TRUE(Eventually([&] { return Transfer(f, "bytes_received") >= 160 * kChunk; }));
  f.Kill9();
  CmdResult interrupted = get.Wait();
  EXPECT_NE(interrupted.exit_code, 0) << interrupted;
  EXPECT_EQ(ReadFile(out), "") << "never a partial file under the target name";

  ASSERT_TRUE(f.Start());
  Link(f, origin_);
  const Json got = f.JsonOf({"get", root_, "-o", out});
  EXPECT_TRUE(ReadFile(out) == content_);
  // Only what was missing came again: chunks reach the disk when a memtable
  // (8 MiB) is flushed, so a kill loses at most two memtables' worth.
  const std::uint64_t again = Transfer(f, "bytes_received");
  EXPECT_LE(again, content_.size() - (160 - 64) * kChunk) << got;
  EXPECT_GT(again, 0u);
}

TEST_F(Transfers, TooLittleDiskOrTooLargeIsOneLineBeforeAnyChunkMoves) {
  Share(16 * kChunk);
  TestNode small_disk, small_limit;
  ::setenv("PRAXIS_TEST_FREE_BYTES", "1000000", 1);
  const auto started = small_disk.Start();
  ::unsetenv("PRAXIS_TEST_FREE_BYTES");
  ASSERT_TRUE(started);
  ASSERT_TRUE(small_limit.Start({"--max-resource-size", "1MiB"}));
  for (TestNode* n : {&small_disk, &small_limit}) {
    Link(*n, origin_);
    Join(*n, group_);
  }
  const CmdResult disk = small_disk.Praxis({"get", root_, "-o", small_disk.tmp() / "x"});
  EXPECT_NE(disk.exit_code, 0);
  ASSERT_EQ(disk.ErrLines().size(), 1u) << disk;
  EXPECT_NE(disk.ErrLines()[0].find("not enough disk space"), std::string::npos) << disk;
  const CmdResult limit = small_limit.Praxis({"get", root_, "-o", small_limit.tmp() / "x"});
  EXPECT_NE(limit.exit_code, 0);
  ASSERT_EQ(limit.ErrLines().size(), 1u) << limit;
  EXPECT_NE(limit.ErrLines()[0].find("max_resource_size"), std::string::npos) << limit;
  EXPECT_EQ(Transfer(origin_, "chunks_served"), 0u);
  EXPECT_EQ(ReadFile(small_disk.tmp() / "x"), "");
}

}  // namespace
}  // namespace praxis::process_test

namespace praxis::process_test {
namespace {

// Bytes of every regular file under `dir`: what the node really occupies.
std::uint64_t DiskUse(const std::string& dir) {
  std::uint64_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec)) n += it->file_size(ec);
  return n;
}

std::string Files(const std::string& dir) {
  std::string out;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec)) out += "\n  " + it->path().string() + " " + std::to_string(it->file_size(ec));
  return out;
}

std::string Held(const TestNode& n, const std::string& announcement) {
  const Json ls = n.JsonOf({"ls"});
  for (const auto& e : ls)
    if (e["announcement"] == announcement) return e["held"];
  return "";
}

Json DuRow(const TestNode& n, const std::string& reason) {
  const Json du = n.JsonOf({"du"});
  for (const auto& e : du["entries"])
    if (e["reason"] == reason) return e;
  return Json();
}

class Commitments : public Transfers {
 protected:
  // The origin shares `size` bytes; returns the share's announcement.
  std::string ShareMore(std::size_t size, int seed) {
    const std::string path = origin_.tmp() / ("more" + std::to_string(seed));
    WriteFile(path, RandomBytes(size, static_cast<std::uint64_t>(seed)));
    return origin_.ShareFile(path, group_)["announcement"];
  }
  // Starts `b` with `args`, links it to the origin, joins the group and waits
  // until the first share reached it (not fetched). Returns that share.
  std::string Member(TestNode& b, std::vector<std::string> args = {}) {
    EXPECT_TRUE(b.Start(std::move(args)));
    Link(b, origin_);
    Join(b, group_);
    const Json ls = origin_.JsonOf({"ls"});
    const std::string share = ls.empty() ? "" : std::string(ls[0]["announcement"]);
    EXPECT_TRUE(Eventually([&] { return !Held(b, share).empty(); }));
    return share;
  }
};

TEST_F(Commitments, ARepublishIsPublishedAtOnceAndItsContentFetchedInTheBackground) {
  Share(8 * kChunk);
  TestNode b;
  const std::string share = Member(b);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  EXPECT_EQ(Held(b, share), "no");
  (void)b.JsonOf({"republish", share});
  ASSERT_TRUE(Eventually([&] { return Held(b, share) == "yes"; })) << b.JsonOf({"ls"});
  const Json row = DuRow(b, "republish");
  ASSERT_TRUE(row.is_object()) << b.JsonOf({"du"});
  EXPECT_EQ(row["bytes"], content_.size());
  // Its own copy now serves others.
  EXPECT_EQ(Transfer(b, "fetches_done"), 1u);
}

TEST_F(Commitments, OverTheSizeLimitARepublishNeedsYesAndIsThenKept) {
  Share(8 * kChunk);
  TestNode b;
  const std::string share = Member(b, {"--max-resource-size", "1MiB"});
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  const std::uint64_t before = b.JsonOf({"status"})["announcements"];
  const CmdResult refused = b.Praxis({"republish", share});
  EXPECT_NE(refused.exit_code, 0);
  ASSERT_EQ(refused.ErrLines().size(), 1u) << refused;
  EXPECT_NE(refused.ErrLines()[0].find("--yes"), std::string::npos) << refused;
  EXPECT_EQ(b.JsonOf({"status"})["announcements"], before) << "nothing was published";
  (void)b.JsonOf({"republish", share, "--yes"});
  ASSERT_TRUE(Eventually([&] { return Held(b, share) == "yes"; })) << b.JsonOf({"ls"});
}

TEST_F(Commitments, APendingCommitmentIsFetchedAfterARestart) {
  Share(8 * kChunk);
  TestNode b;
  const std::string share = Member(b);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  // The only holder goes away before the republish.
  ASSERT_TRUE(origin_.Stop());
  (void)b.JsonOf({"republish", share});
  EXPECT_EQ(Held(b, share), "pending");
  EXPECT_TRUE(DuRow(b, "pending").is_object()) << b.JsonOf({"du"});
  ASSERT_TRUE(b.Stop());
  // Both come back; b is told where the origin is, and keeps its promise.
  ASSERT_TRUE(origin_.Start());
  ASSERT_TRUE(b.Start({"--seed", Listen(origin_)}));
  ASSERT_TRUE(Eventually([&] { return Held(b, share) == "yes"; })) << b.JsonOf({"ls"});
}

TEST_F(Commitments, DropFreesFetchedContentAndTheDiskSpaceComesBack) {
  Share(64 * kChunk);
  TestNode b;
  (void)Member(b);
  (void)b.JsonOf({"get", root_, "-o", b.tmp() / "copy"});
  ASSERT_TRUE(DuRow(b, "fetched").is_object()) << b.JsonOf({"du"});
  const std::uint64_t full = DiskUse(b.data_dir());
  const Json dropped = b.JsonOf({"drop", root_});
  EXPECT_EQ(dropped["freed_bytes"], content_.size()) << dropped;
  EXPECT_EQ(dropped["reason"], "fetched");
  EXPECT_EQ(dropped["warning"], "");
  EXPECT_FALSE(DuRow(b, "fetched").is_object()) << b.JsonOf({"du"});
  const std::uint64_t after = DiskUse(b.data_dir());
  EXPECT_LT(after + content_.size() / 2, full)
      << "disk use " << full << " -> " << after << " after dropping " << content_.size();
  // Own shares are not dropped.
  const CmdResult own = origin_.Praxis({"drop", root_});
  EXPECT_NE(own.exit_code, 0);
  ASSERT_EQ(own.ErrLines().size(), 1u) << own;
  EXPECT_NE(own.ErrLines()[0].find("retract"), std::string::npos) << own;
}

TEST_F(Commitments, DroppingARepublishedResourceWarnsThatTheCommitmentEnds) {
  Share(4 * kChunk);
  TestNode b;
  const std::string share = Member(b);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  (void)b.JsonOf({"republish", share});
  ASSERT_TRUE(Eventually([&] { return Held(b, share) == "yes"; }));
  const CmdResult r = b.Praxis({"drop", root_});
  ASSERT_TRUE(r.ok()) << r;
  ASSERT_EQ(r.ErrLines().size(), 1u) << r;
  EXPECT_NE(r.ErrLines()[0].find("warning: this ends your commitment"), std::string::npos) << r;
}

TEST_F(Commitments, OverTheQuotaTheOldestFetchedContentIsEvicted) {
  Share(12 * kChunk);
  const std::string second = ShareMore(12 * kChunk, 2);
  const std::string first = origin_.JsonOf({"ls"})[0]["announcement"] == second
                                ? std::string(origin_.JsonOf({"ls"})[1]["announcement"])
                                : std::string(origin_.JsonOf({"ls"})[0]["announcement"]);
  TestNode b;
  ASSERT_TRUE(b.Start({"--quota", "4MiB"}));  // room for one of the two (3 MiB each)
  Link(b, origin_);
  Join(b, group_);
  ASSERT_TRUE(Eventually([&] { return b.JsonOf({"ls"}).size() == 2; }));
  (void)b.JsonOf({"get", first, "-o", b.tmp() / "one"});
  EXPECT_EQ(Held(b, first), "yes");
  const std::uint64_t one = DiskUse(b.data_dir());
  (void)b.JsonOf({"get", second, "-o", b.tmp() / "two"});
  EXPECT_EQ(Held(b, second), "yes");
  EXPECT_EQ(Held(b, first), "no") << "the older fetch was not evicted";
  EXPECT_EQ(ReadFile(b.tmp() / "one").size(), 12 * kChunk) << "saved files are the member's";
  EXPECT_LT(DiskUse(b.data_dir()), one + 6 * kChunk) << "the space did not come back" << Files(b.data_dir());
}

}  // namespace
}  // namespace praxis::process_test
