#include "portal/login_flow.h"

#include "latchkey/auth/challenge_store.h"
#include "portal/log.h"

namespace latchkey::portal {
namespace {

// What the person is told for each outcome: HTTP status, API code, message.
struct Answer {
  int http_status;
  std::string_view code;
  std::string_view message;
};

Answer AnswerFor(AuthStatus status) {
  switch (status) {
    case AuthStatus::kOk:
    case AuthStatus::kSecondFactorNeeded:
      return {200, "", ""};
    case AuthStatus::kBadCredentials:
      return {401, "bad_credentials", "Incorrect username or password."};
    case AuthStatus::kLocked:
      return {403, "locked",
              "This account is temporarily locked after too many failed "
              "sign-ins. Try again later."};
    case AuthStatus::kThrottled:
      return {429, "throttled",
              "Too many failed sign-ins from your address. Try again later."};
    case AuthStatus::kInactive:
      return {403, "inactive",
              "This account is not active. Ask an administrator."};
    case AuthStatus::kUnverified:
      return {403, "unverified",
              "Confirm your email address first: follow the link in the mail "
              "we sent you."};
    case AuthStatus::kExpired:
      return {403, "expired",
              "This account has expired. Ask an administrator."};
    case AuthStatus::kUnavailable:
      break;
  }
  return {503, "unavailable",
          "Sign-in is unavailable right now. Try again shortly."};
}

void Describe(LoginVerdict& v) {
  const Answer answer = AnswerFor(v.status);
  v.http_status = answer.http_status;
  v.code = answer.code;
  v.message = answer.message;
}

LoginVerdict Unavailable(Context& ctx, const Status& error) {
  LogLine("sign-in challenge store: " + error.ToString());
  LoginVerdict v;
  v.status = AuthStatus::kUnavailable;
  Describe(v);
  ctx.app().metrics().CountLogin(AuthStatusName(v.status));
  return v;
}

LoginVerdict FromOutcome(Context& ctx, AuthOutcome outcome) {
  Metrics& metrics = ctx.app().metrics();
  metrics.CountLogin(AuthStatusName(outcome.status));
  if (outcome.lock_started) metrics.CountLockout();
  LoginVerdict v;
  v.status = outcome.status;
  v.retry_after = outcome.retry_after;
  Describe(v);
  if (outcome.status == AuthStatus::kOk) v.user = std::move(outcome.user);
  if (outcome.status == AuthStatus::kSecondFactorNeeded && outcome.challenge) {
    Services& s = ctx.services();
    ChallengeStore store(s.db(), s.clock(), s.random());
    Result<Secret> id = store.Issue(*outcome.challenge, ctx.PreSessionId());
    if (!id.ok()) return Unavailable(ctx, id.status());
    v.challenge = std::string(id->view());
  }
  return v;
}

}  // namespace

LoginVerdict PasswordStep(Context& ctx, std::string_view login,
                          const Secret& password) {
  AuthOptions options;
  options.require_verified_email =
      ctx.config().portal.require_email_verification;
  return FromOutcome(ctx, ctx.services().authenticator().Authenticate(
                              login, password, ctx.auth_context(), options));
}

LoginVerdict SecondFactorStep(Context& ctx, std::string_view challenge,
                              std::string_view code) {
  Services& s = ctx.services();
  ChallengeStore store(s.db(), s.clock(), s.random());
  const std::string_view browser =
      ctx.GetCookie(kPreSessionCookie).value_or("");
  Result<std::optional<SecondFactorChallenge>> taken =
      store.Take(challenge, browser);
  if (!taken.ok()) return Unavailable(ctx, taken.status());
  if (!taken->has_value()) {
    LoginVerdict v;
    v.status = AuthStatus::kBadCredentials;
    v.http_status = 401;
    v.code = "step_expired";
    v.message = "The sign-in step has expired. Sign in again.";
    return v;
  }
  LoginVerdict v =
      FromOutcome(ctx, ctx.services().authenticator().CompleteSecondFactor(
                           **taken, code, ctx.auth_context()));
  if (v.status == AuthStatus::kBadCredentials) {
    // The same words after a wrong password (whose code step fails
    // without looking at the code) as after a wrong code.
    v.code = "bad_code";
    v.message = "That password or code is not correct. Sign in again.";
  }
  return v;
}

Status FinishLogin(Context& ctx, const User& user) {
  if (ctx.GetCookie(kChallengeCookie)) ctx.ClearCookie(kChallengeCookie);
  return ctx.StartSession(user);
}

}  // namespace latchkey::portal
