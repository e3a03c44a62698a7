// The mail outbox against a real database, delivering to a real SMTP server
// (python3-aiosmtpd, tests/support/smtp_server.py) and to a maildir: a mail
// queued while the server is down is retried with backoff and delivered
// once it is up, with the right headers; AUTH; give-up after two days;
// several workers never send a mail twice; header injection refused.
#include "latchkey/mail/mail.h"

#include <dirent.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "latchkey/base/encoding.h"
#include "latchkey/mail/mail_transport.h"
#include "support/fakes.h"
#include "support/sandbox.h"
#include "support/smtp_server.h"
#include "support/temp_dir.h"

namespace latchkey {
namespace {

using std::chrono::seconds;
using testing::DecodeQuotedPrintable;
using testing::MailBody;
using testing::MailHeader;
using testing::SmtpTestServer;

const Mailbox kFrom{"latchkey", "no-reply@example.org"};

std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class MailTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    outbox_ = std::make_unique<MailOutbox>(conn(), clock_);
  }
  MailOutbox& outbox() { return *outbox_; }
  OutboxEntry Entry(int64_t id) {
    auto e = outbox_->Get(id);
    EXPECT_TRUE(e.ok() && e->has_value());
    return e.ok() && e->has_value() ? **e : OutboxEntry{};
  }
  std::unique_ptr<MailTransport> Transport(const std::string& url,
                                           const SmtpTls& tls = {}) {
    SmtpTimeouts t;
    t.connect = std::chrono::milliseconds(3000);
    t.total = std::chrono::milliseconds(10000);
    auto made = MakeMailTransport(url, t, tls);
    EXPECT_TRUE(made.ok()) << made.status().ToString();
    return made.ok() ? std::move(*made) : nullptr;
  }

  FakeClock clock_;
  FakeRandom random_{7};
  std::unique_ptr<MailOutbox> outbox_;
};

TEST_F(MailTest, EnqueueRefusesHeaderInjectionAndBadInput) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"bob@example.org\r\nBcc: eve@example.org", "Hello"},
      {"bob@example.org", "Hello\r\nBcc: eve@example.org"},
      {"bob@example.org", "Hello\nX-Evil: 1"},
      {"bob@example.org", std::string("Hel\0lo", 6)},
      {"Bob <bob@example.org>", "Hello"},
      {"bob@example.org, eve@example.org", "Hello"},
      {"not an address", "Hello"},
      {"bob@example.org", std::string(256, 's')},
      {"bob@example.org", "\xff\xfe"},
  };
  for (const auto& [to, subject] : bad) {
    auto id = outbox().Enqueue(to, subject, "body");
    EXPECT_EQ(id.status().code(), StatusCode::kInvalidArgument)
        << to << " / " << subject;
  }
  EXPECT_EQ(outbox()
                .Enqueue("bob@example.org", "s", std::string("a\0b", 3))
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(
      outbox()
          .Enqueue("bob@example.org", "s", std::string(kMailMaxBody + 1, 'x'))
          .status()
          .code(),
      StatusCode::kInvalidArgument);
  auto stats = outbox().Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->queued, 0);
  // 255 characters (not bytes) of subject are fine.
  std::string subject;
  for (int i = 0; i < 255; ++i) subject += "é";
  EXPECT_TRUE(outbox().Enqueue("bob@example.org", subject, "body").ok());
}

TEST_F(MailTest, SmtpDownThenUpDeliversWithBackoff) {
  SmtpTestServer smtp;  // not started yet: connections are refused
  auto transport = Transport(smtp.url());
  ASSERT_TRUE(transport);
  EXPECT_EQ(transport->Describe(), smtp.url());

  auto id =
      outbox().Enqueue("bob@example.org", "Grüße aus latchkey",
                       "Hello Bob,\n\nyour link: "
                       "https://accounts.example.org/activate?token=abc\n");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  const int64_t queued_at = clock_.NowUnix();

  auto report = outbox().DeliverDue(*transport, kFrom, random_);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->sent, 0u);
  EXPECT_EQ(report->retried, 1u);
  EXPECT_EQ(report->failed, 0u);
  OutboxEntry e = Entry(*id);
  EXPECT_EQ(e.attempts, 1u);
  EXPECT_FALSE(e.sent_at.has_value());
  EXPECT_FALSE(e.failed_at.has_value());
  EXPECT_NE(e.last_error.find(smtp.url()), std::string::npos) << e.last_error;
  EXPECT_EQ(e.next_attempt_at, queued_at + 30);
  auto stats = outbox().Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->queued, 1);
  EXPECT_EQ(stats->oldest_queued_at, queued_at);

  // Still down 30 s later: the next wait doubles.
  clock_.Advance(seconds(30));
  report = outbox().DeliverDue(*transport, kFrom, random_);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->retried, 1u);
  e = Entry(*id);
  EXPECT_EQ(e.attempts, 2u);
  EXPECT_EQ(e.next_attempt_at, queued_at + 30 + 60);

  ASSERT_TRUE(smtp.Start().ok());
  // Not due yet: nothing is tried.
  report = outbox().DeliverDue(*transport, kFrom, random_);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->sent + report->retried + report->failed, 0u);
  EXPECT_TRUE(smtp.Messages().empty());

  clock_.Advance(seconds(60));
  report = outbox().DeliverDue(*transport, kFrom, random_);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->sent, 1u);
  EXPECT_EQ(report->retried, 0u);
  e = Entry(*id);
  EXPECT_EQ(e.sent_at, clock_.NowUnix());
  EXPECT_EQ(e.attempts, 3u);
  EXPECT_EQ(e.last_error, "");
  EXPECT_EQ(e.body, "");  // may have held a one-use link
  stats = outbox().Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->queued, 0);
  EXPECT_FALSE(stats->oldest_queued_at.has_value());

  const std::vector<std::string> got = smtp.WaitForMessages(1);
  ASSERT_EQ(got.size(), 1u);
  const std::string& m = got[0];
  EXPECT_EQ(MailHeader(m, "X-Envelope-From"), "no-reply@example.org");
  EXPECT_EQ(MailHeader(m, "X-Envelope-To"), "bob@example.org");
  EXPECT_EQ(MailHeader(m, "X-Envelope-TLS"), "no");  // none offered
  EXPECT_EQ(MailHeader(m, "From"), "latchkey <no-reply@example.org>");
  EXPECT_EQ(MailHeader(m, "To"), "<bob@example.org>");
  const std::string subject = MailHeader(m, "Subject");
  ASSERT_TRUE(subject.starts_with("=?UTF-8?B?")) << subject;
  EXPECT_EQ(Base64Decode(subject.substr(10, subject.size() - 12)),
            "Grüße aus latchkey");
  EXPECT_EQ(MailHeader(m, "Date"), "Tue, 14 Nov 2023 22:14:50 +0000");
  const std::string message_id = MailHeader(m, "Message-ID");
  EXPECT_TRUE(message_id.starts_with("<")) << message_id;
  EXPECT_TRUE(message_id.ends_with("." + std::to_string(*id) + "@example.org>"))
      << message_id;
  EXPECT_EQ(MailHeader(m, "MIME-Version"), "1.0");
  EXPECT_EQ(MailHeader(m, "Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(MailHeader(m, "Content-Transfer-Encoding"), "7bit");
  EXPECT_NE(MailBody(m).find(
                "your link: https://accounts.example.org/activate?token=abc"),
            std::string::npos);

  // Nothing left to send.
  clock_.Advance(seconds(3600));
  report = outbox().DeliverDue(*transport, kFrom, random_);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->sent, 0u);
  ASSERT_TRUE(smtp.Stop().ok());
  EXPECT_EQ(smtp.Messages().size(), 1u);
}

TEST_F(MailTest, QuotedPrintableBodyArrivesIntact) {
  SmtpTestServer smtp;
  ASSERT_TRUE(smtp.Start().ok());
  auto transport = Transport(smtp.url());
  ASSERT_TRUE(transport);
  const std::string body =
      "Hallo Zoë,\n.\n..leading dots survive SMTP\nhttps://x.example/r?token="
      "a-b_c\n" +
      std::string(120, 'z') + "\n";
  ASSERT_TRUE(outbox().Enqueue("zoe@example.org", "Hallo", body).ok());
  auto report = outbox().DeliverDue(*transport, kFrom, random_);
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->sent, 1u);
  const auto got = smtp.WaitForMessages(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(MailHeader(got[0], "Content-Transfer-Encoding"),
            "quoted-printable");
  std::string decoded = DecodeQuotedPrintable(MailBody(got[0]));
  std::string lf;
  for (const char c : decoded) {
    if (c != '\r') lf += c;
  }
  EXPECT_EQ(lf, body);
}

TEST_F(MailTest, SmtpAuthFromTheUrl) {
  SmtpTestServer smtp(SmtpTestServer::Options{"mailer:s3cr%t pw"});
  ASSERT_TRUE(smtp.Start().ok());
  const std::string hostport = "127.0.0.1:" + std::to_string(smtp.port());
  // The test server offers no STARTTLS, so AUTH in clear must be allowed
  // explicitly (starttls=try); the password is percent-encoded in the URL.
  auto good =
      Transport("smtp://mailer:s3cr%25t%20pw@" + hostport + "?starttls=try");
  auto wrong =
      Transport("smtp://mailer:wrong-pw@" + hostport + "?starttls=try");
  auto none = Transport("smtp://" + hostport);
  ASSERT_TRUE(good && wrong && none);
  EXPECT_EQ(good->Describe(), "smtp://" + hostport);  // no credentials

  auto id = outbox().Enqueue("bob@example.org", "auth", "body\n");
  ASSERT_TRUE(id.ok());
  auto report = outbox().DeliverDue(*wrong, kFrom, random_);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->retried, 1u);
  OutboxEntry e = Entry(*id);
  EXPECT_NE(e.last_error, "");
  EXPECT_EQ(e.last_error.find("wrong-pw"), std::string::npos) << e.last_error;

  clock_.Advance(seconds(30));
  report = outbox().DeliverDue(*none, kFrom, random_);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->retried, 1u);  // the server requires AUTH

  clock_.Advance(seconds(60));
  report = outbox().DeliverDue(*good, kFrom, random_);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->sent, 1u) << Entry(*id).last_error;
  EXPECT_EQ(smtp.WaitForMessages(1).size(), 1u);
}

TEST_F(MailTest, StartTlsIsVerifiedByDefaultAndOffOnlyWhenAsked) {
  SmtpTestServer smtp(SmtpTestServer::Options{"mailer:pw", /*tls=*/true});
  ASSERT_TRUE(smtp.Start().ok());
  const std::string hostport = "127.0.0.1:" + std::to_string(smtp.port());
  // STARTTLS, required by the credentials or merely offered, verifies the
  // certificate: the self-signed one is refused, and nothing (no password)
  // is sent.
  auto verified = Transport("smtp://mailer:pw@" + hostport);
  auto opportunistic =
      Transport("smtp://mailer:pw@" + hostport + "?starttls=try");
  // [mail] tls_verify = off: an explicit choice for a local relay.
  auto unverified =
      Transport("smtp://mailer:pw@" + hostport, SmtpTls{false, ""});
  ASSERT_TRUE(verified && opportunistic && unverified);
  auto id = outbox().Enqueue("bob@example.org", "over tls", "body\n");
  ASSERT_TRUE(id.ok());
  uint32_t attempts = 0;
  for (MailTransport* t : {verified.get(), opportunistic.get()}) {
    auto report = outbox().DeliverDue(*t, kFrom, random_);
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->sent, 0u) << "sent over unverified TLS";
    EXPECT_EQ(report->retried, 1u);
    EXPECT_EQ(Entry(*id).attempts, ++attempts);
    EXPECT_NE(Entry(*id).last_error, "");
    clock_.Advance(seconds(3600));
  }
  EXPECT_TRUE(smtp.Messages().empty());

  auto report = outbox().DeliverDue(*unverified, kFrom, random_);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->sent, 1u) << Entry(*id).last_error;
  const auto got = smtp.WaitForMessages(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(MailHeader(got[0], "X-Envelope-TLS"), "yes");
  EXPECT_EQ(MailHeader(got[0], "Subject"), "over tls");
}

TEST_F(MailTest, CredentialsRequireTlsByDefault) {
  SmtpTestServer smtp;
  ASSERT_TRUE(smtp.Start().ok());
  const std::string hostport = "127.0.0.1:" + std::to_string(smtp.port());
  auto id = outbox().Enqueue("bob@example.org", "tls", "body\n");
  ASSERT_TRUE(id.ok());
  uint32_t attempts = 0;
  for (const std::string& url :
       {"smtp://user:pw@" + hostport,  // a user name implies required TLS
        "smtp://" + hostport + "?starttls=required"}) {
    auto transport = Transport(url);
    ASSERT_TRUE(transport);
    auto report = outbox().DeliverDue(*transport, kFrom, random_);
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report->sent, 0u) << url;
    EXPECT_EQ(report->retried, 1u) << url;
    const OutboxEntry e = Entry(*id);
    EXPECT_EQ(e.attempts, ++attempts);
    EXPECT_NE(e.last_error, "");
    EXPECT_EQ(e.last_error.find("pw@"), std::string::npos) << e.last_error;
    clock_.Advance(seconds(3600));
  }
  EXPECT_TRUE(smtp.Messages().empty());
}

TEST_F(MailTest, TransportUrlsAreChecked) {
  EXPECT_EQ(MakeMailTransport("http://x").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeMailTransport("maildir:relative").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(
      MakeMailTransport("smtps://h:465?starttls=required").status().code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeMailTransport("smtp://h?tls=off").status().code(),
            StatusCode::kInvalidArgument);
  auto bad = MakeMailTransport("smtp://u:secret@[::1");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message().find("secret"), std::string::npos);
  auto t = MakeMailTransport("smtps://u:secret@mail.example.org");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)->Describe(), "smtps://mail.example.org:465");
  t = MakeMailTransport("smtp://mail.example.org");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)->Describe(), "smtp://mail.example.org:25");
  t = MakeMailTransport("maildir:/var/tmp/x/");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)->Describe(), "maildir:/var/tmp/x");
}

TEST_F(MailTest, MaildirTransportWritesWholeFilesIntoNew) {
  testing::TempDir dir;
  const std::string maildir = dir.path() + "/mail";
  auto transport = Transport("maildir:" + maildir);
  ASSERT_TRUE(transport);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(outbox()
                    .Enqueue("user" + std::to_string(i) + "@example.org",
                             "Hello " + std::to_string(i),
                             "line one\nline two\n")
                    .ok());
  }
  auto report = outbox().DeliverDue(*transport, kFrom, random_);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->sent, 3u);
  EXPECT_TRUE(FilesIn(maildir + "/tmp").empty());
  EXPECT_TRUE(std::filesystem::is_directory(maildir + "/cur"));
  const auto files = FilesIn(maildir + "/new");
  ASSERT_EQ(files.size(), 3u);
  std::set<std::string> to;
  for (const std::string& f : files) {
    EXPECT_EQ(std::filesystem::status(f).permissions() &
                  std::filesystem::perms::others_read,
              std::filesystem::perms::none);
    const std::string text = ReadFile(f);
    EXPECT_EQ(text.find('\r'), std::string::npos);  // maildir files use LF
    EXPECT_TRUE(text.starts_with("Return-Path: <no-reply@example.org>\n"));
    EXPECT_NE(text.find("\n\nline one\nline two\n"), std::string::npos);
    to.insert(MailHeader(text, "To"));
  }
  EXPECT_EQ(to,
            (std::set<std::string>{"<user0@example.org>", "<user1@example.org>",
                                   "<user2@example.org>"}));
}

TEST_F(MailTest, MaildirFailureIsRetried) {
  testing::TempDir dir;
  const std::string blocker = dir.WriteFile("file", "not a directory");
  auto transport = Transport("maildir:" + blocker + "/mail");
  ASSERT_TRUE(transport);
  auto id = outbox().Enqueue("bob@example.org", "s", "b");
  ASSERT_TRUE(id.ok());
  auto report = outbox().DeliverDue(*transport, kFrom, random_);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->retried, 1u);
  EXPECT_NE(Entry(*id).last_error.find(blocker), std::string::npos);
}

TEST_F(MailTest, GivesUpAfterTwoDaysButKeepsTheRow) {
  SmtpTestServer smtp;  // never started
  auto transport = Transport(smtp.url());
  ASSERT_TRUE(transport);
  auto id = outbox().Enqueue("bob@example.org", "lost", "body");
  ASSERT_TRUE(id.ok());
  const int64_t start = clock_.NowUnix();
  uint32_t attempts = 0;
  while (clock_.NowUnix() - start < kMailGiveUpAfter.count() + 3600) {
    auto report = outbox().DeliverDue(*transport, kFrom, random_);
    ASSERT_TRUE(report.ok());
    attempts += report->retried + report->failed;
    const OutboxEntry e = Entry(*id);
    if (e.failed_at) break;
    ASSERT_GT(e.next_attempt_at, clock_.NowUnix());
    ASSERT_LE(e.next_attempt_at - clock_.NowUnix(), 3600);
    clock_.Set(e.next_attempt_at);
  }
  const OutboxEntry e = Entry(*id);
  ASSERT_TRUE(e.failed_at.has_value());
  EXPECT_GE(*e.failed_at - start, kMailGiveUpAfter.count());
  EXPECT_EQ(e.attempts, attempts);
  // 30 s, 1, 2, 4, 8, 16, 32 min, then hourly: about 54 tries in two days.
  EXPECT_GT(attempts, 45u);
  EXPECT_LT(attempts, 60u);
  EXPECT_EQ(e.body, "body");  // kept for an admin to see
  auto stats = outbox().Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->queued, 0);
  EXPECT_EQ(stats->failed, 1);
  // A failed mail is never tried again.
  clock_.Advance(seconds(7 * 24 * 3600));
  auto report = outbox().DeliverDue(*transport, kFrom, random_);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->retried + report->failed + report->sent, 0u);
}

TEST_F(MailTest, RacingWorkersSendEachMailOnce) {
  constexpr int kMails = 40;
  for (int i = 0; i < kMails; ++i) {
    ASSERT_TRUE(outbox()
                    .Enqueue("u" + std::to_string(i) + "@example.org",
                             "n" + std::to_string(i), "body")
                    .ok());
  }
  testing::TempDir dir;
  const std::string maildir = dir.path() + "/mail";
  std::atomic<uint32_t> sent{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&, w] {
      auto conn = db().Connect();
      MailOutbox mine(*conn, clock_);
      FakeRandom random(static_cast<uint64_t>(100 + w));
      auto transport = MakeMailTransport("maildir:" + maildir);
      ASSERT_TRUE(transport.ok());
      for (int round = 0; round < 20; ++round) {
        auto report = mine.DeliverDue(**transport, kFrom, random, 3);
        ASSERT_TRUE(report.ok()) << report.status().ToString();
        sent += report->sent;
      }
    });
  }
  for (std::thread& t : workers) t.join();
  EXPECT_EQ(sent.load(), static_cast<uint32_t>(kMails));
  EXPECT_EQ(FilesIn(maildir + "/new").size(), static_cast<size_t>(kMails));
  auto stats = outbox().Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->queued, 0);
}

}  // namespace
}  // namespace latchkey
