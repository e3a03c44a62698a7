#include "latchkey/store/role_store.h"

#include "latchkey/base/strings.h"
#include "latchkey/store/user_store.h"

namespace latchkey {

Status ValidateRoleDescription(std::string_view description) {
  const long length = Utf8Length(description);
  if (length < 0) {
    return InvalidArgument("the description is not valid text");
  }
  if (static_cast<size_t>(length) > kRoleDescriptionMax) {
    return InvalidArgument("the description may hold at most " +
                           std::to_string(kRoleDescriptionMax) + " characters");
  }
  for (unsigned char c : description) {
    if (c < 0x20 || c == 0x7f) {
      return InvalidArgument(
          "the description may not hold control characters such as tabs or "
          "line breaks");
    }
  }
  return Status::Ok();
}

bool IsBuiltinRole(std::string_view name) {
  return name == "admin" || name == "user";
}

RoleStore::RoleStore(db::Connection& db) : db_(db) {}

Result<std::vector<RoleSummary>> RoleStore::List() {
  LK_ASSIGN_OR_RETURN(
      std::vector<db::Row> rows,
      db_.Query("SELECT r.name, r.description, (SELECT COUNT(*) FROM "
                "user_roles ur WHERE ur.role_id = r.id) FROM roles r ORDER BY "
                "r.name"));
  std::vector<RoleSummary> roles;
  roles.reserve(rows.size());
  for (const db::Row& row : rows) {
    roles.push_back({row.str(0), row.str(1), row.i64(2)});
  }
  return roles;
}

Status RoleStore::Create(std::string_view name, std::string_view description) {
  LK_RETURN_IF_ERROR(ValidateRoleName(name));
  LK_RETURN_IF_ERROR(ValidateRoleDescription(description));
  auto n = db_.Execute("INSERT INTO roles (name, description) VALUES (?, ?)",
                       {name, description});
  if (!n.ok() && n.status().code() == StatusCode::kAlreadyExists) {
    return AlreadyExists("a role named '" + std::string(name) +
                         "' exists already");
  }
  return n.status();
}

Result<int64_t> RoleStore::Delete(std::string_view name) {
  if (IsBuiltinRole(name)) {
    return FailedPrecondition(
        "the role '" + std::string(name) +
        "' cannot be deleted: latchkey relies on it (admin opens the admin "
        "area, user is every new account's role)");
  }
  LK_RETURN_IF_ERROR(ValidateRoleName(name));
  LK_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Start(db_));
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> row,
      db_.QueryOne("SELECT r.id, (SELECT COUNT(*) FROM user_roles ur WHERE "
                   "ur.role_id = r.id) FROM roles r WHERE r.name = ?",
                   {name}));
  if (!row) return NotFound("no role named '" + std::string(name) + "'");
  const int64_t id = row->i64(0);
  // ON DELETE CASCADE takes the members' user_roles rows with it.
  LK_ASSIGN_OR_RETURN(uint64_t n,
                      db_.Execute("DELETE FROM roles WHERE id = ?", {id}));
  if (n == 0) return NotFound("no role named '" + std::string(name) + "'");
  LK_RETURN_IF_ERROR(tx.Commit());
  return row->i64(1);
}

}  // namespace latchkey
