#include "portal/ssh_key_view.h"

#include "latchkey/account/ssh_keys.h"
#include "portal/relative_time.h"

namespace latchkey::portal {

tmpl::Dict SshKeyView(const StoredSshKey& key, int64_t now) {
  tmpl::Dict view;
  view["id"] = key.id;
  view["algorithm"] = key.algorithm;
  view["fingerprint"] = key.fingerprint;
  view["comment"] = key.comment;
  view["added"] = TimeView(key.created_at, now);
  if (key.expires_at) view["expires"] = TimeView(*key.expires_at, now);
  view["expired"] = SshKeys::Expired(key, now);
  return view;
}

nlohmann::json SshKeyJson(const StoredSshKey& key, int64_t now) {
  return {{"id", key.id},
          {"algorithm", key.algorithm},
          {"fingerprint", key.fingerprint},
          {"comment", key.comment},
          {"created_at", key.created_at},
          {"expires_at", key.expires_at ? nlohmann::json(*key.expires_at)
                                        : nlohmann::json(nullptr)},
          {"expired", SshKeys::Expired(key, now)}};
}

}  // namespace latchkey::portal
