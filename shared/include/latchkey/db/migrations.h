// Schema migrations and least-privilege grants. The sql/NNN_name.sql files
// and sql/grants.sql are embedded into the library at build time, so
// `latchkeyctl migrate` works from any directory.
//
// Applied migrations are recorded in `schema_migrations` (version, name,
// applied_at). Each runs in a transaction with its record, but MariaDB
// commits DDL (CREATE/ALTER/DROP TABLE ...) implicitly: a migration that
// holds DDL is not atomic, and one that fails halfway leaves the statements
// before the failing one applied. The error names the file and the
// statement, so an admin can repair by hand before running migrate again.
#ifndef LATCHKEY_DB_MIGRATIONS_H_
#define LATCHKEY_DB_MIGRATIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/base/clock.h"
#include "latchkey/base/result.h"
#include "latchkey/db/db.h"

namespace latchkey {

struct Migration {
  int version;           // 1 for 001_init.sql
  std::string name;      // "init"
  std::string file;      // "001_init.sql"
  std::string_view sql;  // the file's text (static storage)
};

// The embedded migrations, sorted by version. Versions are unique (the
// build refuses two files with one number).
const std::vector<Migration>& BuiltinMigrations();
// The highest built-in version (0 if there are none).
int LatestSchemaVersion();

struct MigrationState {
  int version;
  std::string name;
  // When it was applied (Unix seconds, UTC); nullopt while pending.
  std::optional<int64_t> applied_at;
};

// Every built-in migration with its state, sorted by version, followed by
// any version recorded in the database that this program does not know
// (a newer latchkey migrated it). Works on a database that has no
// schema_migrations table yet (all pending). Needs SELECT on
// schema_migrations, which both application roles have.
Result<std::vector<MigrationState>> GetMigrationStates(db::Connection& conn);

// Creates schema_migrations if missing, then applies every pending
// built-in migration in order and returns how many it applied (0 when the
// schema is current). Two runs at once serialise on a per-database named
// lock (GET_LOCK, 30 s; Unavailable if it cannot be had), so each
// migration is applied once. The connection must have a database selected
// (config name) and DDL rights. Errors: the failing migration's file, the
// statement number and line, and the MariaDB error, e.g.
// "migration 002_x.sql: statement 3 (line 12): internal: ...".
Result<int> ApplyPendingMigrations(db::Connection& conn, const Clock& clock);

// OK if every built-in migration is applied (a database migrated further
// by a newer latchkey is fine). Else FailedPrecondition: "the database
// schema is at version 0, this program needs 1: run latchkeyctl migrate".
// Other errors as from the database.
Status CheckSchemaCurrent(db::Connection& conn);

// sql/grants.sql: creates the roles latchkey_pam and latchkey_portal and
// grants them their privileges on the tables of the current database. Run
// by a database admin after migrate; see the file's header for creating the
// login users.
std::string_view GrantsSql();
// Runs GrantsSql() on `conn` (which needs GRANT rights and the latchkey
// database selected).
Status ApplyGrants(db::Connection& conn);

}  // namespace latchkey

#endif  // LATCHKEY_DB_MIGRATIONS_H_
