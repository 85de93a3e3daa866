#include "praxis/net/session.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/read.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

namespace praxis::net {

namespace {
constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);

std::string WithLength(const std::string& message) {
  std::string out;
  out.push_back(static_cast<char>(message.size() >> 8));
  out.push_back(static_cast<char>(message.size() & 0xff));
  return out + message;
}
}  // namespace

Session::Session(asio::ip::tcp::socket socket, NoiseRole role, const crypto::KeyPair& identity,
                 HandshakeOptions hs, SessionOptions opts, SessionHost& host)
    : socket_(std::move(socket)),
      role_(role),
      handshake_(role, identity, hs),
      opts_(opts),
      host_(host),
      wake_(socket_.get_executor()) {
  asio::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  wake_.expires_at(asio::steady_timer::time_point::max());
}

void Session::Start() {
  auto self = shared_from_this();
  asio::co_spawn(
      socket_.get_executor(), [self]() { return self->Run(); }, asio::detached);
}

void Session::Send(std::string frame) {
  if (stopped_) return;
  outbox_bytes_ += frame.size();
  outbox_.push_back(std::move(frame));
  if (outbox_bytes_ > opts_.max_outbox_bytes) {
    Stop(Status::Protocol("peer reads too slowly (outbox over " +
                          std::to_string(opts_.max_outbox_bytes) + " bytes)"));
    return;
  }
  wake_.cancel_one();
}

void Session::Stop(const Status& why) {
  if (stopped_) return;
  stopped_ = true;
  asio::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  wake_.cancel();
  if (reported_up_) host_.OnPeerDown(shared_from_this(), why);
}

asio::awaitable<Result<std::string>> Session::ReadRecord() {
  std::array<std::uint8_t, 2> len{};
  auto [ec, n] = co_await asio::async_read(socket_, asio::buffer(len), kTuple);
  if (ec) co_return Err(Status::IOError(ec.message()));
  std::string body(static_cast<std::size_t>(len[0] << 8 | len[1]), '\0');
  auto [ec2, n2] = co_await asio::async_read(socket_, asio::buffer(body), kTuple);
  if (ec2) co_return Err(Status::IOError(ec2.message()));
  bytes_in_ += 2 + body.size();
  co_return body;
}

asio::awaitable<Status> Session::WriteRaw(const std::string& bytes) {
  auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(bytes), kTuple);
  if (ec) co_return Status::IOError(ec.message());
  bytes_out_ += bytes.size();
  co_return Status::OK();
}

asio::awaitable<Status> Session::Handshake() {
  if (role_ == NoiseRole::kInitiator) {
    auto m1 = handshake_.Start();
    if (!m1) co_return m1.error();
    Status s = co_await WriteRaw(WithLength(*m1));
    if (!s.ok()) co_return s;
  }
  while (!handshake_.Complete()) {
    Result<std::string> record = co_await ReadRecord();
    if (!record) co_return record.error();
    auto reply = handshake_.OnMessage(*record);
    if (!reply) co_return reply.error();
    if (*reply) {
      Status s = co_await WriteRaw(WithLength(**reply));
      if (!s.ok()) co_return s;
    }
  }
  auto transport = handshake_.Split();
  if (!transport) co_return transport.error();
  codec_.emplace(std::move(*transport));
  co_return Status::OK();
}

asio::awaitable<void> Session::Run() {
  auto self = shared_from_this();
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer deadline(socket_.get_executor());
  deadline.expires_after(opts_.handshake_timeout);
  // Whichever finishes first wins; the loser is cancelled (a silent peer
  // cannot hold a slot past the deadline).
  auto outcome = co_await (Handshake() || deadline.async_wait(asio::use_awaitable));
  Status hs = outcome.index() == 0 ? std::get<0>(outcome)
                                   : Status::TimedOut("handshake not completed in time");
  if (!hs.ok() || stopped_) {
    if (!stopped_) {
      stopped_ = true;
      asio::error_code ec;
      socket_.close(ec);
    }
    host_.OnHandshakeFailed(self, hs.ok() ? Status::Cancelled("stopped") : hs);
    co_return;
  }
  reported_up_ = true;
  host_.OnPeerUp(self);
  if (stopped_) co_return;
  asio::co_spawn(
      socket_.get_executor(), [self]() { return self->Writer(); }, asio::detached);
  std::array<std::uint8_t, 16 * 1024> buf;
  for (;;) {
    auto [ec, n] = co_await socket_.async_read_some(asio::buffer(buf), kTuple);
    if (ec) {
      Stop(Status::IOError(ec.message()));
      co_return;
    }
    bytes_in_ += n;
    if (Status s = codec_->Feed(std::span<const std::uint8_t>(buf.data(), n)); !s.ok()) {
      Stop(s);
      co_return;
    }
    while (auto frame = codec_->Next()) {
      host_.OnFrame(self, std::move(*frame));
      if (stopped_) co_return;
    }
    host_.OnFramesDone(self);
  }
}

asio::awaitable<void> Session::Writer() {
  auto self = shared_from_this();
  constexpr std::size_t kWriteBatch = 256 * 1024;
  std::string batch;
  while (!stopped_) {
    if (outbox_.empty()) {
      (void)co_await wake_.async_wait(kTuple);
      continue;  // woken by Send (cancel) or Stop
    }
    // Everything queued goes out in one write (up to kWriteBatch): one
    // syscall for a burst of small frames, not one each.
    batch.clear();
    const std::size_t before = outbox_bytes_;
    while (!outbox_.empty() && batch.size() < kWriteBatch) {
      std::string frame = std::move(outbox_.front());
      outbox_.pop_front();
      outbox_bytes_ -= frame.size();
      auto bytes = codec_->Encode(frame);
      if (!bytes) {
        Stop(bytes.error());
        co_return;
      }
      batch += *bytes;
    }
    Status s = co_await WriteRaw(batch);
    if (!s.ok()) {
      Stop(s);
      co_return;
    }
    if (before > 0 && outbox_bytes_ <= before / 4 && !stopped_) host_.OnDrained(self);
  }
}

}  // namespace praxis::net
