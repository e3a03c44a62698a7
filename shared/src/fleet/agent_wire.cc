#include "latchkey/fleet/agent_wire.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace latchkey {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string Errno(int e) { return std::strerror(e); }

// Waits until `fd` is ready for `events` or `deadline` passes.
Status WaitFor(int fd, short events, Clock::time_point deadline) {
  while (true) {
    const auto left =
        std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return Unavailable("timed out");
    pollfd p{fd, events, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc > 0) return Status::Ok();
    if (rc == 0) return Unavailable("timed out");
    if (errno != EINTR) return Unavailable("poll: " + Errno(errno));
  }
}

Status WriteAll(int fd, const char* data, size_t n,
                Clock::time_point deadline) {
  while (n > 0) {
    LK_RETURN_IF_ERROR(WaitFor(fd, POLLOUT, deadline));
    const ssize_t w = ::send(fd, data, n, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return Unavailable("the connection was closed (" + Errno(errno) + ")");
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
  return Status::Ok();
}

Status ReadAll(int fd, char* data, size_t n, Clock::time_point deadline) {
  while (n > 0) {
    LK_RETURN_IF_ERROR(WaitFor(fd, POLLIN, deadline));
    const ssize_t r = ::recv(fd, data, n, MSG_DONTWAIT);
    if (r == 0) return Unavailable("the connection was closed");
    if (r < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return Unavailable("the connection was closed (" + Errno(errno) + ")");
    }
    data += r;
    n -= static_cast<size_t>(r);
  }
  return Status::Ok();
}

}  // namespace

Status WriteAgentFrame(int fd, std::string_view payload, milliseconds timeout) {
  if (payload.empty() || payload.size() > kAgentFrameMax) {
    return InvalidArgument("an agent frame holds 1 to " +
                           std::to_string(kAgentFrameMax) + " bytes (got " +
                           std::to_string(payload.size()) + ")");
  }
  const auto deadline = Clock::now() + timeout;
  const uint32_t n = static_cast<uint32_t>(payload.size());
  const char header[4] = {static_cast<char>(n >> 24),
                          static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                          static_cast<char>(n)};
  LK_RETURN_IF_ERROR(WriteAll(fd, header, sizeof header, deadline));
  return WriteAll(fd, payload.data(), payload.size(), deadline);
}

Result<Secret> ReadAgentFrame(int fd, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  unsigned char header[4];
  LK_RETURN_IF_ERROR(
      ReadAll(fd, reinterpret_cast<char*>(header), sizeof header, deadline));
  const size_t n = (size_t{header[0]} << 24) | (size_t{header[1]} << 16) |
                   (size_t{header[2]} << 8) | size_t{header[3]};
  if (n == 0 || n > kAgentFrameMax) {
    return InvalidArgument("an agent frame announced " + std::to_string(n) +
                           " bytes (allowed: 1 to " +
                           std::to_string(kAgentFrameMax) + ")");
  }
  Secret payload = Secret::OfSize(n);
  LK_RETURN_IF_ERROR(ReadAll(fd, payload.mutable_data(), n, deadline));
  return payload;
}

Result<AgentConnection> AgentConnection::Open(const std::string& socket_path,
                                              milliseconds timeout) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.empty() || socket_path.size() >= sizeof addr.sun_path) {
    return InvalidArgument("the agent socket path '" + socket_path +
                           "' is empty or too long");
  }
  std::memcpy(addr.sun_path, socket_path.data(), socket_path.size());
  const int fd =
      ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Unavailable("socket: " + Errno(errno));
  AgentConnection conn(fd);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) !=
      0) {
    if (errno != EINPROGRESS && errno != EAGAIN) {
      return Unavailable("cannot reach the agent at " + socket_path + ": " +
                         Errno(errno));
    }
    if (Status s = WaitFor(fd, POLLOUT, Clock::now() + timeout); !s.ok()) {
      return Unavailable("cannot reach the agent at " + socket_path + ": " +
                         s.message());
    }
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
      return Unavailable("cannot reach the agent at " + socket_path + ": " +
                         Errno(err != 0 ? err : errno));
    }
  }
  return conn;
}

AgentConnection::AgentConnection(AgentConnection&& other) noexcept
    : fd_(other.fd_) {
  other.fd_ = -1;
}

AgentConnection& AgentConnection::operator=(AgentConnection&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

AgentConnection::~AgentConnection() { Close(); }

void AgentConnection::Close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

Result<Secret> AgentConnection::Call(std::string_view request,
                                     milliseconds timeout) {
  LK_RETURN_IF_ERROR(WriteAgentFrame(fd_, request, timeout));
  return ReadAgentFrame(fd_, timeout);
}

}  // namespace latchkey
