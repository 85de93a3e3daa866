#include "control_client.h"

#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "data_dir.h"
#include "frame.h"

namespace praxis::cli {

namespace {

// Quotes a path for a command the user may copy, only when the shell needs it.
std::string ShellWord(const std::string& s) {
  bool plain = !s.empty();
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::strchr("_/.,:@%+=-", c) != nullptr;
    if (!ok) plain = false;
  }
  if (plain) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string UserName(uid_t uid) {
  long size = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buf(size > 0 ? static_cast<std::size_t>(size) : 16384);
  passwd pw{};
  passwd* found = nullptr;
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr)
    return std::string("'") + found->pw_name + "'";
  return "uid " + std::to_string(uid);
}

Status ConnectError(int err, const std::string& data_dir, const std::string& socket_path) {
  const std::string why = "cannot connect to " + socket_path + ": " + std::strerror(err);
  switch (err) {
    case ENOENT:
    case ENOTDIR:
    case ECONNREFUSED:  // a socket file left behind by a node that is gone
      return Status::NotFound("no node running for " + data_dir + " (" + why +
                              "); start one with praxisd --data-dir " + ShellWord(data_dir));
    case EACCES:
    case EPERM: {
      struct stat st {};
      if (::stat(socket_path.c_str(), &st) == 0 && st.st_uid != geteuid()) {
        return Status::FailedPrecondition(why + " (the node there runs as user " +
                                          UserName(st.st_uid) + ", not " + UserName(geteuid()) +
                                          "; run praxis as that user or use your own --data-dir)");
      }
      return Status::FailedPrecondition(why + " (no access to the socket or to its directory)");
    }
    default:
      return Status::IOError(why);
  }
}

// The node's Error, passed through as it said it (it is written for people).
Status NodeError(const control::Response& response) {
  const std::string& message = response.error().message();
  return Status::FailedPrecondition(message.empty() ? "the node refused without a reason"
                                                    : message);
}

}  // namespace

Result<ControlClient> ControlClient::Connect(const std::string& data_dir) {
  const std::string socket_path = SocketPath(data_dir);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string connect_path = socket_path;
  int dir_fd = -1;
  if (connect_path.size() >= sizeof addr.sun_path) {
    // sun_path holds only ~108 bytes, but home and test directories can be
    // deeper: reach the socket through a descriptor for its directory.
    dir_fd = ::open(data_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) return Err(ConnectError(errno, data_dir, socket_path));
    connect_path = "/proc/self/fd/" + std::to_string(dir_fd) + "/praxis.sock";
  }
  std::memcpy(addr.sun_path, connect_path.c_str(), connect_path.size() + 1);

  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    const int err = errno;
    if (dir_fd >= 0) ::close(dir_fd);
    return Err(Status::IOError(std::string("cannot create a socket: ") + std::strerror(err)));
  }
  const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  const int err = errno;
  if (dir_fd >= 0) ::close(dir_fd);
  if (rc != 0) {
    ::close(fd);
    return Err(ConnectError(err, data_dir, socket_path));
  }
  return ControlClient(fd, socket_path);
}

ControlClient::ControlClient(int fd, std::string socket_path)
    : fd_(fd), socket_path_(std::move(socket_path)) {}

ControlClient::ControlClient(ControlClient&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), socket_path_(std::move(other.socket_path_)) {}

ControlClient& ControlClient::operator=(ControlClient&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    socket_path_ = std::move(other.socket_path_);
  }
  return *this;
}

ControlClient::~ControlClient() {
  if (fd_ >= 0) ::close(fd_);
}

Status ControlClient::LostConnection(int err) const {
  return Status::IOError("lost the connection to the node at " + socket_path_ + ": " +
                         std::strerror(err));
}

Status ControlClient::Send(const control::Request& request) {
  std::string payload;
  if (!request.SerializeToString(&payload) || payload.size() > kMaxFrameSize) {
    return Status::InvalidArgument("request too large to send (" + std::to_string(payload.size()) +
                                   " bytes)");
  }
  return WriteAll(EncodeFrame(payload));
}

Status ControlClient::WriteAll(std::string_view bytes) {
  while (!bytes.empty()) {
    // Wait for room to write, but also for the node to speak: it answers
    // mid-request only to refuse (or it hung up), and a node that has
    // stopped reading would otherwise leave us blocked in send() forever.
    pollfd pfd{.fd = fd_, .events = POLLOUT | POLLIN, .revents = 0};
    if (::poll(&pfd, 1, -1) < 0) {
      if (errno == EINTR) continue;
      return LostConnection(errno);
    }
    if (pfd.revents & (POLLIN | POLLHUP)) {
      return ExplainEarlyReply(
          Status::Protocol("the node replied before the request was complete"));
    }
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return ExplainEarlyReply(LostConnection(errno));
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::OK();
}

Status ControlClient::ExplainEarlyReply(Status fallback) {
  auto reply = Receive();
  if (!reply) return reply.error();  // it hung up: say so rather than "Broken pipe"
  if (reply->has_error()) return NodeError(*reply);
  return fallback;
}

Status ControlClient::ReadExactly(void* buf, std::size_t n, bool* eof_at_start) {
  auto* p = static_cast<char*>(buf);
  std::size_t got = 0;
  *eof_at_start = false;
  while (got < n) {
    const ssize_t r = ::recv(fd_, p + got, n - got, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      return LostConnection(errno);
    }
    if (r == 0) {
      if (got == 0) *eof_at_start = true;
      return Status::IOError("the node at " + socket_path_ + " closed the connection" +
                             (got == 0 ? "" : " in the middle of a reply"));
    }
    got += static_cast<std::size_t>(r);
  }
  return Status::OK();
}

Result<control::Response> ControlClient::Receive() {
  std::array<std::uint8_t, kFrameHeaderSize> header;
  bool eof = false;
  if (Status s = ReadExactly(header.data(), header.size(), &eof); !s.ok()) return Err(s);
  auto length = DecodeFrameHeader(header);
  if (!length) return Err(length.error());
  std::string payload(*length, '\0');
  if (Status s = ReadExactly(payload.data(), payload.size(), &eof); !s.ok()) {
    if (eof)
      return Err(Status::IOError("the node at " + socket_path_ +
                                 " closed the connection in the middle of a reply"));
    return Err(s);
  }
  control::Response response;
  if (!response.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return Err(
        Status::Protocol("the node sent a reply this praxis cannot parse (is praxisd "
                         "the same version?)"));
  }
  return response;
}

Result<control::Response> ControlClient::ReceiveReply() {
  auto response = Receive();
  if (response && response->has_error()) return Err(NodeError(*response));
  return response;
}

Result<control::Response> ControlClient::ReceiveExpecting(control::Response::RespCase expected) {
  auto response = ReceiveReply();
  if (!response) return response;
  if (response->resp_case() != expected) {
    return Err(Status::Protocol("unexpected reply from the node (kind " +
                                std::to_string(response->resp_case()) + ", expected " +
                                std::to_string(expected) + "); is praxisd the same version?"));
  }
  return response;
}

Result<control::Response> ControlClient::Call(const control::Request& request,
                                              control::Response::RespCase expected) {
  if (Status s = Send(request); !s.ok()) return Err(s);
  return ReceiveExpecting(expected);
}

}  // namespace praxis::cli
