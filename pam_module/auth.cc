// pam_sm_authenticate: user, password, then (if the core asks for it) the
// verification code.
#include <optional>
#include <string>
#include <utility>

#include "latchkey/crypto/kdf_memory.h"
#include "phases.h"
#include "tell_user.h"

namespace latchkey::pam {
namespace {

// Asks for the code (ReadVerificationCode) and hands it to the core.
AuthOutcome TotpStep(PamIo& io, Services& services, const AuthOutcome& first,
                     const Secret& password, const AuthContext& ctx,
                     Verdict& conversation) {
  Secret code;
  AuthOutcome none;
  none.status = AuthStatus::kBadCredentials;
  none.user_known = true;
  conversation = ReadVerificationCode(io, password, code);
  if (conversation != Verdict::kOk) return none;
  return services.authenticator().CompleteSecondFactor(*first.challenge,
                                                       code.view(), ctx);
}

// A KdfMemory faulted in while `db` waits for the server, from
// construction until Stop() or destruction (the connection outlives this
// call: it must not keep a callback into a dead object).
class KdfMemoryWhileWaiting {
 public:
  KdfMemoryWhileWaiting(db::Connection& db, const HashParams& params)
      : db_(db), memory_(std::in_place, params) {
    db_.WhileWaiting([this] { return memory_ && memory_->FaultInSome(); });
  }
  ~KdfMemoryWhileWaiting() { Stop(); }
  KdfMemoryWhileWaiting(const KdfMemoryWhileWaiting&) = delete;
  KdfMemoryWhileWaiting& operator=(const KdfMemoryWhileWaiting&) = delete;

  void Stop() {
    db_.WhileWaiting(nullptr);
    memory_.reset();
  }

 private:
  db::Connection& db_;
  std::optional<KdfMemory> memory_;
};

void AfterRecoveryCode(PamIo& io, Services& services, const AuthOutcome& out) {
  if (!out.recovery_code_used || !out.user) return;
  Result<int64_t> left =
      services.totp_step().RemainingRecoveryCodes(out.user->id);
  if (!left.ok()) return;
  TellRecoveryCodesLeft(io, *left);
}

}  // namespace

int Authenticate(PamIo& io, const ModuleOptions& options) {
  (void)pam_fail_delay(io.handle(), kFailDelayMicros);

  std::string user;
  if (const int rc = io.GetUser(user); rc != PAM_SUCCESS) {
    return Finish(io, Phase::kAuth, user, ConversationVerdict(rc));
  }
  std::optional<Backend> backend = OpenBackend(io, options);
  if (!backend) return Finish(io, Phase::kAuth, user, Verdict::kConfigError);
  if (backend->fleet) {
    return AuthenticateThroughAgent(io, options, *backend->fleet, user);
  }
  Services* services = backend->services;
  std::optional<int64_t> nss_uid;
  if (const std::optional<Verdict> not_ours =
          NotLatchkeysName(io, services->config().nss, user, nss_uid)) {
    return Finish(io, Phase::kAuth, user, *not_ours);
  }

  // The KDF's memory is faulted in while this thread waits for the
  // database (the lookup before the KDF needs a fresh connection), not
  // inside the KDF. It is given back once the KDF is done, before any
  // verification code is asked for.
  KdfMemoryWhileWaiting kdf_memory(services->db(), services->hasher().params());

  Secret password;
  if (const int rc = io.GetAuthtok(PAM_AUTHTOK, nullptr, password);
      rc != PAM_SUCCESS) {
    kdf_memory.Stop();
    Verdict v = ConversationVerdict(rc);
    if (v == Verdict::kUnknownUser) v = Verdict::kConversationFailed;
    return Finish(io, Phase::kAuth, user, v);
  }

  const AuthContext ctx = io.Context();
  AuthOptions auth_options;
  auth_options.totp = options.totp;
  auth_options.usernames_only = true;
  auth_options.host_uid = nss_uid;
  auth_options.require_verified_email =
      services->config().portal.require_email_verification;
  AuthOutcome out =
      services->authenticator().Authenticate(user, password, ctx, auth_options);
  kdf_memory.Stop();

  if (out.status == AuthStatus::kSecondFactorNeeded && out.challenge) {
    Verdict conversation = Verdict::kOk;
    out = TotpStep(io, *services, out, password, ctx, conversation);
    if (conversation != Verdict::kOk) {
      return Finish(io, Phase::kAuth, user, conversation);
    }
  }

  Verdict verdict = VerdictOf(out);
  // The core answers an empty password before looking the name up; it is
  // a plain failure, never "unknown user" (which would let a stack fall
  // through to the next module).
  if (password.empty() && verdict == Verdict::kUnknownUser) {
    verdict = Verdict::kBadCredentials;
  }
  if (verdict == Verdict::kOk) AfterRecoveryCode(io, *services, out);
  TellUserAuth(io, verdict);
  return Finish(io, Phase::kAuth, user, verdict);
}

}  // namespace latchkey::pam
