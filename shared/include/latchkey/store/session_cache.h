// SessionCache: signed-in sessions (a Session with its User) kept in memory
// for a short time, so a busy portal does not ask the database on every
// page view. One per process, shared by every thread; thread-safe.
//
// What it promises, with SessionStore::LookupWithUser as the only reader:
//   - An entry is served for at most `ttl` after it was read from the
//     database; the session's idle and absolute deadlines are checked
//     again on every hit, and a hit whose last_seen_at is due for its
//     refresh goes to the database, so timeouts are as exact as without
//     the cache.
//   - Clear() empties the cache and voids every read that started before
//     it (Put with an older generation() is dropped), so a lookup racing a
//     logout cannot store the ended session after the logout cleared it.
//     The portal clears after any request that wrote to the database
//     (logout, revoke, password change, reset, profile edits, ...), before
//     the answer leaves: what this process changes is seen at once.
//   - Changes made elsewhere (latchkeyctl, pam_latchkey's passwd, another
//     portal process) are seen within `ttl`.
// Entries hold password hashes and CSRF secrets: the Secret parts wipe
// themselves; nothing is written anywhere else. Memory is bounded by
// max_entries (the oldest entry is dropped first).
#ifndef LATCHKEY_STORE_SESSION_CACHE_H_
#define LATCHKEY_STORE_SESSION_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "latchkey/base/clock.h"
#include "latchkey/config/config.h"
#include "latchkey/store/session_store.h"

namespace latchkey {

class SessionCache {
 public:
  struct Options {
    Seconds ttl{2};  // 0: nothing is ever stored
    size_t max_entries = 10000;
  };
  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t clears = 0;
    size_t entries = 0;
  };

  // `clock` must outlive the cache. A clock that steps back makes every
  // entry stored after the new time count as expired.
  SessionCache(Options options, const Clock& clock);
  SessionCache(const SessionCache&) = delete;
  SessionCache& operator=(const SessionCache&) = delete;

  bool enabled() const { return options_.ttl.count() > 0; }

  // A copy of the entry for this session id digest (32 raw bytes) if it
  // was stored less than `ttl` ago. Counts a hit or a miss.
  std::optional<SignedIn> Get(std::string_view id_sha256);
  // Read before going to the database; hand it to Put.
  uint64_t generation() const;
  // Stores a copy unless Clear() ran since `generation` was read.
  void Put(std::string_view id_sha256, const SignedIn& value,
           uint64_t generation);
  void Erase(std::string_view id_sha256);
  // Drops every entry and voids reads in flight. Never throws.
  void Clear() noexcept;

  Stats stats() const;

 private:
  struct Entry {
    SignedIn value;
    int64_t stored_at_micros = 0;
    std::list<std::string>::iterator age;  // position in order_
  };

  void EraseLocked(std::unordered_map<std::string, Entry>::iterator it);

  const Options options_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> order_;  // keys, oldest stored first
  uint64_t generation_ = 0;
  Stats stats_;
};

// A deep copy (the Secret parts cloned).
SignedIn CopySignedIn(const SignedIn& in);

}  // namespace latchkey

#endif  // LATCHKEY_STORE_SESSION_CACHE_H_
