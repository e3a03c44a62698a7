#include "latchkey/store/session_store.h"

#include <algorithm>
#include <span>

#include "latchkey/base/encoding.h"
#include "latchkey/store/audit.h"
#include "latchkey/store/session_cache.h"

namespace latchkey {
namespace {

constexpr int64_t kMicros = 1'000'000;
constexpr size_t kIdBytes = 32;
constexpr size_t kIdChars = 43;  // base64url of 32 bytes, no padding
constexpr size_t kHandleChars = 16;
constexpr size_t kIpMax = 45;

bool IsBase64Url(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

// The digest of a well-formed cookie value, or nullopt without hashing.
std::optional<Sha256Digest> DigestOf(std::string_view id) {
  if (id.size() != kIdChars || !IsBase64Url(id)) return std::nullopt;
  return Sha256(id);
}

Status FillRandom(Random& random, Secret& out) {
  return random.Fill(std::span<uint8_t>(
      reinterpret_cast<uint8_t*>(out.mutable_data()), out.size()));
}

int64_t SecondsOf(int64_t micros) { return micros / kMicros; }

}  // namespace

std::string SessionHandle(std::string_view id_sha256) {
  return HexEncode(id_sha256.substr(0, kHandleChars / 2));
}

SessionStore::SessionStore(db::Connection& db, const Clock& clock,
                           Random& random, SessionConfig config)
    : db_(db), clock_(clock), random_(random), config_(config) {}

Seconds SessionStore::RefreshInterval() const {
  const Seconds half_idle = config_.idle_timeout / 2;
  return std::max(Seconds{1}, std::min(Seconds{60}, half_idle));
}

int64_t SessionStore::DeadlineFrom(int64_t created_at,
                                   int64_t last_seen_at) const {
  return std::min(created_at + config_.absolute_timeout.count() * kMicros,
                  last_seen_at + config_.idle_timeout.count() * kMicros);
}

Result<NewSession> SessionStore::Create(int64_t user_id, std::string_view ip,
                                        std::string_view user_agent) {
  Secret raw = Secret::OfSize(kIdBytes);
  LK_RETURN_IF_ERROR(FillRandom(random_, raw));
  Secret csrf = Secret::OfSize(kIdBytes);
  LK_RETURN_IF_ERROR(FillRandom(random_, csrf));
  std::string encoded = Base64UrlEncode(raw.view());
  Secret id = Secret::Take(encoded);
  const Sha256Digest digest = Sha256(id.view());

  const int64_t now = clock_.NowUnixMicros();
  const int64_t expires = DeadlineFrom(now, now);
  const std::string ip_cut(ip.substr(0, kIpMax));
  const std::string ua = EscapeLogField(user_agent, kAuditUserAgentMax);
  LK_ASSIGN_OR_RETURN(
      uint64_t inserted,
      db_.Execute("INSERT INTO sessions (id_sha256, user_id, created_at, "
                  "last_seen_at, expires_at, ip, user_agent, csrf_secret) "
                  "SELECT ?, id, ?, ?, ?, ?, ?, ? FROM users WHERE id = ?",
                  {DigestView(digest), db::Timestamp{now}, db::Timestamp{now},
                   db::Timestamp{expires}, std::string_view(ip_cut),
                   std::string_view(ua), csrf.view(), user_id}));
  if (inserted == 0) {
    return NotFound("no user with id " + std::to_string(user_id));
  }
  NewSession out;
  out.id = std::move(id);
  Session& s = out.session;
  s.id_sha256 = std::string(DigestView(digest));
  s.handle = SessionHandle(s.id_sha256);
  s.user_id = user_id;
  s.created_at = SecondsOf(now);
  s.last_seen_at = SecondsOf(now);
  s.expires_at = SecondsOf(expires);
  s.ip = ip_cut;
  s.user_agent = ua;
  s.csrf_secret = std::move(csrf);
  return out;
}

Result<std::optional<Session>> SessionStore::Lookup(std::string_view id) {
  LK_ASSIGN_OR_RETURN(std::optional<SignedIn> found, LookupWithUser(id));
  if (!found) return std::optional<Session>();
  return std::optional<Session>(std::move(found->session));
}

Result<std::optional<SignedIn>> SessionStore::LookupWithUser(
    std::string_view id, SessionCache* cache) {
  const std::optional<Sha256Digest> digest = DigestOf(id);
  if (!digest) return std::optional<SignedIn>();
  const std::string_view key = DigestView(*digest);
  uint64_t generation = 0;
  if (cache != nullptr) {
    if (std::optional<SignedIn> hit = cache->Get(key)) {
      // Whole seconds can only make a deadline look earlier: anything
      // close goes to the database, which decides to the microsecond.
      const int64_t now = clock_.NowUnixMicros();
      const Session& s = hit->session;
      const int64_t deadline = std::min(
          s.expires_at * kMicros,
          DeadlineFrom(s.created_at * kMicros, s.last_seen_at * kMicros));
      if (now < deadline &&
          now / kMicros - s.last_seen_at < RefreshInterval().count() - 1) {
        return hit;
      }
    }
    generation = cache->generation();
  }
  // Session columns 0..8, then the user's from kSessionColumns on. Built
  // once: it is the query of every signed-in request.
  static const std::string kQuery =
      "SELECT s.user_id, s.created_at, s.last_seen_at, s.expires_at, "
      "s.reauth_at, s.ip, s.user_agent, s.csrf_secret, s.admin_reauth_at, " +
      std::string(UserSelectColumns()) +
      "FROM sessions s JOIN users u ON u.id = s.user_id "
      "WHERE s.id_sha256 = ?";
  constexpr size_t kSessionColumns = 9;
  LK_ASSIGN_OR_RETURN(std::optional<db::Row> row, db_.QueryOne(kQuery, {key}));
  if (!row) {
    if (cache != nullptr) cache->Erase(key);
    return std::optional<SignedIn>();
  }
  const int64_t now = clock_.NowUnixMicros();
  const int64_t created = row->unix_micros(1).value_or(0);
  const int64_t last_seen = row->unix_micros(2).value_or(0);
  int64_t expires = row->unix_micros(3).value_or(0);
  if (now >= expires || now >= DeadlineFrom(created, last_seen) ||
      row->str(7).size() != kIdBytes) {
    if (cache != nullptr) cache->Erase(key);
    LK_RETURN_IF_ERROR(
        db_.Execute("DELETE FROM sessions WHERE id_sha256 = ?", {key})
            .status());
    return std::optional<SignedIn>();
  }
  int64_t seen = last_seen;
  if (now - last_seen >= RefreshInterval().count() * kMicros) {
    seen = now;
    expires = DeadlineFrom(created, now);
    LK_RETURN_IF_ERROR(
        db_.Execute("UPDATE sessions SET last_seen_at = ?, expires_at = ? "
                    "WHERE id_sha256 = ?",
                    {db::Timestamp{now}, db::Timestamp{expires}, key})
            .status());
  }
  SignedIn out;
  Session& s = out.session;
  s.id_sha256 = std::string(key);
  s.handle = SessionHandle(key);
  s.user_id = row->i64(0);
  s.created_at = SecondsOf(created);
  s.last_seen_at = SecondsOf(seen);
  s.expires_at = SecondsOf(expires);
  s.reauth_at = row->unix_time(4);
  s.ip = row->str(5);
  s.user_agent = row->str(6);
  s.csrf_secret = Secret(row->str(7));
  s.admin_reauth_at = row->unix_time(8);
  out.user = UserFromRow(*row, kSessionColumns);
  if (cache != nullptr) cache->Put(key, out, generation);
  return std::optional<SignedIn>(std::move(out));
}

Status SessionStore::Destroy(std::string_view id) {
  const std::optional<Sha256Digest> digest = DigestOf(id);
  if (!digest) return Status::Ok();
  return db_
      .Execute("DELETE FROM sessions WHERE id_sha256 = ?",
               {DigestView(*digest)})
      .status();
}

Result<uint64_t> SessionStore::DestroyAllForUser(
    int64_t user_id, std::string_view except_sha256) {
  if (except_sha256.empty()) {
    return db_.Execute("DELETE FROM sessions WHERE user_id = ?", {user_id});
  }
  return db_.Execute(
      "DELETE FROM sessions WHERE user_id = ? AND id_sha256 <> ?",
      {user_id, except_sha256});
}

Result<std::vector<SessionInfo>> SessionStore::ListForUser(
    int64_t user_id, std::string_view current_handle) {
  const int64_t now = clock_.NowUnixMicros();
  LK_ASSIGN_OR_RETURN(
      std::vector<db::Row> rows,
      db_.Query("SELECT id_sha256, created_at, last_seen_at, expires_at, ip, "
                "user_agent FROM sessions WHERE user_id = ? AND "
                "expires_at > ? ORDER BY last_seen_at DESC",
                {user_id, db::Timestamp{now}}));
  std::vector<SessionInfo> out;
  out.reserve(rows.size());
  for (const db::Row& row : rows) {
    const int64_t created = row.unix_micros(1).value_or(0);
    const int64_t last_seen = row.unix_micros(2).value_or(0);
    if (now >= DeadlineFrom(created, last_seen)) continue;
    SessionInfo info;
    info.handle = SessionHandle(row.str(0));
    info.created_at = SecondsOf(created);
    info.last_seen_at = SecondsOf(last_seen);
    info.expires_at = SecondsOf(row.unix_micros(3).value_or(0));
    info.ip = row.str(4);
    info.user_agent = row.str(5);
    info.current = !current_handle.empty() && info.handle == current_handle;
    out.push_back(std::move(info));
  }
  return out;
}

Result<bool> SessionStore::Revoke(int64_t user_id, std::string_view handle) {
  if (handle.size() != kHandleChars) return false;
  const std::optional<std::string> prefix = HexDecode(handle);
  if (!prefix || HexEncode(*prefix) != handle) return false;
  LK_ASSIGN_OR_RETURN(uint64_t deleted,
                      db_.Execute("DELETE FROM sessions WHERE user_id = ? AND "
                                  "LEFT(id_sha256, 8) = ?",
                                  {user_id, std::string_view(*prefix)}));
  return deleted > 0;
}

Status SessionStore::MarkReauthenticated(Session& session) {
  const int64_t now = clock_.NowUnixMicros();
  LK_RETURN_IF_ERROR(
      db_.Execute("UPDATE sessions SET reauth_at = ? WHERE id_sha256 = ?",
                  {db::Timestamp{now}, std::string_view(session.id_sha256)})
          .status());
  session.reauth_at = SecondsOf(now);
  return Status::Ok();
}

Status SessionStore::MarkAdminReauthenticated(Session& session) {
  const int64_t now = clock_.NowUnixMicros();
  LK_RETURN_IF_ERROR(
      db_.Execute("UPDATE sessions SET reauth_at = ?, admin_reauth_at = ? "
                  "WHERE id_sha256 = ?",
                  {db::Timestamp{now}, db::Timestamp{now},
                   std::string_view(session.id_sha256)})
          .status());
  session.reauth_at = SecondsOf(now);
  session.admin_reauth_at = SecondsOf(now);
  return Status::Ok();
}

Result<uint64_t> SessionStore::PurgeExpired(uint64_t limit) {
  return db_.Execute("DELETE FROM sessions WHERE expires_at <= ? LIMIT ?",
                     {db::Timestamp{clock_.NowUnixMicros()}, limit});
}

}  // namespace latchkey
