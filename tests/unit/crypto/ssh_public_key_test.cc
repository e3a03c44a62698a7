#include "latchkey/crypto/ssh_public_key.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "latchkey/base/encoding.h"
#include "support/temp_dir.h"

namespace latchkey {
namespace {

using testing::TempDir;

std::string Shell(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  if (pclose(p) != 0) return "";
  return out;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Generated {
  std::string pub_line;     // the .pub file
  std::string fingerprint;  // what ssh-keygen -lf prints (SHA256:...)
  std::string private_key;  // the private key file
};

// A fresh key made by ssh-keygen, and ssh-keygen's own fingerprint of it.
Generated Generate(const TempDir& dir, const std::string& name,
                   const std::string& args) {
  const std::string path = dir.path() + "/" + name;
  Generated g;
  if (Shell("ssh-keygen -q -N '' -C 'test " + name + "' " + args + " -f " +
            path + " </dev/null 2>/dev/null && echo ok") != "ok\n") {
    ADD_FAILURE() << "ssh-keygen " << args << " failed";
    return g;
  }
  g.pub_line = ReadAll(path + ".pub");
  g.private_key = ReadAll(path);
  // "256 SHA256:abc... comment (ED25519)"
  const std::string listed = Shell("ssh-keygen -E sha256 -lf " + path + ".pub");
  const size_t sp = listed.find(' ');
  const size_t sp2 = listed.find(' ', sp + 1);
  if (sp != std::string::npos && sp2 != std::string::npos) {
    g.fingerprint = listed.substr(sp + 1, sp2 - sp - 1);
  }
  return g;
}

class SshKeygenKeys : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (Shell("command -v ssh-keygen").empty()) {
      GTEST_FAIL() << "ssh-keygen (openssh-client) is needed for this test";
    }
  }
  TempDir dir_;
};

void ExpectAccepted(const Generated& g, std::string_view algorithm, int bits,
                    std::string_view comment) {
  ASSERT_FALSE(g.fingerprint.empty());
  Result<SshPublicKey> key = ParseSshPublicKey(g.pub_line);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->algorithm, algorithm);
  EXPECT_EQ(key->bits, bits);
  EXPECT_EQ(key->comment, comment);
  EXPECT_EQ(key->Fingerprint(), g.fingerprint);
  // The stored form gives back the line ssh-keygen wrote.
  EXPECT_EQ(key->algorithm + " " + key->Base64() + " " + key->comment + "\n",
            g.pub_line);
}

TEST_F(SshKeygenKeys, Ed25519MatchesSshKeygen) {
  ExpectAccepted(Generate(dir_, "ed", "-t ed25519"), "ssh-ed25519", 256,
                 "test ed");
}

TEST_F(SshKeygenKeys, EcdsaCurvesMatchSshKeygen) {
  ExpectAccepted(Generate(dir_, "e256", "-t ecdsa -b 256"),
                 "ecdsa-sha2-nistp256", 256, "test e256");
  ExpectAccepted(Generate(dir_, "e384", "-t ecdsa -b 384"),
                 "ecdsa-sha2-nistp384", 384, "test e384");
  ExpectAccepted(Generate(dir_, "e521", "-t ecdsa -b 521"),
                 "ecdsa-sha2-nistp521", 521, "test e521");
}

TEST_F(SshKeygenKeys, Rsa3072IsAcceptedAndRsa2048Refused) {
  ExpectAccepted(Generate(dir_, "r3072", "-t rsa -b 3072"), "ssh-rsa", 3072,
                 "test r3072");
  const Generated small = Generate(dir_, "r2048", "-t rsa -b 2048");
  Result<SshPublicKey> key = ParseSshPublicKey(small.pub_line);
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(
      key.status().message().find("at least 3072 bits; this one has 2048"),
      std::string::npos)
      << key.status().message();
}

TEST_F(SshKeygenKeys, PrivateKeysAreRefusedWithAClearMessage) {
  const Generated g = Generate(dir_, "priv", "-t ed25519");
  Result<SshPublicKey> key = ParseSshPublicKey(g.private_key);
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().message(),
            "that is a private key; paste the .pub file");
  const Generated pem = Generate(dir_, "pem", "-t ecdsa -m PEM");
  key = ParseSshPublicKey(pem.private_key);
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().message(),
            "that is a private key; paste the .pub file");
}

// --- Hand-made blobs ---

std::string U32(uint32_t n) {
  std::string s(4, '\0');
  s[0] = static_cast<char>(n >> 24);
  s[1] = static_cast<char>(n >> 16);
  s[2] = static_cast<char>(n >> 8);
  s[3] = static_cast<char>(n);
  return s;
}
std::string Str(std::string_view s) {
  return U32(static_cast<uint32_t>(s.size())) + std::string(s);
}
std::string Line(std::string_view type, std::string_view blob,
                 std::string_view comment = "") {
  std::string l = std::string(type) + " " + Base64Encode(blob, true);
  if (!comment.empty()) l += " " + std::string(comment);
  return l;
}
std::string Ed25519Blob() {
  return Str("ssh-ed25519") + Str(std::string(32, '\x11'));
}
// A modulus of `bits` bits (odd), as an mpint.
std::string RsaBlob(int bits) {
  std::string n(static_cast<size_t>((bits + 7) / 8), '\xab');
  n[0] = static_cast<char>(0x80 >> ((8 - bits % 8) % 8));
  n.back() = '\x01';
  if ((static_cast<unsigned char>(n[0]) & 0x80) != 0) n.insert(0, 1, '\0');
  return Str("ssh-rsa") + Str(std::string("\x01\x00\x01", 3)) + Str(n);
}

std::string Message(std::string_view line) {
  Result<SshPublicKey> key = ParseSshPublicKey(line);
  return key.ok() ? "OK" : key.status().message();
}

TEST(SshPublicKey, HandMadeKeysParse) {
  Result<SshPublicKey> key = ParseSshPublicKey(
      "  " + Line("ssh-ed25519", Ed25519Blob(), "me@host  with spaces") +
      " \r\n");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->comment, "me@host  with spaces");
  EXPECT_EQ(key->Fingerprint(),
            "SHA256:" + Base64Encode(DigestView(Sha256(Ed25519Blob())), false));
  EXPECT_EQ(Message(Line("ssh-rsa", RsaBlob(3072))), "OK");
  EXPECT_EQ(Message(Line("ssh-rsa", RsaBlob(4096))), "OK");
  EXPECT_NE(Message(Line("ssh-rsa", RsaBlob(3071))).find("this one has 3071"),
            std::string::npos);
  const std::string sk = Str("sk-ssh-ed25519@openssh.com") +
                         Str(std::string(32, 'k')) + Str("ssh:");
  EXPECT_EQ(Message(Line("sk-ssh-ed25519@openssh.com", sk)), "OK");
  const std::string point = "\x04" + std::string(64, 'p');
  const std::string ske = Str("sk-ecdsa-sha2-nistp256@openssh.com") +
                          Str("nistp256") + Str(point) + Str("ssh:");
  EXPECT_EQ(Message(Line("sk-ecdsa-sha2-nistp256@openssh.com", ske)), "OK");
}

TEST(SshPublicKey, RefusalsSayWhy) {
  EXPECT_NE(
      Message("ssh-dss AAAAB3NzaC1kc3MAAACBAP").find("DSA keys (ssh-dss)"),
      std::string::npos);
  EXPECT_NE(Message("command=\"/bin/sh\" " + Line("ssh-ed25519", Ed25519Blob()))
                .find("options such as command="),
            std::string::npos);
  EXPECT_NE(
      Message("restrict " + Line("ssh-ed25519", Ed25519Blob())).find("options"),
      std::string::npos);
  EXPECT_NE(
      Message("ssh-ed25519-cert-v01@openssh.com AAAA").find("certificates"),
      std::string::npos);
  EXPECT_EQ(Message(""), "paste a public key");
  EXPECT_NE(Message("hello world").find("not a supported SSH public key"),
            std::string::npos);
  EXPECT_NE(Message(Line("ssh-ed25519", Ed25519Blob()) + "\n" +
                    Line("ssh-ed25519", Ed25519Blob()))
                .find("one key only"),
            std::string::npos);
  // The type inside the blob must be the one on the line.
  EXPECT_NE(Message(Line("ssh-rsa", Ed25519Blob())).find("\"ssh-ed25519\" key"),
            std::string::npos);
  // The curve inside must match the type's.
  const std::string p384 = Str("ecdsa-sha2-nistp256") + Str("nistp384") +
                           Str("\x04" + std::string(96, 'p'));
  EXPECT_NE(Message(Line("ecdsa-sha2-nistp256", p384)).find("curve"),
            std::string::npos);
  EXPECT_NE(Message("ecdsa-sha2-nistp192 AAAA").find("unsupported ECDSA curve"),
            std::string::npos);
  // Base64 that is not canonical (padding missing).
  const std::string sk = Str("sk-ssh-ed25519@openssh.com") +
                         Str(std::string(32, 'k')) + Str("ssh:");
  std::string b64 = Base64Encode(sk, true);
  ASSERT_EQ(b64.back(), '=');
  while (b64.back() == '=') b64.pop_back();
  EXPECT_NE(Message("sk-ssh-ed25519@openssh.com " + b64).find("base64"),
            std::string::npos);
  EXPECT_NE(Message("ssh-ed25519 !!!!").find("base64"), std::string::npos);
  EXPECT_NE(Message("ssh-ed25519").find("missing"), std::string::npos);
}

TEST(SshPublicKey, CommentsMustBePrintableAndShort) {
  const std::string l = Line("ssh-ed25519", Ed25519Blob());
  EXPECT_EQ(Message(l + " " + std::string(255, 'c')), "OK");
  EXPECT_NE(Message(l + " " + std::string(256, 'c')).find("longer than 255"),
            std::string::npos);
  EXPECT_NE(Message(l + " a\x01z").find("control characters"),
            std::string::npos);
  EXPECT_NE(Message(l + " a\tz").find("control characters"), std::string::npos);
  EXPECT_NE(Message(l + " a\x7fz").find("control characters"),
            std::string::npos);
  EXPECT_NE(Message(l + " a\xc2\x85z").find("control characters"),
            std::string::npos);
  EXPECT_NE(Message(l + " a\xffz").find("UTF-8"), std::string::npos);
  EXPECT_EQ(Message(l + " J\xc3\xb6rg's laptop"), "OK");
}

TEST(SshPublicKey, MalformedBlobsAreRefusedNeverCrash) {
  const std::string type = Str("ssh-ed25519");
  const std::string cases[] = {
      "",                                             // nothing
      std::string("\x00\x00", 2),                     // short length
      U32(0xffffffff) + "ssh-ed25519",                // huge type length
      type,                                           // no key
      type + U32(32),                                 // key cut short
      type + U32(0x7fffffff) + std::string(32, 'k'),  // huge key length
      type + Str(std::string(31, 'k')),               // wrong key size
      type + Str(std::string(33, 'k')),
      Ed25519Blob() + "x",      // trailing garbage
      Ed25519Blob() + Str(""),  // trailing empty string
  };
  for (const std::string& blob : cases) {
    EXPECT_NE(Message(Line("ssh-ed25519", blob)), "OK") << HexEncode(blob);
  }
  const std::string rsa = Str("ssh-rsa");
  const std::string e = Str(std::string("\x01\x00\x01", 3));
  const std::string rsa_cases[] = {
      rsa,
      rsa + e,
      rsa + e + U32(0x10000000),
      rsa + e + Str(std::string("\x80") + std::string(400, '\x01')),  // neg
      rsa + e + Str(std::string(385, '\0')),                          // zero
      rsa + e +
          Str(std::string("\0\x01", 2) +
              std::string(400, 'a')),  // non-canonical
      rsa + e + Str(std::string("\x7f") + std::string(383, '\x02')),  // even
      rsa + Str("\x02") +
          Str(std::string("\x7f") + std::string(383, 'a')),  // e even
      rsa + Str("") + Str(std::string("\x7f") + std::string(383, 'a')),
      rsa + e + Str(std::string("\x7f") + std::string(2100, 'a')),  // > 16384
      RsaBlob(3072) + std::string(1, '\0'),
  };
  for (const std::string& blob : rsa_cases) {
    EXPECT_NE(Message(Line("ssh-rsa", blob)), "OK") << HexEncode(blob);
  }
  const std::string ec = Str("ecdsa-sha2-nistp256") + Str("nistp256");
  const std::string ec_cases[] = {
      ec,
      ec + Str("\x04"),
      ec + Str("\x02" + std::string(64, 'p')),
      ec + Str("\x04" + std::string(96, 'p')),
      Str("sk-ecdsa-sha2-nistp256@openssh.com") + Str("nistp256") +
          Str("\x04" + std::string(64, 'p')),  // no application
  };
  for (const std::string& blob : ec_cases) {
    const std::string t = blob.find("sk-") != std::string::npos
                              ? "sk-ecdsa-sha2-nistp256@openssh.com"
                              : "ecdsa-sha2-nistp256";
    EXPECT_NE(Message(Line(t, blob)), "OK") << HexEncode(blob);
  }
  // Every prefix and single-byte corruption of a real key: no crash, and a
  // cut key is never accepted.
  const std::string full = RsaBlob(3072);
  for (size_t n = 0; n < full.size(); n += 7) {
    EXPECT_NE(Message(Line("ssh-rsa", full.substr(0, n))), "OK") << n;
  }
  for (size_t i = 0; i < 40; ++i) {
    std::string bad = full;
    bad[i] = static_cast<char>(bad[i] ^ 0xff);
    (void)Message(Line("ssh-rsa", bad));
  }
}

}  // namespace
}  // namespace latchkey
