// LinkState: what a page should say about a one-use link (activation,
// password reset, email change) after trying it.
#ifndef LATCHKEY_ACCOUNT_LINK_STATE_H_
#define LATCHKEY_ACCOUNT_LINK_STATE_H_

#include <string_view>

namespace latchkey {

enum class LinkState {
  kOk,       // valid (and, for an action, done)
  kUsed,     // already used (or voided by a newer link or a password change)
  kExpired,  // past its lifetime
  kInvalid,  // unknown, malformed, or for an account that is gone/inactive
};

}  // namespace latchkey

#endif  // LATCHKEY_ACCOUNT_LINK_STATE_H_
