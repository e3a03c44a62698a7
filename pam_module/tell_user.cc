#include "tell_user.h"

#include <string>

namespace latchkey::pam {

void TellUserAuth(PamIo& io, Verdict verdict) {
  switch (verdict) {
    case Verdict::kLocked:
      io.Error("Your account is temporarily locked. Try again later.");
      break;
    case Verdict::kThrottled:
      io.Error("Too many failed logins from your address. Try again later.");
      break;
    default:
      break;
  }
}

void TellRecoveryCodesLeft(PamIo& io, int64_t left) {
  io.Info("You used a recovery code; " + std::to_string(left) +
          " remain. Generate new ones in the portal when few are left.");
}

void TellUserAccount(PamIo& io, Verdict verdict) {
  switch (verdict) {
    case Verdict::kInactive:
    case Verdict::kAccountExpired:
      io.Error(
          "Your account has expired; please contact your system "
          "administrator.");
      break;
    case Verdict::kUnverified:
      io.Error(
          "Please confirm your email address first (see the mail we sent "
          "you).");
      break;
    case Verdict::kLocked:
      // Only an admin lock reaches the account phase.
      io.Error(
          "Your account is locked; please contact your system "
          "administrator.");
      break;
    case Verdict::kRoleMissing:
      io.Error("Your account may not use this service.");
      break;
    case Verdict::kAccessDenied:
      io.Error("Your account may not log in to this host.");
      break;
    case Verdict::kPasswordExpired:
      io.Error(
          "You are required to change your password immediately (password "
          "expired).");
      break;
    default:
      break;
  }
}

void TellUserPassword(PamIo& io, Verdict verdict,
                      std::string_view policy_message) {
  switch (verdict) {
    case Verdict::kPolicyRejected: {
      std::string text;
      for (const char c : policy_message) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u != 0x7f) text += c;
      }
      io.Error(text.empty() ? "The new password was refused." : text);
      break;
    }
    case Verdict::kOldPasswordWrong:
      io.Error("The current password is not correct.");
      break;
    case Verdict::kLocked:
      io.Error("Your account is temporarily locked. Try again later.");
      break;
    case Verdict::kResetNotAllowed:
      io.Error(
          "This host may not set a latchkey password without the current "
          "one. The user can change it with passwd, or an administrator in "
          "the portal.");
      break;
    case Verdict::kUnavailable:
    case Verdict::kInternalError:
      io.Error("The password could not be changed; please try again later.");
      break;
    default:
      break;
  }
}

}  // namespace latchkey::pam
