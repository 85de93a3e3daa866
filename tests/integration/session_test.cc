// Two sessions over real loopback sockets: handshake, frames both ways,
// a foreign network key, a silent peer.
#include "praxis/net/session.h"

#include <gtest/gtest.h>

#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <functional>

#include "testutil/io_loop.h"

namespace praxis::net {
namespace {

using asio::ip::tcp;

struct RecordingHost : SessionHost {
  int up = 0, down = 0;
  std::vector<std::string> frames;
  Status last_down;
  void OnPeerUp(const std::shared_ptr<Session>&) override { ++up; }
  void OnFrame(const std::shared_ptr<Session>&, std::string f) override {
    frames.push_back(std::move(f));
  }
  void OnPeerDown(const std::shared_ptr<Session>&, const Status& why) override {
    ++down;
    last_down = why;
  }
  int failed = 0;
  void OnHandshakeFailed(const std::shared_ptr<Session>&, const Status&) override { ++failed; }
};

class SessionTest : public ::testing::Test {
 protected:
  void SetUp() override { crypto::InitCrypto(); }

  // Accepts one connection and dials it; returns (dialer socket, accepted socket).
  std::pair<tcp::socket, tcp::socket> Connected() {
    tcp::acceptor acceptor(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    tcp::socket dialer(io_);
    dialer.connect(acceptor.local_endpoint());
    tcp::socket accepted = acceptor.accept();
    return {std::move(dialer), std::move(accepted)};
  }
  bool RunUntil(const std::function<bool()>& done) { return testutil::RunUntil(io_, done); }
  HandshakeOptions Net(std::uint8_t key) {
    HandshakeOptions o;
    o.network_key.fill(key);
    return o;
  }

  asio::io_context io_;
  crypto::KeyPair alice_ = crypto::KeyPair::Generate();
  crypto::KeyPair bob_ = crypto::KeyPair::Generate();
  RecordingHost a_host_, b_host_;
};

TEST_F(SessionTest, HandshakeThenFramesBothWays) {
  auto [da, db] = Connected();
  auto a = std::make_shared<Session>(std::move(da), NoiseRole::kInitiator, alice_, Net(1),
                                     SessionOptions{}, a_host_);
  auto b = std::make_shared<Session>(std::move(db), NoiseRole::kResponder, bob_, Net(1),
                                     SessionOptions{}, b_host_);
  a->Start();
  b->Start();
  ASSERT_TRUE(RunUntil([&] { return a_host_.up == 1 && b_host_.up == 1; }));
  EXPECT_EQ(a->peer().member, bob_.public_key());
  EXPECT_EQ(b->peer().member, alice_.public_key());
  const std::string big(700 * 1024, 'z');  // split across many Noise messages
  a->Send("hello");
  a->Send(big);
  b->Send("hi back");
  ASSERT_TRUE(RunUntil([&] { return b_host_.frames.size() == 2 && a_host_.frames.size() == 1; }));
  EXPECT_EQ(b_host_.frames[0], "hello");
  EXPECT_EQ(b_host_.frames[1], big);
  EXPECT_EQ(a_host_.frames[0], "hi back");
  a->Stop(Status::Cancelled("test over"));
  ASSERT_TRUE(RunUntil([&] { return b_host_.down == 1; }));
  EXPECT_EQ(a_host_.down, 1);
}

TEST_F(SessionTest, ForeignNetworkKeyNeverComesUp) {
  auto [da, db] = Connected();
  auto a = std::make_shared<Session>(std::move(da), NoiseRole::kInitiator, alice_, Net(1),
                                     SessionOptions{}, a_host_);
  auto b = std::make_shared<Session>(std::move(db), NoiseRole::kResponder, bob_, Net(2),
                                     SessionOptions{}, b_host_);
  a->Start();
  b->Start();
  // Both ends close: the responder on message 1, the dialer then sees EOF.
  ASSERT_TRUE(RunUntil([&] { return a->stopped() && b->stopped(); }));
  EXPECT_EQ(a_host_.up + b_host_.up, 0);
  EXPECT_EQ(a_host_.down + b_host_.down, 0);  // never up, so never reported down
  EXPECT_EQ(a_host_.failed + b_host_.failed, 2);
}

TEST_F(SessionTest, SilentPeerIsDroppedAtTheHandshakeDeadline) {
  auto [da, db] = Connected();
  SessionOptions quick;
  quick.handshake_timeout = std::chrono::milliseconds(200);
  auto b =
      std::make_shared<Session>(std::move(db), NoiseRole::kResponder, bob_, Net(1), quick, b_host_);
  b->Start();
  // The dialer says nothing; the responder must close the socket on its own.
  std::array<char, 1> buf;
  asio::error_code read_ec;
  bool closed = false;
  da.async_read_some(asio::buffer(buf), [&](const asio::error_code& ec, std::size_t) {
    read_ec = ec;
    closed = true;
  });
  ASSERT_TRUE(RunUntil([&] { return closed; }));
  EXPECT_TRUE(read_ec == asio::error::eof || read_ec == asio::error::connection_reset)
      << read_ec.message();
  EXPECT_EQ(b_host_.up, 0);
  EXPECT_TRUE(RunUntil([&] { return b_host_.failed == 1; }));
}

}  // namespace
}  // namespace praxis::net
