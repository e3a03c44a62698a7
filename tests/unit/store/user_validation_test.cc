// The pure validators of user_store.h.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "latchkey/store/user_store.h"
#include "support/temp_dir.h"

namespace latchkey {
namespace {

using testing::TempDir;

class UsernameTest : public ::testing::Test {
 protected:
  UsernameTest() {
    passwd_ = dir_.WriteFile(
        "passwd",
        "root:x:0:0:root:/root:/bin/bash\n"
        "postgres:x:110:118:PostgreSQL administrator:/var/lib/postgresql:"
        "/bin/bash\n"
        "alice-local:x:1000:1000:Alice,,,:/home/alice:/bin/bash\n",
        0644);
  }
  Status Check(std::string_view name) {
    return ValidateUsername(name, passwd_);
  }
  TempDir dir_;
  std::string passwd_;
};

TEST_F(UsernameTest, AcceptsOrdinaryNames) {
  for (std::string_view name :
       {"bob", "alice", "a", "j-doe", "user_2", "x123456789",
        "abcdefghijklmnopqrstuvwxyz012345"}) {
    EXPECT_TRUE(Check(name).ok()) << name << ": " << Check(name).ToString();
  }
  // The form allows a leading '_'; the reserved list takes every such name
  // (the prefix of new system users: _apt, _chrony).
  EXPECT_TRUE(CheckUsernameForm("_svc").ok());
  EXPECT_FALSE(Check("_svc").ok());
}

TEST(UsernameFormTest, PaddingControlAndCaseAreNotUsernames) {
  for (std::string_view name :
       {"alice ", " alice", "alice\t", "\talice", "alice\n", "alice\r", "Alice",
        "ALICE", "al ice", "alice\x01", "alice\x7f", "alice\xc2\xa0",
        "abcdefghijklmnopqrstuvwxyz0123456", ""}) {
    EXPECT_EQ(CheckUsernameForm(name).code(), StatusCode::kInvalidArgument)
        << ::testing::PrintToString(std::string(name));
    EXPECT_FALSE(MatchLogin(name, true).has_value());
    EXPECT_FALSE(MatchLogin(name, false).has_value());
  }
  EXPECT_FALSE(MatchLogin(std::string_view("alice\0", 6), true).has_value());
  EXPECT_TRUE(MatchLogin("alice", true).has_value());
  EXPECT_EQ(MatchLogin("alice", true)->value, "alice");
}

TEST(ReservedNamesTest, SystemAndCloudImageNamesAreReserved) {
  for (std::string_view name : {"root",       "admin",     "administrator",
                                "admin2",     "admins",    "ubuntu",
                                "debian",     "centos",    "fedora",
                                "rocky",      "almalinux", "alpine",
                                "arch",       "opc",       "cloud-user",
                                "ec2-user",   "azureuser", "pi",
                                "vagrant",    "deploy",    "git",
                                "postgres",   "mysql",     "www-data",
                                "nobody",     "sshd",      "daemon",
                                "bin",        "sys",       "sync",
                                "games",      "man",       "lp",
                                "mail",       "news",      "uucp",
                                "proxy",      "backup",    "list",
                                "irc",        "gnats",     "systemd-network",
                                "messagebus", "_apt",      "_chrony",
                                "nginx",      "apache",    "httpd",
                                "ftp",        "operator",  "support",
                                "test",       "guest"}) {
    EXPECT_TRUE(IsBuiltinReservedUsername(name)) << name;
  }
  for (std::string_view name :
       {"alice", "bob", "deployer-bob", "gitte", "testa", "ada", "adam",
        "rooty", "systemdfan", "demo-admin", "user", "user0", "pia"}) {
    EXPECT_FALSE(IsBuiltinReservedUsername(name)) << name;
  }
  // nss-sync's shorter list: names accounts from before may hold.
  EXPECT_TRUE(IsSystemUsername("root"));
  EXPECT_TRUE(IsSystemUsername("systemd-timesync"));
  EXPECT_FALSE(IsSystemUsername("admin"));
  EXPECT_FALSE(IsSystemUsername("ubuntu"));
}

TEST_F(UsernameTest, TheReservedNamesFile) {
  const std::string file = dir_.WriteFile("reserved",
                                          "# our service accounts\n"
                                          "buildbot\n"
                                          "\n"
                                          "  jenkins   # CI\n"
                                          "\tbackup-bot\t\n",
                                          0644);
  Result<std::set<std::string>> names = ReadReservedNames(file);
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  EXPECT_EQ(*names,
            (std::set<std::string>{"backup-bot", "buildbot", "jenkins"}));
  for (std::string_view name : {"buildbot", "jenkins", "backup-bot", "root"}) {
    const Status s = ValidateUsername(name, passwd_, file);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << name;
    EXPECT_EQ(s.message(), "the username '" + std::string(name) +
                               "' is reserved for a system account");
  }
  EXPECT_TRUE(ValidateUsername("buildbot2", passwd_, file).ok());
  EXPECT_TRUE(ReadReservedNames("")->empty());

  // A configured file that cannot be read refuses every name (IoError),
  // rather than letting reserved names through.
  const std::string missing = dir_.path() + "/no-such-list";
  EXPECT_EQ(ReadReservedNames(missing).status().code(), StatusCode::kIoError);
  EXPECT_EQ(ValidateUsername("alice", passwd_, missing).code(),
            StatusCode::kIoError);

  const std::string bad = dir_.WriteFile("bad", "ok\nNot Valid\n", 0644);
  const Status s = ReadReservedNames(bad).status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find(bad + ":2: "), std::string::npos) << s.message();
}

TEST_F(UsernameTest, RefusesBadSyntax) {
  for (std::string_view name :
       {"", "Bob", "1abc", "-abc", "bob smith", "bob.smith", "bob@x", "bób",
        "abcdefghijklmnopqrstuvwxyz0123456", "bob\n", "bob:x", "../etc",
        "bob$"}) {
    const Status s = Check(name);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << "'" << name << "'";
  }
  EXPECT_TRUE(Check(std::string_view("b\0b", 3)).code() ==
              StatusCode::kInvalidArgument);
}

TEST_F(UsernameTest, RefusesTheBuiltInSystemNames) {
  for (std::string_view name : {"root",
                                "daemon",
                                "bin",
                                "sys",
                                "sync",
                                "games",
                                "man",
                                "lp",
                                "mail",
                                "news",
                                "uucp",
                                "proxy",
                                "www-data",
                                "backup",
                                "list",
                                "irc",
                                "nobody",
                                "sshd",
                                "systemd-network",
                                "systemd-timesync",
                                "_apt",
                                "messagebus",
                                "latchkey"}) {
    EXPECT_TRUE(IsBuiltinReservedUsername(name)) << name;
    const Status s = ValidateUsername(name, dir_.path() + "/no-such-file");
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << name;
    EXPECT_NE(s.message().find("reserved"), std::string::npos) << name;
  }
  EXPECT_FALSE(IsBuiltinReservedUsername("rooty"));
  EXPECT_FALSE(IsBuiltinReservedUsername("systemdfan"));
}

TEST_F(UsernameTest, RefusesNamesInThePasswdFile) {
  EXPECT_EQ(Check("postgres").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Check("alice-local").code(), StatusCode::kInvalidArgument);
  EXPECT_NE(Check("postgres").message().find("'postgres' is reserved"),
            std::string::npos);
  // Only whole names count.
  EXPECT_TRUE(Check("postgre").ok());
  EXPECT_TRUE(Check("alice").ok());
}

TEST_F(UsernameTest, ManyThreadsCheckAtOnce) {
  // The portal validates usernames on many threads; fgetpwent's one static
  // entry would let them read each other's lines.
  std::string big;
  for (int i = 0; i < 400; ++i) {
    big += "local" + std::to_string(i) + ":x:" + std::to_string(2000 + i) +
           ":100::/home/local" + std::to_string(i) + ":/bin/sh\n";
  }
  const std::string path = dir_.WriteFile("passwd-big", big, 0644);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 150; ++i) {
        const std::string taken = "local" + std::to_string((i * 7 + t) % 400);
        const std::string free = "remote" + std::to_string(i);
        if (ValidateUsername(taken, path).ok()) ++wrong;
        if (!ValidateUsername(free, path).ok()) ++wrong;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST_F(UsernameTest, TheRealPasswdFileIsReadByDefault) {
  // Every system has root; it is also built in, so test a name that is
  // only in /etc/passwd when it is there.
  EXPECT_FALSE(ValidateUsername("root").ok());
  EXPECT_TRUE(ValidateUsername("zz-latchkey-test-nobody-has-this").ok());
}

TEST(NormalizeEmailTest, TrimsAndLowerCases) {
  auto r = NormalizeEmail("  Bob.Smith+tag@Example.ORG \t");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, "bob.smith+tag@example.org");
  EXPECT_EQ(*NormalizeEmail("a@b.co"), "a@b.co");
  EXPECT_EQ(*NormalizeEmail("o'brien@mail.example.ie"),
            "o'brien@mail.example.ie");
  EXPECT_EQ(*NormalizeEmail("x@bücher.de"), "x@bücher.de");
  EXPECT_EQ(*NormalizeEmail("x@sub-domain.example-1.com"),
            "x@sub-domain.example-1.com");
}

TEST(NormalizeEmailTest, RefusesMalformedAddresses) {
  for (std::string_view bad : {"",
                               "   ",
                               "bob",
                               "bob@",
                               "@example.org",
                               "bob@@example.org",
                               "a@b@c.org",
                               "bob@localhost",
                               "bob smith@example.org",
                               "bob@exa mple.org",
                               ".bob@example.org",
                               "bob.@example.org",
                               "bo..b@example.org",
                               "bob@example..org",
                               "bob@-example.org",
                               "bob@example-.org",
                               "bob@example.org.",
                               "\"bob\"@example.org",
                               "bob@exa_mple.org",
                               "bob\n@example.org",
                               "bob@example.org\x01x",
                               "b\xc3\xa9@example.org",
                               "bob@ex\xff.org",
                               "bob@[127.0.0.1]"}) {
    const auto r = NormalizeEmail(bad);
    ASSERT_FALSE(r.ok()) << "'" << bad << "' gave " << *r;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(), "not a valid email address");
  }
}

TEST(NormalizeEmailTest, LengthLimits) {
  const std::string local64(64, 'a');
  EXPECT_TRUE(NormalizeEmail(local64 + "@example.org").ok());
  EXPECT_FALSE(NormalizeEmail(local64 + "a@example.org").ok());
  // 254 bytes in all is the limit.
  std::string domain;
  while (domain.size() < 240) domain += std::string(9, 'd') + ".";
  domain += "org";
  const std::string at_limit =
      std::string(254 - 1 - domain.size(), 'u') + "@" + domain;
  ASSERT_EQ(at_limit.size(), 254u);
  EXPECT_TRUE(NormalizeEmail(at_limit).ok());
  EXPECT_FALSE(NormalizeEmail("u" + at_limit).ok());
  EXPECT_FALSE(
      NormalizeEmail("a@" + std::string(64, 'x') + ".example.org").ok());
}

TEST(ValidateFullNameTest, AcceptsNamesFromEverywhere) {
  for (std::string_view name :
       {"", "Bob Smith", "Zoë Ångström", "山田太郎", "Ólafur Ragnar Grímsson",
        "Nguyễn Văn A", "O'Brien-Smith, Jr."}) {
    EXPECT_TRUE(ValidateFullName(name).ok()) << name;
  }
}

TEST(ValidateFullNameTest, RefusesControlsBadUtf8AndLongNames) {
  EXPECT_FALSE(ValidateFullName("Bob\nSmith").ok());
  EXPECT_FALSE(ValidateFullName("Bob\tSmith").ok());
  EXPECT_FALSE(ValidateFullName("Bob\x7f").ok());
  EXPECT_FALSE(ValidateFullName("Bob\xc2\x85").ok());  // U+0085 NEL
  EXPECT_FALSE(ValidateFullName("Bob\xff").ok());
  EXPECT_FALSE(ValidateFullName(std::string_view("Bob\0", 4)).ok());
  std::string max;
  for (int i = 0; i < 200; ++i) max += "é";  // 200 code points, 400 bytes
  EXPECT_TRUE(ValidateFullName(max).ok());
  EXPECT_FALSE(ValidateFullName(max + "e").ok());
  EXPECT_EQ(ValidateFullName(max + "e").code(), StatusCode::kInvalidArgument);
}

TEST(ValidateRoleNameTest, Syntax) {
  EXPECT_TRUE(ValidateRoleName("admin").ok());
  EXPECT_TRUE(ValidateRoleName("db-operators_2").ok());
  EXPECT_FALSE(ValidateRoleName("").ok());
  EXPECT_FALSE(ValidateRoleName("Admin").ok());
  EXPECT_FALSE(ValidateRoleName("a,b").ok());
  EXPECT_FALSE(ValidateRoleName("_x").ok());
  EXPECT_FALSE(ValidateRoleName(std::string(65, 'a')).ok());
}

}  // namespace
}  // namespace latchkey
