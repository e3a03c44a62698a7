// Who may own the files latchkey trusts: the config must belong to root or
// the running user and must not be group-writable; secret files (database
// password, keys) must belong to the running user.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "latchkey/config/config.h"
#include "support/temp_dir.h"

namespace latchkey {
namespace {

using testing::TempDir;

// An owner that is neither root nor us (nobody's uid on Debian).
constexpr uid_t kStranger = 65534;

TEST(ConfigOwnerTest, RefusesGroupWritableConfig) {
  TempDir dir;
  for (const int mode : {0620, 0660, 0670}) {
    const std::string path = dir.WriteFile("g.conf", "", mode);
    ASSERT_EQ(::chmod(path.c_str(), static_cast<mode_t>(mode)), 0);
    Result<Config> c = LoadConfig(path);
    ASSERT_FALSE(c.ok()) << mode;
    EXPECT_EQ(c.status().code(), StatusCode::kPermissionDenied);
    char octal[8];
    std::snprintf(octal, sizeof octal, "%04o", mode);
    EXPECT_EQ(c.status().message(),
              path + ": refusing a group-writable config file (mode " + octal +
                  "); its group could change it: chmod g-w " + path);
  }
}

TEST(ConfigOwnerTest, GroupReadableConfigIsFine) {
  TempDir dir;
  const std::string path = dir.WriteFile("r.conf", "", 0640);
  EXPECT_TRUE(LoadConfig(path).ok());
}

TEST(ConfigOwnerTest, RefusesConfigOwnedBySomeoneElse) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to chown";
  TempDir dir;
  const std::string path = dir.WriteFile("o.conf", "", 0600);
  ASSERT_EQ(::chown(path.c_str(), kStranger, 0), 0);
  Result<Config> c = LoadConfig(path);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(c.status().message(),
            path +
                ": refusing a config file owned by uid 65534 (mode 0600); it "
                "must belong to root or to the user that reads it (uid 0): "
                "chown root " +
                path);
}

TEST(SecretFileOwnerTest, RefusesSecretFileOwnedBySomeoneElse) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to chown";
  TempDir dir;
  const std::string path = dir.WriteFile("pw", "secret\n", 0600);
  ASSERT_EQ(::chown(path.c_str(), kStranger, 0), 0);
  Result<Secret> s = ReadSecretFile(path, true);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(s.status().message(),
            path +
                ": refusing a secret file owned by uid 65534 (mode 0600); it "
                "must belong to the user that reads it (uid 0): chown 0 " +
                path);
  const std::string key = dir.WriteFile("key", std::string(32, 'k'), 0600);
  ASSERT_EQ(::chown(key.c_str(), kStranger, 0), 0);
  Result<Secret> k = ReadSecretKey(key);
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.status().code(), StatusCode::kPermissionDenied);
}

TEST(SecretFileOwnerTest, OwnFileIsRead) {
  TempDir dir;
  const std::string path = dir.WriteFile("pw", "secret\n", 0600);
  Result<Secret> s = ReadSecretFile(path, true);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->view(), "secret");
}

}  // namespace
}  // namespace latchkey
