// PasswordHasher: picks the format of a stored string and hands it to the
// family that understands it (password_hash_{argon2,pbkdf2,crypt}.cc).
#include "latchkey/crypto/password_hash.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/password_hash_internal.h"

namespace latchkey {
namespace hi = hash_internal;

namespace hash_internal {

std::optional<uint32_t> ParseDecimal(std::string_view text) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  if (text.size() > 1 && text[0] == '0') return std::nullopt;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > UINT32_MAX) return std::nullopt;
  return static_cast<uint32_t>(v);
}

void CompilerBarrier(const void* p) {
  __asm__ __volatile__("" : : "r"(p) : "memory");
}

Status AboveCap(std::string_view what) {
  return InvalidArgument("needs reset: stored " + std::string(what) +
                         " is above its cost cap");
}

}  // namespace hash_internal

namespace {

constexpr std::string_view kNeedsReset = "needs reset: ";

uint32_t Times4(uint32_t v) { return v > UINT32_MAX / 4 ? UINT32_MAX : v * 4; }

hi::CostCaps CapsFor(const HashParams& p) {
  hi::CostCaps c;
  c.argon2_memory_kib = Times4(p.argon2_memory_kib);
  c.argon2_time = Times4(p.argon2_time);
  c.argon2_parallelism = std::max<uint32_t>(8, Times4(p.argon2_parallelism));
  c.pbkdf2_iterations = Times4(p.pbkdf2_iterations);
  c.django_iterations =
      Times4(std::max(p.pbkdf2_iterations, kDjangoDefaultIterations));
  c.bcrypt_cost = kBcryptCostCap;
  c.sha512crypt_rounds = kSha512CryptRoundsCap;
  c.yescrypt_bytes = kYescryptBytesCap;
  c.yescrypt_time = kYescryptTimeCap;
  return c;
}

Status CheckPbkdf2Cap(const hi::Pbkdf2Parsed& parsed, uint32_t cap,
                      std::string_view what) {
  if (parsed.iterations <= cap) return Status::Ok();
  return hi::AboveCap(std::string(what) + " iterations above " +
                      std::to_string(cap));
}

constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

Status CheckParams(const HashParams& p) {
  if (p.scheme == HashScheme::kArgon2id) {
    return hi::CheckArgon2Params(p.argon2_memory_kib, p.argon2_time,
                                 p.argon2_parallelism);
  }
  return hi::CheckPbkdf2Iterations(p.pbkdf2_iterations);
}

}  // namespace

bool StoredHashNeedsReset(const Status& status) {
  return status.code() == StatusCode::kInvalidArgument &&
         status.message().substr(0, kNeedsReset.size()) == kNeedsReset;
}

HashFormat DetectHashFormat(std::string_view stored) {
  if (StartsWith(stored, "$argon2id$")) return HashFormat::kArgon2id;
  if (StartsWith(stored, "$pbkdf2-sha256$")) return HashFormat::kPbkdf2Sha256;
  if (StartsWith(stored, "pbkdf2_sha256$")) return HashFormat::kDjangoPbkdf2;
  if (StartsWith(stored, "$y$")) return HashFormat::kCryptYescrypt;
  if (StartsWith(stored, "$6$")) return HashFormat::kCryptSha512;
  if (StartsWith(stored, "$2b$") || StartsWith(stored, "$2y$") ||
      StartsWith(stored, "$2a$")) {
    return HashFormat::kCryptBcrypt;
  }
  return HashFormat::kUnknown;
}

HashParams HashParams::FromConfig(const SecurityConfig& s) {
  HashParams p;
  p.scheme = s.hash;
  p.argon2_memory_kib = s.argon2_memory_kib;
  p.argon2_time = s.argon2_time;
  p.argon2_parallelism = s.argon2_parallelism;
  p.pbkdf2_iterations = s.pbkdf2_iterations;
  return p;
}

KdfSlots::KdfSlots(size_t slots, bool keep_warm)
    : slots_(slots == 0 ? 1 : slots), keep_warm_(keep_warm), arenas_(slots_) {
  for (size_t i = slots_; i > 0; --i) free_.push_back(i - 1);
}

KdfSlots::~KdfSlots() {
  for (KdfArena& a : arenas_) hi::ReleaseArgon2Arena(a);
}

KdfSlots::Slot KdfSlots::Take() {
  std::unique_lock<std::mutex> lock(mu_);
  ++waiting_;
  freed_.wait(lock, [this] { return !free_.empty(); });
  --waiting_;
  const size_t index = free_.back();
  free_.pop_back();
  peak_ = std::max(peak_, slots_ - free_.size());
  return Slot(this, index);
}

void KdfSlots::Give(size_t index) {
  KdfArena idle;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (waiting_ == 0 && !keep_warm_) std::swap(idle, arenas_[index]);
    free_.push_back(index);
  }
  freed_.notify_one();
  hi::ReleaseArgon2Arena(idle);  // nobody waited: give the memory back
}

size_t KdfSlots::in_use() const {
  std::lock_guard<std::mutex> lock(mu_);
  return slots_ - free_.size();
}

size_t KdfSlots::peak() const {
  std::lock_guard<std::mutex> lock(mu_);
  return peak_;
}

size_t KdfSlots::arena_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t total = 0;
  for (const KdfArena& a : arenas_) total += a.bytes;
  return total;
}

PasswordHasher::PasswordHasher(HashParams params, Random& random)
    : params_(params), random_(random) {}

std::optional<KdfSlots::Slot> PasswordHasher::TakeSlot() const {
  if (slots_ == nullptr) return std::nullopt;
  return slots_->Take();
}

Result<std::string> PasswordHasher::Hash(std::string_view password) const {
  if (password.find('\0') != std::string_view::npos) {
    return InvalidArgument("a password must not contain a NUL byte");
  }
  LK_RETURN_IF_ERROR(CheckParams(params_));
  std::array<uint8_t, kSaltBytes> salt_bytes{};
  LK_RETURN_IF_ERROR(random_.Fill(salt_bytes));
  const std::string_view salt(reinterpret_cast<const char*>(salt_bytes.data()),
                              salt_bytes.size());
  const std::optional<Secret> nfc = hi::NfcPassword(password);
  if (nfc) password = nfc->view();
  const std::optional<KdfSlots::Slot> slot = TakeSlot();
  const hi::ScopedArgon2Arena arena(slot ? slot->arena() : nullptr);
  if (params_.scheme == HashScheme::kArgon2id) {
    LK_ASSIGN_OR_RETURN(
        Secret key,
        hi::Argon2idRaw(password, salt, params_.argon2_memory_kib,
                        params_.argon2_time, params_.argon2_parallelism,
                        hi::kArgon2Version, kHashBytes));
    return hi::FormatArgon2id(params_.argon2_memory_kib, params_.argon2_time,
                              params_.argon2_parallelism, salt, key.view());
  }
  LK_ASSIGN_OR_RETURN(
      Secret key, hi::Pbkdf2Sha256Raw(password, salt, params_.pbkdf2_iterations,
                                      kHashBytes));
  return hi::FormatPbkdf2Sha256(params_.pbkdf2_iterations, salt, key.view());
}

Result<bool> PasswordHasher::Verify(std::string_view password,
                                    std::string_view stored,
                                    bool* rehash) const {
  if (rehash != nullptr) *rehash = false;
  const std::optional<Secret> nfc = hi::NfcPassword(password);
  const std::optional<KdfSlots::Slot> slot = TakeSlot();
  const hi::ScopedArgon2Arena arena(slot ? slot->arena() : nullptr);
  LK_ASSIGN_OR_RETURN(bool match,
                      VerifyBytes(nfc ? nfc->view() : password, stored));
  bool raw_match = false;
  if (!match && nfc) {
    // A hash stored before passwords were normalised: the raw bytes.
    LK_ASSIGN_OR_RETURN(raw_match, VerifyBytes(password, stored));
  }
  if (rehash != nullptr) {
    *rehash = raw_match || (match && NeedsRehash(stored));
  }
  return match || raw_match;
}

Result<bool> PasswordHasher::VerifyBytes(std::string_view password,
                                         std::string_view stored) const {
  const hi::CostCaps caps = CapsFor(params_);
  switch (DetectHashFormat(stored)) {
    case HashFormat::kArgon2id: {
      LK_ASSIGN_OR_RETURN(hi::Argon2Phc phc, hi::ParseArgon2id(stored));
      if (phc.memory_kib > caps.argon2_memory_kib ||
          phc.time > caps.argon2_time ||
          phc.parallelism > caps.argon2_parallelism) {
        return hi::AboveCap(
            "argon2id cost (caps: m=" + std::to_string(caps.argon2_memory_kib) +
            ",t=" + std::to_string(caps.argon2_time) +
            ",p=" + std::to_string(caps.argon2_parallelism) + ")");
      }
      LK_ASSIGN_OR_RETURN(
          Secret derived,
          hi::Argon2idRaw(password, phc.salt, phc.memory_kib, phc.time,
                          phc.parallelism, phc.version, phc.hash.size()));
      return ConstantTimeEquals(derived.view(), phc.hash);
    }
    case HashFormat::kPbkdf2Sha256: {
      LK_ASSIGN_OR_RETURN(hi::Pbkdf2Parsed parsed,
                          hi::ParsePbkdf2Sha256(stored));
      LK_RETURN_IF_ERROR(
          CheckPbkdf2Cap(parsed, caps.pbkdf2_iterations, "pbkdf2-sha256"));
      return hi::VerifyPbkdf2(password, parsed);
    }
    case HashFormat::kDjangoPbkdf2: {
      LK_ASSIGN_OR_RETURN(hi::Pbkdf2Parsed parsed,
                          hi::ParseDjangoPbkdf2(stored));
      LK_RETURN_IF_ERROR(
          CheckPbkdf2Cap(parsed, caps.django_iterations, "Django pbkdf2"));
      return hi::VerifyPbkdf2(password, parsed);
    }
    case HashFormat::kCryptYescrypt:
    case HashFormat::kCryptSha512:
    case HashFormat::kCryptBcrypt:
      return hi::VerifyCrypt(password, stored, caps);
    case HashFormat::kUnknown:
      break;
  }
  // The stored string is not echoed: it may be a plaintext password put in
  // the wrong column.
  return InvalidArgument("unrecognised password hash format");
}

bool PasswordHasher::NeedsRehash(std::string_view stored) const {
  if (params_.scheme == HashScheme::kArgon2id) {
    if (DetectHashFormat(stored) != HashFormat::kArgon2id) return true;
    const auto phc = hi::ParseArgon2id(stored);
    return !phc.ok() || phc->version != hi::kArgon2Version ||
           phc->memory_kib != params_.argon2_memory_kib ||
           phc->time != params_.argon2_time ||
           phc->parallelism != params_.argon2_parallelism ||
           phc->hash.size() != kHashBytes;
  }
  if (DetectHashFormat(stored) != HashFormat::kPbkdf2Sha256) return true;
  const auto parsed = hi::ParsePbkdf2Sha256(stored);
  return !parsed.ok() || parsed->iterations != params_.pbkdf2_iterations ||
         parsed->hash.size() != kHashBytes;
}

void PasswordHasher::DummyVerify(std::string_view password) const {
  const std::optional<Secret> nfc = hi::NfcPassword(password);
  const std::optional<KdfSlots::Slot> slot = TakeSlot();
  const hi::ScopedArgon2Arena arena(slot ? slot->arena() : nullptr);
  // As Verify: the NFC form, then the raw bytes when they differ.
  DummyKdf(nfc ? nfc->view() : password);
  if (nfc) DummyKdf(password);
}

void PasswordHasher::DummyKdf(std::string_view password) const {
  // A fixed salt: the result is never stored or compared with anything real.
  constexpr std::string_view kSalt = "latchkey-dummy!!";
  static_assert(kSalt.size() == kSaltBytes);
  Result<Secret> key =
      params_.scheme == HashScheme::kArgon2id
          ? hi::Argon2idRaw(password, kSalt, params_.argon2_memory_kib,
                            params_.argon2_time, params_.argon2_parallelism,
                            hi::kArgon2Version, kHashBytes)
          : hi::Pbkdf2Sha256Raw(password, kSalt, params_.pbkdf2_iterations,
                                kHashBytes);
  if (key.ok()) {
    // Mirror Verify's final step, then make sure none of it is elided.
    const std::array<char, kHashBytes> zeros{};
    const bool same = ConstantTimeEquals(
        key->view(), std::string_view(zeros.data(), zeros.size()));
    hi::CompilerBarrier(&same);
    hi::CompilerBarrier(key->view().data());
  }
}

}  // namespace latchkey
