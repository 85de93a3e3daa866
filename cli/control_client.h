// ControlClient: one connection to a node's control socket (DIR/praxis.sock),
// speaking the framed protocol of proto/control.proto. Blocking, one thread.
//
// Every failure comes back as a Status whose message is the one line the user
// sees: who could not be reached and why, or the node's own Error.message.
#pragma once

#include <string>

#include "control.pb.h"
#include "praxis/storage/status.h"

namespace praxis::cli {

class ControlClient {
 public:
  // Connects to the node whose data directory is `data_dir`. Fails with
  // NotFound when no node is running there (no socket, or a stale one), with
  // FailedPrecondition when the socket belongs to someone else or access is
  // denied, and with IOError otherwise.
  static Result<ControlClient> Connect(const std::string& data_dir);

  ControlClient(ControlClient&& other) noexcept;
  ControlClient& operator=(ControlClient&& other) noexcept;
  ControlClient(const ControlClient&) = delete;
  ControlClient& operator=(const ControlClient&) = delete;
  ~ControlClient();

  // Writes one framed request. If the node answers or hangs up before the
  // request is fully written (it refused an upload half-way, say), returns
  // the node's Error as the Status when it sent one.
  Status Send(const control::Request& request);

  // Blocks until one whole Response arrives. IOError when the connection is
  // lost, Protocol when the node sends an oversize or unparsable frame.
  Result<control::Response> Receive();

  // Receive(), with a Response carrying an Error turned into a failed Status
  // that has the node's message.
  Result<control::Response> ReceiveReply();

  // ReceiveReply(); a reply of another kind than `expected` is a Protocol
  // error.
  Result<control::Response> ReceiveExpecting(control::Response::RespCase expected);

  // Send() then ReceiveExpecting(): one request, one reply.
  Result<control::Response> Call(const control::Request& request,
                                 control::Response::RespCase expected);

 private:
  ControlClient(int fd, std::string socket_path);

  Status WriteAll(std::string_view bytes);
  // Reads exactly `n` bytes. *eof_at_start tells a clean hang-up between
  // messages from one in the middle of a message.
  Status ReadExactly(void* buf, std::size_t n, bool* eof_at_start);
  Status LostConnection(int err) const;
  // After a failed or interrupted write: the node's Error if it sent one,
  // else why the connection ended, else `fallback`.
  Status ExplainEarlyReply(Status fallback);

  int fd_ = -1;
  std::string socket_path_;  // for messages only
};

}  // namespace praxis::cli
