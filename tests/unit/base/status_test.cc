#include "latchkey/base/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "latchkey/base/result.h"
#include "latchkey/base/secret.h"

namespace latchkey {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgument("odd: " + std::to_string(x));
  return x / 2;
}

Result<int> Quarter(int x) {
  LK_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

TEST(StatusTest, OkAndErrors) {
  EXPECT_TRUE(Status::Ok().ok());
  Status s = NotFound("no user named 'bob'");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.ToString(), "not_found: no user named 'bob'");
  EXPECT_EQ(s.WithContext("user show").message(),
            "user show: no user named 'bob'");
}

TEST(ResultTest, ValueAndErrorPropagate) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "odd: 3");
}

TEST(ResultTest, OkStatusIsTurnedIntoAnError) {
  Result<int> r = Status::Ok();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

TEST(ResultTest, MoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 7);
}

TEST(SecretTest, TakeWipesSourceAndMoveEmptiesOther) {
  std::string s = "hunter2-but-longer-than-sso-buffer";
  Secret a = Secret::Take(s);
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(a.view(), "hunter2-but-longer-than-sso-buffer");
  Secret b = std::move(a);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(b.size(), 34u);
  Secret c = b.Clone();
  b.Clear();
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(c.view(), "hunter2-but-longer-than-sso-buffer");
}

TEST(SecretTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

}  // namespace
}  // namespace latchkey
