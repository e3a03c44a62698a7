#include "latchkey/fleet/directory_service.h"

#include <algorithm>
#include <string>

#include "latchkey/auth/challenge_store.h"
#include "latchkey/auth/login_record.h"
#include "latchkey/base/encoding.h"
#include "latchkey/nss/name_on_host.h"
#include "latchkey/store/ssh_key_store.h"

namespace latchkey {
namespace {

// The challenge's binding: ChallengeStore keeps SHA-256 of it in
// browser_sha256, where a browser's would be.
std::string ChallengeOwner(const Host& host) {
  return "host:" + std::to_string(host.id);
}

std::string AccountStatusName(AccountStatus status) {
  switch (status) {
    case AccountStatus::kOk:
      return "ok";
    case AccountStatus::kUnknownUser:
      return "unknown_user";
    case AccountStatus::kInactive:
      return "inactive";
    case AccountStatus::kUnverified:
      return "unverified";
    case AccountStatus::kLocked:
      return "locked";
    case AccountStatus::kAccountExpired:
      return "account_expired";
    case AccountStatus::kPasswordExpired:
      return "password_expired";
    case AccountStatus::kRoleMissing:
      return "role_missing";
    case AccountStatus::kUnavailable:
      break;
  }
  return "unavailable";
}

void AddField(std::string& text, std::string_view field) {
  text += std::to_string(field.size());
  text += ':';
  text += field;
  text += '\n';
}

}  // namespace

std::optional<std::string> OfflineStamp(const User& user,
                                        const HostAccess& access,
                                        std::optional<int64_t> group_id,
                                        int64_t now,
                                        bool require_verified_email) {
  const bool admin_locked =
      user.admin_locked_until && *user.admin_locked_until > now;
  if (user.has_totp() || !user.is_active || admin_locked ||
      user.AccountExpired(now) || user.PasswordExpired(now) ||
      (require_verified_email && !user.email_verified()) ||
      !access.admitted_anywhere()) {
    return std::nullopt;
  }
  // Length-prefixed fields: no two different inputs give the same text.
  std::string text = "latchkey offline stamp v1\n";
  AddField(text, std::to_string(user.id));
  AddField(text, user.password_hash);
  AddField(text, std::to_string(user.password_changed_at.value_or(0)));
  AddField(text, std::to_string(group_id.value_or(0)));
  std::vector<std::string> roles = user.roles;
  std::sort(roles.begin(), roles.end());
  for (const std::string& r : roles) AddField(text, "role " + r);
  for (const std::string& s : access.ServiceList()) {
    AddField(text, "service " + s);
  }
  const Sha256Digest digest = Sha256(text);
  WipeString(text);
  return HexEncode(DigestView(digest).substr(0, 16));
}

std::string NssMapVersion(const NssMap& map) {
  std::string text;
  for (const NssPasswdEntry& u : map.users) {
    text += u.name + ":x:" + std::to_string(u.uid) + ":" +
            std::to_string(u.gid) + ":" + u.gecos + ":" + u.home + ":" +
            u.shell + "\n";
  }
  text += "--\n";
  for (const NssGroupEntry& g : map.groups) {
    text += g.name + ":x:" + std::to_string(g.gid) + ":";
    for (size_t i = 0; i < g.members.size(); ++i) {
      if (i > 0) text += ',';
      text += g.members[i];
    }
    text += "\n";
  }
  return HexEncode(DigestView(Sha256(text)).substr(0, 8));
}

DirectoryService::DirectoryService(Services& services, const Host& host)
    : s_(services), host_(host) {}

AuthContext DirectoryService::Context(std::string_view service,
                                      std::string_view rhost,
                                      std::string_view tty) const {
  AuthContext ctx;
  ctx.service = std::string(service);
  ctx.rhost = std::string(rhost);
  ctx.tty = std::string(tty);
  ctx.host = host_.name;
  return ctx;
}

std::optional<std::string> DirectoryService::StampFor(const User& user) {
  HostAccessStore rules(s_.db());
  Result<HostAccess> access = rules.AccessOf(host_.group_id, user.roles);
  if (!access.ok()) return std::nullopt;  // no stamp: the agent drops it
  return OfflineStamp(user, *access, host_.group_id, s_.clock().NowUnix(),
                      s_.config().portal.require_email_verification);
}

DirectoryAuthAnswer DirectoryService::Authenticate(
    std::string_view user, const Secret& password, const AuthContext& ctx,
    std::optional<int64_t> nss_uid, TotpMode totp) {
  AuthOptions options;
  options.totp = totp;
  options.usernames_only = true;
  options.host_uid = nss_uid;
  options.require_verified_email =
      s_.config().portal.require_email_verification;
  DirectoryAuthAnswer answer;
  answer.outcome =
      s_.authenticator().Authenticate(user, password, ctx, options);
  if (answer.outcome.status == AuthStatus::kSecondFactorNeeded &&
      answer.outcome.challenge) {
    ChallengeStore store(s_.db(), s_.clock(), s_.random());
    Result<Secret> id =
        store.Issue(*answer.outcome.challenge, ChallengeOwner(host_));
    if (!id.ok()) {
      answer.outcome = AuthOutcome{};  // kUnavailable
      return answer;
    }
    answer.challenge = std::string(id->view());
  }
  if (answer.outcome.status == AuthStatus::kOk && answer.outcome.user) {
    answer.offline_stamp = StampFor(*answer.outcome.user);
  }
  return answer;
}

DirectoryAuthAnswer DirectoryService::SecondFactor(std::string_view challenge,
                                                   std::string_view code,
                                                   const AuthContext& ctx) {
  DirectoryAuthAnswer answer;
  ChallengeStore store(s_.db(), s_.clock(), s_.random());
  Result<std::optional<SecondFactorChallenge>> taken =
      store.Take(challenge, ChallengeOwner(host_));
  if (!taken.ok()) return answer;  // kUnavailable
  if (!taken->has_value()) {
    answer.outcome.status = AuthStatus::kBadCredentials;
    answer.outcome.user_known = false;
    return answer;
  }
  answer.outcome = s_.authenticator().CompleteSecondFactor(**taken, code, ctx);
  if (answer.outcome.status == AuthStatus::kOk && answer.outcome.user) {
    answer.offline_stamp = StampFor(*answer.outcome.user);
  }
  return answer;
}

std::string DirectoryService::Account(
    std::string_view user, std::string_view service,
    const std::vector<std::string>& require_roles,
    std::optional<int64_t> nss_uid, const AuthContext& ctx) {
  const AccountCheck check = s_.accounts().CheckAccount(
      user, require_roles, s_.config().portal.require_email_verification);
  if (check.user && !HoldsHostUid(*check.user, nss_uid)) return "unknown_user";
  if (check.status != AccountStatus::kOk &&
      check.status != AccountStatus::kPasswordExpired) {
    return AccountStatusName(check.status);
  }
  HostAccessStore rules(s_.db());
  Result<HostAccess> access = rules.AccessOf(host_.group_id, check.user->roles);
  if (!access.ok()) return "unavailable";
  if (!access->Admits(service)) {
    const std::string detail =
        "no access rule of host group " +
        (host_.group_name.empty() ? std::string("(none)") : host_.group_name) +
        " admits it for " + std::string(service.empty() ? "-" : service);
    const Status audited =
        s_.audit().Record(AuditEvent::kAccessDenied, check.user->id, user, ctx,
                          AuditOutcome::kFail, detail);
    if (!audited.ok()) return "unavailable";
    return "access_denied";
  }
  return AccountStatusName(check.status);
}

DirectoryPasswordAnswer DirectoryService::ChangePassword(
    std::string_view user, const Secret* old_password,
    const Secret& new_password, const AuthContext& ctx) {
  if (old_password == nullptr && !host_.may_reset_passwords) {
    return {"not_allowed",
            "this host may not set a password without the "
            "old one"};
  }
  Result<std::optional<User>> found = s_.users().FindByUsername(user);
  if (!found.ok()) return {"unavailable", ""};
  if (!*found) return {"unknown_user", ""};
  PasswordChangeOptions options;
  if (old_password == nullptr) {
    options.is_reset = true;
    options.audit_note = "by host " + host_.name;
  }
  const Status changed = s_.accounts().ChangePassword(
      (*found)->id, new_password, old_password, ctx, options);
  switch (changed.code()) {
    case StatusCode::kOk: {
      // Queued after the change; a mail never changes the answer.
      (void)s_.security_notifier().PasswordChanged(**found, ctx);
      return {"ok", ""};
    }
    case StatusCode::kPermissionDenied:
      return {"wrong_password", ""};
    case StatusCode::kInvalidArgument:
      return {"rejected", changed.message()};
    case StatusCode::kNotFound:
      return {"unknown_user", ""};
    case StatusCode::kFailedPrecondition:
      if (changed.message().find("address") != std::string::npos) {
        return {"throttled", ""};
      }
      return {"locked", ""};
    default:
      return {"unavailable", ""};
  }
}

std::string DirectoryService::Session(std::string_view user, bool open,
                                      const AuthContext& ctx) {
  LoginRecorder recorder(s_.users(), s_.audit());
  const Status s =
      open ? recorder.Opened(user, ctx) : recorder.Closed(user, ctx);
  if (s.ok()) return "ok";
  if (s.code() == StatusCode::kNotFound) return "unknown_user";
  return "unavailable";
}

Result<std::optional<std::vector<std::string>>> DirectoryService::SshKeys(
    std::string_view user) {
  using Answer = std::optional<std::vector<std::string>>;
  LK_ASSIGN_OR_RETURN(std::optional<User> found,
                      s_.users().FindByUsername(user));
  if (!found || !found->is_active) return Answer();
  SshKeyStore keys(s_.db(), s_.clock());
  LK_ASSIGN_OR_RETURN(std::vector<StoredSshKey> active,
                      keys.ActiveForUsername(user));
  std::vector<std::string> lines;
  lines.reserve(active.size());
  for (const StoredSshKey& k : active) lines.push_back(k.AuthorizedKeysLine());
  return Answer(std::move(lines));
}

Result<NssMap> DirectoryService::Map() {
  return ReadNssMap(s_.db(), s_.config().nss);
}

Result<OfflineState> DirectoryService::OfflineCheck(std::string_view user) {
  OfflineState out;
  LK_ASSIGN_OR_RETURN(std::optional<User> found,
                      s_.users().FindByUsername(user));
  if (!found) return out;
  out.known = true;
  HostAccessStore rules(s_.db());
  LK_ASSIGN_OR_RETURN(HostAccess access,
                      rules.AccessOf(host_.group_id, found->roles));
  out.roles = found->roles;
  std::sort(out.roles.begin(), out.roles.end());
  out.services = access.ServiceList();
  out.stamp = OfflineStamp(*found, access, host_.group_id, s_.clock().NowUnix(),
                           s_.config().portal.require_email_verification);
  return out;
}

Result<size_t> DirectoryService::RecordReported(
    const std::vector<HostReportedEvent>& events) {
  std::vector<AuditEvent> kinds;
  kinds.reserve(events.size());
  for (const HostReportedEvent& e : events) {
    const std::optional<AuditEvent> kind = AuditEventFromName(e.event);
    if (!kind || (*kind != AuditEvent::kOfflineLogin &&
                  *kind != AuditEvent::kOfflineFailure)) {
      return InvalidArgument(
          "a host may report offline_login and offline_failure only");
    }
    kinds.push_back(*kind);
  }
  for (size_t i = 0; i < events.size(); ++i) {
    const HostReportedEvent& e = events[i];
    LK_ASSIGN_OR_RETURN(std::optional<User> found,
                        s_.users().FindByUsername(e.user));
    std::optional<int64_t> user_id;
    if (found) user_id = found->id;
    std::string detail =
        "reported by host " + host_.name + ", at " + std::to_string(e.ts);
    if (!e.detail.empty()) detail += ": " + e.detail;
    LK_RETURN_IF_ERROR(s_.audit().Record(
        kinds[i], user_id, e.user, Context(e.service, e.rhost, e.tty),
        kinds[i] == AuditEvent::kOfflineLogin ? AuditOutcome::kOk
                                              : AuditOutcome::kFail,
        detail));
  }
  return events.size();
}

}  // namespace latchkey
