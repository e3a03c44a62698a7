// AdminReturnPath: where the re-authentication form may send an admin back
// to. Only pages of the admin area on this site: anything else would make
// the form an open redirect.
#include <gtest/gtest.h>

#include "portal/admin/gate.h"

namespace latchkey::portal {
namespace {

TEST(AdminReturnPath, KeepsAdminPages) {
  EXPECT_EQ(AdminReturnPath("/admin"), "/admin");
  EXPECT_EQ(AdminReturnPath("/admin/users/7"), "/admin/users/7");
  EXPECT_EQ(AdminReturnPath("/admin/users?q=ada&role=admin"),
            "/admin/users?q=ada&role=admin");
  EXPECT_EQ(AdminReturnPath("/admin?x=1"), "/admin?x=1");
}

TEST(AdminReturnPath, AnythingElseIsTheOverview) {
  for (const char* path :
       {"", "/", "/profile", "//evil.example/admin", "https://evil.example/",
        "/administrator", "/admin//evil.example", "/admin/\\evil",
        "/admin/x\r\nSet-Cookie: a=b", "/admin/ x", "admin/users",
        "/admin/users/\x7f"}) {
    EXPECT_EQ(AdminReturnPath(path), "/admin") << path;
  }
}

}  // namespace
}  // namespace latchkey::portal
