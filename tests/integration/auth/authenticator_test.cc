// Authenticator end to end against a real database: every AuthStatus, the
// lockout, TOTP and recovery codes, rehash of imported hashes, the audit
// trail, and a database that is down.
#include "latchkey/auth/authenticator.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "crypto/password_hash_internal.h"
#include "latchkey/auth/challenge_store.h"
#include "latchkey/base/clock.h"
#include "latchkey/base/random.h"
#include "latchkey/services/services.h"
#include "support/fakes.h"
#include "support/sandbox.h"

namespace latchkey {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

constexpr char kPassword[] = "Correct-Horse-42-Battery";
// `mkpasswd -m sha-512 'Imported-Pa55word!'`
constexpr char kImportedSha512[] =
    "$6$hSvRAEJWX5CfJmYh$VR7UrSRFPDhEQYR3ymMExqbJ9kN3wJNHcWrlZMsP8X1lTk.u6rP8"
    "slcpoyzPvSm27p2d/uT.JB5sKgB5xxWQJ.";

Config TestConfig(const DatabaseConfig& db) {
  Config c;
  c.database = db;
  c.security.secret_key_file = testing::Sandbox().secret_key_file;
  c.security.argon2_memory_kib = 1024;
  c.security.argon2_time = 1;
  return c;
}

// A 127.0.0.1 port nobody listens on (bound, then closed).
uint16_t DeadPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return 1;
  }
  close(fd);
  return ntohs(addr.sin_port);
}

class AuthenticatorTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    config_ = TestConfig(db().config());
    Rebuild();
    ctx_.service = "sshd";
    ctx_.rhost = "203.0.113.5";
    ctx_.tty = "ssh";
  }

  // (Re)builds Services from config_ (after a test changed it).
  void Rebuild() {
    services_ = Services::WithConnection(config_, db().Connect(), clock_,
                                         random_, &sink_);
  }
  Authenticator& auth() { return services_->authenticator(); }
  UserStore& users() { return services_->users(); }

  int64_t MakeUser(const std::string& name, std::string_view password,
                   void (*tweak)(NewUser&) = nullptr) {
    auto hash = services_->hasher().Hash(password);
    EXPECT_TRUE(hash.ok());
    NewUser u;
    u.username = name;
    u.email = name + "@example.org";
    u.full_name = "Test " + name;
    u.password_hash = hash.ok() ? *hash : "";
    u.email_verified = true;
    if (tweak) tweak(u);
    auto id = users().Create(u);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : 0;
  }
  User Load(int64_t id) {
    auto u = users().FindById(id);
    EXPECT_TRUE(u.ok() && u->has_value());
    return u.ok() && u->has_value() ? **u : User{};
  }
  AuthOutcome Login(std::string_view login, std::string_view password,
                    AuthOptions options = {}) {
    return auth().Authenticate(login, Secret(password), ctx_, options);
  }
  // The events of the audit rows so far, oldest first.
  std::vector<std::string> Events() {
    AuditFilter f;
    f.limit = 1000;
    auto rows = services_->audit().Query(f);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    std::vector<std::string> out;
    if (rows.ok()) {
      for (const AuditEntry& e : *rows) out.push_back(e.event);
    }
    return out;
  }
  AuditEntry LastEvent() {
    AuditFilter f;
    f.limit = 1;
    auto rows = services_->audit().Query(f);
    EXPECT_TRUE(rows.ok() && !rows->empty());
    return rows.ok() && !rows->empty() ? rows->back() : AuditEntry{};
  }
  void ExpectEvents(const std::vector<std::string>& want) {
    EXPECT_EQ(Events(), want);
  }

  FakeClock clock_;
  SystemRandom random_;
  CapturingLogSink sink_;
  Config config_;
  std::unique_ptr<Services> services_;
  AuthContext ctx_;
};

TEST_F(AuthenticatorTest, RightPassword) {
  const int64_t id = MakeUser("alice", kPassword);
  clock_.Advance(seconds(10));
  const uint64_t writes = services_->db().write_count();
  const AuthOutcome out = Login("alice", kPassword);
  // The attempt reserved before the KDF, then given back with the audit
  // row (no mail).
  EXPECT_EQ(services_->db().write_count() - writes, 3u);
  EXPECT_EQ(out.status, AuthStatus::kOk);
  EXPECT_TRUE(out.user_known);
  ASSERT_TRUE(out.user.has_value());
  EXPECT_EQ(out.user->id, id);
  EXPECT_FALSE(out.password_expired);
  // Recorded by the door that opens a session, not here.
  EXPECT_FALSE(Load(id).last_login_at.has_value());
  ExpectEvents({"login_success"});
  const AuditEntry e = LastEvent();
  EXPECT_EQ(e.user_id, id);
  EXPECT_EQ(e.username_tried, "alice");
  EXPECT_EQ(e.service, "sshd");
  EXPECT_EQ(e.rhost, "203.0.113.5");
  EXPECT_EQ(e.tty, "ssh");
  EXPECT_EQ(e.outcome, "ok");
  ASSERT_EQ(sink_.lines().size(), 1u);
  EXPECT_EQ(sink_.lines()[0].rfind(
                "latchkey[sshd]: login_success user=alice user_id=", 0),
            0u)
      << sink_.lines()[0];
  EXPECT_EQ(sink_.lines()[0].find(kPassword), std::string::npos);
}

TEST_F(AuthenticatorTest, LoginByEmailInAnyCase) {
  const int64_t id = MakeUser("alice", kPassword);
  const AuthOutcome out = Login("  Alice@Example.ORG", kPassword);
  EXPECT_EQ(out.status, AuthStatus::kOk);
  ASSERT_TRUE(out.user.has_value());
  EXPECT_EQ(out.user->id, id);
  // Usernames are exact.
  EXPECT_EQ(Login("Alice", kPassword).status, AuthStatus::kBadCredentials);
}

TEST_F(AuthenticatorTest, UsernamesOnlyNeverMatchesAnEmail) {
  MakeUser("alice", kPassword);
  AuthOptions options;
  options.usernames_only = true;
  const AuthOutcome by_email = Login("alice@example.org", kPassword, options);
  EXPECT_EQ(by_email.status, AuthStatus::kBadCredentials);
  EXPECT_FALSE(by_email.user_known);
  EXPECT_EQ(Login("alice", kPassword, options).status, AuthStatus::kOk);
}

TEST_F(AuthenticatorTest, WrongPassword) {
  const int64_t id = MakeUser("alice", kPassword);
  const AuthOutcome out = Login("alice", "not-the-password");
  EXPECT_EQ(out.status, AuthStatus::kBadCredentials);
  EXPECT_TRUE(out.user_known);
  EXPECT_FALSE(out.lock_started);
  EXPECT_EQ(Load(id).failed_logins, 1u);
  EXPECT_FALSE(Load(id).last_login_at.has_value());
  ExpectEvents({"login_failure"});
  EXPECT_EQ(LastEvent().detail, "wrong password");
  EXPECT_EQ(LastEvent().outcome, "fail");
  ASSERT_EQ(sink_.lines().size(), 1u);
  EXPECT_EQ(sink_.lines()[0].find("not-the-password"), std::string::npos);
}

TEST_F(AuthenticatorTest, UnknownUser) {
  MakeUser("alice", kPassword);
  const AuthOutcome out = Login("mallory", kPassword);
  EXPECT_EQ(out.status, AuthStatus::kBadCredentials);
  EXPECT_FALSE(out.user_known);
  EXPECT_FALSE(out.user.has_value());
  ExpectEvents({"unknown_user"});
  EXPECT_EQ(LastEvent().username_tried, "mallory");
  EXPECT_FALSE(LastEvent().user_id.has_value());
  // Unknown emails too.
  EXPECT_FALSE(Login("nobody@example.org", kPassword).user_known);
}

TEST_F(AuthenticatorTest, EmptyPasswordIsRefusedWithoutCounting) {
  const int64_t id = MakeUser("alice", kPassword);
  const AuthOutcome out = Login("alice", "");
  EXPECT_EQ(out.status, AuthStatus::kBadCredentials);
  EXPECT_EQ(Load(id).failed_logins, 0u);
  ExpectEvents({"login_failure"});
  EXPECT_EQ(LastEvent().detail, "empty password");
}

TEST_F(AuthenticatorTest, LocksAfterMaxFailuresUntilUnlocked) {
  const int64_t id = MakeUser("alice", kPassword);
  for (uint32_t i = 1; i <= config_.lockout.max_failures; ++i) {
    const AuthOutcome out = Login("alice", "wrong");
    EXPECT_EQ(out.status, AuthStatus::kBadCredentials);
    EXPECT_EQ(out.lock_started, i == config_.lockout.max_failures) << i;
    if (out.lock_started) {
      EXPECT_EQ(out.locked_until, clock_.NowUnix() + 60);
    }
  }
  // Locked: even the right password is refused, without counting.
  const AuthOutcome locked = Login("alice", kPassword);
  EXPECT_EQ(locked.status, AuthStatus::kLocked);
  EXPECT_EQ(locked.locked_until, clock_.NowUnix() + 60);
  EXPECT_EQ(Load(id).failed_logins, 0u);
  ExpectEvents({"login_failure", "login_failure", "login_failure",
                "login_failure", "login_failure", "account_locked",
                "refused_locked"});
  // The lock's end reads as ISO 8601 UTC in `audit tail`, not epoch seconds.
  AuditFilter locks;
  locks.event = AuditEvent::kAccountLocked;
  Result<std::vector<AuditEntry>> lock_rows = services_->audit().Query(locks);
  ASSERT_TRUE(lock_rows.ok() && lock_rows->size() == 1);
  EXPECT_EQ((*lock_rows)[0].detail,
            "locked until " + IsoTime(clock_.NowUnix() + 60));
  EXPECT_EQ(IsoTime(1796422200), "2026-12-04T22:10:00Z");

  ASSERT_TRUE(services_->lockout_store().Unlock(id).ok());
  EXPECT_EQ(Login("alice", kPassword).status, AuthStatus::kOk);
}

TEST_F(AuthenticatorTest, LockEndsWhenTheClockPassesIt) {
  MakeUser("alice", kPassword);
  for (int i = 0; i < 5; ++i) Login("alice", "wrong");
  clock_.Advance(seconds(59));
  EXPECT_EQ(Login("alice", kPassword).status, AuthStatus::kLocked);
  clock_.Advance(seconds(1));
  EXPECT_EQ(Login("alice", kPassword).status, AuthStatus::kOk);
  // The next lock lasts twice as long.
  AuthOutcome last;
  for (int i = 0; i < 5; ++i) last = Login("alice", "wrong");
  EXPECT_TRUE(last.lock_started);
  EXPECT_EQ(last.locked_until, clock_.NowUnix() + 120);
}

TEST_F(AuthenticatorTest, SuccessResetsTheFailureCount) {
  const int64_t id = MakeUser("alice", kPassword);
  for (int i = 0; i < 4; ++i) Login("alice", "wrong");
  EXPECT_EQ(Load(id).failed_logins, 4u);
  const uint64_t writes = services_->db().write_count();
  EXPECT_EQ(Login("alice", kPassword).status, AuthStatus::kOk);
  EXPECT_EQ(Load(id).failed_logins, 0u);
  // reservation, then reset + audit
  EXPECT_EQ(services_->db().write_count() - writes, 3u);
  ExpectEvents({"login_failure", "login_failure", "login_failure",
                "login_failure", "login_success"});
}

TEST_F(AuthenticatorTest, InactiveIsRevealedOnlyAfterTheRightPassword) {
  MakeUser("ina", kPassword, [](NewUser& u) { u.is_active = false; });
  EXPECT_EQ(Login("ina", "wrong").status, AuthStatus::kBadCredentials);
  EXPECT_EQ(Login("ina", kPassword).status, AuthStatus::kInactive);
  EXPECT_EQ(Events().back(), "login_denied");
  EXPECT_EQ(LastEvent().detail, "account is inactive");
}

TEST_F(AuthenticatorTest, UnverifiedEmailWhenRequired) {
  MakeUser("unv", kPassword, [](NewUser& u) { u.email_verified = false; });
  AuthOptions strict;
  strict.require_verified_email = true;
  EXPECT_EQ(Login("unv", "wrong", strict).status, AuthStatus::kBadCredentials);
  EXPECT_EQ(Login("unv", kPassword, strict).status, AuthStatus::kUnverified);
  EXPECT_EQ(Events().back(), "login_denied");
  EXPECT_EQ(Login("unv", kPassword).status, AuthStatus::kOk);
}

TEST_F(AuthenticatorTest, ExpiredAccountAndExpiredPassword) {
  const int64_t now = clock_.NowUnix();
  MakeUser("old", kPassword, [](NewUser& u) {
    u.account_expires_at = FakeClock().NowUnix() - 1;
  });
  EXPECT_EQ(Login("old", kPassword).status, AuthStatus::kExpired);
  EXPECT_EQ(LastEvent().detail, "account has expired");
  EXPECT_EQ(Login("old", "wrong").status, AuthStatus::kBadCredentials);

  MakeUser("stale", kPassword,
           [](NewUser& u) { u.password_expires_at = FakeClock().NowUnix(); });
  const AuthOutcome out = Login("stale", kPassword);
  EXPECT_EQ(out.status, AuthStatus::kOk);
  EXPECT_TRUE(out.password_expired);
  ASSERT_EQ(now, FakeClock().NowUnix());
}

TEST_F(AuthenticatorTest, AddressThrottle) {
  config_.lockout.ip_max_failures = 3;
  Rebuild();
  MakeUser("alice", kPassword);
  MakeUser("bob", kPassword);
  Login("alice", "wrong");
  Login("bob", "wrong");
  Login("nobody", "wrong");  // unknown users count for the address too
  const AuthOutcome out = Login("alice", kPassword);
  EXPECT_EQ(out.status, AuthStatus::kThrottled);
  EXPECT_EQ(Events().back(), "address_throttled");
  // Another address is not affected, and a success there resets nothing.
  ctx_.rhost = "198.51.100.7";
  EXPECT_EQ(Login("alice", kPassword).status, AuthStatus::kOk);
  ctx_.rhost = "203.0.113.5";
  EXPECT_EQ(Login("bob", kPassword).status, AuthStatus::kThrottled);
  // Local logins (no rhost) are never throttled by address.
  ctx_.rhost = "";
  EXPECT_EQ(Login("bob", kPassword).status, AuthStatus::kOk);
  // The window passes.
  clock_.Advance(config_.lockout.ip_window);
  ctx_.rhost = "203.0.113.5";
  EXPECT_EQ(Login("bob", kPassword).status, AuthStatus::kOk);
}

TEST_F(AuthenticatorTest, ImportedSha512HashIsRehashedToArgon2id) {
  const int64_t id = MakeUser(
      "imp", "unused", [](NewUser& u) { u.password_hash = kImportedSha512; });
  EXPECT_EQ(Login("imp", "Imported-Pa55word?").status,
            AuthStatus::kBadCredentials);
  EXPECT_EQ(Load(id).password_hash, kImportedSha512);
  EXPECT_EQ(Login("imp", "Imported-Pa55word!").status, AuthStatus::kOk);
  const std::string rehashed = Load(id).password_hash;
  EXPECT_EQ(rehashed.rfind("$argon2id$v=19$m=1024,t=1,p=1$", 0), 0u)
      << rehashed;
  EXPECT_FALSE(services_->hasher().NeedsRehash(rehashed));
  const std::vector<std::string> events = Events();
  EXPECT_NE(std::find(events.begin(), events.end(), "rehash"), events.end());
  // The new hash works, and is not replaced again.
  EXPECT_EQ(Login("imp", "Imported-Pa55word!").status, AuthStatus::kOk);
  EXPECT_EQ(Load(id).password_hash, rehashed);
  EXPECT_EQ(Login("imp", "Imported-Pa55word?").status,
            AuthStatus::kBadCredentials);
}

TEST_F(AuthenticatorTest, OutdatedArgon2ParametersAreRehashed) {
  const int64_t id = MakeUser("alice", kPassword);
  config_.security.argon2_time = 2;
  Rebuild();
  EXPECT_EQ(Login("alice", kPassword).status, AuthStatus::kOk);
  EXPECT_NE(Load(id).password_hash.find("t=2"), std::string::npos);
}

TEST_F(AuthenticatorTest, UnusableStoredHashRefusesEveryPassword) {
  const int64_t id =
      MakeUser("lockd", "x", [](NewUser& u) { u.password_hash = "!"; });
  EXPECT_EQ(Login("lockd", "!").status, AuthStatus::kBadCredentials);
  EXPECT_EQ(Login("lockd", "").status, AuthStatus::kBadCredentials);
  EXPECT_EQ(Load(id).failed_logins, 1u);
}

// A stored hash above its cost cap (here 8x the configured Argon2 memory)
// is refused after the time of a dummy KDF, and the audit says why.
TEST_F(AuthenticatorTest, StoredHashAboveItsCostCapNeedsReset) {
  const int64_t id = MakeUser("costly", kPassword);
  config_.security.argon2_memory_kib = 128;
  Rebuild();
  EXPECT_EQ(Login("costly", kPassword).status, AuthStatus::kBadCredentials);
  EXPECT_EQ(Load(id).failed_logins, 1u);
  const AuditEntry last = LastEvent();
  EXPECT_EQ(last.event, "login_failure");
  EXPECT_NE(last.detail.find("needs reset"), std::string::npos) << last.detail;
}

// A password typed in another Unicode form logs in (NFC before hashing),
// and a hash stored from the raw bytes of a non-NFC password before that
// change still verifies and is replaced by the NFC one.
TEST_F(AuthenticatorTest, PasswordsAreComparedInNfc) {
  const std::string composed = "caf\xC3\xA9-Pa55-word";     // U+00E9
  const std::string decomposed = "cafe\xCC\x81-Pa55-word";  // e + U+0301
  MakeUser("nfc", composed);
  EXPECT_EQ(Login("nfc", decomposed).status, AuthStatus::kOk);
  EXPECT_EQ(Login("nfc", composed).status, AuthStatus::kOk);

  // An old hash of the decomposed bytes, made before normalisation (the
  // current parameters, so only the NFC change can cause a rehash).
  const HashParams& hp = services_->hasher().params();
  const std::string salt = "oldsaltoldsalt16";
  auto key = hash_internal::Argon2idRaw(decomposed, salt, hp.argon2_memory_kib,
                                        hp.argon2_time, hp.argon2_parallelism,
                                        hash_internal::kArgon2Version, 32);
  ASSERT_TRUE(key.ok());
  const std::string old =
      hash_internal::FormatArgon2id(hp.argon2_memory_kib, hp.argon2_time,
                                    hp.argon2_parallelism, salt, key->view());
  const int64_t id = MakeUser("oldnfc", "x", [](NewUser&) {});
  ASSERT_TRUE(
      users().ReplaceHashIfUnchanged(id, Load(id).password_hash, old).ok());
  ASSERT_EQ(Load(id).password_hash, old);
  EXPECT_EQ(Login("oldnfc", decomposed).status, AuthStatus::kOk);
  const std::string fresh = Load(id).password_hash;
  EXPECT_NE(fresh, old);  // rehashed from the NFC form
  EXPECT_EQ(Login("oldnfc", composed).status, AuthStatus::kOk);
  EXPECT_EQ(Login("oldnfc", decomposed).status, AuthStatus::kOk);
}

class TotpFlowTest : public AuthenticatorTest {
 protected:
  void SetUp() override {
    AuthenticatorTest::SetUp();
    if (HasFatalFailure()) return;
    id_ = MakeUser("tina", kPassword);
    auto key = services_->totp().GenerateKey(random_);
    ASSERT_TRUE(key.ok());
    key_ = std::move(*key);
    ASSERT_TRUE(services_->totp_step().Enable(id_, key_).ok());
  }
  std::string Code() {
    auto c = services_->totp().CodeAt(key_, clock_.NowUnix());
    EXPECT_TRUE(c.ok());
    return c.ok() ? *c : "";
  }
  // Password step; returns the challenge.
  SecondFactorChallenge PasswordStep() {
    const AuthOutcome out = Login("tina", kPassword);
    EXPECT_EQ(out.status, AuthStatus::kSecondFactorNeeded);
    EXPECT_TRUE(out.challenge.has_value());
    return out.challenge.value_or(SecondFactorChallenge{});
  }
  int64_t id_ = 0;
  Secret key_;
};

TEST_F(TotpFlowTest, CodeAcceptedOnceThenReplayRefused) {
  const SecondFactorChallenge ch = PasswordStep();
  EXPECT_EQ(ch.user_id, id_);
  EXPECT_EQ(ch.username, "tina");
  const std::string code = Code();
  AuthOutcome out = auth().CompleteSecondFactor(ch, code, ctx_);
  EXPECT_EQ(out.status, AuthStatus::kOk);
  EXPECT_EQ(Load(id_).failed_logins, 0u);

  const SecondFactorChallenge again = PasswordStep();
  out = auth().CompleteSecondFactor(again, code, ctx_);
  EXPECT_EQ(out.status, AuthStatus::kBadCredentials);
  EXPECT_TRUE(out.code_replayed);
  EXPECT_EQ(Load(id_).failed_logins, 0u);  // a replay is not a guess
  ExpectEvents({"totp_ok", "login_success", "totp_replayed"});

  // Spaces inside the code are fine; the next step's code works.
  clock_.Advance(seconds(30));
  std::string spaced = Code();
  spaced.insert(3, " ");
  EXPECT_EQ(auth().CompleteSecondFactor(PasswordStep(), spaced, ctx_).status,
            AuthStatus::kOk);
}

TEST_F(TotpFlowTest, WrongCodesCountAsFailuresAndLock) {
  const SecondFactorChallenge ch = PasswordStep();
  const std::string right = Code();
  const std::string wrong = right == "123456" ? "654321" : "123456";
  AuthOutcome out;
  for (int i = 1; i <= 5; ++i) {
    out = auth().CompleteSecondFactor(ch, wrong, ctx_);
    EXPECT_EQ(out.status, AuthStatus::kBadCredentials);
    if (i < 5) {
      EXPECT_EQ(Load(id_).failed_logins, static_cast<uint32_t>(i));
    }
  }
  EXPECT_TRUE(out.lock_started);
  EXPECT_EQ(auth().CompleteSecondFactor(ch, right, ctx_).status,
            AuthStatus::kLocked);
  EXPECT_EQ(Login("tina", kPassword).status, AuthStatus::kLocked);
  const std::vector<std::string> events = Events();
  EXPECT_EQ(std::count(events.begin(), events.end(), "totp_wrong"), 5);
  EXPECT_EQ(std::count(events.begin(), events.end(), "account_locked"), 1);
}

TEST_F(TotpFlowTest, PasswordStepDoesNotResetTheFailureCount) {
  Login("tina", "wrong");
  Login("tina", "wrong");
  PasswordStep();
  EXPECT_EQ(Load(id_).failed_logins, 2u);
  EXPECT_EQ(auth().CompleteSecondFactor(PasswordStep(), Code(), ctx_).status,
            AuthStatus::kOk);
  EXPECT_EQ(Load(id_).failed_logins, 0u);
}

TEST_F(TotpFlowTest, RecoveryCodeWorksOnce) {
  auto codes = services_->totp_step().ReplaceRecoveryCodes(id_);
  ASSERT_TRUE(codes.ok());
  const std::string code((*codes)[0].view());
  AuthOutcome out = auth().CompleteSecondFactor(PasswordStep(), code, ctx_);
  EXPECT_EQ(out.status, AuthStatus::kOk);
  EXPECT_TRUE(out.recovery_code_used);
  EXPECT_EQ(*services_->totp_step().RemainingRecoveryCodes(id_), 9);
  out = auth().CompleteSecondFactor(PasswordStep(), code, ctx_);
  EXPECT_EQ(out.status, AuthStatus::kBadCredentials);
  EXPECT_FALSE(out.recovery_code_used);
  EXPECT_EQ(Load(id_).failed_logins, 1u);
  ExpectEvents({"recovery_code_used", "login_success", "totp_wrong"});
}

TEST_F(TotpFlowTest, ModesOffAndRequired) {
  AuthOptions off;
  off.totp = TotpMode::kOff;
  EXPECT_EQ(Login("tina", kPassword, off).status, AuthStatus::kOk);
  MakeUser("plain", kPassword);
  AuthOptions required;
  required.totp = TotpMode::kRequired;
  const AuthOutcome out = Login("plain", kPassword, required);
  ASSERT_EQ(out.status, AuthStatus::kSecondFactorNeeded);
  // Without TOTP no code can pass.
  EXPECT_EQ(auth().CompleteSecondFactor(*out.challenge, Code(), ctx_).status,
            AuthStatus::kBadCredentials);
  EXPECT_EQ(Login("plain", kPassword).status, AuthStatus::kOk);
}

TEST_F(TotpFlowTest, ChallengeExpires) {
  const SecondFactorChallenge ch = PasswordStep();
  clock_.Advance(kChallengeTtl + seconds(1));
  EXPECT_EQ(auth().CompleteSecondFactor(ch, Code(), ctx_).status,
            AuthStatus::kBadCredentials);
}

// The portal keeps challenges in ChallengeStore: bound to a browser, used
// up once, and gone after kChallengeTtl.
TEST_F(TotpFlowTest, ChallengeStoreIsSingleUseBoundAndExpires) {
  ChallengeStore store(services_->db(), clock_, random_);
  const std::string mine(43, 'a');
  const std::string theirs(43, 'b');
  const SecondFactorChallenge ch = PasswordStep();
  Result<Secret> id = store.Issue(ch, mine);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(id->size(), 43u);
  EXPECT_FALSE(store.Issue(ch, "").ok());
  // Another browser gets nothing, and does not use it up.
  auto taken = store.Take(id->view(), theirs);
  ASSERT_TRUE(taken.ok()) << taken.status().ToString();
  EXPECT_FALSE(taken->has_value());
  taken = store.Take(id->view(), mine);
  ASSERT_TRUE(taken.ok() && taken->has_value());
  EXPECT_EQ((*taken)->user_id, ch.user_id);
  EXPECT_EQ((*taken)->username, ch.username);
  EXPECT_EQ((*taken)->issued_at, ch.issued_at);
  // password_ok travels with it, on the server only.
  EXPECT_EQ((*taken)->password_ok, ch.password_ok);
  EXPECT_TRUE((*taken)->password_ok);
  EXPECT_EQ(auth().CompleteSecondFactor(**taken, Code(), ctx_).status,
            AuthStatus::kOk);
  // Used up.
  taken = store.Take(id->view(), mine);
  ASSERT_TRUE(taken.ok());
  EXPECT_FALSE(taken->has_value());
  EXPECT_FALSE(store.Take("garbage", mine)->has_value());
  // Expired: nothing, and purged.
  Result<Secret> late = store.Issue(PasswordStep(), mine);
  ASSERT_TRUE(late.ok());
  clock_.Advance(kChallengeTtl + seconds(1));
  EXPECT_EQ(*store.PurgeExpired(), 1u);
  EXPECT_FALSE(store.Take(late->view(), mine)->has_value());
  Result<Secret> stale = store.Issue(ch, mine);  // issued long ago
  ASSERT_TRUE(stale.ok());
  EXPECT_FALSE(store.Take(stale->view(), mine)->has_value());
}

TEST(AuthenticatorDownTest, DatabaseDownIsUnavailable) {
  const testing::SandboxInfo& sandbox = testing::Sandbox();
  DatabaseConfig dead = testing::SandboxTcpConfig(sandbox, "latchkey");
  dead.socket.clear();
  dead.hosts = {HostPort{"127.0.0.1", DeadPort()}};
  dead.connect_timeout = std::chrono::milliseconds(1000);
  Config config = TestConfig(dead);
  FakeClock clock;
  CapturingLogSink sink;
  auto services = Services::Open(config, clock, SystemRandom::Shared(), &sink);
  ASSERT_TRUE(services.ok()) << services.status().ToString();
  AuthContext ctx;
  ctx.service = "sshd";
  ctx.rhost = "203.0.113.9";
  const auto start = std::chrono::steady_clock::now();
  const AuthOutcome out = (*services)->authenticator().Authenticate(
      "alice", Secret(std::string_view(kPassword)), ctx, {});
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(out.status, AuthStatus::kUnavailable);
  EXPECT_FALSE(out.user.has_value());
  EXPECT_LT(took, std::chrono::seconds(5));
  ASSERT_EQ(sink.lines().size(), 1u);
  EXPECT_NE(sink.lines()[0].find("login_failure user=alice"),
            std::string::npos);
  EXPECT_NE(sink.lines()[0].find("unavailable"), std::string::npos);
  // The account phase says the same.
  EXPECT_EQ((*services)->accounts().CheckAccount("alice", {}).status,
            AccountStatus::kUnavailable);
}

}  // namespace
}  // namespace latchkey
