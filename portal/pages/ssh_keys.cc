// The signed-in user's SSH public keys (issue 12, part "sshkeys";
// account/ssh_keys.h holds the rules):
//   GET  /ssh-keys                the list (algorithm, fingerprint,
//                                 comment, added, expiry, an "expired"
//                                 badge) and the form to add one
//   POST /ssh-keys                key, expires_at (a date, optional), and
//                                 password + code unless the window is
//                                 open (kKdfBound)
//   POST /ssh-keys/{id}/remove    session + CSRF only
// A key gets past the password and the code at ssh, so adding one needs
// both again (Reauthentication::GateEveryFactor; an account without TOTP:
// the password, and the page suggests enrolling TOTP). Removing one only
// takes access away, so it needs no re-authentication.
#include "latchkey/account/ssh_keys.h"

#include <charconv>

#include "latchkey/account/reauth.h"
#include "latchkey/account/user_admin.h"
#include "portal/core_fields.h"
#include "portal/reauth_gate.h"
#include "portal/ssh_key_view.h"

namespace latchkey::portal {
namespace {

struct KeyForm {
  std::string key;
  std::string expires_at;
  std::string error;
  FieldErrors errors;
};

Response Render(Context& ctx, const KeyForm& form, int status) {
  const User& user = *ctx.user();
  tmpl::Dict view = ctx.View("SSH keys");
  const int64_t now = ctx.services().clock().NowUnix();
  Result<std::vector<StoredSshKey>> keys =
      SshKeys(ctx.services()).ListKeys(user.id);
  if (!keys.ok()) return ctx.Fail(keys.status(), "listing SSH keys");
  tmpl::List rows;
  for (const StoredSshKey& k : *keys) rows.emplace_back(SshKeyView(k, now));
  view["has_keys"] = !rows.empty();
  view["keys"] = std::move(rows);
  view["max_keys"] = static_cast<int64_t>(kMaxSshKeysPerUser);
  view["totp"] = user.has_totp();
  view["need_reauth"] = !EveryFactorWindowOpen(*ctx.session(), user, now);
  view["key"] = form.key;
  view["expires_at"] = form.expires_at;
  if (!form.error.empty()) view["error"] = form.error;
  view["errors"] = form.errors.View();
  return ctx.Page("ssh_keys", view, status);
}

}  // namespace

Response SshKeysPage(Context& ctx) { return Render(ctx, KeyForm(), 200); }

Response SshKeyAddSubmit(Context& ctx) {
  KeyForm form;
  form.key = std::string(ctx.req().Field("key"));
  form.expires_at = std::string(ctx.req().Field("expires_at"));
  const Secret password(ctx.req().Field("password"));
  const std::string_view code = ctx.req().Field("code");

  std::optional<int64_t> expires;
  if (!form.expires_at.empty()) {
    Result<int64_t> at = ParseAdminTime(form.expires_at);
    if (!at.ok()) {
      form.errors.Add("expires_at", "Enter a date such as 2027-01-31.");
    } else {
      expires = *at;
    }
  }
  if (form.key.empty()) form.errors.Add("key", "Paste your public key.");
  if (!form.errors.empty()) return Render(ctx, form, 422);

  Result<ReauthGate> gate = CheckEveryFactorReauth(ctx, password, code);
  if (!gate.ok()) return ctx.Fail(gate.status(), "re-authenticating");
  if (!gate->open) {
    if (gate->field_error()) {
      form.errors.Add("password", gate->message);
    } else {
      form.error = std::string(gate->message);
    }
    Response r = Render(ctx, form, gate->http_status);
    if (gate->code == "throttled") {
      r.Header("Retry-After", std::to_string(gate->retry_after.count()));
    }
    return r;
  }
  SshKeyActor actor{ctx.auth_context(), ""};
  Result<AddedSshKey> added =
      SshKeys(ctx.services()).AddKey(ctx.user()->id, form.key, expires, actor);
  if (added.status().code() == StatusCode::kAlreadyExists) {
    form.errors.Add("key", "This key is already on your account.");
    return Render(ctx, form, 409);
  }
  if (added.status().code() == StatusCode::kResourceExhausted) {
    form.errors.Add("key", Sentence(added.status().message()));
    return Render(ctx, form, 409);
  }
  if (!added.ok()) return ctx.Fail(added.status(), "adding an SSH key");
  if (!added->errors.empty()) {
    AddCoreErrors(added->errors, form.errors);
    return Render(ctx, form, 422);
  }
  ctx.app().NudgeMail();
  return ctx.Redirect("/ssh-keys?notice=ssh_key_added");
}

Response SshKeyRemoveSubmit(Context& ctx) {
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
    return ctx.Error(404, "not_found",
                     "That key is not on your account (any more).");
  }
  if (!removed.ok()) return ctx.Fail(removed.status(), "removing an SSH key");
  return ctx.Redirect("/ssh-keys?notice=ssh_key_removed");
}

}  // namespace latchkey::portal
