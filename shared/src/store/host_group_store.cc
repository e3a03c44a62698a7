#include "latchkey/store/host_group_store.h"

#include <string>

#include "latchkey/store/role_store.h"

namespace latchkey {
namespace {

constexpr char kGroupColumns[] =
    "SELECT g.id, g.name, g.description, g.created_at, (SELECT COUNT(*) FROM "
    "hosts h WHERE h.group_id = g.id AND h.revoked_at IS NULL), (SELECT "
    "COUNT(*) FROM host_access_rules r WHERE r.group_id = g.id) FROM "
    "host_groups g ";

constexpr char kHostColumns[] =
    "SELECT h.id, h.name, h.kind, h.group_id, COALESCE(g.name, ''), "
    "h.may_reset_passwords, h.created_at, h.last_seen_at, "
    "COALESCE(h.agent_version, ''), h.revoked_at FROM hosts h LEFT JOIN "
    "host_groups g ON g.id = h.group_id ";

HostGroupSummary GroupFromRow(const db::Row& row) {
  HostGroupSummary g;
  g.id = row.i64(0);
  g.name = row.str(1);
  g.description = row.str(2);
  g.created_at = row.unix_time(3).value_or(0);
  g.hosts = row.i64(4);
  g.rules = row.i64(5);
  return g;
}

HostSummary HostFromRow(const db::Row& row) {
  HostSummary h;
  h.id = row.i64(0);
  h.name = row.str(1);
  h.kind = row.str(2);
  h.group_id = row.opt_i64(3);
  h.group = row.str(4);
  h.may_reset_passwords = row.i64(5) != 0;
  h.created_at = row.unix_time(6).value_or(0);
  h.last_seen_at = row.unix_time(7);
  h.agent_version = row.str(8);
  h.revoked_at = row.unix_time(9);
  return h;
}

bool NameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

}  // namespace

Status ValidateHostGroupName(std::string_view name) {
  bool ok = !name.empty() && name.size() <= kHostGroupNameMax &&
            ((name.front() >= 'a' && name.front() <= 'z') ||
             (name.front() >= '0' && name.front() <= '9'));
  for (const char c : name) ok = ok && NameChar(c);
  if (!ok) {
    return InvalidArgument(
        "a host group name is 1 to 64 characters: a-z, 0-9, '.', '-' and "
        "'_', starting with a letter or digit");
  }
  return Status::Ok();
}

Status ValidateRuleService(std::string_view service) {
  if (service.empty()) return Status::Ok();
  bool ok = service.size() <= 32;
  for (const char c : service) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                c == '-');
  }
  if (!ok) {
    return InvalidArgument(
        "a service is a PAM service name such as sshd or sudo: 1 to 32 "
        "characters a-z, 0-9, '_' and '-' (leave it empty for every "
        "service)");
  }
  return Status::Ok();
}

std::string ServiceLabel(std::string_view service) {
  return service.empty() ? "every service" : std::string(service);
}

HostGroupStore::HostGroupStore(db::Connection& db, const Clock& clock)
    : db_(db), clock_(clock) {}

Result<std::vector<HostGroupSummary>> HostGroupStore::List() {
  LK_ASSIGN_OR_RETURN(
      std::vector<db::Row> rows,
      db_.Query(std::string(kGroupColumns) + "ORDER BY g.name"));
  std::vector<HostGroupSummary> out;
  out.reserve(rows.size());
  for (const db::Row& row : rows) out.push_back(GroupFromRow(row));
  return out;
}

Result<std::optional<HostGroupSummary>> HostGroupStore::Find(
    std::string_view name, bool for_update) {
  if (for_update) {
    // The lock alone: the counts below read other tables, which need no
    // lock of their own.
    LK_ASSIGN_OR_RETURN(
        std::optional<db::Row> locked,
        db_.QueryOne("SELECT id FROM host_groups WHERE name = ? FOR UPDATE",
                     {name}));
    if (!locked) return std::optional<HostGroupSummary>();
  }
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> row,
      db_.QueryOne(std::string(kGroupColumns) + "WHERE g.name = ?", {name}));
  if (!row) return std::optional<HostGroupSummary>();
  return std::optional<HostGroupSummary>(GroupFromRow(*row));
}

Result<HostGroupSummary> HostGroupStore::Create(std::string_view name,
                                                std::string_view description) {
  LK_RETURN_IF_ERROR(ValidateHostGroupName(name));
  LK_RETURN_IF_ERROR(ValidateRoleDescription(description));
  const Result<uint64_t> n = db_.Execute(
      "INSERT INTO host_groups (name, description, created_at) VALUES (?, ?, "
      "?)",
      {name, description, db::Timestamp{clock_.NowUnixMicros()}});
  if (!n.ok()) {
    if (n.status().code() == StatusCode::kAlreadyExists) {
      return AlreadyExists("a host group named '" + std::string(name) +
                           "' exists already");
    }
    return n.status();
  }
  LK_ASSIGN_OR_RETURN(std::optional<HostGroupSummary> group, Find(name));
  if (!group) {
    return Internal("host group '" + std::string(name) + "' vanished");
  }
  return *group;
}

Result<bool> HostGroupStore::Delete(int64_t group_id) {
  // hosts.group_id has no ON DELETE action: the hosts leave the group
  // first (the caller has checked that none of them is live, or forced).
  LK_RETURN_IF_ERROR(
      db_.Execute("UPDATE hosts SET group_id = NULL WHERE group_id = ?",
                  {group_id})
          .status());
  // host_access_rules go with the group (ON DELETE CASCADE).
  LK_ASSIGN_OR_RETURN(
      uint64_t n,
      db_.Execute("DELETE FROM host_groups WHERE id = ?", {group_id}));
  return n > 0;
}

Status HostGroupStore::AddRule(const HostGroupSummary& group,
                               std::string_view role,
                               std::string_view service) {
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> role_row,
      db_.QueryOne("SELECT id FROM roles WHERE name = ?", {role}));
  if (!role_row) return NotFound("no role named '" + std::string(role) + "'");
  const Result<uint64_t> n = db_.Execute(
      "INSERT INTO host_access_rules (group_id, role_id, service, created_at) "
      "VALUES (?, ?, ?, ?)",
      {group.id, role_row->i64(0), service,
       db::Timestamp{clock_.NowUnixMicros()}});
  if (!n.ok() && n.status().code() == StatusCode::kAlreadyExists) {
    return AlreadyExists("role " + std::string(role) +
                         " may already log in to " + group.name + " (" +
                         ServiceLabel(service) + ")");
  }
  return n.status();
}

Result<bool> HostGroupStore::RemoveRule(int64_t group_id, std::string_view role,
                                        std::string_view service) {
  LK_ASSIGN_OR_RETURN(
      uint64_t n,
      db_.Execute("DELETE r FROM host_access_rules r JOIN roles ro ON ro.id = "
                  "r.role_id WHERE r.group_id = ? AND ro.name = ? AND "
                  "r.service = ?",
                  {group_id, role, service}));
  return n > 0;
}

Result<std::vector<HostSummary>> HostGroupStore::Hosts(
    std::optional<int64_t> group_id) {
  Result<std::vector<db::Row>> rows =
      group_id ? db_.Query(std::string(kHostColumns) +
                               "WHERE h.group_id = ? ORDER BY h.name",
                           {*group_id})
               : db_.Query(std::string(kHostColumns) + "ORDER BY h.name");
  if (!rows.ok()) return rows.status();
  std::vector<HostSummary> out;
  out.reserve(rows->size());
  for (const db::Row& row : *rows) out.push_back(HostFromRow(row));
  return out;
}

Result<std::optional<HostSummary>> HostGroupStore::FindHost(
    std::string_view name, bool for_update) {
  if (for_update) {
    LK_ASSIGN_OR_RETURN(
        std::optional<db::Row> locked,
        db_.QueryOne("SELECT id FROM hosts WHERE name = ? FOR UPDATE", {name}));
    if (!locked) return std::optional<HostSummary>();
  }
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> row,
      db_.QueryOne(std::string(kHostColumns) + "WHERE h.name = ?", {name}));
  if (!row) return std::optional<HostSummary>();
  return std::optional<HostSummary>(HostFromRow(*row));
}

Status HostGroupStore::SetHostGroup(int64_t host_id,
                                    std::optional<int64_t> group_id) {
  return db_
      .Execute("UPDATE hosts SET group_id = ? WHERE id = ?",
               {db::OrNull(group_id), host_id})
      .status();
}

Status HostGroupStore::SetMayResetPasswords(int64_t host_id, bool allowed) {
  return db_
      .Execute("UPDATE hosts SET may_reset_passwords = ? WHERE id = ?",
               {int64_t{allowed ? 1 : 0}, host_id})
      .status();
}

}  // namespace latchkey
