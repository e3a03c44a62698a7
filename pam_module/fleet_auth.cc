// pam_sm_authenticate in fleet mode: the same prompts and verdicts as
// auth.cc, answered by latchkey-agent (ops authenticate, second_factor).
#include <optional>
#include <string>

#include "agent_client.h"
#include "phases.h"
#include "tell_user.h"

namespace latchkey::pam {
namespace {

std::string_view TotpName(TotpMode mode) {
  switch (mode) {
    case TotpMode::kAuto:
      return "auto";
    case TotpMode::kRequired:
      return "required";
    case TotpMode::kOff:
      return "off";
  }
  return "required";
}

AgentRequest& AddContext(AgentRequest& request, const AuthContext& ctx) {
  return request.Add("service", ctx.service)
      .Add("rhost", ctx.rhost)
      .Add("tty", ctx.tty);
}

}  // namespace

int AuthenticateThroughAgent(PamIo& io, const ModuleOptions& options,
                             const Config& config, const std::string& user) {
  std::optional<int64_t> nss_uid;
  if (const std::optional<Verdict> not_ours =
          NotLatchkeysName(io, config.nss, user, nss_uid)) {
    return Finish(io, Phase::kAuth, user, *not_ours);
  }
  // The password is asked for even when the agent is down, so that a
  // fallback module after this one finds it (as in direct mode).
  Secret password;
  if (const int rc = io.GetAuthtok(PAM_AUTHTOK, nullptr, password);
      rc != PAM_SUCCESS) {
    Verdict v = ConversationVerdict(rc);
    if (v == Verdict::kUnknownUser) v = Verdict::kConversationFailed;
    return Finish(io, Phase::kAuth, user, v);
  }

  const AuthContext ctx = io.Context();
  AgentSession agent(io, config.fleet);  // closed when this returns
  AgentRequest first("authenticate");
  first.Add("user", user).Add("password", password);
  AddContext(first, ctx)
      .Add("nss_uid", nss_uid)
      .Add("totp", TotpName(options.totp));
  std::optional<AgentAnswer> answer = agent.Call(first);

  // The agent asks for the code whether or not the password was right:
  // the second prompt says nothing about the first answer.
  if (answer && answer->status() == "second_factor_needed") {
    const std::string challenge = answer->String("challenge");
    Secret code;
    const Verdict conversation = ReadVerificationCode(io, password, code);
    if (conversation != Verdict::kOk) {
      return Finish(io, Phase::kAuth, user, conversation);
    }
    AgentRequest second("second_factor");
    second.Add("challenge", challenge).Add("code", code);
    AddContext(second, ctx);
    answer = agent.Call(second);
  }
  agent.Close();

  Verdict verdict = Verdict::kUnavailable;
  if (answer) {
    verdict = VerdictOfAgentAuth(answer->status(), answer->Bool("user_known"));
    if (answer->Bool("offline")) {
      io.LogNotice("user=" + LogValue(user, kAuditUsernameMax) +
                   ": answered by the agent's offline verifier");
    }
  }
  // As auth.cc: an empty password is a plain failure, never "unknown user"
  // (which would let a stack fall through to the next module).
  if (password.empty() && verdict == Verdict::kUnknownUser) {
    verdict = Verdict::kBadCredentials;
  }
  if (verdict == Verdict::kOk && answer->Bool("recovery_code_used")) {
    if (const std::optional<int64_t> left =
            answer->Int("recovery_codes_left")) {
      TellRecoveryCodesLeft(io, *left);
    }
  }
  TellUserAuth(io, verdict);
  return Finish(io, Phase::kAuth, user, verdict);
}

}  // namespace latchkey::pam
