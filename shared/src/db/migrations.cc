#include "latchkey/db/migrations.h"

#include <algorithm>
#include <map>
#include <set>

#include "db/sql_embedded.h"

namespace latchkey {
namespace {

constexpr std::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations (\n"
    "  version INT NOT NULL PRIMARY KEY,\n"
    "  name VARCHAR(255) NOT NULL,\n"
    "  applied_at DATETIME(6) NOT NULL\n"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";

// Named locks are server-wide; one per database lets migrations of
// different databases (tests, several installations) run side by side.
constexpr std::string_view kLockName =
    "LEFT(CONCAT('latchkey_migrate:', DATABASE()), 64)";
constexpr int kLockWaitSeconds = 30;

// "001_init.sql" -> {1, "init"}; the build checked the shape.
Migration Parse(const internal::EmbeddedSql& f) {
  std::string_view file = f.file;
  size_t underscore = file.find('_');
  int version = 0;
  for (char c : file.substr(0, underscore)) version = version * 10 + (c - '0');
  std::string_view name = file.substr(underscore + 1);
  name.remove_suffix(std::string_view(".sql").size());
  return Migration{version, std::string(name), std::string(file), f.text};
}

bool IsMigrationFile(std::string_view file) {
  return !file.empty() && file.front() >= '0' && file.front() <= '9';
}

// Holds the per-database migrate lock; releases it when destroyed.
class MigrateLock {
 public:
  static Result<MigrateLock> Acquire(db::Connection& conn) {
    std::string sql = "SELECT GET_LOCK(" + std::string(kLockName) + ", " +
                      std::to_string(kLockWaitSeconds) + ")";
    LK_ASSIGN_OR_RETURN(std::optional<db::Row> row, conn.QueryOne(sql));
    if (!row || row->is_null(0)) {
      return Internal("GET_LOCK failed for the migrate lock");
    }
    if (row->i64(0) != 1) {
      return Unavailable(
          "another migrate of this database is running (waited " +
          std::to_string(kLockWaitSeconds) + " s for its lock)");
    }
    return MigrateLock(&conn);
  }
  MigrateLock(MigrateLock&& o) noexcept : conn_(o.conn_) { o.conn_ = nullptr; }
  MigrateLock& operator=(MigrateLock&&) = delete;
  ~MigrateLock() {
    // A lost connection already dropped the lock with its session.
    if (conn_ == nullptr || !conn_->connected()) return;
    static_cast<void>(
        conn_->QueryOne("SELECT RELEASE_LOCK(" + std::string(kLockName) + ")"));
  }

 private:
  explicit MigrateLock(db::Connection* conn) : conn_(conn) {}
  db::Connection* conn_;
};

Status NeedDatabase(const db::Connection& conn) {
  if (conn.config().name.empty()) {
    return FailedPrecondition("no database name is configured");
  }
  return Status::Ok();
}

// version -> (name, applied_at) from schema_migrations; empty if the table
// does not exist yet.
Result<std::map<int, MigrationState>> Recorded(db::Connection& conn) {
  std::map<int, MigrationState> out;
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> exists,
      conn.QueryOne("SELECT COUNT(*) FROM information_schema.tables "
                    "WHERE table_schema = DATABASE() "
                    "AND table_name = 'schema_migrations'"));
  if (!exists || exists->i64(0) == 0) return out;
  LK_ASSIGN_OR_RETURN(
      std::vector<db::Row> rows,
      conn.Query("SELECT version, name, applied_at FROM schema_migrations "
                 "ORDER BY version"));
  for (const db::Row& r : rows) {
    int version = static_cast<int>(r.i64(0));
    out[version] = MigrationState{version, r.str(1), r.unix_time(2)};
  }
  return out;
}

}  // namespace

const std::vector<Migration>& BuiltinMigrations() {
  static const std::vector<Migration> kMigrations = [] {
    std::vector<Migration> list;
    for (const internal::EmbeddedSql& f : internal::EmbeddedSqlFiles()) {
      if (IsMigrationFile(f.file)) list.push_back(Parse(f));
    }
    std::sort(list.begin(), list.end(),
              [](const Migration& a, const Migration& b) {
                return a.version < b.version;
              });
    return list;
  }();
  return kMigrations;
}

int LatestSchemaVersion() {
  const std::vector<Migration>& all = BuiltinMigrations();
  return all.empty() ? 0 : all.back().version;
}

Result<std::vector<MigrationState>> GetMigrationStates(db::Connection& conn) {
  LK_RETURN_IF_ERROR(NeedDatabase(conn));
  LK_ASSIGN_OR_RETURN(auto recorded, Recorded(conn));
  std::vector<MigrationState> states;
  for (const Migration& m : BuiltinMigrations()) {
    MigrationState s{m.version, m.name, std::nullopt};
    auto it = recorded.find(m.version);
    if (it != recorded.end()) {
      s.applied_at = it->second.applied_at;
      recorded.erase(it);
    }
    states.push_back(std::move(s));
  }
  // Versions only a newer latchkey knows.
  for (auto& [version, s] : recorded) states.push_back(std::move(s));
  return states;
}

Result<int> ApplyPendingMigrations(db::Connection& conn, const Clock& clock) {
  LK_RETURN_IF_ERROR(NeedDatabase(conn));
  LK_RETURN_IF_ERROR(conn.ExecuteScript(kCreateTable)
                         .WithContext("creating schema_migrations"));
  LK_ASSIGN_OR_RETURN(MigrateLock lock, MigrateLock::Acquire(conn));
  // Read under the lock: a concurrent run may just have applied some.
  LK_ASSIGN_OR_RETURN(auto recorded, Recorded(conn));
  int applied = 0;
  for (const Migration& m : BuiltinMigrations()) {
    if (recorded.count(m.version) != 0) continue;
    const std::string context = "migration " + m.file;
    LK_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Start(conn));
    LK_RETURN_IF_ERROR(conn.ExecuteScript(m.sql).WithContext(context));
    // DDL in the file has committed implicitly; this record then commits
    // on its own right after. A file of DML only is atomic with its record.
    LK_RETURN_IF_ERROR(
        conn.Execute("INSERT INTO schema_migrations (version, name, "
                     "applied_at) VALUES (?, ?, ?)",
                     {int64_t{m.version}, std::string_view(m.name),
                      db::Timestamp{clock.NowUnixMicros()}})
            .status()
            .WithContext(context + ": recording it in schema_migrations"));
    LK_RETURN_IF_ERROR(tx.Commit().WithContext(context));
    ++applied;
  }
  return applied;
}

Status CheckSchemaCurrent(db::Connection& conn) {
  LK_ASSIGN_OR_RETURN(std::vector<MigrationState> states,
                      GetMigrationStates(conn));
  int at = 0;
  std::string missing;
  for (const MigrationState& s : states) {
    if (s.applied_at) {
      at = std::max(at, s.version);
    } else {
      if (!missing.empty()) missing += ", ";
      std::string v = std::to_string(s.version);
      if (v.size() < 3) v.insert(0, 3 - v.size(), '0');
      missing += v + "_" + s.name + ".sql";
    }
  }
  if (missing.empty()) return Status::Ok();
  const int need = LatestSchemaVersion();
  if (at < need) {
    return FailedPrecondition("the database schema is at version " +
                              std::to_string(at) + ", this program needs " +
                              std::to_string(need) +
                              ": run latchkeyctl migrate");
  }
  return FailedPrecondition("the database schema lacks migration(s) " +
                            missing + ": run latchkeyctl migrate");
}

std::string_view GrantsSql() {
  for (const internal::EmbeddedSql& f : internal::EmbeddedSqlFiles()) {
    if (f.file == "grants.sql") return f.text;
  }
  return {};
}

Status ApplyGrants(db::Connection& conn) {
  std::string_view sql = GrantsSql();
  if (sql.empty()) return Internal("grants.sql is not embedded in this build");
  return conn.ExecuteScript(sql).WithContext("grants.sql");
}

}  // namespace latchkey
