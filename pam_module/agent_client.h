// The module's side of the agent socket (docs/fleet-protocol.md, "The
// agent socket"): one connection to latchkey-agent for the length of one
// pam_sm_* call.
//
// The connection is opened close-on-exec (AgentConnection) on the first
// Call and closed by Close() or the destructor. A phase keeps its
// AgentSession on its own stack, so the socket is closed before the
// pam_sm_* call returns: it is never stored in the PAM handle, and a
// program the host execs later (su's shell) cannot inherit it. Not
// thread-safe (one PAM call is one thread).
#ifndef LATCHKEY_PAM_MODULE_AGENT_CLIENT_H_
#define LATCHKEY_PAM_MODULE_AGENT_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "agent_request.h"
#include "latchkey/config/config.h"
#include "latchkey/fleet/agent_wire.h"
#include "pam_io.h"

namespace latchkey::pam {

// One answer object. Accessors never throw: a missing member or one of
// another type gives the default.
class AgentAnswer {
 public:
  explicit AgentAnswer(nlohmann::json object) : object_(std::move(object)) {}

  std::string status() const { return String("status"); }
  std::string String(std::string_view key) const;  // "" if absent
  bool Bool(std::string_view key) const;           // false if absent
  std::optional<int64_t> Int(std::string_view key) const;

 private:
  nlohmann::json object_;
};

class AgentSession {
 public:
  // Nothing is opened yet. Connecting may take [fleet] connect_timeout;
  // each answer may take connect_timeout + request_timeout (the agent may
  // itself wait request_timeout for a directory after failing over from
  // one that did not answer within connect_timeout).
  AgentSession(const PamIo& io, const FleetConfig& fleet);
  AgentSession(const AgentSession&) = delete;
  AgentSession& operator=(const AgentSession&) = delete;
  ~AgentSession() = default;  // closes the connection

  // Sends `request` and reads its answer, connecting first if this is the
  // first call. nullopt (logged at LOG_ERR) when the agent cannot be
  // reached, does not answer in time, or answers something that is not a
  // JSON object with a "status": the connection is then closed and every
  // later Call of this session returns nullopt at once (one connection
  // per PAM call, never a second one). Answers "unavailable", "forbidden"
  // and "bad_request" are returned, and their "message" logged at LOG_ERR.
  std::optional<AgentAnswer> Call(AgentRequest& request);

  // Closes the connection now (idempotent).
  void Close() { connection_.reset(); }

 private:
  const PamIo& io_;
  const FleetConfig& fleet_;
  std::optional<AgentConnection> connection_;
  bool failed_ = false;
};

}  // namespace latchkey::pam

#endif  // LATCHKEY_PAM_MODULE_AGENT_CLIENT_H_
