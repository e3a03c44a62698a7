#include "latchkey/auth/challenge_store.h"

#include <algorithm>
#include <span>

#include "latchkey/base/encoding.h"

namespace latchkey {
namespace {

constexpr size_t kIdBytes = 32;
constexpr size_t kIdChars = 43;  // base64url of 32 bytes, no padding

bool IsId(std::string_view s) {
  return s.size() == kIdChars && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                  (c >= '0' && c <= '9') || c == '-' || c == '_';
         });
}

}  // namespace

ChallengeStore::ChallengeStore(db::Connection& db, const Clock& clock,
                               Random& random)
    : db_(db), clock_(clock), random_(random) {}

Result<Secret> ChallengeStore::Issue(const SecondFactorChallenge& challenge,
                                     std::string_view browser) {
  if (browser.empty()) {
    return InvalidArgument("a challenge must be bound to a browser");
  }
  Secret raw = Secret::OfSize(kIdBytes);
  LK_RETURN_IF_ERROR(random_.Fill(std::span<uint8_t>(
      reinterpret_cast<uint8_t*>(raw.mutable_data()), raw.size())));
  std::string encoded = Base64UrlEncode(raw.view());
  Secret id = Secret::Take(encoded);
  const Sha256Digest id_digest = Sha256(id.view());
  const Sha256Digest browser_digest = Sha256(browser);
  LK_RETURN_IF_ERROR(
      db_.Execute(
             "INSERT INTO login_challenges (id_sha256, browser_sha256, "
             "user_id, username, issued_at, expires_at, password_ok) "
             "VALUES (?, ?, ?, ?, ?, ?, ?)",
             {DigestView(id_digest), DigestView(browser_digest),
              challenge.user_id, std::string_view(challenge.username),
              challenge.issued_at, challenge.issued_at + kChallengeTtl.count(),
              int64_t{challenge.password_ok ? 1 : 0}})
          .status());
  return id;
}

Result<std::optional<SecondFactorChallenge>> ChallengeStore::Take(
    std::string_view id, std::string_view browser) {
  if (!IsId(id) || browser.empty()) {
    return std::optional<SecondFactorChallenge>();
  }
  const Sha256Digest id_digest = Sha256(id);
  const Sha256Digest browser_digest = Sha256(browser);
  // One statement finds and uses it up: of two parallel attempts, one gets
  // the row and the other nothing.
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> row,
      db_.QueryOne("DELETE FROM login_challenges "
                   "WHERE id_sha256 = ? AND browser_sha256 = ? "
                   "RETURNING user_id, username, issued_at, expires_at, "
                   "password_ok",
                   {DigestView(id_digest), DigestView(browser_digest)}));
  if (!row) return std::optional<SecondFactorChallenge>();
  const int64_t now = clock_.NowUnix();
  SecondFactorChallenge ch;
  ch.user_id = row->i64(0);
  ch.username = row->str(1);
  ch.issued_at = row->i64(2);
  ch.password_ok = row->i64(4) != 0;
  if (now >= row->i64(3) || ch.issued_at > now + 5) {
    return std::optional<SecondFactorChallenge>();
  }
  return std::optional<SecondFactorChallenge>(std::move(ch));
}

Result<uint64_t> ChallengeStore::PurgeExpired(uint64_t limit) {
  return db_.Execute(
      "DELETE FROM login_challenges WHERE expires_at <= ? LIMIT ?",
      {clock_.NowUnix(), limit});
}

}  // namespace latchkey
