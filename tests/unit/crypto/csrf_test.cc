#include "latchkey/crypto/csrf.h"

#include <gtest/gtest.h>

#include "latchkey/base/encoding.h"
#include "latchkey/base/random.h"
#include "latchkey/crypto/secret_box.h"
#include "support/fakes.h"

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
  CsrfTokens csrf(*MacKey::Derive(Key('k'), CsrfTokens::kLabel));
  CsrfTokens other(*MacKey::Derive(Key('x'), CsrfTokens::kLabel));
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
  // The same key under another label is another key; and the old scheme
  // (SecretBox::Mac("csrf-pre", id) under the same bytes) does not pass.
  CsrfTokens relabelled(*MacKey::Derive(Key('k'), "challenge"));
  EXPECT_FALSE(relabelled.CheckPreSession(*id, token));
  SecretBox box(Key('k'), random);
  EXPECT_FALSE(csrf.CheckPreSession(
      *id, Base64UrlEncode(DigestView(box.Mac("csrf-pre", *id)))));
}

TEST(MacKey, NeedsAThirtyTwoByteKeyAndALabel) {
  EXPECT_FALSE(MacKey::Derive(Secret("short"), "csrf-pre").ok());
  EXPECT_FALSE(MacKey::Derive(Key('k'), "").ok());
  Result<MacKey> a = MacKey::Derive(Key('k'), "a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->Mac("m"), MacKey::Derive(Key('k'), "a")->Mac("m"));
  EXPECT_NE(a->Mac("m"), a->Mac("n"));
}

}  // namespace
}  // namespace latchkey
