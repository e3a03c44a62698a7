// The agent socket's framing: lengths, limits, timeouts, close-on-exec.
#include "latchkey/fleet/agent_wire.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

namespace latchkey {
namespace {

using std::chrono::milliseconds;

struct Pair {
  int a = -1, b = -1;
  Pair() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    a = fds[0];
    b = fds[1];
  }
  ~Pair() {
    if (a >= 0) ::close(a);
    if (b >= 0) ::close(b);
  }
};

TEST(AgentWireTest, RoundTripsAFrame) {
  Pair p;
  ASSERT_TRUE(WriteAgentFrame(p.a, R"({"op":"ping"})", milliseconds(500)).ok());
  Result<Secret> got = ReadAgentFrame(p.b, milliseconds(500));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->view(), R"({"op":"ping"})");
}

TEST(AgentWireTest, RefusesEmptyAndOversizedPayloads) {
  Pair p;
  EXPECT_EQ(WriteAgentFrame(p.a, "", milliseconds(100)).code(),
            StatusCode::kInvalidArgument);
  const std::string big(kAgentFrameMax + 1, 'x');
  EXPECT_EQ(WriteAgentFrame(p.a, big, milliseconds(100)).code(),
            StatusCode::kInvalidArgument);
}

TEST(AgentWireTest, RefusesAnAnnouncedLengthAboveTheLimit) {
  Pair p;
  const unsigned char header[4] = {0x7f, 0xff, 0xff, 0xff};
  ASSERT_EQ(::write(p.a, header, 4), 4);
  Result<Secret> got = ReadAgentFrame(p.b, milliseconds(200));
  EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument);
}

TEST(AgentWireTest, ATruncatedFrameIsAClosedConnection) {
  Pair p;
  const unsigned char header[4] = {0, 0, 0, 10};
  ASSERT_EQ(::write(p.a, header, 4), 4);
  ASSERT_EQ(::write(p.a, "abc", 3), 3);
  ::close(p.a);
  p.a = -1;
  Result<Secret> got = ReadAgentFrame(p.b, milliseconds(200));
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(got.status().message().find("closed"), std::string::npos);
}

TEST(AgentWireTest, ASilentPeerTimesOut) {
  Pair p;
  const auto start = std::chrono::steady_clock::now();
  Result<Secret> got = ReadAgentFrame(p.b, milliseconds(150));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable);
  EXPECT_GE(took, milliseconds(140));
  EXPECT_LT(took, milliseconds(2000));
}

TEST(AgentWireTest, ConnectionIsCloseOnExecAndCallsTheServer) {
  char dir[] = "/tmp/lk-wire-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/agent.sock";
  const int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  path.copy(addr.sun_path, path.size());
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr),
            0);
  ASSERT_EQ(::listen(listener, 1), 0);
  std::thread server([listener] {
    const int c = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    Result<Secret> req = ReadAgentFrame(c, milliseconds(1000));
    if (req.ok()) {
      (void)WriteAgentFrame(c, std::string("echo:") + std::string(req->view()),
                            milliseconds(1000));
    }
    ::close(c);
  });
  {
    Result<AgentConnection> conn =
        AgentConnection::Open(path, milliseconds(500));
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    EXPECT_TRUE(::fcntl(conn->fd(), F_GETFD) & FD_CLOEXEC);
    Result<Secret> answer = conn->Call("hi", milliseconds(1000));
    ASSERT_TRUE(answer.ok()) << answer.status().ToString();
    EXPECT_EQ(answer->view(), "echo:hi");
    conn->Close();
    EXPECT_EQ(conn->fd(), -1);
  }
  server.join();
  ::close(listener);
  ::unlink(path.c_str());
  ::rmdir(dir);
}

TEST(AgentWireTest, NoAgentIsUnavailableNamingThePath) {
  Result<AgentConnection> conn = AgentConnection::Open(
      "/nonexistent/latchkey/agent.sock", milliseconds(100));
  EXPECT_EQ(conn.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(conn.status().message().find("/nonexistent/latchkey/agent.sock"),
            std::string::npos);
}

}  // namespace
}  // namespace latchkey
