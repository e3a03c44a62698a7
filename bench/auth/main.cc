// bench_auth: measures Authenticator::Authenticate against the KDF alone,
// on a real database, with the configured (default) Argon2 parameters.
//
//   bench_auth --config PATH [--runs N] [--warmup N]
//
// PATH is a latchkey.conf whose database user may create lk_test_*
// databases (the sandbox's: $LATCHKEY_SANDBOX/latchkey.conf). The bench
// creates lk_test_bench_<pid>, migrates it, creates one user, and drops the
// database at the end. The four cases run round-robin so machine noise hits
// all of them alike; each attempt comes from its own remote address so the
// address limit never trips, the account's failure counter is reset
// after each wrong password (outside the timing) so it never locks, and
// each unknown-user attempt tries a new name (names lock too).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/base/clock.h"
#include "latchkey/base/random.h"
#include "latchkey/config/config.h"
#include "latchkey/db/db.h"
#include "latchkey/db/migrations.h"
#include "latchkey/services/services.h"
#include "latchkey/store/audit.h"

namespace latchkey {
namespace {

constexpr char kPassword[] = "Bench-Password-For-Latchkey-1";

// Audit lines go nowhere: a bench should not fill the system's auth log.
class NullSink final : public LogSink {
 public:
  void Write(LogLevel, std::string_view) override {}
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  if (n == 0) return 0;
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double TimeMs(const std::function<void()>& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  const auto end = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::milli>(end - start).count();
}

int Fail(const std::string& what, const Status& s) {
  std::fprintf(stderr, "bench_auth: %s: %s\n", what.c_str(),
               s.ToString().c_str());
  return 1;
}

int Run(const std::string& config_path, int runs, int warmup) {
  Result<Config> loaded = LoadConfig(config_path);
  if (!loaded.ok()) return Fail("config", loaded.status());
  Config config = std::move(*loaded);

  const std::string db_name = "lk_test_bench_" + std::to_string(getpid());
  Result<std::unique_ptr<db::Connection>> admin =
      db::OpenFromConfig(config.database);
  if (!admin.ok()) return Fail("connect", admin.status());
  // The name is made of digits we chose, and identifiers cannot be bound.
  Status s = (*admin)->ExecuteScript("CREATE DATABASE `" + db_name + "`");
  if (!s.ok()) return Fail("create database " + db_name, s);

  int rc = 0;
  {
    config.database.name = db_name;
    Result<std::unique_ptr<db::Connection>> conn =
        db::OpenFromConfig(config.database);
    if (!conn.ok()) return Fail("connect", conn.status());
    Result<int> migrated =
        ApplyPendingMigrations(**conn, SystemClock::Shared());
    if (!migrated.ok()) {
      rc = Fail("migrate", migrated.status());
    } else {
      NullSink sink;
      std::unique_ptr<Services> services = Services::WithConnection(
          config, std::move(*conn), SystemClock::Shared(),
          SystemRandom::Shared(), &sink);
      const HashParams& p = services->hasher().params();
      std::printf(
          "KDF: argon2id m=%u KiB t=%u p=%u; %d runs after %d "
          "warm-up rounds\n",
          p.argon2_memory_kib, p.argon2_time, p.argon2_parallelism, runs,
          warmup);

      Result<std::string> hash = services->hasher().Hash(kPassword);
      if (!hash.ok()) return Fail("hash", hash.status());
      NewUser user;
      user.username = "bench";
      user.email = "bench@example.org";
      user.password_hash = *hash;
      user.email_verified = true;
      Result<int64_t> id = services->users().Create(user);
      if (!id.ok()) return Fail("create user", id.status());

      const Secret right{std::string_view(kPassword)};
      const Secret wrong{std::string_view("Bench-Password-For-Latchkey-2")};
      Authenticator& auth = services->authenticator();
      AuthContext ctx;
      ctx.service = "bench";
      int attempt = 0;
      auto next_rhost = [&] {
        ++attempt;
        ctx.rhost = "10." + std::to_string((attempt >> 16) & 255) + "." +
                    std::to_string((attempt >> 8) & 255) + "." +
                    std::to_string(attempt & 255);
      };
      std::vector<double> kdf, ok, bad, unknown;
      bool failed = false;
      for (int round = 0; round < warmup + runs && !failed; ++round) {
        const bool keep = round >= warmup;
        const double t_kdf = TimeMs([&] {
          Result<bool> v = services->hasher().Verify(right.view(), *hash);
          failed = failed || !v.ok() || !*v;
        });
        next_rhost();
        const double t_ok = TimeMs([&] {
          failed = failed || auth.Authenticate("bench", right, ctx).status !=
                                 AuthStatus::kOk;
        });
        next_rhost();
        const double t_bad = TimeMs([&] {
          failed = failed || auth.Authenticate("bench", wrong, ctx).status !=
                                 AuthStatus::kBadCredentials;
        });
        failed = failed || !services->lockout_store().Unlock(*id).ok();
        next_rhost();
        const double t_unknown = TimeMs([&] {
          // A fresh name each round: a name without an account locks
          // after max_failures like an account does.
          AuthOutcome out =
              auth.Authenticate("nobody" + std::to_string(round), right, ctx);
          failed = failed || out.status != AuthStatus::kBadCredentials ||
                   out.user_known;
        });
        if (keep) {
          kdf.push_back(t_kdf);
          ok.push_back(t_ok);
          bad.push_back(t_bad);
          unknown.push_back(t_unknown);
        }
      }
      AuditFilter rehashes;
      rehashes.event = AuditEvent::kRehash;
      Result<std::vector<AuditEntry>> rehashed =
          services->audit().Query(rehashes);
      if (rehashed.ok() && !rehashed->empty()) {
        std::printf("note: %zu rehash(es) during the run\n", rehashed->size());
      }
      if (failed) {
        std::fprintf(stderr, "bench_auth: an attempt gave the wrong answer\n");
        rc = 1;
      } else {
        const double m_kdf = Median(kdf), m_ok = Median(ok),
                     m_bad = Median(bad), m_unknown = Median(unknown);
        std::printf("median KDF alone (Verify)          %8.2f ms\n", m_kdf);
        std::printf("median Authenticate right password %8.2f ms\n", m_ok);
        std::printf("median Authenticate wrong password %8.2f ms\n", m_bad);
        std::printf("median Authenticate unknown user   %8.2f ms\n", m_unknown);
        std::printf("right / KDF     = %.3f (target <= 1.10)\n", m_ok / m_kdf);
        std::printf("unknown / wrong = %.3f (target 0.95 .. 1.05)\n",
                    m_unknown / m_bad);
      }
    }
  }
  s = (*admin)->ExecuteScript("DROP DATABASE `" + db_name + "`");
  if (!s.ok()) rc = Fail("drop database " + db_name, s);
  return rc;
}

}  // namespace
}  // namespace latchkey

int main(int argc, char** argv) {
  std::string config;
  int runs = 30;
  int warmup = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--config" && i + 1 < argc) {
      config = argv[++i];
    } else if (arg == "--runs" && i + 1 < argc) {
      runs = std::atoi(argv[++i]);
    } else if (arg == "--warmup" && i + 1 < argc) {
      warmup = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr,
                   "usage: bench_auth --config PATH [--runs N] [--warmup N]\n");
      return 2;
    }
  }
  if (config.empty() || runs < 1 || warmup < 0) {
    std::fprintf(stderr,
                 "usage: bench_auth --config PATH [--runs N] [--warmup N]\n");
    return 2;
  }
  return latchkey::Run(config, runs, warmup);
}
