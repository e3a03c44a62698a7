// MailWorker: the portal's thread that sends what the core queued in
// mail_outbox. Every `interval` (and at once after Nudge()) it renders the
// (user, kind) rows (RenderQueuedMails: the address and text from the
// user's current row; hosts may queue nothing else) and calls
// MailOutbox::DeliverDue until nothing due is left, then reads the queue
// length for /metrics. Any number of portal instances may run one: the
// outbox claims each mail for one sender (see mail.h).
//
// It has its own database connection and transport, made by Create while
// the portal can still read its files (before privileges are dropped);
// maildir directories are created on first delivery, as the portal user.
// Delivery problems are recorded in each mail's row; database problems are
// logged (once per distinct message) and retried at the next pass.
#ifndef LATCHKEY_PORTAL_MAIL_WORKER_H_
#define LATCHKEY_PORTAL_MAIL_WORKER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "latchkey/auth/security_notifier.h"
#include "latchkey/base/clock.h"
#include "latchkey/base/random.h"
#include "latchkey/base/result.h"
#include "latchkey/config/config.h"
#include "latchkey/db/db.h"
#include "latchkey/mail/mail.h"
#include "latchkey/mail/mail_transport.h"
#include "portal/metrics.h"

namespace latchkey::portal {

class MailWorker {
 public:
  struct Options {
    std::chrono::milliseconds interval{5000};
    size_t batch = 20;  // rows claimed per DeliverDue call
    // Renders the (user, kind) rows hosts queue (RenderQueuedMails in
    // security_notifier.h) with its [portal] base_url and [totp] issuer,
    // before each delivery. Null: such rows wait unrendered. Create sets
    // it to a copy of its config.
    std::shared_ptr<const Config> texts;
  };

  // Totals since start (sent, retried, failed: this instance's passes) and
  // the queue length at the last pass (all instances).
  struct Counts {
    uint64_t sent = 0;
    uint64_t retried = 0;
    uint64_t failed = 0;
    int64_t queued = 0;
  };

  // Opens a database connection (lazily connected) from [database], the
  // transport from [mail] transport and the sender from [mail] from.
  // Errors: InvalidArgument naming the config key for a transport or
  // sender it cannot use; the password file's error.
  static Result<std::unique_ptr<MailWorker>> Create(
      const Config& config, Options options,
      const Clock& clock = SystemClock::Shared(),
      Random& random = SystemRandom::Shared());

  // Over a given connection and transport (tests).
  MailWorker(std::unique_ptr<db::Connection> db,
             std::unique_ptr<MailTransport> transport, Mailbox from,
             Options options, const Clock& clock, Random& random);
  // Stop()s.
  ~MailWorker();
  MailWorker(const MailWorker&) = delete;
  MailWorker& operator=(const MailWorker&) = delete;

  // Adds, before serving starts:
  //   latchkey_mail_sent_total     counter  mails this instance delivered
  //   latchkey_mail_retries_total  counter  failed attempts rescheduled
  //   latchkey_mail_failed_total   counter  mails given up (after 2 days)
  //   latchkey_mail_queued         gauge    undelivered mails (all
  //                                         instances, as of the last pass)
  // The gauge stays safe to read after the worker is gone.
  void RegisterMetrics(Metrics& metrics);

  // Starts the thread (once). Not thread-safe against Stop.
  void Start();
  // Wakes the thread for a pass now (e.g. after a request queued a mail).
  // Thread-safe, cheap, never blocks on delivery.
  void Nudge();
  // Wakes the thread and waits for it to finish its current pass (at most
  // one SMTP timeout). Idempotent.
  void Stop();

  // One pass on the caller's thread: DeliverDue until a call handles fewer
  // than `batch` rows, then the queue length. Only while not Start()ed
  // (tests), or from the thread itself. Errors: db errors.
  Status RunOnce();

  Counts counts() const;
  const MailTransport& transport() const { return *transport_; }

 private:
  struct Shared {
    std::atomic<int64_t> queued{0};
  };

  void Loop();

  std::unique_ptr<db::Connection> db_;
  std::unique_ptr<MailTransport> transport_;
  Mailbox from_;
  Options options_;
  const Clock& clock_;
  Random& random_;
  MailOutbox outbox_;

  std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
  std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> retried_{0};
  std::atomic<uint64_t> failed_{0};
  Counter* sent_metric_ = nullptr;
  Counter* retried_metric_ = nullptr;
  Counter* failed_metric_ = nullptr;

  std::mutex mu_;
  std::condition_variable wake_;
  bool nudged_ = false;
  bool stopping_ = false;
  std::thread thread_;
  std::string last_error_;  // the worker thread's; logged once per change
};

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_MAIL_WORKER_H_
