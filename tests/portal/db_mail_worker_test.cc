// The portal's mail worker against a real database: a nudge delivers at
// once, the metrics show what happened, and Stop does not wait for the
// interval.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "portal/mail_worker.h"
#include "support/sandbox.h"
#include "support/smtp_server.h"
#include "support/temp_dir.h"

namespace latchkey::portal {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

size_t FilesIn(const std::string& dir) {
  std::error_code ec;
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    (void)e;
    ++n;
  }
  return n;
}

class MailWorkerTest : public testing::DatabaseTest {
 protected:
  std::unique_ptr<MailWorker> Make(
      const std::string& transport_url, milliseconds interval,
      std::shared_ptr<const Config> texts = nullptr) {
    auto transport = MakeMailTransport(transport_url);
    EXPECT_TRUE(transport.ok()) << transport.status().ToString();
    MailWorker::Options options;
    options.interval = interval;
    options.batch = 2;
    options.texts = std::move(texts);
    return std::make_unique<MailWorker>(
        db().Connect(), std::move(*transport),
        Mailbox{"latchkey", "no-reply@example.org"}, options,
        SystemClock::Shared(), SystemRandom::Shared());
  }
  void Enqueue(int n) {
    MailOutbox outbox(conn(), SystemClock::Shared());
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(outbox
                      .Enqueue("u" + std::to_string(i) + "@example.org",
                               "hello", "body\n")
                      .ok());
    }
  }
};

TEST_F(MailWorkerTest, NudgeDeliversAtOnceAndMetricsCount) {
  testing::TempDir dir;
  const std::string maildir = dir.path() + "/mail";
  // An interval far longer than the test: only nudges make it work.
  auto worker = Make("maildir:" + maildir, milliseconds(3'600'000));
  Metrics metrics({"/"});
  worker->RegisterMetrics(metrics);
  worker->Start();
  // The first pass runs at start; then the worker sleeps.
  std::this_thread::sleep_for(milliseconds(300));
  Enqueue(5);  // more than one batch
  worker->Nudge();
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (FilesIn(maildir + "/new") < 5 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_EQ(FilesIn(maildir + "/new"), 5u);
  const auto stop_started = std::chrono::steady_clock::now();
  worker->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stop_started, seconds(5));

  const MailWorker::Counts c = worker->counts();
  EXPECT_EQ(c.sent, 5u);
  EXPECT_EQ(c.retried, 0u);
  EXPECT_EQ(c.queued, 0);
  const std::string text = metrics.RenderText();
  EXPECT_NE(text.find("latchkey_mail_sent_total 5"), std::string::npos) << text;
  EXPECT_NE(text.find("latchkey_mail_queued 0"), std::string::npos) << text;
  // The gauge outlives the worker.
  worker.reset();
  EXPECT_NE(metrics.RenderText().find("latchkey_mail_queued 0"),
            std::string::npos);
}

TEST_F(MailWorkerTest, ServerDownCountsRetriesAndTheQueue) {
  testing::SmtpTestServer smtp;  // not started
  auto worker = Make(smtp.url(), milliseconds(3'600'000));
  Metrics metrics({"/"});
  worker->RegisterMetrics(metrics);
  Enqueue(3);
  ASSERT_TRUE(worker->RunOnce().ok());
  MailWorker::Counts c = worker->counts();
  EXPECT_EQ(c.sent, 0u);
  EXPECT_EQ(c.retried, 3u);
  EXPECT_EQ(c.queued, 3);
  EXPECT_NE(metrics.RenderText().find("latchkey_mail_retries_total 3"),
            std::string::npos);
  EXPECT_NE(metrics.RenderText().find("latchkey_mail_queued 3"),
            std::string::npos);
  // Rescheduled: a pass right away tries nothing.
  ASSERT_TRUE(worker->RunOnce().ok());
  EXPECT_EQ(worker->counts().retried, 3u);
}

TEST_F(MailWorkerTest, CreateChecksTheConfig) {
  Config config;
  config.path = "/etc/latchkey/latchkey.conf";
  config.database = db().config();
  config.mail.transport = "maildir:/var/tmp/x";
  config.mail.from = "no address here";
  auto w = MailWorker::Create(config, {});
  EXPECT_EQ(w.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(w.status().message().find("[mail] from"), std::string::npos);
  config.mail.from = "latchkey <no-reply@example.org>";
  config.mail.transport = "smtp://h?bogus=1";
  w = MailWorker::Create(config, {});
  EXPECT_EQ(w.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(w.status().message().find("[mail] transport"), std::string::npos);
  config.mail.transport = "smtp://127.0.0.1:25";
  w = MailWorker::Create(config, {});
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ((*w)->transport().Describe(), "smtp://127.0.0.1:25");
}

// A host queues (user, kind, params); the worker renders it from the
// user's row (with its own config's texts) and sends it.
TEST_F(MailWorkerTest, RendersUserAndKindRowsThenSends) {
  const db::Timestamp now{SystemClock::Shared().NowUnixMicros()};
  auto user = conn().Execute(
      "INSERT INTO users (username, email, password_hash, email_verified_at, "
      "created_at, updated_at) VALUES ('wendy', 'wendy@example.org', "
      "'$argon2id$x', ?, ?, ?)",
      {now, now, now});
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  const int64_t id = static_cast<int64_t>(conn().last_insert_id());
  auto queued = conn().Execute(
      "INSERT INTO mail_outbox (user_id, kind, params, created_at, "
      "next_attempt_at) VALUES (?, 'password_changed', "
      "'service=passwd&rhost=198.51.100.3', ?, ?)",
      {id, now, now});
  ASSERT_TRUE(queued.ok()) << queued.status().ToString();

  testing::TempDir dir;
  const std::string maildir = dir.path() + "/mail";
  auto config = std::make_shared<Config>();
  config->portal.base_url = "https://accounts.example.org";
  auto worker = Make("maildir:" + maildir, milliseconds(3'600'000), config);
  ASSERT_TRUE(worker->RunOnce().ok());
  EXPECT_EQ(worker->counts().sent, 1u);
  EXPECT_EQ(FilesIn(maildir + "/new"), 1u);
  auto row = conn().QueryOne(
      "SELECT to_addr, subject, sent_at IS NOT NULL FROM mail_outbox");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->str(0), "wendy@example.org");
  EXPECT_NE((*row)->str(1).find("password was changed"), std::string::npos)
      << (*row)->str(1);
  EXPECT_EQ((*row)->i64(2), 1);
}

}  // namespace
}  // namespace latchkey::portal
