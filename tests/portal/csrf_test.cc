#include "latchkey/csrf.h"

#include <gtest/gtest.h>

namespace latchkey {
namespace {

Secret Key(char fill) { return Secret(std::string(32, fill)); }

TEST(CsrfTokens, SessionTokensAreStableAndBound) {
  const Secret a(std::string(32, 'a'));
  const Secret b(std::string(32, 'b'));
  const std::string ta = CsrfTokens::ForSession(a);
  EXPECT_EQ(ta.size(), 43u);
  EXPECT_EQ(ta, CsrfTokens::ForSession(a));
  EXPECT_NE(ta, CsrfTokens::ForSession(b));
  EXPECT_TRUE(CsrfTokens::CheckSession(a, ta));
  EXPECT_FALSE(CsrfTokens::CheckSession(b, ta));
  EXPECT_FALSE(CsrfTokens::CheckSession(a, ""));
  EXPECT_FALSE(CsrfTokens::CheckSession(a, ta.substr(1)));
  EXPECT_FALSE(
      CsrfTokens::CheckSession(Secret(), CsrfTokens::ForSession(Secret())));
}

TEST(CsrfTokens, PreSessionTokensNeedTheKeyAndTheCookie) {
  FakeRandom random(7);
  SecretBox box(Key('k'), random);
  SecretBox other_box(Key('x'), random);
  CsrfTokens csrf(box);
  CsrfTokens other(other_box);
  Result<std::string> id = CsrfTokens::NewPreSessionId(random);
  ASSERT_TRUE(id.ok());
  EXPECT_TRUE(CsrfTokens::IsPreSessionId(*id));
  Result<std::string> id2 = CsrfTokens::NewPreSessionId(random);
  ASSERT_TRUE(id2.ok());
  EXPECT_NE(*id, *id2);

  const std::string token = csrf.ForPreSession(*id);
  EXPECT_TRUE(csrf.CheckPreSession(*id, token));
  EXPECT_FALSE(csrf.CheckPreSession(*id2, token));  // another cookie
  EXPECT_FALSE(other.CheckPreSession(*id, token));  // another key
  EXPECT_FALSE(csrf.CheckPreSession(*id, *id));     // plain double submit
  EXPECT_FALSE(csrf.CheckPreSession("short", csrf.ForPreSession("short")));
  EXPECT_EQ(csrf.ForPreSession("not/base64url!"), "");
  EXPECT_FALSE(CsrfTokens::IsPreSessionId(std::string(43, '+')));
}

}  // namespace
}  // namespace latchkey
