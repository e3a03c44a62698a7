// KdfMemory: faulted in piece by piece, then used by the thread's hashes.
#include "latchkey/crypto/kdf_memory.h"

#include <gtest/gtest.h>

#include <string>

#include "latchkey/base/random.h"

namespace latchkey {
namespace {

HashParams Argon2Of(uint32_t memory_kib) {
  HashParams p;
  p.argon2_memory_kib = memory_kib;
  p.argon2_time = 1;
  p.argon2_parallelism = 1;
  return p;
}

TEST(KdfMemoryTest, FaultsInPieceByPieceThenTheHashRunsInIt) {
  const HashParams params = Argon2Of(8192);  // 8 MiB: four huge pages or more
  PasswordHasher hasher(params, SystemRandom::Shared());
  Result<std::string> hash = hasher.Hash("kdf memory test");
  ASSERT_TRUE(hash.ok()) << hash.status().ToString();

  KdfMemory memory(params);
  ASSERT_GE(memory.bytes(), size_t{8192} * 1024);
  EXPECT_EQ(memory.faulted_in(), 0u);
  int pieces = 1;
  while (memory.FaultInSome()) ++pieces;
  // At most one 2 MiB huge page a call (Debian 12's kernel has
  // MADV_POPULATE_WRITE; an older one would stop at once).
  EXPECT_EQ(memory.faulted_in(), memory.bytes());
  EXPECT_GE(pieces, 4);
  EXPECT_FALSE(memory.used());

  Result<bool> right = hasher.Verify("kdf memory test", *hash);
  ASSERT_TRUE(right.ok()) << right.status().ToString();
  EXPECT_TRUE(*right);
  EXPECT_TRUE(memory.used());
  Result<bool> wrong = hasher.Verify("kdf memory tesT", *hash);
  ASSERT_TRUE(wrong.ok());
  EXPECT_FALSE(*wrong);
  // A hash has faulted in whatever was left: nothing more to do.
  EXPECT_FALSE(memory.FaultInSome());
}

TEST(KdfMemoryTest, AHashStartedHalfwayStillComesOutRight) {
  const HashParams params = Argon2Of(8192);
  PasswordHasher hasher(params, SystemRandom::Shared());
  Result<std::string> hash = hasher.Hash("halfway");
  ASSERT_TRUE(hash.ok());
  KdfMemory memory(params);
  ASSERT_TRUE(memory.FaultInSome());  // one piece in, the rest untouched
  Result<bool> right = hasher.Verify("halfway", *hash);
  ASSERT_TRUE(right.ok());
  EXPECT_TRUE(*right);
  // And a new hash made in it verifies without it.
  Result<std::string> again = hasher.Hash("made in kdf memory");
  ASSERT_TRUE(again.ok());
  {
    KdfMemory other(params);  // replaced as the thread's memory meanwhile
  }
  Result<bool> check = hasher.Verify("made in kdf memory", *again);
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(*check);
}

TEST(KdfMemoryTest, AStoredHashNeedingMoreMemoryGetsItsOwn) {
  PasswordHasher big(Argon2Of(4096), SystemRandom::Shared());
  Result<std::string> hash = big.Hash("bigger than the memory");
  ASSERT_TRUE(hash.ok());
  const HashParams small = Argon2Of(1024);
  KdfMemory memory(small);
  while (memory.FaultInSome()) {
  }
  PasswordHasher hasher(small, SystemRandom::Shared());
  Result<bool> right = hasher.Verify("bigger than the memory", *hash);
  ASSERT_TRUE(right.ok()) << right.status().ToString();
  EXPECT_TRUE(*right);
}

TEST(KdfMemoryTest, GoneAfterwardsAndHashesMapTheirOwnAgain) {
  const HashParams params = Argon2Of(2048);
  PasswordHasher hasher(params, SystemRandom::Shared());
  Result<std::string> hash = hasher.Hash("after");
  ASSERT_TRUE(hash.ok());
  { KdfMemory memory(params); }
  Result<bool> right = hasher.Verify("after", *hash);
  ASSERT_TRUE(right.ok());
  EXPECT_TRUE(*right);
}

TEST(KdfMemoryTest, NothingForPbkdf2) {
  HashParams params;
  params.scheme = HashScheme::kPbkdf2Sha256;
  KdfMemory memory(params);
  EXPECT_EQ(memory.bytes(), 0u);
  EXPECT_FALSE(memory.FaultInSome());
}

}  // namespace
}  // namespace latchkey
