#include "latchkey/store/token_store.h"

#include <array>

#include "latchkey/base/encoding.h"

namespace latchkey {
namespace {

// Tokens we issue are 43 characters; anything much longer is not ours and
// is not worth hashing.
constexpr size_t kMaxTokenLength = 128;

}  // namespace

std::string_view TokenPurposeName(TokenPurpose purpose) {
  switch (purpose) {
    case TokenPurpose::kActivate:
      return "activate";
    case TokenPurpose::kReset:
      return "reset";
    case TokenPurpose::kEmailChange:
      return "email_change";
    case TokenPurpose::kInvite:
      return "invite";
  }
  return "unknown";
}

TokenStore::TokenStore(db::Connection& db, const Clock& clock, Random& random)
    : db_(db), clock_(clock), random_(random) {}

Result<Secret> TokenStore::Issue(int64_t user_id, TokenPurpose purpose,
                                 Seconds ttl,
                                 std::optional<std::string> payload) {
  if (payload && payload->size() > 254) {
    return InvalidArgument("the token payload is longer than 254 bytes");
  }
  Secret raw = Secret::OfSize(32);
  LK_RETURN_IF_ERROR(random_.Fill(std::span<uint8_t>(
      reinterpret_cast<uint8_t*>(raw.mutable_data()), raw.size())));
  std::string encoded = Base64UrlEncode(raw.view());
  Secret token = Secret::Take(encoded);
  const Sha256Digest digest = Sha256(token.view());
  const int64_t now = clock_.NowUnixMicros();
  auto inserted = db_.Execute(
      "INSERT INTO tokens (user_id, purpose, token_sha256, payload, "
      "created_at, expires_at) SELECT id, ?, ?, ?, ?, ? FROM users "
      "WHERE id = ?",
      {TokenPurposeName(purpose), DigestView(digest), db::OrNull(payload),
       db::Timestamp{now}, db::Timestamp{now + ttl.count() * 1'000'000},
       user_id});
  if (!inserted.ok()) return inserted.status();
  if (*inserted == 0) {
    return NotFound("no user with id " + std::to_string(user_id));
  }
  return token;
}

Result<TokenPeek> TokenStore::Peek(std::string_view token,
                                   TokenPurpose purpose) {
  TokenPeek peek;
  if (token.empty() || token.size() > kMaxTokenLength) return peek;
  const Sha256Digest digest = Sha256(token);
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> row,
      db_.QueryOne("SELECT user_id, used_at IS NOT NULL, expires_at > ? "
                   "FROM tokens WHERE token_sha256 = ? AND purpose = ?",
                   {db::Timestamp{clock_.NowUnixMicros()}, DigestView(digest),
                    TokenPurposeName(purpose)}));
  if (!row) return peek;
  peek.user_id = row->i64(0);
  if (row->i64(1) != 0) {
    peek.state = TokenState::kUsed;
  } else if (row->i64(2) == 0) {
    peek.state = TokenState::kExpired;
  } else {
    peek.state = TokenState::kValid;
  }
  return peek;
}

Result<ConsumedToken> TokenStore::Consume(std::string_view token,
                                          TokenPurpose purpose) {
  if (token.empty() || token.size() > kMaxTokenLength) {
    return NotFound("this link is not valid");
  }
  const Sha256Digest digest = Sha256(token);
  const db::Timestamp now{clock_.NowUnixMicros()};
  LK_ASSIGN_OR_RETURN(
      uint64_t won,
      db_.Execute("UPDATE tokens SET used_at = ? WHERE token_sha256 = ? AND "
                  "purpose = ? AND used_at IS NULL AND expires_at > ?",
                  {now, DigestView(digest), TokenPurposeName(purpose), now}));
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> row,
      db_.QueryOne("SELECT user_id, payload, used_at IS NOT NULL, "
                   "expires_at > ? FROM tokens WHERE token_sha256 = ? AND "
                   "purpose = ?",
                   {now, DigestView(digest), TokenPurposeName(purpose)}));
  if (!row) return NotFound("this link is not valid");
  if (won == 1) {
    ConsumedToken out;
    out.user_id = row->i64(0);
    out.payload = row->opt_str(1);
    return out;
  }
  if (row->i64(2) != 0) {
    return FailedPrecondition("this link has already been used");
  }
  return FailedPrecondition("this link has expired");
}

Result<uint64_t> TokenStore::VoidOpen(int64_t user_id, TokenPurpose purpose) {
  return db_.Execute(
      "UPDATE tokens SET used_at = ? WHERE user_id = ? AND purpose = ? AND "
      "used_at IS NULL",
      {db::Timestamp{clock_.NowUnixMicros()}, user_id,
       TokenPurposeName(purpose)});
}

}  // namespace latchkey
