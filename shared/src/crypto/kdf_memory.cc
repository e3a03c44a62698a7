#include "latchkey/crypto/kdf_memory.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>

#include "crypto/password_hash_internal.h"

namespace latchkey {
namespace {

namespace hi = hash_internal;

constexpr size_t kHugePage = size_t{2} << 20;

// What libargon2 allocates for m KiB over p lanes is m rounded down to a
// multiple of 4p blocks of 1 KiB, and at least 8p blocks: max(m, 8p) KiB
// is never less.
size_t Argon2Bytes(const HashParams& params) {
  const size_t lanes = std::max<uint32_t>(params.argon2_parallelism, 1);
  return std::max<size_t>(params.argon2_memory_kib, 8 * lanes) * 1024;
}

}  // namespace

KdfMemory::KdfMemory(const HashParams& params) {
  if (params.scheme != HashScheme::kArgon2id) return;
  const size_t bytes = Argon2Bytes(params);
  uint8_t* memory = hi::MapArgon2Arena(bytes);
  if (memory == nullptr) return;
  arena_.memory = memory;
  arena_.bytes = bytes;
  previous_ = hi::ExchangeThreadArgon2Arena(&arena_);
}

KdfMemory::~KdfMemory() {
  if (arena_.bytes == 0) return;
  hi::ExchangeThreadArgon2Arena(previous_);
  // A hash that needed more than was mapped (a stored hash with a higher m
  // than the config's) has put its own memory in the arena: released here
  // all the same.
  hi::ReleaseArgon2Arena(arena_);
}

bool KdfMemory::FaultInSome() {
  if (arena_.memory == nullptr || arena_.used || gave_up_ ||
      done_ >= arena_.bytes) {
    return false;
  }
  // Up to the next huge-page boundary, so each call faults in one page.
  const uintptr_t at = reinterpret_cast<uintptr_t>(arena_.memory) + done_;
  const uintptr_t boundary = (at + kHugePage) & ~uintptr_t{kHugePage - 1};
  const size_t length = std::min<size_t>(boundary - at, arena_.bytes - done_);
  // Write-faults the pages in without changing their contents.
  if (::madvise(reinterpret_cast<void*>(at), length, MADV_POPULATE_WRITE) !=
      0) {
    gave_up_ = true;  // EINVAL before Linux 5.14: the hash does it
    return false;
  }
  done_ += length;
  return done_ < arena_.bytes;
}

}  // namespace latchkey
