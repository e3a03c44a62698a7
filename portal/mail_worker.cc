#include "portal/mail_worker.h"

#include "portal/log.h"

namespace latchkey::portal {

Result<std::unique_ptr<MailWorker>> MailWorker::Create(const Config& config,
                                                       Options options,
                                                       const Clock& clock,
                                                       Random& random) {
  Result<Mailbox> from = ParseMailbox(config.mail.from);
  if (!from.ok()) {
    return InvalidArgument(config.path +
                           ": [mail] from: " + from.status().message());
  }
  Result<std::unique_ptr<MailTransport>> transport =
      MakeMailTransport(config.mail.transport, {},
                        SmtpTls{config.mail.tls_verify, config.mail.tls_ca});
  if (!transport.ok()) {
    return InvalidArgument(
        config.path + ": [mail] transport: " + transport.status().message());
  }
  LK_ASSIGN_OR_RETURN(std::unique_ptr<db::Connection> db,
                      db::OpenFromConfig(config.database));
  if (options.texts == nullptr) {
    options.texts = std::make_shared<const Config>(config);
  }
  return std::make_unique<MailWorker>(std::move(db), std::move(*transport),
                                      std::move(*from), options, clock, random);
}

MailWorker::MailWorker(std::unique_ptr<db::Connection> db,
                       std::unique_ptr<MailTransport> transport, Mailbox from,
                       Options options, const Clock& clock, Random& random)
    : db_(std::move(db)),
      transport_(std::move(transport)),
      from_(std::move(from)),
      options_(options),
      clock_(clock),
      random_(random),
      outbox_(*db_, clock_) {
  if (options_.batch == 0) options_.batch = 1;
}

MailWorker::~MailWorker() { Stop(); }

void MailWorker::RegisterMetrics(Metrics& metrics) {
  sent_metric_ = metrics.AddCounter("latchkey_mail_sent_total",
                                    "Mails delivered by this instance.", "");
  retried_metric_ =
      metrics.AddCounter("latchkey_mail_retries_total",
                         "Failed delivery attempts that were rescheduled.", "");
  failed_metric_ = metrics.AddCounter(
      "latchkey_mail_failed_total",
      "Mails given up after two days of failed attempts.", "");
  std::shared_ptr<Shared> shared = shared_;
  metrics.AddGauge(
      "latchkey_mail_queued", "Mails waiting in the outbox (all instances).",
      [shared] { return static_cast<double>(shared->queued.load()); });
}

void MailWorker::Start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { Loop(); });
}

void MailWorker::Nudge() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    nudged_ = true;
  }
  wake_.notify_one();
}

void MailWorker::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

Status MailWorker::RunOnce() {
  if (options_.texts != nullptr) {
    LK_RETURN_IF_ERROR(
        RenderQueuedMails(*db_, clock_, *options_.texts).status());
  }
  while (true) {
    LK_ASSIGN_OR_RETURN(
        DeliveryReport report,
        outbox_.DeliverDue(*transport_, from_, random_, options_.batch));
    sent_ += report.sent;
    retried_ += report.retried;
    failed_ += report.failed;
    if (sent_metric_ != nullptr) {
      sent_metric_->Add(report.sent);
      retried_metric_->Add(report.retried);
      failed_metric_->Add(report.failed);
    }
    if (report.sent + report.retried + report.failed < options_.batch) break;
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) break;
  }
  LK_ASSIGN_OR_RETURN(OutboxStats stats, outbox_.Stats());
  shared_->queued = stats.queued;
  return Status::Ok();
}

void MailWorker::Loop() {
  LogLine("mail worker: delivering through " + transport_->Describe());
  while (true) {
    const Status pass = RunOnce();
    if (!pass.ok() && pass.message() != last_error_) {
      LogLine("mail worker: " + pass.ToString());
    } else if (pass.ok() && !last_error_.empty()) {
      LogLine("mail worker: delivering again");
    }
    last_error_ = pass.ok() ? "" : pass.message();
    std::unique_lock<std::mutex> lock(mu_);
    wake_.wait_for(lock, options_.interval,
                   [this] { return stopping_ || nudged_; });
    if (stopping_) break;
    nudged_ = false;
  }
}

MailWorker::Counts MailWorker::counts() const {
  Counts c;
  c.sent = sent_.load();
  c.retried = retried_.load();
  c.failed = failed_.load();
  c.queued = shared_->queued.load();
  return c;
}

}  // namespace latchkey::portal
