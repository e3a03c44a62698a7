// Access to the private MariaDB sandbox the `mariadb` ctest fixture starts
// (scripts/lib/mariadb-sandbox.sh), and throw-away databases in it.
//
// Tests run in parallel: each test that writes gets its own TestDatabase
// (a database named lk_test_<pid>_<n>_<random>), so nothing mutable is
// shared between tests. Never stop or reconfigure the shared sandbox's
// server; a test that needs a server to go down starts its own sandbox
// (StartPrivateSandbox).
#ifndef LATCHKEY_TESTS_SUPPORT_SANDBOX_H_
#define LATCHKEY_TESTS_SUPPORT_SANDBOX_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "latchkey/base/result.h"
#include "latchkey/config/config.h"
#include "latchkey/db/db.h"
#include "support/temp_dir.h"

namespace latchkey::testing {

// DIR/sandbox.env of one sandbox.
struct SandboxInfo {
  std::string dir;
  std::string socket;
  std::string host;  // 127.0.0.1
  uint16_t port = 0;
  int64_t pid = 0;
  std::string admin_user;
  std::string admin_password_file;
  std::string db_name;  // latchkey
  std::string db_user;  // latchkey
  std::string db_password_file;
  std::string config_file;      // a ready latchkey.conf for db_name
  std::string secret_key_file;  // 32 bytes
};

// Reads DIR/sandbox.env. NotFound/IoError/InvalidArgument with the path.
Result<SandboxInfo> ReadSandboxEnv(const std::string& dir);

// The shared sandbox named by $LATCHKEY_SANDBOX (read once). If the
// variable is unset or the file unreadable, records a test failure saying
// so (run through ctest, or export LATCHKEY_SANDBOX=DIR after
// `bash scripts/lib/mariadb-sandbox.sh start DIR`) and returns an empty
// info, on which every connection fails.
const SandboxInfo& Sandbox();

// A config for `sandbox` over its socket as the app user (`latchkey`),
// with database `name` ("" for none), short timeouts.
DatabaseConfig SandboxDbConfig(const SandboxInfo& sandbox,
                               std::string_view name);
// The same over TCP to 127.0.0.1:port.
DatabaseConfig SandboxTcpConfig(const SandboxInfo& sandbox,
                                std::string_view name);

// A connection as the sandbox's admin (lk_admin: all privileges, with
// GRANT OPTION) over the socket, to database `name` ("" for none).
std::unique_ptr<db::Connection> ConnectAsAdmin(const SandboxInfo& sandbox,
                                               std::string_view name = "");

// A fresh database in the shared sandbox, made by the app user over the
// socket and (by default) migrated to the latest schema. Dropped in the
// destructor. On failure ADD_FAILURE()s and ok() is false; use the
// DatabaseTest fixture to stop a test early instead.
class TestDatabase {
 public:
  struct Options {
    bool migrate = true;
  };
  TestDatabase() : TestDatabase(Options{}) {}
  explicit TestDatabase(Options options);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  const std::string& name() const { return name_; }

  // Socket, this database, the app user, the sandbox's password file.
  DatabaseConfig config() const;
  // A new, not yet connected, connection with config().
  std::unique_ptr<db::Connection> Connect() const;
  // An admin connection with this database selected.
  std::unique_ptr<db::Connection> ConnectAsAdmin() const;

  // Writes dir/latchkey.conf (mode 0600) for this database: [database]
  // over the socket, [security] secret_key_file = the sandbox's key, and a
  // [mail] maildir under dir. `extra_ini` is merged in: its keys replace
  // these, its other keys and sections are added. Returns the path.
  std::string WriteConfigFile(const TempDir& dir,
                              std::string_view extra_ini = "") const;

 private:
  Status status_;
  std::string name_;
};

// A gtest fixture with a migrated TestDatabase; SetUp fails the test
// (without running its body) if the database cannot be made.
class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override;
  TestDatabase& db() { return *db_; }
  // A connection to db(), connected in SetUp.
  db::Connection& conn() { return *conn_; }

 private:
  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<db::Connection> conn_;
};

// A private sandbox, for tests that stop and start a server, started with
// $LATCHKEY_SANDBOX_SCRIPT (default: the repository's
// scripts/lib/mariadb-sandbox.sh). Stopped and removed in the destructor.
class PrivateSandbox {
 public:
  PrivateSandbox();
  ~PrivateSandbox();
  PrivateSandbox(const PrivateSandbox&) = delete;
  PrivateSandbox& operator=(const PrivateSandbox&) = delete;

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  const SandboxInfo& info() const { return info_; }
  // Runs `bash $LATCHKEY_SANDBOX_SCRIPT <verb> <dir>`; Internal with the
  // exit status on failure.
  Status Run(std::string_view verb) const;
  Status StopServer() const { return Run("stop-server"); }
  Status StartServer() const { return Run("start-server"); }

 private:
  TempDir parent_;
  std::string dir_;
  Status status_;
  SandboxInfo info_;
};

}  // namespace latchkey::testing

#endif  // LATCHKEY_TESTS_SUPPORT_SANDBOX_H_
