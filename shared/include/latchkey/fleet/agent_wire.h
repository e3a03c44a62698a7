// The agent's socket protocol, one frame at a time (docs/fleet-protocol.md,
// "The agent socket"): a frame is a 4-byte big-endian length N
// (1..kAgentFrameMax) and N bytes of one UTF-8 JSON object. Each request
// frame gets one answer frame. Frames can hold passwords, so they are read
// into and written from Secret buffers that wipe themselves.
//
// Used by pam_latchkey.so and latchkey-ssh-keys (the clients) and
// latchkey-agent (the server). Thread-compatible: functions only touch the
// descriptor they are given.
#ifndef LATCHKEY_FLEET_AGENT_WIRE_H_
#define LATCHKEY_FLEET_AGENT_WIRE_H_

#include <chrono>
#include <string>
#include <string_view>

#include "latchkey/base/result.h"
#include "latchkey/base/secret.h"

namespace latchkey {

inline constexpr size_t kAgentFrameMax = size_t{1} << 20;  // 1 MiB
inline constexpr char kDefaultAgentSocket[] = "/run/latchkey/agent.sock";

// Writes one frame (length and payload) within `timeout`. Errors:
// InvalidArgument for an empty or oversized payload; Unavailable when the
// peer went away or the timeout passed (naming which).
Status WriteAgentFrame(int fd, std::string_view payload,
                       std::chrono::milliseconds timeout);

// Reads one frame within `timeout`. Errors: Unavailable "the connection was
// closed" for EOF before a whole frame, "timed out" after `timeout`;
// InvalidArgument for a length of 0 or above kAgentFrameMax (the caller
// must then close the connection: the stream is out of step).
Result<Secret> ReadAgentFrame(int fd, std::chrono::milliseconds timeout);

// A connection to the agent's unix socket, close-on-exec from the first
// instant (SOCK_CLOEXEC), closed by the destructor. Move-only.
class AgentConnection {
 public:
  // Connects to `socket_path` within `timeout`. Errors: Unavailable naming
  // the path and errno text (no agent, or its backlog full past timeout).
  static Result<AgentConnection> Open(const std::string& socket_path,
                                      std::chrono::milliseconds timeout);

  AgentConnection(AgentConnection&& other) noexcept;
  AgentConnection& operator=(AgentConnection&& other) noexcept;
  AgentConnection(const AgentConnection&) = delete;
  AgentConnection& operator=(const AgentConnection&) = delete;
  ~AgentConnection();

  // One request and its answer, each within `timeout`. Errors: those of
  // WriteAgentFrame and ReadAgentFrame.
  Result<Secret> Call(std::string_view request,
                      std::chrono::milliseconds timeout);
  // Closes now (the destructor's work); idempotent.
  void Close();
  int fd() const { return fd_; }

 private:
  explicit AgentConnection(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace latchkey

#endif  // LATCHKEY_FLEET_AGENT_WIRE_H_
