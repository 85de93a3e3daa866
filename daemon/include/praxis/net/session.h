// Session: one peer connection over TCP. Runs the SecureHandshake under a
// deadline, then moves frames through a FrameCodec: a reader and a writer
// coroutine, both holding the session alive (asio's chat_server shape). The
// protocol logic lives behind SessionHost; this file only moves bytes.
//
// Threading: everything runs on the executor of the socket (the node's
// thread). Stop() is idempotent and the only way out.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "praxis/net/frame_codec.h"
#include "praxis/net/secure_handshake.h"

namespace praxis::net {

class Session;

// What a session reports to the node. Called on the session's executor.
class SessionHost {
 public:
  virtual ~SessionHost() = default;
  virtual void OnPeerUp(const std::shared_ptr<Session>& s) = 0;
  virtual void OnFrame(const std::shared_ptr<Session>& s, std::string frame) = 0;
  // Once per session that came up, with why it ended.
  virtual void OnPeerDown(const std::shared_ptr<Session>& s, const Status& why) = 0;
  // Once per session whose handshake failed or timed out (it never came up).
  virtual void OnHandshakeFailed(const std::shared_ptr<Session>& s, const Status& why) = 0;
  // Every frame of one read was delivered (a batch may be judged now).
  virtual void OnFramesDone(const std::shared_ptr<Session>& s) { (void)s; }
  // The outbox fell below a quarter of what it held (catch-up refills it).
  virtual void OnDrained(const std::shared_ptr<Session>& s) { (void)s; }
};

struct SessionOptions {
  std::chrono::milliseconds handshake_timeout{10'000};  // Default: 10 s
  std::size_t max_outbox_bytes = 16 << 20;  // a peer that reads slower than this is dropped
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(asio::ip::tcp::socket socket, NoiseRole role, const crypto::KeyPair& identity,
          HandshakeOptions hs, SessionOptions opts, SessionHost& host);

  void Start();                  // spawns the handshake, then reader and writer
  void Send(std::string frame);  // queues; never blocks; overflow stops the session
  void Stop(const Status& why);

  bool up() const { return codec_.has_value() && !stopped_; }
  bool stopped() const { return stopped_; }  // closed, for whatever reason
  const PeerHello& peer() const { return handshake_.peer(); }
  NoiseRole role() const { return role_; }
  std::string remote_address() const { return remote_; }
  std::uint64_t bytes_in() const { return bytes_in_; }
  std::uint64_t bytes_out() const { return bytes_out_; }
  std::size_t backlog() const { return outbox_bytes_; }  // queued, not yet written

 private:
  asio::awaitable<void> Run();
  asio::awaitable<Status> Handshake();
  asio::awaitable<Result<std::string>> ReadRecord();
  asio::awaitable<Status> WriteRaw(const std::string& bytes);
  asio::awaitable<void> Writer();

  asio::ip::tcp::socket socket_;
  NoiseRole role_;
  SecureHandshake handshake_;
  SessionOptions opts_;
  SessionHost& host_;
  std::optional<FrameCodec> codec_;
  asio::steady_timer wake_;  // the writer parks here while the outbox is empty
  std::deque<std::string> outbox_;
  std::size_t outbox_bytes_ = 0;
  bool stopped_ = false;
  bool reported_up_ = false;
  std::string remote_;
  std::uint64_t bytes_in_ = 0, bytes_out_ = 0;
};

}  // namespace praxis::net
