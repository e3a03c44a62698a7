// The /host/v1 handlers (docs/fleet-protocol.md's table). Each reads its
// body through the API's body helpers (api/body_fields.h: passwords taken
// into wiping Secrets), asks the core's DirectoryService and answers the
// socket's status values with 200; a malformed body is 400.
#include <string>
#include <vector>

#include "latchkey/base/secret.h"
#include "portal/api/body_fields.h"
#include "portal/directory/host_api.h"

namespace latchkey::portal {
namespace {

constexpr size_t kMaxNames = 1000;

Response BadBody(Context& ctx, const FieldErrors& errors) {
  return ctx.ApiError(400, "bad_request",
                      "The body is not what this route takes.", errors.Json());
}

Response BadBody(Context& ctx, std::string_view message) {
  return ctx.ApiError(400, "bad_request", message);
}

std::optional<int64_t> NssUid(const nlohmann::json& body, FieldErrors& errors) {
  auto it = body.find("nss_uid");
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer()) {
    errors.Add("nss_uid", "must be an integer or null");
    return std::nullopt;
  }
  return it->get<int64_t>();
}

std::vector<std::string> StringList(const nlohmann::json& body,
                                    std::string_view name, size_t max,
                                    FieldErrors& errors) {
  std::vector<std::string> out;
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return out;
  if (!it->is_array() || it->size() > max) {
    errors.Add(name,
               "must be a list of at most " + std::to_string(max) + " strings");
    return out;
  }
  for (const nlohmann::json& v : *it) {
    if (!v.is_string()) {
      errors.Add(name, "must be a list of strings");
      return {};
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

nlohmann::json AuthAnswer(const DirectoryAuthAnswer& a) {
  const AuthOutcome& o = a.outcome;
  nlohmann::json out = {
      {"status", AuthStatusName(o.status)},
      {"user_known", o.user_known},
      {"retry_after", o.retry_after.count()},
      {"password_expired", o.password_expired},
      {"recovery_code_used", o.recovery_code_used},
      {"offline", false},
      {"offline_stamp", nullptr},
  };
  if (o.status == AuthStatus::kSecondFactorNeeded) {
    out["challenge"] = a.challenge;
  }
  if (a.offline_stamp) out["offline_stamp"] = *a.offline_stamp;
  return out;
}

}  // namespace

Response HostAuthenticate(HostCall& call) {
  Context& ctx = call.ctx;
  nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  const std::string user = RequiredString(body, "user", errors);
  const Secret password = SecretMember(body, "password", errors);
  const std::string service = StringMember(body, "service", errors);
  const std::string rhost = StringMember(body, "rhost", errors);
  const std::string tty = StringMember(body, "tty", errors);
  const std::optional<int64_t> nss_uid = NssUid(body, errors);
  const std::string totp_text = StringMember(body, "totp", errors);
  TotpMode totp = TotpMode::kAuto;
  if (totp_text == "required") {
    totp = TotpMode::kRequired;
  } else if (totp_text == "off") {
    totp = TotpMode::kOff;
  } else if (!totp_text.empty() && totp_text != "auto") {
    errors.Add("totp", "must be auto, required or off");
  }
  if (!errors.empty()) return BadBody(ctx, errors);
  const DirectoryAuthAnswer answer = call.directory.Authenticate(
      user, password, call.directory.Context(service, rhost, tty), nss_uid,
      totp);
  call.api.CountOutcome(ctx.services(), call.host, answer.outcome.status);
  return ctx.Json(AuthAnswer(answer));
}

Response HostSecondFactor(HostCall& call) {
  Context& ctx = call.ctx;
  nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  const std::string challenge = RequiredString(body, "challenge", errors);
  const Secret code = SecretMember(body, "code", errors);
  const std::string service = StringMember(body, "service", errors);
  const std::string rhost = StringMember(body, "rhost", errors);
  const std::string tty = StringMember(body, "tty", errors);
  if (!errors.empty()) return BadBody(ctx, errors);
  const DirectoryAuthAnswer answer = call.directory.SecondFactor(
      challenge, code.view(), call.directory.Context(service, rhost, tty));
  call.api.CountOutcome(ctx.services(), call.host, answer.outcome.status);
  return ctx.Json(AuthAnswer(answer));
}

Response HostAccount(HostCall& call) {
  Context& ctx = call.ctx;
  nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  const std::string user = RequiredString(body, "user", errors);
  const std::string service = StringMember(body, "service", errors);
  const std::vector<std::string> roles =
      StringList(body, "require_roles", 64, errors);
  const std::optional<int64_t> nss_uid = NssUid(body, errors);
  if (!errors.empty()) return BadBody(ctx, errors);
  const std::string status = call.directory.Account(
      user, service, roles, nss_uid, call.directory.Context(service, "", ""));
  return ctx.Json({{"status", status}});
}

Response HostPassword(HostCall& call) {
  Context& ctx = call.ctx;
  nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  const std::string user = RequiredString(body, "user", errors);
  const bool has_old =
      body.contains("old_password") && !body["old_password"].is_null();
  const Secret old_password = SecretMember(body, "old_password", errors);
  const Secret new_password = RequiredSecret(body, "new_password", errors);
  const std::string service = StringMember(body, "service", errors);
  const std::string rhost = StringMember(body, "rhost", errors);
  const std::string tty = StringMember(body, "tty", errors);
  if (!errors.empty()) return BadBody(ctx, errors);
  const DirectoryPasswordAnswer answer = call.directory.ChangePassword(
      user, has_old ? &old_password : nullptr, new_password,
      call.directory.Context(service, rhost, tty));
  nlohmann::json out = {{"status", answer.status}};
  if (!answer.message.empty()) out["message"] = answer.message;
  return ctx.Json(out);
}

Response HostSession(HostCall& call) {
  Context& ctx = call.ctx;
  nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  const std::string user = RequiredString(body, "user", errors);
  const std::string service = StringMember(body, "service", errors);
  const std::string rhost = StringMember(body, "rhost", errors);
  const std::string tty = StringMember(body, "tty", errors);
  const std::string event = RequiredString(body, "event", errors);
  if (!event.empty() && event != "open" && event != "close") {
    errors.Add("event", "must be open or close");
  }
  if (!errors.empty()) return BadBody(ctx, errors);
  return ctx.Json(
      {{"status",
        call.directory.Session(user, event == "open",
                               call.directory.Context(service, rhost, tty))}});
}

Response HostSshKeys(HostCall& call) {
  Context& ctx = call.ctx;
  const std::string_view user = ctx.req().Query("user").value_or("");
  if (user.empty()) return BadBody(ctx, "Name the user: ?user=NAME.");
  Result<std::optional<std::vector<std::string>>> keys =
      call.directory.SshKeys(user);
  if (!keys.ok()) return ctx.Fail(keys.status(), "reading SSH keys");
  if (!*keys) return ctx.Json({{"status", "unknown_user"}});
  return ctx.Json({{"status", "ok"}, {"keys", **keys}});
}

Response HostMap(HostCall& call) {
  Context& ctx = call.ctx;
  Result<std::shared_ptr<const HostApi::CachedMap>> map =
      call.api.Map(call.directory);
  if (!map.ok()) return ctx.Fail(map.status(), "reading the directory map");
  const HostApi::CachedMap& m = **map;
  if (ctx.req().Query("since").value_or("") == m.version) {
    return ctx.Json({{"version", m.version}, {"unchanged", true}});
  }
  return ctx.Json({{"version", m.version},
                   {"unchanged", false},
                   {"users", m.users},
                   {"groups", m.groups}});
}

Response HostOfflineCheck(HostCall& call) {
  Context& ctx = call.ctx;
  nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  const std::vector<std::string> names =
      StringList(body, "users", kMaxNames, errors);
  if (!errors.empty()) return BadBody(ctx, errors);
  nlohmann::json users = nlohmann::json::object();
  for (const std::string& name : names) {
    Result<OfflineState> state = call.directory.OfflineCheck(name);
    if (!state.ok()) return ctx.Fail(state.status(), "offline check");
    nlohmann::json entry = {{"stamp", nullptr},
                            {"roles", state->roles},
                            {"services", state->services}};
    if (state->stamp) entry["stamp"] = *state->stamp;
    users[name] = entry;
  }
  return ctx.Json({{"users", users}});
}

Response HostAudit(HostCall& call) {
  Context& ctx = call.ctx;
  nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  auto it = body.find("events");
  if (it == body.end() || !it->is_array() || it->size() > kMaxNames) {
    return BadBody(ctx, "events must be a list of at most 1000 objects.");
  }
  std::vector<HostReportedEvent> events;
  for (const nlohmann::json& e : *it) {
    FieldErrors errors;
    if (!e.is_object()) return BadBody(ctx, "Each event must be an object.");
    HostReportedEvent ev;
    auto ts = e.find("ts");
    if (ts != e.end() && ts->is_number()) ev.ts = ts->get<int64_t>();
    ev.user = StringMember(e, "user", errors);
    ev.event = RequiredString(e, "event", errors);
    ev.service = StringMember(e, "service", errors);
    ev.rhost = StringMember(e, "rhost", errors);
    ev.tty = StringMember(e, "tty", errors);
    ev.detail = StringMember(e, "detail", errors);
    if (!errors.empty()) return BadBody(ctx, errors);
    events.push_back(std::move(ev));
  }
  Result<size_t> accepted = call.directory.RecordReported(events);
  if (!accepted.ok()) {
    if (accepted.status().code() == StatusCode::kInvalidArgument) {
      return BadBody(ctx, accepted.status().message());
    }
    return ctx.Fail(accepted.status(), "recording a host's audit events");
  }
  return ctx.Json({{"status", "ok"}, {"accepted", *accepted}});
}

Response HostPing(HostCall& call) {
  Context& ctx = call.ctx;
  nlohmann::json group = nullptr;
  if (!call.host.group_name.empty()) group = call.host.group_name;
  return ctx.Json({{"status", "ok"},
                   {"host", call.host.name},
                   {"group", group},
                   {"time", ctx.services().clock().NowUnix()}});
}

}  // namespace latchkey::portal
