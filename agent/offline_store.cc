#include "agent/offline_store.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "latchkey/base/atomic_file.h"
#include "latchkey/base/secret.h"
#include "latchkey/config/config.h"

namespace latchkey::agent {
namespace {

using nlohmann::json;

constexpr mode_t kStateMode = 0600;

bool Exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 || errno != ENOENT;
}

// The file's JSON, or null for a missing file.
Result<json> ReadState(const std::string& path) {
  if (!Exists(path)) return json();
  LK_ASSIGN_OR_RETURN(Secret bytes, ReadSecretFile(path, false));
  json parsed = json::parse(bytes.view(), nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object())
    return InvalidArgument(path + ": not the agent's JSON state");
  return parsed;
}

Status WriteState(const std::string& path, const json& state) {
  std::string text = state.dump();
  const Status written = ReplaceFileAtomically(path, text, kStateMode);
  WipeString(text);
  return written;
}

std::vector<std::string> Strings(const json& j) {
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const json& v : j)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

int64_t Int(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

std::string Str(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

json LockoutJson(const LockoutState& s) {
  json j = {{"failed_logins", s.failed_logins}, {"lock_count", s.lock_count}};
  if (s.last_locked_at) j["last_locked_at"] = *s.last_locked_at;
  if (s.locked_until) j["locked_until"] = *s.locked_until;
  return j;
}

LockoutState LockoutFrom(const json& j) {
  LockoutState s;
  if (!j.is_object()) return s;
  s.failed_logins = static_cast<uint32_t>(Int(j, "failed_logins"));
  s.lock_count = static_cast<uint32_t>(Int(j, "lock_count"));
  if (j.contains("last_locked_at")) s.last_locked_at = Int(j, "last_locked_at");
  if (j.contains("locked_until")) s.locked_until = Int(j, "locked_until");
  return s;
}

}  // namespace

Status OfflineStore::Load() {
  LK_ASSIGN_OR_RETURN(json state, ReadState(path_));
  std::map<std::string, OfflineEntry> entries;
  if (state.is_object() && state.contains("users") &&
      state["users"].is_object()) {
    for (const auto& [user, e] : state["users"].items()) {
      if (!e.is_object()) continue;
      OfflineEntry entry;
      entry.verifier = Str(e, "verifier");
      entry.stamp = Str(e, "stamp");
      entry.roles = Strings(e.value("roles", json::array()));
      entry.services = Strings(e.value("services", json::array()));
      entry.confirmed_at = Int(e, "confirmed_at");
      entry.lockout = LockoutFrom(e.value("lockout", json::object()));
      if (entry.verifier.empty() || entry.stamp.empty()) continue;
      entries[user] = std::move(entry);
    }
  }
  const std::lock_guard lock(mu_);
  entries_ = std::move(entries);
  return Status::Ok();
}

Status OfflineStore::SaveLocked() const {
  json users = json::object();
  for (const auto& [user, e] : entries_) {
    users[user] = {{"verifier", e.verifier},
                   {"stamp", e.stamp},
                   {"roles", e.roles},
                   {"services", e.services},
                   {"confirmed_at", e.confirmed_at},
                   {"lockout", LockoutJson(e.lockout)}};
  }
  return WriteState(path_, json{{"version", 1}, {"users", users}});
}

std::optional<OfflineEntry> OfflineStore::Get(const std::string& user) const {
  const std::lock_guard lock(mu_);
  const auto it = entries_.find(user);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> OfflineStore::Users() const {
  const std::lock_guard lock(mu_);
  std::vector<std::string> users;
  for (const auto& [user, e] : entries_) users.push_back(user);
  return users;
}

Status OfflineStore::Put(const std::string& user, OfflineEntry entry) {
  const std::lock_guard lock(mu_);
  entries_[user] = std::move(entry);
  return SaveLocked();
}

Status OfflineStore::Drop(const std::string& user) {
  const std::lock_guard lock(mu_);
  if (entries_.erase(user) == 0) return Status::Ok();
  return SaveLocked();
}

Status OfflineStore::DropAll() {
  const std::lock_guard lock(mu_);
  entries_.clear();
  return SaveLocked();
}

Status OfflineStore::SetLockout(const std::string& user,
                                const LockoutState& state) {
  const std::lock_guard lock(mu_);
  const auto it = entries_.find(user);
  if (it == entries_.end()) return Status::Ok();
  it->second.lockout = state;
  return SaveLocked();
}

Result<std::vector<std::string>> OfflineStore::Confirm(
    const std::map<std::string, Current>& current, int64_t now) {
  const std::lock_guard lock(mu_);
  std::vector<std::string> dropped;
  for (auto it = entries_.begin(); it != entries_.end();) {
    const auto found = current.find(it->first);
    if (found == current.end() || !found->second.stamp ||
        *found->second.stamp != it->second.stamp) {
      dropped.push_back(it->first);
      it = entries_.erase(it);
      continue;
    }
    it->second.roles = found->second.roles;
    it->second.services = found->second.services;
    it->second.confirmed_at = now;
    ++it;
  }
  LK_RETURN_IF_ERROR(SaveLocked());
  return dropped;
}

Status AuditQueue::Load() {
  LK_ASSIGN_OR_RETURN(json state, ReadState(path_));
  std::vector<QueuedAuditEvent> events;
  if (state.is_object() && state.contains("events") &&
      state["events"].is_array()) {
    for (const json& e : state["events"]) {
      if (!e.is_object()) continue;
      events.push_back({Int(e, "ts"), Str(e, "user"), Str(e, "event"),
                        Str(e, "service"), Str(e, "rhost"), Str(e, "tty"),
                        Str(e, "detail")});
    }
  }
  const std::lock_guard lock(mu_);
  events_ = std::move(events);
  return Status::Ok();
}

Status AuditQueue::SaveLocked() const {
  json events = json::array();
  for (const QueuedAuditEvent& e : events_) {
    events.push_back({{"ts", e.ts},
                      {"user", e.user},
                      {"event", e.event},
                      {"service", e.service},
                      {"rhost", e.rhost},
                      {"tty", e.tty},
                      {"detail", e.detail}});
  }
  return WriteState(path_, json{{"version", 1}, {"events", events}});
}

Status AuditQueue::Add(QueuedAuditEvent event) {
  const std::lock_guard lock(mu_);
  if (events_.size() >= kMaxQueuedEvents) events_.erase(events_.begin());
  events_.push_back(std::move(event));
  return SaveLocked();
}

std::vector<QueuedAuditEvent> AuditQueue::Peek(size_t max) const {
  const std::lock_guard lock(mu_);
  const size_t n = std::min(max, events_.size());
  return {events_.begin(), events_.begin() + static_cast<ptrdiff_t>(n)};
}

Status AuditQueue::RemoveFirst(size_t n) {
  const std::lock_guard lock(mu_);
  n = std::min(n, events_.size());
  if (n == 0) return Status::Ok();
  events_.erase(events_.begin(), events_.begin() + static_cast<ptrdiff_t>(n));
  return SaveLocked();
}

size_t AuditQueue::size() const {
  const std::lock_guard lock(mu_);
  return events_.size();
}

bool VerifierUsable(int64_t confirmed_at, int64_t now, int64_t max_age) {
  return max_age > 0 && now - confirmed_at <= max_age;
}

std::string OfflineAccountStatus(
    const OfflineEntry& entry, const std::string& service,
    const std::vector<std::string>& require_roles) {
  if (!require_roles.empty()) {
    const bool has_one = std::any_of(
        require_roles.begin(), require_roles.end(), [&](const std::string& r) {
          return std::find(entry.roles.begin(), entry.roles.end(), r) !=
                 entry.roles.end();
        });
    if (!has_one) return "role_missing";
  }
  const bool admitted = std::any_of(
      entry.services.begin(), entry.services.end(),
      [&](const std::string& s) { return s == "*" || s == service; });
  return admitted ? "ok" : "access_denied";
}

}  // namespace latchkey::agent
