// bench_scale: the admin area at scale (issue 11). Starts its own sandbox
// MariaDB sized for the data, migrates, seeds N accounts and M audit
// events with bulk INSERTs, and prints p50/p95 of the admin queries
// (through the core: UserSearch, the code the portal and the CLI run) and
// the Authenticator's latency at N accounts over the same at 1k.
//
//   bench_scale --users N [--events M] [--runs R] [--dir DIR] [--keep]
//
// See bench/scale/README.md. Not a test: ctest and CI never run it.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/base/clock.h"
#include "latchkey/base/random.h"
#include "latchkey/config/config.h"
#include "latchkey/db/db.h"
#include "latchkey/db/migrations.h"
#include "latchkey/services/services.h"
#include "latchkey/store/admin_stats.h"
#include "latchkey/store/audit.h"
#include "latchkey/store/audit_query.h"
#include "latchkey/store/user_search.h"

namespace latchkey {
namespace {

// Audit lines go nowhere: a bench should not fill the system's auth log.
class NullSink final : public LogSink {
 public:
  void Write(LogLevel, std::string_view) override {}
};

// --- Options ---

struct Options {
  int64_t users = 1000;
  int64_t events = 10'000'000;
  int runs = 200;
  int auth_runs = 40;
  std::string dir;
  std::string sandbox_script =
      LATCHKEY_SOURCE_DIR "/scripts/lib/mariadb-sandbox.sh";
  // Server settings sized for 1M accounts and 10M events: the working set
  // (users with its keys, ~1.5 GB; auth_events, ~2.5 GB) stays in memory,
  // and the bulk load is not held up by small redo logs or flushes.
  std::string server_args =
      "--innodb-buffer-pool-size=6G --innodb-log-file-size=2G "
      "--innodb-log-buffer-size=256M --innodb-flush-log-at-trx-commit=2 "
      "--innodb-doublewrite=0 --innodb-io-capacity=2000 "
      "--max-allowed-packet=256M --tmp-table-size=256M "
      "--max-heap-table-size=256M --max-prepared-stmt-count=100000";
  bool keep = false;
  double slow_ms = 0;  // > 0: print each run slower than this
};

// --- Timing ---

double TimeMs(const std::function<void()>& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  const auto end = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::milli>(end - start).count();
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i =
      static_cast<size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, i == 0 ? 0 : i - 1)];
}

int Fail(const std::string& what, const Status& s) {
  std::fprintf(stderr, "bench_scale: %s: %s\n", what.c_str(),
               s.ToString().c_str());
  return 1;
}

// --- Realistic data ---

constexpr const char* kFirst[] = {
    "James",   "Mary",      "John",    "Patricia",  "Robert",  "Jennifer",
    "Michael", "Linda",     "William", "Elizabeth", "David",   "Barbara",
    "Richard", "Susan",     "Joseph",  "Jessica",   "Thomas",  "Sarah",
    "Charles", "Karen",     "Daniel",  "Nancy",     "Matthew", "Lisa",
    "Anthony", "Betty",     "Mark",    "Margaret",  "Donald",  "Sandra",
    "Steven",  "Ashley",    "Paul",    "Kimberly",  "Andrew",  "Emily",
    "Joshua",  "Donna",     "Kenneth", "Michelle",  "Kevin",   "Carol",
    "Brian",   "Amanda",    "George",  "Melissa",   "Timothy", "Deborah",
    "Ronald",  "Stephanie", "Jason",   "Rebecca",   "Edward",  "Laura",
    "Ada",     "Grace",     "Linus",   "Ingrid",    "Zoë",     "José",
    "Åsa",     "Jürgen",    "Chloé",   "Søren",     "Mei",     "Hiroshi",
    "Priya",   "Arjun",     "Fatima",  "Omar",      "Olga",    "Dmitri",
    "Aoife",   "Siobhan",   "Lars",    "Anneke",    "Nuno",    "Inês",
    "Kwame",   "Amara",     "Chen",    "Yuki",      "Mateo",   "Lucía",
    "Noah",    "Emma",      "Liam",    "Olivia",    "Elena",   "Marco"};
constexpr const char* kLast[] = {
    "Smith",    "Johnson",    "Williams",  "Brown",     "Jones",     "Garcia",
    "Miller",   "Davis",      "Rodriguez", "Martinez",  "Hernandez", "Lopez",
    "Gonzalez", "Wilson",     "Anderson",  "Thomas",    "Taylor",    "Moore",
    "Jackson",  "Martin",     "Lee",       "Perez",     "Thompson",  "White",
    "Harris",   "Sanchez",    "Clark",     "Ramirez",   "Lewis",     "Robinson",
    "Walker",   "Young",      "Allen",     "King",      "Wright",    "Scott",
    "Torres",   "Nguyen",     "Hill",      "Flores",    "Lovelace",  "Hopper",
    "Torvalds", "Müller",     "Schmidt",   "Schneider", "Fischer",   "Weber",
    "Dubois",   "Lefèvre",    "Rossi",     "Russo",     "Ferrari",   "Novak",
    "Kowalski", "Nowak",      "Andersson", "Johansson", "Nielsen",   "Hansen",
    "Jensen",   "Østergaard", "Ó Briain",  "Murphy",    "Kelly",     "Tanaka",
    "Suzuki",   "Sato",       "Wang",      "Li",        "Zhang",     "Liu",
    "Patel",    "Singh",      "Kumar",     "Okafor",    "Mensah",    "Silva",
    "Santos",   "Costa",      "Ivanov",    "Petrov",    "Yilmaz",    "Kaya",
    "Çelik"};
constexpr const char* kDomains[] = {"example.org",     "example.com",
                                    "mail.example",    "corp.example",
                                    "uni.example.edu", "example.net"};

// A fixed-seed hash of i, so the data is the same on every run.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// ASCII letters of `s` in lower case ("Zoë" -> "zo", "Ó Briain" ->
// "obriain"): usernames are [a-z0-9_-].
std::string AsciiLower(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 'A' && c <= 'Z') out.push_back(static_cast<char>(c - 'A' + 'a'));
    if (c >= 'a' && c <= 'z') out.push_back(static_cast<char>(c));
  }
  return out;
}

constexpr size_t kFirstCount = std::size(kFirst);
constexpr size_t kLastCount = std::size(kLast);

// Account i (1-based): what it is, decided by Mix(i).
struct Person {
  std::string username, email, full_name;
  bool active, verified, password_locked, admin_locked, totp, logged_in;
  int64_t created_at, last_login_at;
};

constexpr int64_t kHashPool = 8;  // hashes 0..3: real KDF; 4..7: cheap

Person MakePerson(int64_t i, int64_t n, int64_t now) {
  const uint64_t h = Mix(static_cast<uint64_t>(i));
  const char* first = kFirst[h % kFirstCount];
  const char* last = kLast[(h >> 8) % kLastCount];
  Person p;
  p.username = AsciiLower(first) + "_" + AsciiLower(last) + std::to_string(i);
  p.email = AsciiLower(first) + "." + AsciiLower(last) + std::to_string(i) +
            "@" + kDomains[(h >> 16) % std::size(kDomains)];
  p.full_name = std::string(first) + " " + last;
  const uint32_t r = static_cast<uint32_t>(h >> 32) % 10000;
  p.active = r >= 300;                             // 3% inactive
  p.verified = r < 300 || r >= 1100;               // 8% unverified
  p.password_locked = r >= 1100 && r < 1150;       // 0.5%
  p.admin_locked = r >= 1150 && r < 1170;          // 0.2%
  p.totp = (h >> 24) % 100 < 15;                   // 15% TOTP
  p.logged_in = p.verified && (h >> 40) % 10 < 7;  // 70% of the verified
  // Created over the last three years, in id order.
  const int64_t span = 3 * 365 * 86400;
  p.created_at = now - span + span * i / std::max<int64_t>(n, 1);
  p.last_login_at = std::min(
      now - 60, p.created_at + static_cast<int64_t>((h >> 20) % (90 * 86400)));
  p.last_login_at = std::max(p.last_login_at, p.created_at);
  return p;
}

// Accounts the Authenticator bench signs in as: active, verified, not
// locked, no TOTP, and whose hash came from the pool's real or cheap half.
bool CanSignIn(const Person& p) {
  return p.active && p.verified && !p.password_locked && !p.admin_locked &&
         !p.totp;
}

std::string PoolPassword(int64_t k) {
  return "Scale-Bench-Password-" + std::to_string(k);
}

// --- Seeding ---

class Seeder {
 public:
  Seeder(db::Connection& db, std::vector<std::string> hashes, int64_t now)
      : db_(db), hashes_(std::move(hashes)), now_(now) {}

  // Accounts from+1 .. to (of `n` in all), roles included.
  Status Users(int64_t from, int64_t to, int64_t n) {
    constexpr int64_t kBatch = 1000;
    LK_RETURN_IF_ERROR(db_.Execute("SET unique_checks = 0").status());
    LK_RETURN_IF_ERROR(db_.Execute("SET foreign_key_checks = 0").status());
    std::vector<Person> people;
    std::vector<std::string> totp;
    for (int64_t start = from + 1; start <= to; start += kBatch) {
      const int64_t end = std::min(to, start + kBatch - 1);
      people.clear();
      totp.clear();
      std::string sql =
          "INSERT INTO users (id, username, email, full_name, password_hash, "
          "is_active, email_verified_at, locked_until, admin_locked_until, "
          "failed_logins, lock_count, totp_secret_enc, created_at, "
          "updated_at, last_login_at) VALUES ";
      std::vector<db::Value> params;
      for (int64_t i = start; i <= end; ++i) {
        people.push_back(MakePerson(i, n, now_));
        // A stand-in for a sealed TOTP key: these accounts never sign in
        // here, the list only asks whether one is set.
        totp.push_back(std::string(40, static_cast<char>('a' + i % 26)));
      }
      for (size_t k = 0; k < people.size(); ++k) {
        const Person& p = people[k];
        const int64_t i = start + static_cast<int64_t>(k);
        if (k > 0) sql += ",";
        sql += "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
        params.push_back(i);
        params.push_back(std::string_view(p.username));
        params.push_back(std::string_view(p.email));
        params.push_back(std::string_view(p.full_name));
        params.push_back(std::string_view(hashes_[i % kHashPool]));
        params.push_back(static_cast<int64_t>(p.active));
        params.push_back(p.verified
                             ? db::Value(db::Timestamp::FromUnix(p.created_at))
                             : db::Value(db::Null{}));
        params.push_back(p.password_locked
                             ? db::Value(db::Timestamp::FromUnix(now_ + 3600))
                             : db::Value(db::Null{}));
        params.push_back(p.admin_locked
                             ? db::Value(db::Timestamp::FromUnix(now_ + 86400))
                             : db::Value(db::Null{}));
        params.push_back(static_cast<int64_t>(p.password_locked ? 5 : 0));
        params.push_back(static_cast<int64_t>(p.password_locked ? 1 : 0));
        params.push_back(p.totp ? db::Value(std::string_view(totp[k]))
                                : db::Value(db::Null{}));
        params.push_back(db::Timestamp::FromUnix(p.created_at));
        params.push_back(db::Timestamp::FromUnix(p.created_at));
        params.push_back(
            p.logged_in ? db::Value(db::Timestamp::FromUnix(p.last_login_at))
                        : db::Value(db::Null{}));
      }
      LK_RETURN_IF_ERROR(db_.Execute(sql, params).status());
      // Roles (per batch: one statement stays well inside the read
      // timeout, whose retry would insert twice): everyone 'user'; 1 in 10,000
      // 'admin'; 1% 'support'.
      LK_RETURN_IF_ERROR(
          db_.Execute("INSERT INTO user_roles (user_id, role_id) "
                      "SELECT u.id, r.id FROM users u JOIN roles r ON "
                      "r.name = 'user' WHERE u.id > ? AND u.id <= ?",
                      {start - 1, end})
              .status());
      LK_RETURN_IF_ERROR(
          db_.Execute("INSERT INTO user_roles (user_id, role_id) "
                      "SELECT u.id, r.id FROM users u JOIN roles r ON "
                      "r.name = 'admin' WHERE u.id > ? AND u.id <= ? AND "
                      "u.id % 10000 = 7",
                      {start - 1, end})
              .status());
      LK_RETURN_IF_ERROR(
          db_.Execute("INSERT INTO user_roles (user_id, role_id) "
                      "SELECT u.id, r.id FROM users u JOIN roles r ON "
                      "r.name = 'support' WHERE u.id > ? AND u.id <= ? AND "
                      "u.id % 100 = 3",
                      {start - 1, end})
              .status());
    }
    return Status::Ok();
  }

  // `count` auth_events over the last 90 days: sshd (with the scanners'
  // names tried), sudo, login, portal, api; successes and failures.
  Status Events(int64_t count, int64_t users) {
    constexpr int64_t kBatch = 2000;
    constexpr const char* kScanNames[] = {"root",     "admin",
                                          "test",     "oracle",
                                          "ubuntu",   "user",
                                          "pi",       "guest",
                                          "postgres", "git",
                                          "ftp",      "deploy",
                                          "support",  "=cmd|' /C calc'!A0"};
    constexpr const char* kAgents[] = {"pts/0", "pts/1", "tty1", ""};
    std::mt19937_64 rng(42);
    std::vector<std::string> texts;  // owns the bytes of this batch
    texts.reserve(kBatch * 3);
    for (int64_t done = 0; done < count;) {
      const int64_t rows = std::min(kBatch, count - done);
      texts.clear();
      std::string sql =
          "INSERT INTO auth_events (ts, user_id, username_tried, event, "
          "service, rhost, tty, outcome, detail) VALUES ";
      std::vector<db::Value> params;
      params.reserve(rows * 9);
      for (int64_t k = 0; k < rows; ++k) {
        const uint64_t r = rng();
        const int64_t ts = now_ - static_cast<int64_t>(r % (90 * 86400));
        const uint32_t kind = static_cast<uint32_t>(r >> 32) % 100;
        const int64_t uid = 1 + static_cast<int64_t>((r >> 12) % users);
        std::string_view service, event, outcome = "ok", tty;
        std::optional<int64_t> user_id = uid;
        std::string& name = texts.emplace_back();
        std::string& rhost = texts.emplace_back();
        if (kind < 30) {  // ssh scanners: names that are nobody's
          service = "sshd";
          event = "unknown_user";
          outcome = "fail";
          user_id.reset();
          name = kScanNames[(r >> 40) % std::size(kScanNames)];
          // A few hundred noisy addresses.
          rhost = "203.0." + std::to_string((r >> 20) % 3) + "." +
                  std::to_string((r >> 24) % 200);
        } else {
          name = MakePerson(uid, users, now_).username;
          rhost = "198.51." + std::to_string((r >> 20) % 256) + "." +
                  std::to_string((r >> 28) % 256);
          if (kind < 50) {
            service = "sshd";
            event = kind < 42 ? "login_success" : "login_failure";
          } else if (kind < 60) {
            service = "sudo";
            event = kind < 58 ? "login_success" : "login_failure";
            rhost.clear();
            tty = kAgents[(r >> 44) % 3];
          } else if (kind < 64) {
            service = "login";
            event = "login_success";
            rhost.clear();
            tty = "tty1";
          } else if (kind < 90) {
            service = "portal";
            event = kind < 80 ? "login_success"
                              : (kind < 86 ? "login_failure" : "session_open");
          } else {
            service = "api";
            event = kind < 97 ? "login_success" : "login_failure";
          }
          if (event == "login_failure") outcome = "fail";
        }
        if (k > 0) sql += ",";
        sql += "(?,?,?,?,?,?,?,?,'')";
        params.push_back(db::Timestamp::FromUnix(ts));
        params.push_back(user_id ? db::Value(*user_id) : db::Value(db::Null{}));
        params.push_back(std::string_view(name));
        params.push_back(event);
        params.push_back(service);
        params.push_back(std::string_view(rhost));
        params.push_back(tty);
        params.push_back(outcome);
      }
      LK_RETURN_IF_ERROR(db_.Execute(sql, params).status());
      done += rows;
      if (done % 1'000'000 == 0) {
        std::fprintf(stderr, "  %lld events\n", static_cast<long long>(done));
      }
    }
    return Status::Ok();
  }

 private:
  db::Connection& db_;
  std::vector<std::string> hashes_;
  int64_t now_;
};

// --- Measurements ---

// One named measurement: `once(run)` does one timed operation (run = 0,
// 1, ...; vary the input by it) and reports a failure as a Status. To add
// one (audit filter by user, by time range; the overview), append it to
// the list in Measurements() below: it gets the same runs and p50/p95.
struct Measurement {
  std::string name;
  double target_p95_ms;  // 0: none
  std::function<Status(int run)> once;
};

struct Bench {
  Services& services;
  int64_t users;
  int64_t now;
  std::string last;  // what the last run asked, for --slow
};

// A query in the CLI's words, for --slow.
std::string Describe(const UserQuery& q, bool next_page) {
  std::string d = "--sort " + std::string(UserSortName(q.sort));
  if (!q.prefix.empty()) d += " --search '" + q.prefix + "'";
  if (q.active) d += *q.active ? " --active" : " --inactive";
  if (q.password_locked) d += " --password-locked";
  if (q.admin_locked) d += " --admin-locked";
  if (q.unverified) d += " --unverified";
  if (q.totp) d += *q.totp ? " --totp on" : " --totp off";
  if (!q.role.empty()) d += " --role " + q.role;
  if (next_page) d += " (and the next page)";
  return d;
}

// Prefixes an admin types: the start of a username, an email, a first
// name, "first last", in any case, 1 to 12 characters.
std::string PrefixFor(int run, int64_t users, int64_t now) {
  const uint64_t h = Mix(static_cast<uint64_t>(run) + 1'000'003);
  const Person p = MakePerson(1 + static_cast<int64_t>(h % users), users, now);
  std::string text;
  switch (run % 6) {
    case 0:
      text = p.username.substr(0, 2 + (h >> 8) % 4);
      break;
    case 1:
      text = p.email.substr(0, p.email.find('@') + 1);
      break;
    case 2:
      text = p.full_name.substr(0, 3 + (h >> 8) % 3);
      break;
    case 3:
      text = p.full_name.substr(0, p.full_name.find(' ') + 2);
      break;
    case 4:
      text = p.username;
      break;  // the exact name
    default:
      text = p.full_name.substr(0, 1);
      break;  // one letter
  }
  if ((h >> 16) % 2) {
    for (char& c : text) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
  }
  return text;
}

// The filtered lists an admin opens, in turn; every fourth run is the
// next page of its query.
UserQuery FilterFor(int run) {
  UserQuery q;
  switch (run % 13) {
    case 0:
      break;  // everyone
    case 1:
      q.active = true;
      break;
    case 2:
      q.active = false;
      break;
    case 3:
      q.password_locked = true;
      break;
    case 4:
      q.admin_locked = true;
      break;
    case 5:
      q.unverified = true;
      break;
    case 6:
      q.totp = true;
      break;
    case 7:
      q.totp = false;
      break;
    case 8:
      q.role = "admin";
      break;
    case 9:
      q.role = "support";
      break;
    case 10:
      q.active = true;
      q.totp = true;
      break;
    case 11:
      q.active = false;
      q.unverified = true;
      break;
    default:
      q.sort = UserSort::kLastLogin;
      q.active = true;
      break;
  }
  if (run % 2 == 1) q.sort = UserSort::kLastLogin;
  return q;
}

Status FindPage(Bench& b, UserSearch& search, UserQuery q, bool next_page) {
  b.last = Describe(q, next_page);
  FieldErrors errors;
  LK_ASSIGN_OR_RETURN(UserPage page, search.Find(q, errors));
  if (next_page && !page.next_cursor.empty()) {
    q.after = DecodeUserCursor(page.next_cursor);
    LK_ASSIGN_OR_RETURN(page, search.Find(q, errors));
  }
  return Status::Ok();
}

std::vector<Measurement> Measurements(Bench& b, UserSearch& search) {
  std::vector<Measurement> list;
  list.push_back({"admin user search by prefix", 50, [&](int run) {
                    UserQuery q;
                    q.prefix = PrefixFor(run, b.users, b.now);
                    return FindPage(b, search, q, false);
                  }});
  list.push_back({"admin user list, filtered", 50, [&](int run) {
                    return FindPage(b, search, FilterFor(run), run % 4 == 3);
                  }});
  list.push_back({"admin user search + filter", 50, [&](int run) {
                    UserQuery q = FilterFor(run);
                    q.prefix = PrefixFor(run, b.users, b.now);
                    return FindPage(b, search, q, false);
                  }});
  // The audit log as /admin/audit and GET /api/v1/admin/audit read it
  // (QueryAuditEvents, a page of 50): by an account's name, alternately
  // its first and its next page, and by a one-hour to one-day window
  // somewhere in the 90 days of seeded events.
  list.push_back(
      {"audit filter by user", 50, [&](int run) {
         AuditFilter f;
         const uint64_t h = Mix(static_cast<uint64_t>(run) + 77);
         f.user =
             MakePerson(1 + static_cast<int64_t>(h % b.users), b.users, b.now)
                 .username;
         b.last = "audit --user " + f.user;
         LK_ASSIGN_OR_RETURN(std::vector<AuditEntry> rows,
                             QueryAuditEvents(b.services.db(), f));
         if (run % 2 == 1 && rows.size() == f.limit) {
           f.before = ParseAuditCursor(FormatAuditCursor(rows.back()));
           LK_RETURN_IF_ERROR(QueryAuditEvents(b.services.db(), f).status());
         }
         return Status::Ok();
       }});
  list.push_back({"audit filter by time range", 50, [&](int run) {
                    AuditFilter f;
                    const uint64_t h = Mix(static_cast<uint64_t>(run) + 991);
                    const int64_t span = run % 2 ? 86400 : 3600;
                    f.until = b.now - static_cast<int64_t>(h % (89 * 86400));
                    f.since = *f.until - span;
                    if (run % 3 == 2) f.outcome = AuditOutcome::kFail;
                    b.last = "audit --since/--until (" +
                             std::to_string(span / 3600) + " h)";
                    return QueryAuditEvents(b.services.db(), f).status();
                  }});
  // The overview page's numbers (ComputeAdminStats: what GET /admin, GET
  // /api/v1/admin/stats and latchkeyctl stats show), with the rollup of
  // completed hours in place: main() times the first call, which fills
  // it, on its own.
  list.push_back(
      {"overview (admin stats)", 200, [&](int) {
         b.last = "stats";
         return ComputeAdminStats(b.services.db(), b.services.clock()).status();
       }});
  return list;
}

// Median Authenticate (right password) over `runs` sign-ins of accounts
// 1..users whose hash is from pool entries [first, first + 4).
Result<double> AuthMedian(Services& services, int64_t users, int64_t now,
                          int64_t first_pool, int runs, int& address) {
  Authenticator& auth = services.authenticator();
  AuthContext ctx;
  ctx.service = "bench";
  std::vector<double> times;
  for (int64_t i = 1; static_cast<int>(times.size()) < runs; ++i) {
    const int64_t id = 1 + static_cast<int64_t>(Mix(i * 7919) % users);
    const int64_t k = id % kHashPool;
    if (k < first_pool || k >= first_pool + 4) continue;
    const Person p = MakePerson(id, users, now);
    if (!CanSignIn(p)) continue;
    ++address;
    ctx.rhost = "10." + std::to_string((address >> 16) & 255) + "." +
                std::to_string((address >> 8) & 255) + "." +
                std::to_string(address & 255);
    const Secret password{std::string_view(PoolPassword(k))};
    AuthStatus status = AuthStatus::kOk;
    const double ms = TimeMs(
        [&] { status = auth.Authenticate(p.username, password, ctx).status; });
    if (status != AuthStatus::kOk) {
      return Internal("sign-in of " + p.username + " failed");
    }
    times.push_back(ms);
  }
  return Percentile(times, 0.5);
}

struct AuthFigures {
  double real = 0, cheap = 0;
};

Result<AuthFigures> MeasureAuth(Services& real, Services& cheap, int64_t users,
                                int64_t now, int runs, int& address) {
  AuthFigures f;
  // Warm up both, then measure.
  LK_RETURN_IF_ERROR(AuthMedian(real, users, now, 0, 3, address).status());
  LK_ASSIGN_OR_RETURN(f.real, AuthMedian(real, users, now, 0, runs, address));
  LK_RETURN_IF_ERROR(AuthMedian(cheap, users, now, 4, 5, address).status());
  LK_ASSIGN_OR_RETURN(f.cheap,
                      AuthMedian(cheap, users, now, 4, runs * 3, address));
  return f;
}

int Sh(const std::string& command) {
  const int rc = std::system(command.c_str());
  return rc == -1 ? 1 : WEXITSTATUS(rc);
}

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

int Run(const Options& o) {
  const std::string dir = o.dir;
  std::printf("bench_scale: %lld users, %lld events; sandbox %s\n",
              static_cast<long long>(o.users), static_cast<long long>(o.events),
              dir.c_str());
  if (Sh("LK_SANDBOX_SERVER_ARGS=" + Quote(o.server_args) + " bash " +
         Quote(o.sandbox_script) + " start " + Quote(dir) + " >&2") != 0) {
    std::fprintf(stderr, "bench_scale: the sandbox did not start\n");
    return 1;
  }
  int rc = 0;
  {
    Result<Config> loaded = LoadConfig(dir + "/latchkey.conf");
    if (!loaded.ok()) return Fail("config", loaded.status());
    Config config = std::move(*loaded);
    Config cheap_config = config;
    cheap_config.security.argon2_memory_kib = 1024;
    cheap_config.security.argon2_time = 1;

    auto open = [&]() { return db::OpenFromConfig(config.database); };
    Result<std::unique_ptr<db::Connection>> seed_conn = open();
    if (!seed_conn.ok()) return Fail("connect", seed_conn.status());
    Result<int> migrated =
        ApplyPendingMigrations(**seed_conn, SystemClock::Shared());
    if (!migrated.ok()) return Fail("migrate", migrated.status());
    Status s = (*seed_conn)
                   ->Execute(
                       "INSERT INTO roles (name, description) VALUES "
                       "('support', 'the help desk')")
                   .status();
    if (!s.ok()) return Fail("role", s);

    NullSink sink;
    Result<std::unique_ptr<db::Connection>> c1 = open(), c2 = open(),
                                            c3 = open();
    if (!c1.ok() || !c2.ok() || !c3.ok()) {
      return Fail("connect", c1.ok() ? c2.status() : c1.status());
    }
    std::unique_ptr<Services> real =
        Services::WithConnection(config, std::move(*c1), SystemClock::Shared(),
                                 SystemRandom::Shared(), &sink);
    std::unique_ptr<Services> cheap = Services::WithConnection(
        cheap_config, std::move(*c2), SystemClock::Shared(),
        SystemRandom::Shared(), &sink);
    std::unique_ptr<Services> admin =
        Services::WithConnection(config, std::move(*c3), SystemClock::Shared(),
                                 SystemRandom::Shared(), &sink);

    // The hash pool: four real Argon2id hashes (the configured cost) and
    // four cheap ones, by the project's own hasher.
    std::vector<std::string> hashes;
    for (int64_t k = 0; k < kHashPool; ++k) {
      Services& by = k < 4 ? *real : *cheap;
      Result<std::string> h = by.hasher().Hash(PoolPassword(k));
      if (!h.ok()) return Fail("hash", h.status());
      hashes.push_back(*h);
    }
    const HashParams& p = real->hasher().params();
    std::printf("KDF (real): argon2id m=%u KiB t=%u p=%u; cheap: m=1024 t=1\n",
                p.argon2_memory_kib, p.argon2_time, p.argon2_parallelism);
    const int64_t now = SystemClock::Shared().NowUnix();
    Seeder seeder(**seed_conn, hashes, now);

    // 1k accounts first: the Authenticator's baseline.
    const int64_t base = std::min<int64_t>(1000, o.users);
    s = seeder.Users(0, base, o.users);
    if (!s.ok()) return Fail("seed users", s);
    int address = 0;
    Result<AuthFigures> at_1k =
        MeasureAuth(*real, *cheap, base, now, o.auth_runs, address);
    if (!at_1k.ok()) return Fail("authenticate at 1k", at_1k.status());

    double seconds = 0;
    const double users_ms =
        TimeMs([&] { s = seeder.Users(base, o.users, o.users); });
    if (!s.ok()) return Fail("seed users", s);
    const double events_ms =
        TimeMs([&] { s = seeder.Events(o.events, o.users); });
    if (!s.ok()) return Fail("seed events", s);
    Result<std::vector<db::Row>> analyzed =
        (*seed_conn)->Query("ANALYZE TABLE users, user_roles, auth_events");
    if (!analyzed.ok()) return Fail("analyze", analyzed.status());
    seconds = (users_ms + events_ms) / 1000;
    std::printf(
        "seeded %lld users in %.1f s, %lld events in %.1f s (%.1f s in all)\n",
        static_cast<long long>(o.users), users_ms / 1000,
        static_cast<long long>(o.events), events_ms / 1000, seconds);

    // The overview's first call counts 30 days of events into its rollup
    // (once after an upgrade); every later call adds an hour or two.
    {
      Status first;
      const double ms = TimeMs([&] {
        first = ComputeAdminStats(admin->db(), admin->clock()).status();
      });
      if (!first.ok()) return Fail("overview (first call)", first);
      std::printf("overview, first call (fills the hourly rollup): %.0f ms\n",
                  ms);
    }

    Bench bench{*admin, o.users, now, ""};
    UserSearch search(admin->db(), admin->clock());
    std::printf("\n%-34s %8s %8s %8s  %s\n", "measurement (core queries)",
                "p50 ms", "p95 ms", "max ms", "target p95");
    for (const Measurement& m : Measurements(bench, search)) {
      std::vector<double> times;
      for (int warm = 0; warm < 5; ++warm) (void)m.once(o.runs + warm);
      Status failed;
      for (int run = 0; run < o.runs && failed.ok(); ++run) {
        times.push_back(TimeMs([&] { failed = m.once(run); }));
        if (o.slow_ms > 0 && times.back() > o.slow_ms) {
          std::fprintf(stderr, "slow: %s: %.1f ms: %s\n", m.name.c_str(),
                       times.back(), bench.last.c_str());
        }
      }
      if (!failed.ok()) {
        rc = Fail(m.name, failed);
        continue;
      }
      const double p95 = Percentile(times, 0.95);
      std::printf("%-34s %8.2f %8.2f %8.2f  ", m.name.c_str(),
                  Percentile(times, 0.5), p95, Percentile(times, 1.0));
      if (m.target_p95_ms > 0) {
        std::printf("< %.0f ms %s", m.target_p95_ms,
                    p95 < m.target_p95_ms ? "PASS" : "MISS");
      }
      std::printf("\n");
    }

    Result<AuthFigures> at_n =
        MeasureAuth(*real, *cheap, o.users, now, o.auth_runs, address);
    if (!at_n.ok()) return Fail("authenticate at N", at_n.status());
    std::printf(
        "\nAuthenticate (right password), median of %d sign-ins:\n"
        "  real KDF : %7.2f ms at 1k, %7.2f ms at %lld users: ratio %.3f "
        "(target <= 1.10) %s\n"
        "  cheap KDF: %7.2f ms at 1k, %7.2f ms at %lld users: ratio %.3f "
        "(the database's share; %d sign-ins)\n",
        o.auth_runs, at_1k->real, at_n->real, static_cast<long long>(o.users),
        at_n->real / at_1k->real,
        at_n->real / at_1k->real <= 1.10 ? "PASS" : "MISS", at_1k->cheap,
        at_n->cheap, static_cast<long long>(o.users),
        at_n->cheap / at_1k->cheap, o.auth_runs * 3);
  }
  if (!o.keep) {
    Sh("bash " + Quote(o.sandbox_script) + " stop " + Quote(dir) + " >&2");
  } else {
    std::printf("\nsandbox kept: %s (stop it with: bash %s stop %s)\n",
                dir.c_str(), o.sandbox_script.c_str(), dir.c_str());
  }
  return rc;
}

}  // namespace
}  // namespace latchkey

int main(int argc, char** argv) {
  latchkey::Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--users" && has_value) {
      o.users = std::atoll(argv[++i]);
    } else if (arg == "--events" && has_value) {
      o.events = std::atoll(argv[++i]);
    } else if (arg == "--runs" && has_value) {
      o.runs = std::atoi(argv[++i]);
    } else if (arg == "--auth-runs" && has_value) {
      o.auth_runs = std::atoi(argv[++i]);
    } else if (arg == "--dir" && has_value) {
      o.dir = argv[++i];
    } else if (arg == "--sandbox-script" && has_value) {
      o.sandbox_script = argv[++i];
    } else if (arg == "--server-args" && has_value) {
      o.server_args = argv[++i];
    } else if (arg == "--slow" && has_value) {
      o.slow_ms = std::atof(argv[++i]);
    } else if (arg == "--keep") {
      o.keep = true;
    } else {
      std::fprintf(stderr,
                   "usage: bench_scale --users N [--events M] [--runs R] "
                   "[--auth-runs R]\n"
                   "                   [--dir DIR] [--server-args ARGS] "
                   "[--sandbox-script PATH] [--keep] [--slow MS]\n");
      return 2;
    }
  }
  if (o.users < 1 || o.events < 0 || o.runs < 1 || o.auth_runs < 1) {
    std::fprintf(stderr, "bench_scale: --users, --runs must be positive\n");
    return 2;
  }
  if (o.dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    o.dir = std::string(tmp ? tmp : "/tmp") + "/lk-bench-scale-" +
            std::to_string(getpid());
  }
  return latchkey::Run(o);
}
