#include "latchkey/auth/lockout.h"

#include <algorithm>

namespace latchkey {

bool IsLocked(const LockoutState& state, int64_t now) {
  return state.locked_until.has_value() && now < *state.locked_until;
}

bool MayReserve(const LockoutConfig& config, const LockoutState& state,
                int64_t now) {
  if (IsLocked(state, now)) return false;
  return config.max_failures == 0 || state.failed_logins < config.max_failures;
}

int64_t LockDuration(const LockoutConfig& config, uint32_t n) {
  const int64_t cap = std::max<int64_t>(config.max_lock_duration.count(), 0);
  int64_t d = std::max<int64_t>(config.lock_duration.count(), 0);
  // Doubling by steps (not a shift) so a large n saturates at the cap
  // instead of overflowing.
  for (uint32_t i = 1; i < n && d < cap; ++i) d *= 2;
  return std::min(d, cap);
}

Seconds AddressRetryAfter(const LockoutConfig& config) {
  return config.ip_window;
}

Seconds LockRetryAfter(std::optional<int64_t> locked_until, int64_t now) {
  if (!locked_until || *locked_until <= now) return Seconds(0);
  return Seconds(*locked_until - now);
}

LockoutDecision StartLockIfDue(const LockoutConfig& config,
                               const LockoutState& state, int64_t now) {
  LockoutDecision out;
  out.state = state;
  if (IsLocked(state, now) || config.max_failures == 0 ||
      state.failed_logins < config.max_failures) {
    return out;
  }
  // The previous lock ended at locked_until; without it (cleared by hand)
  // the time it began is the best we know.
  const std::optional<int64_t> previous_end =
      state.locked_until ? state.locked_until : state.last_locked_at;
  uint32_t n = 1;
  if (state.lock_count > 0 && previous_end.has_value() &&
      now - *previous_end <= config.lock_reset_after.count()) {
    n = state.lock_count + 1;
  }
  const int64_t until = now + LockDuration(config, n);
  out.state.failed_logins = 0;
  out.state.lock_count = n;
  out.state.last_locked_at = now;
  out.state.locked_until = until;
  out.lock_started = true;
  out.locked_until = until;
  return out;
}

}  // namespace latchkey
