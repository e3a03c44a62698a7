// Mail: every mail latchkey sends goes through the `mail_outbox` table. The
// PAM module and the portal only Enqueue (one INSERT, no network), and the
// portal's mail worker calls DeliverDue every few seconds, so a down SMTP
// server delays mail and loses none.
//
// Delivery is safe with several portal instances on one database: a due
// row is claimed with one atomic UPDATE that moves its next_attempt_at a
// lease (kMailClaimLease, longer than any SMTP timeout) into the future;
// only the instance whose UPDATE changed the row sends it. A failed send
// is retried after RetryDelay(attempts): 30 s, 1 min, 2 min, ... capped at
// 1 h. A mail still undelivered kMailGiveUpAfter after it was queued is
// marked failed (failed_at; kept, never deleted). The body of a sent mail
// is blanked: it may hold a one-use link, which must not outlive delivery
// in the database.
#ifndef LATCHKEY_MAIL_MAIL_H_
#define LATCHKEY_MAIL_MAIL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "latchkey/base/clock.h"
#include "latchkey/base/random.h"
#include "latchkey/base/result.h"
#include "latchkey/config/config.h"
#include "latchkey/db/db.h"
#include "latchkey/mail/mail_message.h"
#include "latchkey/mail/mail_transport.h"

namespace latchkey {

// A subject and a plain-text body (see mail_texts.h).
struct MailText {
  std::string subject;
  std::string body;
};

inline constexpr Seconds kMailFirstRetry{30};
inline constexpr Seconds kMailMaxRetry{3600};
inline constexpr Seconds kMailGiveUpAfter{2 * 24 * 3600};
inline constexpr Seconds kMailClaimLease{600};
inline constexpr size_t kMailMaxBody = 64 * 1024;

// The wait after the `attempts`-th failed attempt (attempts >= 1):
// 30 s * 2^(attempts-1), at most kMailMaxRetry.
Seconds RetryDelay(uint32_t attempts);

// One DeliverDue pass.
struct DeliveryReport {
  uint32_t sent = 0;     // delivered now
  uint32_t retried = 0;  // failed now, rescheduled
  uint32_t failed = 0;   // failed now and given up (or undeliverable data)
};

struct OutboxStats {
  int64_t queued = 0;                       // neither sent nor failed
  int64_t failed = 0;                       // given up
  std::optional<int64_t> oldest_queued_at;  // Unix seconds; none if empty
};

// One row, for admins and tests. Times are Unix seconds.
struct OutboxEntry {
  int64_t id = 0;
  std::string to;
  std::string subject;
  std::string body;  // "" once sent
  int64_t created_at = 0;
  uint32_t attempts = 0;
  int64_t next_attempt_at = 0;
  std::optional<int64_t> sent_at;
  std::optional<int64_t> failed_at;
  std::string last_error;  // "" if none
};

// Not thread-safe (one Connection). Errors: db errors, as well as those
// named.
class MailOutbox {
 public:
  MailOutbox(db::Connection& db, const Clock& clock);

  // Queues a mail for delivery now and returns its id. `to` is one
  // addr-spec; `subject` one line of at most 255 characters; `body` UTF-8
  // text up to kMailMaxBody bytes. Errors: InvalidArgument for a CR, LF or
  // NUL in `to` or `subject` (header injection), a malformed address,
  // invalid UTF-8 or a body or subject that is too long.
  Result<int64_t> Enqueue(std::string_view to, std::string_view subject,
                          std::string_view body);
  Result<int64_t> Enqueue(std::string_view to, const MailText& text) {
    return Enqueue(to, text.subject, text.body);
  }

  // Writes the address and text of row `id`, a (user, kind) row queued
  // without them (security_notifier.h renders those), with the checks of
  // Enqueue. Returns whether the row was still unrendered and undelivered
  // (false: another instance rendered it, or it is gone).
  Result<bool> Fill(int64_t id, std::string_view to, const MailText& text);

  // Claims up to `batch` due rows (oldest first; rows not yet rendered,
  // to_addr NULL, wait for RenderQueuedMails) and sends each through
  // `transport` from `from`, as described above. Message-IDs are random
  // (from `random`) at the sender's domain. Returns what happened; a
  // transport failure is not an error of DeliverDue (it is recorded in the
  // row's last_error and counted in `retried`/`failed`).
  Result<DeliveryReport> DeliverDue(MailTransport& transport,
                                    const Mailbox& from, Random& random,
                                    size_t batch = 20);

  Result<OutboxStats> Stats();
  Result<std::optional<OutboxEntry>> Get(int64_t id);

 private:
  db::Connection& db_;
  const Clock& clock_;
};

}  // namespace latchkey

#endif  // LATCHKEY_MAIL_MAIL_H_
