#include "latchkey/store/host_store.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstdio>
#include <string>

namespace latchkey {
namespace {

constexpr size_t kHostNameMax = 48;
constexpr char kColumns[] =
    "SELECT id, name, kind, COALESCE(db_user, ''), created_at, last_seen_at, "
    "revoked_at FROM hosts ";

Host HostFromRow(const db::Row& row) {
  Host h;
  h.id = row.i64(0);
  h.name = row.str(1);
  h.kind = row.str(2);
  h.db_user = row.str(3);
  h.created_at = row.unix_time(4).value_or(0);
  h.last_seen_at = row.unix_time(5);
  h.revoked_at = row.unix_time(6);
  return h;
}

std::string Account(std::string_view name) {
  return "'" + HostDbUser(name) + "'@'%'";
}

}  // namespace

Status ValidateHostName(std::string_view name) {
  const auto ok_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_';
  };
  bool ok = !name.empty() && name.size() <= kHostNameMax &&
            ok_char(name.front()) && name.front() != '.' &&
            name.front() != '-' && name.front() != '_';
  for (const char c : name) ok = ok && ok_char(c);
  if (!ok) {
    return InvalidArgument(
        "a host name is 1 to 48 characters: a-z, 0-9, '.', '-' and '_', "
        "starting with a letter or digit");
  }
  return Status::Ok();
}

std::string HostDbUser(std::string_view name) {
  return "lk_host_" + std::string(name);
}

std::string NativePasswordHash(const Secret& password) {
  unsigned char once[SHA_DIGEST_LENGTH];
  unsigned char twice[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(password.view().data()),
       password.view().size(), once);
  SHA1(once, sizeof(once), twice);
  std::string out = "*";
  char hex[3];
  for (const unsigned char b : twice) {
    std::snprintf(hex, sizeof(hex), "%02X", b);
    out += hex;
  }
  OPENSSL_cleanse(once, sizeof(once));
  return out;
}

std::string HostLoginSql(std::string_view name, const Secret& password) {
  const std::string account = Account(name);
  return "CREATE USER " + account + " IDENTIFIED BY PASSWORD '" +
         NativePasswordHash(password) + "';\nGRANT latchkey_pam TO " + account +
         ";\nSET DEFAULT ROLE latchkey_pam FOR " + account + ";\n";
}

std::string HostDropSql(std::string_view name) {
  return "DROP USER IF EXISTS " + Account(name) + ";\n";
}

HostStore::HostStore(db::Connection& db, const Clock& clock)
    : db_(db), clock_(clock) {}

Result<Host> HostStore::Add(std::string_view name) {
  LK_RETURN_IF_ERROR(ValidateHostName(name));
  const std::string user = HostDbUser(name);
  const Result<uint64_t> n = db_.Execute(
      "INSERT INTO hosts (name, kind, db_user, created_at) "
      "VALUES (?, 'direct', ?, ?)",
      {name, std::string_view(user), db::Timestamp{clock_.NowUnixMicros()}});
  if (!n.ok()) {
    if (n.status().code() == StatusCode::kAlreadyExists) {
      return AlreadyExists("host '" + std::string(name) + "' exists");
    }
    return n.status();
  }
  LK_ASSIGN_OR_RETURN(std::optional<Host> host, Find(name));
  if (!host) return Internal("host '" + std::string(name) + "' vanished");
  return *host;
}

Result<std::vector<Host>> HostStore::List() {
  LK_ASSIGN_OR_RETURN(std::vector<db::Row> rows,
                      db_.Query(std::string(kColumns) + "ORDER BY name"));
  std::vector<Host> out;
  out.reserve(rows.size());
  for (const db::Row& row : rows) out.push_back(HostFromRow(row));
  return out;
}

Result<std::optional<Host>> HostStore::Find(std::string_view name) {
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> row,
      db_.QueryOne(std::string(kColumns) + "WHERE name = ?", {name}));
  if (!row) return std::optional<Host>();
  return std::optional<Host>(HostFromRow(*row));
}

Result<Host> HostStore::Revoke(std::string_view name) {
  LK_RETURN_IF_ERROR(db_.Execute("UPDATE hosts SET revoked_at = ? "
                                 "WHERE name = ? AND revoked_at IS NULL",
                                 {db::Timestamp{clock_.NowUnixMicros()}, name})
                         .status());
  LK_ASSIGN_OR_RETURN(std::optional<Host> host, Find(name));
  if (!host) return NotFound("no host '" + std::string(name) + "'");
  return *host;
}

}  // namespace latchkey
