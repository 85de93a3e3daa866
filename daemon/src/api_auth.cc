#include "praxis/node/api_auth.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace praxis::node {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Names this node answers to on loopback.
bool HostAllowed(const ApiAccess& a, const std::string& host_header) {
  const std::string port = ":" + std::to_string(a.port);
  const std::string h = Lower(host_header);
  for (const std::string& name : {std::string("127.0.0.1"), std::string("localhost"),
                                  std::string("[::1]"), Lower(a.host)})
    if (h == name + port) return true;
  return false;
}

bool TokenMatches(const std::string& want, const std::string& authorization) {
  constexpr std::string_view kBearer = "Bearer ";
  if (want.empty() || !StartsWith(authorization, kBearer)) return false;
  const std::string_view got = std::string_view(authorization).substr(kBearer.size());
  return got.size() == want.size() && sodium_memcmp(got.data(), want.data(), want.size()) == 0;
}

}  // namespace

bool IsLoopbackHost(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (Lower(host) == "localhost" || host == "::1") return true;
  if (!StartsWith(host, "127.")) return false;
  // Only a dotted IPv4 address, not a DNS name that starts with 127.
  return host.find_first_not_of("0123456789.") == std::string_view::npos;
}

std::string HostOf(std::string_view host_port) {
  const auto colon = host_port.rfind(':');
  if (colon == std::string_view::npos) return std::string(host_port);
  // A bare IPv6 address without a port has colons but no closing bracket.
  if (host_port.front() == '[' && host_port.find(']') > colon) return std::string(host_port);
  return std::string(host_port.substr(0, colon));
}

std::optional<Refusal> CheckAccess(const ApiAccess& a, const HttpRequest& req) {
  const bool api = StartsWith(req.path, "/api/");
  const std::string host = req.Header("host");
  if (a.token.empty() && !HostAllowed(a, host))
    return Refusal{403, "Host '" + host + "' is not this node's loopback address (127.0.0.1:" +
                            std::to_string(a.port) + " or localhost:" + std::to_string(a.port) +
                            ")"};
  if (req.HasHeader("origin") && req.Header("origin") != "http://" + host)
    return Refusal{403, "cross-origin request refused (Origin '" + req.Header("origin") + "')"};
  if (api && req.Header("sec-fetch-site") == "cross-site")
    return Refusal{403, "cross-site request refused"};
  if (api && !a.token.empty() && !TokenMatches(a.token, req.Header("authorization")))
    return Refusal{401, "this API is served beyond loopback: send 'Authorization: Bearer TOKEN' "
                        "(the token is in the data directory's api-token file)"};
  return std::nullopt;
}

Result<std::string> LoadOrCreateApiToken(const std::string& data_dir) {
  const std::string path = data_dir + "/" + kApiTokenFile;
  std::ifstream in(path);
  if (in) {
    std::string token((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!token.empty() && (token.back() == '\n' || token.back() == ' ')) token.pop_back();
    if (token.size() < 32) return Err(Status::InvalidArgument(path + ": token too short"));
    return token;
  }
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  char hex[sizeof raw * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
  const std::string token = hex;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Err(Status::IOError("cannot create " + path + ": " + std::strerror(errno)));
  const std::string line = token + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Err(Status::IOError("cannot write " + path + ": " + std::strerror(errno)));
  return token;
}

}  // namespace praxis::node
