#include "latchkey/services/services.h"

#include <sys/stat.h>

#include <cerrno>

namespace latchkey {

Result<std::unique_ptr<Services>> Services::Open(const Config& config,
                                                 const Clock& clock,
                                                 Random& random,
                                                 LogSink* sink) {
  LK_ASSIGN_OR_RETURN(std::unique_ptr<db::Connection> connection,
                      db::OpenFromConfig(config.database));
  return WithConnection(config, std::move(connection), clock, random, sink);
}

std::unique_ptr<Services> Services::WithConnection(
    const Config& config, std::unique_ptr<db::Connection> connection,
    const Clock& clock, Random& random, LogSink* sink) {
  return std::unique_ptr<Services>(
      new Services(config, std::move(connection), clock, random, sink));
}

Services::Services(const Config& config,
                   std::unique_ptr<db::Connection> connection,
                   const Clock& clock, Random& random, LogSink* sink)
    : config_(config),
      db_(std::move(connection)),
      clock_(clock),
      random_(random),
      sink_(sink) {
  if (sink_ == nullptr) {
    own_sink_ = std::make_unique<SyslogSink>();
    sink_ = own_sink_.get();
  }
  const std::string& key_path = config_.security.secret_key_file;
  struct stat st;
  if (::stat(key_path.c_str(), &st) != 0 && errno == ENOENT) {
    box_error_ = FailedPrecondition("the secret key file " + key_path +
                                    " is missing: run latchkeyctl gen-key");
  } else {
    Result<Secret> key = ReadSecretKey(key_path);
    if (key.ok()) {
      box_ = std::make_unique<SecretBox>(std::move(*key), random_);
    } else {
      box_error_ = key.status();
    }
  }
  hasher_ = std::make_unique<PasswordHasher>(
      HashParams::FromConfig(config_.security), random_);
  policy_ = std::make_unique<PasswordPolicy>(config_.security);
  totp_ = std::make_unique<Totp>(config_.totp);
  users_ = std::make_unique<UserStore>(*db_, clock_);
  lockout_store_ =
      std::make_unique<LockoutStore>(*db_, clock_, config_.lockout);
  tokens_ = std::make_unique<TokenStore>(*db_, clock_, random_);
  audit_ = std::make_unique<AuditLog>(*db_, clock_, *sink_);
  totp_step_ = std::make_unique<TotpStep>(
      *db_, clock_, random_, *totp_, box_.get(),
      box_error_.ok() ? std::string() : box_error_.message());
  notifier_ = std::make_unique<SecurityNotifier>(*db_, clock_, config_, *sink_);
  password_step_ =
      std::make_unique<PasswordStep>(*db_, clock_, *hasher_, *lockout_store_,
                                     *audit_, notifier_.get(), box_.get());
  authenticator_ = std::make_unique<Authenticator>(
      *db_, clock_, *hasher_, *users_, *lockout_store_, *password_step_,
      *totp_step_, *audit_, notifier_.get());
  accounts_ = std::make_unique<AccountService>(
      *db_, clock_, *hasher_, *policy_, *users_, *lockout_store_,
      *password_step_, *tokens_, *audit_);
}

Services::~Services() = default;

Result<const SecretBox*> Services::secret_box() const {
  if (box_) return static_cast<const SecretBox*>(box_.get());
  return box_error_;
}

}  // namespace latchkey
