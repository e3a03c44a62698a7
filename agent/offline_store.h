// latchkey-agent's state for offline login ([offline] max_age > 0), kept in
// [fleet] state_dir:
//  - offline.json: per user an Argon2id verifier of the last password that
//    a directory accepted with a non-null offline_stamp, that stamp, the
//    roles and services the last offline-check gave, confirmed_at, and the
//    local lockout counters. One root-only 0600 file, rewritten atomically.
//  - audit-queue.json: offline_login / offline_failure rows waiting for a
//    directory (POST /host/v1/audit), 0600.
// Thread-safe: every method takes the store's mutex; file writes happen
// under it, so the file always matches some state the store held.
#ifndef LATCHKEY_AGENT_OFFLINE_STORE_H_
#define LATCHKEY_AGENT_OFFLINE_STORE_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "latchkey/auth/lockout.h"
#include "latchkey/base/result.h"

namespace latchkey::agent {

struct OfflineEntry {
  std::string verifier;  // PHC Argon2id string (PasswordHasher::Hash)
  std::string stamp;     // the directory's offline_stamp it was made under
  std::vector<std::string> roles;
  std::vector<std::string> services;  // "*" = every service
  int64_t confirmed_at = 0;           // last sync that confirmed the stamp
  LockoutState lockout;               // counted on this host only
};

class OfflineStore {
 public:
  explicit OfflineStore(std::string path) : path_(std::move(path)) {}

  // Reads the file; a missing file is an empty store. Errors:
  // PermissionDenied for a file readable or writable by group or others or
  // owned by another user (ReadSecretFile's rules); InvalidArgument for
  // bytes that are not the store's JSON.
  Status Load();

  std::optional<OfflineEntry> Get(const std::string& user) const;
  std::vector<std::string> Users() const;
  // Sets (or replaces) and saves. Errors: IoError from the write.
  Status Put(const std::string& user, OfflineEntry entry);
  // Removes and saves (no write if absent). Errors: IoError.
  Status Drop(const std::string& user);
  // Removes every entry and saves. Errors: IoError.
  Status DropAll();
  // Updates the lockout counters of an existing entry and saves.
  Status SetLockout(const std::string& user, const LockoutState& state);
  // Applies an offline-check answer: for each cached user, `current` holds
  // its entry's new {stamp, roles, services} or nullopt (null stamp, or
  // absent from the answer). An entry whose stamp differs or is null is
  // dropped; the others get roles, services and confirmed_at = now. Saves
  // once. Returns the users dropped.
  struct Current {
    std::optional<std::string> stamp;
    std::vector<std::string> roles;
    std::vector<std::string> services;
  };
  Result<std::vector<std::string>> Confirm(
      const std::map<std::string, Current>& current, int64_t now);

 private:
  Status SaveLocked() const;

  const std::string path_;
  mutable std::mutex mu_;
  std::map<std::string, OfflineEntry> entries_;
};

// One row for POST /host/v1/audit.
struct QueuedAuditEvent {
  int64_t ts = 0;
  std::string user;
  std::string event;  // offline_login or offline_failure
  std::string service;
  std::string rhost;
  std::string tty;
  std::string detail;
};

// The rows waiting for a directory, in a 0600 file. At most
// kMaxQueuedEvents: when full, the oldest row is dropped for a new one.
// Thread-safe.
class AuditQueue {
 public:
  static constexpr size_t kMaxQueuedEvents = 10000;
  explicit AuditQueue(std::string path) : path_(std::move(path)) {}
  // As OfflineStore::Load.
  Status Load();
  Status Add(QueuedAuditEvent event);
  // Up to `max` of the oldest rows.
  std::vector<QueuedAuditEvent> Peek(size_t max) const;
  // Removes the `n` oldest rows (after the directory accepted them).
  Status RemoveFirst(size_t n);
  size_t size() const;

 private:
  Status SaveLocked() const;
  const std::string path_;
  mutable std::mutex mu_;
  std::vector<QueuedAuditEvent> events_;
};

// Whether an offline verifier confirmed at `confirmed_at` may still be
// used at `now`: max_age > 0 and now - confirmed_at <= max_age.
bool VerifierUsable(int64_t confirmed_at, int64_t now, int64_t max_age);

// The offline account decision from a verifier: "ok", "role_missing" (the
// entry holds none of `require_roles`, when any are required) or
// "access_denied" (`service` not in its services and no "*").
std::string OfflineAccountStatus(const OfflineEntry& entry,
                                 const std::string& service,
                                 const std::vector<std::string>& require_roles);

}  // namespace latchkey::agent

#endif  // LATCHKEY_AGENT_OFFLINE_STORE_H_
