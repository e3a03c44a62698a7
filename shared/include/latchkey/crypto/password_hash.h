// Password hashing: Argon2id (libargon2) in PHC form for new hashes, and
// verification of imported formats.
#ifndef LATCHKEY_CRYPTO_PASSWORD_HASH_H_
#define LATCHKEY_CRYPTO_PASSWORD_HASH_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/base/random.h"
#include "latchkey/base/result.h"
#include "latchkey/config/config.h"

namespace latchkey {

// The hash formats verification understands.
enum class HashFormat {
  kArgon2id,       // $argon2id$v=19$m=..,t=..,p=..$salt$hash (PHC)
  kPbkdf2Sha256,   // $pbkdf2-sha256$i=N$salt$hash (PHC, passlib style too)
  kDjangoPbkdf2,   // pbkdf2_sha256$N$salt$base64hash
  kCryptYescrypt,  // $y$...
  kCryptSha512,    // $6$...
  kCryptBcrypt,    // $2b$ / $2y$ / $2a$
  kUnknown,
};

// Recognises the format from the prefix only; does not validate the rest.
HashFormat DetectHashFormat(std::string_view stored);

struct HashParams {
  HashScheme scheme = HashScheme::kArgon2id;
  uint32_t argon2_memory_kib = 19456;
  uint32_t argon2_time = 2;
  uint32_t argon2_parallelism = 1;
  uint32_t pbkdf2_iterations = 600000;
  static HashParams FromConfig(const SecurityConfig& s);
};

// Stored-hash cost caps that do not follow from the configuration (see
// PasswordHasher::Verify for all of them).
inline constexpr uint32_t kBcryptCostCap = 13;
// 4x glibc's and libxcrypt's default of 5000 rounds.
inline constexpr uint32_t kSha512CryptRoundsCap = 20000;
// 4x Debian's default yescrypt cost ("j9T": N = 2^12, r = 32, 16 MiB), and
// at most 2 extra passes (Debian's default is 0).
inline constexpr uint64_t kYescryptBytesCap = uint64_t{64} << 20;
inline constexpr uint32_t kYescryptTimeCap = 2;
// Django 5.2's PBKDF2PasswordHasher.iterations.
inline constexpr uint32_t kDjangoDefaultIterations = 1'000'000;

// True iff `status` is Verify's refusal of a stored cost above its cap: the
// account's password needs a reset (the audit detail says so).
bool StoredHashNeedsReset(const Status& status);

// Argon2 memory kept between hashes: a KdfSlots slot's, or a KdfMemory's.
struct KdfArena {
  uint8_t* memory = nullptr;
  size_t bytes = 0;
  bool used = false;  // a hash has run in it
};

// KdfSlots: at most `slots` password hashes at once, across every
// PasswordHasher that shares it (the portal: one per core). Only the key
// derivation holds a slot, so a thread that waits on the database between
// two hashes leaves its core to another hash. Thread-safe.
//
// While hashes queue for a slot, each slot keeps its Argon2id memory
// mapped for the next one instead of unmapping it and faulting in fresh
// zeroed pages (about 15% of a busy portal's CPU). libargon2 wipes the
// memory after every hash, before giving it back; a slot released with
// nobody waiting unmaps its memory, so an idle portal holds none, unless
// `keep_warm`: then every slot keeps its memory mapped and faulted in for
// the life of the KdfSlots (slots x the Argon2 memory). The directory
// service wants that: hosts log in one at a time, and fresh pages would
// cost each login a few milliseconds of zeroing.
class KdfSlots {
 public:
  explicit KdfSlots(size_t slots, bool keep_warm = false);  // slots >= 1
  ~KdfSlots();
  KdfSlots(const KdfSlots&) = delete;
  KdfSlots& operator=(const KdfSlots&) = delete;

  // Holds one slot from Take() to destruction.
  class Slot {
   public:
    Slot(KdfSlots* owner, size_t index) : owner_(owner), index_(index) {}
    Slot(Slot&& other) noexcept : owner_(other.owner_), index_(other.index_) {
      other.owner_ = nullptr;
    }
    Slot& operator=(Slot&&) = delete;
    ~Slot() {
      if (owner_ != nullptr) owner_->Give(index_);
    }
    // This slot's memory, for the hash that holds the slot only.
    KdfArena* arena() const { return &owner_->arenas_[index_]; }

   private:
    KdfSlots* owner_;
    size_t index_;
  };

  // Blocks until a slot is free. Callers bound their own waiting (the
  // portal's KdfPool queue): a hash, once admitted, is never refused here.
  [[nodiscard]] Slot Take();
  size_t in_use() const;
  size_t peak() const;  // the most ever held at once
  // Argon2 memory the slots keep mapped now (0 when idle).
  size_t arena_bytes() const;

 private:
  void Give(size_t index);

  const size_t slots_;
  const bool keep_warm_;
  mutable std::mutex mu_;
  std::condition_variable freed_;
  std::vector<KdfArena> arenas_;  // one per slot; only its holder touches it
  std::vector<size_t> free_;      // indexes of free slots
  size_t waiting_ = 0;
  size_t peak_ = 0;
};

// Thread-safe (const methods, no shared mutable state apart from Random,
// which must itself be thread-safe, and the KdfSlots, which are).
class PasswordHasher {
 public:
  PasswordHasher(HashParams params, Random& random);

  // A new hash under the current scheme and parameters, with a fresh
  // 16-byte salt. Errors: Internal if the KDF fails (e.g. out of memory) or
  // Random fails; InvalidArgument if `password` contains a NUL byte or the
  // parameters are outside what Verify accepts.
  Result<std::string> Hash(std::string_view password) const;

  // true if `password` matches `stored`, false if it does not.
  //
  // Passwords (here, in Hash and in DummyVerify) that are valid UTF-8 are
  // normalised to NFC first (ASVS 2.1, through ICU), so "é" typed as one
  // code point or as e + U+0301 is the same password. A hash stored before
  // normalisation was of the raw bytes: when the NFC form does not match
  // and differs from the raw bytes, the raw bytes are tried too; a match
  // that way sets *rehash (when given), as does a match against a stored
  // string that NeedsRehash. A wrong non-NFC password therefore costs two
  // KDFs; DummyVerify does the same for the same password.
  //
  // Errors: InvalidArgument for an unknown or malformed hash string, and for
  // costs no sane system stores (argon2id m > 4 GiB, t > 1000, p > 64, salt
  // < 8 or hash < 16 bytes; pbkdf2 > 10M iterations; bcrypt cost > 20;
  // sha512crypt rounds > 10M; yescrypt > 4 GiB, t > 1000, p > 64), refused
  // before any work is done.
  // InvalidArgument "needs reset: ..." (StoredHashNeedsReset) for a stored
  // cost above its cap, also refused before any work (the caller runs
  // DummyVerify, so the refusal takes the time of a KDF). The caps:
  //   argon2id   m <= 4x argon2_memory_kib, t <= 4x argon2_time,
  //              p <= max(8, 4x argon2_parallelism);
  //   PBKDF2     <= 4x pbkdf2_iterations ($pbkdf2-sha256$);
  //   Django     <= 4x max(pbkdf2_iterations, kDjangoDefaultIterations);
  //   bcrypt     cost <= kBcryptCostCap;
  //   $6$        rounds <= kSha512CryptRoundsCap;
  //   yescrypt   128*r*p*N <= kYescryptBytesCap, t <= kYescryptTimeCap.
  // The comparison of derived keys is constant-time. Nothing is truncated,
  // except that bcrypt reads only 72 bytes (the format's own limit); crypt(3)
  // hashes never match a password with a NUL or of 512 bytes or more.
  Result<bool> Verify(std::string_view password, std::string_view stored,
                      bool* rehash = nullptr) const;

  // true unless `stored` is the current scheme with the current parameters.
  bool NeedsRehash(std::string_view stored) const;

  // Does the work of one Verify against a current-parameter hash and throws
  // the answer away, so an unknown user costs what a wrong password costs.
  void DummyVerify(std::string_view password) const;

  const HashParams& params() const { return params_; }

  // From now on every key derivation (Hash, Verify, DummyVerify) first
  // takes one of `slots` (nullptr: no bound, the default). Set before the
  // hasher is shared between threads; `slots` must outlive it.
  void LimitTo(KdfSlots* slots) { slots_ = slots; }

 private:
  // Verify without normalisation.
  Result<bool> VerifyBytes(std::string_view password,
                           std::string_view stored) const;
  // The KDF of DummyVerify, once.
  void DummyKdf(std::string_view password) const;

  // A slot of slots_, or none when unbounded.
  std::optional<KdfSlots::Slot> TakeSlot() const;

  HashParams params_;
  Random& random_;
  KdfSlots* slots_ = nullptr;
};

}  // namespace latchkey

#endif  // LATCHKEY_CRYPTO_PASSWORD_HASH_H_
