// An SSH public key (store/ssh_key_store.h) as the portal shows it: the
// user's /ssh-keys page, the admin's user page and the API (issue 12,
// part "sshkeys").
#ifndef LATCHKEY_PORTAL_SSH_KEY_VIEW_H_
#define LATCHKEY_PORTAL_SSH_KEY_VIEW_H_

#include <cstdint>
#include <nlohmann/json.hpp>

#include "latchkey/store/ssh_key_store.h"
#include "portal/template.h"

namespace latchkey::portal {

// For a template: id, algorithm, fingerprint, comment, added (TimeView),
// expires (TimeView; absent when the key never expires), expired (bool).
tmpl::Dict SshKeyView(const StoredSshKey& key, int64_t now);

// For the API: {"id", "algorithm", "fingerprint", "comment", "created_at",
// "expires_at" (null: never), "expired"}; times are Unix seconds.
nlohmann::json SshKeyJson(const StoredSshKey& key, int64_t now);

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_SSH_KEY_VIEW_H_
