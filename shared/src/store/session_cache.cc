#include "latchkey/store/session_cache.h"

namespace latchkey {

SignedIn CopySignedIn(const SignedIn& in) {
  SignedIn out;
  const Session& s = in.session;
  out.session.id_sha256 = s.id_sha256;
  out.session.handle = s.handle;
  out.session.user_id = s.user_id;
  out.session.created_at = s.created_at;
  out.session.last_seen_at = s.last_seen_at;
  out.session.expires_at = s.expires_at;
  out.session.reauth_at = s.reauth_at;
  out.session.admin_reauth_at = s.admin_reauth_at;
  out.session.ip = s.ip;
  out.session.user_agent = s.user_agent;
  out.session.csrf_secret = s.csrf_secret.Clone();
  out.user = in.user;
  return out;
}

SessionCache::SessionCache(Options options, const Clock& clock)
    : options_(options), clock_(clock) {}

std::optional<SignedIn> SessionCache::Get(std::string_view id_sha256) {
  if (!enabled()) return std::nullopt;
  const int64_t now = clock_.NowUnixMicros();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(std::string(id_sha256));
  if (it == entries_.end()) {
    ++stats_.misses;
    return std::nullopt;
  }
  const int64_t age = now - it->second.stored_at_micros;
  if (age < 0 || age >= options_.ttl.count() * 1'000'000) {
    EraseLocked(it);
    ++stats_.misses;
    return std::nullopt;
  }
  ++stats_.hits;
  return CopySignedIn(it->second.value);
}

uint64_t SessionCache::generation() const {
  std::lock_guard<std::mutex> lock(mu_);
  return generation_;
}

void SessionCache::Put(std::string_view id_sha256, const SignedIn& value,
                       uint64_t generation) {
  if (!enabled() || options_.max_entries == 0) return;
  SignedIn copy = CopySignedIn(value);  // outside the lock
  const int64_t now = clock_.NowUnixMicros();
  std::lock_guard<std::mutex> lock(mu_);
  if (generation != generation_) return;
  std::string key(id_sha256);
  if (auto it = entries_.find(key); it != entries_.end()) EraseLocked(it);
  while (entries_.size() >= options_.max_entries) {
    EraseLocked(entries_.find(order_.front()));
  }
  order_.push_back(key);
  Entry entry{std::move(copy), now, std::prev(order_.end())};
  entries_.emplace(std::move(key), std::move(entry));
}

void SessionCache::Erase(std::string_view id_sha256) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(std::string(id_sha256));
  if (it != entries_.end()) EraseLocked(it);
}

void SessionCache::Clear() noexcept {
  std::lock_guard<std::mutex> lock(mu_);
  ++generation_;
  ++stats_.clears;
  entries_.clear();
  order_.clear();
}

SessionCache::Stats SessionCache::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  Stats s = stats_;
  s.entries = entries_.size();
  return s;
}

void SessionCache::EraseLocked(
    std::unordered_map<std::string, Entry>::iterator it) {
  order_.erase(it->second.age);
  entries_.erase(it);
}

}  // namespace latchkey
