#include "praxis/node/http_api.h"

#include <spdlog/spdlog.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <future>
#include <map>
#include <optional>
#include <vector>

#include "control_internal.h"
#include "praxis/node/control_server.h"
#include "praxis/node/proto_json.h"
#include "web_assets.h"

namespace praxis::node {

namespace {

using namespace std::chrono_literals;

// A node that takes longer than this to answer is reported busy (503).
constexpr auto kAnswerDeadline = 10s;
// Events per page of /api/v1/events.
constexpr std::size_t kMaxPage = 500;

HttpResponse JsonResponse(int status, const ApiJson& doc) {
  return {status, "application/json", DumpJson(doc) + "\n"};
}

HttpResponse ErrorJson(int status, const std::string& reason) {
  return JsonResponse(status, {{"error", reason}});
}

// The control API's error code as an HTTP status.
int HttpStatus(const std::string& code) {
  if (code == "invalid_argument") return 400;
  if (code == "not_found") return 404;
  if (code == "already_exists" || code == "failed_precondition") return 409;
  if (code == "timed_out" || code == "cancelled") return 503;
  return 500;
}

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding; nullopt on a broken escape.
std::optional<std::string> Decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = Hex(s[i + 1]), lo = Hex(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

using Query = std::multimap<std::string, std::string>;

Result<Query> ParseQuery(const std::string& q) {
  Query out;
  std::size_t start = 0;
  while (start <= q.size() && !q.empty()) {
    std::size_t amp = q.find('&', start);
    if (amp == std::string::npos) amp = q.size();
    const std::string_view part(q.data() + start, amp - start);
    if (!part.empty()) {
      const auto eq = part.find('=');
      auto k = Decode(part.substr(0, eq));
      auto v = Decode(eq == std::string_view::npos ? "" : part.substr(eq + 1));
      if (!k || !v) return Err(Status::InvalidArgument("query string: broken %-escape"));
      out.emplace(std::move(*k), std::move(*v));
    }
    start = amp + 1;
  }
  return out;
}

std::string One(const Query& q, const std::string& key) {
  auto it = q.find(key);
  return it == q.end() ? std::string() : it->second;
}

std::vector<std::string> All(const Query& q, const std::string& key) {
  std::vector<std::string> out;
  for (auto [it, end] = q.equal_range(key); it != end; ++it) out.push_back(it->second);
  return out;
}

// Only the parameters a route knows: a typo is an error, not a silent no-op.
std::optional<std::string> Unknown(const Query& q, std::initializer_list<const char*> known) {
  for (const auto& [k, v] : q) {
    bool ok = false;
    for (const char* name : known) ok |= k == name;
    if (!ok) return k;
  }
  return std::nullopt;
}

Result<std::uint64_t> Number(const Query& q, const std::string& key, std::uint64_t def) {
  const std::string v = One(q, key);
  if (v.empty()) return def;
  char* end = nullptr;
  errno = 0;
  const unsigned long long n = std::strtoull(v.c_str(), &end, 10);
  if (*end || errno || v[0] == '-')
    return Err(Status::InvalidArgument("parameter '" + key + "' must be a whole number, not '" +
                                       v + "'"));
  return static_cast<std::uint64_t>(n);
}

Result<bool> Flag(const Query& q, const std::string& key) {
  const std::string v = One(q, key);
  if (v.empty() && !q.count(key)) return false;
  if (v == "" || v == "1" || v == "true") return true;
  if (v == "0" || v == "false") return false;
  return Err(Status::InvalidArgument("parameter '" + key + "' must be true or false"));
}

// The array a list reply holds, as the CLI prints it.
ApiJson Field(const ApiJson& doc, const char* name) {
  auto it = doc.find(name);
  return it == doc.end() ? ApiJson::array() : *it;
}

// How far a group is from its next stage: the figure the page shows most.
ApiJson NextThreshold(const control::StageReply& s) {
  auto need = [](std::uint32_t min, std::uint32_t have) { return min > have ? min - have : 0; };
  if (s.stage() == "network")
    return {{"stage", "practice"},
            {"have", s.republishers()},
            {"threshold", s.min_republishers()},
            {"missing", need(s.min_republishers(), s.republishers())},
            {"counts", "members who republished another member's share"}};
  if (s.stage() == "practice")
    return {{"stage", "influence"},
            {"have", s.outside_republishers()},
            {"threshold", s.min_outside()},
            {"missing", need(s.min_outside(), s.outside_republishers())},
            {"counts", "non-members who carried the circle's shares into other groups"}};
  return nullptr;
}

ApiJson EventJson(const EventLog::Numbered& n) {
  ApiJson j = {{"seq", n.seq}};
  const ApiJson body = ProtoToJson(n.event);  // kept: never iterate a temporary
  for (const auto& [k, v] : body.items()) j[k] = v;
  return j;
}

// One parsed /api/v1/ route.
struct Route {
  std::vector<std::string> parts;  // path segments after /api/v1/
};

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) out.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

HttpResponse MethodNotAllowed(const char* allow) {
  HttpResponse r = ErrorJson(405, std::string("method not allowed here: use ") + allow);
  r.headers.emplace_back("Allow", allow);
  return r;
}

// What a request for the node's thread carries back.
class Job : public std::enable_shared_from_this<Job> {
 public:
  Job(Node& node, PeerManager* peers, control::Request req)
      : node_(node), peers_(peers), req_(std::move(req)) {}
  asio::awaitable<void> Run() {
    auto self = shared_from_this();
    control::Response r = co_await AnswerControl(node_, peers_, req_);
    done_.set_value(std::move(r));
  }
  std::future<control::Response> Future() { return done_.get_future(); }

 private:
  Node& node_;
  PeerManager* peers_;
  control::Request req_;
  std::promise<control::Response> done_;
};

}  // namespace

HttpApi::HttpApi(Node& node, PeerManager* peers) : node_(node), peers_(peers) {
  // Every event the CLI's `watch` would print, numbered for cursors.
  auto feed = std::make_shared<control_internal::EventFeed>(node_, std::nullopt);
  watch_token_ = node_.Watch([this, feed](const NodeEvent& e) {
    for (control::Event& ev : feed->On(e)) events_.Append(std::move(ev));
  });
}

HttpApi::~HttpApi() {
  Stop();
  node_.Unwatch(watch_token_);
}

void HttpApi::set_access(ApiAccess access) {
  std::lock_guard lock(mu_);
  access_ = std::move(access);
}

void HttpApi::Stop() {
  stopping_ = true;
  events_.Close();
}

Result<control::Response> HttpApi::Call(const control::Request& req) {
  auto job = std::make_shared<Job>(node_, peers_, req);
  auto answer = job->Future();
  asio::co_spawn(node_.executor(), [job] { return job->Run(); }, asio::detached);
  // Waits in slices: a stopping node no longer answers, and stopping the
  // HTTP server waits for this thread.
  const auto deadline = std::chrono::steady_clock::now() + kAnswerDeadline;
  while (answer.wait_for(100ms) != std::future_status::ready) {
    if (stopping_) return Err(Status::Cancelled("the node is stopping"));
    if (std::chrono::steady_clock::now() > deadline)
      return Err(Status::TimedOut("the node is busy; try again"));
  }
  return answer.get();
}

HttpResponse HttpApi::Serve(const HttpRequest& req) {
  std::optional<Refusal> refused;
  {
    std::lock_guard lock(mu_);
    if (access_.port == 0) return ErrorJson(503, "starting");
    refused = CheckAccess(access_, req);
  }
  if (refused) {
    HttpResponse r = ErrorJson(refused->status, refused->reason);
    if (refused->status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  return Route(req);
}

HttpResponse HttpApi::Route(const HttpRequest& req) {
  const bool get = req.method == "GET" || req.method == "HEAD";
  if (req.path == "/" || req.path == "/index.html") {
    if (!get) return MethodNotAllowed("GET");
    HttpResponse r{200, "text/html; charset=utf-8", std::string(WebIndexHtml())};
    // Nothing from elsewhere, and no framing by other pages.
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'none'; script-src 'unsafe-inline'; style-src "
                           "'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
                           "frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
    r.headers.emplace_back("X-Frame-Options", "DENY");
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
    return r;
  }
  if (req.path == "/favicon.ico") return {404, "text/plain", "no icon\n"};
  const std::string prefix = "/api/v1/";
  if (req.path.compare(0, prefix.size(), prefix) != 0)
    return ErrorJson(404, "no such page: the API is under /api/v1/ (see docs/api.md)");
  const std::vector<std::string> parts = Split(std::string_view(req.path).substr(prefix.size()));
  auto query = ParseQuery(req.query);
  if (!query) return ErrorJson(400, query.error().message());
  const Query& q = *query;
  if (parts.empty()) return ErrorJson(404, "no route /api/v1/ (see docs/api.md)");

  control::Request cr;
  // How the reply becomes the document returned.
  std::function<ApiJson(const control::Response&)> render;
  int ok_status = 200;
  const std::string& what = parts[0];
  auto bad_param = [&](std::initializer_list<const char*> known) -> std::optional<HttpResponse> {
    if (auto k = Unknown(q, known)) return ErrorJson(400, "unknown parameter '" + *k + "'");
    return std::nullopt;
  };

  if (what == "events" && (parts.size() == 1 || (parts.size() == 2 && parts[1] == "stream"))) {
    if (!get) return MethodNotAllowed("GET");
    if (auto b = bad_param({"since", "limit"})) return *b;
    return Events(req, parts.size() == 2);
  }
  if (what == "fetch" && parts.size() == 1) {
    if (req.method != "POST") return MethodNotAllowed("POST");
    if (req.Header("content-type").rfind("application/json", 0) != 0)
      return ErrorJson(415, "send the request body as Content-Type: application/json");
    const ApiJson body = ApiJson::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded() || !body.is_object())
      return ErrorJson(400, "the body must be a JSON object {\"id\": \"...\"}");
    auto id = body.find("id");
    if (id == body.end() || !id->is_string() || id->get<std::string>().empty())
      return ErrorJson(400, "the body needs \"id\": a share announcement or a root (hex or prefix)");
    cr.mutable_fetch()->set_id(id->get<std::string>());
    cr.mutable_fetch()->set_start(true);
    ok_status = 202;
    render = [](const control::Response& r) { return ProtoToJson(r.fetch_progress()); };
  } else if (!get) {
    return MethodNotAllowed("GET");
  } else if (what == "status" && parts.size() == 1) {
    if (auto b = bad_param({})) return *b;
    cr.mutable_status();
    render = [](const control::Response& r) { return ProtoToJson(r.status()); };
  } else if (what == "peers" && parts.size() == 1) {
    if (auto b = bad_param({})) return *b;
    cr.mutable_peers();
    render = [](const control::Response& r) { return Field(ProtoToJson(r.peers()), "peers"); };
  } else if (what == "groups" && parts.size() == 1) {
    if (auto b = bad_param({})) return *b;
    cr.mutable_groups();
    render = [](const control::Response& r) { return Field(ProtoToJson(r.groups()), "groups"); };
  } else if (what == "groups" && parts.size() == 3 && parts[2] == "stage") {
    if (auto b = bad_param({})) return *b;
    cr.mutable_stage()->set_group(parts[1]);
    render = [](const control::Response& r) {
      ApiJson j = ProtoToJson(r.stage());
      j["next"] = NextThreshold(r.stage());
      return j;
    };
  } else if (what == "resources" && parts.size() == 1) {
    if (auto b = bad_param({"group", "author", "tag", "match", "since", "history"})) return *b;
    auto* ls = cr.mutable_ls();
    ls->set_group(One(q, "group"));
    ls->set_author(One(q, "author"));
    for (const auto& t : All(q, "tag")) ls->add_tags(t);
    ls->set_match(One(q, "match"));
    auto since = Number(q, "since", 0);
    if (!since) return ErrorJson(400, since.error().message());
    ls->set_since(*since);
    auto history = Flag(q, "history");
    if (!history) return ErrorJson(400, history.error().message());
    ls->set_history(*history);
    render = [](const control::Response& r) { return Field(ProtoToJson(r.ls()), "entries"); };
  } else if (what == "fetch" && parts.size() == 2) {
    if (auto b = bad_param({})) return *b;
    cr.mutable_fetch()->set_id(parts[1]);
    render = [](const control::Response& r) { return ProtoToJson(r.fetch_progress()); };
  } else if (what == "discover" && parts.size() == 1) {
    if (auto b = bad_param({"tag", "stage", "members"})) return *b;
    auto* d = cr.mutable_discover();
    for (const auto& t : All(q, "tag")) d->add_tags(t);
    d->set_stage(One(q, "stage"));
    if (!d->stage().empty() && d->stage() != "network" && d->stage() != "practice" &&
        d->stage() != "influence")
      return ErrorJson(400, "parameter 'stage' must be network, practice or influence");
    auto members = Flag(q, "members");
    if (!members) return ErrorJson(400, members.error().message());
    d->set_members(*members);
    const bool by_member = *members;
    render = [by_member](const control::Response& r) {
      return Field(ProtoToJson(r.discover()), by_member ? "members" : "groups");
    };
  } else if (what == "du" && parts.size() == 1) {
    if (auto b = bad_param({})) return *b;
    cr.mutable_du();
    render = [](const control::Response& r) { return ProtoToJson(r.du()); };
  } else if (what == "invites" && parts.size() == 1) {
    if (auto b = bad_param({})) return *b;
    cr.mutable_invites();
    render = [](const control::Response& r) {
      return Field(ProtoToJson(r.invites()), "invites");
    };
  } else if (what == "news" && parts.size() == 1) {
    // Read-only: the saved cursor moves only with `praxis news`.
    if (auto b = bad_param({"since"})) return *b;
    auto since = Number(q, "since", 0);
    if (!since) return ErrorJson(400, since.error().message());
    cr.mutable_news()->set_since_unix_ms(*since);
    render = [](const control::Response& r) { return ProtoToJson(r.news()); };
  } else {
    return ErrorJson(404, "no route " + req.path + " (see docs/api.md)");
  }

  auto reply = Call(cr);
  if (!reply) return ErrorJson(503, reply.error().message());
  if (reply->has_error())
    return ErrorJson(HttpStatus(reply->error().code()), reply->error().message());
  return JsonResponse(ok_status, render(*reply));
}

HttpResponse HttpApi::Events(const HttpRequest& req, bool stream) {
  auto query = ParseQuery(req.query);
  if (!query) return ErrorJson(400, query.error().message());
  auto since = Number(*query, "since", 0);
  if (!since) return ErrorJson(400, since.error().message());
  auto limit = Number(*query, "limit", kMaxPage);
  if (!limit) return ErrorJson(400, limit.error().message());
  if (*limit == 0 || *limit > kMaxPage)
    return ErrorJson(400, "parameter 'limit' must be 1 to " + std::to_string(kMaxPage));
  if (!stream) {
    EventLog::Page page = events_.Since(*since, *limit);
    ApiJson events = ApiJson::array();
    for (const auto& n : page.events) events.push_back(EventJson(n));
    return JsonResponse(200, {{"events", events}, {"next", page.next}, {"missed", page.missed}});
  }
  // A reconnecting EventSource says where it was.
  std::uint64_t cursor = *since;
  if (const std::string last = req.Header("last-event-id"); !last.empty())
    cursor = std::strtoull(last.c_str(), nullptr, 10);
  // Without a cursor the stream starts now, not with the whole ring.
  if (!query->count("since") && req.Header("last-event-id").empty()) cursor = events_.last();
  HttpResponse r{200, "text/event-stream", ""};
  r.stream = [this, cursor](const HttpWrite& write) mutable {
    if (!write("retry: 1000\n: praxis events from " + std::to_string(cursor) + "\n\n")) return;
    auto last_write = std::chrono::steady_clock::now();
    while (!stopping_) {
      EventLog::Page page = events_.Since(cursor, kMaxPage);
      std::string out;
      if (page.missed)
        out += "event: missed\ndata: " + DumpJson({{"missed", page.missed}}) + "\n\n";
      for (const auto& n : page.events)
        out += "id: " + std::to_string(n.seq) + "\ndata: " + DumpJson(EventJson(n)) + "\n\n";
      cursor = page.next;
      if (!out.empty()) {
        if (!write(out)) return;
        last_write = std::chrono::steady_clock::now();
        continue;
      }
      if (events_.WaitBeyond(cursor, 1s)) continue;
      // A comment now and then finds clients that went away.
      if (std::chrono::steady_clock::now() - last_write > 5s) {
        if (!write(": ping\n\n")) return;
        last_write = std::chrono::steady_clock::now();
      }
    }
  };
  return r;
}

}  // namespace praxis::node
