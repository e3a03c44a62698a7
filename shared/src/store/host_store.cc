#include "latchkey/store/host_store.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <array>
#include <cstdio>
#include <string>

#include "latchkey/base/encoding.h"

namespace latchkey {
namespace {

constexpr size_t kHostNameMax = 48;
constexpr char kColumns[] =
    "SELECT h.id, h.name, h.kind, COALESCE(h.db_user, ''), h.created_at, "
    "h.last_seen_at, h.revoked_at, h.group_id, COALESCE(g.name, ''), "
    "h.may_reset_passwords, COALESCE(h.agent_version, '') FROM hosts h "
    "LEFT JOIN host_groups g ON g.id = h.group_id ";
constexpr size_t kTokenBytes = 32;
constexpr size_t kAgentVersionMax = 64;

Host HostFromRow(const db::Row& row) {
  Host h;
  h.id = row.i64(0);
  h.name = row.str(1);
  h.kind = row.str(2);
  h.db_user = row.str(3);
  h.created_at = row.unix_time(4).value_or(0);
  h.last_seen_at = row.unix_time(5);
  h.revoked_at = row.unix_time(6);
  h.group_id = row.opt_i64(7);
  h.group_name = row.str(8);
  h.may_reset_passwords = row.i64(9) != 0;
  h.agent_version = row.str(10);
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
                      db_.Query(std::string(kColumns) + "ORDER BY h.name"));
  std::vector<Host> out;
  out.reserve(rows.size());
  for (const db::Row& row : rows) out.push_back(HostFromRow(row));
  return out;
}

Result<std::optional<Host>> HostStore::Find(std::string_view name) {
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> row,
      db_.QueryOne(std::string(kColumns) + "WHERE h.name = ?", {name}));
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

Result<NewFleetHost> HostStore::AddFleet(std::string_view name,
                                         std::string_view group_name,
                                         bool may_reset_passwords,
                                         Random& random) {
  LK_RETURN_IF_ERROR(ValidateHostName(name));
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> group,
      db_.QueryOne("SELECT id FROM host_groups WHERE name = ?", {group_name}));
  if (!group) {
    const std::string g(group_name);
    return NotFound("no host group '" + g +
                    "'; create it with latchkeyctl host-group add " + g);
  }
  std::array<uint8_t, kTokenBytes> raw{};
  LK_RETURN_IF_ERROR(random.Fill(raw));
  std::string text(kHostTokenPrefix);
  text += Base64UrlEncode(
      std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()));
  OPENSSL_cleanse(raw.data(), raw.size());
  Secret token = Secret::Take(text);
  const Sha256Digest digest = Sha256(token.view());
  const Result<uint64_t> n = db_.Execute(
      "INSERT INTO hosts (name, kind, group_id, token_sha256, "
      "may_reset_passwords, created_at) VALUES (?, 'fleet', ?, ?, ?, ?)",
      {name, group->i64(0), DigestView(digest),
       int64_t{may_reset_passwords ? 1 : 0},
       db::Timestamp{clock_.NowUnixMicros()}});
  if (!n.ok()) {
    if (n.status().code() == StatusCode::kAlreadyExists) {
      return AlreadyExists("host '" + std::string(name) + "' exists");
    }
    return n.status();
  }
  LK_ASSIGN_OR_RETURN(std::optional<Host> host, Find(name));
  if (!host) return Internal("host '" + std::string(name) + "' vanished");
  return NewFleetHost{std::move(*host), std::move(token)};
}

Result<std::optional<Host>> HostStore::Authenticate(std::string_view token) {
  if (token.size() != kHostTokenPrefix.size() + 43 ||
      token.substr(0, kHostTokenPrefix.size()) != kHostTokenPrefix) {
    return std::optional<Host>();
  }
  const Sha256Digest digest = Sha256(token);
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> row,
      db_.QueryOne(std::string(kColumns) +
                       "WHERE h.token_sha256 = ? AND h.kind = 'fleet' AND "
                       "h.revoked_at IS NULL",
                   {DigestView(digest)}));
  if (!row) return std::optional<Host>();
  return std::optional<Host>(HostFromRow(*row));
}

Status HostStore::Touch(int64_t host_id, std::string_view agent_version) {
  std::string version;
  for (const char c : agent_version.substr(0, kAgentVersionMax)) {
    version.push_back(c > 0x20 && c < 0x7f ? c : '?');
  }
  return db_
      .Execute(
          "UPDATE hosts SET last_seen_at = ?, agent_version = "
          "IF(? = '', agent_version, ?) WHERE id = ?",
          {db::Timestamp{clock_.NowUnixMicros()}, std::string_view(version),
           std::string_view(version), host_id})
      .status();
}

}  // namespace latchkey
