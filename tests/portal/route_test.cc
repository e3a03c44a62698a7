#include "portal/route.h"

#include <gtest/gtest.h>

#include "portal/context.h"

namespace latchkey::portal {
namespace {

Response A(Context&) { return Response::Text("a"); }
Response B(Context&) { return Response::Text("b"); }

constexpr Route kTable[] = {
    {"/login", kGet, A, kNone},
    {"/login", kPost, B, kKdfBound},
    {"/users/{id}", kGet | Method::kDelete, A, kNone},
    {"/users/{id}/roles/{role}", kPut, B, kNone},
    {"/static/*", kGet, A, kNone},
    {"/api/v1/me", kGet, A, kApi},
};

TEST(MatchRoute, ExactPathsAndMethods) {
  RouteMatch m = MatchRoute(kTable, Method::kGet, "/login");
  ASSERT_EQ(m.kind, RouteMatch::kFound);
  EXPECT_EQ(m.index, 0u);
  m = MatchRoute(kTable, Method::kPost, "/login");
  ASSERT_EQ(m.kind, RouteMatch::kFound);
  EXPECT_EQ(m.index, 1u);
  m = MatchRoute(kTable, Method::kHead, "/login");
  ASSERT_EQ(m.kind, RouteMatch::kFound);
  EXPECT_EQ(m.index, 0u);
}

TEST(MatchRoute, WrongMethodListsAllowed) {
  RouteMatch m = MatchRoute(kTable, Method::kDelete, "/login");
  EXPECT_EQ(m.kind, RouteMatch::kWrongMethod);
  EXPECT_EQ(m.allow, "GET, HEAD, POST");
  m = MatchRoute(kTable, Method::kPost, "/users/7");
  EXPECT_EQ(m.kind, RouteMatch::kWrongMethod);
  EXPECT_EQ(m.allow, "GET, HEAD, DELETE");
}

TEST(MatchRoute, NotFound) {
  EXPECT_EQ(MatchRoute(kTable, Method::kGet, "/nope").kind,
            RouteMatch::kNotFound);
  EXPECT_EQ(MatchRoute(kTable, Method::kGet, "/login/").kind,
            RouteMatch::kNotFound);
  EXPECT_EQ(MatchRoute(kTable, Method::kGet, "/users/").kind,
            RouteMatch::kNotFound);
  EXPECT_EQ(MatchRoute(kTable, Method::kGet, "/users/1/extra").kind,
            RouteMatch::kNotFound);
}

TEST(MatchRoute, Parameters) {
  RouteMatch m = MatchRoute(kTable, Method::kPut, "/users/42/roles/admin");
  ASSERT_EQ(m.kind, RouteMatch::kFound);
  ASSERT_EQ(m.params.size(), 2u);
  EXPECT_EQ(m.params[0], (std::pair<std::string, std::string>("id", "42")));
  EXPECT_EQ(m.params[1],
            (std::pair<std::string, std::string>("role", "admin")));
  m = MatchRoute(kTable, Method::kGet, "/static/css/style.css");
  ASSERT_EQ(m.kind, RouteMatch::kFound);
  EXPECT_EQ(m.params[0].second, "css/style.css");
}

TEST(CheckRoutes, TheRealTableIsSound) {
  EXPECT_EQ(CheckRoutes(AllRoutes()), "");
  EXPECT_EQ(CheckRoutes(kTable), "");
}

TEST(CheckRoutes, CatchesMistakes) {
  const Route twice[] = {{"/a", kGet, A, kNone}, {"/a", kGet, B, kNone}};
  EXPECT_NE(CheckRoutes(twice), "");
  const Route no_handler[] = {{"/a", kGet, nullptr, kNone}};
  EXPECT_NE(CheckRoutes(no_handler), "");
  const Route api_flag[] = {{"/api/v1/x", kGet, A, kNone}};
  EXPECT_NE(CheckRoutes(api_flag), "");
  const Route star[] = {{"/a/*/b", kGet, A, kNone}};
  EXPECT_NE(CheckRoutes(star), "");
  const Route braces[] = {{"/a/{id", kGet, A, kNone}};
  EXPECT_NE(CheckRoutes(braces), "");
}

TEST(CheckRoutes, TheAdminAreaIsKAdminOnlyExactly) {
  // An admin route without the flag would skip the gate.
  const Route unflagged[] = {{"/admin/users", kGet, A, kNeedsSession}};
  EXPECT_NE(CheckRoutes(unflagged), "");
  const Route api_unflagged[] = {{"/api/v1/admin/users", kGet, A, kApi}};
  EXPECT_NE(CheckRoutes(api_unflagged), "");
  const Route root_unflagged[] = {{"/admin", kGet, A, kNone}};
  EXPECT_NE(CheckRoutes(root_unflagged), "");
  // The flag outside the area would put a door there that the matrix test
  // (which lists /admin routes) does not see.
  const Route stray[] = {{"/profile", kGet, A, kAdminOnly}};
  EXPECT_NE(CheckRoutes(stray), "");
  // kAdminReauth only on an admin POST.
  const Route reauth_get[] = {{"/admin/x", kGet, A, kAdminOnly | kAdminReauth}};
  EXPECT_NE(CheckRoutes(reauth_get), "");
  const Route fine[] = {{"/admin", kGet, A, kAdminOnly},
                        {"/admin/x", kPost, A, kAdminOnly | kAdminReauth},
                        {"/api/v1/admin/x", kGet, A, kApi | kAdminOnly},
                        {"/administrator", kGet, B, kNone}};
  EXPECT_EQ(CheckRoutes(fine), "") << CheckRoutes(fine);
}

TEST(RouteFlagNames, NamesEachFlag) {
  EXPECT_EQ(RouteFlagNames(kNone), "kNone");
  EXPECT_EQ(RouteFlagNames(kApi | kAdminOnly), "kAdminOnly | kApi");
  EXPECT_EQ(RouteFlagNames(kAdminOnly | kKdfBound | kAdminReauth),
            "kAdminOnly | kKdfBound | kAdminReauth");
}

}  // namespace
}  // namespace latchkey::portal
