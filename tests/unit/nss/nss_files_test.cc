// FilterNssMap (the agent's own checks of a directory's map) and
// WriteNssFiles (the nss-sync file format, shared by nss-sync and the
// agent).
#include "latchkey/nss/nss_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace latchkey {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class NssFilesTest : public ::testing::Test {
 protected:
  NssFilesTest() {
    local_passwd_ =
        dir_.WriteFile("passwd",
                       "root:x:0:0:root:/root:/bin/bash\n"
                       "localbob:x:1000:1000::/home/localbob:/bin/sh\n"
                       "squatter:x:20050:20050::/home/squatter:/bin/sh\n",
                       0644);
    local_group_ =
        dir_.WriteFile("group", "root:x:0:\nsudo:x:27:localbob\n", 0644);
    config_.passwd_file = dir_.path() + "/extra/passwd";
    config_.group_file = dir_.path() + "/extra/group";
    config_.uid_min = 20000;
    config_.uid_max = 29999;
  }

  static NssPasswdEntry User(std::string name, int64_t uid) {
    return {std::move(name), uid, uid, "Full Name", "/home/x", "/bin/bash"};
  }

  NssMapVerdict Filter(const std::vector<NssPasswdEntry>& users,
                       const std::vector<NssGroupEntry>& groups = {}) {
    Result<NssMapVerdict> v =
        FilterNssMap(config_, users, groups, local_passwd_, local_group_);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? *v : NssMapVerdict{};
  }

  std::vector<std::string> AcceptedNames(const NssMapVerdict& v) {
    std::vector<std::string> names;
    for (const NssPasswdEntry& u : v.users) names.push_back(u.name);
    return names;
  }

  testing::TempDir dir_;
  std::string local_passwd_;
  std::string local_group_;
  NssConfig config_;
};

TEST_F(NssFilesTest, AcceptsAGoodEntry) {
  const NssMapVerdict v = Filter({User("alice", 20001)});
  ASSERT_EQ(v.users.size(), 1u);
  EXPECT_TRUE(v.skipped.empty());
}

TEST_F(NssFilesTest, RefusesUidZeroAndIdsOutsideTheRange) {
  NssPasswdEntry gid0 = User("gidzero", 20002);
  gid0.gid = 0;
  const NssMapVerdict v = Filter({User("alice", 20001), User("evil", 0), gid0,
                                  User("far", 30000), User("low", 19999)});
  EXPECT_EQ(AcceptedNames(v), std::vector<std::string>{"alice"});
  ASSERT_EQ(v.skipped.size(), 4u);
  EXPECT_EQ(v.skipped[0], "evil: uid 0 is outside 20000..29999");
  EXPECT_EQ(v.skipped[1], "gidzero: gid 0 is outside 20000..29999");
}

TEST_F(NssFilesTest, RefusesLocalAndSystemNamesAndBadNames) {
  const NssMapVerdict v =
      Filter({User("root", 20001), User("localbob", 20002), User("sudo", 20003),
              User("daemon", 20004), User("Bad Name", 20005),
              User("a\nb", 20006), User("alice", 20007)});
  EXPECT_EQ(AcceptedNames(v), std::vector<std::string>{"alice"});
  ASSERT_EQ(v.skipped.size(), 6u);
  EXPECT_EQ(v.skipped[0], "root: the name is reserved for a system account");
  EXPECT_EQ(v.skipped[1], "localbob: a local account of that name exists");
  EXPECT_EQ(v.skipped[2], "sudo: a local group of that name exists");
  EXPECT_EQ(v.skipped[5], "a?b: not a valid Unix user name");
}

TEST_F(NssFilesTest, RefusesALocalUidAndDuplicates) {
  const NssMapVerdict v = Filter({User("alice", 20050), User("bob", 20001),
                                  User("bob", 20002), User("carl", 20001)});
  EXPECT_EQ(AcceptedNames(v), std::vector<std::string>{"bob"});
  EXPECT_EQ(v.skipped[0], "alice: uid 20050 is used by local user 'squatter'");
}

TEST_F(NssFilesTest, RefusesFieldsThatBreakTheLine) {
  NssPasswdEntry shell = User("shelly", 20001);
  shell.shell = "/bin/sh\nroot2::0:0::/:/bin/sh";
  NssPasswdEntry home = User("homer", 20002);
  home.home = "/home/a:b";
  NssPasswdEntry relative = User("rel", 20003);
  relative.home = "home/rel";
  NssPasswdEntry gecos = User("gec", 20004);
  gecos.gecos = "Evil:\nroot::0:0";
  const NssMapVerdict v = Filter({shell, home, relative, gecos});
  EXPECT_EQ(AcceptedNames(v), std::vector<std::string>{"gec"});
  EXPECT_EQ(v.users[0].gecos, "Evil root 0 0");
}

TEST_F(NssFilesTest, FiltersGroupsAndTheirMembers) {
  const NssMapVerdict v =
      Filter({User("alice", 20001)},
             {{"ops", 20100, {"alice", "root", "localbob", "Bad"}},
              {"root", 20101, {}},
              {"wheel0", 0, {"alice"}},
              {"sudo", 20102, {"alice"}}});
  ASSERT_EQ(v.groups.size(), 1u);
  EXPECT_EQ(v.groups[0].name, "ops");
  EXPECT_EQ(v.groups[0].members, std::vector<std::string>{"alice"});
}

TEST_F(NssFilesTest, MissingLocalFileIsAnError) {
  EXPECT_FALSE(FilterNssMap(config_, {User("alice", 20001)}, {},
                            dir_.path() + "/nope", local_group_)
                   .ok());
}

TEST_F(NssFilesTest, WritesTheNssSyncFormatOnlyWhenChanged) {
  std::vector<NssPasswdEntry> users = {User("bob", 20002),
                                       User("alice", 20001)};
  std::vector<NssGroupEntry> groups = {{"ops", 20100, {"alice", "bob"}},
                                       {"alice", 20001, {}}};
  Result<bool> changed = WriteNssFiles(config_, users, groups);
  ASSERT_TRUE(changed.ok()) << changed.status().ToString();
  EXPECT_TRUE(*changed);
  EXPECT_EQ(Read(config_.passwd_file),
            "alice:x:20001:20001:Full Name:/home/x:/bin/bash\n"
            "bob:x:20002:20002:Full Name:/home/x:/bin/bash\n");
  EXPECT_EQ(Read(config_.group_file),
            "alice:x:20001:\nops:x:20100:alice,bob\n");
  struct stat st {};
  ASSERT_EQ(::stat(config_.passwd_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  changed = WriteNssFiles(config_, users, groups);
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(*changed);
  changed = WriteNssFiles(config_, {}, {});
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(*changed);
  EXPECT_EQ(Read(config_.passwd_file), "");
}

}  // namespace
}  // namespace latchkey
