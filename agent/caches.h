// latchkey-agent's answer caches, keyed by user (and for accounts by
// service and required roles). Times are Unix seconds passed in, so the
// rules are testable without a clock. Bounded: at most kMaxEntries each;
// the oldest entry goes first. Thread-safe (one mutex each).
#ifndef LATCHKEY_AGENT_CACHES_H_
#define LATCHKEY_AGENT_CACHES_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace latchkey::agent {

inline constexpr size_t kMaxCacheEntries = 20000;

// SSH keys per user. A list fetched less than `ttl` ago is fresh: served
// without asking the directory. While no directory answers, a list fetched
// at most `max_stale` ago is served as stale; older, nothing is.
class SshKeyCache {
 public:
  struct Entry {
    bool known = true;  // false: the directory said unknown_user
    std::vector<std::string> keys;
    int64_t fetched_at = 0;
  };

  // The entry if fetched within `ttl` of `now` (now - fetched_at < ttl).
  std::optional<Entry> Fresh(const std::string& user, int64_t now,
                             int64_t ttl) const;
  // The entry if fetched within `max_stale` (now - fetched_at <=
  // max_stale), for when no directory answers. Only known users: an
  // unknown_user answer is not kept for offline use.
  std::optional<Entry> Stale(const std::string& user, int64_t now,
                             int64_t max_stale) const;
  void Put(const std::string& user, Entry entry);
  void Clear();
  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

// The last `ok` account answer per (user, service, required roles), served
// while no directory answers for up to max_stale after it was given, so
// key-based ssh keeps working offline. Any other answer from a directory
// removes the entry.
class AccountCache {
 public:
  // The key: user, service and the roles sorted, joined by NUL bytes.
  static std::string Key(const std::string& user, const std::string& service,
                         std::vector<std::string> roles);
  void PutOk(const std::string& key, int64_t now);
  void Forget(const std::string& key);
  void Clear();
  // True if an `ok` was stored at most `max_stale` before `now`.
  bool OkWithin(const std::string& key, int64_t now, int64_t max_stale) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, int64_t> ok_at_;
};

}  // namespace latchkey::agent

#endif  // LATCHKEY_AGENT_CACHES_H_
