// KdfMemory: the Argon2id memory of the hashes this thread is about to do,
// faulted in a piece at a time while the thread has nothing else to do.
//
// Mapping fresh memory and faulting it in is part of every Argon2id hash:
// at 19 MiB with transparent huge pages, the kernel spends 1.5-2.5 ms of a
// 20 ms hash zeroing pages (three times that with 4 KiB pages). A caller
// that must wait before it can hash (pam_latchkey waits for the database
// to send the stored hash and its salt) creates a KdfMemory first and calls
// FaultInSome() while it waits (db::Connection::WhileWaiting), so those
// faults happen in time that was idle anyway. Nothing runs on another
// thread: on a 2-core machine a helper thread zeroing pages slowed the
// database's answers by as much as it saved.
//
// While the object lives, every Argon2id key derivation on the
// constructing thread (PasswordHasher::Hash, Verify, DummyVerify; not one
// that holds a KdfSlots slot, which brings its own) runs in this memory if
// it is big enough, and leaves it mapped. libargon2 wipes the memory after
// every hash; the destructor unmaps it. If the mapping fails, hashes map
// their own memory as usual. Create and destroy it on the same thread.
#ifndef LATCHKEY_CRYPTO_KDF_MEMORY_H_
#define LATCHKEY_CRYPTO_KDF_MEMORY_H_

#include <cstddef>

#include "latchkey/crypto/password_hash.h"

namespace latchkey {

class KdfMemory {
 public:
  // Maps (but does not fault in) enough memory for one Argon2id hash at
  // `params`; nothing at all unless `params` hash with Argon2id.
  explicit KdfMemory(const HashParams& params);
  ~KdfMemory();
  KdfMemory(const KdfMemory&) = delete;
  KdfMemory& operator=(const KdfMemory&) = delete;

  // Faults in the next piece, up to one 2 MiB huge page (0.1-0.2 ms): the
  // kernel fills it with zeros, as a hash's own page faults would. Returns
  // false once there is nothing left to do: all of it is in, a hash has
  // already run in it (and faulted in the rest), or the kernel cannot do
  // it (before Linux 5.14).
  bool FaultInSome();

  size_t bytes() const { return arena_.bytes; }  // 0 if nothing is mapped
  size_t faulted_in() const { return done_; }
  bool used() const { return arena_.used; }  // a hash has run in it

 private:
  KdfArena arena_;
  KdfArena* previous_ = nullptr;  // the thread's arena before this one
  size_t done_ = 0;
  bool gave_up_ = false;
};

}  // namespace latchkey

#endif  // LATCHKEY_CRYPTO_KDF_MEMORY_H_
