#include "latchkey/crypto/ssh_public_key.h"

#include <cstdint>
#include <optional>

#include "latchkey/base/encoding.h"
#include "latchkey/base/strings.h"

namespace latchkey {
namespace {

// OpenSSH's own limit (SSHBUF_MAX_BIGNUM): larger moduli are refused by
// sshd, so storing one would only give the user a key that never works.
constexpr int kMaxRsaBits = 16384;

constexpr std::string_view kEd25519 = "ssh-ed25519";
constexpr std::string_view kSkEd25519 = "sk-ssh-ed25519@openssh.com";
constexpr std::string_view kSkEcdsa = "sk-ecdsa-sha2-nistp256@openssh.com";
constexpr std::string_view kRsa = "ssh-rsa";
constexpr std::string_view kEcdsaPrefix = "ecdsa-sha2-";

// A reader over the wire format: every read checks the bytes left, so a
// length field of 0xffffffff fails instead of reading past the end.
class WireReader {
 public:
  explicit WireReader(std::string_view data) : rest_(data) {}

  std::optional<std::string_view> String() {
    if (rest_.size() < 4) return std::nullopt;
    const auto* p = reinterpret_cast<const unsigned char*>(rest_.data());
    const uint32_t n = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
                       (uint32_t{p[2]} << 8) | uint32_t{p[3]};
    rest_.remove_prefix(4);
    if (n > rest_.size()) return std::nullopt;
    std::string_view out = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return out;
  }
  bool empty() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

Status Damaged(std::string_view what) {
  return InvalidArgument("the key data is damaged (" + std::string(what) +
                         "): copy the whole line of the .pub file again");
}

// The bits of a positive mpint (RFC 4251 section 5), or an error for a
// negative, empty or zero one.
Result<int> MpintBits(std::string_view m, std::string_view name) {
  if (m.empty()) return Damaged(std::string(name) + std::string(" is zero"));
  if ((static_cast<unsigned char>(m[0]) & 0x80) != 0) {
    return Damaged(std::string(name) + std::string(" is negative"));
  }
  // A leading zero byte is only allowed in front of a set high bit.
  if (m[0] == 0 &&
      (m.size() == 1 || (static_cast<unsigned char>(m[1]) & 0x80) == 0)) {
    return Damaged(std::string(name) +
                   std::string(" is not in canonical form"));
  }
  size_t i = 0;
  while (i < m.size() && m[i] == 0) ++i;
  if (i == m.size())
    return Damaged(std::string(name) + std::string(" is zero"));
  int top = 0;
  for (auto b = static_cast<unsigned char>(m[i]); b != 0; b >>= 1) ++top;
  const size_t bytes_after = m.size() - i - 1;
  // Clamped: the caller refuses anything above kMaxRsaBits anyway.
  if (bytes_after > static_cast<size_t>(kMaxRsaBits / 8)) {
    return kMaxRsaBits + 1;
  }
  return static_cast<int>(bytes_after * 8) + top;
}

bool Odd(std::string_view m) {
  return !m.empty() && (static_cast<unsigned char>(m.back()) & 1) != 0;
}

// The curve of an ecdsa-sha2-<curve> type and its point size, or nullopt.
struct Curve {
  std::string_view name;
  int bits;
  size_t point_bytes;  // uncompressed: 1 + 2 * field bytes
};
constexpr Curve kCurves[] = {
    {"nistp256", 256, 65},
    {"nistp384", 384, 97},
    {"nistp521", 521, 133},
};
std::optional<Curve> CurveNamed(std::string_view name) {
  for (const Curve& c : kCurves) {
    if (c.name == name) return c;
  }
  return std::nullopt;
}

Status CheckPoint(std::string_view q, const Curve& curve) {
  if (q.size() != curve.point_bytes || q[0] != 0x04) {
    return Damaged("the public point is not an uncompressed " +
                   std::string(curve.name) + " point");
  }
  return Status::Ok();
}

// Checks the blob of `type` after its type string; returns the key's bits.
Result<int> CheckBlob(std::string_view type, WireReader& r) {
  if (type == kEd25519 || type == kSkEd25519) {
    std::optional<std::string_view> pk = r.String();
    if (!pk || pk->size() != 32)
      return Damaged("the Ed25519 key is not 32 bytes");
    if (type == kSkEd25519) {
      std::optional<std::string_view> app = r.String();
      if (!app || app->empty())
        return Damaged("the security key application is missing");
    }
    return 256;
  }
  if (type == kRsa) {
    std::optional<std::string_view> e = r.String();
    std::optional<std::string_view> n = r.String();
    if (!e || !n) return Damaged("the RSA numbers are cut short");
    LK_ASSIGN_OR_RETURN(int e_bits, MpintBits(*e, "the RSA exponent"));
    LK_ASSIGN_OR_RETURN(int n_bits, MpintBits(*n, "the RSA modulus"));
    if (!Odd(*e) || e_bits < 2 || e_bits > 64) {
      return Damaged("the RSA exponent is not valid");
    }
    if (!Odd(*n)) return Damaged("the RSA modulus is even");
    if (n_bits > kMaxRsaBits) {
      return InvalidArgument("RSA keys may have at most " +
                             std::to_string(kMaxRsaBits) +
                             " bits (OpenSSH refuses larger ones)");
    }
    if (n_bits < kMinRsaBits) {
      return InvalidArgument(
          "RSA keys must have at least " + std::to_string(kMinRsaBits) +
          " bits; this one has " + std::to_string(n_bits) +
          ". Make a new key with ssh-keygen -t ed25519 (or -t rsa -b 4096)");
    }
    return n_bits;
  }
  const bool sk_ecdsa = type == kSkEcdsa;
  if (sk_ecdsa || type.starts_with(kEcdsaPrefix)) {
    const std::string_view want = sk_ecdsa ? std::string_view("nistp256")
                                           : type.substr(kEcdsaPrefix.size());
    const std::optional<Curve> curve = CurveNamed(want);
    if (!curve) {
      return InvalidArgument("unsupported ECDSA curve \"" + std::string(want) +
                             "\": use nistp256, nistp384 or nistp521");
    }
    std::optional<std::string_view> name = r.String();
    if (!name) return Damaged("the curve name is cut short");
    if (*name != curve->name) {
      return Damaged("the curve inside the key does not match its type");
    }
    std::optional<std::string_view> q = r.String();
    if (!q) return Damaged("the public point is cut short");
    LK_RETURN_IF_ERROR(CheckPoint(*q, *curve));
    if (sk_ecdsa) {
      std::optional<std::string_view> app = r.String();
      if (!app || app->empty())
        return Damaged("the security key application is missing");
    }
    return curve->bits;
  }
  return InvalidArgument("unknown key type");  // not reached: type checked
}

bool KnownType(std::string_view type) {
  return type == kEd25519 || type == kSkEd25519 || type == kSkEcdsa ||
         type == kRsa || type == "ecdsa-sha2-nistp256" ||
         type == "ecdsa-sha2-nistp384" || type == "ecdsa-sha2-nistp521";
}

// Whether the first field looks like authorized_keys options
// (command="...",no-pty ...) rather than a key type.
bool LooksLikeOptions(std::string_view field) {
  static constexpr std::string_view kOptions[] = {"agent-forwarding",
                                                  "cert-authority",
                                                  "command=",
                                                  "environment=",
                                                  "expiry-time=",
                                                  "from=",
                                                  "no-agent-forwarding",
                                                  "no-port-forwarding",
                                                  "no-pty",
                                                  "no-touch-required",
                                                  "no-user-rc",
                                                  "no-x11-forwarding",
                                                  "permitlisten=",
                                                  "permitopen=",
                                                  "port-forwarding",
                                                  "principals=",
                                                  "pty",
                                                  "restrict",
                                                  "tunnel=",
                                                  "user-rc",
                                                  "verify-required",
                                                  "x11-forwarding"};
  for (std::string_view o : kOptions) {
    if (field.size() >= o.size() &&
        EqualsIgnoreCase(field.substr(0, o.size()), o)) {
      return true;
    }
  }
  return field.find('=') != std::string_view::npos ||
         field.find('"') != std::string_view::npos;
}

bool Blank(char c) { return c == ' ' || c == '\t'; }

// `s` for a message: printable ASCII, at most 40 characters.
std::string Printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 40)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

Status CheckComment(std::string_view comment) {
  if (comment.size() > kSshKeyCommentMax) {
    return InvalidArgument("the comment after the key is longer than " +
                           std::to_string(kSshKeyCommentMax) + " bytes");
  }
  if (Utf8Length(comment) < 0) {
    return InvalidArgument("the comment after the key is not valid UTF-8");
  }
  for (size_t i = 0; i < comment.size(); ++i) {
    const auto c = static_cast<unsigned char>(comment[i]);
    const bool c1 = c == 0xc2 && i + 1 < comment.size() &&
                    static_cast<unsigned char>(comment[i + 1]) < 0xa0;
    if (c < 0x20 || c == 0x7f || c1) {
      return InvalidArgument(
          "the comment after the key contains control characters");
    }
  }
  return Status::Ok();
}

}  // namespace

std::string SshPublicKey::Base64() const { return Base64Encode(blob, true); }

std::string SshPublicKey::Fingerprint() const {
  return SshKeyFingerprint(blob);
}

std::string SshKeyFingerprint(std::string_view blob) {
  return "SHA256:" + Base64Encode(DigestView(Sha256(blob)), false);
}

Result<SshPublicKey> ParseSshPublicKey(std::string_view line) {
  line = TrimWhitespace(line);
  if (line.find("PRIVATE KEY") != std::string_view::npos ||
      line.starts_with("PuTTY-User-Key-File")) {
    return InvalidArgument("that is a private key; paste the .pub file");
  }
  if (line.empty()) return InvalidArgument("paste a public key");
  if (line.size() > kSshKeyLineMax) {
    return InvalidArgument("that is too long for a public key");
  }
  if (line.starts_with("---- BEGIN SSH2 PUBLIC KEY")) {
    return InvalidArgument(
        "that is a key in the RFC 4716 format; convert it with "
        "ssh-keygen -i -f FILE and paste the line it prints");
  }
  if (line.find_first_of("\r\n") != std::string_view::npos) {
    return InvalidArgument("paste one key only, on one line");
  }
  size_t end = 0;
  while (end < line.size() && !Blank(line[end])) ++end;
  const std::string_view type = line.substr(0, end);
  if (!KnownType(type)) {
    if (type == "ssh-dss") {
      return InvalidArgument(
          "DSA keys (ssh-dss) are not accepted: DSA is weak and OpenSSH no "
          "longer supports it. Make a new key with ssh-keygen -t ed25519");
    }
    if (type.find("-cert-v01@openssh.com") != std::string_view::npos) {
      return InvalidArgument(
          "certificates are not accepted; paste the plain public key (.pub)");
    }
    if (LooksLikeOptions(type)) {
      return InvalidArgument(
          "paste the public key only: options such as command=\"...\" or "
          "from=\"...\" are not accepted");
    }
    if (type.starts_with("ecdsa-sha2-")) {
      return InvalidArgument("unsupported ECDSA curve \"" +
                             std::string(type.substr(11)) +
                             "\": use nistp256, nistp384 or nistp521");
    }
    return InvalidArgument(
        "not a supported SSH public key: it must start with ssh-ed25519, "
        "ecdsa-sha2-nistp256/384/521, sk-ssh-ed25519@openssh.com, "
        "sk-ecdsa-sha2-nistp256@openssh.com or ssh-rsa");
  }
  size_t start = end;
  while (start < line.size() && Blank(line[start])) ++start;
  end = start;
  while (end < line.size() && !Blank(line[end])) ++end;
  const std::string_view b64 = line.substr(start, end - start);
  if (b64.empty())
    return InvalidArgument("the key data after the type is missing");
  size_t rest = end;
  while (rest < line.size() && Blank(line[rest])) ++rest;
  const std::string_view comment = line.substr(rest);

  std::optional<std::string> blob = Base64Decode(b64);
  // Only the canonical, padded encoding: the stored text is then exactly
  // what the user pasted, and two spellings of one key cannot both exist.
  if (!blob || Base64Encode(*blob, true) != b64) {
    return InvalidArgument(
        "the key data is not valid base64: copy the whole line of the .pub "
        "file again");
  }
  WireReader r(*blob);
  std::optional<std::string_view> inner = r.String();
  if (!inner) return Damaged("no key type inside");
  if (*inner != type) {
    return InvalidArgument("the key data is a \"" + Printable(*inner) +
                           "\" key but the line says \"" + std::string(type) +
                           "\"");
  }
  LK_ASSIGN_OR_RETURN(int bits, CheckBlob(type, r));
  if (!r.empty()) return Damaged("extra bytes after the key");
  LK_RETURN_IF_ERROR(CheckComment(comment));

  SshPublicKey key;
  key.algorithm = std::string(type);
  key.blob = std::move(*blob);
  key.comment = std::string(comment);
  key.bits = bits;
  return key;
}

}  // namespace latchkey
