// pam_sm_open_session / pam_sm_close_session in fleet mode: the agent
// records the login (ops open_session, close_session). Never blocks a
// login: every failure is logged and PAM_SUCCESS returned.
#include <optional>
#include <string>

#include "agent_client.h"
#include "phases.h"

namespace latchkey::pam {

int RecordSessionThroughAgent(PamIo& io, const Config& config,
                              const std::string& user, bool open) {
  std::optional<int64_t> nss_uid;
  if (const std::optional<Verdict> not_ours =
          NotLatchkeysName(io, config.nss, user, nss_uid)) {
    return Finish(io, Phase::kSession, user, *not_ours);
  }
  const AuthContext ctx = io.Context();
  AgentSession agent(io, config.fleet);  // closed when this returns
  AgentRequest request(open ? "open_session" : "close_session");
  request.Add("user", user)
      .Add("service", ctx.service)
      .Add("rhost", ctx.rhost)
      .Add("tty", ctx.tty);
  const std::optional<AgentAnswer> answer = agent.Call(request);
  agent.Close();
  Verdict verdict = Verdict::kOk;
  if (!answer || answer->status() != "ok") {
    verdict = Verdict::kUnavailable;
    io.LogError(std::string(open ? "session open" : "session close") +
                " not recorded for " + LogValue(user, kAuditUsernameMax) +
                " by latchkey-agent");
  }
  return Finish(io, Phase::kSession, user, verdict);
}

}  // namespace latchkey::pam
