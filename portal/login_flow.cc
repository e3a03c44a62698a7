#include "portal/login_flow.h"

#include "latchkey/encoding.h"

namespace latchkey::portal {
namespace {

// STAND-IN until the second-factor challenge is kept server-side (issue 9,
// section 6): the browser can read an encoded challenge, so it must not
// say whether the password was right. A challenge after a wrong password
// is encoded the same way under a key derived for that purpose alone;
// only the server can tell the two apart. The server-side store carries
// SecondFactorChallenge::password_ok instead and makes this go.
SecretBox WrongPasswordStepBox(Context& ctx) {
  const Sha256Digest key =
      ctx.app().box().Mac("challenge-after-wrong-password", "key");
  return SecretBox(Secret(DigestView(key)), ctx.services().random());
}

void Describe(LoginVerdict& v) {
  switch (v.status) {
    case AuthStatus::kOk:
    case AuthStatus::kSecondFactorNeeded:
      v.http_status = 200;
      return;
    case AuthStatus::kBadCredentials:
      v.http_status = 401;
      v.code = "bad_credentials";
      v.message = "Incorrect username or password.";
      return;
    case AuthStatus::kLocked:
      v.http_status = 403;
      v.code = "locked";
      v.message =
          "This account is temporarily locked after too many failed "
          "sign-ins. Try again later.";
      return;
    case AuthStatus::kThrottled:
      v.http_status = 429;
      v.code = "throttled";
      v.message =
          "Too many failed sign-ins from your address. Try again later.";
      return;
    case AuthStatus::kInactive:
      v.http_status = 403;
      v.code = "inactive";
      v.message = "This account is not active. Ask an administrator.";
      return;
    case AuthStatus::kUnverified:
      v.http_status = 403;
      v.code = "unverified";
      v.message =
          "Confirm your email address first: follow the link in the mail "
          "we sent you.";
      return;
    case AuthStatus::kExpired:
      v.http_status = 403;
      v.code = "expired";
      v.message = "This account has expired. Ask an administrator.";
      return;
    case AuthStatus::kUnavailable:
      v.http_status = 503;
      v.code = "unavailable";
      v.message = "Sign-in is unavailable right now. Try again shortly.";
      return;
  }
}

LoginVerdict FromOutcome(Context& ctx, AuthOutcome outcome) {
  Metrics& metrics = ctx.app().metrics();
  metrics.CountLogin(AuthStatusName(outcome.status));
  if (outcome.lock_started) metrics.CountLockout();
  LoginVerdict v;
  v.status = outcome.status;
  Describe(v);
  if (outcome.status == AuthStatus::kOk) v.user = std::move(outcome.user);
  if (outcome.status == AuthStatus::kSecondFactorNeeded && outcome.challenge) {
    v.challenge = outcome.challenge->password_ok
                      ? outcome.challenge->Encode(ctx.app().box())
                      : outcome.challenge->Encode(WrongPasswordStepBox(ctx));
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
  const int64_t now = ctx.services().clock().NowUnix();
  Result<SecondFactorChallenge> decoded =
      SecondFactorChallenge::Decode(challenge, ctx.app().box(), now);
  if (decoded.ok()) {
    // Only a right password is signed with the challenge key.
    decoded->password_ok = true;
  } else if (decoded.status().code() == StatusCode::kPermissionDenied) {
    decoded = SecondFactorChallenge::Decode(challenge,
                                            WrongPasswordStepBox(ctx), now);
    if (decoded.ok()) decoded->password_ok = false;
  }
  if (!decoded.ok()) {
    LoginVerdict v;
    v.status = AuthStatus::kBadCredentials;
    v.http_status = 401;
    v.code = "step_expired";
    v.message = "The sign-in step has expired. Sign in again.";
    return v;
  }
  LoginVerdict v =
      FromOutcome(ctx, ctx.services().authenticator().CompleteSecondFactor(
                           *decoded, code, ctx.auth_context()));
  if (v.status == AuthStatus::kBadCredentials) {
    // The same words after a wrong password (whose code step fails
    // without looking at the code) as after a wrong code.
    v.code = "bad_code";
    v.message = "That password or code is not correct.";
  }
  return v;
}

Status FinishLogin(Context& ctx, const User& user) {
  if (ctx.GetCookie(kChallengeCookie)) ctx.ClearCookie(kChallengeCookie);
  return ctx.StartSession(user);
}

}  // namespace latchkey::portal
