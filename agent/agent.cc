#include "agent/agent.h"

#include <malloc.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "agent/log.h"
#include "latchkey/auth/lockout.h"
#include "latchkey/store/user_store.h"

namespace latchkey::agent {
namespace {

using nlohmann::json;

// The host's own group file: FilterNssMap refuses names and gids in it.
constexpr char kLocalGroupFile[] = "/etc/group";
constexpr size_t kOfflineCheckBatch = 1000;  // the protocol's limit
constexpr size_t kAuditBatch = 1000;

Secret Dump(const json& j) {
  std::string text = j.dump(-1, ' ', false, json::error_handler_t::replace);
  return Secret::Take(text);
}

AgentReply Reply(const json& j, bool close = false) {
  AgentReply r;
  r.answer = Dump(j);
  r.close = close;
  return r;
}

AgentReply UnavailableReply(const std::string& message) {
  return Reply({{"status", "unavailable"}, {"message", message}});
}

// Moves the string at `key` into a Secret and wipes it in `j`; null or
// missing gives nullopt.
std::optional<Secret> TakeSecret(json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  std::string& s = it->get_ref<std::string&>();
  Secret out = Secret::Take(s);
  *it = nullptr;
  return out;
}

// A request body holding secrets: the JSON text in a Secret, and the
// json's own copies of the secret strings wiped.
Secret DumpWiping(json& body, std::initializer_list<const char*> keys) {
  Secret text = Dump(body);
  for (const char* key : keys) {
    const auto it = body.find(key);
    if (it != body.end() && it->is_string())
      WipeString(it->get_ref<std::string&>());
  }
  return text;
}

std::string StrField(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

std::vector<std::string> Strings(const json& j) {
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const json& v : j)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

// The request's "totp" ("auto" when missing or not a string).
std::string TotpMode(const json& req) {
  const auto it = req.find("totp");
  return it != req.end() && it->is_string() ? it->get<std::string>() : "auto";
}

json Optional(const json& j, const char* key) {
  const auto it = j.find(key);
  return it == j.end() ? json(nullptr) : *it;
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

// A user name in a request: what the protocol allows through to the
// directory. Names no account can have are unknown without asking.
bool PlausibleUser(const std::string& user) {
  return CheckUsernameForm(user).ok();
}

// The directory's answer object, or nullopt (logged) for a non-200 or a
// body that is not a JSON object.
std::optional<json> AnswerObject(const DirectoryAnswer& a,
                                 std::string* message) {
  if (a.http_status == 401) {
    *message = "the directory refused this host's credential (revoked?)";
    Log(LogLevel::kError, a.directory + ": HTTP 401: " + *message);
    return std::nullopt;
  }
  json parsed = json::parse(a.body.view(), nullptr, false);
  if (a.http_status != 200 || parsed.is_discarded() || !parsed.is_object()) {
    *message = a.directory + " answered HTTP " + std::to_string(a.http_status) +
               (parsed.is_object() ? " " + StrField(parsed, "error") : "");
    Log(LogLevel::kWarning, *message);
    return std::nullopt;
  }
  return parsed;
}

// The passwd file the agent wrote last, read back at start so `passwd`
// answers before the first sync.
std::vector<NssPasswdEntry> ReadOwnPasswd(const std::string& path) {
  std::vector<NssPasswdEntry> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string field;
    while (std::getline(ss, field, ':')) f.push_back(field);
    if (line.ends_with(":")) f.push_back("");
    if (f.size() != 7) continue;
    char* end = nullptr;
    const long long uid = std::strtoll(f[2].c_str(), &end, 10);
    const long long gid = std::strtoll(f[3].c_str(), &end, 10);
    out.push_back({f[0], uid, gid, f[4], f[5], f[6]});
  }
  return out;
}

}  // namespace

bool PeerMayAsk(Peer peer, std::string_view op) {
  switch (peer) {
    case Peer::kRoot:
      return true;
    case Peer::kKeysUser:
      return op == "ssh_keys" || op == "passwd";
    case Peer::kOther:
      return false;
  }
  return false;
}

struct Agent::Settings {
  Config config;
  std::unique_ptr<DirectoryClient> client;
  std::optional<uid_t> keys_uid;
  std::unique_ptr<KdfSlots> kdf_slots;
  std::unique_ptr<PasswordHasher> hasher;
};

Agent::Agent(const Clock& clock) : clock_(clock) {}

Agent::~Agent() { StopSyncThread(); }

Result<std::shared_ptr<Agent::Settings>> Agent::MakeSettings(
    const Config& config) {
  const FleetConfig& f = config.fleet;
  if (f.directories.empty())
    return InvalidArgument(config.path +
                           ": [fleet] directories is empty: the agent needs "
                           "at least one directory");
  LK_ASSIGN_OR_RETURN(Secret token, ReadSecretFile(f.host_token_file, true));
  if (token.empty())
    return InvalidArgument(f.host_token_file + ": the host token is empty");
  auto s = std::make_shared<Settings>();
  s->config = config;
  DirectoryClientOptions options;
  options.directories = f.directories;
  options.tls_ca = f.tls_ca;
  options.connect_timeout = f.connect_timeout;
  options.request_timeout = f.request_timeout;
  options.token = std::move(token);
  options.user_agent = std::string("latchkey-agent/") + LATCHKEY_VERSION;
  s->client = std::make_unique<DirectoryClient>(std::move(options));
  if (!f.keys_user.empty()) {
    struct passwd pw {};
    struct passwd* found = nullptr;
    std::vector<char> buf(16384);
    if (getpwnam_r(f.keys_user.c_str(), &pw, buf.data(), buf.size(), &found) ==
            0 &&
        found != nullptr) {
      s->keys_uid = found->pw_uid;
    } else {
      Log(LogLevel::kWarning,
          "[fleet] keys_user " + f.keys_user +
              " has no passwd entry: only root may ask for SSH keys");
    }
  }
  HashParams params = HashParams::FromConfig(config.security);
  params.scheme = HashScheme::kArgon2id;
  // One KDF at a time: an offline verification adds its memory only while
  // it runs, and the idle agent holds none.
  s->kdf_slots = std::make_unique<KdfSlots>(1);
  s->hasher = std::make_unique<PasswordHasher>(params, SystemRandom::Shared());
  s->hasher->LimitTo(s->kdf_slots.get());
  return s;
}

Result<std::unique_ptr<Agent>> Agent::Create(const Config& config,
                                             const Clock& clock) {
  std::unique_ptr<Agent> agent(new Agent(clock));
  LK_ASSIGN_OR_RETURN(agent->settings_, MakeSettings(config));
  const std::string& dir = config.fleet.state_dir;
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return IoError(dir + ": mkdir: " + std::strerror(errno));
  // Root-only whatever made it (systemd's StateDirectory= makes it 0755).
  if (::chmod(dir.c_str(), 0700) != 0)
    return IoError(dir + ": chmod: " + std::strerror(errno));
  agent->offline_ = std::make_unique<OfflineStore>(dir + "/offline.json");
  agent->audit_ = std::make_unique<AuditQueue>(dir + "/audit-queue.json");
  LK_RETURN_IF_ERROR(agent->offline_->Load());
  LK_RETURN_IF_ERROR(agent->audit_->Load());
  agent->map_users_ = ReadOwnPasswd(config.nss.passwd_file);
  return agent;
}

Status Agent::Reload(const Config& config) {
  LK_ASSIGN_OR_RETURN(std::shared_ptr<Settings> s, MakeSettings(config));
  {
    const std::lock_guard lock(settings_mu_);
    settings_ = std::move(s);
  }
  {
    const std::lock_guard lock(map_mu_);
    map_version_.clear();  // the NSS rules may have changed: fetch it all
  }
  {
    const std::lock_guard lock(sync_mu_);
    sync_now_ = true;
  }
  sync_wake_.notify_all();
  return Status::Ok();
}

std::shared_ptr<Agent::Settings> Agent::settings() const {
  const std::lock_guard lock(settings_mu_);
  return settings_;
}

std::optional<uid_t> Agent::keys_uid() const { return settings()->keys_uid; }

Result<DirectoryAnswer> Agent::Call(Settings& s, std::string_view method,
                                    std::string_view path,
                                    std::string_view body,
                                    DirectoryClient::Order order) {
  Result<DirectoryAnswer> a = s.client->Call(method, path, body, order);
  if (a.ok() && a->http_status == 401) {
    // Revoked (or a wrong token): an online "no". Nothing cached may
    // answer for this host any more.
    keys_.Clear();
    accounts_.Clear();
    if (!offline_->Users().empty()) {
      Log(LogLevel::kWarning,
          "the directory refused this host: offline verifiers dropped");
      (void)offline_->DropAll();
    }
  }
  if (a.ok()) {
    if (!was_online_.exchange(true)) {
      Log(LogLevel::kInfo, "directory " + a->directory + " answers again");
      {
        const std::lock_guard lock(sync_mu_);
        sync_now_ = true;
      }
      sync_wake_.notify_all();
    }
  } else if (was_online_.exchange(false)) {
    Log(LogLevel::kWarning, a.status().message());
  }
  return a;
}

AgentReply Agent::Handle(Peer peer, const Secret& request) {
  try {
    json req = json::parse(request.view(), nullptr, false);
    if (req.is_discarded() || !req.is_object() || !req.contains("op") ||
        !req["op"].is_string()) {
      return Reply({{"status", "bad_request"},
                    {"message", "a request is a JSON object with \"op\""}},
                   true);
    }
    const std::string op = req["op"].get<std::string>();
    if (!PeerMayAsk(peer, op)) return Reply({{"status", "forbidden"}}, true);
    const std::shared_ptr<Settings> s = settings();
    const bool needs_user = op != "ping" && op != "second_factor";
    if (needs_user && !StrField(req, "user").size()) {
      return Reply({{"status", "bad_request"}, {"message", "no \"user\""}},
                   true);
    }
    if (op == "ping") return Ping(*s);
    if (op == "ssh_keys") return SshKeys(*s, req);
    if (op == "passwd") return Passwd(req);
    if (op == "authenticate") return Authenticate(*s, req);
    if (op == "second_factor") return SecondFactor(*s, req);
    if (op == "account") return Account(*s, req);
    if (op == "change_password") return ChangePassword(*s, req);
    if (op == "open_session") return Session(*s, req, true);
    if (op == "close_session") return Session(*s, req, false);
    return Reply({{"status", "bad_request"}, {"message", "unknown op"}}, true);
  } catch (const std::exception& e) {
    Log(LogLevel::kError, std::string("request failed: ") + e.what());
    return Reply({{"status", "unavailable"}, {"message", "internal error"}},
                 true);
  }
}

AgentReply Agent::Ping(Settings& s) {
  Result<DirectoryAnswer> a = Call(s, "GET", "/host/v1/ping", {});
  const bool online = a.ok() && a->http_status == 200;
  std::string version;
  {
    const std::lock_guard lock(map_mu_);
    version = map_version_;
  }
  json answer = {{"status", "ok"},
                 {"online", online},
                 {"map_version", version},
                 {"connects", s.client->connects()}};
  answer["directory"] = online ? json(a->directory) : json(nullptr);
  return Reply(answer);
}

AgentReply Agent::SshKeys(Settings& s, const json& req) {
  const std::string user = StrField(req, "user");
  if (!PlausibleUser(user)) return Reply({{"status", "unknown_user"}});
  const int64_t now = clock_.NowUnix();
  const FleetConfig& f = s.config.fleet;
  if (auto fresh = keys_.Fresh(user, now, f.ssh_keys_ttl.count())) {
    if (!fresh->known) return Reply({{"status", "unknown_user"}});
    return Reply({{"status", "ok"}, {"keys", fresh->keys}, {"stale", false}});
  }
  Result<DirectoryAnswer> a =
      Call(s, "GET", "/host/v1/ssh-keys?user=" + UrlEncode(user), {});
  std::string message = a.ok() ? "" : a.status().message();
  std::optional<json> answer;
  if (a.ok()) {
    if (a->http_status == 401) return UnavailableReply("host refused");
    answer = AnswerObject(*a, &message);
  }
  // No directory, or one that cannot answer now (5xx, or its database is
  // down): the cached keys, up to ssh_keys_max_stale.
  if (!answer || StrField(*answer, "status") == "unavailable") {
    if (auto stale = keys_.Stale(user, now, f.ssh_keys_max_stale.count())) {
      return Reply({{"status", "ok"}, {"keys", stale->keys}, {"stale", true}});
    }
    return UnavailableReply(
        "no directory could answer and no keys are cached within "
        "ssh_keys_max_stale");
  }
  const std::string status = StrField(*answer, "status");
  if (status == "unknown_user") {
    keys_.Put(user, {false, {}, now});
    return Reply({{"status", "unknown_user"}});
  }
  if (status != "ok")
    return UnavailableReply("the directory answered " + status);
  std::vector<std::string> keys;
  for (const std::string& k : Strings(Optional(*answer, "keys"))) {
    // One authorized_keys line each: a newline would smuggle in another.
    if (k.find_first_of("\r\n") == std::string::npos && !k.empty())
      keys.push_back(k);
  }
  keys_.Put(user, {true, keys, now});
  return Reply({{"status", "ok"}, {"keys", keys}, {"stale", false}});
}

AgentReply Agent::Passwd(const json& req) {
  const std::string user = StrField(req, "user");
  const std::lock_guard lock(map_mu_);
  for (const NssPasswdEntry& e : map_users_) {
    if (e.name != user) continue;
    return Reply({{"status", "ok"},
                  {"name", e.name},
                  {"uid", e.uid},
                  {"gid", e.gid},
                  {"gecos", e.gecos},
                  {"home", e.home},
                  {"shell", e.shell}});
  }
  return Reply({{"status", "unknown_user"}});
}

AgentReply Agent::Authenticate(Settings& s, json& req) {
  const std::string user = StrField(req, "user");
  std::optional<Secret> password = TakeSecret(req, "password");
  if (!password) {
    return Reply({{"status", "bad_request"}, {"message", "no \"password\""}},
                 true);
  }
  json body = {{"user", user},
               {"password", std::string(password->view())},
               {"service", StrField(req, "service")},
               {"rhost", StrField(req, "rhost")},
               {"tty", StrField(req, "tty")},
               {"nss_uid", Optional(req, "nss_uid")},
               {"totp", TotpMode(req)}};
  const Secret text = DumpWiping(body, {"password"});
  Result<DirectoryAnswer> a =
      Call(s, "POST", "/host/v1/authenticate", text.view());
  if (!a.ok()) return AuthenticateOffline(s, user, *password, req);
  std::string message;
  std::optional<json> answer = AnswerObject(*a, &message);
  if (!answer) return UnavailableReply(message);
  const json stamp = Optional(*answer, "offline_stamp");
  answer->erase("offline_stamp");
  (*answer)["offline"] = false;
  AgentReply reply = Reply(*answer);
  if (StrField(*answer, "status") == "ok" &&
      s.config.offline.max_age.count() > 0) {
    auto kept = std::make_shared<Secret>(std::move(*password));
    std::shared_ptr<Settings> held = settings();
    if (stamp.is_string() && !stamp.get<std::string>().empty()) {
      const std::string st = stamp.get<std::string>();
      reply.after = [this, held, user, st, kept] {
        StoreVerifier(*held, user, st, *kept);
      };
    } else {
      reply.after = [this, user] {
        if (offline_->Get(user)) {
          Log(LogLevel::kInfo, "offline verifier of " + user +
                                   " dropped: the directory gives no stamp");
          (void)offline_->Drop(user);
        }
      };
    }
  }
  return reply;
}

void Agent::StoreVerifier(Settings& s, const std::string& user,
                          const std::string& stamp, const Secret& password) {
  Result<std::string> verifier = s.hasher->Hash(password.view());
  if (!verifier.ok()) {
    Log(LogLevel::kError,
        "offline verifier of " + user + ": " + verifier.status().message());
    return;
  }
  OfflineEntry entry;
  entry.verifier = std::move(*verifier);
  entry.stamp = stamp;
  entry.confirmed_at = clock_.NowUnix();
  // Roles and services from the directory now, so an offline account
  // check has them before the next sync.
  json body = {{"users", {user}}};
  Result<DirectoryAnswer> a =
      Call(s, "POST", "/host/v1/offline-check", body.dump());
  if (a.ok()) {
    std::string message;
    if (std::optional<json> answer = AnswerObject(*a, &message)) {
      const json users = Optional(*answer, "users");
      if (users.is_object() && users.contains(user)) {
        const json& u = users[user];
        const json current = Optional(u, "stamp");
        if (!current.is_string() || current.get<std::string>() != stamp) {
          (void)offline_->Drop(user);
          return;  // changed since the login
        }
        entry.roles = Strings(Optional(u, "roles"));
        entry.services = Strings(Optional(u, "services"));
      }
    }
  }
  // A verifier made now starts with no local failures (the password was
  // right), but keeps a lock that is still running.
  if (std::optional<OfflineEntry> old = offline_->Get(user)) {
    entry.lockout = old->lockout;
    entry.lockout.failed_logins = 0;
  }
  const Status put = offline_->Put(user, std::move(entry));
  if (!put.ok()) Log(LogLevel::kError, put.message());
}

AgentReply Agent::AuthenticateOffline(Settings& s, const std::string& user,
                                      const Secret& password, const json& req) {
  const int64_t max_age = s.config.offline.max_age.count();
  const int64_t now = clock_.NowUnix();
  const std::optional<OfflineEntry> entry =
      max_age > 0 ? offline_->Get(user) : std::nullopt;
  if (!entry || !VerifierUsable(entry->confirmed_at, now, max_age) ||
      TotpMode(req) == "required") {
    return UnavailableReply(
        "no directory answered and no usable offline verifier");
  }
  const LockoutConfig& lc = s.config.lockout;
  const auto audit = [&](const char* event, const std::string& detail) {
    const Status added =
        audit_->Add({now, user, event, StrField(req, "service"),
                     StrField(req, "rhost"), StrField(req, "tty"), detail});
    if (!added.ok()) Log(LogLevel::kError, added.message());
  };
  if (!MayReserve(lc, entry->lockout, now)) {
    return Reply({{"status", "locked"},
                  {"user_known", true},
                  {"retry_after",
                   LockRetryAfter(entry->lockout.locked_until, now).count()},
                  {"offline", true}});
  }
  LockoutState state = entry->lockout;
  ++state.failed_logins;  // reserved before the work, as the core does
  (void)offline_->SetLockout(user, state);
  const Result<bool> match = s.hasher->Verify(password.view(), entry->verifier);
  if (match.ok() && *match) {
    state.failed_logins = 0;
    (void)offline_->SetLockout(user, state);
    audit("offline_login", "offline login with the cached verifier");
    Log(LogLevel::kInfo, "offline login of " + user);
    return Reply({{"status", "ok"},
                  {"user_known", true},
                  {"password_expired", false},
                  {"offline", true}});
  }
  const LockoutDecision decision = StartLockIfDue(lc, state, now);
  (void)offline_->SetLockout(user, decision.state);
  audit("offline_failure", decision.lock_started
                               ? "wrong password offline; locked on this host"
                               : "wrong password offline");
  Log(LogLevel::kInfo, "offline login of " + user + " failed");
  return Reply(
      {{"status", "bad_credentials"}, {"user_known", true}, {"offline", true}});
}

AgentReply Agent::SecondFactor(Settings& s, json& req) {
  std::optional<Secret> code = TakeSecret(req, "code");
  json body = {{"challenge", StrField(req, "challenge")},
               {"code", code ? std::string(code->view()) : std::string()},
               {"service", StrField(req, "service")},
               {"rhost", StrField(req, "rhost")},
               {"tty", StrField(req, "tty")}};
  const Secret text = DumpWiping(body, {"code", "challenge"});
  Result<DirectoryAnswer> a =
      Call(s, "POST", "/host/v1/second-factor", text.view());
  if (!a.ok()) return UnavailableReply("no directory answered");
  std::string message;
  std::optional<json> answer = AnswerObject(*a, &message);
  if (!answer) return UnavailableReply(message);
  answer->erase("offline_stamp");
  (*answer)["offline"] = false;
  return Reply(*answer);
}

AgentReply Agent::Account(Settings& s, const json& req) {
  const std::string user = StrField(req, "user");
  const std::string service = StrField(req, "service");
  const std::vector<std::string> roles =
      Strings(Optional(req, "require_roles"));
  json body = {{"user", user},
               {"service", service},
               {"require_roles", roles},
               {"nss_uid", Optional(req, "nss_uid")}};
  const std::string key = AccountCache::Key(user, service, roles);
  const int64_t now = clock_.NowUnix();
  Result<DirectoryAnswer> a = Call(s, "POST", "/host/v1/account", body.dump());
  if (a.ok()) {
    if (a->http_status == 401) return UnavailableReply("host refused");
    std::string message;
    std::optional<json> answer = AnswerObject(*a, &message);
    const std::string status = answer ? StrField(*answer, "status") : "";
    if (answer && status != "unavailable") {
      if (status == "ok") {
        accounts_.PutOk(key, now);
      } else {
        accounts_.Forget(key);
      }
      (*answer)["offline"] = false;
      return Reply(*answer);
    }
    // A directory that cannot answer now (5xx, its database down): online,
    // so no offline verifier; the last ok answer still serves key logins.
  } else {
    const int64_t max_age = s.config.offline.max_age.count();
    if (max_age > 0) {
      if (std::optional<OfflineEntry> e = offline_->Get(user);
          e && VerifierUsable(e->confirmed_at, now, max_age)) {
        return Reply({{"status", OfflineAccountStatus(*e, service, roles)},
                      {"offline", true}});
      }
    }
  }
  if (accounts_.OkWithin(key, now, s.config.fleet.ssh_keys_max_stale.count()))
    return Reply({{"status", "ok"}, {"offline", true}});
  return UnavailableReply("no directory answered and no account answer cached");
}

AgentReply Agent::ChangePassword(Settings& s, json& req) {
  const std::string user = StrField(req, "user");
  std::optional<Secret> old_password = TakeSecret(req, "old_password");
  std::optional<Secret> new_password = TakeSecret(req, "new_password");
  if (!new_password) {
    return Reply(
        {{"status", "bad_request"}, {"message", "no \"new_password\""}}, true);
  }
  json body = {
      {"user", user},
      {"old_password",
       old_password ? json(std::string(old_password->view())) : json(nullptr)},
      {"new_password", std::string(new_password->view())},
      {"service", StrField(req, "service")},
      {"rhost", StrField(req, "rhost")},
      {"tty", StrField(req, "tty")}};
  const Secret text = DumpWiping(body, {"old_password", "new_password"});
  Result<DirectoryAnswer> a = Call(s, "POST", "/host/v1/password", text.view());
  if (!a.ok()) return UnavailableReply("no directory answered");
  std::string message;
  std::optional<json> answer = AnswerObject(*a, &message);
  if (!answer) return UnavailableReply(message);
  if (StrField(*answer, "status") == "ok") (void)offline_->Drop(user);
  return Reply(*answer);
}

AgentReply Agent::Session(Settings& s, const json& req, bool open) {
  json body = {{"user", StrField(req, "user")},
               {"service", StrField(req, "service")},
               {"rhost", StrField(req, "rhost")},
               {"tty", StrField(req, "tty")},
               {"event", open ? "open" : "close"}};
  Result<DirectoryAnswer> a = Call(s, "POST", "/host/v1/session", body.dump());
  if (!a.ok()) return UnavailableReply("no directory answered");
  std::string message;
  std::optional<json> answer = AnswerObject(*a, &message);
  if (!answer) return UnavailableReply(message);
  return Reply(*answer);
}

Status Agent::Sync() {
  const std::shared_ptr<Settings> s = settings();
  LK_RETURN_IF_ERROR(SyncMap(*s));
  const Status offline = SyncOffline(*s);
  const Status audit = SyncAudit(*s);
  LK_RETURN_IF_ERROR(offline);
  return audit;
}

Status Agent::SyncMap(Settings& s) {
  std::string since;
  {
    const std::lock_guard lock(map_mu_);
    since = map_version_;
  }
  // Each sync starts at the first directory of the list: the agent goes
  // back to it once it answers again.
  LK_ASSIGN_OR_RETURN(DirectoryAnswer a,
                      Call(s, "GET", "/host/v1/map?since=" + UrlEncode(since),
                           {}, DirectoryClient::Order::kFromFirst));
  std::string message;
  const std::optional<json> answer = AnswerObject(a, &message);
  if (!answer) return latchkey::Unavailable("map: " + message);
  const std::string version = StrField(*answer, "version");
  const json unchanged = Optional(*answer, "unchanged");
  if (unchanged.is_boolean() && unchanged.get<bool>()) return Status::Ok();
  // No list at all is a broken answer, not an empty map: the files stay.
  if (!Optional(*answer, "users").is_array())
    return InvalidArgument("map: the answer has no users list");
  std::vector<NssPasswdEntry> users;
  std::vector<NssGroupEntry> groups;
  for (const json& u : Optional(*answer, "users")) {
    if (!u.is_object() || !u.contains("uid") || !u["uid"].is_number_integer()) {
      Log(LogLevel::kWarning,
          "map: an entry without a numeric uid was skipped");
      continue;
    }
    const json gid = Optional(u, "gid");
    users.push_back(
        {StrField(u, "name"), u["uid"].get<int64_t>(),
         gid.is_number_integer() ? gid.get<int64_t>() : u["uid"].get<int64_t>(),
         StrField(u, "gecos"), StrField(u, "home"), StrField(u, "shell")});
  }
  for (const json& g : Optional(*answer, "groups")) {
    if (!g.is_object() || !g.contains("gid") || !g["gid"].is_number_integer()) {
      Log(LogLevel::kWarning, "map: a group without a numeric gid was skipped");
      continue;
    }
    groups.push_back({StrField(g, "name"), g["gid"].get<int64_t>(),
                      Strings(Optional(g, "members"))});
  }
  LK_ASSIGN_OR_RETURN(
      NssMapVerdict verdict,
      FilterNssMap(s.config.nss, users, groups, s.config.nss.local_passwd_file,
                   kLocalGroupFile));
  for (const std::string& skipped : verdict.skipped)
    Log(LogLevel::kWarning, "map entry refused: " + skipped);
  LK_ASSIGN_OR_RETURN(
      const bool changed,
      WriteNssFiles(s.config.nss, verdict.users, verdict.groups));
  if (changed) {
    Log(LogLevel::kInfo,
        "NSS files written: " + std::to_string(verdict.users.size()) +
            " users, " + std::to_string(verdict.groups.size()) + " groups");
  }
  const std::lock_guard lock(map_mu_);
  map_version_ = version;
  map_users_ = std::move(verdict.users);
  return Status::Ok();
}

Status Agent::SyncOffline(Settings& s) {
  const std::vector<std::string> users = offline_->Users();
  if (users.empty()) return Status::Ok();
  if (s.config.offline.max_age.count() == 0) {
    // Offline login was turned off: no verifier stays behind.
    for (const std::string& u : users) LK_RETURN_IF_ERROR(offline_->Drop(u));
    return Status::Ok();
  }
  std::map<std::string, OfflineStore::Current> current;
  for (size_t i = 0; i < users.size(); i += kOfflineCheckBatch) {
    const size_t end = std::min(users.size(), i + kOfflineCheckBatch);
    json body = {{"users", std::vector<std::string>(
                               users.begin() + static_cast<ptrdiff_t>(i),
                               users.begin() + static_cast<ptrdiff_t>(end))}};
    LK_ASSIGN_OR_RETURN(DirectoryAnswer a,
                        Call(s, "POST", "/host/v1/offline-check", body.dump()));
    std::string message;
    const std::optional<json> answer = AnswerObject(a, &message);
    if (!answer) return latchkey::Unavailable("offline-check: " + message);
    const json got = Optional(*answer, "users");
    if (!got.is_object()) return InvalidArgument("offline-check: no users");
    for (const auto& [name, u] : got.items()) {
      if (!u.is_object()) continue;
      const json stamp = Optional(u, "stamp");
      current[name] = {
          stamp.is_string()
              ? std::optional<std::string>(stamp.get<std::string>())
              : std::nullopt,
          Strings(Optional(u, "roles")), Strings(Optional(u, "services"))};
    }
  }
  LK_ASSIGN_OR_RETURN(std::vector<std::string> dropped,
                      offline_->Confirm(current, clock_.NowUnix()));
  for (const std::string& u : dropped) {
    Log(LogLevel::kInfo,
        "offline verifier of " + u + " dropped: its stamp changed");
  }
  return Status::Ok();
}

Status Agent::SyncAudit(Settings& s) {
  while (audit_->size() > 0) {
    const std::vector<QueuedAuditEvent> events = audit_->Peek(kAuditBatch);
    json rows = json::array();
    for (const QueuedAuditEvent& e : events) {
      rows.push_back({{"ts", e.ts},
                      {"user", e.user},
                      {"event", e.event},
                      {"service", e.service},
                      {"rhost", e.rhost},
                      {"tty", e.tty},
                      {"detail", e.detail}});
    }
    LK_ASSIGN_OR_RETURN(DirectoryAnswer a, Call(s, "POST", "/host/v1/audit",
                                                json{{"events", rows}}.dump()));
    std::string message;
    const std::optional<json> answer = AnswerObject(a, &message);
    if (!answer) return latchkey::Unavailable("audit: " + message);
    LK_RETURN_IF_ERROR(audit_->RemoveFirst(events.size()));
    Log(LogLevel::kInfo,
        "delivered " + std::to_string(events.size()) + " queued audit rows");
  }
  return Status::Ok();
}

void Agent::SyncLoop() {
  std::unique_lock lock(sync_mu_);
  while (!sync_stop_) {
    sync_now_ = false;
    lock.unlock();
    Status synced = Status::Ok();
    try {
      synced = Sync();
    } catch (const std::exception& e) {  // a directory's odd JSON: log, go on
      synced = Internal(std::string("sync failed: ") + e.what());
    }
    if (!synced.ok()) Log(LogLevel::kWarning, "sync: " + synced.message());
    // The map's JSON came and went in this thread's malloc arena: give the
    // freed pages back, so the idle agent stays small.
    malloc_trim(0);
    const auto interval = settings()->config.fleet.sync_interval;
    lock.lock();
    sync_wake_.wait_for(lock, interval,
                        [this] { return sync_stop_ || sync_now_; });
  }
}

void Agent::StartSyncThread() {
  sync_thread_ = std::thread([this] { SyncLoop(); });
}

void Agent::StopSyncThread() {
  {
    const std::lock_guard lock(sync_mu_);
    sync_stop_ = true;
  }
  sync_wake_.notify_all();
  if (sync_thread_.joinable()) sync_thread_.join();
}

}  // namespace latchkey::agent
