// The control socket (DIR/praxis.sock): length-prefixed control::Request
// frames, decoded and dispatched by a real ControlServer over a real Node on
// a scratch store, exactly as praxisd serves the CLI. The input is a
// sequence of request bodies (raw bytes, or a real request with fields the
// input fills); each input is one connection. Two requests are held back:
// backup (it writes a directory wherever the request says) and identity
// export (a deliberately slow key derivation per call).
//
// Checked: no crash and no sanitizer report in the daemon's handlers; every
// reply frame is a well-formed control::Response.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/thread_pool.hpp>
#include <thread>

#include "control.pb.h"
#include "fuzz/fuzz_init.h"
#include "fuzz/fuzz_input.h"
#include "praxis/node/control_server.h"
#include "praxis/storage/keys.h"
#include "testutil/temp_dir.h"

namespace {

using namespace praxis;

// One node serving the control socket on a thread of its own, for the
// whole run (its state grows with what the inputs create).
struct Daemon {
  testutil::TempDir dir;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  asio::thread_pool pool{1};
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<node::Node> node;
  std::unique_ptr<node::ControlServer> server;
  std::thread thread;

  Daemon() {
    auto s = storage::OpenRocksStore({.path = dir.Sub("db")});
    if (!s) std::abort();
    store = std::move(*s);
    auto ing = node::Ingestor::Open(*store, {});
    if (!ing) std::abort();
    node = std::make_unique<node::Node>(io.get_executor(), pool, *store, std::move(*ing),
                                        crypto::KeyPair::Generate(),
                                        node::NodeOptions{.data_dir = dir.path(),
                                                          .key_path = dir.Sub("identity.key")});
    server = std::make_unique<node::ControlServer>(*node, dir.Sub("praxis.sock"));
    if (!server->Start().ok()) std::abort();
    thread = std::thread([this] { io.run(); });
  }
};

Daemon& D() {
  static Daemon* d = new Daemon();  // never destroyed: the process ends with the run
  return *d;
}

// A request the input describes: raw bytes, or one of a few shapes with
// input-filled fields (ids as hex or not, names, streams of share data).
std::string RequestBytes(fuzz::FuzzInput& in) {
  const std::uint8_t how = in.U8();
  if (how % 2 == 0) return in.Part();
  control::Request r;
  const std::string text = in.Part();
  switch (how >> 1 & 15) {
    case 0: r.mutable_status(); break;
    case 1: r.mutable_group_create()->set_name(text); break;
    case 2: r.mutable_group_join()->set_group(text); break;
    case 3: r.mutable_groups(); break;
    case 4: r.mutable_share_begin()->set_title(text); break;
    case 5: r.mutable_data()->set_bytes(text); break;
    case 6: r.mutable_share_end(); break;
    case 7: r.mutable_ls()->set_group(text); break;
    case 8: r.mutable_get()->set_id(text); break;
    case 9: r.mutable_stage()->set_group(text); break;
    case 10: r.mutable_retract()->set_announcement(text); break;
    case 11: r.mutable_import()->add_envelopes(text); break;
    case 12: r.mutable_discover(); break;
    case 13: r.mutable_news(); break;
    case 14: r.mutable_deny(); break;
    default: r.mutable_du(); break;
  }
  return r.SerializeAsString();
}

bool HeldBack(const std::string& bytes) {
  control::Request r;
  return r.ParseFromString(bytes) && (r.has_backup() || r.has_identity_export());
}

int Connect(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) std::abort();
  return fd;
}

void WriteAll(int fd, const std::string& bytes) {
  for (std::size_t at = 0; at < bytes.size();) {
    ssize_t n = ::send(fd, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
    if (n <= 0) return;  // the server ended the session (a malformed frame)
    at += static_cast<std::size_t>(n);
  }
}

// Reads replies until the server closes, or nothing comes for a while (a
// watch, or a get waiting for peers, streams until the client goes).
std::string ReadReplies(int fd) {
  std::string got;
  char buf[65536];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 300) <= 0) break;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  return got;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::InitOnce();
  Daemon& d = D();
  fuzz::FuzzInput in(data, size);
  std::string stream;
  while (!in.empty()) {
    std::string req = RequestBytes(in);
    if (HeldBack(req)) continue;
    storage::keys::AppendU32(stream, static_cast<std::uint32_t>(req.size()));
    stream += req;
  }
  const int fd = Connect(d.dir.Sub("praxis.sock"));
  WriteAll(fd, stream);
  ::shutdown(fd, SHUT_WR);
  const std::string replies = ReadReplies(fd);
  ::close(fd);
  // Every whole frame the server sent is a Response (a cut last one is a
  // stream the client ended).
  std::string_view rest(replies);
  while (rest.size() >= 4) {
    const std::uint32_t len = storage::keys::ReadU32(rest.substr(0, 4));
    if (rest.size() - 4 < len) break;
    control::Response resp;
    FUZZ_CHECK(resp.ParseFromArray(rest.data() + 4, static_cast<int>(len)));
    rest.remove_prefix(4 + len);
  }
  return 0;
}
