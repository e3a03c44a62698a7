#include "agent/server.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "agent/log.h"
#include "latchkey/fleet/agent_wire.h"

namespace latchkey::agent {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string Errno(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

std::string DirOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// mkdir -p, mode 0755 for what it creates.
Status MakeDirs(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) return Status::Ok();
  if (dir != "/" && dir != ".") LK_RETURN_IF_ERROR(MakeDirs(DirOf(dir)));
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
    return IoError(Errno(dir + ": mkdir"));
  ::chmod(dir.c_str(), 0755);
  return Status::Ok();
}

constexpr char kForbidden[] = R"({"status":"forbidden"})";
constexpr char kBadRequest[] =
    R"({"status":"bad_request","message":"malformed frame"})";

}  // namespace

Server::Server(Agent& agent, ServerOptions options)
    : agent_(agent), options_(std::move(options)) {}

Server::~Server() { Stop(); }

Status Server::Start() {
  const std::string& path = options_.socket_path;
  sockaddr_un addr{};
  if (path.empty() || path.size() >= sizeof(addr.sun_path))
    return InvalidArgument("agent_socket " + path + ": too long or empty");
  LK_RETURN_IF_ERROR(MakeDirs(DirOf(path)));
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode))
      return FailedPrecondition(path + " exists and is not a socket");
    if (::unlink(path.c_str()) != 0) return IoError(Errno(path + ": unlink"));
  }
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (listen_fd_ < 0) return IoError(Errno("socket"));
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) !=
      0) {
    return IoError(Errno(path + ": bind"));
  }
  // Everyone may connect; SO_PEERCRED decides what they may ask.
  if (::chmod(path.c_str(), 0666) != 0) return IoError(Errno(path + ": chmod"));
  if (::listen(listen_fd_, 128) != 0) return IoError(Errno(path + ": listen"));
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (epoll_fd_ < 0 || wake_fd_ < 0) return IoError(Errno("epoll/eventfd"));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listen_fd_;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &ev);
  ev.data.fd = wake_fd_;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  poller_ = std::thread([this] { PollLoop(); });
  for (size_t i = 0; i < std::max<size_t>(1, options_.workers); ++i)
    workers_.emplace_back([this] { WorkerLoop(); });
  return Status::Ok();
}

void Server::Stop() {
  if (stopping_.exchange(true)) return;
  { const std::lock_guard lock(mu_); }
  work_ready_.notify_all();
  if (wake_fd_ >= 0) {
    const uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof(one));
  }
  if (poller_.joinable()) poller_.join();
  for (std::thread& t : workers_)
    if (t.joinable()) t.join();
  workers_.clear();
  for (const auto& [fd, conn] : conns_) ::close(fd);
  conns_.clear();
  work_.clear();
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    ::unlink(options_.socket_path.c_str());
    listen_fd_ = -1;
  }
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
  epoll_fd_ = wake_fd_ = -1;
}

Peer Server::PeerOf(uid_t uid) const {
  if (uid == 0) return Peer::kRoot;
  const std::optional<uid_t> keys = agent_.keys_uid();
  if (keys && *keys == uid) return Peer::kKeysUser;
  return Peer::kOther;
}

void Server::Arm(int fd) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
  ev.data.fd = fd;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) != 0) CloseConn(fd);
}

void Server::CloseConn(int fd) {
  const auto it = conns_.find(fd);
  if (it == conns_.end()) return;
  if (it->second.uid != 0) {
    const auto count = per_uid_.find(it->second.uid);
    if (count != per_uid_.end() && --count->second == 0) per_uid_.erase(count);
  }
  WipeString(it->second.buf);
  conns_.erase(it);
  ::close(fd);  // also leaves the epoll set
}

void Server::Accept() {
  while (true) {
    const int fd =
        ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      if (errno == EINTR) continue;
      return;  // EAGAIN, or out of descriptors: try at the next event
    }
    ucred cred{};
    socklen_t len = sizeof(cred);
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
        conns_.size() >= kMaxConnections ||
        (cred.uid != 0 && per_uid_[cred.uid] >= kMaxPerUid)) {
      ::close(fd);
      continue;
    }
    Conn conn;
    conn.uid = cred.uid;
    conn.peer = PeerOf(cred.uid);
    conn.deadline = SteadyClock::now() + options_.frame_timeout;
    if (cred.uid != 0) ++per_uid_[cred.uid];
    conns_[fd] = conn;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
    ev.data.fd = fd;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) CloseConn(fd);
  }
}

void Server::ReadReady(int fd, Conn& conn) {
  if (conn.peer == Peer::kOther) {
    // Refused here, without a worker: drain what arrived, answer, close.
    char sink[4096];
    while (::recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0) {
    }
    (void)WriteAgentFrame(fd, kForbidden, milliseconds(200));
    CloseConn(fd);
    return;
  }
  const bool started = !conn.buf.empty();
  while (true) {
    // Read no further than the frame's end: the reservation below holds a
    // whole frame, so the buffer never moves (and leaves no copies).
    size_t want = 4;
    if (conn.buf.size() >= 4) {
      const auto* b = reinterpret_cast<const unsigned char*>(conn.buf.data());
      const size_t n = (size_t{b[0]} << 24) | (size_t{b[1]} << 16) |
                       (size_t{b[2]} << 8) | size_t{b[3]};
      if (n == 0 || n > kAgentFrameMax) {
        (void)WriteAgentFrame(fd, kBadRequest, milliseconds(200));
        CloseConn(fd);
        return;
      }
      if (conn.buf.capacity() < 4 + n) {
        std::string bigger;
        bigger.reserve(4 + n);
        bigger.assign(conn.buf);
        WipeString(conn.buf);
        conn.buf.swap(bigger);
      }
      want = 4 + n;
    }
    if (conn.buf.size() == want && want > 4) {
      Secret frame(std::string_view(conn.buf).substr(4));
      WipeString(conn.buf);
      conn.buf.clear();
      conn.with_worker = true;
      {
        const std::lock_guard lock(mu_);
        work_.push_back({fd, conn.peer, std::move(frame)});
      }
      work_ready_.notify_one();
      return;
    }
    // Straight into the buffer (its capacity already holds `want`).
    const size_t had = conn.buf.size();
    conn.buf.resize(want);
    const ssize_t r =
        ::recv(fd, conn.buf.data() + had, want - had, MSG_DONTWAIT);
    conn.buf.resize(had + static_cast<size_t>(std::max<ssize_t>(r, 0)));
    if (r > 0) continue;
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    CloseConn(fd);  // EOF or an error
    return;
  }
  // Part of a frame: the rest must come within frame_timeout of its start.
  if (!started && !conn.buf.empty())
    conn.deadline = SteadyClock::now() + options_.frame_timeout;
  Arm(fd);
}

void Server::PollLoop() {
  epoll_event events[64];
  while (!stopping_) {
    auto timeout = milliseconds(1000);
    const auto now = SteadyClock::now();
    for (const auto& [fd, conn] : conns_) {
      if (conn.with_worker) continue;
      timeout = std::min(
          timeout,
          std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(
                                        conn.deadline - now)));
    }
    const int n = ::epoll_wait(epoll_fd_, events, 64,
                               static_cast<int>(timeout.count()) + 1);
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == listen_fd_) {
        Accept();
        continue;
      }
      if (fd == wake_fd_) {
        uint64_t count = 0;
        (void)!::read(wake_fd_, &count, sizeof(count));
        std::deque<std::pair<int, bool>> back;
        {
          const std::lock_guard lock(mu_);
          back.swap(returned_);
        }
        for (const auto& [cfd, keep] : back) {
          const auto it = conns_.find(cfd);
          if (it == conns_.end()) continue;
          if (!keep) {
            CloseConn(cfd);
            continue;
          }
          it->second.with_worker = false;
          it->second.deadline =
              SteadyClock::now() + (it->second.peer == Peer::kRoot
                                        ? options_.root_idle
                                        : options_.other_idle);
          Arm(cfd);
        }
        continue;
      }
      const auto it = conns_.find(fd);
      if (it == conns_.end()) continue;
      ReadReady(fd, it->second);
    }
    // Connections idle past their deadline.
    const auto later = SteadyClock::now();
    std::vector<int> expired;
    for (const auto& [fd, conn] : conns_)
      if (!conn.with_worker && conn.deadline <= later) expired.push_back(fd);
    for (const int fd : expired) {
      const auto it = conns_.find(fd);
      if (it->second.peer == Peer::kOther)
        (void)WriteAgentFrame(fd, kForbidden, milliseconds(200));
      CloseConn(fd);
    }
  }
}

void Server::WorkerLoop() {
  while (true) {
    Work work{-1, Peer::kOther, Secret()};
    {
      std::unique_lock lock(mu_);
      work_ready_.wait(lock, [this] { return stopping_ || !work_.empty(); });
      if (stopping_) return;
      work = std::move(work_.front());
      work_.pop_front();
    }
    const int fd = work.fd;
    AgentReply reply = agent_.Handle(work.peer, work.frame);
    work.frame.Clear();
    const bool keep =
        WriteAgentFrame(fd, reply.answer.view(), options_.frame_timeout).ok() &&
        !reply.close;
    {
      const std::lock_guard lock(mu_);
      returned_.emplace_back(fd, keep);
    }
    const uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof(one));
    if (reply.after) {
      try {
        reply.after();
      } catch (const std::exception& e) {
        Log(LogLevel::kError, std::string("after a request: ") + e.what());
      }
    }
  }
}

}  // namespace latchkey::agent
