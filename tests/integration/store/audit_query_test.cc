// QueryAuditEvents and AuditExport against a real database: each filter,
// newest first by (ts, id), keyset pages without gaps or repeats (also
// across rows that share a timestamp), and the export in batches.
#include "latchkey/store/audit_query.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "latchkey/store/audit_export.h"
#include "latchkey/store/user_store.h"
#include "support/fakes.h"
#include "support/sandbox.h"

namespace latchkey {
namespace {

using std::chrono::seconds;

class AuditQueryTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    audit_ = std::make_unique<AuditLog>(conn(), clock_, sink_);
  }
  void Add(AuditEvent event, std::string_view user, std::string_view service,
           std::string_view rhost, AuditOutcome outcome,
           std::optional<int64_t> user_id = std::nullopt) {
    AuthContext ctx;
    ctx.service = service;
    ctx.rhost = rhost;
    ASSERT_TRUE(audit_->Record(event, user_id, user, ctx, outcome).ok());
  }
  std::vector<int64_t> Ids(const AuditFilter& f) {
    Result<std::vector<AuditEntry>> rows = QueryAuditEvents(conn(), f);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    std::vector<int64_t> ids;
    if (rows.ok()) {
      for (const AuditEntry& e : *rows) ids.push_back(e.id);
    }
    return ids;
  }
  size_t Count(const AuditFilter& f) { return Ids(f).size(); }

  FakeClock clock_;
  CapturingLogSink sink_;
  std::unique_ptr<AuditLog> audit_;
};

TEST_F(AuditQueryTest, EachFilterNarrows) {
  const int64_t start = clock_.NowUnix();
  Add(AuditEvent::kLoginFailure, "amy", "sshd", "203.0.113.5",
      AuditOutcome::kFail);
  clock_.Advance(seconds(60));
  Add(AuditEvent::kLoginSuccess, "amy", "portal", "203.0.113.77",
      AuditOutcome::kOk);
  clock_.Advance(seconds(60));
  Add(AuditEvent::kUnknownUser, "=cmd", "sshd", "198.51.100.1",
      AuditOutcome::kFail);
  clock_.Advance(seconds(60));
  Add(AuditEvent::kLoginFailure, "bob", "sudo", "", AuditOutcome::kFail);
  // A rhost with LIKE's own characters: a prefix is literal.
  Add(AuditEvent::kLoginFailure, "bob", "login", "10_0%x", AuditOutcome::kFail);

  AuditFilter f;
  EXPECT_EQ(Count(f), 5u);
  f.user = "amy";
  EXPECT_EQ(Count(f), 2u);
  f.user = "=cmd";
  EXPECT_EQ(Count(f), 1u);
  f.user = "nobody";
  EXPECT_EQ(Count(f), 0u);
  f = {};
  f.event = AuditEvent::kLoginFailure;
  EXPECT_EQ(Count(f), 3u);
  f = {};
  f.service = "sshd";
  EXPECT_EQ(Count(f), 2u);
  f = {};
  f.outcome = AuditOutcome::kOk;
  EXPECT_EQ(Count(f), 1u);
  f.outcome = AuditOutcome::kFail;
  EXPECT_EQ(Count(f), 4u);
  f = {};
  f.address = "203.0.113.5";  // exact: not .77
  EXPECT_EQ(Count(f), 1u);
  f.address = "203.0.113.*";
  EXPECT_EQ(Count(f), 2u);
  f.address = "10_*";
  EXPECT_EQ(Count(f), 1u);
  f.address = "10%*";  // '%' is literal: no rhost starts with "10%"
  EXPECT_EQ(Count(f), 0u);
  f.address = "1*";
  EXPECT_EQ(Count(f), 2u);  // 10_0%x and 198.51.100.1
  f.address = "1_*";        // '_' is literal too, not "any character"
  EXPECT_EQ(Count(f), 0u);
  f = {};
  f.since = start + 60;
  EXPECT_EQ(Count(f), 4u);
  f.until = start + 120;  // exclusive
  EXPECT_EQ(Count(f), 1u);
  f = {};
  f.service = "sshd";
  f.outcome = AuditOutcome::kFail;
  f.user = "amy";
  EXPECT_EQ(Count(f), 1u);
}

TEST_F(AuditQueryTest, UserMatchesTheNameTypedAndTheAccount) {
  UserStore users(conn(), clock_);
  NewUser nu;
  nu.username = "carol";
  nu.email = "carol@example.org";
  nu.password_hash = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g";
  Result<int64_t> id = users.Create(nu);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  // Typed at a prompt; audited against the account under another name
  // (an email login); and both at once (must come once).
  Add(AuditEvent::kLoginFailure, "carol", "sshd", "", AuditOutcome::kFail);
  Add(AuditEvent::kLoginSuccess, "carol@example.org", "portal", "",
      AuditOutcome::kOk, *id);
  Add(AuditEvent::kLoginSuccess, "carol", "sshd", "", AuditOutcome::kOk, *id);
  Add(AuditEvent::kLoginFailure, "dave", "sshd", "", AuditOutcome::kFail);
  AuditFilter f;
  f.user = "carol";
  std::vector<int64_t> by_name = Ids(f);
  EXPECT_EQ(by_name.size(), 3u);
  EXPECT_EQ(std::set<int64_t>(by_name.begin(), by_name.end()).size(), 3u);
  f.user = std::to_string(*id);
  EXPECT_EQ(Count(f), 2u);  // by account id: the rows with user_id
  f.user = "carol";
  f.limit = 2;
  EXPECT_EQ(Count(f), 2u);
}

TEST_F(AuditQueryTest, KeysetPagesHaveNoGapsOrRepeats) {
  // 23 rows; several share a timestamp, and ids do not follow time for
  // the last few (a clock set back), so the order is (ts, id), not id.
  for (int i = 0; i < 20; ++i) {
    Add(AuditEvent::kLoginFailure, "u" + std::to_string(i), "sshd", "",
        AuditOutcome::kFail);
    if (i % 3 == 0) clock_.Advance(seconds(1));
  }
  clock_.Set(clock_.NowUnix() - 100);
  for (int i = 0; i < 3; ++i) {
    Add(AuditEvent::kLoginFailure, "late", "sshd", "", AuditOutcome::kFail);
  }
  AuditFilter all;
  all.limit = 100;
  Result<std::vector<AuditEntry>> everything = QueryAuditEvents(conn(), all);
  ASSERT_TRUE(everything.ok());
  ASSERT_EQ(everything->size(), 23u);
  for (size_t i = 1; i < everything->size(); ++i) {
    const AuditEntry& a = (*everything)[i - 1];
    const AuditEntry& b = (*everything)[i];
    EXPECT_TRUE(a.ts_micros > b.ts_micros ||
                (a.ts_micros == b.ts_micros && a.id > b.id));
  }
  EXPECT_EQ(everything->back().username_tried, "late");

  std::vector<int64_t> paged;
  AuditFilter page;
  page.limit = 4;
  for (int guard = 0; guard < 20; ++guard) {
    Result<std::vector<AuditEntry>> rows = QueryAuditEvents(conn(), page);
    ASSERT_TRUE(rows.ok());
    for (const AuditEntry& e : *rows) paged.push_back(e.id);
    if (rows->size() < page.limit) break;
    page.before = AuditCursor{rows->back().ts_micros, rows->back().id};
  }
  std::vector<int64_t> expected;
  for (const AuditEntry& e : *everything) expected.push_back(e.id);
  EXPECT_EQ(paged, expected);
}

TEST_F(AuditQueryTest, TailIsTheSameQueryOldestFirst) {
  for (int i = 0; i < 5; ++i) {
    Add(AuditEvent::kLoginFailure, "u" + std::to_string(i), "sshd", "",
        AuditOutcome::kFail);
    clock_.Advance(seconds(1));
  }
  AuditFilter f;
  f.limit = 3;
  Result<std::vector<AuditEntry>> tail = audit_->Query(f);
  ASSERT_TRUE(tail.ok());
  ASSERT_EQ(tail->size(), 3u);
  EXPECT_EQ((*tail)[0].username_tried, "u2");
  EXPECT_EQ((*tail)[2].username_tried, "u4");
}

TEST_F(AuditQueryTest, ExportInBatchesCoversEveryRowOnce) {
  for (int i = 0; i < 25; ++i) {
    Add(AuditEvent::kLoginFailure, i == 0 ? "@SUM(1+1)" : "u", "sshd", "",
        AuditOutcome::kFail);
    if (i % 2 == 0) clock_.Advance(seconds(1));
  }
  Add(AuditEvent::kLoginSuccess, "u", "portal", "", AuditOutcome::kOk);
  AuditFilter f;
  f.service = "sshd";
  AuditExport csv(conn(), f, AuditExportFormat::kCsv, /*batch=*/10);
  std::string out;
  int pieces = 0;
  while (true) {
    Result<bool> more = csv.Next(out);
    ASSERT_TRUE(more.ok()) << more.status().ToString();
    if (!*more) break;
    ++pieces;
  }
  EXPECT_EQ(csv.rows(), 25);
  EXPECT_EQ(pieces, 3);  // 10 + 10 + 5
  size_t lines = 0;
  for (size_t p = out.find("\r\n"); p != std::string::npos;
       p = out.find("\r\n", p + 2)) {
    ++lines;
  }
  EXPECT_EQ(lines, 26u);  // header + 25
  EXPECT_EQ(out.rfind(AuditCsvHeader(), 0), 0u);
  EXPECT_NE(out.find(",\"'@SUM(1+1)\","), std::string::npos);
  Result<bool> after = csv.Next(out);
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(*after);

  AuditExport json(conn(), f, AuditExportFormat::kJson, 10);
  std::string doc;
  while (true) {
    Result<bool> more = json.Next(doc);
    ASSERT_TRUE(more.ok());
    if (!*more) break;
  }
  EXPECT_EQ(json.rows(), 25);
  EXPECT_EQ(doc.front(), '[');
  EXPECT_EQ(doc.substr(doc.size() - 3), "\n]\n");

  // Exactly a batch's worth: the last, empty batch still closes the array.
  AuditFilter none;
  none.service = "api";
  AuditExport empty(conn(), none, AuditExportFormat::kJson, 10);
  std::string nothing;
  while (*empty.Next(nothing)) {
  }
  EXPECT_EQ(nothing, "[\n]\n");
}

}  // namespace
}  // namespace latchkey
