// SSH public keys as users paste them: one authorized_keys-style line
// "TYPE BASE64 [comment]" (what an OpenSSH .pub file holds). The parser
// decodes the key blob (RFC 4253 section 6.6 wire format, RFC 5656 for
// ECDSA, RFC 8709 for Ed25519, OpenSSH's PROTOCOL.u2f for sk-*) and accepts
// only the algorithms latchkey serves to sshd:
//   ssh-ed25519, ecdsa-sha2-nistp256/384/521, sk-ssh-ed25519@openssh.com,
//   sk-ecdsa-sha2-nistp256@openssh.com, and ssh-rsa with a modulus of at
//   least kMinRsaBits.
// ssh-dss, short RSA keys, certificates, authorized_keys options
// (command=..., from=...) and private keys are refused with a message that
// says why. Pure functions: thread-safe, no allocation beyond the result.
#ifndef LATCHKEY_CRYPTO_SSH_PUBLIC_KEY_H_
#define LATCHKEY_CRYPTO_SSH_PUBLIC_KEY_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "latchkey/base/result.h"

namespace latchkey {

// The smallest RSA modulus accepted (NIST SP 800-57: 3072 bits for
// security beyond 2030).
inline constexpr int kMinRsaBits = 3072;
// The longest comment kept (ssh_keys.comment is VARCHAR(255)).
inline constexpr size_t kSshKeyCommentMax = 255;
// The longest line the parser looks at: an RSA-16384 key is ~2.8 kB.
inline constexpr size_t kSshKeyLineMax = 8192;

struct SshPublicKey {
  std::string algorithm;  // "ssh-ed25519", "ssh-rsa", ...
  std::string blob;       // the decoded key blob (wire format)
  std::string comment;    // may be ""
  // The key's size: the RSA modulus' bits, the ECDSA curve's (256, 384,
  // 521), 256 for Ed25519.
  int bits = 0;

  // The blob in standard base64 with padding, as a .pub file has it.
  std::string Base64() const;
  // "SHA256:" + unpadded base64 of SHA-256(blob): what `ssh-keygen -l`
  // prints, and what sshd logs for an accepted key.
  std::string Fingerprint() const;
};

// Parses one line. Leading and trailing white space (and a final CR/LF) is
// ignored; fields are separated by spaces or tabs; the comment is the rest
// of the line after the blob, its inner spaces kept.
// Errors: InvalidArgument with a message that can be shown to the user as
// it is, e.g. "paste the public key only: options such as command=\"...\"
// are not accepted", "that is a private key; paste the .pub file",
// "DSA keys (ssh-dss) are not accepted: ...", "RSA keys must have at least
// 3072 bits; this one has 2048", "the key data is damaged (...)". Never
// crashes or reads out of bounds on any input.
Result<SshPublicKey> ParseSshPublicKey(std::string_view line);

// The fingerprint of a key blob (see SshPublicKey::Fingerprint).
std::string SshKeyFingerprint(std::string_view blob);

}  // namespace latchkey

#endif  // LATCHKEY_CRYPTO_SSH_PUBLIC_KEY_H_
