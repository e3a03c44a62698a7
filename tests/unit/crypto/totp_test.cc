#include "latchkey/crypto/totp.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "latchkey/base/encoding.h"
#include "latchkey/base/random.h"
#include "support/fakes.h"

namespace latchkey {
namespace {

const Secret& Rfc6238Key() {
  static const Secret key("12345678901234567890");
  return key;
}

TotpConfig Config(uint32_t digits, uint32_t window = 1) {
  TotpConfig c;
  c.digits = digits;
  c.period = 30;
  c.window = window;
  return c;
}

std::string CodeAt(const Totp& totp, const Secret& key, int64_t t) {
  auto code = totp.CodeAt(key, t);
  EXPECT_TRUE(code.ok()) << code.status().ToString();
  return code.ok() ? *code : std::string();
}

TEST(TotpTest, Rfc6238AppendixBSha1Vectors) {
  const Totp totp(Config(8));
  const std::vector<std::pair<int64_t, std::string>> vectors = {
      {59, "94287082"},         {1111111109, "07081804"},
      {1111111111, "14050471"}, {1234567890, "89005924"},
      {2000000000, "69279037"}, {20000000000, "65353130"}};
  for (const auto& [t, expected] : vectors) {
    EXPECT_EQ(CodeAt(totp, Rfc6238Key(), t), expected) << "t=" << t;
  }
}

TEST(TotpTest, SixDigitCodesAreTheLowDigits) {
  // RFC 4226 truncation: the 6-digit code is the 8-digit value mod 10^6.
  const Totp six(Config(6));
  EXPECT_EQ(CodeAt(six, Rfc6238Key(), 59), "287082");
  EXPECT_EQ(CodeAt(six, Rfc6238Key(), 1111111109), "081804");
}

TEST(TotpTest, StepAtIsFloorOfTimeOverPeriod) {
  const Totp totp(Config(6));
  EXPECT_EQ(totp.StepAt(0), 0);
  EXPECT_EQ(totp.StepAt(29), 0);
  EXPECT_EQ(totp.StepAt(30), 1);
  EXPECT_EQ(totp.StepAt(59), 1);
  EXPECT_EQ(totp.StepAt(1111111109), 37037036);
  EXPECT_EQ(totp.StepAt(-1), -1);
  EXPECT_EQ(totp.StepAt(-30), -1);
  EXPECT_EQ(totp.StepAt(-31), -2);
  TotpConfig c = Config(6);
  c.period = 60;
  EXPECT_EQ(Totp(c).StepAt(119), 1);
}

TEST(TotpTest, CodeAtRejectsBadDigitsAndEmptyKey) {
  EXPECT_FALSE(Totp(Config(5)).CodeAt(Rfc6238Key(), 59).ok());
  EXPECT_FALSE(Totp(Config(9)).CodeAt(Rfc6238Key(), 59).ok());
  EXPECT_FALSE(Totp(Config(6)).CodeAt(Secret(), 59).ok());
}

TEST(TotpTest, GenerateKeyIs20RandomBytes) {
  const Totp totp(Config(6));
  FakeRandom random(3);
  auto a = totp.GenerateKey(random);
  auto b = totp.GenerateKey(random);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->size(), 20u);
  EXPECT_NE(a->view(), b->view());
  auto c = totp.GenerateKey(SystemRandom::Shared());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->size(), 20u);
}

class TotpVerifyTest : public ::testing::Test {
 protected:
  static constexpr int64_t kNow = 1111111111;  // inside step 37037037
  Totp totp_{Config(6, 1)};
  int64_t now_step_ = totp_.StepAt(kNow);
  std::string CodeForStep(int64_t step) {
    return CodeAt(totp_, Rfc6238Key(), step * 30);
  }
};

TEST_F(TotpVerifyTest, AcceptsCurrentCodeAndReportsItsStep) {
  const std::string code = CodeForStep(now_step_);
  const TotpVerdict v = totp_.Verify(Rfc6238Key(), code, kNow, std::nullopt);
  EXPECT_EQ(v.check, TotpCheck::kAccepted);
  EXPECT_EQ(v.step, now_step_);
}

TEST_F(TotpVerifyTest, WindowOfOneAcceptsNeighboursOnly) {
  const TotpVerdict prev =
      totp_.Verify(Rfc6238Key(), CodeForStep(now_step_ - 1), kNow, {});
  EXPECT_EQ(prev.check, TotpCheck::kAccepted);
  EXPECT_EQ(prev.step, now_step_ - 1);
  const TotpVerdict next =
      totp_.Verify(Rfc6238Key(), CodeForStep(now_step_ + 1), kNow, {});
  EXPECT_EQ(next.check, TotpCheck::kAccepted);
  EXPECT_EQ(next.step, now_step_ + 1);
  // Ensure the far codes differ from every code in the window, so the
  // refusal below is about the window, not a coincidence.
  for (int64_t far : {now_step_ - 2, now_step_ + 2}) {
    const std::string code = CodeForStep(far);
    for (int64_t s = now_step_ - 1; s <= now_step_ + 1; ++s) {
      ASSERT_NE(code, CodeForStep(s));
    }
    EXPECT_EQ(totp_.Verify(Rfc6238Key(), code, kNow, {}).check,
              TotpCheck::kWrong)
        << "step " << far;
  }
}

TEST_F(TotpVerifyTest, WindowZeroAcceptsOnlyNow) {
  const Totp strict(Config(6, 0));
  EXPECT_EQ(strict.Verify(Rfc6238Key(), CodeForStep(now_step_), kNow, {}).check,
            TotpCheck::kAccepted);
  EXPECT_EQ(
      strict.Verify(Rfc6238Key(), CodeForStep(now_step_ - 1), kNow, {}).check,
      TotpCheck::kWrong);
}

TEST_F(TotpVerifyTest, SameStepTwiceIsReplayed) {
  const std::string code = CodeForStep(now_step_);
  const TotpVerdict first = totp_.Verify(Rfc6238Key(), code, kNow, {});
  ASSERT_EQ(first.check, TotpCheck::kAccepted);
  const TotpVerdict again = totp_.Verify(Rfc6238Key(), code, kNow, first.step);
  EXPECT_EQ(again.check, TotpCheck::kReplayed);
  EXPECT_EQ(again.step, now_step_);
}

TEST_F(TotpVerifyTest, OlderStepAfterNewerIsReplayed) {
  const TotpVerdict v =
      totp_.Verify(Rfc6238Key(), CodeForStep(now_step_ - 1), kNow, now_step_);
  EXPECT_EQ(v.check, TotpCheck::kReplayed);
  EXPECT_EQ(v.step, now_step_ - 1);
}

TEST_F(TotpVerifyTest, NewerStepAfterOlderIsAccepted) {
  const TotpVerdict v =
      totp_.Verify(Rfc6238Key(), CodeForStep(now_step_ + 1), kNow, now_step_);
  EXPECT_EQ(v.check, TotpCheck::kAccepted);
  EXPECT_EQ(v.step, now_step_ + 1);
}

TEST_F(TotpVerifyTest, SpacesAreIgnored) {
  std::string code = CodeForStep(now_step_);
  code.insert(3, " ");
  code = " " + code + " ";
  EXPECT_EQ(totp_.Verify(Rfc6238Key(), code, kNow, {}).check,
            TotpCheck::kAccepted);
}

TEST_F(TotpVerifyTest, WrongLengthAndNonDigitsAreRefused) {
  const std::string code = CodeForStep(now_step_);
  const std::vector<std::string> bad = {
      "",
      code.substr(0, 5),
      code + "0",
      "0" + code,
      code.substr(0, 5) + "a",
      code.substr(0, 3) + "-" + code.substr(3),
      code.substr(0, 5) + "\xd9\xa1",  // Arabic-Indic digit one
      code + "\n",
      std::string("\0", 1) + code,
  };
  for (const auto& b : bad) {
    EXPECT_EQ(totp_.Verify(Rfc6238Key(), b, kNow, {}).check, TotpCheck::kWrong)
        << "'" << b << "'";
  }
}

TEST_F(TotpVerifyTest, WrongCodeAndWrongKeyAreRefused) {
  std::string code = CodeForStep(now_step_);
  code[0] = code[0] == '9' ? '0' : static_cast<char>(code[0] + 1);
  bool in_window = false;
  for (int64_t s = now_step_ - 1; s <= now_step_ + 1; ++s) {
    in_window |= CodeForStep(s) == code;
  }
  ASSERT_FALSE(in_window);
  EXPECT_EQ(totp_.Verify(Rfc6238Key(), code, kNow, {}).check,
            TotpCheck::kWrong);
  const Secret other("09876543210987654321");
  EXPECT_EQ(totp_.Verify(other, CodeForStep(now_step_), kNow, {}).check,
            TotpCheck::kWrong);
}

TEST_F(TotpVerifyTest, EightDigitConfigRequiresEightDigits) {
  const Totp eight(Config(8));
  EXPECT_EQ(eight.Verify(Rfc6238Key(), "14050471", 1111111111, {}).check,
            TotpCheck::kAccepted);
  EXPECT_EQ(eight.Verify(Rfc6238Key(), "050471", 1111111111, {}).check,
            TotpCheck::kWrong);
}

TEST(TotpUriTest, ExactOtpauthUri) {
  TotpConfig c = Config(6);
  c.issuer = "Acme Corp";
  const Totp totp(c);
  EXPECT_EQ(totp.OtpauthUri("alice smith@example.org", Rfc6238Key()),
            "otpauth://totp/Acme%20Corp:alice%20smith%40example.org"
            "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Acme%20Corp"
            "&algorithm=SHA1&digits=6&period=30");
}

TEST(TotpUriTest, ReservedCharactersAreEncodedUnreservedKept) {
  TotpConfig c = Config(8);
  c.issuer = "a:b/c?d&e=f";
  c.period = 60;
  const Totp totp(c);
  const Secret key(std::string("\x00\xff", 2));
  EXPECT_EQ(totp.OtpauthUri("x-y.z_~%+", key),
            "otpauth://totp/a%3Ab%2Fc%3Fd%26e%3Df:x-y.z_~%25%2B"
            "?secret=AD7Q&issuer=a%3Ab%2Fc%3Fd%26e%3Df"
            "&algorithm=SHA1&digits=8&period=60");
}

// Cross-check against the oathtool command (OATH Toolkit), an independent
// front end that also runs the RFC 6238 computation.
std::optional<std::string> RunOathtool(const std::string& base32, int digits,
                                       int64_t t) {
  const std::string cmd = "oathtool --totp=sha1 -d " + std::to_string(digits) +
                          " -s 30 -b " + base32 + " -N @" + std::to_string(t) +
                          " 2>/dev/null";
  FILE* f = popen(cmd.c_str(), "r");
  if (f == nullptr) return std::nullopt;
  char buf[64] = {};
  const bool got = fgets(buf, sizeof buf, f) != nullptr;
  const int rc = pclose(f);
  if (!got || rc != 0) return std::nullopt;
  std::string out(buf);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) {
    out.pop_back();
  }
  return out;
}

TEST(TotpOathtoolTest, MatchesOathtoolCommand) {
  if (std::system("command -v oathtool >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "oathtool not installed";
  }
  FakeRandom random(11);
  for (int digits : {6, 8}) {
    const Totp totp(Config(static_cast<uint32_t>(digits)));
    for (int i = 0; i < 5; ++i) {
      auto key = totp.GenerateKey(random);
      ASSERT_TRUE(key.ok());
      const std::string b32 = Base32Encode(key->view());
      for (int64_t t :
           {int64_t{0}, int64_t{1700000000} + i * 7919, int64_t{4102444800}}) {
        const auto expected = RunOathtool(b32, digits, t);
        ASSERT_TRUE(expected.has_value()) << "oathtool failed for t=" << t;
        EXPECT_EQ(CodeAt(totp, *key, t), *expected)
            << "digits=" << digits << " t=" << t;
      }
    }
  }
}

bool InAlphabet(char c) {
  return std::string_view("23456789abcdefghjkmnpqrstuvwxyz").find(c) !=
         std::string_view::npos;
}

TEST(RecoveryCodesTest, TenDistinctWellFormedCodes) {
  FakeRandom random(5);
  auto codes = GenerateRecoveryCodes(random);
  ASSERT_TRUE(codes.ok()) << codes.status().ToString();
  ASSERT_EQ(codes->size(), 10u);
  std::set<std::string> seen;
  for (const Secret& code : *codes) {
    const std::string_view s = code.view();
    ASSERT_EQ(s.size(), 14u) << s;
    EXPECT_EQ(s[4], '-') << s;
    EXPECT_EQ(s[9], '-') << s;
    for (size_t i = 0; i < s.size(); ++i) {
      if (i == 4 || i == 9) continue;
      EXPECT_TRUE(InAlphabet(s[i])) << s;
    }
    seen.insert(std::string(s));
  }
  EXPECT_EQ(seen.size(), 10u);
}

TEST(RecoveryCodesTest, CountAndRandomSourceAreHonoured) {
  FakeRandom a(9), b(9), c(10);
  auto x = GenerateRecoveryCodes(a, 3);
  auto y = GenerateRecoveryCodes(b, 3);
  auto z = GenerateRecoveryCodes(c, 3);
  ASSERT_TRUE(x.ok() && y.ok() && z.ok());
  ASSERT_EQ(x->size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*x)[i].view(), (*y)[i].view());
    EXPECT_NE((*x)[i].view(), (*z)[i].view());
  }
  FakeRandom d(1);
  auto none = GenerateRecoveryCodes(d, 0);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_FALSE(GenerateRecoveryCodes(d, -1).ok());
}

TEST(RecoveryCodesTest, SymbolsAreRoughlyUniform) {
  // 20000 codes * 12 symbols over 31 symbols: ~7742 each (sd ~88). A
  // modulo bias (`byte % 31` without rejection) would lift the first 8
  // symbols by ~9% (~700, eight sd); a 5% bound catches that.
  FakeRandom random(2024);
  std::array<int, 256> counts{};
  int total = 0;
  for (int round = 0; round < 200; ++round) {
    auto codes = GenerateRecoveryCodes(random, 100);
    ASSERT_TRUE(codes.ok());
    for (const Secret& code : *codes) {
      for (char ch : code.view()) {
        if (ch == '-') continue;
        ++counts[static_cast<uint8_t>(ch)];
        ++total;
      }
    }
  }
  const double expected = total / 31.0;
  int used = 0;
  for (int ch = 0; ch < 256; ++ch) {
    if (counts[ch] == 0) continue;
    ++used;
    EXPECT_TRUE(InAlphabet(static_cast<char>(ch)));
    EXPECT_NEAR(counts[ch], expected, expected * 0.05) << static_cast<char>(ch);
  }
  EXPECT_EQ(used, 31);
}

TEST(RecoveryCodesTest, FailingRandomIsAnError) {
  class Broken final : public Random {
   public:
    Status Fill(std::span<uint8_t>) override { return Internal("no entropy"); }
  } broken;
  EXPECT_FALSE(GenerateRecoveryCodes(broken).ok());
  EXPECT_FALSE(Totp(Config(6)).GenerateKey(broken).ok());
}

TEST(RecoveryCodesTest, NormalizationLowerCasesAndDropsSpacesAndDashes) {
  EXPECT_EQ(NormalizeRecoveryCode("K7QM 2XHD 9CPT").view(), "k7qm2xhd9cpt");
  EXPECT_EQ(NormalizeRecoveryCode("k7qm-2xhd-9cpt").view(), "k7qm2xhd9cpt");
  EXPECT_EQ(NormalizeRecoveryCode(" k7Qm--2xhd 9cpT ").view(), "k7qm2xhd9cpt");
  EXPECT_EQ(NormalizeRecoveryCode("").view(), "");
  FakeRandom random(8);
  auto codes = GenerateRecoveryCodes(random, 2);
  ASSERT_TRUE(codes.ok());
  std::string shouted((*codes)[0].view());
  for (char& ch : shouted) {
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    if (ch == '-') ch = ' ';
  }
  EXPECT_EQ(NormalizeRecoveryCode(shouted).view(),
            NormalizeRecoveryCode((*codes)[0].view()).view());
  EXPECT_NE(NormalizeRecoveryCode((*codes)[1].view()).view(),
            NormalizeRecoveryCode((*codes)[0].view()).view());
}

}  // namespace
}  // namespace latchkey
