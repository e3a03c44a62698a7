#include <algorithm>
#include <vector>

#include "latchkey/base/encoding.h"
#include "latchkey/base/strings.h"
#include "latchkey/mail/mail.h"
#include "latchkey/store/audit.h"

namespace latchkey {
namespace {

constexpr int64_t kMicros = 1'000'000;
constexpr size_t kMaxSubjectChars = 255;
constexpr size_t kMaxErrorChars = 500;  // last_error is VARCHAR(512)

}  // namespace

Seconds RetryDelay(uint32_t attempts) {
  if (attempts <= 1) return kMailFirstRetry;
  int64_t delay = kMailFirstRetry.count();
  for (uint32_t i = 1; i < attempts && delay < kMailMaxRetry.count(); ++i) {
    delay *= 2;
  }
  return Seconds(std::min(delay, kMailMaxRetry.count()));
}

MailOutbox::MailOutbox(db::Connection& db, const Clock& clock)
    : db_(db), clock_(clock) {}

namespace {

// What Enqueue and Fill accept.
Status CheckMail(std::string_view to, std::string_view subject,
                 std::string_view body) {
  LK_RETURN_IF_ERROR(CheckHeaderValue(to, "the recipient"));
  LK_RETURN_IF_ERROR(CheckHeaderValue(subject, "the subject"));
  LK_ASSIGN_OR_RETURN(const Mailbox rcpt, ParseMailbox(to));
  if (!rcpt.display_name.empty() || rcpt.address != to) {
    return InvalidArgument("the recipient must be a bare mail address");
  }
  if (static_cast<size_t>(Utf8Length(subject)) > kMaxSubjectChars) {
    return InvalidArgument("the subject is longer than 255 characters");
  }
  if (body.size() > kMailMaxBody) {
    return InvalidArgument("the mail body is too long");
  }
  if (Utf8Length(body) < 0 || body.find('\0') != std::string_view::npos) {
    return InvalidArgument("the mail body must be UTF-8 text without NUL");
  }
  return Status::Ok();
}

}  // namespace

Result<int64_t> MailOutbox::Enqueue(std::string_view to,
                                    std::string_view subject,
                                    std::string_view body) {
  LK_RETURN_IF_ERROR(CheckMail(to, subject, body));
  const db::Timestamp now{clock_.NowUnixMicros()};
  LK_RETURN_IF_ERROR(
      db_.Execute("INSERT INTO mail_outbox (to_addr, subject, body, "
                  "created_at, attempts, next_attempt_at) "
                  "VALUES (?, ?, ?, ?, 0, ?)",
                  {to, subject, body, now, now})
          .status());
  return static_cast<int64_t>(db_.last_insert_id());
}

Result<bool> MailOutbox::Fill(int64_t id, std::string_view to,
                              const MailText& text) {
  LK_RETURN_IF_ERROR(CheckMail(to, text.subject, text.body));
  LK_ASSIGN_OR_RETURN(
      uint64_t filled,
      db_.Execute("UPDATE mail_outbox SET to_addr = ?, subject = ?, body = ? "
                  "WHERE id = ? AND to_addr IS NULL AND sent_at IS NULL AND "
                  "failed_at IS NULL",
                  {to, std::string_view(text.subject),
                   std::string_view(text.body), id}));
  return filled == 1;
}

Result<DeliveryReport> MailOutbox::DeliverDue(MailTransport& transport,
                                              const Mailbox& from,
                                              Random& random, size_t batch) {
  DeliveryReport report;
  const int64_t now = clock_.NowUnixMicros();
  LK_ASSIGN_OR_RETURN(
      std::vector<db::Row> due,
      db_.Query("SELECT id FROM mail_outbox WHERE sent_at IS NULL AND "
                "failed_at IS NULL AND to_addr IS NOT NULL AND "
                "next_attempt_at <= ? "
                "ORDER BY next_attempt_at, id LIMIT ?",
                {db::Timestamp{now}, static_cast<uint64_t>(batch)}));
  const size_t at = from.address.rfind('@');
  const std::string domain =
      at == std::string::npos ? "localhost" : from.address.substr(at + 1);

  for (const db::Row& r : due) {
    const int64_t id = r.i64(0);
    LK_ASSIGN_OR_RETURN(
        uint64_t claimed,
        db_.Execute("UPDATE mail_outbox SET next_attempt_at = ? WHERE id = ? "
                    "AND sent_at IS NULL AND failed_at IS NULL AND "
                    "to_addr IS NOT NULL AND next_attempt_at <= ?",
                    {db::Timestamp{now + kMailClaimLease.count() * kMicros}, id,
                     db::Timestamp{now}}));
    if (claimed != 1) continue;  // another instance has it
    LK_ASSIGN_OR_RETURN(
        std::optional<db::Row> row,
        db_.QueryOne("SELECT to_addr, subject, body, created_at, attempts "
                     "FROM mail_outbox WHERE id = ?",
                     {id}));
    if (!row) continue;  // deleted by an admin meanwhile

    uint8_t rnd[12];
    LK_RETURN_IF_ERROR(random.Fill(rnd));
    OutgoingMail mail;
    mail.from = from;
    mail.to = row->str(0);
    mail.subject = row->str(1);
    mail.body = row->str(2);
    mail.date = clock_.NowUnix();
    mail.message_id =
        HexEncode(std::string_view(reinterpret_cast<char*>(rnd), sizeof rnd)) +
        "." + std::to_string(id) + "@" + domain;
    Result<std::string> message = BuildMessage(mail);
    Status sent = message.ok() ? transport.Send(from.address, mail.to, *message)
                               : message.status();
    const uint32_t attempts = static_cast<uint32_t>(row->i64(4)) + 1;
    const int64_t after = clock_.NowUnixMicros();
    if (sent.ok()) {
      LK_RETURN_IF_ERROR(
          db_.Execute("UPDATE mail_outbox SET sent_at = ?, body = '', "
                      "attempts = ?, last_error = NULL WHERE id = ?",
                      {db::Timestamp{after}, uint64_t{attempts}, id})
              .status());
      ++report.sent;
      continue;
    }
    const std::string error = EscapeLogField(sent.message(), kMaxErrorChars);
    const int64_t created = row->unix_micros(3).value_or(now);
    // Data that cannot be built into a message never will be: give up now.
    const bool give_up =
        !message.ok() || after - created >= kMailGiveUpAfter.count() * kMicros;
    if (give_up) {
      LK_RETURN_IF_ERROR(
          db_.Execute("UPDATE mail_outbox SET failed_at = ?, attempts = ?, "
                      "last_error = ? WHERE id = ?",
                      {db::Timestamp{after}, uint64_t{attempts},
                       std::string_view(error), id})
              .status());
      ++report.failed;
    } else {
      const int64_t next = now + RetryDelay(attempts).count() * kMicros;
      LK_RETURN_IF_ERROR(
          db_.Execute("UPDATE mail_outbox SET next_attempt_at = ?, "
                      "attempts = ?, last_error = ? WHERE id = ?",
                      {db::Timestamp{next}, uint64_t{attempts},
                       std::string_view(error), id})
              .status());
      ++report.retried;
    }
  }
  return report;
}

Result<OutboxStats> MailOutbox::Stats() {
  OutboxStats stats;
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> queued,
      db_.QueryOne("SELECT COUNT(*), MIN(created_at) FROM mail_outbox "
                   "WHERE sent_at IS NULL AND failed_at IS NULL"));
  if (queued) {
    stats.queued = queued->i64(0);
    stats.oldest_queued_at = queued->unix_time(1);
  }
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> failed,
      db_.QueryOne(
          "SELECT COUNT(*) FROM mail_outbox WHERE failed_at IS NOT NULL"));
  if (failed) stats.failed = failed->i64(0);
  return stats;
}

Result<std::optional<OutboxEntry>> MailOutbox::Get(int64_t id) {
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> row,
      db_.QueryOne("SELECT id, to_addr, subject, body, created_at, attempts, "
                   "next_attempt_at, sent_at, failed_at, last_error "
                   "FROM mail_outbox WHERE id = ?",
                   {id}));
  if (!row) return std::optional<OutboxEntry>();
  OutboxEntry e;
  e.id = row->i64(0);
  e.to = row->str(1);
  e.subject = row->str(2);
  e.body = row->str(3);
  e.created_at = row->unix_time(4).value_or(0);
  e.attempts = static_cast<uint32_t>(row->i64(5));
  e.next_attempt_at = row->unix_time(6).value_or(0);
  e.sent_at = row->unix_time(7);
  e.failed_at = row->unix_time(8);
  e.last_error = row->str(9);
  return std::optional<OutboxEntry>(std::move(e));
}

}  // namespace latchkey
