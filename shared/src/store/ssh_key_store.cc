#include "latchkey/store/ssh_key_store.h"

#include <string>
#include <utility>

namespace latchkey {
namespace {

constexpr char kColumns[] =
    "k.id, k.user_id, k.algorithm, k.public_key, k.fingerprint, k.comment, "
    "k.created_at, k.expires_at";

StoredSshKey FromRow(const db::Row& row) {
  StoredSshKey key;
  key.id = row.i64(0);
  key.user_id = row.i64(1);
  key.algorithm = row.str(2);
  key.public_key = row.str(3);
  key.fingerprint = row.str(4);
  key.comment = row.str(5);
  key.created_at = row.unix_time(6).value_or(0);
  key.expires_at = row.unix_time(7);
  return key;
}

std::vector<StoredSshKey> FromRows(const std::vector<db::Row>& rows) {
  std::vector<StoredSshKey> keys;
  keys.reserve(rows.size());
  for (const db::Row& row : rows) keys.push_back(FromRow(row));
  return keys;
}

}  // namespace

std::string StoredSshKey::AuthorizedKeysLine() const {
  std::string line = algorithm + " " + public_key;
  if (!comment.empty()) line += " " + comment;
  return line;
}

SshKeyStore::SshKeyStore(db::Connection& db, const Clock& clock)
    : db_(db), clock_(clock) {}

Result<StoredSshKey> SshKeyStore::Add(StoredSshKey key) {
  const int64_t now = clock_.NowUnixMicros();
  db::Value expires = db::Null{};
  if (key.expires_at) expires = db::Timestamp::FromUnix(*key.expires_at);
  auto n = db_.Execute(
      "INSERT INTO ssh_keys (user_id, algorithm, public_key, fingerprint, "
      "comment, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      {key.user_id, std::string_view(key.algorithm),
       std::string_view(key.public_key), std::string_view(key.fingerprint),
       std::string_view(key.comment), db::Timestamp{now}, expires});
  if (!n.ok()) {
    if (n.status().code() == StatusCode::kAlreadyExists) {
      return AlreadyExists("this key is already on the account");
    }
    return n.status();
  }
  key.id = static_cast<int64_t>(db_.last_insert_id());
  key.created_at = now / 1000000;
  return key;
}

Result<std::vector<StoredSshKey>> SshKeyStore::ListForUser(int64_t user_id) {
  LK_ASSIGN_OR_RETURN(
      std::vector<db::Row> rows,
      db_.Query(std::string("SELECT ") + kColumns +
                    " FROM ssh_keys k WHERE k.user_id = ? ORDER BY k.id",
                {user_id}));
  return FromRows(rows);
}

Result<std::vector<StoredSshKey>> SshKeyStore::ActiveForUsername(
    std::string_view username) {
  LK_ASSIGN_OR_RETURN(
      std::vector<db::Row> rows,
      db_.Query(std::string("SELECT ") + kColumns +
                    " FROM ssh_keys k JOIN users u ON u.id = k.user_id "
                    "WHERE u.username = ? AND u.is_active = 1 AND "
                    "(k.expires_at IS NULL OR k.expires_at > ?) ORDER BY k.id",
                {username, db::Timestamp{clock_.NowUnixMicros()}}));
  return FromRows(rows);
}

Result<std::optional<StoredSshKey>> SshKeyStore::Find(int64_t user_id,
                                                      int64_t key_id) {
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> row,
      db_.QueryOne(std::string("SELECT ") + kColumns +
                       " FROM ssh_keys k WHERE k.user_id = ? AND k.id = ?",
                   {user_id, key_id}));
  if (!row) return std::optional<StoredSshKey>();
  return std::optional<StoredSshKey>(FromRow(*row));
}

Result<StoredSshKey> SshKeyStore::Remove(int64_t user_id, int64_t key_id) {
  LK_ASSIGN_OR_RETURN(std::optional<StoredSshKey> key, Find(user_id, key_id));
  if (!key) return NotFound("no such key");
  LK_ASSIGN_OR_RETURN(
      uint64_t n,
      db_.Execute("DELETE FROM ssh_keys WHERE user_id = ? AND id = ?",
                  {user_id, key_id}));
  if (n == 0) return NotFound("no such key");
  return std::move(*key);
}

Result<size_t> SshKeyStore::CountForUserLocked(int64_t user_id) {
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> user,
      db_.QueryOne("SELECT id FROM users WHERE id = ? FOR UPDATE", {user_id}));
  if (!user) return NotFound("no user with id " + std::to_string(user_id));
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> row,
      db_.QueryOne("SELECT COUNT(*) FROM ssh_keys WHERE user_id = ?",
                   {user_id}));
  return row ? static_cast<size_t>(row->i64(0)) : size_t{0};
}

}  // namespace latchkey
