// Argon2id through libargon2, with our own PHC parser so that the cost
// parameters of a stored string are checked before any work is done.
#include <argon2.h>
#include <sys/mman.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/password_hash_internal.h"
#include "latchkey/base/encoding.h"

namespace latchkey::hash_internal {
namespace {

constexpr std::string_view kPrefix = "$argon2id$";

// libargon2 would malloc its m_cost KiB. glibc then raises its mmap
// threshold to that size, so later hashes come from the thread's arena, and
// a long-running process (the portal's KDF threads) keeps tens of MiB
// resident after a login flood. Mapped directly, the memory goes back to the
// OS after every hash (libargon2 wipes it before calling the free callback).
// Transparent huge pages make the fresh mapping cheap: with 4 KiB pages its
// first-touch faults cost about half a hash more CPU; with huge pages (where
// the kernel allows them on request, as Debian's does) a few percent. If it
// refuses, the hash still works, only slower.
// The thread's arena, if any: the KdfSlots slot it holds, or a KdfMemory.
thread_local KdfArena* t_arena = nullptr;

int MapArgon2Memory(uint8_t** memory, size_t bytes) {
  if (t_arena != nullptr) {
    if (t_arena->memory == nullptr || t_arena->bytes < bytes) {
      ReleaseArgon2Arena(*t_arena);
      t_arena->memory = MapArgon2Arena(bytes);
      if (t_arena->memory == nullptr) return ARGON2_MEMORY_ALLOCATION_ERROR;
      t_arena->bytes = bytes;
    }
    *memory = t_arena->memory;
    t_arena->used = true;
    return ARGON2_OK;
  }
  *memory = MapArgon2Arena(bytes);
  return *memory != nullptr ? ARGON2_OK : ARGON2_MEMORY_ALLOCATION_ERROR;
}

// libargon2 wipes the memory before it calls this (free_memory ->
// clear_internal_memory; the unit tests check it), so an arena keeps no
// password-derived bytes between hashes.
void UnmapArgon2Memory(uint8_t* memory, size_t bytes) {
  if (t_arena != nullptr && memory == t_arena->memory) return;
  ::munmap(memory, bytes);
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t end = s.find(sep, start);
    if (end == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, end - start));
    start = end + 1;
  }
}

// "key=decimal" with the given key.
std::optional<uint32_t> KeyValue(std::string_view field, std::string_view key) {
  if (field.size() <= key.size() + 1 || field.substr(0, key.size()) != key ||
      field[key.size()] != '=') {
    return std::nullopt;
  }
  return ParseDecimal(field.substr(key.size() + 1));
}

Status Malformed(std::string_view why) {
  return InvalidArgument("malformed argon2id hash: " + std::string(why));
}

}  // namespace

Status CheckArgon2Params(uint32_t memory_kib, uint32_t time,
                         uint32_t parallelism) {
  if (parallelism < 1 || parallelism > kArgon2MaxParallelism) {
    return InvalidArgument("argon2id parallelism must be 1.." +
                           std::to_string(kArgon2MaxParallelism));
  }
  if (time < 1 || time > kArgon2MaxTime) {
    return InvalidArgument("argon2id time cost must be 1.." +
                           std::to_string(kArgon2MaxTime));
  }
  if (memory_kib > kArgon2MaxMemoryKib) {
    return InvalidArgument("argon2id memory must be at most 4 GiB");
  }
  if (memory_kib < 8 * parallelism) {
    return InvalidArgument(
        "argon2id memory must be at least 8 KiB per lane of parallelism");
  }
  return Status::Ok();
}

Result<Argon2Phc> ParseArgon2id(std::string_view stored) {
  if (stored.substr(0, kPrefix.size()) != kPrefix) {
    return Malformed("not an argon2id string");
  }
  std::vector<std::string_view> f = Split(stored.substr(kPrefix.size()), '$');
  Argon2Phc out;
  if (f.size() == 4) {
    const auto v = KeyValue(f[0], "v");
    if (!v || (*v != ARGON2_VERSION_10 && *v != ARGON2_VERSION_13)) {
      return Malformed("unsupported version");
    }
    out.version = *v;
    f.erase(f.begin());
  } else if (f.size() == 3) {
    out.version = ARGON2_VERSION_10;  // strings from before v=19 omit "v="
  } else {
    return Malformed("wrong number of fields");
  }

  const std::vector<std::string_view> params = Split(f[0], ',');
  if (params.size() != 3) return Malformed("expected m=,t=,p=");
  const auto m = KeyValue(params[0], "m");
  const auto t = KeyValue(params[1], "t");
  const auto p = KeyValue(params[2], "p");
  if (!m || !t || !p) return Malformed("expected m=,t=,p=");
  LK_RETURN_IF_ERROR(CheckArgon2Params(*m, *t, *p));
  out.memory_kib = *m;
  out.time = *t;
  out.parallelism = *p;

  auto salt = Base64Decode(f[1]);
  auto hash = Base64Decode(f[2]);
  if (!salt || !hash) return Malformed("bad base64");
  if (salt->size() < kArgon2MinSaltBytes ||
      salt->size() > kArgon2MaxSaltBytes) {
    return Malformed("salt must be 8 to 256 bytes");
  }
  if (hash->size() < kArgon2MinHashBytes ||
      hash->size() > kArgon2MaxHashBytes) {
    return Malformed("hash must be 16 to 256 bytes");
  }
  out.salt = std::move(*salt);
  out.hash = std::move(*hash);
  return out;
}

ScopedArgon2Arena::ScopedArgon2Arena(KdfArena* arena) : previous_(t_arena) {
  if (arena != nullptr) t_arena = arena;
}

ScopedArgon2Arena::~ScopedArgon2Arena() { t_arena = previous_; }

KdfArena* ExchangeThreadArgon2Arena(KdfArena* arena) {
  KdfArena* previous = t_arena;
  t_arena = arena;
  return previous;
}

uint8_t* MapArgon2Arena(size_t bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  ::madvise(p, bytes, MADV_HUGEPAGE);  // advice only; an error changes nothing
  return static_cast<uint8_t*>(p);
}

void ReleaseArgon2Arena(KdfArena& arena) {
  if (arena.memory != nullptr) ::munmap(arena.memory, arena.bytes);
  arena = KdfArena{};
}

Result<Secret> Argon2idRaw(std::string_view password, std::string_view salt,
                           uint32_t memory_kib, uint32_t time,
                           uint32_t parallelism, uint32_t version,
                           size_t out_len) {
  if (password.size() > std::numeric_limits<uint32_t>::max() ||
      salt.size() > std::numeric_limits<uint32_t>::max() ||
      out_len > std::numeric_limits<uint32_t>::max()) {
    return InvalidArgument("argon2id input too long");
  }
  Secret out = Secret::OfSize(out_len);
  argon2_context ctx{};
  ctx.out = reinterpret_cast<uint8_t*>(out.mutable_data());
  ctx.outlen = static_cast<uint32_t>(out_len);
  // libargon2 writes to pwd only with ARGON2_FLAG_CLEAR_PASSWORD, which we
  // do not set, and never writes to salt; the casts only satisfy its API.
  ctx.pwd = reinterpret_cast<uint8_t*>(const_cast<char*>(password.data()));
  ctx.pwdlen = static_cast<uint32_t>(password.size());
  ctx.salt = reinterpret_cast<uint8_t*>(const_cast<char*>(salt.data()));
  ctx.saltlen = static_cast<uint32_t>(salt.size());
  ctx.t_cost = time;
  ctx.m_cost = memory_kib;
  ctx.lanes = parallelism;
  ctx.threads = parallelism;
  ctx.version = version;
  ctx.flags = ARGON2_DEFAULT_FLAGS;
  ctx.allocate_cbk = MapArgon2Memory;
  ctx.free_cbk = UnmapArgon2Memory;
  const int rc = argon2_ctx(&ctx, Argon2_id);
  if (rc != ARGON2_OK) {
    return Internal(std::string("argon2id failed: ") +
                    argon2_error_message(rc));
  }
  return out;
}

std::string FormatArgon2id(uint32_t memory_kib, uint32_t time,
                           uint32_t parallelism, std::string_view salt,
                           std::string_view hash) {
  std::string s(kPrefix);
  s += "v=19$m=" + std::to_string(memory_kib) + ",t=" + std::to_string(time) +
       ",p=" + std::to_string(parallelism) + "$";
  s += Base64Encode(salt, /*pad=*/false);
  s += "$";
  s += Base64Encode(hash, /*pad=*/false);
  return s;
}

}  // namespace latchkey::hash_internal
