#include "latchkey/nss/nss_sync.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/passwd_files.h"
#include "latchkey/db/db.h"
#include "latchkey/nss/nss_files.h"
#include "latchkey/store/user_store.h"
#include "nss/nss_names.h"

namespace latchkey {
namespace {

using nss_internal::LocalAccounts;
using nss_internal::NameProblem;
using nss_internal::Shown;

constexpr std::string_view kActiveUsers =
    "SELECT id, username, full_name, uid FROM users WHERE is_active = 1 "
    "ORDER BY id";
// Every uid ever given: those accounts hold now, and the tombstones of
// given_uids (which outlive a deleted account; users.uid is read too in
// case an older latchkeyctl gave a uid without its tombstone).
constexpr std::string_view kTakenUids =
    "SELECT uid FROM users WHERE uid IS NOT NULL "
    "UNION SELECT uid FROM given_uids";
// The tombstone, written in the same transaction as users.uid. Its primary
// key refuses a uid that was ever given, also to a host racing this one.
constexpr std::string_view kGiveUid =
    "INSERT INTO given_uids (uid, username, given_at) VALUES (?, ?, ?)";
// "uid IS NULL": a uid, once given, is never changed by a later run.
constexpr std::string_view kSetUid =
    "UPDATE users SET uid = ? WHERE id = ? AND uid IS NULL";
constexpr std::string_view kUidOf = "SELECT uid FROM users WHERE id = ?";

// Hosts racing for the same free uid each lose at most once per winner;
// this bounds a pathological loop, not a normal run.
constexpr int kMaxRaces = 50;
// Whatever the database holds, nothing below the system range and nothing
// a signed 32-bit uid_t cannot hold ends up in a passwd line (a uid 0 row
// would make a root account).
constexpr int64_t kLowestUid = 1000;
constexpr int64_t kHighestUid = 2147483647;

// Hands out the lowest uid of the range that was never given, one user at
// a time.
class UidAllocator {
 public:
  UidAllocator(db::Connection& db, const Clock& clock, const NssConfig& config,
               const LocalAccounts& local)
      : db_(db),
        clock_(clock),
        config_(config),
        local_(local),
        next_(config.uid_min) {}

  struct Outcome {
    enum Kind { kAssigned, kHadOne, kGone, kRangeFull, kNotAllowed } kind;
    int64_t uid = 0;
  };

  Result<Outcome> Assign(int64_t user_id, std::string_view name) {
    if (!loaded_) LK_RETURN_IF_ERROR(Load());
    for (int race = 0; race < kMaxRaces; ++race) {
      const std::optional<uint32_t> uid = NextFree();
      if (!uid) return Outcome{Outcome::kRangeFull};
      LK_ASSIGN_OR_RETURN(const Given given, Give(*uid, user_id, name));
      if (given == Given::kNotAllowed) return Outcome{Outcome::kNotAllowed};
      if (given == Given::kTaken) {
        // Another host gave this uid first (to this user or another): see
        // what is taken now and try again from the bottom.
        LK_RETURN_IF_ERROR(Load());
        continue;
      }
      if (given == Given::kYes) {
        taken_.insert(*uid);
        return Outcome{Outcome::kAssigned, *uid};
      }
      // No row changed (and the tombstone was rolled back): another host
      // gave this user a uid first, or the user is gone.
      LK_ASSIGN_OR_RETURN(std::optional<db::Row> row,
                          db_.QueryOne(kUidOf, {user_id}));
      if (!row || row->is_null(0)) return Outcome{Outcome::kGone};
      taken_.insert(static_cast<uint32_t>(row->i64(0)));
      return Outcome{Outcome::kHadOne, row->i64(0)};
    }
    return Unavailable("gave up assigning a uid to user id " +
                       std::to_string(user_id) + " after " +
                       std::to_string(kMaxRaces) +
                       " races with other hosts; run nss-sync again");
  }

 private:
  // kNotAllowed: this database login may not give uids (a host's PAM role:
  // that is the admin side's job); the user is left out until it has one.
  enum class Given { kYes, kTaken, kNoRow, kNotAllowed };

  // The tombstone and users.uid in one transaction: both or neither.
  Result<Given> Give(uint32_t uid, int64_t user_id, std::string_view name) {
    LK_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Start(db_));
    const Result<uint64_t> tombstone =
        db_.Execute(kGiveUid, {static_cast<int64_t>(uid), name,
                               db::Timestamp{clock_.NowUnixMicros()}});
    if (!tombstone.ok()) {
      if (tombstone.status().code() == StatusCode::kPermissionDenied)
        return Given::kNotAllowed;
      if (tombstone.status().code() != StatusCode::kAlreadyExists)
        return tombstone.status();
      return Given::kTaken;
    }
    const Result<uint64_t> changed =
        db_.Execute(kSetUid, {static_cast<int64_t>(uid), user_id});
    if (!changed.ok()) {
      if (changed.status().code() == StatusCode::kPermissionDenied)
        return Given::kNotAllowed;
      if (changed.status().code() != StatusCode::kAlreadyExists)
        return changed.status();
      return Given::kTaken;
    }
    if (*changed != 1) return Given::kNoRow;
    LK_RETURN_IF_ERROR(tx.Commit());
    return Given::kYes;
  }

  Status Load() {
    LK_ASSIGN_OR_RETURN(std::vector<db::Row> rows, db_.Query(kTakenUids));
    taken_.clear();
    for (const db::Row& r : rows)
      taken_.insert(static_cast<uint32_t>(r.i64(0)));
    loaded_ = true;
    next_ = config_.uid_min;
    return Status::Ok();
  }

  std::optional<uint32_t> NextFree() {
    for (; next_ <= config_.uid_max; ++next_) {
      const auto uid = static_cast<uint32_t>(next_);
      if (!taken_.contains(uid) && !local_.ids.contains(uid)) return uid;
    }
    return std::nullopt;
  }

  db::Connection& db_;
  const Clock& clock_;
  const NssConfig& config_;
  const LocalAccounts& local_;
  std::set<uint32_t> taken_;
  bool loaded_ = false;
  uint64_t next_;  // no free uid below it (64 bits: uid_max + 1 must fit)
};

struct Entry {
  int64_t uid;
  std::string name;
  std::string gecos;
};

// The one shape of an entry, for the files and for the directory map.
NssPasswdEntry UserEntry(const Entry& e, const NssConfig& config) {
  const std::string home_dir =
      config.home_base == "/" ? "/" : config.home_base + "/";
  return {e.name, e.uid, e.uid, e.gecos, home_dir + e.name, config.shell};
}

}  // namespace

Result<NssSyncReport> SyncNss(db::Connection& db, const Clock& clock,
                              const NssConfig& config,
                              const NssLocalFiles& local_files) {
  if (config.uid_min > config.uid_max || config.uid_min < kLowestUid ||
      config.uid_max > kHighestUid) {
    return InvalidArgument("[nss] uid_min..uid_max (" +
                           std::to_string(config.uid_min) + ".." +
                           std::to_string(config.uid_max) +
                           ") is not a range within 1000..2147483647");
  }
  LK_ASSIGN_OR_RETURN(
      LocalAccounts local,
      nss_internal::ReadLocalAccounts(local_files.passwd, local_files.group));
  LK_ASSIGN_OR_RETURN(std::vector<db::Row> rows, db.Query(kActiveUsers));

  NssSyncReport report;
  UidAllocator allocator(db, clock, config, local);
  int without_uid = 0;
  std::vector<Entry> entries;
  for (const db::Row& row : rows) {
    const std::string& name = row.str(1);
    if (std::optional<std::string> problem = NameProblem(name, local)) {
      report.skipped.push_back(Shown(name) + ": " + *problem);
      continue;
    }
    std::optional<int64_t> uid = row.opt_i64(3);
    if (!uid) {
      LK_ASSIGN_OR_RETURN(UidAllocator::Outcome got,
                          allocator.Assign(row.i64(0), name));
      if (got.kind == UidAllocator::Outcome::kGone) continue;
      if (got.kind == UidAllocator::Outcome::kNotAllowed) {
        report.skipped.push_back(
            name +
            ": has no uid yet, and this database login may not give one "
            "(run latchkeyctl nss-sync once with an admin login)");
        continue;
      }
      if (got.kind == UidAllocator::Outcome::kRangeFull) {
        ++without_uid;
        report.skipped.push_back(name + ": no free uid in " +
                                 std::to_string(config.uid_min) + ".." +
                                 std::to_string(config.uid_max));
        continue;
      }
      if (got.kind == UidAllocator::Outcome::kAssigned) ++report.uids_assigned;
      uid = got.uid;
    }
    if (*uid < kLowestUid || *uid > kHighestUid) {
      report.skipped.push_back(name + ": its uid " + std::to_string(*uid) +
                               " is outside 1000..2147483647");
      continue;
    }
    const auto local_id = local.ids.find(static_cast<uint32_t>(*uid));
    if (local_id != local.ids.end()) {
      report.skipped.push_back(name + ": its uid " + std::to_string(*uid) +
                               " is used by " + Shown(local_id->second));
      continue;
    }
    entries.push_back({*uid, name, NssGecos(row.str(2))});
  }

  std::vector<NssPasswdEntry> users;
  std::vector<NssGroupEntry> groups;
  for (const Entry& e : entries) {
    users.push_back(UserEntry(e, config));
    groups.push_back({e.name, e.uid, {}});
  }
  LK_ASSIGN_OR_RETURN(report.changed, WriteNssFiles(config, std::move(users),
                                                    std::move(groups)));
  report.users_written = static_cast<int>(entries.size());

  if (without_uid > 0) {
    return ResourceExhausted(
        "no free uid left in [nss] uid_min..uid_max (" +
        std::to_string(config.uid_min) + ".." + std::to_string(config.uid_max) +
        ") for " + std::to_string(without_uid) +
        (without_uid == 1 ? " user" : " users") +
        "; widen the range (the files were written for the " +
        std::to_string(entries.size()) + " users that have a uid)");
  }
  return report;
}

Result<NssMap> ReadNssMap(db::Connection& db, const NssConfig& config) {
  LK_ASSIGN_OR_RETURN(std::vector<db::Row> rows, db.Query(kActiveUsers));
  const LocalAccounts none;
  std::vector<Entry> entries;
  for (const db::Row& row : rows) {
    const std::optional<int64_t> uid = row.opt_i64(3);
    if (!uid || *uid < kLowestUid || *uid > kHighestUid) continue;
    if (NameProblem(row.str(1), none)) continue;
    entries.push_back({*uid, row.str(1), NssGecos(row.str(2))});
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.uid < b.uid; });
  NssMap map;
  for (const Entry& e : entries) {
    NssPasswdEntry u = UserEntry(e, config);
    map.groups.push_back({u.name, u.gid, {}});
    map.users.push_back(std::move(u));
  }
  return map;
}

}  // namespace latchkey
