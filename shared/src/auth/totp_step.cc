#include "latchkey/auth/totp_step.h"

namespace latchkey {
namespace {

std::string NoSuchUser(int64_t id) {
  return "no user with id " + std::to_string(id);
}

// Locks the user's row until the transaction ends, so two changes to one
// account's second factor run one after the other. Errors: NotFound for no
// such user, the database's.
Status LockUserRow(db::Connection& db, int64_t user_id) {
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> row,
      db.QueryOne("SELECT 1 FROM users WHERE id = ? FOR UPDATE", {user_id}));
  if (!row) return NotFound(NoSuchUser(user_id));
  return Status::Ok();
}

}  // namespace

std::string TotpAad(int64_t user_id) {
  return "totp:" + std::to_string(user_id);
}

TotpStep::TotpStep(db::Connection& db, const Clock& clock, Random& random,
                   const Totp& totp, const SecretBox* box,
                   std::string missing_key_message)
    : db_(db),
      clock_(clock),
      random_(random),
      totp_(totp),
      box_(box),
      missing_key_message_(std::move(missing_key_message)) {}

Status TotpStep::KeyAvailable() const {
  if (box_ == nullptr) return FailedPrecondition(missing_key_message_);
  return Status::Ok();
}

std::string TotpStep::CodeHash(int64_t user_id, std::string_view code) const {
  const Secret normalized = NormalizeRecoveryCode(code);
  std::string message = std::to_string(user_id) + ":";
  message.append(normalized.view());
  const Sha256Digest mac = box_->Mac("recovery", message);
  WipeString(message);
  return std::string(DigestView(mac));
}

Status TotpStep::Enable(int64_t user_id, const Secret& key,
                        std::optional<int64_t> accepted_step) {
  LK_RETURN_IF_ERROR(KeyAvailable());
  LK_ASSIGN_OR_RETURN(std::string sealed,
                      box_->Seal(key.view(), TotpAad(user_id)));
  LK_ASSIGN_OR_RETURN(
      uint64_t n,
      db_.Execute("UPDATE users SET totp_secret_enc = ?, totp_last_step = ?, "
                  "updated_at = ? WHERE id = ?",
                  {std::string_view(sealed), db::OrNull(accepted_step),
                   db::Timestamp{clock_.NowUnixMicros()}, user_id}));
  if (n == 0) return NotFound(NoSuchUser(user_id));
  return Status::Ok();
}

Result<Secret> TotpStep::GetKey(const User& user) const {
  if (!user.has_totp()) {
    return NotFound("TOTP is not enabled for this user");
  }
  LK_RETURN_IF_ERROR(KeyAvailable());
  return box_->Open(user.totp_secret_enc, TotpAad(user.id));
}

Result<Secret> TotpStep::GetKey(int64_t user_id) {
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> row,
      db_.QueryOne("SELECT totp_secret_enc FROM users WHERE id = ?",
                   {user_id}));
  if (!row) return NotFound(NoSuchUser(user_id));
  User user;
  user.id = user_id;
  user.totp_secret_enc = row->str(0);
  return GetKey(user);
}

Status TotpStep::Disable(int64_t user_id) {
  // Inside the caller's transaction when one is open (an admin's TOTP
  // reset, under the guard rails' lock); the caller commits.
  std::optional<db::Transaction> own;
  if (!db_.in_transaction()) {
    LK_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Start(db_));
    own.emplace(std::move(tx));
  }
  LK_RETURN_IF_ERROR(LockUserRow(db_, user_id));
  LK_RETURN_IF_ERROR(
      db_.Execute("UPDATE users SET totp_secret_enc = NULL, totp_last_step = "
                  "NULL, updated_at = ? WHERE id = ?",
                  {db::Timestamp{clock_.NowUnixMicros()}, user_id})
          .status());
  LK_RETURN_IF_ERROR(
      db_.Execute("DELETE FROM recovery_codes WHERE user_id = ?", {user_id})
          .status());
  return own ? own->Commit() : Status::Ok();
}

Result<TotpVerdict> TotpStep::VerifyTotp(const User& user,
                                         std::string_view code) {
  LK_ASSIGN_OR_RETURN(Secret key, GetKey(user));
  TotpVerdict verdict =
      totp_.Verify(key, code, clock_.NowUnix(), user.totp_last_step);
  if (verdict.check != TotpCheck::kAccepted) return verdict;
  // `user` may be stale: the condition makes the database the judge, so of
  // two racing uses of one code exactly one changes the row.
  LK_ASSIGN_OR_RETURN(
      uint64_t n,
      db_.Execute("UPDATE users SET totp_last_step = ? WHERE id = ? AND "
                  "(totp_last_step IS NULL OR totp_last_step < ?)",
                  {verdict.step, user.id, verdict.step}));
  if (n == 0) verdict.check = TotpCheck::kReplayed;
  return verdict;
}

Result<std::vector<Secret>> TotpStep::ReplaceRecoveryCodes(int64_t user_id) {
  LK_RETURN_IF_ERROR(KeyAvailable());
  LK_ASSIGN_OR_RETURN(std::vector<Secret> codes,
                      GenerateRecoveryCodes(random_));
  const db::Timestamp now{clock_.NowUnixMicros()};
  LK_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Start(db_));
  LK_RETURN_IF_ERROR(LockUserRow(db_, user_id));
  LK_RETURN_IF_ERROR(
      db_.Execute("DELETE FROM recovery_codes WHERE user_id = ?", {user_id})
          .status());
  for (const Secret& code : codes) {
    const std::string hash = CodeHash(user_id, code.view());
    LK_RETURN_IF_ERROR(
        db_.Execute("INSERT INTO recovery_codes (user_id, code_hash, "
                    "created_at) VALUES (?, ?, ?)",
                    {user_id, std::string_view(hash), now})
            .status());
  }
  LK_RETURN_IF_ERROR(tx.Commit());
  return codes;
}

Result<bool> TotpStep::UseRecoveryCode(int64_t user_id, std::string_view code) {
  LK_RETURN_IF_ERROR(KeyAvailable());
  const std::string hash = CodeHash(user_id, code);
  LK_ASSIGN_OR_RETURN(
      uint64_t n,
      db_.Execute("UPDATE recovery_codes SET used_at = ? WHERE user_id = ? "
                  "AND code_hash = ? AND used_at IS NULL",
                  {db::Timestamp{clock_.NowUnixMicros()}, user_id,
                   std::string_view(hash)}));
  return n == 1;
}

Result<int64_t> TotpStep::RemainingRecoveryCodes(int64_t user_id) {
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> row,
      db_.QueryOne("SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND "
                   "used_at IS NULL",
                   {user_id}));
  return row ? row->i64(0) : int64_t{0};
}

}  // namespace latchkey
