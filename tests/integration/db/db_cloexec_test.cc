// No descriptor of a db::Connection survives an exec: every connection's
// socket is close-on-exec, over the unix socket and TCP, after failing over
// to a later host and after reconnecting; and a forked child can drop its
// copy without ending the parent's session. A host that execs a program
// with its PAM handle open, without closing descriptors or calling pam_end
// in the child, would otherwise hand that program an authenticated database
// session.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <system_error>

#include "latchkey/db/db.h"
#include "support/sandbox.h"

namespace latchkey::db {
namespace {

using testing::Sandbox;
using testing::SandboxDbConfig;
using testing::SandboxTcpConfig;

// This process's open descriptors and what each points at.
std::map<int, std::string> OpenFds() {
  std::map<int, std::string> fds;
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    const int fd = std::stoi(entry.path().filename().string());
    std::string target = std::filesystem::read_symlink(entry.path(), ec);
    // The listing's own descriptor (gone by the time it is read, or still
    // open on /proc/<pid>/fd) is not one of ours.
    if (ec || target.rfind("/proc/", 0) == 0) continue;
    fds[fd] = target;
  }
  return fds;
}

// The descriptors in `after` that were not in `before` (or now point at
// something else).
std::map<int, std::string> NewFds(const std::map<int, std::string>& before,
                                  const std::map<int, std::string>& after) {
  std::map<int, std::string> fresh;
  for (const auto& [fd, target] : after) {
    auto it = before.find(fd);
    if (it == before.end() || it->second != target) fresh[fd] = target;
  }
  return fresh;
}

// Fails for every descriptor opened by `step` that is left without
// FD_CLOEXEC; expects at least one socket among them.
template <typename Step>
void ExpectNewFdsCloseOnExec(Step&& step) {
  const std::map<int, std::string> before = OpenFds();
  step();
  const std::map<int, std::string> fresh = NewFds(before, OpenFds());
  int sockets = 0;
  for (const auto& [fd, target] : fresh) {
    if (target.rfind("socket:", 0) == 0) ++sockets;
    const int flags = fcntl(fd, F_GETFD);
    ASSERT_GE(flags, 0) << "fd " << fd;
    EXPECT_NE(flags & FD_CLOEXEC, 0)
        << "fd " << fd << " -> " << target << " is not close-on-exec";
  }
  EXPECT_GE(sockets, 1) << "no new socket: did the step connect?";
}

// A loopback port nobody listens on (bound, then closed again).
uint16_t DeadPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  close(fd);
  return ntohs(addr.sin_port);
}

void ExpectSelectOne(Connection& conn) {
  auto row = conn.QueryOne("SELECT 1");
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  ASSERT_TRUE(row->has_value());
  EXPECT_EQ((*row)->i64(0), 1);
}

TEST(DbCloexecTest, UnixSocketConnectionIsCloseOnExec) {
  auto conn = OpenFromConfig(SandboxDbConfig(Sandbox(), ""));
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  ExpectNewFdsCloseOnExec([&] {
    Status s = (*conn)->Connect();
    ASSERT_TRUE(s.ok()) << s.ToString();
  });
  ExpectSelectOne(**conn);
}

TEST(DbCloexecTest, TcpConnectionIsCloseOnExec) {
  auto conn = OpenFromConfig(SandboxTcpConfig(Sandbox(), ""));
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  ExpectNewFdsCloseOnExec([&] {
    Status s = (*conn)->Connect();
    ASSERT_TRUE(s.ok()) << s.ToString();
  });
  ExpectSelectOne(**conn);
}

TEST(DbCloexecTest, ConnectionToTheNextHostIsCloseOnExec) {
  DatabaseConfig cfg = SandboxTcpConfig(Sandbox(), "");
  const HostPort live = cfg.hosts.at(0);
  cfg.hosts = {HostPort{"127.0.0.1", DeadPort()}, live};
  auto conn = OpenFromConfig(cfg);
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  ExpectNewFdsCloseOnExec([&] { ExpectSelectOne(**conn); });
  EXPECT_EQ((*conn)->peer(), live.host + ":" + std::to_string(live.port));
}

TEST(DbCloexecTest, ReconnectionIsCloseOnExec) {
  auto conn = OpenFromConfig(SandboxDbConfig(Sandbox(), ""));
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  auto id = (*conn)->QueryOne("SELECT CONNECTION_ID()");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  const int64_t session = (*id)->i64(0);
  {
    auto other = OpenFromConfig(SandboxDbConfig(Sandbox(), ""));
    ASSERT_TRUE(other.ok()) << other.status().ToString();
    auto killed = (*other)->Execute("KILL CONNECTION ?", {session});
    ASSERT_TRUE(killed.ok()) << killed.status().ToString();
  }
  // The next statement finds the connection gone and opens another.
  ExpectNewFdsCloseOnExec([&] { ExpectSelectOne(**conn); });
  auto now = (*conn)->QueryOne("SELECT CONNECTION_ID()");
  ASSERT_TRUE(now.ok()) << now.status().ToString();
  EXPECT_NE((*now)->i64(0), session);
}

TEST(DbCloexecTest, AbandonInAForkedChildLeavesTheParentsSessionAlone) {
  auto conn = OpenFromConfig(SandboxDbConfig(Sandbox(), ""));
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  auto before = (*conn)->QueryOne("SELECT CONNECTION_ID()");
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    (*conn)->Abandon();
    _exit((*conn)->connected() ? 1 : 0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  // Same server session: the child said nothing to the server.
  auto after = (*conn)->QueryOne("SELECT CONNECTION_ID()");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ((*after)->i64(0), (*before)->i64(0));
}

}  // namespace
}  // namespace latchkey::db
