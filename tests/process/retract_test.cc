// praxis retract (DESIGN.md §3 "retract", docs/design-notes.md "Retract"):
// the author asks every node to stop serving a share; this node drops the
// content unless another live share names the same bytes, and the share
// disappears from `ls` but stays in `ls --history` as retracted.
#include <sys/stat.h>

#include <string>

#include "harness.h"

namespace praxis::process_test {
namespace {

// Five whole 256 KiB chunks and a partial one.
constexpr std::size_t kFileSize = 5 * 256 * 1024 + 4321;

Json FindEntry(const Json& ls, const Json& announcement) {
  for (const auto& e : ls)
    if (e["announcement"] == announcement) return e;
  return Json();
}

// What the node says it stores: du's total and status's content_bytes.
struct Holdings {
  Json du_total;
  Json content_bytes;
  Json resources;
};
Holdings HoldingsOf(const TestNode& node) {
  const Json du = node.JsonOf({"du"});
  const Json st = node.JsonOf({"status"});
  return {du["total_bytes"], st["content_bytes"], st["resources"]};
}

TEST(ProcessRetract, RetractDropsTheContentAndHidesTheShare) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("takebacks");
  ASSERT_TRUE(IsHexId(g));
  const std::string keep_text = "this note stays";
  const Json keep = node.ShareText(keep_text, g);
  ASSERT_TRUE(IsHexId(keep["announcement"]));
  const Holdings before = HoldingsOf(node);
  ASSERT_TRUE(before.du_total.is_number() && before.content_bytes.is_number());

  const std::string content = RandomBytes(kFileSize, 31);
  const std::string path = node.tmp() / "regret.bin";
  WriteFile(path, content);
  const Json share = node.ShareFile(path, g);
  ASSERT_TRUE(IsHexId(share["announcement"])) << share;
  const std::string id = share["announcement"];
  const std::string root = share["root"];

  const Holdings with = HoldingsOf(node);
  EXPECT_EQ(with.du_total, before.du_total.get<std::uint64_t>() + kFileSize);
  EXPECT_EQ(with.content_bytes, before.content_bytes.get<std::uint64_t>() + kFileSize);
  EXPECT_EQ(with.resources, before.resources.get<std::uint64_t>() + 1);
  const Json du = node.JsonOf({"du"});
  bool own_row = false;
  for (const auto& e : du["entries"])
    if (e["group"] == g && e["reason"] == "own-share" && e["bytes"] == kFileSize + keep_text.size())
      own_row = true;
  EXPECT_TRUE(own_row) << "du has no own-share row for the group holding both shares" << du;
  const Json announcements = node.JsonOf({"status"})["announcements"];

  const Json reply = node.JsonOf({"retract", id});
  EXPECT_TRUE(IsHexId(reply["announcement"])) << reply;
  EXPECT_NE(reply["announcement"], id) << "the retraction is an announcement of its own";
  EXPECT_EQ(reply["target"], id) << reply;
  EXPECT_EQ(reply["dropped_bytes"], kFileSize) << reply;

  // What the node shows afterwards, and again after a restart.
  for (const bool restarted : {false, true}) {
    SCOPED_TRACE(restarted ? "after a restart" : "right after retract");
    if (restarted) {
      ASSERT_TRUE(node.Stop());
      ASSERT_TRUE(node.Start());
    }
    const Json ls = node.JsonOf({"ls"});
    ASSERT_EQ(ls.size(), 1u) << "ls should list only the note that stays" << ls;
    EXPECT_EQ(ls[0]["announcement"], keep["announcement"]);

    const Json history = node.JsonOf({"ls", "--history"});
    const Json gone = FindEntry(history, id);
    ASSERT_TRUE(gone.is_object()) << "ls --history should still list the retracted share"
                                  << history;
    EXPECT_EQ(gone["retracted"], true) << gone;
    EXPECT_EQ(gone["superseded"], false) << gone;
    EXPECT_EQ(gone["held"], "no") << gone;
    const Json kept = FindEntry(history, keep["announcement"]);
    EXPECT_EQ(kept["retracted"], false) << kept;

    const std::string dir = node.tmp() / (restarted ? "after-restart" : "after");
    ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
    for (const std::string& what : {id, root, id.substr(0, 8)}) {
      SCOPED_TRACE("get " + what);
      const std::string out = dir + "/" + what;
      EXPECT_TRUE(FailedWithOneLine(node.Praxis({"get", what, "-o", out})));
      EXPECT_FALSE(Exists(out));
      CmdResult piped = node.Praxis({"get", what, "-o", "-"});
      EXPECT_TRUE(FailedWithOneLine(piped)) << "retracted content went to stdout";
    }
    EXPECT_EQ(ListDir(dir), std::vector<std::string>{}) << "a failed get wrote something";

    const Holdings after = HoldingsOf(node);
    EXPECT_EQ(after.du_total, before.du_total);
    EXPECT_EQ(after.content_bytes, before.content_bytes);
    EXPECT_EQ(after.resources, before.resources);
    EXPECT_EQ(node.JsonOf({"status"})["announcements"], announcements.get<std::uint64_t>() + 1)
        << "the retraction should be the one new announcement";

    // The note that stays is served as before.
    CmdResult note = node.Praxis({"get", keep["announcement"], "-o", "-"});
    ASSERT_TRUE(note.ok()) << note;
    EXPECT_EQ(note.out, keep_text);
  }
}

TEST(ProcessRetract, HumanOutputSaysRetractionIsARequest) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("polite");
  const Json share = node.ShareText("please forget me", g);
  ASSERT_TRUE(IsHexId(share["announcement"]));
  const std::string id = share["announcement"];

  CmdResult r = node.Praxis({"retract", id});
  ASSERT_TRUE(r.ok()) << r;
  EXPECT_NE(r.out.find("request"), std::string::npos)
      << "people must learn that copies elsewhere are not deleted" << r;
  EXPECT_NE(r.out.find(id.substr(0, 12)), std::string::npos) << "say what was retracted" << r;
  EXPECT_EQ(r.err, "") << r;
}

// "This node drops the content unless another of your shares holds the same
// bytes" (`praxis retract --help`).
TEST(ProcessRetract, ContentAnotherLiveShareNamesIsKept) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("twice");
  const std::string content = RandomBytes(kFileSize, 32);
  const std::string path = node.tmp() / "same.bin";
  WriteFile(path, content);
  const Json first = node.ShareFile(path, g);
  const Json second = node.ShareFile(path, g, {"--title", "the same bytes again"});
  ASSERT_TRUE(IsHexId(first["announcement"]) && IsHexId(second["announcement"]));
  ASSERT_EQ(first["root"], second["root"]);
  const Holdings both = HoldingsOf(node);

  const Json r1 = node.JsonOf({"retract", first["announcement"]});
  EXPECT_EQ(r1["target"], first["announcement"]) << r1;
  EXPECT_EQ(r1["dropped_bytes"], 0) << "the bytes are still named by the second share" << r1;
  EXPECT_EQ(HoldingsOf(node).du_total, both.du_total);
  EXPECT_EQ(HoldingsOf(node).content_bytes, both.content_bytes);
  for (const Json& id : {second["announcement"], second["root"]}) {
    CmdResult got = node.Praxis({"get", id, "-o", "-"});
    ASSERT_TRUE(got.ok()) << got;
    EXPECT_TRUE(got.out == content) << "the surviving share lost its content";
  }
  EXPECT_TRUE(FailedWithOneLine(node.Praxis({"get", first["announcement"], "-o", "-"})))
      << "the retracted share itself is not served, whatever else holds its bytes";

  const Json r2 = node.JsonOf({"retract", second["announcement"]});
  EXPECT_EQ(r2["dropped_bytes"], kFileSize) << r2;
  EXPECT_EQ(HoldingsOf(node).du_total, both.du_total.get<std::uint64_t>() - kFileSize);
  EXPECT_TRUE(FailedWithOneLine(node.Praxis({"get", second["root"], "-o", "-"})));
}

TEST(ProcessRetract, WhatCannotBeRetractedFailsWithOneLine) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("strict");
  ASSERT_TRUE(IsHexId(g));
  const Json share = node.ShareText("retract me once", g);
  ASSERT_TRUE(IsHexId(share["announcement"]));
  const std::string id = share["announcement"];
  const Json once = node.JsonOf({"retract", id});
  ASSERT_EQ(once["target"], id) << once;
  const Json other = node.ShareText("still here", g);
  const Json status = node.JsonOf({"status"});

  struct Case {
    std::string what;
    std::string arg;
  };
  for (const Case& c :
       {Case{"twice", id}, Case{"twice, by prefix", id.substr(0, 10)},
        Case{"unknown full id", std::string(64, 'c')}, Case{"unknown prefix", "c0ffee0c0ffee"},
        Case{"malformed", "not-an-id"}, Case{"too long", std::string(65, 'a')},
        Case{"too short prefix", id.substr(0, 3)}, Case{"a resource root", other["root"]}}) {
    SCOPED_TRACE("retract " + c.what + ": " + c.arg);
    CmdResult r = node.Praxis({"retract", c.arg});
    EXPECT_TRUE(FailedWithOneLine(r));
    if (c.what == "too short prefix") {
      EXPECT_NE(r.err.find("short"), std::string::npos) << r;
    }
  }
  EXPECT_EQ(node.JsonOf({"status"})["announcements"], status["announcements"])
      << "a failed retract signed something";

  // A group's genesis: retracting it may be refused or done, but cleanly.
  CmdResult genesis = node.Praxis({"retract", g, "--json"});
  if (genesis.ok()) {
    EXPECT_EQ(genesis.JsonOut()["target"], g) << genesis;
  } else {
    EXPECT_TRUE(FailedWithOneLine(genesis));
    EXPECT_EQ(node.JsonOf({"status"})["announcements"], status["announcements"]);
  }
  // Whatever happened to the genesis, the other share is untouched.
  const Json ls = node.JsonOf({"ls"});
  ASSERT_EQ(ls.size(), 1u) << ls;
  EXPECT_EQ(ls[0]["announcement"], other["announcement"]);
}

// `praxis retract --help`: "Ask every node to stop serving one of your
// shares". A retraction is not a share: "retracting" it neither undoes it
// (the tombstone stays, DESIGN.md §3) nor means anything else, so it must be
// refused rather than signed and reported as "retracted".
TEST(ProcessRetract, RetractingARetractionFailsWithOneLine) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("no undo");
  const Json share = node.ShareText("gone for good", g);
  ASSERT_TRUE(IsHexId(share["announcement"]));
  const Json once = node.JsonOf({"retract", share["announcement"]});
  ASSERT_TRUE(IsHexId(once["announcement"])) << once;
  const Json status = node.JsonOf({"status"});

  EXPECT_TRUE(FailedWithOneLine(node.Praxis({"retract", once["announcement"]})));
  EXPECT_EQ(node.JsonOf({"status"})["announcements"], status["announcements"])
      << "a retraction of a retraction was signed";
  const Json history = node.JsonOf({"ls", "--history"});
  ASSERT_EQ(history.size(), 1u) << history;
  EXPECT_EQ(history[0]["retracted"], true) << history;
}

}  // namespace
}  // namespace praxis::process_test
