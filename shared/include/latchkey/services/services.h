// Services: everything the core offers, opened once from a Config. Doors
// and the CLI build one Services per thread (or per PAM handle); nothing in
// it is shared between threads except the Clock, Random and LogSink, which
// must be thread-safe.
#ifndef LATCHKEY_SERVICES_SERVICES_H_
#define LATCHKEY_SERVICES_SERVICES_H_

#include <memory>
#include <optional>
#include <string>

#include "latchkey/auth/account_service.h"
#include "latchkey/auth/authenticator.h"
#include "latchkey/auth/lockout_store.h"
#include "latchkey/auth/password_policy.h"
#include "latchkey/auth/password_step.h"
#include "latchkey/auth/security_notifier.h"
#include "latchkey/auth/totp_step.h"
#include "latchkey/base/clock.h"
#include "latchkey/base/random.h"
#include "latchkey/base/result.h"
#include "latchkey/config/config.h"
#include "latchkey/crypto/password_hash.h"
#include "latchkey/crypto/secret_box.h"
#include "latchkey/crypto/totp.h"
#include "latchkey/db/db.h"
#include "latchkey/store/audit.h"
#include "latchkey/store/token_store.h"
#include "latchkey/store/user_store.h"

namespace latchkey {

class Services {
 public:
  // Opens from `config`: the database connection (lazy: it connects on the
  // first statement, so Open succeeds while the database is down), the
  // secret key (if security.secret_key_file exists; otherwise TOTP and
  // challenge operations fail with FailedPrecondition "the secret key file
  // <path> is missing: run latchkeyctl gen-key", and an unreadable or
  // malformed key file gives that file's error there instead), hasher,
  // policy, TOTP, the stores, an AuditLog writing to syslog (or to `sink`
  // when given; it must outlive the Services), the SecurityNotifier (the
  // mails of authentication events), the Authenticator and the
  // AccountService. Errors: those of db::OpenFromConfig (password file).
  static Result<std::unique_ptr<Services>> Open(
      const Config& config, const Clock& clock = SystemClock::Shared(),
      Random& random = SystemRandom::Shared(), LogSink* sink = nullptr);

  // The same over an existing connection (tests, or a caller's pool).
  static std::unique_ptr<Services> WithConnection(
      const Config& config, std::unique_ptr<db::Connection> connection,
      const Clock& clock, Random& random, LogSink* sink = nullptr);

  ~Services();
  Services(const Services&) = delete;
  Services& operator=(const Services&) = delete;

  const Config& config() const { return config_; }
  db::Connection& db() { return *db_; }
  const Clock& clock() const { return clock_; }
  Random& random() { return random_; }
  const PasswordHasher& hasher() const { return *hasher_; }
  // Bounds this Services' hashing by `slots` (see KdfSlots); call before
  // the Services is shared.
  void LimitKdf(KdfSlots* slots) { hasher_->LimitTo(slots); }
  const PasswordPolicy& policy() const { return *policy_; }
  const Totp& totp() const { return *totp_; }
  // The SecretBox, or the FailedPrecondition/file error described above.
  Result<const SecretBox*> secret_box() const;
  UserStore& users() { return *users_; }
  LockoutStore& lockout_store() { return *lockout_store_; }
  TokenStore& tokens() { return *tokens_; }
  AuditLog& audit() { return *audit_; }
  TotpStep& totp_step() { return *totp_step_; }
  SecurityNotifier& security_notifier() { return *notifier_; }
  Authenticator& authenticator() { return *authenticator_; }
  AccountService& accounts() { return *accounts_; }
  // The one password check (login, password change, re-authentication).
  PasswordStep& password_step() { return *password_step_; }

 private:
  Services(const Config& config, std::unique_ptr<db::Connection> connection,
           const Clock& clock, Random& random, LogSink* sink);

  Config config_;
  std::unique_ptr<db::Connection> db_;
  const Clock& clock_;
  Random& random_;
  std::unique_ptr<LogSink> own_sink_;
  LogSink* sink_;
  std::unique_ptr<SecretBox> box_;
  Status box_error_;
  std::unique_ptr<PasswordHasher> hasher_;
  std::unique_ptr<PasswordPolicy> policy_;
  std::unique_ptr<Totp> totp_;
  std::unique_ptr<UserStore> users_;
  std::unique_ptr<LockoutStore> lockout_store_;
  std::unique_ptr<TokenStore> tokens_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<TotpStep> totp_step_;
  std::unique_ptr<SecurityNotifier> notifier_;
  std::unique_ptr<PasswordStep> password_step_;
  std::unique_ptr<Authenticator> authenticator_;
  std::unique_ptr<AccountService> accounts_;
};

}  // namespace latchkey

#endif  // LATCHKEY_SERVICES_SERVICES_H_
