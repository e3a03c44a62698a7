// AccountLinks: the links an administrator hands out (issue 11):
//   - a password-reset mail sent on the admin's behalf (the same mail and
//     token as "forgot my password");
//   - a one-time reset link shown to the admin once, for a user whose mail
//     does not work;
//   - an invitation: a new account without a usable password, whose owner
//     gets a mail with a link to choose one.
// latchkeyctl (user reset-mail, user reset-link, user invite), the portal's
// /admin pages and /api/v1/admin calls, and the public /invite page and
// /api/v1/invite call are thin doors over it.
#ifndef LATCHKEY_ACCOUNT_INVITATION_H_
#define LATCHKEY_ACCOUNT_INVITATION_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/account/link_state.h"
#include "latchkey/account/password_reset.h"
#include "latchkey/account/user_admin.h"
#include "latchkey/base/clock.h"
#include "latchkey/base/result.h"
#include "latchkey/base/secret.h"
#include "latchkey/services/services.h"

namespace latchkey {

// A one-time reset link lasts 1 hour unless the admin chooses otherwise,
// at least 1 minute and at most 24 hours.
inline constexpr Seconds kResetLinkDefaultValidity{3600};
inline constexpr Seconds kResetLinkMinValidity{60};
inline constexpr Seconds kResetLinkMaxValidity{24 * 3600};

// "1h", "30m", "90m", "24h" or a bare number of seconds (ParseDuration),
// checked against the bounds above. Errors: InvalidArgument with a
// sentence, e.g. "the validity must be at most 24 hours (got '2d')".
Result<Seconds> ParseResetLinkValidity(std::string_view text);

// A reset link shown once: `url` is base_url/reset?token=..., `expires_at`
// Unix seconds.
struct IssuedResetLink {
  Secret url;
  int64_t expires_at = 0;
};

struct InvitationForm {
  std::string username;
  std::string email;
  std::string full_name;
  std::vector<std::string> roles = {"user"};
};

// Not thread-safe (uses one Services).
class AccountLinks {
 public:
  explicit AccountLinks(Services& services);

  // Queues the password-reset mail of "forgot my password" (a new reset
  // token, valid kResetTokenTtl; older reset links stay valid, as with
  // /forgot) for `user`, audited as reset_mail_sent "by <admin>"; when
  // `user` holds the admin role every admin is mailed
  // (AdminNoticeAction::kResetMail). One transaction. Errors:
  // FailedPrecondition "'bob' is deactivated: activate the account first"
  // (the reset page refuses such links), db errors.
  Status SendResetMail(const User& user, const AdminActor& actor);

  // A reset token valid for `validity` (kResetLinkMinValidity ..
  // kResetLinkMaxValidity), returned once as a full link; only its
  // SHA-256 is stored. Audited as reset_link_issued with the validity
  // ("valid 1h by alice"), never the token; admins are mailed when `user`
  // is an admin (kResetLink). One transaction. Errors: InvalidArgument for
  // a validity out of bounds ("the validity must be ..."),
  // FailedPrecondition for a deactivated account, db errors.
  Result<IssuedResetLink> IssueResetLink(const User& user, Seconds validity,
                                         const AdminActor& actor);

  // Creates the account through UserAdmin::Create (the same checks of
  // username, reserved names, email, full name and roles, and the same
  // errors: AlreadyExists for a taken username or email) without a usable
  // password, inactive and unverified, and mails the address an
  // invitation link (base_url/invite?token=..., valid kInvitationTokenTtl).
  // Audited as user_created ("without a usable password") and
  // user_invited, both "by <admin>". One transaction. Returns the new id.
  Result<int64_t> Invite(const InvitationForm& form, const AdminActor& actor);

  // Mails `user` a new invitation link and voids the older ones (audited
  // as user_invited "again by <admin>"). Errors: FailedPrecondition
  // "'bob' has already accepted the invitation" when the address is
  // verified (the account is in use: send a reset mail instead), "'bob'
  // was not invited" for an account that never had an invitation.
  Status ResendInvitation(const User& user, const AdminActor& actor);

  // What the invitation page should show for `token`, without using it.
  Result<LinkState> CheckInvitation(std::string_view token);

  // Accepts an invitation: the form is checked first (the token is not
  // used up by a bad form: "password" empty or refused by the policy,
  // "confirm" mismatch), then the token is used atomically, the password
  // set (AccountService::ChangePassword, as a reset), the email marked
  // verified (the link reached it) and the account activated; audited as
  // invitation_accepted. Errors: db/KDF errors.
  Result<ResetResult> AcceptInvitation(std::string_view token,
                                       const Secret& password,
                                       const Secret& confirm,
                                       const AuthContext& ctx);

 private:
  Status MailInvitation(const User& user);
  Status RequireActive(const User& user);

  Services& s_;
};

}  // namespace latchkey

#endif  // LATCHKEY_ACCOUNT_INVITATION_H_
