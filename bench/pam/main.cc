// bench_pam: what one PAM login costs, in process, through libpam.
//
//   bench_pam --config PATH [--runs N] [--module PATH]
//
// PATH is a latchkey config for a reachable MariaDB (e.g. a sandbox's:
//   bash scripts/lib/mariadb-sandbox.sh start /tmp/sb &&
//   build/bench/pam/bench_pam --config /tmp/sb/latchkey.conf
// ). Run as root: it creates a temporary local user (useradd/chpasswd,
// removed with userdel -r at the end) for pam_unix. It creates a database
// lk_test_pam_bench_<pid> next to the configured one (dropped at the end),
// migrates it, and writes service files to a temp dir read with
// pam_start_confdir, so the machine's /etc/pam.d is never used.
//
// Each sample is one whole transaction, as sshd or sudo runs it:
// pam_start_confdir + pam_authenticate + pam_end (for latchkey that includes
// loading the config and connecting). A no-op PAM_FAIL_DELAY function keeps
// libpam's failure delay out of the figures. Cases:
//   latchkey right / wrong / unknown user (Argon2id at the config's [security]
//   parameters, over the config's connection: a unix socket for a sandbox),
//   and right after a wrong one (the counter reset as well), and a locked
//   account against a locked name that has no account (both refused after
//   a dummy KDF; PAM_MAXTRIES and PAM_USER_UNKNOWN),
//   pam_unix with a local yescrypt user (right / wrong),
//   pam_mysql (Debian's libpam-mysql, crypt=1: crypt(3), so the same yescrypt
//   hash) against a table in the same MariaDB (right / wrong),
// and the KDF alone (PasswordHasher::Verify, mapping and faulting in its
// memory as any hash does), and the same Verify in memory faulted in
// beforehand. The KDF and the latchkey cases run in turn, one sample each
// per round, so noise hits them alike. Prints median and p90 ms, the
// latchkey right/KDF ratio, the unknown/wrong ratio (should be close to 1:
// unknown users cost the same), and for information right/KDF-in-faulted-in
// memory: pam_latchkey faults the KDF's memory in while it waits for the
// database, so that ratio is what PAM and the database add on top of the
// KDF's computation.
//
// With --fleet-config HOST_CONF (a fleet host's config whose latchkey-agent
// runs, with a directory over loopback TLS; bench/fleet/run.py sets it all
// up), a fleet row: pam_latchkey in fleet mode for --fleet-user (password
// kPassword, hashed with this --config's [security] parameters, which the
// directory must share) against the KDF alone, in turn, and their ratio
// (issue 12's target: <= 1.05). --fleet-only measures that row alone (no
// scratch database, no local user).
//
// Then unknown user against wrong password the ways an attacker can try
// (each a row with the unknown/wrong ratio, which should be close to 1):
// one transaction each in this process; a fresh process per attempt (this
// program exec'd again, as sshd re-execs itself per connection and sudo is
// a new process); attempts 2-6 on one PAM handle, as one ssh connection
// makes up to MaxAuthTries; and with pam_mysql, which shares libmariadb and
// calls mysql_server_end, in the same process: first in the stack, run
// just before latchkey, and as the fallback after latchkey (which runs only
// for names latchkey does not know, so that row measures the stack).
#include <crypt.h>
#include <fcntl.h>
#include <security/pam_appl.h>
#include <shadow.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "latchkey/base/random.h"
#include "latchkey/config/config.h"
#include "latchkey/crypto/kdf_memory.h"
#include "latchkey/crypto/password_hash.h"
#include "latchkey/db/db.h"
#include "latchkey/db/migrations.h"
#include "latchkey/store/user_store.h"

#ifndef LATCHKEY_PAM_MODULE_PATH
#error "LATCHKEY_PAM_MODULE_PATH must name pam_latchkey.so"
#endif

namespace {

using namespace latchkey;  // a benchmark's main file

constexpr char kPassword[] = "bench correct horse 4";
constexpr char kWrong[] = "bench wrong horse 4";

struct Stats {
  double median = 0;
  double p90 = 0;
  int failures = 0;  // samples whose PAM result was not the expected one
};

// --- child processes (useradd & co.) ---

int Run(const std::vector<std::string>& argv, const std::string& input = "") {
  int pipefd[2];
  if (pipe(pipefd) != 0) return -1;
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    dup2(pipefd[0], 0);
    close(pipefd[0]);
    close(pipefd[1]);
    // Quiet (userdel -r complains about a missing mail spool).
    const int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
      dup2(null, 1);
      dup2(null, 2);
    }
    std::vector<char*> args;
    for (const std::string& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(pipefd[0]);
  if (!input.empty()) {
    (void)!write(pipefd[1], input.data(), input.size());
  }
  close(pipefd[1]);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class LocalUser {
 public:
  explicit LocalUser(std::string name) : name_(std::move(name)) {}
  bool Create() {
    if (Run({"useradd", "--create-home", "--shell", "/bin/sh", name_}) != 0) {
      return false;
    }
    created_ = true;
    return Run({"chpasswd"}, name_ + ":" + kPassword + "\n") == 0;
  }
  ~LocalUser() {
    if (created_) Run({"userdel", "-r", name_});
  }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  bool created_ = false;
};

// --- PAM ---

int Converse(int n, const struct pam_message** msgs, struct pam_response** out,
             void* data) {
  const char* password = static_cast<const char*>(data);
  auto* replies = static_cast<pam_response*>(
      calloc(static_cast<size_t>(n), sizeof(pam_response)));
  if (replies == nullptr) return PAM_BUF_ERR;
  for (int i = 0; i < n; ++i) {
    if (msgs[i]->msg_style == PAM_PROMPT_ECHO_OFF ||
        msgs[i]->msg_style == PAM_PROMPT_ECHO_ON) {
      replies[i].resp = strdup(password);
    }
  }
  *out = replies;
  return PAM_SUCCESS;
}

void NoDelay(int /*retval*/, unsigned /*usec*/, void* /*appdata*/) {}

// One transaction; returns the pam_authenticate result.
int Login(const std::string& confdir, const std::string& service,
          const std::string& user, const char* password) {
  struct pam_conv conv = {&Converse, const_cast<char*>(password)};
  pam_handle_t* pamh = nullptr;
  if (pam_start_confdir(service.c_str(), user.c_str(), &conv, confdir.c_str(),
                        &pamh) != PAM_SUCCESS) {
    return -1;
  }
  void (*delay)(int, unsigned, void*) = &NoDelay;
  pam_set_item(pamh, PAM_FAIL_DELAY, reinterpret_cast<const void*>(delay));
  pam_set_item(pamh, PAM_TTY, "bench");
  const int rc = pam_authenticate(pamh, 0);
  pam_end(pamh, rc);
  return rc;
}

double Ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// One measured case: `run` is timed; `before` and `after`, if set, run
// untimed around it.
struct Case {
  template <typename Run>
  Case(Run r) : run(std::move(r)) {}  // NOLINT: implicit, for {a, b, ...}
  Case(std::function<void()> b, std::function<bool()> r,
       std::function<void()> a)
      : run(std::move(r)), before(std::move(b)), after(std::move(a)) {}
  std::function<bool()> run;
  std::function<void()> before, after;
};

// The cases in turn, `runs` rounds of one sample each (after two warm-up
// rounds), so machine noise hits every case alike; the ratios compare
// cases that ran side by side rather than in separate minutes.
std::vector<Stats> MeasureInTurn(int runs, const std::vector<Case>& cases) {
  std::vector<std::vector<double>> ms(cases.size());
  std::vector<Stats> out(cases.size());
  for (int round = -2; round < runs; ++round) {
    for (size_t c = 0; c < cases.size(); ++c) {
      if (cases[c].before) cases[c].before();
      const auto t0 = std::chrono::steady_clock::now();
      const bool ok = cases[c].run();
      const double took = Ms(std::chrono::steady_clock::now() - t0);
      if (cases[c].after) cases[c].after();
      if (round < 0) continue;
      ms[c].push_back(took);
      if (!ok) ++out[c].failures;
    }
  }
  for (size_t c = 0; c < cases.size(); ++c) {
    std::sort(ms[c].begin(), ms[c].end());
    out[c].median = ms[c][ms[c].size() / 2];
    out[c].p90 = ms[c][std::min(ms[c].size() - 1, (ms[c].size() * 9) / 10)];
  }
  return out;
}

// One case on its own (the pam_unix and pam_mysql comparisons).
Stats Measure(int runs, const std::function<bool()>& once) {
  return MeasureInTurn(runs, {once})[0];
}

void Print(const char* name, const Stats& s) {
  std::printf("  %-38s median %8.2f ms   p90 %8.2f ms%s\n", name, s.median,
              s.p90, s.failures ? "   (UNEXPECTED RESULTS!)" : "");
}

bool WriteFile(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream f(path, std::ios::trunc);
  f << text;
  f.close();
  return f && chmod(path.c_str(), mode) == 0;
}

// The start of the local user's shadow hash ("$y$j9T$"): its scheme and
// cost, to compare with pam_mysql's.
std::string LocalHashPrefix(const std::string& user) {
  const struct spwd* sp = getspnam(user.c_str());
  return sp != nullptr && sp->sp_pwdp != nullptr
             ? std::string(sp->sp_pwdp).substr(0, 7)
             : std::string("?");
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "bench_pam: %s\n", what.c_str());
  return 1;
}

// --- unknown user against wrong password, the ways an attacker can ---
//
// Each function below returns the pair (unknown user, wrong password) of
// one way of attacking; main prints them with their ratio. The wrong
// password goes to "benchpam2", which (like the unknown name) is not in
// pam_mysql's table: only "benchpam" is.

struct Pair {
  Stats unknown;
  Stats wrong;
};

// Median and p90 of samples taken outside MeasureInTurn.
Stats Summarise(std::vector<double> ms, int failures) {
  Stats out;
  out.failures = failures;
  if (ms.empty()) {
    ++out.failures;
    return out;
  }
  std::sort(ms.begin(), ms.end());
  out.median = ms[ms.size() / 2];
  out.p90 = ms[std::min(ms.size() - 1, (ms.size() * 9) / 10)];
  return out;
}

// The child side of MeasureFreshProcesses: one transaction in this new
// process, its time in ms and its result printed on stdout.
int OneLoginChild(const std::string& confdir, const std::string& service,
                  const std::string& user, bool right) {
  const auto t0 = std::chrono::steady_clock::now();
  const int rc = Login(confdir, service, user, right ? kPassword : kWrong);
  const double took = Ms(std::chrono::steady_clock::now() - t0);
  std::printf("%d %.6f\n", rc, took);
  return 0;
}

// Runs this program again (fork + exec, as sshd re-execs itself for each
// connection and sudo is a new process) for one wrong-password login;
// returns the transaction's time as measured inside that process, or a
// negative number if the result was not `want`.
double OneLoginInAFreshProcess(const std::string& confdir,
                               const std::string& service,
                               const std::string& user, int want) {
  int out[2];
  if (pipe(out) != 0) return -1;
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    close(out[1]);
    execl("/proc/self/exe", "bench_pam", "--one-login", confdir.c_str(),
          service.c_str(), user.c_str(), "wrong", nullptr);
    _exit(127);
  }
  close(out[1]);
  std::string text;
  char buf[256];
  for (ssize_t n; (n = read(out[0], buf, sizeof buf)) > 0;) text.append(buf, n);
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  int rc = -1;
  double took = -1;
  if (std::sscanf(text.c_str(), "%d %lf", &rc, &took) != 2 || rc != want) {
    return -1;
  }
  return took;
}

// A fresh process per attempt: everything from loading the module and
// initialising Connector/C to pam_end, in a process that has done nothing
// before, unknown and wrong in turn.
Pair MeasureFreshProcesses(int runs, const std::string& confdir) {
  std::vector<double> unknown_ms, wrong_ms;
  int failures = 0;
  for (int round = -2; round < runs; ++round) {
    const double u =
        OneLoginInAFreshProcess(confdir, "lk", "nosuchbench", PAM_USER_UNKNOWN);
    const double w =
        OneLoginInAFreshProcess(confdir, "lk", "benchpam2", PAM_AUTH_ERR);
    if (round < 0) continue;
    if (u < 0 || w < 0) ++failures;
    if (u >= 0) unknown_ms.push_back(u);
    if (w >= 0) wrong_ms.push_back(w);
  }
  return {Summarise(unknown_ms, failures), Summarise(wrong_ms, 0)};
}

// Several attempts in one process and one PAM handle, as one ssh
// connection makes up to MaxAuthTries (6) password attempts on the handle
// sshd started for it: the first attempt opens the connection, the later
// ones reuse it and its prepared statements. Times attempts 2 to 6.
Pair MeasureOneHandle(int runs, const std::string& confdir) {
  constexpr int kTries = 6;
  std::vector<double> ms[2];
  int failures = 0;
  const char* users[2] = {"nosuchbench", "benchpam2"};
  const int want[2] = {PAM_USER_UNKNOWN, PAM_AUTH_ERR};
  for (int round = -1; round < runs / (kTries - 1) + 1; ++round) {
    for (int which = 0; which < 2; ++which) {
      struct pam_conv conv = {&Converse, const_cast<char*>(kWrong)};
      pam_handle_t* pamh = nullptr;
      if (pam_start_confdir("lk", users[which], &conv, confdir.c_str(),
                            &pamh) != PAM_SUCCESS) {
        ++failures;
        continue;
      }
      void (*delay)(int, unsigned, void*) = &NoDelay;
      pam_set_item(pamh, PAM_FAIL_DELAY, reinterpret_cast<const void*>(delay));
      pam_set_item(pamh, PAM_TTY, "bench");
      for (int t = 0; t < kTries; ++t) {
        const auto t0 = std::chrono::steady_clock::now();
        const int rc = pam_authenticate(pamh, 0);
        const double took = Ms(std::chrono::steady_clock::now() - t0);
        if (t == 0 || round < 0) continue;
        ms[which].push_back(took);
        if (rc != want[which]) ++failures;
      }
      pam_end(pamh, PAM_AUTH_ERR);
    }
  }
  return {Summarise(ms[0], failures), Summarise(ms[1], 0)};
}

// With pam_mysql in the same process. "pam_mysql first": the stack
// `auth [success=done default=ignore] pam_mysql.so` + `auth required
// pam_latchkey.so`, the whole transaction timed, as an attacker sees it;
// both users are unknown to pam_mysql's table in `stack_service`, so
// pam_mysql's part is the same. "after a pam_mysql login": pam_latchkey
// alone, timed, in a process where a pam_mysql transaction (untimed) has
// just run: whatever pam_mysql leaves in the shared libmariadb (it calls
// mysql_server_end). "pam_mysql as fallback": the documented fallback
// stack, `auth [success=done user_unknown=ignore default=die]
// pam_latchkey.so` then pam_mysql, which runs only for names latchkey does
// not know: the stack, not latchkey, then answers an unknown name later.
Pair MeasureStack(int runs, const std::string& confdir,
                  const std::string& service) {
  std::vector<Stats> s = MeasureInTurn(
      runs, {[&] {
               return Login(confdir, service, "nosuchbench", kWrong) ==
                      PAM_USER_UNKNOWN;
             },
             [&] {
               return Login(confdir, service, "benchpam2", kWrong) ==
                      PAM_AUTH_ERR;
             }});
  return {s[0], s[1]};
}

Pair MeasureAfterPamMysql(int runs, const std::string& confdir) {
  auto mysql_login = [&] { Login(confdir, "mysql", "benchpam", kWrong); };
  std::vector<Stats> s = MeasureInTurn(
      runs, {Case(
                 mysql_login,
                 [&] {
                   return Login(confdir, "lk", "nosuchbench", kWrong) ==
                          PAM_USER_UNKNOWN;
                 },
                 nullptr),
             Case(
                 mysql_login,
                 [&] {
                   return Login(confdir, "lk", "benchpam2", kWrong) ==
                          PAM_AUTH_ERR;
                 },
                 nullptr)});
  return {s[0], s[1]};
}

// Every way above, in the order printed.
std::vector<std::pair<const char*, Pair>> MeasureAttackWays(
    int runs, const std::string& confdir, bool with_pam_mysql) {
  std::vector<std::pair<const char*, Pair>> ways;
  ways.emplace_back("one transaction each, in this process",
                    MeasureStack(runs, confdir, "lk"));
  ways.emplace_back("a fresh process per attempt",
                    MeasureFreshProcesses(runs, confdir));
  ways.emplace_back("attempts 2-6 on one handle (MaxAuthTries)",
                    MeasureOneHandle(runs, confdir));
  if (with_pam_mysql) {
    ways.emplace_back("pam_mysql first in the stack",
                      MeasureStack(runs, confdir, "lkmysql"));
    ways.emplace_back("latchkey alone, after a pam_mysql login",
                      MeasureAfterPamMysql(runs, confdir));
    ways.emplace_back("pam_mysql as fallback after latchkey",
                      MeasureStack(runs, confdir, "lkfallback"));
  }
  return ways;
}

void PrintPair(const char* way, const Pair& p) {
  std::printf(
      "  %-44s unknown %7.2f  wrong %7.2f ms (median)  ratio %.2f%s\n", way,
      p.unknown.median, p.wrong.median, p.unknown.median / p.wrong.median,
      p.unknown.failures + p.wrong.failures ? "   (UNEXPECTED RESULTS!)" : "");
}

// The fleet row: pam_latchkey in fleet mode (a thin client of the agent,
// which asks the directory over its kept-alive TLS connection) for `user`,
// right and wrong password, in turn with the KDF alone at `config`'s
// [security] parameters (fresh memory per Verify, as in the direct rows).
// Its own service file in its own temp dir. Returns 0 when every sample
// gave the expected result.
int MeasureFleet(int runs, const Config& config, const std::string& module,
                 const std::string& fleet_config, const std::string& user) {
  char dir_template[] = "/tmp/bench_pam_fleet.XXXXXX";
  if (mkdtemp(dir_template) == nullptr) return Fail("mkdtemp failed");
  struct RemoveDir {
    std::string dir;
    ~RemoveDir() { Run({"rm", "-rf", dir}); }
  } remove{dir_template};
  const std::string confdir = remove.dir + "/pam.d";
  mkdir(confdir.c_str(), 0700);
  if (!WriteFile(confdir + "/lkfleet",
                 "auth required " + module + " config=" + fleet_config + "\n",
                 0600)) {
    return Fail("cannot write the fleet service file");
  }
  PasswordHasher hasher(HashParams::FromConfig(config.security),
                        SystemRandom::Shared());
  Result<std::string> argon = hasher.Hash(kPassword);
  if (!argon.ok()) return Fail(argon.status().ToString());
  if (const int probe = Login(confdir, "lkfleet", user, kPassword);
      probe != PAM_SUCCESS) {
    return Fail("pam_latchkey in fleet mode refused " + user + ": " +
                std::string(probe < 0 ? "pam_start failed"
                                      : pam_strerror(nullptr, probe)) +
                " (is the agent of " + fleet_config + " running?)");
  }
  const std::vector<Stats> s = MeasureInTurn(
      runs, {[&] {
               Result<bool> ok = hasher.Verify(kPassword, *argon);
               return ok.ok() && *ok;
             },
             [&] {
               return Login(confdir, "lkfleet", user, kPassword) == PAM_SUCCESS;
             },
             [&] {
               return Login(confdir, "lkfleet", user, kWrong) == PAM_AUTH_ERR;
             }});
  std::printf(
      "\n  fleet mode (agent + directory on loopback, TLS), Argon2id m=%u "
      "KiB t=%u p=%u:\n",
      config.security.argon2_memory_kib, config.security.argon2_time,
      config.security.argon2_parallelism);
  Print("KDF alone (PasswordHasher::Verify)", s[0]);
  Print("pam_latchkey fleet right password", s[1]);
  Print("pam_latchkey fleet wrong password", s[2]);
  std::printf("  latchkey fleet right / KDF alone: %.2f   (target <= 1.05)\n",
              s[1].median / s[0].median);
  return s[0].failures + s[1].failures + s[2].failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path;
  std::string module = LATCHKEY_PAM_MODULE_PATH;
  int runs = 30;
  std::string fleet_config;
  std::string fleet_user = "benchfleet";
  bool fleet_only = false;
  // The child of MeasureFreshProcesses.
  if (argc == 6 && std::string(argv[1]) == "--one-login") {
    return OneLoginChild(argv[2], argv[3], argv[4],
                         std::string(argv[5]) == "right");
  }
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else if (a == "--runs" && i + 1 < argc) {
      runs = std::max(3, std::atoi(argv[++i]));
    } else if (a == "--module" && i + 1 < argc) {
      module = argv[++i];
    } else if (a == "--fleet-config" && i + 1 < argc) {
      fleet_config = argv[++i];
    } else if (a == "--fleet-user" && i + 1 < argc) {
      fleet_user = argv[++i];
    } else if (a == "--fleet-only") {
      fleet_only = true;
    } else {
      std::fprintf(stderr,
                   "usage: bench_pam --config PATH [--runs N] [--module "
                   "PATH]\n"
                   "                 [--fleet-config HOST_CONF [--fleet-user "
                   "NAME] [--fleet-only]]\n");
      return 2;
    }
  }
  if (config_path.empty()) return Fail("--config PATH is required");
  if (fleet_only && fleet_config.empty()) {
    return Fail("--fleet-only needs --fleet-config");
  }
  if (geteuid() != 0) {
    return Fail("run as root (it adds a local user; the agent serves root)");
  }

  Result<Config> loaded = LoadConfig(config_path);
  if (!loaded.ok()) return Fail(loaded.status().message());
  const Config& base = *loaded;
  if (fleet_only) {
    std::printf("bench_pam: %d runs per case, fleet row only\n", runs);
    return MeasureFleet(runs, base, module, fleet_config, fleet_user);
  }
  Result<Secret> db_password =
      base.database.password_file.empty()
          ? Result<Secret>(Secret())
          : ReadSecretFile(base.database.password_file, true);
  if (!db_password.ok()) return Fail(db_password.status().message());

  // A scratch database and directory.
  const std::string db_name = "lk_test_pam_bench_" + std::to_string(getpid());
  char dir_template[] = "/tmp/bench_pam.XXXXXX";
  if (mkdtemp(dir_template) == nullptr) return Fail("mkdtemp failed");
  const std::string dir = dir_template;
  // Drops the database and removes the directory on every way out.
  struct Cleanup {
    std::string dir;
    std::string db_name;
    std::unique_ptr<db::Connection> admin;  // set once the database exists
    ~Cleanup() {
      if (admin) {
        (void)admin->ExecuteScript("DROP DATABASE IF EXISTS `" + db_name + "`");
      }
      Run({"rm", "-rf", dir});
    }
  } cleanup{dir, db_name, nullptr};

  DatabaseConfig server = base.database;
  server.name.clear();
  auto admin = std::make_unique<db::Connection>(server, db_password->Clone());
  if (Status s = admin->ExecuteScript("CREATE DATABASE `" + db_name +
                                      "` CHARACTER SET utf8mb4");
      !s.ok()) {
    return Fail("create database: " + s.ToString());
  }
  cleanup.admin = std::move(admin);
  DatabaseConfig bench_db = base.database;
  bench_db.name = db_name;
  db::Connection conn(bench_db, db_password->Clone());
  if (Result<int> m = ApplyPendingMigrations(conn, SystemClock::Shared());
      !m.ok()) {
    return Fail("migrate: " + m.status().ToString());
  }

  // Users: latchkey (Argon2id at the config's parameters) and pam_mysql's
  // table (a yescrypt hash, as chpasswd makes for the local user).
  PasswordHasher hasher(HashParams::FromConfig(base.security),
                        SystemRandom::Shared());
  Result<std::string> argon = hasher.Hash(kPassword);
  if (!argon.ok()) return Fail(argon.status().ToString());
  // Two accounts: "benchpam" only ever sees its right password, so its
  // failure counter stays 0, as for most logins. "benchpam2" takes the
  // wrong passwords, then (in the same round) its right one, which must
  // also reset the counter: the login after a typo.
  UserStore users(conn, SystemClock::Shared());
  for (const char* name : {"benchpam", "benchpam2", "benchlocked"}) {
    NewUser nu;
    nu.username = name;
    nu.email = std::string(name) + "@example.org";
    nu.password_hash = *argon;
    nu.email_verified = true;
    if (Result<int64_t> id = users.Create(nu); !id.ok()) {
      return Fail("create user: " + id.status().ToString());
    }
  }
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn("$y$", 0, nullptr, 0, setting, sizeof setting) ==
      nullptr) {
    return Fail("crypt_gensalt_rn($y$) failed");
  }
  struct crypt_data cd;
  std::memset(&cd, 0, sizeof cd);
  const char* yescrypt = crypt_rn(kPassword, setting, &cd, sizeof cd);
  if (yescrypt == nullptr || yescrypt[0] == '*') return Fail("crypt_rn failed");
  const std::string yescrypt_hash = yescrypt;
  if (Status s = conn.ExecuteScript(
          "CREATE TABLE pam_mysql_users (username VARCHAR(64) PRIMARY KEY, "
          "password VARCHAR(255) NOT NULL)");
      !s.ok()) {
    return Fail("pam_mysql table: " + s.ToString());
  }
  if (Result<uint64_t> r = conn.Execute(
          "INSERT INTO pam_mysql_users (username, password) VALUES (?, ?)",
          {std::string_view("benchpam"), std::string_view(yescrypt_hash)});
      !r.ok()) {
    return Fail("pam_mysql row: " + r.status().ToString());
  }

  // latchkey.conf for the scratch database: the base config's connection
  // and [security], lockout and address limits out of the way (the wrong-
  // password runs would lock the account otherwise).
  std::string conf = "[database]\n";
  if (!bench_db.socket.empty()) {
    conf += "socket = " + bench_db.socket + "\n";
  } else {
    conf += "hosts = ";
    for (size_t i = 0; i < bench_db.hosts.size(); ++i) {
      conf += (i ? ", " : "") + bench_db.hosts[i].host + ":" +
              std::to_string(bench_db.hosts[i].port);
    }
    // TCP: the base config's TLS, which costs a handshake per login.
    conf += "\n";
    if (bench_db.tls) {
      conf +=
          *bench_db.tls == TlsMode::kOff ? "tls = off\n" : "tls = required\n";
    }
    if (!bench_db.tls_ca.empty()) conf += "tls_ca = " + bench_db.tls_ca + "\n";
  }
  conf += "name = " + db_name + "\nuser = " + bench_db.user + "\n";
  if (!bench_db.password_file.empty()) {
    conf += "password_file = " + bench_db.password_file + "\n";
  }
  const SecurityConfig& sec = base.security;
  conf += "[security]\nsecret_key_file = " + sec.secret_key_file +
          "\nargon2_memory_kib = " + std::to_string(sec.argon2_memory_kib) +
          "\nargon2_time = " + std::to_string(sec.argon2_time) +
          "\nargon2_parallelism = " + std::to_string(sec.argon2_parallelism) +
          "\n[lockout]\nmax_failures = 1000000\nip_max_failures = 1000000\n"
          "[portal]\nrequire_email_verification = off\n";
  const std::string conf_path = dir + "/latchkey.conf";
  if (!WriteFile(conf_path, conf, 0600)) return Fail("cannot write config");
  // The same with a lockout that one failure starts and that outlasts the
  // bench: for the locked account and the locked unknown name.
  std::string lock_conf = conf.substr(0, conf.find("[lockout]"));
  lock_conf +=
      "[lockout]\nmax_failures = 1\nlock_duration = 1h\n"
      "max_lock_duration = 1h\nip_max_failures = 1000000\n"
      "[portal]\nrequire_email_verification = off\n";
  const std::string lock_conf_path = dir + "/latchkey-lock.conf";
  if (!WriteFile(lock_conf_path, lock_conf, 0600)) {
    return Fail("cannot write config");
  }

  LocalUser local("lkbench" + std::to_string(getpid() % 100000));
  if (!local.Create()) return Fail("useradd/chpasswd failed");

  // pam_mysql reaches the server by its unix socket path or host:port.
  std::string mysql_host = bench_db.socket;
  if (mysql_host.empty() && !bench_db.hosts.empty()) {
    mysql_host =
        bench_db.hosts[0].host + ":" + std::to_string(bench_db.hosts[0].port);
  }
  const std::string confdir = dir + "/pam.d";
  mkdir(confdir.c_str(), 0700);
  bool wrote =
      WriteFile(confdir + "/lk",
                "auth required " + module + " config=" + conf_path + "\n",
                0600) &&
      WriteFile(confdir + "/lklock",
                "auth required " + module + " config=" + lock_conf_path + "\n",
                0600) &&
      WriteFile(confdir + "/unix", "auth required pam_unix.so\n", 0600) &&
      WriteFile(confdir + "/mysql",
                "auth required pam_mysql.so user=" + bench_db.user +
                    " passwd=" + std::string(db_password->view()) +
                    " host=" + mysql_host + " db=" + db_name +
                    " table=pam_mysql_users usercolumn=username "
                    "passwdcolumn=password crypt=1\n",
                0600) &&
      WriteFile(confdir + "/lkmysql",
                "auth [success=done default=ignore] pam_mysql.so user=" +
                    bench_db.user +
                    " passwd=" + std::string(db_password->view()) +
                    " host=" + mysql_host + " db=" + db_name +
                    " table=pam_mysql_users usercolumn=username "
                    "passwdcolumn=password crypt=1\n"
                    "auth required " +
                    module + " config=" + conf_path + "\n",
                0600) &&
      WriteFile(confdir + "/lkfallback",
                "auth [success=done user_unknown=ignore default=die] " +
                    module + " config=" + conf_path +
                    "\nauth required pam_mysql.so user=" + bench_db.user +
                    " passwd=" + std::string(db_password->view()) +
                    " host=" + mysql_host + " db=" + db_name +
                    " table=pam_mysql_users usercolumn=username "
                    "passwdcolumn=password crypt=1\n",
                0600);
  if (!wrote) return Fail("cannot write service files");

  std::printf(
      "bench_pam: %d runs per case; Argon2id m=%u KiB t=%u p=%u; pam_mysql "
      "%.7s, pam_unix %.7s; database %s\n",
      runs, sec.argon2_memory_kib, sec.argon2_time, sec.argon2_parallelism,
      yescrypt_hash.c_str(), LocalHashPrefix(local.name()).c_str(),
      !bench_db.socket.empty() ? "over its unix socket"
      : bench_db.hosts.empty() ||
              !TlsRequiredFor(bench_db, bench_db.hosts[0].host)
          ? "over TCP without TLS"
      : !bench_db.tls_ca.empty()
          ? "over TCP with verified TLS and tls_ca"
          : "over TCP with verified TLS against the system CA bundle");

  auto expect = [&](const char* svc, const std::string& user, const char* pw,
                    int want) {
    return [&, svc, user, pw, want] {
      return Login(confdir, svc, user, pw) == want;
    };
  };
  // One probe each first, so a broken setup says what broke.
  const int lk_probe = Login(confdir, "lk", "benchpam", kPassword);
  if (lk_probe != PAM_SUCCESS) {
    if (Result<Config> c = LoadConfig(conf_path); !c.ok()) {
      return Fail("the bench config is refused: " + c.status().message());
    }
    return Fail("pam_latchkey refused the bench user: " +
                std::string(lk_probe < 0 ? "pam_start failed"
                                         : pam_strerror(nullptr, lk_probe)));
  }
  // One failure each starts the lock of the account and of the name.
  if (Login(confdir, "lklock", "benchlocked", kWrong) != PAM_AUTH_ERR ||
      Login(confdir, "lklock", "nosuchlocked", kWrong) != PAM_USER_UNKNOWN ||
      Login(confdir, "lklock", "benchlocked", kWrong) != PAM_MAXTRIES ||
      Login(confdir, "lklock", "nosuchlocked", kWrong) != PAM_USER_UNKNOWN) {
    return Fail("the lockout setup did not lock as expected");
  }
  const auto verify = [&] {
    Result<bool> ok = hasher.Verify(kPassword, *argon);
    return ok.ok() && *ok;
  };
  // The same Verify in memory faulted in beforehand (untimed), as
  // pam_latchkey faults its memory in while it waits for the database: the
  // KDF's computation alone, for the informational ratio.
  std::optional<KdfMemory> warm;
  const Case kdf_in_warm_memory(
      [&] {
        warm.emplace(hasher.params());
        while (warm->FaultInSome()) {
        }
      },
      verify, [&] { warm.reset(); });
  const std::vector<Stats> lk = MeasureInTurn(
      runs,
      {verify, expect("lk", "benchpam", kPassword, PAM_SUCCESS),
       expect("lk", "benchpam2", kWrong, PAM_AUTH_ERR),
       expect("lk", "nosuchbench", kPassword, PAM_USER_UNKNOWN),
       expect("lk", "benchpam2", kPassword, PAM_SUCCESS), kdf_in_warm_memory,
       expect("lklock", "benchlocked", kWrong, PAM_MAXTRIES),
       expect("lklock", "nosuchlocked", kWrong, PAM_USER_UNKNOWN)});
  const Stats& kdf = lk[0];
  const Stats& lk_right = lk[1];
  const Stats& lk_wrong = lk[2];
  const Stats& lk_unknown = lk[3];
  const Stats& lk_right_after_wrong = lk[4];
  const Stats& kdf_warm = lk[5];
  const Stats& lk_locked = lk[6];
  const Stats& lk_locked_unknown = lk[7];
  const Stats unix_right =
      Measure(runs, expect("unix", local.name(), kPassword, PAM_SUCCESS));
  const Stats unix_wrong =
      Measure(runs, expect("unix", local.name(), kWrong, PAM_AUTH_ERR));
  const int mysql_probe = Login(confdir, "mysql", "benchpam", kPassword);
  std::optional<Stats> mysql_right, mysql_wrong;
  if (mysql_probe == PAM_SUCCESS) {
    mysql_right =
        Measure(runs, expect("mysql", "benchpam", kPassword, PAM_SUCCESS));
    mysql_wrong =
        Measure(runs, expect("mysql", "benchpam", kWrong, PAM_AUTH_ERR));
  }

  std::printf("\n");
  Print("KDF alone (PasswordHasher::Verify)", kdf);
  Print("KDF in memory already faulted in", kdf_warm);
  Print("pam_latchkey right password", lk_right);
  Print("pam_latchkey wrong password", lk_wrong);
  Print("pam_latchkey unknown user", lk_unknown);
  Print("pam_latchkey right, after a wrong one", lk_right_after_wrong);
  Print("pam_latchkey locked account", lk_locked);
  Print("pam_latchkey locked unknown name", lk_locked_unknown);
  Print("pam_unix right (local yescrypt user)", unix_right);
  Print("pam_unix wrong", unix_wrong);
  if (mysql_right) {
    Print("pam_mysql right (crypt=1, yescrypt)", *mysql_right);
    Print("pam_mysql wrong", *mysql_wrong);
  } else {
    std::printf("  pam_mysql: right password refused (%s); not measured\n",
                mysql_probe < 0 ? "pam_start failed"
                                : pam_strerror(nullptr, mysql_probe));
  }
  std::printf("\n  latchkey right / KDF alone:     %.2f\n",
              lk_right.median / kdf.median);
  std::printf("  latchkey unknown / wrong:       %.2f\n",
              lk_unknown.median / lk_wrong.median);
  std::printf("  latchkey locked unknown / locked account: %.2f\n",
              lk_locked_unknown.median / lk_locked.median);
  std::printf("  latchkey right after a wrong one / KDF alone: %.2f\n",
              lk_right_after_wrong.median / kdf.median);
  // pam_latchkey faults the KDF's memory in while it waits for the
  // database; against the KDF without that part, the ratio is all that PAM
  // and the database add.
  std::printf("  latchkey right / KDF in faulted-in memory: %.2f\n",
              lk_right.median / kdf_warm.median);
  const std::vector<std::pair<const char*, Pair>> ways =
      MeasureAttackWays(runs, confdir, mysql_probe == PAM_SUCCESS);
  std::printf("\n  unknown user / wrong password, the ways an attacker can:\n");
  int way_failures = 0;
  for (const auto& [way, pair] : ways) {
    PrintPair(way, pair);
    way_failures += pair.unknown.failures + pair.wrong.failures;
  }
  if (mysql_probe == PAM_SUCCESS) {
    // What the fallback stack adds to a name latchkey does not know.
    const Stats mysql_unknown = Measure(runs, [&] {
      Login(confdir, "mysql", "nosuchbench", kWrong);
      return true;
    });
    std::printf(
        "  (pam_mysql alone for an unknown name: %.2f ms, which the fallback "
        "stack adds to unknown names only)\n",
        mysql_unknown.median);
  }
  const int fleet_result =
      fleet_config.empty()
          ? 0
          : MeasureFleet(runs, base, module, fleet_config, fleet_user);
  const bool all_as_expected =
      fleet_result == 0 && way_failures == 0 &&
      kdf.failures + kdf_warm.failures + lk_right.failures + lk_wrong.failures +
              lk_right_after_wrong.failures + lk_unknown.failures +
              lk_locked.failures + lk_locked_unknown.failures +
              unix_right.failures + unix_wrong.failures +
              (mysql_right ? mysql_right->failures + mysql_wrong->failures
                           : 0) ==
          0;
  return all_as_expected ? 0 : 1;
}
