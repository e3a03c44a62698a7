#include "latchkey/account/totp_enrolment.h"

#include "latchkey/account/qr_svg.h"
#include "latchkey/base/encoding.h"
#include "latchkey/mail/mail.h"
#include "latchkey/mail/mail_texts.h"

namespace latchkey {
namespace {

constexpr char kAlreadyOn[] = "two-factor authentication is already on";
constexpr char kNotOn[] = "two-factor authentication is not on";
constexpr char kExpired[] = "this set-up has expired: start again";

std::string PendingAad(int64_t user_id, int64_t expires_at) {
  return "totp-pending:" + std::to_string(user_id) + ":" +
         std::to_string(expires_at);
}

std::string Be64(int64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[static_cast<size_t>(i)] = static_cast<char>(v & 0xFF);
    v >>= 8;
  }
  return out;
}

int64_t FromBe64(std::string_view b) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(b[i]);
  return static_cast<int64_t>(v);
}

}  // namespace

TotpEnrolment::TotpEnrolment(Services& services) : s_(services) {}

Result<User> TotpEnrolment::LoadUser(int64_t user_id) {
  LK_ASSIGN_OR_RETURN(std::optional<User> user, s_.users().FindById(user_id));
  if (!user) return NotFound("no user with id " + std::to_string(user_id));
  return std::move(*user);
}

Result<TotpSetup> TotpEnrolment::Begin(int64_t user_id) {
  LK_ASSIGN_OR_RETURN(const SecretBox* box, s_.secret_box());
  LK_ASSIGN_OR_RETURN(User user, LoadUser(user_id));
  if (user.has_totp()) return FailedPrecondition(kAlreadyOn);
  LK_ASSIGN_OR_RETURN(Secret key, s_.totp().GenerateKey(s_.random()));
  TotpSetup setup;
  setup.expires_at = s_.clock().NowUnix() + kTotpEnrolmentTtl.count();
  LK_ASSIGN_OR_RETURN(
      std::string sealed,
      box->Seal(key.view(), PendingAad(user.id, setup.expires_at)));
  setup.pending = Base64UrlEncode(Be64(setup.expires_at) + sealed);
  std::string b32 = Base32Encode(key.view());
  setup.secret_base32 = Secret::Take(b32);
  std::string uri = s_.totp().OtpauthUri(user.username, key);
  setup.otpauth_uri = Secret::Take(uri);
  LK_ASSIGN_OR_RETURN(setup.qr_svg, QrSvg(setup.otpauth_uri.view()));
  return setup;
}

Result<TotpConfirmation> TotpEnrolment::Confirm(int64_t user_id,
                                                std::string_view pending,
                                                std::string_view code,
                                                const AuthContext& ctx) {
  LK_ASSIGN_OR_RETURN(const SecretBox* box, s_.secret_box());
  LK_ASSIGN_OR_RETURN(User user, LoadUser(user_id));
  if (user.has_totp()) return FailedPrecondition(kAlreadyOn);
  const int64_t now = s_.clock().NowUnix();
  std::optional<std::string> raw =
      pending.size() <= 512 ? Base64UrlDecode(pending) : std::nullopt;
  if (!raw || raw->size() <= 8) return FailedPrecondition(kExpired);
  const int64_t expires_at = FromBe64(*raw);
  if (expires_at <= now) return FailedPrecondition(kExpired);
  Result<Secret> key = box->Open(std::string_view(*raw).substr(8),
                                 PendingAad(user.id, expires_at));
  if (!key.ok()) return FailedPrecondition(kExpired);

  TotpConfirmation out;
  std::string trimmed;
  for (const char c : code) {
    if (c != ' ') trimmed += c;
  }
  if (trimmed.empty()) {
    out.errors.Add("code", "Enter the " +
                               std::to_string(s_.config().totp.digits) +
                               "-digit code from your app.");
    return out;
  }
  const TotpVerdict verdict =
      s_.totp().Verify(*key, trimmed, now, std::nullopt);
  if (verdict.check != TotpCheck::kAccepted) {
    out.errors.Add("code", "That code is not correct.");
    LK_RETURN_IF_ERROR(s_.audit().Record(
        AuditEvent::kTotpEnrolFailed, user.id, user.username, ctx,
        AuditOutcome::kFail, "wrong code confirming a new key"));
    return out;
  }
  LK_RETURN_IF_ERROR(s_.totp_step().Enable(user.id, *key, verdict.step));
  LK_ASSIGN_OR_RETURN(out.recovery_codes,
                      s_.totp_step().ReplaceRecoveryCodes(user.id));
  LK_RETURN_IF_ERROR(s_.audit().Record(AuditEvent::kTotpEnabled, user.id,
                                       user.username, ctx, AuditOutcome::kOk,
                                       "enrolled with a confirming code"));
  MailOutbox outbox(s_.db(), s_.clock());
  LK_RETURN_IF_ERROR(
      outbox
          .Enqueue(user.email, mail_texts::TotpEnabled(s_.config(), user, now))
          .status());
  return out;
}

Status TotpEnrolment::Disable(int64_t user_id, const AuthContext& ctx) {
  LK_ASSIGN_OR_RETURN(User user, LoadUser(user_id));
  if (!user.has_totp()) return FailedPrecondition(kNotOn);
  LK_RETURN_IF_ERROR(s_.totp_step().Disable(user.id));
  LK_RETURN_IF_ERROR(s_.audit().Record(AuditEvent::kTotpDisabled, user.id,
                                       user.username, ctx, AuditOutcome::kOk,
                                       "turned off by the user"));
  MailOutbox outbox(s_.db(), s_.clock());
  return outbox
      .Enqueue(user.email, mail_texts::TotpDisabled(s_.config(), user,
                                                    s_.clock().NowUnix()))
      .status();
}

Result<std::vector<Secret>> TotpEnrolment::RegenerateRecoveryCodes(
    int64_t user_id, const AuthContext& ctx) {
  LK_ASSIGN_OR_RETURN(User user, LoadUser(user_id));
  if (!user.has_totp()) return FailedPrecondition(kNotOn);
  LK_ASSIGN_OR_RETURN(std::vector<Secret> codes,
                      s_.totp_step().ReplaceRecoveryCodes(user.id));
  LK_RETURN_IF_ERROR(s_.audit().Record(AuditEvent::kRecoveryCodesRegenerated,
                                       user.id, user.username, ctx,
                                       AuditOutcome::kOk, "by the user"));
  MailOutbox outbox(s_.db(), s_.clock());
  LK_RETURN_IF_ERROR(
      outbox
          .Enqueue(user.email, mail_texts::RecoveryCodesRegenerated(
                                   s_.config(), user, s_.clock().NowUnix()))
          .status());
  return codes;
}

}  // namespace latchkey
