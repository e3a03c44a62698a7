#include "agent/caches.h"

#include <algorithm>
#include <string>
#include <utility>

namespace latchkey::agent {
namespace {

// Drops the entry fetched longest ago when `map` is full.
template <typename Map, typename TimeOf>
void MakeRoom(Map& map, TimeOf time_of) {
  if (map.size() < kMaxCacheEntries) return;
  auto oldest = map.begin();
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (time_of(it->second) < time_of(oldest->second)) oldest = it;
  }
  map.erase(oldest);
}

}  // namespace

std::optional<SshKeyCache::Entry> SshKeyCache::Fresh(const std::string& user,
                                                     int64_t now,
                                                     int64_t ttl) const {
  const std::lock_guard lock(mu_);
  const auto it = entries_.find(user);
  if (it == entries_.end() || now - it->second.fetched_at >= ttl ||
      now < it->second.fetched_at) {
    return std::nullopt;
  }
  return it->second;
}

std::optional<SshKeyCache::Entry> SshKeyCache::Stale(const std::string& user,
                                                     int64_t now,
                                                     int64_t max_stale) const {
  const std::lock_guard lock(mu_);
  const auto it = entries_.find(user);
  if (it == entries_.end() || !it->second.known ||
      now - it->second.fetched_at > max_stale) {
    return std::nullopt;
  }
  return it->second;
}

void SshKeyCache::Put(const std::string& user, Entry entry) {
  const std::lock_guard lock(mu_);
  if (!entries_.contains(user))
    MakeRoom(entries_, [](const Entry& e) { return e.fetched_at; });
  entries_[user] = std::move(entry);
}

void SshKeyCache::Clear() {
  const std::lock_guard lock(mu_);
  entries_.clear();
}

size_t SshKeyCache::size() const {
  const std::lock_guard lock(mu_);
  return entries_.size();
}

std::string AccountCache::Key(const std::string& user,
                              const std::string& service,
                              std::vector<std::string> roles) {
  std::sort(roles.begin(), roles.end());
  std::string key = user;
  key.push_back('\0');
  key += service;
  for (const std::string& r : roles) {
    key.push_back('\0');
    key += r;
  }
  return key;
}

void AccountCache::PutOk(const std::string& key, int64_t now) {
  const std::lock_guard lock(mu_);
  if (!ok_at_.contains(key)) MakeRoom(ok_at_, [](int64_t t) { return t; });
  ok_at_[key] = now;
}

void AccountCache::Forget(const std::string& key) {
  const std::lock_guard lock(mu_);
  ok_at_.erase(key);
}

void AccountCache::Clear() {
  const std::lock_guard lock(mu_);
  ok_at_.clear();
}

bool AccountCache::OkWithin(const std::string& key, int64_t now,
                            int64_t max_stale) const {
  const std::lock_guard lock(mu_);
  const auto it = ok_at_.find(key);
  return it != ok_at_.end() && now - it->second <= max_stale;
}

}  // namespace latchkey::agent
