#include "latchkey/auth/password_policy.h"

#include <gtest/gtest.h>
#include <pwquality.h>

#include <set>
#include <string>
#include <string_view>

#include "latchkey/base/strings.h"

namespace latchkey {
namespace {

using namespace std::string_literals;

// "ä" is 2 bytes, "日" 3 bytes, "🔑" 4 bytes in UTF-8.
constexpr std::string_view kAe = "\xC3\xA4";
constexpr std::string_view kNichi = "\xE6\x97\xA5";
constexpr std::string_view kKey = "\xF0\x9F\x94\x91";

// A passphrase of random words and digits, as a password manager makes.
constexpr std::string_view kGood = "vivid-otter-quantum-lantern-42";

std::string Repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

class PasswordPolicyTest : public ::testing::Test {
 protected:
  SecurityConfig config_;
  PasswordPolicy policy_{config_};

  // Checks that `password` is refused with InvalidArgument, that the message
  // is one sentence, and that the message does not echo the password.
  std::string Refused(std::string_view password, std::string_view user = {},
                      std::string_view email = {}, std::string_view old = {}) {
    Status s = policy_.Check(password, user, email, old);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
    EXPECT_FALSE(s.message().empty());
    if (!s.message().empty()) {
      EXPECT_EQ(s.message().back(), '.');
    }
    if (password.size() >= 6) {
      EXPECT_EQ(s.message().find(password), std::string::npos) << s.message();
    }
    return s.message();
  }
};

TEST(Utf8LengthTest, CountsCodePoints) {
  EXPECT_EQ(Utf8Length(""), 0);
  EXPECT_EQ(Utf8Length("abc"), 3);
  EXPECT_EQ(Utf8Length(kAe), 1);
  EXPECT_EQ(Utf8Length(kNichi), 1);
  EXPECT_EQ(Utf8Length(kKey), 1);
  EXPECT_EQ(Utf8Length("p"s + std::string(kAe) + "ss" + std::string(kKey)), 5);
  EXPECT_EQ(Utf8Length("\xF4\x8F\xBF\xBF"), 1);  // U+10FFFF
}

TEST(Utf8LengthTest, RejectsInvalidUtf8) {
  EXPECT_EQ(Utf8Length("\x80"), -1);              // lone continuation
  EXPECT_EQ(Utf8Length("\xC3"), -1);              // truncated
  EXPECT_EQ(Utf8Length("\xE6\x97"), -1);          // truncated
  EXPECT_EQ(Utf8Length("\xC0\xAF"), -1);          // overlong '/'
  EXPECT_EQ(Utf8Length("\xE0\x80\xAF"), -1);      // overlong
  EXPECT_EQ(Utf8Length("\xF0\x80\x80\xAF"), -1);  // overlong
  EXPECT_EQ(Utf8Length("\xED\xA0\x80"), -1);      // surrogate U+D800
  EXPECT_EQ(Utf8Length("\xF4\x90\x80\x80"), -1);  // U+110000
  EXPECT_EQ(Utf8Length("\xFF"), -1);
  EXPECT_EQ(Utf8Length("ok\xC3(ok"), -1);
}

TEST_F(PasswordPolicyTest, GoodPassphraseAccepted) {
  Status s = policy_.Check(kGood, "alice", "alice@example.org");
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST_F(PasswordPolicyTest, UnicodePasswordAccepted) {
  // "Grüße-日本語-🔑-Zebra-Mango-91"
  const std::string pw =
      "Gr\xC3\xBC\xC3\x9F"
      "e-\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E-"
      "\xF0\x9F\x94\x91-Zebra-Mango-91";
  Status s = policy_.Check(pw, "alice", "alice@example.org");
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST_F(PasswordPolicyTest, TooShort) {
  EXPECT_EQ(Refused("Xq7#vR2!"),
            "The password must be at least 12 characters long.");
  // 11 code points in 4-byte characters is 44 bytes, still too short.
  EXPECT_EQ(Refused(Repeat(kKey, 11)),
            "The password must be at least 12 characters long.");
  EXPECT_EQ(Refused(""), "The password must be at least 12 characters long.");
}

TEST_F(PasswordPolicyTest, TooLong) {
  std::string pw(kGood);
  while (Utf8Length(pw) <= 256) pw += "-Zq" + std::string(kNichi);
  EXPECT_EQ(Refused(pw), "The password must be at most 256 characters long.");
}

TEST_F(PasswordPolicyTest, LimitsAreCountedInCodePoints) {
  config_.min_password_length = 12;
  config_.max_password_length = 16;
  config_.pwquality = false;  // only the length rule is under test here
  PasswordPolicy p(config_);
  // 12 code points (two of each: 1-, 2-, 3- and 4-byte ones, plus 4 more).
  const std::string twelve = "ab" + std::string(kAe) + std::string(kAe) +
                             std::string(kNichi) + std::string(kNichi) +
                             std::string(kKey) + std::string(kKey) + "wxyz";
  ASSERT_EQ(Utf8Length(twelve), 12);
  EXPECT_TRUE(p.Check(twelve, "", "").ok());
  EXPECT_FALSE(p.Check(twelve.substr(0, twelve.size() - 1), "", "").ok());
  const std::string sixteen = twelve + std::string(kKey) + "123";
  ASSERT_EQ(Utf8Length(sixteen), 16);
  EXPECT_TRUE(p.Check(sixteen, "", "").ok());
  Status over = p.Check(sixteen + "4", "", "");
  EXPECT_EQ(over.message(), "The password must be at most 16 characters long.");
  // 16 four-byte characters: 64 bytes, but 16 characters, so within limits.
  EXPECT_TRUE(p.Check(Repeat(kKey, 16), "", "").ok());
}

TEST_F(PasswordPolicyTest, InvalidUtf8AndNulRefused) {
  EXPECT_EQ(Refused("vivid-otter-\xC3(quantum"),
            "The password must be valid UTF-8 text.");
  EXPECT_EQ(Refused("vivid-otter-\xED\xA0\x80-quantum"),
            "The password must be valid UTF-8 text.");
  EXPECT_EQ(Refused("vivid-otter\0-quantum-lantern"s),
            "The password must not contain a NUL character.");
}

TEST_F(PasswordPolicyTest, DictionaryWordRefused) {
  // Our sentence, not libpwquality's "The password fails the dictionary
  // check - it is based on a dictionary word".
  EXPECT_EQ(Refused("password123456"),
            "The password is too common or based on a dictionary word.");
}

TEST(PwqualityRefusalTest, EveryRefusalCodeHasOurOwnSentence) {
  // Every code libpwquality gives for a password (not for itself).
  const int codes[] = {
      PWQ_ERROR_TOO_SIMILAR,      PWQ_ERROR_MIN_DIGITS,
      PWQ_ERROR_MIN_UPPERS,       PWQ_ERROR_MIN_LOWERS,
      PWQ_ERROR_MIN_OTHERS,       PWQ_ERROR_MIN_LENGTH,
      PWQ_ERROR_PALINDROME,       PWQ_ERROR_CASE_CHANGES_ONLY,
      PWQ_ERROR_ROTATED,          PWQ_ERROR_MIN_CLASSES,
      PWQ_ERROR_MAX_CONSECUTIVE,  PWQ_ERROR_EMPTY_PASSWORD,
      PWQ_ERROR_SAME_PASSWORD,    PWQ_ERROR_CRACKLIB_CHECK,
      PWQ_ERROR_USER_CHECK,       PWQ_ERROR_GECOS_CHECK,
      PWQ_ERROR_MAX_CLASS_REPEAT, PWQ_ERROR_BAD_WORDS,
      PWQ_ERROR_MAX_SEQUENCE,
  };
  std::set<std::string> seen;
  for (const int code : codes) {
    const std::string m = PwqualityRefusal(code);
    EXPECT_NE(m, "The password is not acceptable.") << code;
    EXPECT_EQ(m.back(), '.') << code;
    // Not libpwquality's own text for the same code.
    char buf[PWQ_MAX_ERROR_MESSAGE_LEN];
    const char* theirs = pwquality_strerror(buf, sizeof buf, code, nullptr);
    EXPECT_NE(m.rfind(theirs, 0), 0u) << code << ": " << m;
    EXPECT_TRUE(seen.insert(m).second) << "two codes share: " << m;
  }
  EXPECT_EQ(PwqualityRefusal(PWQ_ERROR_MIN_UPPERS),
            "The password needs more upper-case letters.");
  EXPECT_EQ(PwqualityRefusal(-999), "The password is not acceptable.");
}

TEST(PasswordRulesTest, FromTheConfig) {
  SecurityConfig config;
  config.min_password_length = 14;
  config.max_password_length = 200;
  EXPECT_EQ(PasswordRules(config),
            "Use 14 to 200 characters. Not your username or email address, "
            "and not a common password.");
  config.pwquality = false;
  EXPECT_EQ(PasswordRules(config),
            "Use 14 to 200 characters. Not your username or email address.");
}

TEST_F(PasswordPolicyTest, ContainsUsername) {
  EXPECT_EQ(Refused("xx-Jdoe-lantern-42", "jdoe"),
            "The password must not contain the username.");
  // Too short a username to mean anything.
  EXPECT_TRUE(policy_.Check("vivid-ot-otter-quantum-7", "ot", "").ok());
}

TEST_F(PasswordPolicyTest, ContainsEmailLocalPart) {
  EXPECT_EQ(Refused("zebra-MARTHA-lantern-42", "mk", "Martha@example.org"),
            "The password must not contain the email address.");
  EXPECT_EQ(Refused("zebra-martha-lantern-42", "mk", "martha+shop@example.org"),
            "The password must not contain the email address.");
  // Local parts under four characters are not checked.
  EXPECT_TRUE(policy_.Check(kGood, "zz", "viv@example.org").ok());
}

TEST_F(PasswordPolicyTest, OldPasswordSimilarity) {
  const std::string old = "vivid-otter-quantum-lantern-41";
  EXPECT_EQ(Refused(old, "alice", "", old),
            "The new password must differ from the old one.");
  // libpwquality compares with the old password too (how strictly depends
  // on difok in pwquality.conf; case changes and rotations always count).
  std::string m = Refused("VIVID-OTTER-quantum-lantern-41", "alice", "", old);
  EXPECT_NE(m.find("case"), std::string::npos) << m;
  m = Refused("lantern-41vivid-otter-quantum-", "alice", "", old);
  EXPECT_NE(m.find("rotated"), std::string::npos) << m;
  EXPECT_TRUE(
      policy_.Check("brisk-walrus-copper-meadow-93", "alice", "", old).ok());
}

TEST_F(PasswordPolicyTest, PwqualityCanBeTurnedOff) {
  config_.pwquality = false;
  PasswordPolicy p(config_);
  EXPECT_TRUE(p.Check("password123456", "", "").ok());
  // Our own rules still hold.
  EXPECT_FALSE(p.Check("short", "", "").ok());
  EXPECT_FALSE(p.Check("xx-jdoe-lantern-42", "jdoe", "").ok());
}

}  // namespace
}  // namespace latchkey
