// SyncNss against a real MariaDB: uid assignment (once, lowest free,
// unique across racing hosts, clear of local accounts), the files it
// writes, what it leaves out, and how it fails.
#include "latchkey/nss/nss_sync.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "latchkey/services/services.h"
#include "support/sandbox.h"

namespace latchkey {
namespace {

using testing::DatabaseTest;
using testing::TempDir;

using Lines = std::vector<std::string>;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class NssSyncTest : public DatabaseTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(DatabaseTest::SetUp());
    // The host's own accounts, as this test wants them: uid 20001 is a
    // local user's, gid 20003 a local group's.
    local_.passwd = dir_.WriteFile("etc-passwd",
                                   "root:x:0:0:root:/root:/bin/bash\n"
                                   "carol:x:20001:100::/home/carol:/bin/sh\n",
                                   0644);
    local_.group = dir_.WriteFile("etc-group",
                                  "root:x:0:\n"
                                  "users:x:100:\n"
                                  "staff:x:20003:carol\n",
                                  0644);
    services_ = MakeServices(dir_.path() + "/extrausers");
  }

  Config MakeConfig(const std::string& nss_dir) {
    Config config;
    config.database = db().config();
    config.security.secret_key_file = dir_.path() + "/no-key";
    config.nss.passwd_file = nss_dir + "/passwd";
    config.nss.group_file = nss_dir + "/group";
    config.nss.uid_min = 20000;
    config.nss.uid_max = 20009;
    return config;
  }

  std::unique_ptr<Services> MakeServices(const std::string& nss_dir,
                                         uint32_t uid_max = 20009) {
    Config config = MakeConfig(nss_dir);
    config.nss.uid_max = uid_max;
    return Services::WithConnection(
        config, db().Connect(), SystemClock::Shared(), SystemRandom::Shared());
  }

  int64_t AddUser(const std::string& name, const std::string& full_name = "",
                  bool active = true) {
    NewUser u;
    u.username = name;
    u.email = name + "@example.org";
    u.full_name = full_name;
    u.password_hash = "$6$salt$notarealhash";
    u.is_active = active;
    Result<int64_t> id = services_->users().Create(u);
    EXPECT_TRUE(id.ok()) << name << ": " << id.status().ToString();
    return id.ok() ? *id : 0;
  }

  // Inserts a row directly, for names the store's validation refuses.
  void InsertRaw(const std::string& name) {
    const std::string email = std::to_string(++raw_) + "@raw.example.org";
    auto r = conn().Execute(
        "INSERT INTO users (username, email, password_hash, created_at, "
        "updated_at) VALUES (?, ?, 'x', UTC_TIMESTAMP(), UTC_TIMESTAMP())",
        {std::string_view(name), std::string_view(email)});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  std::optional<int64_t> UidOf(const std::string& name) {
    auto u = services_->users().FindByUsername(name);
    EXPECT_TRUE(u.ok() && u->has_value()) << name;
    if (!u.ok() || !u->has_value()) return std::nullopt;
    return (*u)->uid;
  }

  NssSyncReport MustSync(Services& s) {
    Result<NssSyncReport> r =
        SyncNss(s.db(), s.clock(), s.config().nss, local_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : NssSyncReport{};
  }
  NssSyncReport MustSync() { return MustSync(*services_); }

  std::string Passwd() const {
    return ReadFile(services_->config().nss.passwd_file);
  }
  std::string Group() const {
    return ReadFile(services_->config().nss.group_file);
  }

  TempDir dir_;
  NssLocalFiles local_;
  std::unique_ptr<Services> services_;
  int raw_ = 0;
};

TEST_F(NssSyncTest, AssignsTheLowestFreeUidsAndWritesBothFiles) {
  AddUser("alice", "Alice Liddell");
  AddUser("bob");
  AddUser("dave", "Dave");

  const NssSyncReport r = MustSync();
  EXPECT_EQ(r.uids_assigned, 3);
  EXPECT_EQ(r.users_written, 3);
  EXPECT_TRUE(r.changed);
  EXPECT_TRUE(r.skipped.empty());
  // 20001 is local user carol's uid, 20003 local group staff's gid.
  EXPECT_EQ(UidOf("alice"), 20000);
  EXPECT_EQ(UidOf("bob"), 20002);
  EXPECT_EQ(UidOf("dave"), 20004);
  EXPECT_EQ(Passwd(),
            "alice:x:20000:20000:Alice Liddell:/home/alice:/bin/bash\n"
            "bob:x:20002:20002::/home/bob:/bin/bash\n"
            "dave:x:20004:20004:Dave:/home/dave:/bin/bash\n");
  EXPECT_EQ(Group(),
            "alice:x:20000:\n"
            "bob:x:20002:\n"
            "dave:x:20004:\n");
}

TEST_F(NssSyncTest, UidsAreKeptAcrossRunsAndNothingChangesTwice) {
  AddUser("alice");
  AddUser("bob");
  ASSERT_EQ(MustSync().uids_assigned, 2);
  const std::string passwd = Passwd();
  const std::string group = Group();

  const NssSyncReport again = MustSync();
  EXPECT_EQ(again.uids_assigned, 0);
  EXPECT_EQ(again.users_written, 2);
  EXPECT_FALSE(again.changed);
  EXPECT_EQ(Passwd(), passwd);
  EXPECT_EQ(Group(), group);

  // A new user gets the next free uid; the old ones keep theirs, even when
  // the range moves later.
  AddUser("erin");
  const NssSyncReport third = MustSync();
  EXPECT_EQ(third.uids_assigned, 1);
  EXPECT_TRUE(third.changed);
  EXPECT_EQ(UidOf("alice"), 20000);
  EXPECT_EQ(UidOf("bob"), 20002);
  EXPECT_EQ(UidOf("erin"), 20004);

  std::unique_ptr<Services> moved = Services::WithConnection(
      [&] {
        Config c = services_->config();
        c.nss.uid_min = 25000;
        c.nss.uid_max = 25009;
        return c;
      }(),
      db().Connect(), SystemClock::Shared(), SystemRandom::Shared());
  AddUser("frank");
  const NssSyncReport fourth = MustSync(*moved);
  EXPECT_EQ(fourth.uids_assigned, 1);
  EXPECT_EQ(UidOf("alice"), 20000);
  EXPECT_EQ(UidOf("frank"), 25000);
  EXPECT_TRUE(Contains(Passwd(), "alice:x:20000:20000:")) << Passwd();
  EXPECT_TRUE(Contains(Passwd(), "frank:x:25000:25000:")) << Passwd();
}

// Two hosts syncing at once against one database. Host B has a local group
// with gid 20000 that host A lacks, so the two pick different uids for the
// same users and collide on the UNIQUE key (and find users the other host
// has just served): every user still ends with one uid, no uid is given
// twice, and each user is counted as assigned once.
TEST_F(NssSyncTest, RacingHostsGiveEachUserOneUniqueUid) {
  constexpr int kUsers = 40;
  for (int i = 0; i < kUsers; ++i) AddUser("user" + std::to_string(i));
  NssLocalFiles local_b = local_;
  local_b.group = dir_.WriteFile("etc-group-b",
                                 "root:x:0:\n"
                                 "users:x:100:\n"
                                 "staff:x:20003:carol\n"
                                 "hostb:x:20000:\n",
                                 0644);
  std::unique_ptr<Services> host_a = MakeServices(dir_.path() + "/a", 20099);
  std::unique_ptr<Services> host_b = MakeServices(dir_.path() + "/b", 20099);

  Result<NssSyncReport> ra = InvalidArgument("not run");
  Result<NssSyncReport> rb = InvalidArgument("not run");
  std::thread ta([&] {
    ra = SyncNss(host_a->db(), host_a->clock(), host_a->config().nss, local_);
  });
  std::thread tb([&] {
    rb = SyncNss(host_b->db(), host_b->clock(), host_b->config().nss, local_b);
  });
  ta.join();
  tb.join();
  ASSERT_TRUE(ra.ok()) << ra.status().ToString();
  ASSERT_TRUE(rb.ok()) << rb.status().ToString();
  EXPECT_EQ(ra->uids_assigned + rb->uids_assigned, kUsers);

  std::set<int64_t> uids;
  std::string holder_of_20000;
  for (int i = 0; i < kUsers; ++i) {
    const std::string name = "user" + std::to_string(i);
    const std::optional<int64_t> uid = UidOf(name);
    ASSERT_TRUE(uid.has_value()) << name;
    EXPECT_GE(*uid, 20000);
    EXPECT_LE(*uid, 20099);
    EXPECT_NE(*uid, 20001);
    EXPECT_NE(*uid, 20003);
    EXPECT_TRUE(uids.insert(*uid).second) << "uid given twice: " << *uid;
    if (*uid == 20000) holder_of_20000 = name;
  }
  // Host A writes everyone. Host B leaves out only a user that host A gave
  // 20000, B's local gid, and says so.
  EXPECT_EQ(ra->users_written, kUsers);
  EXPECT_TRUE(ra->skipped.empty());
  if (holder_of_20000.empty()) {
    EXPECT_EQ(rb->users_written, kUsers);
    EXPECT_TRUE(rb->skipped.empty());
  } else {
    EXPECT_EQ(rb->users_written, kUsers - 1);
    EXPECT_EQ(rb->skipped,
              (Lines{holder_of_20000 +
                     ": its uid 20000 is used by local group 'hostb'"}));
  }
  // A later run on either host assigns nothing and settles on the same
  // entries (less B's conflict).
  const NssSyncReport again_a = MustSync(*host_a);
  EXPECT_EQ(again_a.uids_assigned, 0);
  EXPECT_EQ(again_a.users_written, kUsers);
}

// The same race, made certain: another "host" has given uid 20000 to user1
// in a transaction it has not committed yet. This host's UPDATE of user0 to
// 20000 waits on that key; once the other commits it gets a duplicate, looks
// again and takes 20002; then it finds user1 already served.
TEST_F(NssSyncTest, AUidTakenByAnotherHostFirstMakesThisHostTryTheNext) {
  AddUser("user0");
  const int64_t user1 = AddUser("user1");
  std::unique_ptr<db::Connection> other = db().Connect();
  ASSERT_TRUE(other->Begin().ok());
  ASSERT_TRUE(
      other->Execute("UPDATE users SET uid = 20000 WHERE id = ?", {user1})
          .ok());

  Result<NssSyncReport> r = InvalidArgument("not run");
  std::thread sync([&] {
    r = SyncNss(services_->db(), services_->clock(), services_->config().nss,
                local_);
  });
  // Wait until this host's statement is blocked on the other's lock.
  std::unique_ptr<db::Connection> admin = db().ConnectAsAdmin();
  bool waiting = false;
  for (int i = 0; i < 500 && !waiting; ++i) {
    auto n = admin->QueryOne(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = ? "
        "AND INFO LIKE 'UPDATE users SET uid%' AND STATE = 'Updating'",
        {std::string_view(db().name())});
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    waiting = n->has_value() && (*n)->i64(0) == 1;
    if (!waiting) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(waiting) << "the sync never waited on the other host's lock";
  ASSERT_TRUE(other->Commit().ok());
  sync.join();

  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->uids_assigned, 1);  // user0 only
  EXPECT_EQ(r->users_written, 2);
  EXPECT_EQ(UidOf("user0"), 20002);
  EXPECT_EQ(UidOf("user1"), 20000);
  EXPECT_EQ(Passwd(),
            "user1:x:20000:20000::/home/user1:/bin/bash\n"
            "user0:x:20002:20002::/home/user0:/bin/bash\n");
}

TEST_F(NssSyncTest, AUidIsNeverGivenAgainAfterADelete) {
  // A new account must not inherit a deleted one's files on every host.
  const int64_t alice = AddUser("alice");
  MustSync();
  EXPECT_EQ(UidOf("alice"), 20000);
  ASSERT_TRUE(services_->users().Delete(alice).ok());
  AddUser("bob");
  MustSync();
  EXPECT_EQ(UidOf("bob"), 20002);  // 20001 is local user carol's
  // Also when the deleted account held the highest uid given, and across
  // Services (another host, another run).
  auto bob = services_->users().FindByUsername("bob");
  ASSERT_TRUE(bob.ok() && bob->has_value());
  ASSERT_TRUE(services_->users().Delete((*bob)->id).ok());
  std::unique_ptr<Services> other = MakeServices(dir_.path() + "/other");
  AddUser("dave");
  MustSync(*other);
  // 20003 is local group staff's gid.
  EXPECT_EQ(UidOf("dave"), 20004);
  EXPECT_EQ(ReadFile(other->config().nss.passwd_file),
            "dave:x:20004:20004::/home/dave:/bin/bash\n");
}

TEST_F(NssSyncTest, SkipsLocalReservedAndInvalidNames) {
  AddUser("alice");
  InsertRaw("carol");     // a local user of the host
  InsertRaw("staff");     // a local group of the host
  InsertRaw("daemon");    // reserved for a system account
  InsertRaw("Bad:Name");  // would break the passwd line
  const NssSyncReport r = MustSync();
  EXPECT_EQ(r.users_written, 1);
  EXPECT_EQ(r.uids_assigned, 1);
  EXPECT_EQ(r.skipped,
            (Lines{"carol: a local account of that name exists",
                   "staff: a local group of that name exists",
                   "daemon: the name is reserved for a system account",
                   "Bad:Name: not a valid Unix user name"}));
  // Skipped users get no uid.
  EXPECT_EQ(UidOf("carol"), std::nullopt);
  EXPECT_EQ(UidOf("staff"), std::nullopt);
  EXPECT_EQ(Passwd(), "alice:x:20000:20000::/home/alice:/bin/bash\n");
  EXPECT_EQ(Group(), "alice:x:20000:\n");
}

TEST_F(NssSyncTest, StoredUidsThatAreUnsafeAreLeftOut) {
  const int64_t alice = AddUser("alice");
  const int64_t bob = AddUser("bob");
  AddUser("dave");
  // A uid 0 row would be a second root; 20001 is now local user carol's.
  ASSERT_TRUE(
      conn().Execute("UPDATE users SET uid = 0 WHERE id = ?", {alice}).ok());
  ASSERT_TRUE(
      conn().Execute("UPDATE users SET uid = 20001 WHERE id = ?", {bob}).ok());
  const NssSyncReport r = MustSync();
  EXPECT_EQ(r.skipped,
            (Lines{"alice: its uid 0 is outside 1000..2147483647",
                   "bob: its uid 20001 is used by local user 'carol'"}));
  EXPECT_EQ(Passwd(), "dave:x:20000:20000::/home/dave:/bin/bash\n");
  EXPECT_EQ(UidOf("alice"), 0);  // left as it was
}

TEST_F(NssSyncTest, RangeExhaustionIsResourceExhaustedButOthersAreWritten) {
  std::unique_ptr<Services> small = MakeServices(dir_.path() + "/s", 20002);
  AddUser("alice");
  AddUser("bob");
  AddUser("dave");
  // 20000..20002 less carol's 20001: room for two.
  Result<NssSyncReport> r =
      SyncNss(small->db(), small->clock(), small->config().nss, local_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(r.status().message(),
            "no free uid left in [nss] uid_min..uid_max (20000..20002) for 1 "
            "user; widen the range (the files were written for the 2 users "
            "that have a uid)");
  EXPECT_EQ(UidOf("alice"), 20000);
  EXPECT_EQ(UidOf("bob"), 20002);
  EXPECT_EQ(UidOf("dave"), std::nullopt);
  EXPECT_EQ(ReadFile(dir_.path() + "/s/passwd"),
            "alice:x:20000:20000::/home/alice:/bin/bash\n"
            "bob:x:20002:20002::/home/bob:/bin/bash\n");
  // Still full on the next run; nothing new assigned.
  EXPECT_EQ(SyncNss(small->db(), small->clock(), small->config().nss, local_)
                .status()
                .code(),
            StatusCode::kResourceExhausted);
  // A wider range lets dave in.
  EXPECT_EQ(MustSync().uids_assigned, 1);
  EXPECT_EQ(UidOf("dave"), 20004);
}

TEST_F(NssSyncTest, OnlyActiveUsersAreWrittenAndUidsSurviveDeactivation) {
  const int64_t alice = AddUser("alice");
  AddUser("bob", "", /*active=*/false);
  NssSyncReport r = MustSync();
  EXPECT_EQ(r.users_written, 1);
  EXPECT_EQ(r.uids_assigned, 1);
  EXPECT_EQ(UidOf("bob"), std::nullopt);  // no uid while inactive
  EXPECT_EQ(Passwd(), "alice:x:20000:20000::/home/alice:/bin/bash\n");

  ASSERT_TRUE(services_->users().SetActive(alice, false).ok());
  r = MustSync();
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(r.users_written, 0);
  EXPECT_EQ(Passwd(), "");
  EXPECT_EQ(Group(), "");
  EXPECT_EQ(UidOf("alice"), 20000);  // kept

  ASSERT_TRUE(services_->users().SetActive(alice, true).ok());
  r = MustSync();
  EXPECT_EQ(r.uids_assigned, 0);
  EXPECT_EQ(Passwd(), "alice:x:20000:20000::/home/alice:/bin/bash\n");
}

TEST_F(NssSyncTest, FullNamesAreSanitisedForTheGecosField) {
  const int64_t id = AddUser("alice", "Smith, John: \"Jack\"");
  ASSERT_TRUE(conn()
                  .Execute("UPDATE users SET full_name = ? WHERE id = ?",
                           {std::string_view("  Tab\there,\nnew:line\r\x7f "
                                             "Gr\xC3\xBC\xC3\x9F"
                                             "e  "),
                            id})
                  .ok());
  MustSync();
  EXPECT_EQ(Passwd(),
            "alice:x:20000:20000:Tab here new line "
            "Gr\xC3\xBC\xC3\x9F"
            "e:/home/alice:/bin/bash\n");
  ASSERT_TRUE(services_->users().SetFullName(id, "Smith, John: \"Jack\"").ok());
  MustSync();
  EXPECT_EQ(Passwd(),
            "alice:x:20000:20000:Smith John \"Jack\":/home/alice:/bin/bash\n");
}

TEST_F(NssSyncTest, HomeBaseAndShellComeFromTheConfig) {
  Config c = MakeConfig(dir_.path() + "/hs");
  c.nss.home_base = "/";
  c.nss.shell = "/usr/bin/zsh";
  std::unique_ptr<Services> s = Services::WithConnection(
      c, db().Connect(), SystemClock::Shared(), SystemRandom::Shared());
  AddUser("alice");
  MustSync(*s);
  EXPECT_EQ(ReadFile(dir_.path() + "/hs/passwd"),
            "alice:x:20000:20000::/alice:/usr/bin/zsh\n");
}

struct stat StatOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st;
}

TEST_F(NssSyncTest, FilesAreReplacedAtomicallyWithMode0644) {
  // A directory that does not exist yet, under a strict umask.
  std::unique_ptr<Services> s = MakeServices(dir_.path() + "/new/nss");
  const std::string passwd = s->config().nss.passwd_file;
  AddUser("alice");
  const mode_t old_umask = ::umask(077);
  MustSync(*s);
  EXPECT_EQ(StatOf(dir_.path() + "/new").st_mode & 07777, 0755u);
  EXPECT_EQ(StatOf(dir_.path() + "/new/nss").st_mode & 07777, 0755u);
  EXPECT_EQ(StatOf(passwd).st_mode & 07777, 0644u);
  EXPECT_EQ(StatOf(s->config().nss.group_file).st_mode & 07777, 0644u);

  // A reader that opened the old file keeps reading the whole old file: the
  // new one is a new inode renamed over it, not a rewrite in place.
  std::ifstream reader(passwd);
  const ino_t old_inode = StatOf(passwd).st_ino;
  AddUser("bob");
  EXPECT_TRUE(MustSync(*s).changed);
  std::stringstream old_text;
  old_text << reader.rdbuf();
  EXPECT_EQ(old_text.str(), "alice:x:20000:20000::/home/alice:/bin/bash\n");
  EXPECT_NE(StatOf(passwd).st_ino, old_inode);
  EXPECT_TRUE(Contains(ReadFile(passwd), "bob:x:20002:")) << ReadFile(passwd);

  // Unchanged: not rewritten (same inode). A wrong mode is repaired.
  const ino_t inode = StatOf(passwd).st_ino;
  EXPECT_FALSE(MustSync(*s).changed);
  EXPECT_EQ(StatOf(passwd).st_ino, inode);
  ASSERT_EQ(::chmod(passwd.c_str(), 0600), 0);
  EXPECT_TRUE(MustSync(*s).changed);
  EXPECT_EQ(StatOf(passwd).st_mode & 07777, 0644u);
  ::umask(old_umask);

  // No temp files are left behind.
  std::vector<std::string> names;
  for (const auto& e :
       std::filesystem::directory_iterator(dir_.path() + "/new/nss")) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (Lines{"group", "passwd"}));
}

TEST_F(NssSyncTest, UnwritableTargetIsAnIoErrorNamingThePath) {
  // A regular file where the directory should be.
  dir_.WriteFile("blocker", "", 0644);
  std::unique_ptr<Services> s = MakeServices(dir_.path() + "/blocker/nss");
  AddUser("alice");
  Result<NssSyncReport> r =
      SyncNss(s->db(), s->clock(), s->config().nss, local_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
  EXPECT_TRUE(Contains(r.status().message(), dir_.path() + "/blocker"))
      << r.status().message();
}

TEST_F(NssSyncTest, MissingLocalPasswdIsAnIoError) {
  AddUser("alice");
  NssLocalFiles missing = local_;
  missing.passwd = dir_.path() + "/no-passwd";
  Result<NssSyncReport> r = SyncNss(services_->db(), services_->clock(),
                                    services_->config().nss, missing);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
  EXPECT_EQ(r.status().message(),
            missing.passwd + ": cannot read: No such file or directory");
  // Nothing was assigned: without the local files no uid is safe.
  EXPECT_EQ(UidOf("alice"), std::nullopt);
}

TEST_F(NssSyncTest, DatabaseDownIsUnavailableAndLeavesTheFiles) {
  AddUser("alice");
  MustSync();
  const std::string passwd = Passwd();
  ASSERT_FALSE(passwd.empty());

  Config down = services_->config();
  down.database.socket = dir_.path() + "/no-such.sock";
  down.database.hosts.clear();
  down.database.connect_timeout = Millis(500);
  Result<std::unique_ptr<Services>> s = Services::Open(down);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  Result<NssSyncReport> r =
      SyncNss((*s)->db(), (*s)->clock(), (*s)->config().nss, local_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(Passwd(), passwd);
}

}  // namespace
}  // namespace latchkey
