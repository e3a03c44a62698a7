#include "latchkey/crypto/password_hash.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "crypto/password_hash_internal.h"
#include "latchkey/base/encoding.h"
#include "latchkey/base/random.h"
#include "support/fakes.h"

namespace latchkey {
namespace {

using namespace std::string_literals;

// Known vectors, all made by other tools than ours. The password of every
// vector except where noted is kPassword.
//
// argon2id: the reference `argon2` CLI (Debian package argon2), e.g.
//   printf '%s' "$PW" | argon2 saltsaltsalt16b -id -t 2 -k 256 -p 1 -l 32 -e
// yescrypt / sha512crypt: `mkpasswd -m yescrypt|sha-512 [-R 10000]` (whois).
// bcrypt: python3-bcrypt, bcrypt.hashpw(pw, bcrypt.gensalt(rounds=5[,
//   prefix=b"2a"])); the $2y$ one by hashpw with a "$2y$05$..." salt.
// Django: exactly what django.contrib.auth.hashers.PBKDF2PasswordHasher.encode
//   does, with Python's hashlib:
//     h = hashlib.pbkdf2_hmac("sha256", pw.encode(), salt.encode(), it, 32)
//     "pbkdf2_sha256$%d$%s$%s" % (it, salt, base64.b64encode(h).decode())
//   with a 22-character alphanumeric salt, as Django generates.
// passlib pbkdf2_sha256: hashlib.pbkdf2_hmac over a 16-byte random salt,
//   salt and hash in passlib's "adapted base64" (b64 with '.' for '+', no
//   padding): "$pbkdf2-sha256$29000$<ab64 salt>$<ab64 hash>".
// PHC pbkdf2-sha256: the same, but "i=20000" and standard base64.
constexpr std::string_view kPassword = "Tr0ub4dor&3-legacy";
constexpr std::string_view kUnicodePassword =
    "p\xC3\xA4ssw\xC3\xB6rd-\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E-"
    "\xF0\x9F\x94\x91";  // "pässwörd-日本語-🔑"

constexpr std::string_view kArgon2idLow =
    "$argon2id$v=19$m=256,t=2,p=1$c2FsdHNhbHRzYWx0MTZi$"
    "9HBCjJEnMHkv0eqfgDLTnJ4w2vu9dNi/x1PCuRCgJKQ";
constexpr std::string_view kArgon2idP2 =
    "$argon2id$v=19$m=512,t=3,p=2$TmEkQ2wtcGVwcGVyOjE$"
    "QKb6fBOFY4c/xLIamSeW+64ZalzPisiEugP0p0GDKK4";
constexpr std::string_view kArgon2idDefault =
    "$argon2id$v=19$m=19456,t=2,p=1$ZGVmYXVsdHBhcmFtczAx$"
    "BFCY9NY1t+v0g6y9Mrx3oHSOC+L/ZA708xZvyYodK04";
constexpr std::string_view kArgon2idV16 =
    "$argon2id$v=16$m=256,t=2,p=1$dmVyc2lvbjE2c2FsdA$"
    "TC8fH/rLrg2EbPHb0fwps49pcYGWt9CagZMDPuDKPD4";
constexpr std::string_view kArgon2idUnicode =  // password kUnicodePassword
    "$argon2id$v=19$m=64,t=1,p=1$dW5pY29kZXNhbHQ4$"
    "2kyVy3HM+sT/blGgx8HQjDWmXKhyZfFZp3eXBW1ZLew";
constexpr std::string_view kArgon2i =  // argon2i: not a format we accept
    "$argon2i$v=19$m=256,t=2,p=1$YXJnb24yaXNhbHQ$"
    "yTfA4I7mBGHyJ19MaFkS/cuYy1iTu/1OTsUX4p95IAM";

constexpr std::string_view kYescrypt =
    "$y$j9T$ErufQH.1sB3nWimbBChoe/$VSIZ0gWT5Q9DN3hbV9lRA3viWCBPhsc7lPldiGeQ748";
constexpr std::string_view kYescryptUnicode =  // password kUnicodePassword
    "$y$j9T$DSkzGgPk7oS8Z7aAqARal/$VCfCFi/ppLw1WqpcNHO6nh9oaYybUXhunHsFsbrLpQ6";
constexpr std::string_view kSha512 =
    "$6$iGGTWuMcdTa5kmb0$.n41SesYq43sD/4uZZ6.s8DAjWko5.UUHCZZZpOrUhv01Ep2L8Fihu"
    "YcvEw1fL4TiBty8jIeqHVJ0644X9Au30";
constexpr std::string_view kSha512Rounds =
    "$6$rounds=10000$yGpCZGuU48UFJVqT$"
    "uaMtFICh48QUwzgdbQnqqXPX93NOAWDAobwsVzeXr."
    "t.0.5IXt19JJsIEcWwY3opo.Lq3XRJLEgx5u0vJgyCu1";
constexpr std::string_view kBcrypt2b =
    "$2b$05$x07Bdp1hFmRladZ3wLIxfum7p30anQQbZCDiHjijf4VHsHJZDjxXy";
constexpr std::string_view kBcrypt2a =
    "$2a$05$u/OUZjtRK5IC/N6nU/1KL.oDNl0MbSXySIRicMpWbhDDgQyCdNi06";
constexpr std::string_view kBcrypt2y =
    "$2y$05$iw6ZWiqrztA3v4ZTDbCmPuUB/s669dLZkAuesZ7Z921iaVDh.WW02";
constexpr std::string_view kBcrypt72As =  // password: 72 times 'A'
    "$2b$04$9VrHkeDLZAYbdW7mnWt51Otu39RXMbN14quLtfqJksDV/bvWxrQZy";

constexpr std::string_view kDjango =
    "pbkdf2_sha256$600000$nBX4FIUOPujHUBuPbZNBLV$"
    "KLWdXLUdpd1lC2QY3YlmPJ/6sbY+1haPJVq8jTuPrN8=";
constexpr std::string_view kDjangoUnicode =  // password kUnicodePassword
    "pbkdf2_sha256$10000$TTc4Rdh2TIwAAMBOP5Mbfv$"
    "GCphNlTjsBRvMrN+h2NdyHod1ySdYKYuAUuYcoLo4HI=";
constexpr std::string_view kPasslibPbkdf2 =
    "$pbkdf2-sha256$29000$8XRTsmCSUSU8nKafxu.zoQ$"
    "GA6m4XtpVmcnaC9e6oxTlJmsXvjJGdUKiWB4bGMJK7A";
constexpr std::string_view kPhcPbkdf2 =
    "$pbkdf2-sha256$i=20000$TnJUyAyTUsUtMrkTVW3+Tw$"
    "qETCA0u91G38wdm1BEYTwusq+3STkninJef0+NmJmPA";

HashParams LowArgon2() {
  HashParams p;
  p.argon2_memory_kib = 256;
  p.argon2_time = 1;
  p.argon2_parallelism = 1;
  return p;
}

class PasswordHashTest : public ::testing::Test {
 protected:
  FakeRandom random_{7};
  PasswordHasher low_{LowArgon2(), random_};

  void ExpectVerifies(const PasswordHasher& h, std::string_view stored,
                      std::string_view password) {
    SCOPED_TRACE(std::string(stored));
    Result<bool> right = h.Verify(password, stored);
    ASSERT_TRUE(right.ok()) << right.status().ToString();
    EXPECT_TRUE(*right);
    std::string wrong(password);
    wrong.back() = static_cast<char>(wrong.back() ^ 1);
    Result<bool> bad = h.Verify(wrong, stored);
    ASSERT_TRUE(bad.ok()) << bad.status().ToString();
    EXPECT_FALSE(*bad);
    Result<bool> empty = h.Verify("", stored);
    ASSERT_TRUE(empty.ok()) << empty.status().ToString();
    EXPECT_FALSE(*empty);
  }

  void ExpectInvalid(std::string_view stored) {
    SCOPED_TRACE(std::string(stored));
    Result<bool> r = low_.Verify(kPassword, stored);
    ASSERT_FALSE(r.ok()) << "accepted, answer " << *r;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument)
        << r.status().ToString();
    EXPECT_TRUE(low_.NeedsRehash(stored));
  }
};

TEST(DetectHashFormatTest, ByPrefix) {
  EXPECT_EQ(DetectHashFormat(kArgon2idLow), HashFormat::kArgon2id);
  EXPECT_EQ(DetectHashFormat(kPhcPbkdf2), HashFormat::kPbkdf2Sha256);
  EXPECT_EQ(DetectHashFormat(kPasslibPbkdf2), HashFormat::kPbkdf2Sha256);
  EXPECT_EQ(DetectHashFormat(kDjango), HashFormat::kDjangoPbkdf2);
  EXPECT_EQ(DetectHashFormat(kYescrypt), HashFormat::kCryptYescrypt);
  EXPECT_EQ(DetectHashFormat(kSha512), HashFormat::kCryptSha512);
  EXPECT_EQ(DetectHashFormat(kBcrypt2b), HashFormat::kCryptBcrypt);
  EXPECT_EQ(DetectHashFormat(kBcrypt2a), HashFormat::kCryptBcrypt);
  EXPECT_EQ(DetectHashFormat(kBcrypt2y), HashFormat::kCryptBcrypt);
  EXPECT_EQ(DetectHashFormat(kArgon2i), HashFormat::kUnknown);
  EXPECT_EQ(DetectHashFormat("$1$abc$def"), HashFormat::kUnknown);
  EXPECT_EQ(DetectHashFormat(""), HashFormat::kUnknown);
  EXPECT_EQ(DetectHashFormat("hunter2"), HashFormat::kUnknown);
}

TEST_F(PasswordHashTest, Argon2idReferenceVectors) {
  ExpectVerifies(low_, kArgon2idLow, kPassword);
  ExpectVerifies(low_, kArgon2idP2, kPassword);
  ExpectVerifies(low_, kArgon2idV16, kPassword);
  ExpectVerifies(low_, kArgon2idUnicode, kUnicodePassword);
}

TEST_F(PasswordHashTest, Argon2idRehashUnlessExactlyCurrentParams) {
  HashParams p;
  p.argon2_memory_kib = 256;
  p.argon2_time = 2;
  p.argon2_parallelism = 1;
  PasswordHasher h(p, random_);
  EXPECT_FALSE(h.NeedsRehash(kArgon2idLow));  // m=256,t=2,p=1, v=19
  EXPECT_TRUE(h.NeedsRehash(kArgon2idV16));   // same m,t,p but version 16
  EXPECT_TRUE(h.NeedsRehash(kArgon2idP2));
  EXPECT_TRUE(h.NeedsRehash(kArgon2idUnicode));
  EXPECT_TRUE(low_.NeedsRehash(kArgon2idLow));  // t differs
}

TEST_F(PasswordHashTest, LegacyCryptVectors) {
  for (std::string_view stored :
       {kYescrypt, kSha512, kSha512Rounds, kBcrypt2b, kBcrypt2a, kBcrypt2y}) {
    ExpectVerifies(low_, stored, kPassword);
    EXPECT_TRUE(low_.NeedsRehash(stored)) << stored;
  }
  ExpectVerifies(low_, kYescryptUnicode, kUnicodePassword);
}

TEST_F(PasswordHashTest, BcryptInheritsItsSeventyTwoByteLimit) {
  const std::string a72(72, 'A');
  EXPECT_TRUE(*low_.Verify(a72, kBcrypt72As));
  // The format reads only 72 bytes: anything after them is ignored. Hashes
  // like this are rehashed to Argon2id at the next login.
  EXPECT_TRUE(*low_.Verify(a72 + "ignored", kBcrypt72As));
  EXPECT_FALSE(*low_.Verify(std::string(71, 'A'), kBcrypt72As));
  EXPECT_TRUE(low_.NeedsRehash(kBcrypt72As));
}

TEST_F(PasswordHashTest, DjangoVectors) {
  ExpectVerifies(low_, kDjango, kPassword);
  ExpectVerifies(low_, kDjangoUnicode, kUnicodePassword);
  EXPECT_TRUE(low_.NeedsRehash(kDjango));
}

TEST_F(PasswordHashTest, Pbkdf2Sha256Vectors) {
  ExpectVerifies(low_, kPasslibPbkdf2, kPassword);  // adapted base64, '.'
  ExpectVerifies(low_, kPhcPbkdf2, kPassword);      // standard base64, '+'
  EXPECT_TRUE(low_.NeedsRehash(kPasslibPbkdf2));
  EXPECT_TRUE(low_.NeedsRehash(kPhcPbkdf2));
}

TEST_F(PasswordHashTest, NulInPasswordIsNeverTruncated) {
  // crypt(3) reads C strings; the part after a NUL must not be dropped.
  const std::string with_nul = std::string(kPassword) + "\0tail"s;
  for (std::string_view stored :
       {kYescrypt, kSha512, kBcrypt2b, kArgon2idLow, kDjango, kPhcPbkdf2}) {
    Result<bool> r = low_.Verify(with_nul, stored);
    ASSERT_TRUE(r.ok()) << stored << ": " << r.status().ToString();
    EXPECT_FALSE(*r) << stored;
  }
  Result<std::string> h = low_.Hash("a\0b"s);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(PasswordHashTest, OverlongPasswordForCryptIsNoMatchNotAnError) {
  // libxcrypt takes at most 511 bytes, so no crypt hash can be of more.
  Result<bool> r = low_.Verify(std::string(600, 'x'), kSha512);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(*r);
}

TEST_F(PasswordHashTest, MalformedArgon2id) {
  const std::string good(kArgon2idLow);
  ExpectInvalid(good.substr(0, good.rfind('$')));   // no hash field
  ExpectInvalid(good.substr(0, good.size() - 23));  // hash of 15 bytes
  ExpectInvalid(good + "$extra");                   // extra field
  ExpectInvalid("$argon2id$");                      // nothing
  ExpectInvalid(kArgon2i);                          // other variant
  ExpectInvalid(
      "$argon2id$v=19$m=256,t=2,p=1$c2Fs*HNhbHRzYWx0MTZi$"
      "9HBCjJEnMHkv0eqfgDLTnJ4w2vu9dNi/x1PCuRCgJKQ");  // bad b64
  ExpectInvalid(
      "$argon2id$v=19$m=256,t=2,p=1$c2FsdHNhbHRzYWx0MTZi$"
      "9HBCjJEnMHkv0eqfgDLTnJ4w2vu9dNi/x1PCuRCgJK!");  // bad b64
  ExpectInvalid(
      "$argon2id$v=19$m=256,t=2,p=1$c2FsdA$"  // salt of 4 bytes
      "9HBCjJEnMHkv0eqfgDLTnJ4w2vu9dNi/x1PCuRCgJKQ");
  const std::string tail =
      "$c2FsdHNhbHRzYWx0MTZi$9HBCjJEnMHkv0eqfgDLTnJ4w2vu9dNi/x1PCuRCgJKQ";
  // Absurd parameters are refused before any work is done.
  ExpectInvalid("$argon2id$v=19$m=4194305,t=2,p=1" + tail);  // > 4 GiB
  ExpectInvalid("$argon2id$v=19$m=99999999999,t=2,p=1" + tail);
  ExpectInvalid("$argon2id$v=19$m=256,t=1001,p=1" + tail);
  ExpectInvalid("$argon2id$v=19$m=256,t=0,p=1" + tail);
  ExpectInvalid("$argon2id$v=19$m=4096,t=2,p=65" + tail);
  ExpectInvalid("$argon2id$v=19$m=8,t=2,p=2" + tail);  // < 8 KiB per lane
  ExpectInvalid("$argon2id$v=20$m=256,t=2,p=1" + tail);
  ExpectInvalid("$argon2id$v=19$t=2,m=256,p=1" + tail);  // wrong order
  ExpectInvalid("$argon2id$v=19$m=0256,t=2,p=1" + tail);
  ExpectInvalid("$argon2id$v=19$m=256,t=2" + tail);
  ExpectInvalid("$argon2id$v=19$m=256,t=2,p=1,keyid=abc" + tail);
  ExpectInvalid("$argon2id$v=19$m=+256,t=2,p=1" + tail);
}

TEST_F(PasswordHashTest, MalformedPbkdf2AndDjango) {
  ExpectInvalid(
      "$pbkdf2-sha256$i=0$TnJUyAyTUsUtMrkTVW3+Tw$"
      "qETCA0u91G38wdm1BEYTwusq+3STkninJef0+NmJmPA");
  ExpectInvalid(
      "$pbkdf2-sha256$i=99999999999$TnJUyAyTUsUtMrkTVW3+Tw$"
      "qETCA0u91G38wdm1BEYTwusq+3STkninJef0+NmJmPA");
  ExpectInvalid(
      "$pbkdf2-sha256$i=20000000$TnJUyAyTUsUtMrkTVW3+Tw$"
      "qETCA0u91G38wdm1BEYTwusq+3STkninJef0+NmJmPA");  // > 10M
  ExpectInvalid("$pbkdf2-sha256$i=20000$TnJUyAyTUsUtMrkTVW3+Tw");
  ExpectInvalid(
      "$pbkdf2-sha256$i=20000$TnJU*AyTUsUtMrkTVW3+Tw$"
      "qETCA0u91G38wdm1BEYTwusq+3STkninJef0+NmJmPA");
  ExpectInvalid("$pbkdf2-sha256$i=20000$TnJUyAyTUsUtMrkTVW3+Tw$qETCA0u91G");
  ExpectInvalid(
      "$pbkdf2-sha256$x=20000$TnJUyAyTUsUtMrkTVW3+Tw$"
      "qETCA0u91G38wdm1BEYTwusq+3STkninJef0+NmJmPA");
  ExpectInvalid(
      "$pbkdf2-sha1$20000$TnJUyAyTUsUtMrkTVW3+Tw$"
      "qETCA0u91G38wdm1BEYTwusq+3STkninJef0+NmJmPA");
  ExpectInvalid("pbkdf2_sha256$600000$nBX4FIUOPujHUBuPbZNBLV$not*base64");
  ExpectInvalid(
      "pbkdf2_sha256$abc$nBX4FIUOPujHUBuPbZNBLV$"
      "KLWdXLUdpd1lC2QY3YlmPJ/6sbY+1haPJVq8jTuPrN8=");
  ExpectInvalid(
      "pbkdf2_sha256$600000$$"
      "KLWdXLUdpd1lC2QY3YlmPJ/6sbY+1haPJVq8jTuPrN8=");
  ExpectInvalid("pbkdf2_sha256$600000$nBX4FIUOPujHUBuPbZNBLV");
  ExpectInvalid(
      "pbkdf2_sha1$600000$nBX4FIUOPujHUBuPbZNBLV$"
      "KLWdXLUdpd1lC2QY3YlmPJ/6sbY+1haPJVq8jTuPrN8=");
}

TEST_F(PasswordHashTest, MalformedCryptAndUnknown) {
  const std::string yes(kYescrypt), sha(kSha512), bc(kBcrypt2b);
  ExpectInvalid(yes.substr(0, yes.size() - 5));  // truncated
  ExpectInvalid(sha.substr(0, sha.size() - 5));
  ExpectInvalid(bc.substr(0, bc.size() - 5));
  ExpectInvalid(sha + "AAAA");  // padded
  ExpectInvalid("$6$");
  ExpectInvalid("$y$");
  ExpectInvalid("$2b$05$short");
  ExpectInvalid("$2b$99$x07Bdp1hFmRladZ3wLIxfum7p30anQQbZCDiHjijf4VHsHJZDjxXy");
  ExpectInvalid("$2b$31$x07Bdp1hFmRladZ3wLIxfum7p30anQQbZCDiHjijf4VHsHJZDjxXy");
  ExpectInvalid(
      "$6$rounds=999999999$iGGTWuMcdTa5kmb0$.n41SesYq43sD/4uZZ6.s8DA"
      "jWko5.UUHCZZZpOrUhv01Ep2L8FihuYcvEw1fL4TiBty8jIeqHVJ0644X9Au30");
  ExpectInvalid("");
  ExpectInvalid("hunter2");
  ExpectInvalid("$1$saltsalt$abcdefghijklmnopqrstuv");  // md5crypt: not taken
  ExpectInvalid(kArgon2i);
  ExpectInvalid("!locked");
  ExpectInvalid("*");
}

TEST_F(PasswordHashTest, YescryptCostsAreBoundedBeforeAnyWork) {
  // kYescrypt's "j9T": N = 2^12, r = 32 (16 MiB), as Debian's chpasswd
  // makes. The fields are yescrypt's variable-length numbers; the ones
  // below were encoded with its reference algorithm.
  const std::string tail =
      "$ErufQH.1sB3nWimbBChoe/$"
      "VSIZ0gWT5Q9DN3hbV9lRA3viWCBPhsc7lPldiGeQ748";
  const auto expect_refused = [&](const std::string& params) {
    SCOPED_TRACE(params);
    const auto started = std::chrono::steady_clock::now();
    Result<bool> r = low_.Verify(kPassword, "$y$" + params + tail);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("yescrypt"), std::string::npos)
        << r.status().ToString();
    // Refused by reading the parameters, not by trying.
    EXPECT_LT(std::chrono::steady_clock::now() - started,
              std::chrono::milliseconds(50));
  };
  expect_refused("jKT");      // N = 2^23: 32 GiB
  expect_refused("jZT");      // N = 2^38
  expect_refused("j9T.kD");   // p = 65
  expect_refused("j9T/s4s");  // t = 1001
  expect_refused("j9");       // no r
  expect_refused("j9*");      // not crypt's alphabet
  expect_refused("j9T.");     // p announced, missing
  // The usual hash still verifies.
  Result<bool> ok = low_.Verify(kPassword, kYescrypt);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(*ok);
}

TEST_F(PasswordHashTest, UnknownFormatMessageDoesNotEchoTheString) {
  Result<bool> r = low_.Verify(kPassword, "MyPlaintextPassword");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().find("MyPlaintext"), std::string::npos);
}

TEST_F(PasswordHashTest, HashRoundTripsWithFreshSaltAndCurrentParams) {
  Result<std::string> a = low_.Hash(kPassword);
  Result<std::string> b = low_.Hash(kPassword);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_NE(*a, *b);  // the salt differs

  const std::string prefix = "$argon2id$v=19$m=256,t=1,p=1$";
  ASSERT_EQ(a->substr(0, prefix.size()), prefix);
  const std::string rest = a->substr(prefix.size());
  const size_t dollar = rest.find('$');
  ASSERT_NE(dollar, std::string::npos);
  const auto salt = Base64Decode(rest.substr(0, dollar));
  const auto hash = Base64Decode(rest.substr(dollar + 1));
  ASSERT_TRUE(salt && hash);
  EXPECT_EQ(salt->size(), 16u);
  EXPECT_EQ(hash->size(), 32u);
  EXPECT_EQ(rest.find('='), std::string::npos);  // no padding

  ExpectVerifies(low_, *a, kPassword);
  ExpectVerifies(low_, *b, kPassword);
  EXPECT_FALSE(low_.NeedsRehash(*a));
  HashParams stronger = LowArgon2();
  stronger.argon2_time = 2;
  EXPECT_TRUE(PasswordHasher(stronger, random_).NeedsRehash(*a));
}

TEST_F(PasswordHashTest, UnicodeAndLongPasswordsRoundTrip) {
  Result<std::string> h = low_.Hash(kUnicodePassword);
  ASSERT_TRUE(h.ok());
  ExpectVerifies(low_, *h, kUnicodePassword);
  // The same text in decomposed form (a + U+0308) is the same password:
  // both are compared in NFC (issue 9; this test said the opposite before).
  EXPECT_TRUE(*low_.Verify(
      "pa\xCC\x88ssw\xC3\xB6rd-\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E-"
      "\xF0\x9F\x94\x91",
      *h));

  // Nothing is truncated: a 1000-byte password differs from its prefix.
  const std::string long_pw(1000, 'z');
  Result<std::string> l = low_.Hash(long_pw);
  ASSERT_TRUE(l.ok());
  EXPECT_TRUE(*low_.Verify(long_pw, *l));
  EXPECT_FALSE(*low_.Verify(long_pw.substr(0, 999), *l));
  EXPECT_FALSE(*low_.Verify(long_pw + "z", *l));
}

TEST_F(PasswordHashTest, DefaultParamsHashAndVector) {
  PasswordHasher def(HashParams{}, random_);
  EXPECT_EQ(def.params().argon2_memory_kib, 19456u);
  Result<std::string> h = def.Hash(kPassword);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << *h;
  EXPECT_TRUE(*def.Verify(kPassword, *h));
  EXPECT_FALSE(def.NeedsRehash(*h));
  // The reference CLI's hash at the default parameters is current too.
  EXPECT_TRUE(*def.Verify(kPassword, kArgon2idDefault));
  EXPECT_FALSE(def.NeedsRehash(kArgon2idDefault));
  EXPECT_TRUE(def.NeedsRehash(kArgon2idLow));
  EXPECT_TRUE(def.NeedsRehash(kYescrypt));
}

TEST_F(PasswordHashTest, FromConfigCopiesTheSecuritySection) {
  SecurityConfig s;
  s.hash = HashScheme::kPbkdf2Sha256;
  s.argon2_memory_kib = 1024;
  s.argon2_time = 3;
  s.argon2_parallelism = 2;
  s.pbkdf2_iterations = 12345;
  const HashParams p = HashParams::FromConfig(s);
  EXPECT_EQ(p.scheme, HashScheme::kPbkdf2Sha256);
  EXPECT_EQ(p.argon2_memory_kib, 1024u);
  EXPECT_EQ(p.argon2_time, 3u);
  EXPECT_EQ(p.argon2_parallelism, 2u);
  EXPECT_EQ(p.pbkdf2_iterations, 12345u);
}

TEST_F(PasswordHashTest, Pbkdf2SchemeHashes) {
  HashParams p;
  p.scheme = HashScheme::kPbkdf2Sha256;
  p.pbkdf2_iterations = 1000;
  PasswordHasher h(p, random_);
  Result<std::string> a = h.Hash(kPassword);
  Result<std::string> b = h.Hash(kPassword);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->rfind("$pbkdf2-sha256$i=1000$", 0), 0u) << *a;
  EXPECT_NE(*a, *b);
  ExpectVerifies(h, *a, kPassword);
  EXPECT_FALSE(h.NeedsRehash(*a));
  EXPECT_TRUE(h.NeedsRehash(kPhcPbkdf2));    // other iteration count
  EXPECT_TRUE(h.NeedsRehash(kArgon2idLow));  // other scheme
  EXPECT_TRUE(low_.NeedsRehash(*a));
  // The argon2id side still verifies it.
  EXPECT_TRUE(*low_.Verify(kPassword, *a));
}

class FailingRandom final : public Random {
 public:
  Status Fill(std::span<uint8_t>) override { return Internal("no entropy"); }
};

TEST_F(PasswordHashTest, HashFailsWhenRandomFails) {
  FailingRandom bad;
  PasswordHasher h(LowArgon2(), bad);
  Result<std::string> r = h.Hash(kPassword);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

TEST_F(PasswordHashTest, HashRefusesAbsurdConfiguredParams) {
  HashParams p = LowArgon2();
  p.argon2_time = 0;
  Result<std::string> r = PasswordHasher(p, random_).Hash(kPassword);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

// Passwords in valid UTF-8 are normalised to NFC before hashing and
// checking (ASVS 2.1): "é" as one code point or as e + combining acute is
// the same password.
TEST_F(PasswordHashTest, ComposedAndDecomposedPasswordsMatch) {
  const std::string composed = "caf\xC3\xA9";     // U+00E9
  const std::string decomposed = "cafe\xCC\x81";  // e + U+0301
  Result<std::string> stored = low_.Hash(decomposed);
  ASSERT_TRUE(stored.ok());
  Result<bool> r = low_.Verify(composed, *stored);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(*r);
  stored = low_.Hash(composed);
  ASSERT_TRUE(stored.ok());
  r = low_.Verify(decomposed, *stored);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(*r);
  // Not valid UTF-8: used as the bytes it is.
  stored = low_.Hash("caf\xE9");
  ASSERT_TRUE(stored.ok());
  r = low_.Verify("caf\xE9", *stored);
  ASSERT_TRUE(r.ok() && *r);
  r = low_.Verify(composed, *stored);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
}

// Stored costs are capped relative to the configuration (issue 9, section
// 6): a planted or imported hash above its cap is refused before any work,
// with a message that says the account needs a password reset.
TEST_F(PasswordHashTest, StoredCostsAboveTheirCapsNeedAReset) {
  HashParams p = LowArgon2();  // m=256 KiB, t=1, p=1
  p.pbkdf2_iterations = 1000;
  const PasswordHasher h(p, random_);
  const std::string salt = "capsaltcapsalt16";
  const auto argon2 = [&](uint32_t m, uint32_t t, uint32_t par) {
    auto key = hash_internal::Argon2idRaw(kPassword, salt, m, t, par,
                                          hash_internal::kArgon2Version, 32);
    EXPECT_TRUE(key.ok());
    return hash_internal::FormatArgon2id(m, t, par, salt,
                                         key.ok() ? key->view() : "");
  };
  const auto expect_reset = [&](const std::string& stored) {
    SCOPED_TRACE(stored);
    const auto started = std::chrono::steady_clock::now();
    Result<bool> r = h.Verify(kPassword, stored);
    ASSERT_FALSE(r.ok()) << "accepted, answer " << *r;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("needs reset"), std::string::npos)
        << r.status().ToString();
    EXPECT_LT(std::chrono::steady_clock::now() - started,
              std::chrono::milliseconds(50));
  };
  const auto expect_ok = [&](const std::string& stored) {
    SCOPED_TRACE(stored);
    Result<bool> r = h.Verify(kPassword, stored);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(*r);
  };
  // Argon2id: 4x the configured memory and time.
  expect_ok(argon2(1024, 4, 1));
  expect_reset(argon2(1025, 1, 1));
  expect_reset(argon2(256, 5, 1));
  expect_reset(argon2(256, 1, 9));  // lanes: 4x configured, at least 8
  // PBKDF2: 4x the configured iterations.
  auto key = hash_internal::Pbkdf2Sha256Raw(kPassword, salt, 4000, 32);
  ASSERT_TRUE(key.ok());
  expect_ok(hash_internal::FormatPbkdf2Sha256(4000, salt, key->view()));
  expect_reset(hash_internal::FormatPbkdf2Sha256(4001, salt, key->view()));
  // Django: 4x Django's own default (1,000,000 in Django 5.2) when that is
  // more than the configured count.
  expect_reset(
      "pbkdf2_sha256$4000001$nBX4FIUOPujHUBuPbZNBLV$"
      "KLWdXLUdpd1lC2QY3YlmPJ/6sbY+1haPJVq8jTuPrN8=");
  // bcrypt: cost 13 at most.
  expect_reset("$2b$14$x07Bdp1hFmRladZ3wLIxfum7p30anQQbZCDiHjijf4VHsHJZDjxXy");
  // sha512crypt: 4x the default 5000 rounds.
  expect_reset(
      "$6$rounds=20001$yGpCZGuU48UFJVqT$"
      "uaMtFICh48QUwzgdbQnqqXPX93NOAWDAobwsVzeXr."
      "t.0.5IXt19JJsIEcWwY3opo.Lq3XRJLEgx5u0vJgyCu1");
  // yescrypt: 4x Debian's default 16 MiB (j9T: N = 2^12, r = 32).
  expect_reset(
      "$y$jCT$ErufQH.1sB3nWimbBChoe/$"
      "VSIZ0gWT5Q9DN3hbV9lRA3viWCBPhsc7lPldiGeQ748");
  // The usual imports still verify.
  expect_ok(std::string(kYescrypt));
  expect_ok(std::string(kSha512Rounds));
  expect_ok(std::string(kBcrypt2b));
}

// DummyVerify must cost what a real Verify costs. Medians of a few runs with
// generous bounds: it catches a dummy that does no work or the wrong work.
TEST_F(PasswordHashTest, DummyVerifyCostsWhatVerifyCosts) {
  HashParams p;
  p.argon2_memory_kib = 8192;
  p.argon2_time = 3;
  p.argon2_parallelism = 1;
  PasswordHasher h(p, random_);
  Result<std::string> stored = h.Hash(kPassword);
  ASSERT_TRUE(stored.ok());
  using Clock = std::chrono::steady_clock;
  const auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::vector<double> verify, dummy;
  for (int i = 0; i < 5; ++i) {
    auto t0 = Clock::now();
    ASSERT_TRUE(h.Verify("wrong password", *stored).ok());
    auto t1 = Clock::now();
    h.DummyVerify("wrong password");
    auto t2 = Clock::now();
    verify.push_back(std::chrono::duration<double>(t1 - t0).count());
    dummy.push_back(std::chrono::duration<double>(t2 - t1).count());
  }
  const double ratio = median(dummy) / median(verify);
  EXPECT_GT(ratio, 0.5) << "dummy " << median(dummy) << "s, verify "
                        << median(verify) << "s";
  EXPECT_LT(ratio, 2.0) << "dummy " << median(dummy) << "s, verify "
                        << median(verify) << "s";
}

}  // namespace
}  // namespace latchkey

namespace latchkey {
namespace {

TEST(KdfSlotsTest, AThirdTakerWaitsForAFreeSlot) {
  KdfSlots slots(2);
  std::optional<KdfSlots::Slot> a(slots.Take());
  std::optional<KdfSlots::Slot> b(slots.Take());
  EXPECT_EQ(slots.in_use(), 2u);
  std::atomic<bool> got_third{false};
  std::thread third([&] {
    KdfSlots::Slot c = slots.Take();
    got_third = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(got_third.load());
  a.reset();
  third.join();
  EXPECT_TRUE(got_third.load());
  b.reset();
  EXPECT_EQ(slots.in_use(), 0u);
  EXPECT_EQ(slots.peak(), 2u);
}

TEST(KdfSlotsTest, HashersSharingSlotsNeverExceedThem) {
  FakeRandom random{3};
  KdfSlots slots(2);
  std::vector<std::unique_ptr<PasswordHasher>> hashers;
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    hashers.push_back(std::make_unique<PasswordHasher>(LowArgon2(), random));
    hashers.back()->LimitTo(&slots);
  }
  const Result<std::string> stored = hashers[0]->Hash(kPassword);
  ASSERT_TRUE(stored.ok());
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      for (int n = 0; n < 20; ++n) {
        EXPECT_TRUE(*hashers[i]->Verify(kPassword, *stored));
        hashers[i]->DummyVerify(kPassword);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_LE(slots.peak(), 2u);
  EXPECT_GE(slots.peak(), 1u);
  EXPECT_EQ(slots.in_use(), 0u);
}

TEST(KdfSlotsTest, AnArenaIsReusedAndLeftWipedByLibargon2) {
  KdfArena arena;
  const auto hash = [&](uint32_t memory_kib) {
    hash_internal::ScopedArgon2Arena scope(&arena);
    return hash_internal::Argon2idRaw(kPassword, "saltsaltsalt", memory_kib, 1,
                                      1, hash_internal::kArgon2Version, 32);
  };
  Result<Secret> first = hash(256);
  ASSERT_TRUE(first.ok());
  ASSERT_NE(arena.memory, nullptr);
  EXPECT_EQ(arena.bytes, 256u * 1024);
  // libargon2 wiped it before handing it back: no password-derived bytes
  // stay in the kept memory.
  EXPECT_TRUE(std::all_of(arena.memory, arena.memory + arena.bytes,
                          [](uint8_t b) { return b == 0; }));
  uint8_t* const kept = arena.memory;
  Result<Secret> again = hash(256);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(arena.memory, kept);
  EXPECT_EQ(again->view(), first->view());  // same inputs, same key
  // The same key as without an arena.
  Result<Secret> plain = hash_internal::Argon2idRaw(
      kPassword, "saltsaltsalt", 256, 1, 1, hash_internal::kArgon2Version, 32);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->view(), first->view());
  // Another size maps anew.
  ASSERT_TRUE(hash(512).ok());
  EXPECT_EQ(arena.bytes, 512u * 1024);
  hash_internal::ReleaseArgon2Arena(arena);
  EXPECT_EQ(arena.memory, nullptr);
  EXPECT_EQ(arena.bytes, 0u);
}

TEST(KdfSlotsTest, SlotsKeepMemoryOnlyWhileHashesWait) {
  FakeRandom random{5};
  KdfSlots slots(1);
  PasswordHasher hasher(LowArgon2(), random);
  hasher.LimitTo(&slots);
  const Result<std::string> stored = hasher.Hash(kPassword);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(slots.arena_bytes(), 0u);  // nobody waited: given back
  // Hold the only slot so the hashers below queue behind each other.
  auto held = std::make_unique<KdfSlots::Slot>(slots.Take());
  std::vector<std::thread> threads;
  std::atomic<int> verified{0};
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&] {
      Result<bool> ok = hasher.Verify(kPassword, *stored);
      if (ok.ok() && *ok) ++verified;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  held.reset();
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(verified.load(), 3);
  EXPECT_EQ(slots.arena_bytes(), 0u);  // the last one gave it back
}

TEST(KdfSlotsTest, WarmSlotsKeepTheirMemoryWhileIdle) {
  FakeRandom random{6};
  KdfSlots slots(1, /*keep_warm=*/true);
  PasswordHasher hasher(LowArgon2(), random);
  hasher.LimitTo(&slots);
  const Result<std::string> stored = hasher.Hash(kPassword);
  ASSERT_TRUE(stored.ok());
  const size_t kept = slots.arena_bytes();
  EXPECT_GT(kept, 0u);  // nobody waited, and still mapped
  Result<bool> ok = hasher.Verify(kPassword, *stored);
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(*ok);
  EXPECT_EQ(slots.arena_bytes(), kept);  // the same memory, reused
}

}  // namespace
}  // namespace latchkey
