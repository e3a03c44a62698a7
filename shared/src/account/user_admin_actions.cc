// UserAdmin's actions for the admin area's user page (and latchkeyctl
// user unlock, expire, verify-email, revoke-sessions): the two locks kept
// apart, email verification, sessions and expiry. The guarded ones are in
// user_admin.cc and admin_guard_rails.cc.
#include <time.h>

#include <charconv>
#include <chrono>
#include <string>

#include "latchkey/account/user_admin.h"
#include "latchkey/config/config.h"
#include "latchkey/services/services.h"
#include "latchkey/store/session_store.h"

namespace latchkey {
namespace {

// Reads exactly `n` digits at `pos`; nullopt otherwise.
std::optional<int> Digits(std::string_view text, size_t pos, size_t n) {
  if (pos + n > text.size()) return std::nullopt;
  int value = 0;
  const char* first = text.data() + pos;
  auto [end, ec] = std::from_chars(first, first + n, value);
  if (ec != std::errc() || end != first + n) return std::nullopt;
  return value;
}

}  // namespace

Result<int64_t> ParseLockEnd(std::string_view text, int64_t now) {
  if (text == "until unlocked" || text == "unlocked" || text == "forever") {
    return kLockedUntilUnlocked;
  }
  const Status bad =
      InvalidArgument("not a duration such as 1h or 7d, or 'until unlocked'");
  if (text.empty()) return bad;
  Result<Millis> d = ParseDuration(text);
  if (!d.ok()) return bad;
  const int64_t seconds = std::chrono::duration_cast<Seconds>(*d).count();
  if (seconds <= 0) return bad;
  if (seconds >= kLockedUntilUnlocked - now) return kLockedUntilUnlocked;
  return now + seconds;
}

Result<int64_t> ParseAdminTime(std::string_view text) {
  const Status bad =
      InvalidArgument("not a date such as 2027-01-31 or 2027-01-31T18:00");
  if (!text.empty() && text.back() == 'Z') text.remove_suffix(1);
  std::optional<int> year = Digits(text, 0, 4);
  std::optional<int> month = Digits(text, 5, 2);
  std::optional<int> day = Digits(text, 8, 2);
  if (text.size() < 10 || text[4] != '-' || text[7] != '-' || !year || !month ||
      !day) {
    return bad;
  }
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (text.size() > 10) {
    std::optional<int> h = Digits(text, 11, 2);
    std::optional<int> m = Digits(text, 14, 2);
    if ((text[10] != 'T' && text[10] != ' ') || text.size() < 16 ||
        text[13] != ':' || !h || !m) {
      return bad;
    }
    hour = *h;
    minute = *m;
    if (text.size() > 16) {
      std::optional<int> sec = Digits(text, 17, 2);
      if (text.size() != 19 || text[16] != ':' || !sec) return bad;
      second = *sec;
    }
  }
  if (*year < 1970 || *month < 1 || *month > 12 || *day < 1 || *day > 31 ||
      hour > 23 || minute > 59 || second > 59) {
    return bad;
  }
  struct tm tm {};
  tm.tm_year = *year - 1900;
  tm.tm_mon = *month - 1;
  tm.tm_mday = *day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const time_t t = timegm(&tm);
  // timegm normalises 2027-02-31 into March: such a day does not exist.
  if (t == static_cast<time_t>(-1) || tm.tm_mday != *day ||
      tm.tm_mon != *month - 1) {
    return bad;
  }
  return static_cast<int64_t>(t);
}

Result<User> UserAdmin::FindById(int64_t id) {
  LK_ASSIGN_OR_RETURN(std::optional<User> user, services_.users().FindById(id));
  if (!user) return NotFound("no user with id " + std::to_string(id));
  return std::move(*user);
}

Status UserAdmin::UnlockAdmin(const User& user, const AdminActor& actor) {
  LK_RETURN_IF_ERROR(services_.lockout_store().ClearAdminLock(user.id));
  return Audit(AuditEvent::kUserUnlocked, user, actor, "admin lock");
}

Status UserAdmin::ClearPasswordLock(const User& user, const AdminActor& actor) {
  LK_RETURN_IF_ERROR(services_.lockout_store().ClearPasswordLock(user.id));
  return Audit(AuditEvent::kPasswordLockCleared, user, actor,
               std::to_string(user.failed_logins) + " failures");
}

Result<bool> UserAdmin::MarkEmailVerified(const User& user,
                                          const AdminActor& actor) {
  if (user.email_verified()) return false;
  LK_RETURN_IF_ERROR(services_.users().MarkEmailVerified(user.id));
  LK_RETURN_IF_ERROR(Audit(AuditEvent::kEmailVerified, user, actor));
  return true;
}

Result<uint64_t> UserAdmin::RevokeSessions(const User& user,
                                           const AdminActor& actor) {
  SessionStore sessions(services_.db(), services_.clock(), services_.random(),
                        services_.config().session);
  LK_ASSIGN_OR_RETURN(uint64_t ended, sessions.DestroyAllForUser(user.id));
  LK_RETURN_IF_ERROR(Audit(AuditEvent::kSessionsRevoked, user, actor,
                           std::to_string(ended) + " ended"));
  return ended;
}

Result<bool> UserAdmin::RevokeSession(const User& user, std::string_view handle,
                                      const AdminActor& actor) {
  SessionStore sessions(services_.db(), services_.clock(), services_.random(),
                        services_.config().session);
  LK_ASSIGN_OR_RETURN(bool ended, sessions.Revoke(user.id, handle));
  if (!ended) return false;
  LK_RETURN_IF_ERROR(Audit(AuditEvent::kSessionsRevoked, user, actor,
                           "session " + std::string(handle)));
  return true;
}

Status UserAdmin::SetAccountExpiry(const User& user, std::optional<int64_t> at,
                                   const AdminActor& actor) {
  LK_RETURN_IF_ERROR(services_.users().SetAccountExpiry(user.id, at));
  return Audit(AuditEvent::kExpiryChanged, user, actor,
               at ? "account expires " + IsoTime(*at)
                  : std::string("account never expires"));
}

Status UserAdmin::SetPasswordExpiry(const User& user, std::optional<int64_t> at,
                                    const AdminActor& actor) {
  LK_RETURN_IF_ERROR(services_.users().SetPasswordExpiry(user.id, at));
  std::string what = "password never expires";
  if (at && *at <= services_.clock().NowUnix()) {
    what = "password must change at next login";
  } else if (at) {
    what = "password expires " + IsoTime(*at);
  }
  return Audit(AuditEvent::kExpiryChanged, user, actor, what);
}

}  // namespace latchkey
