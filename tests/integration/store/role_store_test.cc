// Roles against a real database: the store (list with member counts,
// create, delete with its refusals) and RoleAdmin's audit rows.
#include "latchkey/store/role_store.h"

#include <gtest/gtest.h>

#include "latchkey/account/role_admin.h"
#include "latchkey/store/audit_query.h"
#include "support/services_test.h"

namespace latchkey {
namespace {

class RoleStoreTest : public testing::ServicesTest {
 protected:
  std::optional<RoleSummary> Find(const std::string& name) {
    Result<std::vector<RoleSummary>> all = RoleStore(s().db()).List();
    EXPECT_TRUE(all.ok()) << all.status().ToString();
    if (!all.ok()) return std::nullopt;
    for (const RoleSummary& r : *all) {
      if (r.name == name) return r;
    }
    return std::nullopt;
  }
  AdminActor Actor() {
    AdminActor a;
    a.ctx.service = "cli";
    a.name = "root (uid 0)";
    return a;
  }
};

TEST_F(RoleStoreTest, ListsBuiltinsWithMemberCounts) {
  MakeUser("amy");
  MakeUser("bob");
  std::optional<RoleSummary> user = Find("user");
  ASSERT_TRUE(user.has_value());
  EXPECT_EQ(user->members, 2);
  std::optional<RoleSummary> admin = Find("admin");
  ASSERT_TRUE(admin.has_value());
  EXPECT_EQ(admin->members, 0);
  EXPECT_TRUE(IsBuiltinRole("admin"));
  EXPECT_TRUE(IsBuiltinRole("user"));
  EXPECT_FALSE(IsBuiltinRole("ops"));
}

TEST_F(RoleStoreTest, CreateChecksNameDescriptionAndDuplicates) {
  RoleStore roles(s().db());
  ASSERT_TRUE(roles.Create("ops", "runs the hosts").ok());
  std::optional<RoleSummary> ops = Find("ops");
  ASSERT_TRUE(ops.has_value());
  EXPECT_EQ(ops->description, "runs the hosts");
  EXPECT_EQ(ops->members, 0);
  EXPECT_EQ(roles.Create("ops", "").code(), StatusCode::kAlreadyExists);
  for (const char* bad : {"", "Ops", "1ops", "ops team", "ops\n",
                          "a234567890123456789012345678901234567890123456789"
                          "0123456789012345"}) {
    EXPECT_EQ(roles.Create(bad, "").code(), StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_EQ(roles.Create("longdesc", std::string(256, 'x')).code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(roles.Create("okdesc", std::string(255, 'x')).ok());
  EXPECT_EQ(roles.Create("tabdesc", "a\tb").code(),
            StatusCode::kInvalidArgument);
  // 255 characters, more bytes: the limit counts characters.
  std::string wide;
  for (int i = 0; i < 255; ++i) wide += "ë";
  EXPECT_TRUE(roles.Create("widedesc", wide).ok());
}

TEST_F(RoleStoreTest, DeleteRemovesItFromItsMembers) {
  const int64_t amy = MakeUser("amy");
  const int64_t bob = MakeUser("bob");
  RoleStore roles(s().db());
  ASSERT_TRUE(roles.Create("ops", "").ok());
  ASSERT_TRUE(s().users().AddRole(amy, "ops").ok());
  ASSERT_TRUE(s().users().AddRole(bob, "ops").ok());
  EXPECT_EQ(Find("ops")->members, 2);
  Result<int64_t> removed = roles.Delete("ops");
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, 2);
  EXPECT_FALSE(Find("ops").has_value());
  EXPECT_FALSE(Load(amy).HasRole("ops"));
  EXPECT_TRUE(Load(amy).HasRole("user"));
  EXPECT_EQ(roles.Delete("ops").status().code(), StatusCode::kNotFound);
}

TEST_F(RoleStoreTest, BuiltinRolesCannotBeDeleted) {
  RoleStore roles(s().db());
  for (const char* name : {"admin", "user"}) {
    Result<int64_t> r = roles.Delete(name);
    EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << name;
    EXPECT_NE(r.status().message().find("cannot be deleted"),
              std::string::npos);
    EXPECT_TRUE(Find(name).has_value());
  }
}

TEST_F(RoleStoreTest, RoleAdminAuditsNamingTheAdmin) {
  RoleAdmin admin(s());
  ASSERT_TRUE(admin.Create("auditors", "read the log", Actor()).ok());
  MakeUser("amy");
  ASSERT_TRUE(s().users().AddRole(FindUser("amy")->id, "auditors").ok());
  Result<int64_t> removed = admin.Delete("auditors", Actor());
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 1);
  AuditFilter f;
  f.event = AuditEvent::kRoleCreated;
  Result<std::vector<AuditEntry>> created = QueryAuditEvents(s().db(), f);
  ASSERT_TRUE(created.ok());
  ASSERT_EQ(created->size(), 1u);
  EXPECT_EQ((*created)[0].detail, "role auditors by root (uid 0)");
  EXPECT_EQ((*created)[0].service, "cli");
  f.event = AuditEvent::kRoleDeleted;
  Result<std::vector<AuditEntry>> deleted = QueryAuditEvents(s().db(), f);
  ASSERT_TRUE(deleted.ok());
  ASSERT_EQ(deleted->size(), 1u);
  EXPECT_EQ((*deleted)[0].detail, "role auditors, held by 1, by root (uid 0)");
  // Refusals audit nothing and name the field.
  Status bad = admin.Create("Bad", "", Actor());
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.message().rfind("name: ", 0), 0u) << bad.message();
  EXPECT_EQ(admin.Delete("admin", Actor()).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(Events("role_created"), 1);
  EXPECT_EQ(Events("role_deleted"), 1);
}

}  // namespace
}  // namespace latchkey
