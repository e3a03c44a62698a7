// Failing over between hosts, and a database that goes down mid-run and
// comes back. Loopback only: dead hosts are closed ports on 127.0.0.1. The
// shared sandbox's server is never stopped; the down-and-up test starts a
// private sandbox of its own.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "latchkey/db/db.h"
#include "support/sandbox.h"

namespace latchkey::db {
namespace {

using Clock = std::chrono::steady_clock;
using testing::Sandbox;
using testing::SandboxTcpConfig;

// A loopback port nobody listens on (bound, then closed again).
uint16_t DeadPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  close(fd);
  return ntohs(addr.sin_port);
}

// A loopback port that accepts TCP connections (the kernel completes them)
// but never says a word: a hung server. Closed when destroyed.
class SilentListener {
 public:
  SilentListener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_GE(fd_, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(listen(fd_, 8), 0);
    socklen_t len = sizeof(addr);
    EXPECT_EQ(getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentListener() { close(fd_); }
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

std::string Label(const HostPort& hp) {
  return hp.host + ":" + std::to_string(hp.port);
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

TEST(FailoverTest, ConnectsToTheNextHostWithinConnectTimeout) {
  DatabaseConfig cfg = SandboxTcpConfig(Sandbox(), "");
  const HostPort live = cfg.hosts.at(0);
  const HostPort dead{"127.0.0.1", DeadPort()};
  cfg.hosts = {dead, live};
  cfg.connect_timeout = Millis(2000);
  auto conn = OpenFromConfig(cfg);
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();

  const auto start = Clock::now();
  auto row = (*conn)->QueryOne("SELECT 1");
  const double took = SecondsSince(start);
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  EXPECT_EQ((*row)->i64(0), 1);
  EXPECT_EQ((*conn)->peer(), Label(live));
  EXPECT_LT(took, 2.0) << "failing over took " << took << " s";
}

TEST(FailoverTest, AllHostsDeadIsUnavailableQuicklyNamingThem) {
  DatabaseConfig cfg = SandboxTcpConfig(Sandbox(), "");
  const HostPort a{"127.0.0.1", DeadPort()};
  const HostPort b{"127.0.0.1", DeadPort()};
  cfg.hosts = {a, b};
  cfg.connect_timeout = Millis(1000);
  auto conn = OpenFromConfig(cfg);
  ASSERT_TRUE(conn.ok());

  const auto start = Clock::now();
  Status s = (*conn)->Connect();
  const double took = SecondsSince(start);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find(Label(a)), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(Label(b)), std::string::npos) << s.message();
  // At most connect_timeout per host (refused ports answer at once).
  EXPECT_LT(took, 2.0) << took;
  EXPECT_FALSE((*conn)->connected());

  // A statement says the same and does not hang or crash.
  auto q = (*conn)->Query("SELECT 1");
  EXPECT_EQ(q.status().code(), StatusCode::kUnavailable);
}

TEST(FailoverTest, AHungHostCostsAtMostConnectTimeout) {
  SilentListener hung;
  DatabaseConfig cfg = SandboxTcpConfig(Sandbox(), "");
  const HostPort live = cfg.hosts.at(0);
  const HostPort silent{"127.0.0.1", hung.port()};
  cfg.hosts = {silent, live};
  cfg.connect_timeout = Millis(1000);
  cfg.read_timeout = Millis(5000);  // must not apply to the handshake
  auto conn = OpenFromConfig(cfg);
  ASSERT_TRUE(conn.ok());

  const auto start = Clock::now();
  Status s = (*conn)->Connect();
  const double took = SecondsSince(start);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ((*conn)->peer(), Label(live));
  EXPECT_GE(took, 0.9);  // it did wait for the silent one
  EXPECT_LT(took, 2.5) << took;

  // Alone, the hung host is Unavailable after about connect_timeout.
  cfg.hosts = {silent};
  auto only = OpenFromConfig(cfg);
  ASSERT_TRUE(only.ok());
  const auto start2 = Clock::now();
  Status s2 = (*only)->Connect();
  EXPECT_EQ(s2.code(), StatusCode::kUnavailable) << s2.ToString();
  EXPECT_NE(s2.message().find(Label(silent)), std::string::npos);
  EXPECT_LT(SecondsSince(start2), 2.5);
}

TEST(FailoverTest, MissingSocketIsUnavailable) {
  DatabaseConfig cfg = testing::SandboxDbConfig(Sandbox(), "");
  cfg.socket = "/nonexistent/latchkey-test.sock";
  Connection conn(cfg, Secret());
  Status s = conn.Connect();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find(cfg.socket), std::string::npos) << s.message();
}

TEST(FailoverTest, TlsRequiredAgainstAPlainServerIsRefused) {
  // A listener that speaks no MariaDB (let alone TLS): "required" must not
  // fall back to plain. (db_tls_test covers a real server's certificate.)
  SilentListener plain;
  DatabaseConfig cfg = SandboxTcpConfig(Sandbox(), "");
  cfg.hosts = {HostPort{"127.0.0.1", plain.port()}};
  cfg.connect_timeout = Millis(1000);
  cfg.tls = TlsMode::kRequired;
  auto conn = OpenFromConfig(cfg);
  ASSERT_TRUE(conn.ok());
  Status s = (*conn)->Connect();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
}

TEST(FailoverTest, DatabaseGoesDownMidRunAndComesBack) {
  testing::PrivateSandbox sb;
  ASSERT_TRUE(sb.ok()) << sb.status().ToString();
  DatabaseConfig cfg = SandboxTcpConfig(sb.info(), sb.info().db_name);
  cfg.connect_timeout = Millis(1000);
  cfg.read_timeout = Millis(2000);
  cfg.write_timeout = Millis(2000);
  auto opened = OpenFromConfig(cfg);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Connection& conn = **opened;

  constexpr char kQuery[] = "SELECT ? + 1";
  auto up = conn.QueryOne(kQuery, {int64_t{41}});
  ASSERT_TRUE(up.ok()) << up.status().ToString();
  EXPECT_EQ((*up)->i64(0), 42);

  ASSERT_TRUE(sb.StopServer().ok());
  auto start = Clock::now();
  auto down = conn.QueryOne(kQuery, {int64_t{1}});
  double took = SecondsSince(start);
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.status().code(), StatusCode::kUnavailable)
      << down.status().ToString();
  // A lost connection, one reconnect attempt (refused at once): well under
  // read timeout + connect timeout.
  EXPECT_LT(took, 3.0) << took;
  EXPECT_FALSE(conn.connected());
  // While it is down, every statement fails fast the same way.
  start = Clock::now();
  auto still_down = conn.Execute("DO 1");
  EXPECT_EQ(still_down.status().code(), StatusCode::kUnavailable);
  EXPECT_LT(SecondsSince(start), 2.0);
  EXPECT_EQ(conn.Ping().code(), StatusCode::kUnavailable);

  ASSERT_TRUE(sb.StartServer().ok());
  auto back = conn.QueryOne(kQuery, {int64_t{1}});
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ((*back)->i64(0), 2);
  EXPECT_TRUE(conn.connected());

  // The server restarting under an open connection: the next statement
  // reconnects on its own.
  ASSERT_TRUE(sb.StopServer().ok());
  ASSERT_TRUE(sb.StartServer().ok());
  auto again = conn.QueryOne(kQuery, {int64_t{2}});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ((*again)->i64(0), 3);
}

}  // namespace
}  // namespace latchkey::db
