// The signed-in user's SSH public keys (kNeedsSession; issue 12, part
// "sshkeys"; account/ssh_keys.h holds the rules):
//   GET    /api/v1/ssh-keys       200 {"keys": [SshKeyJson...]}, oldest
//                                 first; times are Unix seconds
//   POST   /api/v1/ssh-keys       {"key", "expires_at"?, "password"?,
//                                 "code"?} (KDF pool). expires_at: Unix
//                                 seconds or a date ("2027-01-31").
//                                 201 {the key}; 422 invalid (fields "key",
//                                 "expires_at"); 409 duplicate /
//                                 too_many_keys; 403 reauth_required (no
//                                 password given and the window closed:
//                                 nothing stored), wrong_credentials /
//                                 wrong_password, locked; 429 throttled.
//   DELETE /api/v1/ssh-keys/{id}  204; 404 not_found (also another
//                                 user's key)
// Adding needs the password AND a code (an account without TOTP: the
// password) within the last 10 minutes, or given with the request:
// Reauthentication::GateEveryFactor.
#include "latchkey/account/ssh_keys.h"

#include <charconv>

#include "latchkey/account/user_admin.h"
#include "portal/api/body_fields.h"
#include "portal/core_fields.h"
#include "portal/reauth_gate.h"
#include "portal/ssh_key_view.h"

namespace latchkey::portal {
namespace {

// "expires_at": absent or null (never), Unix seconds, or a date string.
std::optional<int64_t> ReadExpiry(const nlohmann::json& body,
                                  FieldErrors& errors) {
  auto it = body.find("expires_at");
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_string()) {
    Result<int64_t> at = ParseAdminTime(it->get<std::string>());
    if (at.ok()) return *at;
  }
  errors.Add("expires_at",
             "Must be Unix seconds or a date such as 2027-01-31.");
  return std::nullopt;
}

}  // namespace

Response ApiSshKeysList(Context& ctx) {
  Result<std::vector<StoredSshKey>> keys =
      SshKeys(ctx.services()).ListKeys(ctx.user()->id);
  if (!keys.ok()) return ctx.Fail(keys.status(), "listing SSH keys");
  const int64_t now = ctx.services().clock().NowUnix();
  nlohmann::json list = nlohmann::json::array();
  for (const StoredSshKey& k : *keys) list.push_back(SshKeyJson(k, now));
  return ctx.Json({{"keys", list}});
}

Response ApiSshKeyAdd(Context& ctx) {
  nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  const std::string key = RequiredString(body, "key", errors);
  const std::optional<int64_t> expires = ReadExpiry(body, errors);
  const Secret password = SecretMember(body, "password", errors);
  const Secret code = SecretMember(body, "code", errors);
  if (!errors.empty()) return InvalidFields(ctx, errors);

  Result<ReauthGate> gate = CheckEveryFactorReauth(ctx, password, code.view());
  if (!gate.ok()) return ctx.Fail(gate.status(), "re-authenticating");
  if (!gate->open) {
    if (gate->code == "reauth_required") {
      const bool totp = ctx.user()->has_totp();
      return ctx.ApiError(
          403, "reauth_required",
          totp ? "Adding an SSH key needs your password and a code from your "
                 "authenticator: send \"password\" and \"code\" with the key. "
                 "They hold for 10 minutes."
               : "Adding an SSH key needs your password: send \"password\" "
                 "with the key. It holds for 10 minutes.");
    }
    return ReauthApiError(ctx, *gate);
  }
  SshKeyActor actor{ctx.auth_context(), ""};
  Result<AddedSshKey> added =
      SshKeys(ctx.services()).AddKey(ctx.user()->id, key, expires, actor);
  if (added.status().code() == StatusCode::kAlreadyExists) {
    return ctx.ApiError(409, "duplicate",
                        "This key is already on your account.");
  }
  if (added.status().code() == StatusCode::kResourceExhausted) {
    return ctx.ApiError(409, "too_many_keys",
                        Sentence(added.status().message()));
  }
  if (!added.ok()) return ctx.Fail(added.status(), "adding an SSH key");
  if (!added->errors.empty()) {
    AddCoreErrors(added->errors, errors);
    return InvalidFields(ctx, errors);
  }
  ctx.app().NudgeMail();
  return ctx.Json(SshKeyJson(added->key, ctx.services().clock().NowUnix()),
                  201);
}

Response ApiSshKeyRemove(Context& ctx) {
  const std::string_view param = ctx.req().Param("id");
  int64_t id = 0;
  const auto [ptr, ec] =
      std::from_chars(param.data(), param.data() + param.size(), id);
  Result<StoredSshKey> removed = NotFound("no such key");
  if (ec == std::errc() && ptr == param.data() + param.size()) {
    SshKeyActor actor{ctx.auth_context(), ""};
    removed = SshKeys(ctx.services()).RemoveKey(ctx.user()->id, id, actor);
  }
  if (removed.status().code() == StatusCode::kNotFound) {
    return ctx.ApiError(404, "not_found", "No such key on your account.");
  }
  if (!removed.ok()) return ctx.Fail(removed.status(), "removing an SSH key");
  return Response::NoContent();
}

}  // namespace latchkey::portal
