#include "latchkey/store/user_store.h"

#include <algorithm>

#include "latchkey/store/role_store.h"

namespace latchkey {
namespace {

// Every column of User, in the order UserFromRow reads them. The roles
// come in the same query so a login is one round trip.
constexpr std::string_view kUserColumns =
    "u.id, u.username, u.email, u.full_name, u.password_hash, "
    "u.is_active, u.email_verified_at, u.locked_until, u.failed_logins, "
    "u.lock_count, u.last_failed_at, u.last_locked_at, "
    "u.password_changed_at, u.password_expires_at, u.account_expires_at, "
    "u.totp_secret_enc, u.totp_last_step, u.uid, u.avatar_type IS NOT NULL, "
    "u.created_at, u.updated_at, u.last_login_at, "
    "(SELECT GROUP_CONCAT(r.name ORDER BY r.name SEPARATOR ',') "
    "FROM user_roles ur JOIN roles r ON r.id = ur.role_id "
    "WHERE ur.user_id = u.id), u.admin_locked_until ";

// SELECT ... FROM users u, ready for a WHERE.
std::string SelectUsers() {
  std::string sql = "SELECT ";
  sql += kUserColumns;
  sql += "FROM users u ";
  return sql;
}

db::Value OptTime(const std::optional<int64_t>& t) {
  if (!t) return db::Null{};
  return db::Timestamp::FromUnix(*t);
}

std::string NoSuchUser(int64_t id) {
  return "no user with id " + std::to_string(id);
}

// The message of an AlreadyExists from a users INSERT/UPDATE: the db layer
// names the violated key.
Status DuplicateUser(const Status& s, std::string_view username,
                     std::string_view email) {
  if (s.message().find("users_email") != std::string::npos) {
    return AlreadyExists("email '" + std::string(email) +
                         "' is already registered");
  }
  if (s.message().find("users_username") != std::string::npos) {
    return AlreadyExists("username '" + std::string(username) + "' is taken");
  }
  return s;
}

}  // namespace

std::optional<LoginMatch> MatchLogin(std::string_view login,
                                     bool usernames_only) {
  if (!usernames_only && login.find('@') != std::string_view::npos) {
    Result<std::string> email = NormalizeEmail(login);
    if (!email.ok()) return std::nullopt;
    return LoginMatch{"u.email", std::move(*email)};
  }
  // Not even a query for a name no account can have: "alice " would
  // otherwise be compared in the database, where a PAD SPACE collation
  // would find alice.
  if (!CheckUsernameForm(login).ok()) return std::nullopt;
  return LoginMatch{"u.username", std::string(login)};
}

std::string_view UserSelectColumns() { return kUserColumns; }

User UserFromRow(const db::Row& row, size_t first) {
  User u;
  u.id = row.i64(first + 0);
  u.username = row.str(first + 1);
  u.email = row.str(first + 2);
  u.full_name = row.str(first + 3);
  u.password_hash = row.str(first + 4);
  u.is_active = row.i64(first + 5) != 0;
  u.email_verified_at = row.unix_time(first + 6);
  u.locked_until = row.unix_time(first + 7);
  u.failed_logins = static_cast<uint32_t>(row.i64(first + 8));
  u.lock_count = static_cast<uint32_t>(row.i64(first + 9));
  u.last_failed_at = row.unix_time(first + 10);
  u.last_locked_at = row.unix_time(first + 11);
  u.password_changed_at = row.unix_time(first + 12);
  u.password_expires_at = row.unix_time(first + 13);
  u.account_expires_at = row.unix_time(first + 14);
  u.totp_secret_enc = row.str(first + 15);
  u.totp_last_step = row.opt_i64(first + 16);
  u.uid = row.opt_i64(first + 17);
  u.has_avatar = row.i64(first + 18) != 0;
  u.created_at = row.unix_time(first + 19).value_or(0);
  u.updated_at = row.unix_time(first + 20).value_or(0);
  u.last_login_at = row.unix_time(first + 21);
  u.admin_locked_until = row.unix_time(first + 23);
  const std::string& roles = row.str(first + 22);
  for (size_t start = 0; start < roles.size();) {
    size_t comma = roles.find(',', start);
    if (comma == std::string::npos) comma = roles.size();
    u.roles.push_back(roles.substr(start, comma - start));
    start = comma + 1;
  }
  return u;
}

bool User::AccountExpired(int64_t now) const {
  return account_expires_at.has_value() && *account_expires_at <= now;
}

bool User::PasswordExpired(int64_t now) const {
  return password_expires_at.has_value() && *password_expires_at <= now;
}

bool User::HasRole(std::string_view role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

UserStore::UserStore(db::Connection& db, const Clock& clock)
    : db_(db), clock_(clock) {}

Result<std::optional<User>> UserStore::FindWhere(std::string_view where_sql,
                                                 db::Value param) {
  std::string sql = SelectUsers();
  sql += where_sql;
  LK_ASSIGN_OR_RETURN(std::vector<db::Row> rows, db_.Query(sql, {param}));
  if (rows.empty()) return std::optional<User>();
  return std::optional<User>(UserFromRow(rows.front()));
}

Result<std::optional<User>> UserStore::FindMatch(
    const std::optional<LoginMatch>& m) {
  if (!m) return std::optional<User>();
  return FindWhere("WHERE " + std::string(m->column) + " = ?",
                   std::string_view(m->value));
}

Result<std::optional<User>> UserStore::FindByLogin(std::string_view login) {
  return FindMatch(MatchLogin(login, /*usernames_only=*/false));
}

Result<std::optional<User>> UserStore::FindById(int64_t id) {
  return FindWhere("WHERE u.id = ?", id);
}

Result<std::optional<User>> UserStore::FindByUsername(
    std::string_view username) {
  return FindMatch(MatchLogin(username, /*usernames_only=*/true));
}

Result<std::optional<User>> UserStore::FindByEmail(std::string_view email) {
  Result<std::string> normalized = NormalizeEmail(email);
  if (!normalized.ok()) return std::optional<User>();
  return FindWhere("WHERE u.email = ?", std::string_view(*normalized));
}

Result<int64_t> UserStore::RoleId(std::string_view role) {
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> row,
      db_.QueryOne("SELECT id FROM roles WHERE name = ?", {role}));
  if (!row) return NotFound("no role named '" + std::string(role) + "'");
  return row->i64(0);
}

Result<int64_t> UserStore::Create(const NewUser& user) {
  LK_RETURN_IF_ERROR(ValidateUsername(user.username));
  LK_ASSIGN_OR_RETURN(std::string email, NormalizeEmail(user.email));
  LK_RETURN_IF_ERROR(ValidateFullName(user.full_name));
  if (user.password_hash.size() > 512) {
    return InvalidArgument("the password hash is longer than 512 bytes");
  }
  const db::Timestamp now{clock_.NowUnixMicros()};
  const db::Value verified =
      user.email_verified ? db::Value(now) : db::Value(db::Null{});
  LK_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Start(db_));
  std::vector<int64_t> role_ids;
  for (const std::string& role : user.roles) {
    LK_ASSIGN_OR_RETURN(int64_t role_id, RoleId(role));
    role_ids.push_back(role_id);
  }
  auto inserted = db_.Execute(
      "INSERT INTO users (username, email, full_name, password_hash, "
      "is_active, email_verified_at, password_changed_at, "
      "password_expires_at, account_expires_at, created_at, updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {std::string_view(user.username), std::string_view(email),
       std::string_view(user.full_name), std::string_view(user.password_hash),
       static_cast<int64_t>(user.is_active ? 1 : 0), verified, now,
       OptTime(user.password_expires_at), OptTime(user.account_expires_at), now,
       now});
  if (!inserted.ok()) {
    if (inserted.status().code() == StatusCode::kAlreadyExists) {
      return DuplicateUser(inserted.status(), user.username, email);
    }
    return inserted.status();
  }
  const auto id = static_cast<int64_t>(db_.last_insert_id());
  std::sort(role_ids.begin(), role_ids.end());
  role_ids.erase(std::unique(role_ids.begin(), role_ids.end()), role_ids.end());
  for (int64_t role_id : role_ids) {
    LK_RETURN_IF_ERROR(
        db_.Execute("INSERT INTO user_roles (user_id, role_id) VALUES (?, ?)",
                    {id, role_id})
            .status());
  }
  LK_RETURN_IF_ERROR(tx.Commit());
  return id;
}

Status UserStore::RequireUser(int64_t id, uint64_t affected) {
  if (affected > 0) return Status::Ok();
  // MariaDB reports changed rows, so 0 may also mean "same values".
  LK_ASSIGN_OR_RETURN(std::optional<db::Row> row,
                      db_.QueryOne("SELECT 1 FROM users WHERE id = ?", {id}));
  if (!row) return NotFound(NoSuchUser(id));
  return Status::Ok();
}

Status UserStore::UpdateColumn(int64_t id, std::string_view sql,
                               db::Value value) {
  LK_ASSIGN_OR_RETURN(
      uint64_t n,
      db_.Execute(
          sql, {std::move(value), db::Timestamp{clock_.NowUnixMicros()}, id}));
  return RequireUser(id, n);
}

Status UserStore::SetPasswordHash(int64_t id, std::string_view hash,
                                  std::optional<int64_t> expires_at) {
  if (hash.size() > 512) {
    return InvalidArgument("the password hash is longer than 512 bytes");
  }
  const db::Timestamp now{clock_.NowUnixMicros()};
  LK_ASSIGN_OR_RETURN(
      uint64_t n,
      db_.Execute("UPDATE users SET password_hash = ?, password_changed_at = "
                  "?, password_expires_at = ?, updated_at = ? WHERE id = ?",
                  {hash, now, OptTime(expires_at), now, id}));
  return RequireUser(id, n);
}

Result<bool> UserStore::ReplaceHashIfUnchanged(int64_t id,
                                               std::string_view old_hash,
                                               std::string_view new_hash) {
  LK_ASSIGN_OR_RETURN(
      uint64_t n,
      db_.Execute("UPDATE users SET password_hash = ? WHERE id = ? AND "
                  "password_hash = ?",
                  {new_hash, id, old_hash}));
  return n > 0;
}

Status UserStore::SetActive(int64_t id, bool active) {
  return UpdateColumn(
      id, "UPDATE users SET is_active = ?, updated_at = ? WHERE id = ?",
      static_cast<int64_t>(active ? 1 : 0));
}

Status UserStore::MarkEmailVerified(int64_t id) {
  const db::Timestamp now{clock_.NowUnixMicros()};
  LK_ASSIGN_OR_RETURN(
      uint64_t n,
      db_.Execute("UPDATE users SET email_verified_at = COALESCE("
                  "email_verified_at, ?), updated_at = ? WHERE id = ?",
                  {now, now, id}));
  return RequireUser(id, n);
}

Status UserStore::SetFullName(int64_t id, std::string_view full_name) {
  LK_RETURN_IF_ERROR(ValidateFullName(full_name));
  return UpdateColumn(
      id, "UPDATE users SET full_name = ?, updated_at = ? WHERE id = ?",
      full_name);
}

Status UserStore::SetEmail(int64_t id, std::string_view email, bool verified) {
  LK_ASSIGN_OR_RETURN(std::string normalized, NormalizeEmail(email));
  const db::Timestamp now{clock_.NowUnixMicros()};
  auto n = db_.Execute(
      "UPDATE users SET email = ?, email_verified_at = ?, updated_at = ? "
      "WHERE id = ?",
      {std::string_view(normalized),
       verified ? db::Value(now) : db::Value(db::Null{}), now, id});
  if (!n.ok()) {
    if (n.status().code() == StatusCode::kAlreadyExists) {
      return DuplicateUser(n.status(), "", normalized);
    }
    return n.status();
  }
  return RequireUser(id, *n);
}

Status UserStore::SetAccountExpiry(int64_t id,
                                   std::optional<int64_t> expires_at) {
  return UpdateColumn(
      id,
      "UPDATE users SET account_expires_at = ?, updated_at = ? WHERE id = ?",
      OptTime(expires_at));
}

Status UserStore::SetPasswordExpiry(int64_t id,
                                    std::optional<int64_t> expires_at) {
  return UpdateColumn(
      id,
      "UPDATE users SET password_expires_at = ?, updated_at = ? WHERE id = ?",
      OptTime(expires_at));
}

Status UserStore::SetAvatar(int64_t id, std::string_view bytes,
                            std::string_view type) {
  const bool remove = bytes.empty();
  LK_ASSIGN_OR_RETURN(
      uint64_t n,
      db_.Execute(
          "UPDATE users SET avatar = ?, avatar_type = ?, updated_at = ? "
          "WHERE id = ?",
          {remove ? db::Value(db::Null{}) : db::Value(bytes),
           remove ? db::Value(db::Null{}) : db::Value(type),
           db::Timestamp{clock_.NowUnixMicros()}, id}));
  return RequireUser(id, n);
}

Result<std::pair<std::string, std::string>> UserStore::GetAvatar(int64_t id) {
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> row,
      db_.QueryOne("SELECT avatar, avatar_type FROM users WHERE id = ? AND "
                   "avatar IS NOT NULL",
                   {id}));
  if (!row) return NotFound("no avatar");
  return std::make_pair(row->str(0), row->str(1));
}

Status UserStore::RecordLogin(int64_t id) {
  LK_ASSIGN_OR_RETURN(
      uint64_t n, db_.Execute("UPDATE users SET last_login_at = ? WHERE id = ?",
                              {db::Timestamp{clock_.NowUnixMicros()}, id}));
  return RequireUser(id, n);
}

Status UserStore::Delete(int64_t id) {
  LK_ASSIGN_OR_RETURN(uint64_t n,
                      db_.Execute("DELETE FROM users WHERE id = ?", {id}));
  if (n == 0) return NotFound(NoSuchUser(id));
  return Status::Ok();
}

Result<std::vector<std::string>> UserStore::Usernames() {
  LK_ASSIGN_OR_RETURN(
      std::vector<db::Row> rows,
      db_.Query("SELECT username FROM users ORDER BY username"));
  std::vector<std::string> names;
  names.reserve(rows.size());
  for (const db::Row& row : rows) names.push_back(row.str(0));
  return names;
}

Result<std::vector<Role>> UserStore::ListRoles() {
  LK_ASSIGN_OR_RETURN(
      std::vector<db::Row> rows,
      db_.Query("SELECT name, description FROM roles ORDER BY name"));
  std::vector<Role> roles;
  for (const db::Row& row : rows) roles.push_back({row.str(0), row.str(1)});
  return roles;
}

Status UserStore::CreateRole(std::string_view name,
                             std::string_view description) {
  return RoleStore(db_).Create(name, description);
}

Result<bool> UserStore::AddRole(int64_t user_id, std::string_view role) {
  LK_ASSIGN_OR_RETURN(int64_t role_id, RoleId(role));
  LK_RETURN_IF_ERROR(RequireUser(user_id, 0));
  // Affected rows: 1 inserted, 0 already held (IGNORE would also hide a
  // foreign key error, but the user was just checked).
  LK_ASSIGN_OR_RETURN(
      uint64_t n,
      db_.Execute("INSERT IGNORE INTO user_roles (user_id, role_id) VALUES "
                  "(?, ?)",
                  {user_id, role_id}));
  return n == 1;
}

Result<bool> UserStore::RemoveRole(int64_t user_id, std::string_view role) {
  LK_ASSIGN_OR_RETURN(int64_t role_id, RoleId(role));
  LK_ASSIGN_OR_RETURN(
      uint64_t n,
      db_.Execute("DELETE FROM user_roles WHERE user_id = ? AND role_id = ?",
                  {user_id, role_id}));
  if (n == 0) LK_RETURN_IF_ERROR(RequireUser(user_id, 0));
  return n > 0;
}

Status UserStore::SetRoles(int64_t user_id,
                           const std::vector<std::string>& roles) {
  // Inside the caller's transaction when one is open (the admin guard
  // rails); the caller commits.
  std::optional<db::Transaction> own;
  if (!db_.in_transaction()) {
    LK_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Start(db_));
    own.emplace(std::move(tx));
  }
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> row,
      db_.QueryOne("SELECT id FROM users WHERE id = ? FOR UPDATE", {user_id}));
  if (!row) return NotFound(NoSuchUser(user_id));
  std::vector<int64_t> role_ids;
  for (const std::string& role : roles) {
    LK_ASSIGN_OR_RETURN(int64_t role_id, RoleId(role));
    role_ids.push_back(role_id);
  }
  std::sort(role_ids.begin(), role_ids.end());
  role_ids.erase(std::unique(role_ids.begin(), role_ids.end()), role_ids.end());
  LK_RETURN_IF_ERROR(
      db_.Execute("DELETE FROM user_roles WHERE user_id = ?", {user_id})
          .status());
  for (int64_t role_id : role_ids) {
    LK_RETURN_IF_ERROR(
        db_.Execute("INSERT INTO user_roles (user_id, role_id) VALUES (?, ?)",
                    {user_id, role_id})
            .status());
  }
  return own ? own->Commit() : Status::Ok();
}

}  // namespace latchkey
