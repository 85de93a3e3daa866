// Bad bytes on the control socket never crash the node (DESIGN §7: the
// daemon answers a malformed request with an error or closes that session,
// and keeps serving everyone else).
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <random>
#include <string>

#include "harness.h"

namespace praxis::process_test {
namespace {

// Connects to DIR/praxis.sock, writes `bytes`, half-closes, and returns what
// the daemon sent back before closing (bounded read).
std::string SendRaw(const std::string& data_dir, const std::string& bytes) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "<socket failed>";
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string path = data_dir + "/praxis.sock";
  if (path.size() >= sizeof addr.sun_path) {
    ::close(fd);
    return "<path too long>";
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "<connect failed>";
  }
  timeval tv{.tv_sec = 10, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) break;  // the daemon may close early on a bad frame
    off += static_cast<std::size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  std::string reply;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    reply.append(buf, static_cast<std::size_t>(n));
    if (reply.size() > (1 << 20)) break;
  }
  ::close(fd);
  return reply;
}

std::string Frame(const std::string& body) {
  std::string out;
  const auto n = static_cast<std::uint32_t>(body.size());
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>(n >> (8 * i)));
  return out + body;
}

TEST(ProcessControlSocket, GarbageNeverCrashesTheNodeAndOthersAreStillServed) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  const std::string g = node.CreateGroup("robust");
  std::mt19937 rng(1234);
  auto random_bytes = [&](std::size_t n) {
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    return s;
  };
  std::vector<std::string> attacks = {
      "",                                                              // connect and leave
      "\x00\x00",                                                      // a truncated length
      std::string("\xff\xff\xff\xff", 4),                              // a 4 GiB frame announced
      std::string("\x00\x40\x00\x01", 4),                              // just over the 4 MiB cap
      Frame(""),                                                       // an empty request
      Frame("\x0a\x05hello"),                                          // a field of the wrong type
      Frame(std::string("\x3a\x02\x0a\x00", 4)) + random_bytes(5000),  // share_begin, then junk
      Frame(random_bytes(100)) + Frame(random_bytes(1000)),
  };
  for (int i = 0; i < 40; ++i) attacks.push_back(Frame(random_bytes(rng() % 2000)));
  for (int i = 0; i < 10; ++i) attacks.push_back(random_bytes(rng() % 64));
  for (std::size_t i = 0; i < attacks.size(); ++i) {
    SCOPED_TRACE("attack " + std::to_string(i));
    SendRaw(node.data_dir(), attacks[i]);
    ASSERT_FALSE(node.daemon().WaitExit(std::chrono::milliseconds(0)).has_value())
        << "praxisd died\n"
        << node.daemon().Stderr();
  }
  // The node still answers, and nothing it holds changed.
  const Json status = node.JsonOf({"status"});
  EXPECT_EQ(status["groups"], 1) << status;
  EXPECT_EQ(status["announcements"], 1) << status;
  const Json shared = node.ShareText("still here", g);
  EXPECT_TRUE(IsHexId(shared["announcement"])) << shared;
  ASSERT_TRUE(node.Stop()) << "the node must still stop cleanly after the garbage";
}

TEST(ProcessControlSocket, AnUnknownRequestGetsAnErrorReplyNotACrash) {
  TestNode node;
  ASSERT_TRUE(node.Start());
  // Field 99 of Request is unknown to this daemon: a well-formed message
  // with no request in it.
  const std::string reply = SendRaw(node.data_dir(), Frame(std::string("\x98\x06\x01", 3)));
  ASSERT_GE(reply.size(), 4u);
  EXPECT_NE(reply.find("not understood"), std::string::npos) << reply;
  EXPECT_TRUE(node.JsonOf({"status"}).is_object());
}

}  // namespace
}  // namespace praxis::process_test
