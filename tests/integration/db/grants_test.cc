// sql/grants.sql: what the latchkey_pam and latchkey_portal roles may and
// may not do, checked by logging in as a user holding each role.
#include <gtest/gtest.h>

#include <string>

#include "latchkey/account/host_admin.h"
#include "latchkey/auth/lockout_store.h"
#include "latchkey/auth/login_lookup.h"
#include "latchkey/auth/security_notifier.h"
#include "latchkey/base/random.h"
#include "latchkey/db/db.h"
#include "latchkey/db/migrations.h"
#include "latchkey/mail/mail_texts.h"
#include "latchkey/nss/nss_sync.h"
#include "latchkey/store/admin_stats.h"
#include "support/fakes.h"
#include "support/sandbox.h"
#include "support/services_test.h"
#include "support/temp_dir.h"

namespace latchkey {
namespace {

using db::Null;
using db::Timestamp;

std::string RandomHex(size_t bytes) {
  std::vector<uint8_t> buf(bytes);
  EXPECT_TRUE(SystemRandom::Shared().Fill(buf).ok());
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : buf) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

// A login user holding one role; dropped when destroyed.
class RoleUser {
 public:
  RoleUser(db::Connection& admin, const std::string& role)
      : admin_(admin), name_("lk_t_" + RandomHex(6)), password_(RandomHex(16)) {
    // Name and password are hex we made, so they may stand in the text.
    const std::string account = "'" + name_ + "'@'localhost'";
    status_ = admin_.ExecuteScript(
        "CREATE USER " + account + " IDENTIFIED BY '" + password_ + "';\n" +
        "GRANT " + role + " TO " + account + ";\n" + "SET DEFAULT ROLE " +
        role + " FOR " + account + ";\n");
  }
  ~RoleUser() {
    Status s =
        admin_.ExecuteScript("DROP USER IF EXISTS '" + name_ + "'@'localhost'");
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  const Status& status() const { return status_; }
  std::unique_ptr<db::Connection> Connect(DatabaseConfig cfg) const {
    cfg.user = name_;
    cfg.password_file.clear();
    return std::make_unique<db::Connection>(cfg, Secret(password_));
  }

 private:
  db::Connection& admin_;
  std::string name_;
  std::string password_;
  Status status_;
};

class GrantsTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(DatabaseTest::SetUp());
    admin_ = db().ConnectAsAdmin();
    Status s = ApplyGrants(*admin_);
    ASSERT_TRUE(s.ok()) << s.ToString();
    // One user row to work on, written by the schema owner.
    const Timestamp now = Timestamp::FromUnix(1'700'000'000);
    auto ins = conn().Execute(
        "INSERT INTO users (username, email, password_hash, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?)",
        {std::string_view("alice"), std::string_view("alice@example.org"),
         std::string_view("$argon2id$x"), now, now});
    ASSERT_TRUE(ins.ok()) << ins.status().ToString();
    user_id_ = conn().last_insert_id();
  }

  static void ExpectDenied(const Status& s, const char* what) {
    EXPECT_EQ(s.code(), StatusCode::kPermissionDenied)
        << what << ": " << s.ToString();
  }

  std::unique_ptr<db::Connection> admin_;
  uint64_t user_id_ = 0;
};

TEST_F(GrantsTest, ApplyingTwiceIsHarmless) {
  Status s = ApplyGrants(*admin_);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST_F(GrantsTest, PamRoleMayAuthenticateButNotRewriteHistory) {
  RoleUser pam(*admin_, "latchkey_pam");
  ASSERT_TRUE(pam.status().ok()) << pam.status().ToString();
  auto c = pam.Connect(db().config());
  Status connected = c->Connect();
  ASSERT_TRUE(connected.ok()) << connected.ToString();

  auto user = c->QueryOne(
      "SELECT id, password_hash FROM users WHERE "
      "username = ?",
      {std::string_view("alice")});
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  ASSERT_TRUE(user->has_value());
  EXPECT_EQ((*user)->str(1), "$argon2id$x");
  // What Authenticate reads before the KDF, as this role.
  FakeClock clock;
  LockoutConfig lockout;
  Result<LoginLookup> looked_up =
      LookUpLogin(*c, clock, lockout, "alice", true, "192.0.2.9");
  ASSERT_TRUE(looked_up.ok()) << looked_up.status().ToString();
  ASSERT_TRUE(looked_up->user.has_value());
  EXPECT_EQ(looked_up->user->id, user_id_);
  EXPECT_FALSE(looked_up->address_blocked);

  auto failed = c->Execute(
      "UPDATE users SET failed_logins = failed_logins + 1, last_failed_at = "
      "?, updated_at = ? WHERE id = ?",
      {Timestamp::FromUnix(1'700'000'001), Timestamp::FromUnix(1'700'000'001),
       user_id_});
  ASSERT_TRUE(failed.ok()) << failed.status().ToString();
  EXPECT_EQ(*failed, 1u);

  ExpectDenied(c->Execute("UPDATE users SET email = ? WHERE id = ?",
                          {std::string_view("evil@example.org"), user_id_})
                   .status(),
               "UPDATE users.email");
  ExpectDenied(
      c->Execute("UPDATE users SET is_active = 1 WHERE id = ?", {user_id_})
          .status(),
      "UPDATE users.is_active");
  ExpectDenied(
      c->Execute("DELETE FROM users WHERE id = ?", {user_id_}).status(),
      "DELETE users");

  auto logged = c->Execute(
      "INSERT INTO auth_events (ts, user_id, event, outcome) VALUES (?, ?, "
      "?, ?)",
      {Timestamp::FromUnix(1'700'000'001), user_id_, std::string_view("auth"),
       std::string_view("failure")});
  ASSERT_TRUE(logged.ok()) << logged.status().ToString();
  ExpectDenied(c->Execute("DELETE FROM auth_events").status(),
               "DELETE auth_events");
  ExpectDenied(c->Execute("UPDATE auth_events SET outcome = ?",
                          {std::string_view("success")})
                   .status(),
               "UPDATE auth_events");

  auto lockouts = c->Execute(
      "INSERT INTO ip_failures (ip, window_start, failures) VALUES (?, ?, 1) "
      "ON DUPLICATE KEY UPDATE failures = failures + 1",
      {std::string_view("192.0.2.1"), Timestamp::FromUnix(1'700'000'000)});
  EXPECT_TRUE(lockouts.ok()) << lockouts.status().ToString();
  // The password step's statements for a name without an account (005),
  // as this role: reserve, settle, prune. The admin lock is not its to set.
  LockoutStore names(*c, clock, lockout);
  LockSubject ghost;
  ghost.name_hash = std::string(32, 'n');
  auto reserved = names.Reserve(ghost);
  ASSERT_TRUE(reserved.ok()) << reserved.status().ToString();
  EXPECT_TRUE(reserved->reserved);
  auto settled = names.Settle(ghost, lockout.max_failures, false);
  EXPECT_TRUE(settled.ok()) << settled.status().ToString();
  Status pruned = names.PruneNames();
  EXPECT_TRUE(pruned.ok()) << pruned.ToString();
  ExpectDenied(c->Execute("UPDATE users SET admin_locked_until = NULL WHERE "
                          "id = ?",
                          {user_id_})
                   .status(),
               "UPDATE users.admin_locked_until");
  auto sessions =
      c->Execute("DELETE FROM sessions WHERE user_id = ?", {user_id_});
  EXPECT_TRUE(sessions.ok()) << sessions.status().ToString();
  auto tokens = c->Execute("UPDATE tokens SET used_at = ? WHERE user_id = ?",
                           {Timestamp::FromUnix(1'700'000'002), user_id_});
  EXPECT_TRUE(tokens.ok()) << tokens.status().ToString();
  ExpectDenied(c->Query("SELECT csrf_secret FROM sessions").status(),
               "SELECT sessions.csrf_secret");
  ExpectDenied(c->Execute("DELETE FROM tokens").status(), "DELETE tokens");

  // No DDL.
  ExpectDenied(c->ExecuteScript("DROP TABLE users"), "DROP TABLE");
  ExpectDenied(c->ExecuteScript("CREATE TABLE x (y INT)"), "CREATE TABLE");
  ExpectDenied(c->ExecuteScript("ALTER TABLE users ADD COLUMN z INT"),
               "ALTER TABLE");
  // It can tell whether the schema is current.
  Status current = CheckSchemaCurrent(*c);
  EXPECT_TRUE(current.ok()) << current.ToString();

  // The admin sees the effect of the allowed update only.
  auto row = conn().QueryOne(
      "SELECT failed_logins, email FROM users WHERE id = ?", {user_id_});
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->i64(0), 1);
  EXPECT_EQ((*row)->str(1), "alice@example.org");
}

// Root on one host is not root of the fleet: the PAM role cannot read the
// audit log (other hosts' logins) or avatars, and cannot give uids.
TEST_F(GrantsTest, PamRoleCannotReadTheAuditLogOrAvatarsNorGiveUids) {
  RoleUser pam(*admin_, "latchkey_pam");
  ASSERT_TRUE(pam.status().ok()) << pam.status().ToString();
  auto c = pam.Connect(db().config());
  ASSERT_TRUE(c->Connect().ok());

  ExpectDenied(c->Query("SELECT id, event FROM auth_events").status(),
               "SELECT auth_events");
  ExpectDenied(c->Query("SELECT avatar FROM users").status(),
               "SELECT users.avatar");
  ExpectDenied(
      c->Execute("UPDATE users SET uid = 20001 WHERE id = ?", {user_id_})
          .status(),
      "UPDATE users.uid");
  // Every other column it needs is still readable.
  auto row = c->QueryOne(
      "SELECT username, password_hash, totp_secret_enc, uid, avatar_type "
      "FROM users WHERE id = ?",
      {user_id_});
  EXPECT_TRUE(row.ok()) << row.status().ToString();
}

// Root on one host cannot send mail of its choosing from the trusted
// sender: the PAM role queues (user, kind, params) only, and the portal's
// worker renders the mail from the user's row.
TEST_F(GrantsTest, PamRoleQueuesMailAsUserAndKindOnly) {
  RoleUser pam(*admin_, "latchkey_pam");
  ASSERT_TRUE(pam.status().ok()) << pam.status().ToString();
  auto c = pam.Connect(db().config());
  ASSERT_TRUE(c->Connect().ok());
  const Timestamp now = Timestamp::FromUnix(1'700'000'000);

  ExpectDenied(c->Execute("INSERT INTO mail_outbox (to_addr, subject, body, "
                          "created_at, attempts, next_attempt_at) "
                          "VALUES (?, ?, ?, ?, 0, ?)",
                          {std::string_view("victim@example.org"),
                           std::string_view("Please confirm your password"),
                           std::string_view("https://evil.example/"), now, now})
                   .status(),
               "INSERT mail_outbox (to_addr, subject, body)");
  ExpectDenied(c->Execute("INSERT INTO mail_outbox (to_addr, user_id, kind, "
                          "created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)",
                          {std::string_view("victim@example.org"), user_id_,
                           std::string_view("account_locked"), now, now})
                   .status(),
               "INSERT mail_outbox (to_addr, user_id, kind)");
  ExpectDenied(c->Query("SELECT id FROM mail_outbox").status(),
               "SELECT mail_outbox");

  auto queued = c->Execute(
      "INSERT INTO mail_outbox (user_id, kind, params, created_at, "
      "next_attempt_at) VALUES (?, ?, ?, ?, ?)",
      {user_id_, std::string_view("account_locked"),
       std::string_view("until=1700000900"), now, now});
  EXPECT_TRUE(queued.ok()) << queued.status().ToString();
}

TEST_F(GrantsTest, PortalRoleManagesAccountsButNotTheAuditLogOrSchema) {
  RoleUser portal(*admin_, "latchkey_portal");
  ASSERT_TRUE(portal.status().ok()) << portal.status().ToString();
  auto c = portal.Connect(db().config());
  Status connected = c->Connect();
  ASSERT_TRUE(connected.ok()) << connected.ToString();

  auto email = c->Execute("UPDATE users SET email = ? WHERE id = ?",
                          {std::string_view("a2@example.org"), user_id_});
  ASSERT_TRUE(email.ok()) << email.status().ToString();
  EXPECT_EQ(*email, 1u);
  auto role = c->Execute(
      "INSERT INTO user_roles (user_id, role_id) SELECT ?, id FROM roles "
      "WHERE name = ?",
      {user_id_, std::string_view("user")});
  EXPECT_TRUE(role.ok()) << role.status().ToString();
  EXPECT_TRUE(
      c->Execute("INSERT INTO auth_events (ts, event, outcome) "
                 "VALUES (?, ?, ?)",
                 {Timestamp::FromUnix(1'700'000'000), std::string_view("login"),
                  std::string_view("success")})
          .ok());
  EXPECT_TRUE(c->Query("SELECT * FROM auth_events").ok());
  ExpectDenied(c->Execute("DELETE FROM auth_events").status(),
               "DELETE auth_events");
  ExpectDenied(
      c->Execute("UPDATE auth_events SET detail = ?", {std::string_view("x")})
          .status(),
      "UPDATE auth_events");
  // Roles are the admin area's to create and delete (issue 11), so the
  // portal may INSERT and DELETE them, but never change a role's name
  // under its members.
  ExpectDenied(c->Execute("UPDATE roles SET name = 'root' WHERE name = ?",
                          {std::string_view("user")})
                   .status(),
               "UPDATE roles");
  ExpectDenied(c->ExecuteScript("DROP TABLE sessions"), "DROP TABLE");
  ExpectDenied(c->ExecuteScript("TRUNCATE TABLE auth_events"), "TRUNCATE");
}

// The admin overview (issue 11) fills its rollup as the portal's role.
TEST_F(GrantsTest, PortalRoleComputesTheAdminOverview) {
  RoleUser portal(*admin_, "latchkey_portal");
  ASSERT_TRUE(portal.status().ok()) << portal.status().ToString();
  auto c = portal.Connect(db().config());
  FakeClock clock;
  ASSERT_TRUE(c->Execute("INSERT INTO auth_events (ts, event, service, "
                         "outcome) VALUES (?, ?, ?, ?)",
                         {Timestamp::FromUnix(clock.NowUnix() - 7200),
                          std::string_view("login_failure"),
                          std::string_view("sshd"), std::string_view("fail")})
                  .ok());
  Result<AdminStats> stats = ComputeAdminStats(*c, clock);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->daily.back().total(), 1);
  auto rolled = c->QueryOne("SELECT COUNT(*) FROM stats_hours");
  ASSERT_TRUE(rolled.ok() && rolled->has_value());
  EXPECT_EQ((*rolled)->i64(0), 1);
}

// A login, a lock (and its mail) and a password change through the core,
// on a connection that holds nothing but the PAM role.
class PamRoleServicesTest : public testing::ServicesTest {
 protected:
  void Configure(Config& c) override {
    c.nss.passwd_file = dir_.path() + "/passwd";
    c.nss.group_file = dir_.path() + "/group";
    local_.passwd = dir_.WriteFile("etc-passwd", "root:x:0:0::/root:/bin/sh\n");
    local_.group = dir_.WriteFile("etc-group", "root:x:0:\n");
  }
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ServicesTest::SetUp());
    admin_ = db().ConnectAsAdmin();
    Status s = ApplyGrants(*admin_);
    ASSERT_TRUE(s.ok()) << s.ToString();
    pam_ = std::make_unique<RoleUser>(*admin_, "latchkey_pam");
    ASSERT_TRUE(pam_->status().ok()) << pam_->status().ToString();
    pam_services_ = Services::WithConnection(
        config_, pam_->Connect(db().config()), clock_, random_, &sink_);
  }
  void TearDown() override {
    pam_services_.reset();
    pam_.reset();
  }

  testing::TempDir dir_;
  NssLocalFiles local_;
  std::unique_ptr<db::Connection> admin_;
  std::unique_ptr<RoleUser> pam_;
  std::unique_ptr<Services> pam_services_;
};

// A host's nss-sync writes the uids the admin side gave, gives none itself,
// and says why a user without one is left out.
TEST_F(PamRoleServicesTest, NssSyncOnAHostGivesNoUids) {
  ASSERT_NE(MakeUser("dave"), 0);
  Result<NssSyncReport> host =
      SyncNss(pam_services_->db(), pam_services_->clock(),
              pam_services_->config().nss, local_);
  ASSERT_TRUE(host.ok()) << host.status().ToString();
  EXPECT_EQ(host->uids_assigned, 0);
  EXPECT_EQ(host->users_written, 0);
  ASSERT_EQ(host->skipped.size(), 1u);
  EXPECT_NE(host->skipped[0].find("dave: has no uid yet"), std::string::npos)
      << host->skipped[0];
  EXPECT_FALSE(FindUser("dave")->uid.has_value());

  // The owner's login (the admin side) gives it; then the host writes it.
  Result<NssSyncReport> owner =
      SyncNss(s().db(), s().clock(), s().config().nss, local_);
  ASSERT_TRUE(owner.ok()) << owner.status().ToString();
  EXPECT_EQ(owner->uids_assigned, 1);
  host = SyncNss(pam_services_->db(), pam_services_->clock(),
                 pam_services_->config().nss, local_);
  ASSERT_TRUE(host.ok()) << host.status().ToString();
  EXPECT_EQ(host->users_written, 1);
  EXPECT_TRUE(host->skipped.empty());
}

TEST_F(PamRoleServicesTest, LoginLockMailAndPasswordChangeWork) {
  const int64_t id = MakeUser("carol");
  ASSERT_NE(id, 0);
  AuthContext ctx;
  ctx.service = "sshd";
  ctx.rhost = "192.0.2.44";
  AuthOutcome ok = pam_services_->authenticator().Authenticate(
      "carol", Secret(std::string(testing::kTestPassword)), ctx);
  EXPECT_EQ(ok.status, AuthStatus::kOk);

  bool locked = false;
  for (uint32_t i = 0; i < config_.lockout.max_failures && !locked; ++i) {
    AuthOutcome bad = pam_services_->authenticator().Authenticate(
        "carol", Secret(std::string("wrong password")), ctx);
    EXPECT_NE(bad.status, AuthStatus::kUnavailable);
    locked = bad.lock_started;
  }
  EXPECT_TRUE(locked);
  // Queued as (user, kind): the host named neither address nor text.
  auto row = s().db().QueryOne(
      "SELECT user_id, kind, to_addr IS NULL FROM mail_outbox ORDER BY id");
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  ASSERT_TRUE(row->has_value()) << "the lock's mail was not queued";
  EXPECT_EQ((*row)->i64(0), id);
  EXPECT_EQ((*row)->str(1), "account_locked");
  EXPECT_EQ((*row)->i64(2), 1);
  // The worker renders it to the user's address, with today's text.
  const User carol = Load(id);
  ASSERT_TRUE(carol.locked_until.has_value());
  const MailText expected =
      mail_texts::AccountLocked(config_, carol, *carol.locked_until, ctx);
  const std::vector<testing::QueuedMail> mails = Outbox("carol@example.org");
  ASSERT_EQ(mails.size(), 1u) << "the lock's mail was not rendered";
  EXPECT_EQ(mails[0].subject, expected.subject);
  EXPECT_EQ(mails[0].body, expected.body);
  EXPECT_NE(mails[0].body.find("from 192.0.2.44 (sshd)"), std::string::npos)
      << mails[0].body;

  clock_.Advance(std::chrono::hours(2));
  const Secret fresh(std::string("Another-Long-Passphrase-77"));
  const Secret old(std::string(testing::kTestPassword));
  Status changed =
      pam_services_->accounts().ChangePassword(id, fresh, &old, ctx);
  EXPECT_TRUE(changed.ok()) << changed.ToString();
  Status mailed =
      pam_services_->security_notifier().PasswordChanged(Load(id), ctx);
  EXPECT_TRUE(mailed.ok()) << mailed.ToString();
  EXPECT_EQ(Outbox("carol@example.org").size(), 2u);
  for (const std::string& line : sink_.lines()) {
    EXPECT_EQ(line.find("mail_not_queued"), std::string::npos) << line;
  }
}

// A (user, kind) row renders from the user's row as it is at send time:
// an unverified address or a deleted user gets nothing, and the row says
// why instead of waiting forever.
TEST_F(PamRoleServicesTest, UnverifiedOrDeletedUserRendersToNothing) {
  const int64_t unverified = MakeUser("erin", /*verified=*/false);
  ASSERT_NE(unverified, 0);
  const db::Timestamp now{clock_.NowUnixMicros()};
  for (int64_t user_id : {unverified, int64_t{999999}}) {
    auto queued = pam_services_->db().Execute(
        "INSERT INTO mail_outbox (user_id, kind, params, created_at, "
        "next_attempt_at) VALUES (?, ?, ?, ?, ?)",
        {user_id, std::string_view("new_login"),
         std::string_view("service=sshd&rhost=192.0.2.7"), now, now});
    ASSERT_TRUE(queued.ok()) << queued.status().ToString();
  }
  Result<RenderReport> report = RenderQueuedMails(s().db(), clock_, config_);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->rendered, 0u);
  EXPECT_EQ(report->skipped, 2u);
  auto rows = s().db().Query(
      "SELECT to_addr IS NULL, body IS NULL, failed_at IS NOT NULL, "
      "sent_at IS NULL, last_error FROM mail_outbox ORDER BY id");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 2u);
  for (const db::Row& r : *rows) {
    EXPECT_EQ(r.i64(0), 1);
    EXPECT_EQ(r.i64(1), 1);
    EXPECT_EQ(r.i64(2), 1);
    EXPECT_EQ(r.i64(3), 1);
  }
  EXPECT_EQ((*rows)[0].str(4), "skipped: the user has no verified address");
  EXPECT_EQ((*rows)[1].str(4), "skipped: the user no longer exists");
  EXPECT_TRUE(Outbox().empty());
}

// The directory service (issue 12, part "dir") runs as the portal's role:
// it looks hosts up by token, records when they call, and reads host
// groups, access rules and SSH keys.
TEST_F(GrantsTest, PortalRoleServesTheDirectory) {
  RoleUser portal(*admin_, "latchkey_portal");
  ASSERT_TRUE(portal.status().ok()) << portal.status().ToString();
  auto c = portal.Connect(db().config());
  ASSERT_TRUE(c->Connect().ok());
  for (const char* table :
       {"hosts", "host_groups", "host_access_rules", "ssh_keys"}) {
    EXPECT_TRUE(c->Query(std::string("SELECT * FROM ") + table).ok()) << table;
  }
  EXPECT_TRUE(
      c->Execute("UPDATE hosts SET last_seen_at = ?, agent_version = "
                 "? WHERE id = 0",
                 {Timestamp::FromUnix(1'700'000'000), std::string_view("1.0")})
          .ok());
  ExpectDenied(c->Execute("UPDATE hosts SET token_sha256 = NULL").status(),
               "UPDATE hosts.token_sha256");
}

// Fleet mode, host groups (issue 12, part "groups"): the admin area runs
// HostAdmin as the portal's role: groups, rules, a host's group and flag,
// and revoking. It may not add or delete hosts (latchkeyctl's), and the
// PAM role may not touch groups or rules at all.
void ExpectRefused(const Status& s, const char* what) {
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied)
      << what << ": " << s.ToString();
}

class PortalRoleHostAdminTest : public testing::ServicesTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ServicesTest::SetUp());
    admin_ = db().ConnectAsAdmin();
    Status s = ApplyGrants(*admin_);
    ASSERT_TRUE(s.ok()) << s.ToString();
    portal_ = std::make_unique<RoleUser>(*admin_, "latchkey_portal");
    ASSERT_TRUE(portal_->status().ok()) << portal_->status().ToString();
    portal_services_ = Services::WithConnection(
        config_, portal_->Connect(db().config()), clock_, random_, &sink_);
  }
  void TearDown() override {
    portal_services_.reset();
    portal_.reset();
  }

  std::unique_ptr<db::Connection> admin_;
  std::unique_ptr<RoleUser> portal_;
  std::unique_ptr<Services> portal_services_;
};

TEST_F(PortalRoleHostAdminTest, ManagesGroupsRulesAndHostsButAddsNone) {
  ASSERT_TRUE(s().db()
                  .Execute("INSERT INTO hosts (name, kind, token_sha256, "
                           "created_at) VALUES ('web1', 'fleet', "
                           "UNHEX(SHA2('web1', 256)), UTC_TIMESTAMP(6))")
                  .ok());
  AdminActor actor;
  actor.ctx.service = "portal";
  actor.name = "alice";
  HostAdmin admin(*portal_services_);
  auto group = admin.CreateGroup("web", "", actor);
  ASSERT_TRUE(group.ok()) << group.status().ToString();
  Status s = admin.AllowRole("web", "user", "sshd", actor);
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto moved = admin.SetHostGroup("web1", std::string("web"), actor);
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  auto flag = admin.SetMayResetPasswords("web1", true, actor);
  ASSERT_TRUE(flag.ok()) << flag.status().ToString();
  auto listed = admin.ListHosts();
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  auto revoked = admin.RevokeHost("web1", actor);
  ASSERT_TRUE(revoked.ok()) << revoked.status().ToString();
  s = admin.DenyRole("web", "user", "sshd", actor);
  ASSERT_TRUE(s.ok()) << s.ToString();
  s = admin.DeleteGroup("web", actor);
  ASSERT_TRUE(s.ok()) << s.ToString();

  db::Connection& c = portal_services_->db();
  ExpectRefused(c.Execute("INSERT INTO hosts (name, kind, created_at) VALUES "
                          "('evil', 'fleet', UTC_TIMESTAMP(6))")
                    .status(),
                "INSERT hosts");
  ExpectRefused(c.Execute("DELETE FROM hosts").status(), "DELETE hosts");

  RoleUser pam(*admin_, "latchkey_pam");
  ASSERT_TRUE(pam.status().ok()) << pam.status().ToString();
  auto p = pam.Connect(db().config());
  ExpectRefused(p->Execute("INSERT INTO host_groups (name, created_at) VALUES "
                           "('x', UTC_TIMESTAMP(6))")
                    .status(),
                "PAM INSERT host_groups");
  ExpectRefused(p->Execute("DELETE FROM host_access_rules").status(),
                "PAM DELETE host_access_rules");
}

}  // namespace
}  // namespace latchkey
