// The HTTP API's pure parts: who may call it (api_auth), the numbered event
// ring (event_log) and replies as JSON in the CLI's shapes (proto_json).
#include <gtest/gtest.h>

#include <thread>

#include "control.pb.h"
#include "praxis/node/api_auth.h"
#include "praxis/node/event_log.h"
#include "praxis/node/proto_json.h"

namespace praxis::node {
namespace {

HttpRequest Req(std::string path, std::map<std::string, std::string> headers) {
  return HttpRequest{.method = "GET", .path = std::move(path), .headers = std::move(headers)};
}

TEST(ApiAuth, LoopbackIsAddressesAndLocalhostNotNamesThatLookLikeThem) {
  for (const char* h : {"127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST"})
    EXPECT_TRUE(IsLoopbackHost(h)) << h;
  for (const char* h : {"0.0.0.0", "::", "[::]", "192.168.1.2", "127.0.0.1.evil.example",
                        "localhost.example", ""})
    EXPECT_FALSE(IsLoopbackHost(h)) << h;
  EXPECT_EQ(HostOf("127.0.0.1:7421"), "127.0.0.1");
  EXPECT_EQ(HostOf("[::1]:7421"), "[::1]");
  EXPECT_EQ(HostOf("nohost"), "nohost");
}

TEST(ApiAuth, OnLoopbackOnlyTheNodesOwnHostAndOriginPass) {
  const ApiAccess a{.host = "127.0.0.1", .port = 7421};
  EXPECT_FALSE(CheckAccess(a, Req("/api/v1/status", {{"host", "127.0.0.1:7421"}})));
  EXPECT_FALSE(CheckAccess(a, Req("/api/v1/status", {{"host", "localhost:7421"}})));
  EXPECT_FALSE(CheckAccess(a, Req("/api/v1/status", {{"host", "[::1]:7421"}})));
  EXPECT_FALSE(CheckAccess(a, Req("/", {{"host", "LocalHost:7421"}})));
  for (const char* bad : {"evil.example:7421", "127.0.0.1:7422", "127.0.0.1", "", "localhost"}) {
    auto r = CheckAccess(a, Req("/api/v1/status", {{"host", bad}}));
    ASSERT_TRUE(r) << bad;
    EXPECT_EQ(r->status, 403);
    EXPECT_NE(r->reason.find("Host"), std::string::npos) << r->reason;
  }
  auto cross = CheckAccess(
      a, Req("/api/v1/status", {{"host", "127.0.0.1:7421"}, {"origin", "http://evil.example"}}));
  ASSERT_TRUE(cross);
  EXPECT_EQ(cross->status, 403);
  EXPECT_FALSE(CheckAccess(
      a, Req("/api/v1/status", {{"host", "127.0.0.1:7421"}, {"origin", "http://127.0.0.1:7421"}})));
  auto site = CheckAccess(
      a, Req("/api/v1/status", {{"host", "127.0.0.1:7421"}, {"sec-fetch-site", "cross-site"}}));
  ASSERT_TRUE(site);
  EXPECT_EQ(site->status, 403);
}

TEST(ApiAuth, BeyondLoopbackTheApiNeedsTheBearerTokenButThePageDoesNot) {
  const ApiAccess a{.host = "0.0.0.0", .port = 7421, .token = std::string(64, 'c')};
  auto none = CheckAccess(a, Req("/api/v1/status", {{"host", "node.lan:7421"}}));
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  for (const std::string& wrong : {"Bearer " + std::string(64, 'd'), "Bearer " + std::string(63, 'c'),
                                   std::string(64, 'c'), "Basic " + std::string(64, 'c')}) {
    auto r = CheckAccess(a, Req("/api/v1/status", {{"host", "x:1"}, {"authorization", wrong}}));
    ASSERT_TRUE(r) << wrong;
    EXPECT_EQ(r->status, 401);
  }
  EXPECT_FALSE(CheckAccess(a, Req("/api/v1/status", {{"host", "node.lan:7421"},
                                                      {"authorization", "Bearer " + a.token}})));
  EXPECT_FALSE(CheckAccess(a, Req("/", {{"host", "node.lan:7421"}})));
}

control::Event Ev(const std::string& type) {
  control::Event e;
  e.set_type(type);
  return e;
}

TEST(EventLog, ReadersGetWhatFollowsTheirCursorAndLearnWhatTheyMissed) {
  EventLog log(3);
  EventLog::Page empty = log.Since(0, 10);
  EXPECT_TRUE(empty.events.empty());
  EXPECT_EQ(empty.next, 0u);
  for (const char* t : {"a", "b", "c", "d", "e"}) log.Append(Ev(t));
  EventLog::Page all = log.Since(0, 10);
  ASSERT_EQ(all.events.size(), 3u);
  EXPECT_EQ(all.events[0].seq, 3u);
  EXPECT_EQ(all.events[0].event.type(), "c");
  EXPECT_EQ(all.missed, 2u);
  EXPECT_EQ(all.next, 5u);
  EventLog::Page two = log.Since(2, 2);
  ASSERT_EQ(two.events.size(), 2u);
  EXPECT_EQ(two.missed, 0u);
  EXPECT_EQ(two.next, 4u);
  EventLog::Page none = log.Since(5, 10);
  EXPECT_TRUE(none.events.empty());
  EXPECT_EQ(none.next, 5u);
  // A cursor from before a restart (beyond the end) starts again at the end.
  EXPECT_EQ(log.Since(99, 10).next, 5u);
}

TEST(EventLog, WaitersWakeOnAnEventAndForGoodOnClose) {
  EventLog log;
  EXPECT_FALSE(log.WaitBeyond(0, std::chrono::milliseconds(10)));
  std::thread writer([&] { log.Append(Ev("x")); });
  EXPECT_TRUE(log.WaitBeyond(0, std::chrono::seconds(30)));
  writer.join();
  log.Close();
  EXPECT_FALSE(log.WaitBeyond(0, std::chrono::seconds(30)));
  EXPECT_TRUE(log.closed());
}

TEST(ProtoJson, IdsAreHexEmptyIdsNullCountsNumbersAndZeroValuesPrinted) {
  control::StageReply s;
  s.set_group(std::string(32, '\xab'));
  s.set_name("field notes");
  s.set_stage("network");
  s.set_min_republishers(3);
  s.set_median_uptake_ms(std::uint64_t{1} << 40);
  auto* e = s.add_edges();
  e->set_republisher(std::string(32, '\x01'));
  e->set_author(std::string(32, '\x02'));
  const ApiJson j = ProtoToJson(s);
  auto repeat = [](const char* two, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += two;
    return out;
  };
  EXPECT_EQ(j["group"], repeat("ab", 32));
  EXPECT_TRUE(j["raised_by"].is_null());
  EXPECT_EQ(j["republishers"], 0);
  EXPECT_EQ(j["min_republishers"], 3);
  EXPECT_TRUE(j["median_uptake_ms"].is_number_unsigned()) << "not a string, unlike protobuf's JSON";
  EXPECT_EQ(j["median_uptake_ms"], std::uint64_t{1} << 40);
  EXPECT_EQ(j["catalogue_public"], false);
  ASSERT_EQ(j["edges"].size(), 1u);
  EXPECT_EQ(j["edges"][0]["republisher"], repeat("01", 32));
  EXPECT_EQ(j["edges"][0]["author"], repeat("02", 32));
  // Keys in schema order, as the CLI prints them.
  EXPECT_EQ(j.begin().key(), "group");

  control::StatusReply st;
  (*st.mutable_gossip())["delivered"] = 7;
  const ApiJson sj = ProtoToJson(st);
  EXPECT_EQ(sj["gossip"]["delivered"], 7);
  EXPECT_EQ(sj["listen"], "");
  // Titles come from other members: invalid UTF-8 is replaced, not thrown on.
  control::Entry bad;
  bad.set_title("caf\xc3");
  EXPECT_NO_THROW(DumpJson(ProtoToJson(bad)));
}

}  // namespace
}  // namespace praxis::node
