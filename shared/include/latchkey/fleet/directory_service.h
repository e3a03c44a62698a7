// DirectoryService: what the directory's /host/v1 routes do for one host
// (docs/fleet-protocol.md), over the same core services the portal and
// pam_latchkey use: the Authenticator (lockout, audit, mails), the
// ChallengeStore, AccountService, LoginRecorder, SshKeyStore, the nss-sync
// map and the host access rules. The door (latchkey-portal's [directory]
// listener) authenticates the host's token first and hands the Host here.
//
// Every audit row it writes carries the host's name (AuthContext::host),
// and the per-address counter counts a host-reported rhost under that
// host's name (IpKey). Nothing it returns holds a password hash, a TOTP
// seed, an email address or an audit row.
//
// Not thread-safe: one per request, over that request's Services.
#ifndef LATCHKEY_FLEET_DIRECTORY_SERVICE_H_
#define LATCHKEY_FLEET_DIRECTORY_SERVICE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/auth/authenticator.h"
#include "latchkey/base/result.h"
#include "latchkey/base/secret.h"
#include "latchkey/nss/nss_sync.h"
#include "latchkey/services/services.h"
#include "latchkey/store/audit.h"
#include "latchkey/store/host_access.h"
#include "latchkey/store/host_store.h"

namespace latchkey {

// authenticate and second-factor.
struct DirectoryAuthAnswer {
  AuthOutcome outcome;
  std::string challenge;  // kSecondFactorNeeded: the id to send back
  // kOk only, and only when the account may be cached offline on this host
  // (OfflineEligible).
  std::optional<std::string> offline_stamp;
};

// change-password: a status of the socket's change_password and, for
// "rejected", the quality rule's reason.
struct DirectoryPasswordAnswer {
  std::string status;
  std::string message;
};

// offline-check for one account.
struct OfflineState {
  bool known = false;                 // false: no such account
  std::optional<std::string> stamp;   // null: no longer eligible
  std::vector<std::string> roles;     // sorted
  std::vector<std::string> services;  // ["*"] for every service
};

// One event a host reports (the audit route).
struct HostReportedEvent {
  int64_t ts = 0;  // when the host saw it (Unix seconds)
  std::string user;
  std::string event;  // offline_login or offline_failure only
  std::string service;
  std::string rhost;
  std::string tty;
  std::string detail;
};

// The offline stamp of `user` on a host whose rules give `access`, or
// nullopt when it may not be cached there: TOTP enrolled, inactive,
// admin-locked, account expired, password expired, email unverified (when
// `require_verified_email`), or admitted by no rule. Else 32 hex digits of
// SHA-256 over the user id, the stored hash and password_changed_at (any
// password change or reset), the roles, the admitted services and the host
// group: it changes with each of them.
std::optional<std::string> OfflineStamp(const User& user,
                                        const HostAccess& access,
                                        std::optional<int64_t> group_id,
                                        int64_t now,
                                        bool require_verified_email);

// The map's version: 16 hex digits of SHA-256 over its canonical text (the
// passwd and group lines it stands for). Equal maps, equal versions.
std::string NssMapVersion(const NssMap& map);

class DirectoryService {
 public:
  // `host` must be the authenticated, unrevoked fleet host.
  DirectoryService(Services& services, const Host& host);

  // The AuthContext of a request from this host: `service`, `rhost` and
  // `tty` as the host reported them, host = its name.
  AuthContext Context(std::string_view service, std::string_view rhost,
                      std::string_view tty) const;

  // Authenticator::Authenticate with usernames only, `nss_uid` as the
  // host uid, the [portal] email-verification rule. A second-factor
  // challenge is stored bound to this host ("host:<id>"): another host
  // cannot complete it.
  DirectoryAuthAnswer Authenticate(std::string_view user,
                                   const Secret& password,
                                   const AuthContext& ctx,
                                   std::optional<int64_t> nss_uid,
                                   TotpMode totp);
  // Takes the challenge (this host's only) and completes it. An unknown,
  // expired, used or other host's challenge: kBadCredentials.
  DirectoryAuthAnswer SecondFactor(std::string_view challenge,
                                   std::string_view code,
                                   const AuthContext& ctx);

  // The account phase: AccountService::CheckAccount with `require_roles`,
  // then the host's access rules for `service` (access_denied, audited),
  // then password expiry. Returns the socket's status name.
  std::string Account(std::string_view user, std::string_view service,
                      const std::vector<std::string>& require_roles,
                      std::optional<int64_t> nss_uid, const AuthContext& ctx);

  // AccountService::ChangePassword. Without `old_password` only when the
  // host may reset passwords (else "not_allowed", nothing changed).
  DirectoryPasswordAnswer ChangePassword(std::string_view user,
                                         const Secret* old_password,
                                         const Secret& new_password,
                                         const AuthContext& ctx);

  // LoginRecorder::Opened / Closed: "ok", "unknown_user" or "unavailable".
  std::string Session(std::string_view user, bool open, const AuthContext& ctx);

  // The authorized_keys lines of an active account's unexpired keys;
  // nullopt for an unknown or inactive account. Errors: db.
  Result<std::optional<std::vector<std::string>>> SshKeys(
      std::string_view user);

  // The directory map (ReadNssMap). Errors: db.
  Result<NssMap> Map();

  // The offline state of `user` on this host. Errors: db.
  Result<OfflineState> OfflineCheck(std::string_view user);

  // Writes the events a host reports: each one audit row with this host's
  // name and "reported by host NAME" in the detail. Errors:
  // InvalidArgument (and nothing written) when any event is not
  // offline_login / offline_failure; db errors.
  Result<size_t> RecordReported(const std::vector<HostReportedEvent>& events);

 private:
  std::optional<std::string> StampFor(const User& user);

  Services& s_;
  const Host& host_;
};

}  // namespace latchkey

#endif  // LATCHKEY_FLEET_DIRECTORY_SERVICE_H_
