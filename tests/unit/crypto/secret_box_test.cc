#include "latchkey/crypto/secret_box.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstring>
#include <string>

#include "latchkey/base/encoding.h"
#include "latchkey/base/random.h"
#include "support/fakes.h"

namespace latchkey {
namespace {

Secret KeyOf(char fill) { return Secret(std::string(32, fill)); }

class SecretBoxTest : public ::testing::Test {
 protected:
  FakeRandom random_{7};
  SecretBox box_{KeyOf('k'), random_};
};

TEST_F(SecretBoxTest, RoundTrip) {
  const std::string plain = "12345678901234567890";
  auto sealed = box_.Seal(plain, "user:42");
  ASSERT_TRUE(sealed.ok()) << sealed.status().ToString();
  EXPECT_EQ(sealed->size(), 1 + 12 + plain.size() + 16);
  EXPECT_EQ(static_cast<uint8_t>((*sealed)[0]), 0x01);
  EXPECT_EQ(sealed->find(plain), std::string::npos);
  auto opened = box_.Open(*sealed, "user:42");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->view(), plain);
}

TEST_F(SecretBoxTest, RoundTripEmptyPlaintextAndEmptyAad) {
  auto sealed = box_.Seal("", "");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->size(), 29u);
  auto opened = box_.Open(*sealed, "");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_TRUE(opened->empty());
  EXPECT_EQ(box_.Open(*sealed, "x").status().code(),
            StatusCode::kPermissionDenied);
}

// Independent check of the layout with OpenSSL directly: the box is plain
// AES-256-GCM with aad = version byte || caller aad.
TEST_F(SecretBoxTest, LayoutIsStandardAesGcm) {
  const std::string plain = "interop";
  auto sealed = box_.Seal(plain, "aad");
  ASSERT_TRUE(sealed.ok());
  const auto* p = reinterpret_cast<const unsigned char*>(sealed->data());
  const std::string key(32, 'k');
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ASSERT_NE(ctx, nullptr);
  unsigned char out[64];
  int len = 0;
  unsigned char tag[16];
  std::memcpy(tag, p + 1 + 12 + plain.size(), 16);
  ASSERT_EQ(EVP_DecryptInit_ex(
                ctx, EVP_aes_256_gcm(), nullptr,
                reinterpret_cast<const unsigned char*>(key.data()), p + 1),
            1);
  const unsigned char aad[] = {0x01, 'a', 'a', 'd'};
  ASSERT_EQ(EVP_DecryptUpdate(ctx, nullptr, &len, aad, 4), 1);
  ASSERT_EQ(
      EVP_DecryptUpdate(ctx, out, &len, p + 13, static_cast<int>(plain.size())),
      1);
  ASSERT_EQ(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag), 1);
  int fin = 0;
  EXPECT_EQ(EVP_DecryptFinal_ex(ctx, out + len, &fin), 1);
  EVP_CIPHER_CTX_free(ctx);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out), plain.size()), plain);
}

TEST_F(SecretBoxTest, WrongKeyIsPermissionDenied) {
  auto sealed = box_.Seal("secret", "aad");
  ASSERT_TRUE(sealed.ok());
  SecretBox other(KeyOf('K'), random_);
  EXPECT_EQ(other.Open(*sealed, "aad").status().code(),
            StatusCode::kPermissionDenied);
}

TEST_F(SecretBoxTest, WrongAadIsPermissionDenied) {
  auto sealed = box_.Seal("secret", "user:1");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(box_.Open(*sealed, "user:2").status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(box_.Open(*sealed, "").status().code(),
            StatusCode::kPermissionDenied);
}

TEST_F(SecretBoxTest, EveryFlippedBitAfterTheVersionIsDetected) {
  auto sealed = box_.Seal("totp-key-bytes", "aad");
  ASSERT_TRUE(sealed.ok());
  // Nonce (bytes 1..12), ciphertext and tag: every single-bit flip fails.
  for (size_t i = 1; i < sealed->size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = *sealed;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      EXPECT_EQ(box_.Open(bad, "aad").status().code(),
                StatusCode::kPermissionDenied)
          << "byte " << i << " bit " << bit;
    }
  }
}

TEST_F(SecretBoxTest, TruncatedIsRejected) {
  auto sealed = box_.Seal("secret", "aad");
  ASSERT_TRUE(sealed.ok());
  // Shorter than the fixed overhead: malformed.
  EXPECT_EQ(box_.Open(sealed->substr(0, 28), "aad").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(box_.Open("", "aad").status().code(), StatusCode::kInvalidArgument);
  // Long enough to parse, but the tag no longer matches.
  EXPECT_EQ(
      box_.Open(sealed->substr(0, sealed->size() - 1), "aad").status().code(),
      StatusCode::kPermissionDenied);
}

TEST_F(SecretBoxTest, BadVersionIsInvalidArgument) {
  auto sealed = box_.Seal("secret", "aad");
  ASSERT_TRUE(sealed.ok());
  std::string bad = *sealed;
  bad[0] = 0x02;
  EXPECT_EQ(box_.Open(bad, "aad").status().code(),
            StatusCode::kInvalidArgument);
  bad[0] = 0x00;
  EXPECT_EQ(box_.Open(bad, "aad").status().code(),
            StatusCode::kInvalidArgument);
}

TEST(SecretBoxKeyTest, KeyNot32BytesIsFailedPrecondition) {
  FakeRandom random(1);
  for (size_t n : {0u, 16u, 31u, 33u, 64u}) {
    SecretBox box(Secret(std::string(n, 'k')), random);
    EXPECT_EQ(box.Seal("x", "a").status().code(),
              StatusCode::kFailedPrecondition)
        << n;
    EXPECT_EQ(box.Open(std::string(40, '\x01'), "a").status().code(),
              StatusCode::kFailedPrecondition)
        << n;
  }
}

TEST(SecretBoxKeyTest, MacWithBadKeyIsNotStable) {
  FakeRandom random(1);
  SecretBox box(Secret(std::string(16, 'k')), random);
  EXPECT_NE(box.Mac("p", "m"), box.Mac("p", "m"));
}

TEST_F(SecretBoxTest, TwoSealsOfTheSamePlaintextDiffer) {
  auto a = box_.Seal("same", "aad");
  auto b = box_.Seal("same", "aad");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_NE(a->substr(1, 12), b->substr(1, 12));  // fresh nonce
  EXPECT_EQ(box_.Open(*a, "aad")->view(), "same");
  EXPECT_EQ(box_.Open(*b, "aad")->view(), "same");
}

TEST_F(SecretBoxTest, SealWithSystemRandomRoundTrips) {
  SecretBox box(KeyOf('s'), SystemRandom::Shared());
  auto a = box.Seal("abc", "u");
  auto b = box.Seal("abc", "u");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_EQ(box.Open(*a, "u")->view(), "abc");
}

TEST_F(SecretBoxTest, MacIsStableAndDiffersPerPurposeMessageAndKey) {
  const Sha256Digest m1 = box_.Mac("session", "abc");
  EXPECT_EQ(m1, box_.Mac("session", "abc"));
  EXPECT_NE(m1, box_.Mac("token", "abc"));
  EXPECT_NE(m1, box_.Mac("session", "abd"));
  FakeRandom other_random(99);
  SecretBox same_key(KeyOf('k'), other_random);
  EXPECT_EQ(m1, same_key.Mac("session", "abc"));
  SecretBox other_key(KeyOf('j'), other_random);
  EXPECT_NE(m1, other_key.Mac("session", "abc"));
}

TEST_F(SecretBoxTest, MacMatchesDocumentedDerivation) {
  const std::string key(32, 'k');
  const Sha256Digest subkey = HmacSha256(key, "latchkey:recovery");
  EXPECT_EQ(box_.Mac("recovery", "code"),
            HmacSha256(DigestView(subkey), "code"));
  // The key is never used directly.
  EXPECT_NE(box_.Mac("recovery", "code"), HmacSha256(key, "code"));
}

}  // namespace
}  // namespace latchkey
