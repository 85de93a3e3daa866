// The HTTP API and web page (docs/api.md): routes and status codes, who may
// call it (Host on loopback, a token beyond it, no cross-origin requests),
// bad requests answered with a 4xx and a reason, the event cursor and
// stream, and a fetch started over HTTP.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "harness.h"

namespace praxis::process_test {
namespace {

// The node's API address from `status --json`.
std::string HttpOf(const TestNode& node) { return node.JsonOf({"status"})["http"]; }
std::string PortOf(const std::string& host_port) {
  return host_port.substr(host_port.rfind(':') + 1);
}

// A 4xx whose JSON body says why.
::testing::AssertionResult RefusedWithReason(const std::optional<HttpReply>& r, int status) {
  if (!r) return ::testing::AssertionFailure() << "no answer";
  const Json body = r->JsonBody();
  if (r->status != status || !body.is_object() || !body.contains("error") ||
      !body["error"].is_string() || body["error"].get<std::string>().empty())
    return ::testing::AssertionFailure()
           << "wanted " << status << " with {\"error\": reason}, got " << r->status << ": "
           << r->body;
  return ::testing::AssertionSuccess() << body["error"];
}

TEST(ProcessHttpApi, ServesThePageAndMirrorsTheCli) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string http = HttpOf(node);
  ASSERT_FALSE(http.empty()) << "status --json names the API address";

  auto page = HttpCall(http, "GET", "/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->head.find("text/html"), std::string::npos) << page->head;
  EXPECT_NE(page->head.find("Content-Security-Policy"), std::string::npos) << page->head;
  EXPECT_NE(page->body.find("<title>praxis</title>"), std::string::npos);
  // Offline: nothing is loaded from elsewhere (the SVG namespace URI is a
  // name, never fetched).
  for (const char* remote : {"src=\"http", "href=\"http", "src=\"//", "href=\"//", "url(http",
                             "url(//", "@import", "<script src", "<link rel=\"stylesheet"})
    EXPECT_EQ(page->body.find(remote), std::string::npos) << remote;

  auto status = HttpCall(http, "GET", "/api/v1/status");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->status, 200) << status->body;
  const Json s = status->JsonBody();
  EXPECT_EQ(s["member"], node.Member()) << s;
  EXPECT_EQ(s["http"], http);
  EXPECT_TRUE(s["announcements"].is_number_unsigned()) << "counts are numbers: " << s;

  const std::string g = node.CreateGroup("kitchen", {"--tag", "bread"});
  const Json share = node.ShareText("feed the starter at 8pm", g, {"--title", "starter"});

  auto groups = HttpCall(http, "GET", "/api/v1/groups");
  ASSERT_TRUE(groups);
  EXPECT_EQ(groups->status, 200);
  const Json gj = groups->JsonBody();
  ASSERT_TRUE(gj.is_array() && gj.size() == 1) << groups->body;
  EXPECT_EQ(gj[0]["group"], g);
  EXPECT_EQ(gj[0]["name"], "kitchen");

  auto stage = HttpCall(http, "GET", "/api/v1/groups/" + g + "/stage");
  ASSERT_TRUE(stage);
  EXPECT_EQ(stage->status, 200) << stage->body;
  const Json st = stage->JsonBody();
  const Json cli = node.JsonOf({"stage", g});
  for (const char* key : {"group", "name", "stage", "raised_by", "republishers",
                          "min_republishers", "members", "catalogue_public", "edges"})
    EXPECT_EQ(st[key], cli[key]) << key << ": " << st << " vs the CLI's " << cli;
  EXPECT_EQ(st["next"]["stage"], "practice") << st;
  EXPECT_EQ(st["next"]["missing"], 3) << st;

  auto resources = HttpCall(http, "GET", "/api/v1/resources?group=" + g);
  ASSERT_TRUE(resources);
  EXPECT_EQ(resources->status, 200) << resources->body;
  const Json rj = resources->JsonBody();
  ASSERT_TRUE(rj.is_array() && rj.size() == 1) << resources->body;
  EXPECT_EQ(rj[0]["announcement"], share["announcement"]);
  EXPECT_EQ(rj[0]["title"], "starter");
  EXPECT_EQ(rj[0]["held"], "yes");

  auto found = HttpCall(http, "GET", "/api/v1/discover?tag=bread");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->status, 200) << found->body;
  ASSERT_TRUE(found->JsonBody().is_array()) << found->body;
  EXPECT_EQ(found->JsonBody().size(), 1u) << found->body;
  auto none = HttpCall(http, "GET", "/api/v1/discover?tag=stone");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->JsonBody(), Json::array()) << none->body;

  auto peers = HttpCall(http, "GET", "/api/v1/peers");
  ASSERT_TRUE(peers);
  EXPECT_EQ(peers->status, 200);
  EXPECT_EQ(peers->JsonBody(), Json::array());

  // Events by cursor: the genesis, the share; then nothing after the cursor.
  auto events = HttpCall(http, "GET", "/api/v1/events?since=0");
  ASSERT_TRUE(events);
  EXPECT_EQ(events->status, 200) << events->body;
  const Json ev = events->JsonBody();
  ASSERT_TRUE(ev["events"].is_array()) << events->body;
  ASSERT_GE(ev["events"].size(), 2u) << events->body;
  EXPECT_EQ(ev["events"][0]["seq"], 1);
  EXPECT_EQ(ev["events"][0]["type"], "genesis") << events->body;
  const std::uint64_t next = ev["next"];
  EXPECT_EQ(next, ev["events"].back()["seq"].get<std::uint64_t>());
  auto after = HttpCall(http, "GET", "/api/v1/events?since=" + std::to_string(next));
  ASSERT_TRUE(after);
  EXPECT_EQ(after->JsonBody()["events"], Json::array()) << after->body;
  EXPECT_EQ(after->JsonBody()["next"], next);
}

TEST(ProcessHttpApi, BadRequestsGetA4xxWithAReason) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string http = HttpOf(node);

  EXPECT_TRUE(RefusedWithReason(HttpCall(http, "GET", "/api/v1/nothing-here"), 404));
  EXPECT_TRUE(RefusedWithReason(HttpCall(http, "GET", "/api/v2/status"), 404));
  EXPECT_TRUE(RefusedWithReason(HttpCall(http, "DELETE", "/api/v1/status"), 405));
  EXPECT_TRUE(RefusedWithReason(HttpCall(http, "POST", "/api/v1/status"), 405));
  EXPECT_TRUE(RefusedWithReason(HttpCall(http, "GET", "/api/v1/events?since=soon"), 400));
  EXPECT_TRUE(RefusedWithReason(HttpCall(http, "GET", "/api/v1/events?limit=0"), 400));
  EXPECT_TRUE(RefusedWithReason(HttpCall(http, "GET", "/api/v1/resources?colour=red"), 400));
  EXPECT_TRUE(RefusedWithReason(HttpCall(http, "GET", "/api/v1/resources?match=%zz"), 400));
  EXPECT_TRUE(RefusedWithReason(HttpCall(http, "GET", "/api/v1/discover?stage=cult"), 400));
  EXPECT_TRUE(RefusedWithReason(HttpCall(http, "GET", "/api/v1/groups/" + std::string(64, 'e') +
                                                          "/stage"),
                                404));
  EXPECT_TRUE(RefusedWithReason(HttpCall(http, "GET", "/api/v1/fetch/zz"), 400));
  // POST /api/v1/fetch: JSON only, with an id the node knows.
  EXPECT_TRUE(RefusedWithReason(HttpCall(http, "POST", "/api/v1/fetch", {}, "id=abc"), 415));
  EXPECT_TRUE(RefusedWithReason(
      HttpCall(http, "POST", "/api/v1/fetch", {{"Content-Type", "application/json"}}, "{"), 400));
  EXPECT_TRUE(RefusedWithReason(
      HttpCall(http, "POST", "/api/v1/fetch", {{"Content-Type", "application/json"}}, "{}"), 400));
  EXPECT_TRUE(RefusedWithReason(HttpCall(http, "POST", "/api/v1/fetch",
                                         {{"Content-Type", "application/json"}},
                                         "{\"id\": \"" + std::string(64, 'a') + "\"}"),
                                404));
  EXPECT_TRUE(RefusedWithReason(HttpCall(http, "POST", "/api/v1/fetch",
                                         {{"Content-Type", "application/json"}},
                                         std::string(100 << 10, ' ')),
                                413));
  // The node is still fine.
  auto ok = HttpCall(http, "GET", "/api/v1/status");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST(ProcessHttpApi, OnLoopbackTheHostMustBeTheNodesAndOriginsItsOwn) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string http = HttpOf(node);
  const std::string port = PortOf(http);

  // A page whose DNS name was rebound to 127.0.0.1 still says its own name.
  EXPECT_TRUE(RefusedWithReason(
      HttpCall(http, "GET", "/api/v1/status", {{"Host", "evil.example:" + port}}), 403));
  EXPECT_TRUE(RefusedWithReason(HttpCall(http, "GET", "/", {{"Host", "evil.example:" + port}}),
                                403));
  EXPECT_TRUE(RefusedWithReason(
      HttpCall(http, "GET", "/api/v1/status", {{"Host", "127.0.0.1:1"}}), 403));
  EXPECT_TRUE(RefusedWithReason(HttpCall(http, "GET", "/api/v1/status", {{"Host", ""}}), 403));
  for (const std::string& host : {"127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port}) {
    auto r = HttpCall(http, "GET", "/api/v1/status", {{"Host", host}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << host << ": " << r->body;
  }

  // Cross-origin requests are refused; the page's own origin is fine.
  EXPECT_TRUE(RefusedWithReason(
      HttpCall(http, "GET", "/api/v1/status", {{"Origin", "http://evil.example"}}), 403));
  EXPECT_TRUE(RefusedWithReason(
      HttpCall(http, "POST", "/api/v1/fetch",
               {{"Origin", "http://evil.example"}, {"Content-Type", "application/json"}},
               "{\"id\":\"00\"}"),
      403));
  EXPECT_TRUE(RefusedWithReason(
      HttpCall(http, "GET", "/api/v1/status", {{"Sec-Fetch-Site", "cross-site"}}), 403));
  auto same = HttpCall(http, "GET", "/api/v1/status", {{"Origin", "http://" + http}});
  ASSERT_TRUE(same);
  EXPECT_EQ(same->status, 200) << same->body;
  EXPECT_FALSE(Exists(node.data_dir() + "/api-token")) << "no token on loopback";
}

TEST(ProcessHttpApi, BeyondLoopbackEveryApiRequestNeedsTheToken) {
  TestNode node;
  ASSERT_TRUE(node.Start({"--http", "0.0.0.0:0"}));
  const std::string http = HttpOf(node);
  ASSERT_EQ(http.rfind("0.0.0.0:", 0), 0u) << http;
  const std::string token_file = node.data_dir() + "/api-token";
  ASSERT_TRUE(Exists(token_file));
  EXPECT_EQ(FileMode(token_file), 0600u);
  std::string token = ReadFile(token_file);
  while (!token.empty() && token.back() == '\n') token.pop_back();
  ASSERT_EQ(token.size(), 64u);

  auto none = HttpCall(http, "GET", "/api/v1/status");
  EXPECT_TRUE(RefusedWithReason(none, 401));
  EXPECT_NE(none->head.find("WWW-Authenticate: Bearer"), std::string::npos) << none->head;
  EXPECT_TRUE(RefusedWithReason(
      HttpCall(http, "GET", "/api/v1/status", {{"Authorization", "Bearer " + std::string(64, '0')}}),
      401));
  EXPECT_TRUE(RefusedWithReason(
      HttpCall(http, "GET", "/api/v1/status", {{"Authorization", token}}), 401));
  EXPECT_TRUE(RefusedWithReason(HttpCall(http, "GET", "/api/v1/events/stream"), 401));

  // With the token, any Host name reaches it (that is what the token is for).
  auto ok = HttpCall(http, "GET", "/api/v1/status",
                     {{"Authorization", "Bearer " + token}, {"Host", "node.lan:" + PortOf(http)}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  EXPECT_EQ(ok->JsonBody()["member"], node.Member());
  // The page itself holds no data: it asks for the token.
  auto page = HttpCall(http, "GET", "/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);

  // The same token after a restart.
  ASSERT_TRUE(node.Stop());
  ASSERT_TRUE(node.Start({"--http", "0.0.0.0:0"}));
  EXPECT_EQ(ReadFile(token_file), token + "\n");
}

TEST(ProcessHttpApi, ANodeThatCannotBindTheApiWarnsAndCarriesOn) {
  // Hold a loopback port so that the node cannot have it.
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof sa;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len), 0);
  const std::string taken = "127.0.0.1:" + std::to_string(ntohs(sa.sin_port));

  TestNode node;
  ASSERT_TRUE(node.Start({"--http", taken}));
  EXPECT_EQ(node.JsonOf({"status"})["http"], "");
  const std::string log = node.daemon().Stdout() + node.daemon().Stderr();
  std::size_t warnings = 0;
  for (std::size_t at = 0; (at = log.find("running without the web page", at)) != std::string::npos;
       ++at)
    ++warnings;
  EXPECT_EQ(warnings, 1u) << log;
  // The node works as ever.
  EXPECT_TRUE(IsHexId(node.CreateGroup("still here")));
  ::close(fd);

  TestNode off;
  ASSERT_TRUE(off.Start({"--http", "off"}));
  EXPECT_EQ(off.JsonOf({"status"})["http"], "");
}

// Reads a Server-Sent Events stream until `want` appears (or 30 s pass).
std::string ReadStreamUntil(const std::string& host_port, const std::string& path,
                            const std::string& want) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons(static_cast<std::uint16_t>(std::stoi(PortOf(host_port))));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return "";
  }
  timeval tv{.tv_sec = 1, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: " + host_port + "\r\n\r\n";
  if (::write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return "";
  }
  std::string got;
  const auto deadline = std::chrono::steady_clock::now() + kLiveness;
  char buf[4096];
  while (got.find(want) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n > 0) got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return got;
}

TEST(ProcessHttpApi, ARepublishFromAnotherNodeRaisesTheStageOverTheApiAndItsStream) {
  TestNode a;
  ASSERT_TRUE(a.Start());
  TestNode b;
  ASSERT_TRUE(b.Start({"--seed", a.JsonOf({"status"})["listen"]}));
  const std::string http = HttpOf(a);
  const std::string g = a.CreateGroup("pairs", {"--min-republishers", "1"});
  const Json share = a.ShareText("a note worth passing on", g);
  ASSERT_TRUE(Eventually([&] { return b.Praxis({"group", "join", g}).ok(); }));

  auto before = HttpCall(http, "GET", "/api/v1/events?since=0");
  ASSERT_TRUE(before);
  const std::uint64_t cursor = before->JsonBody()["next"];

  // A stream opened now sees the stage rise that B's republish causes on A.
  std::string streamed;
  std::thread reader([&] {
    streamed = ReadStreamUntil(http, "/api/v1/events/stream?since=" + std::to_string(cursor),
                               "\"stage\":\"practice\"");
  });
  ASSERT_TRUE(Eventually([&] {
    return b.Praxis({"republish", share["announcement"].get<std::string>()}).ok();
  }));
  reader.join();
  EXPECT_NE(streamed.find("text/event-stream"), std::string::npos) << streamed;
  EXPECT_NE(streamed.find("\"type\":\"republish\""), std::string::npos) << streamed;
  EXPECT_NE(streamed.find("\"type\":\"stage\""), std::string::npos) << streamed;
  EXPECT_NE(streamed.find("\nid: "), std::string::npos) << "events carry their cursor";

  auto stage = HttpCall(http, "GET", "/api/v1/groups/" + g + "/stage");
  ASSERT_TRUE(stage);
  const Json st = stage->JsonBody();
  EXPECT_EQ(st["stage"], "practice") << st;
  EXPECT_TRUE(IsHexId(st["raised_by"])) << st;
  EXPECT_EQ(st["next"]["stage"], "influence") << st;
  ASSERT_EQ(st["edges"].size(), 1u) << st;
  EXPECT_EQ(st["edges"][0]["republisher"], b.Member());
  EXPECT_EQ(st["edges"][0]["author"], a.Member());

  auto since = HttpCall(http, "GET", "/api/v1/events?since=" + std::to_string(cursor));
  ASSERT_TRUE(since);
  bool raised = false;
  const Json events = since->JsonBody()["events"];
  for (const Json& e : events) raised |= e["type"] == "stage" && e["stage"] == "practice";
  EXPECT_TRUE(raised) << since->body;
}

TEST(ProcessHttpApi, AFetchStartedOverHttpCompletes) {
  TestNode a;
  ASSERT_TRUE(a.Start());
  TestNode b;
  ASSERT_TRUE(b.Start({"--seed", a.JsonOf({"status"})["listen"]}));
  const std::string g = a.CreateGroup("library");
  const std::string file = a.tmp().path() + "/big.bin";
  WriteFile(file, RandomBytes(700 << 10, 7));  // three chunks
  const Json share = a.ShareFile(file, g, {"--title", "big"});
  ASSERT_TRUE(Eventually([&] { return b.Praxis({"group", "join", g}).ok(); }));
  ASSERT_TRUE(Eventually([&] {
    CmdResult r = b.Praxis({"ls", "--group", g, "--json"});
    return r.ok() && r.JsonOut().size() == 1;
  }));

  const std::string http = HttpOf(b);
  auto started = HttpCall(http, "POST", "/api/v1/fetch", {{"Content-Type", "application/json"}},
                          "{\"id\":\"" + share["announcement"].get<std::string>() + "\"}");
  ASSERT_TRUE(started);
  EXPECT_EQ(started->status, 202) << started->body;
  EXPECT_EQ(started->JsonBody()["root"], share["root"]) << started->body;

  const std::string root = share["root"];
  Json last;
  ASSERT_TRUE(Eventually([&] {
    auto p = HttpCall(http, "GET", "/api/v1/fetch/" + root);
    if (!p || p->status != 200) return false;
    last = p->JsonBody();
    return last["held"] == true;
  })) << last;
  EXPECT_EQ(last["size"], 700 << 10) << last;
  EXPECT_EQ(last["have_bytes"], 700 << 10) << last;
  const Json ls = b.JsonOf({"ls", "--group", g});
  ASSERT_EQ(ls.size(), 1u);
  EXPECT_EQ(ls[0]["held"], "yes") << ls;
}

}  // namespace
}  // namespace praxis::process_test
