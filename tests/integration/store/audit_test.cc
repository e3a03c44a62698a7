// AuditLog against a real database: one row and one line per event,
// attacker strings stored escaped and bounded, Query filters, and a
// database that is down still gets the syslog line.
#include "latchkey/store/audit.h"

#include <gtest/gtest.h>

#include <chrono>

#include "latchkey/base/clock.h"
#include "latchkey/store/user_store.h"
#include "support/fakes.h"
#include "support/sandbox.h"

namespace latchkey {
namespace {

using std::chrono::seconds;

class AuditTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    audit_ = std::make_unique<AuditLog>(conn(), clock_, sink_);
    ctx_.service = "sshd";
    ctx_.rhost = "203.0.113.5";
  }
  FakeClock clock_;
  CapturingLogSink sink_;
  std::unique_ptr<AuditLog> audit_;
  AuthContext ctx_;
};

TEST_F(AuditTest, OneRowAndOneLine) {
  ASSERT_TRUE(audit_
                  ->Record(AuditEvent::kLoginFailure, std::nullopt, "bob", ctx_,
                           AuditOutcome::kFail, "wrong password")
                  .ok());
  ASSERT_EQ(sink_.lines().size(), 1u);
  EXPECT_EQ(sink_.lines()[0],
            "latchkey[sshd]: login_failure user=bob rhost=203.0.113.5 "
            "outcome=fail detail=\"wrong password\"");
  auto rows = audit_->Query({});
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 1u);
  const AuditEntry& e = rows->front();
  EXPECT_EQ(e.ts_micros, clock_.NowUnixMicros());
  EXPECT_FALSE(e.user_id.has_value());
  EXPECT_EQ(e.username_tried, "bob");
  EXPECT_EQ(e.event, "login_failure");
  EXPECT_EQ(e.service, "sshd");
  EXPECT_EQ(e.rhost, "203.0.113.5");
  EXPECT_EQ(e.outcome, "fail");
  EXPECT_EQ(e.detail, "wrong password");
}

TEST_F(AuditTest, HostileFieldsAreStoredEscapedAndBounded) {
  const std::string name = "eve\n\xff" + std::string(200, 'x');
  ctx_.rhost = "\x1b[2J" + std::string(300, 'r');
  ctx_.tty = "pts/\t9";
  ASSERT_TRUE(audit_
                  ->Record(AuditEvent::kUnknownUser, std::nullopt, name, ctx_,
                           AuditOutcome::kFail, "no such user")
                  .ok());
  auto rows = audit_->Query({});
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  const AuditEntry& e = rows->front();
  EXPECT_EQ(e.username_tried.substr(0, 11), "eve\\x0a\\xff");
  EXPECT_EQ(e.username_tried.size(), kAuditUsernameMax);
  EXPECT_EQ(e.rhost.substr(0, 4), "\\x1b");
  EXPECT_EQ(e.rhost.size(), kAuditRhostMax);
  EXPECT_EQ(e.tty, "pts/\\x099");
  EXPECT_EQ(sink_.lines()[0].find('\n'), std::string::npos);
}

TEST_F(AuditTest, QueryFilters) {
  UserStore users(conn(), clock_);
  NewUser n;
  n.username = "alice";
  n.email = "alice@example.org";
  n.password_hash = "x";
  auto alice = users.Create(n);
  ASSERT_TRUE(alice.ok());
  // Typed as an email, recorded under alice's id.
  ASSERT_TRUE(audit_
                  ->Record(AuditEvent::kLoginSuccess, *alice,
                           "alice@example.org", ctx_, AuditOutcome::kOk)
                  .ok());
  clock_.Advance(seconds(10));
  ASSERT_TRUE(audit_
                  ->Record(AuditEvent::kLoginFailure, *alice, "alice", ctx_,
                           AuditOutcome::kFail, "wrong password")
                  .ok());
  clock_.Advance(seconds(10));
  const int64_t third = clock_.NowUnix();
  ASSERT_TRUE(audit_
                  ->Record(AuditEvent::kUnknownUser, std::nullopt, "bob", ctx_,
                           AuditOutcome::kFail)
                  .ok());
  ASSERT_TRUE(audit_
                  ->Record(AuditEvent::kLoginFailure, std::nullopt, "bob", ctx_,
                           AuditOutcome::kFail)
                  .ok());

  AuditFilter f;
  EXPECT_EQ(audit_->Query(f)->size(), 4u);
  f.user = "alice";
  auto a = audit_->Query(f);
  ASSERT_EQ(a->size(), 2u);
  EXPECT_EQ((*a)[0].event, "login_success");  // oldest first
  EXPECT_EQ((*a)[1].event, "login_failure");
  f.user = "bob";
  EXPECT_EQ(audit_->Query(f)->size(), 2u);
  f.user.clear();
  f.event = AuditEvent::kLoginFailure;
  EXPECT_EQ(audit_->Query(f)->size(), 2u);
  f.event.reset();
  f.since = third;
  EXPECT_EQ(audit_->Query(f)->size(), 2u);
  f.since.reset();
  f.limit = 3;
  auto last3 = audit_->Query(f);
  ASSERT_EQ(last3->size(), 3u);  // the newest three, oldest first
  EXPECT_EQ((*last3)[0].event, "login_failure");
  EXPECT_EQ((*last3)[0].username_tried, "alice");
  EXPECT_EQ((*last3)[2].username_tried, "bob");
  EXPECT_EQ((*last3)[2].event, "login_failure");
}

TEST(AuditDownTest, DatabaseDownStillWritesTheLine) {
  DatabaseConfig dead = testing::SandboxTcpConfig(testing::Sandbox(), "");
  dead.socket.clear();
  dead.hosts = {HostPort{"127.0.0.1", 1}};
  dead.connect_timeout = std::chrono::milliseconds(1000);
  db::Connection conn(dead, Secret());
  FakeClock clock;
  CapturingLogSink sink;
  AuditLog audit(conn, clock, sink);
  AuthContext ctx;
  ctx.service = "sudo";
  const Status s = audit.Record(AuditEvent::kPasswordChanged, 7, "alice", ctx,
                                AuditOutcome::kOk);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  ASSERT_EQ(sink.lines().size(), 1u);
  EXPECT_EQ(sink.lines()[0],
            "latchkey[sudo]: password_changed user=alice user_id=7 rhost=\"\" "
            "outcome=ok");
}

}  // namespace
}  // namespace latchkey
