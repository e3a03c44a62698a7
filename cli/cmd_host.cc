// latchkeyctl host add|list|revoke: the hosts that run the PAM module, each
// with its own database login in direct mode, or (--fleet) with a token for
// the directory service (host_store.h).
//
// Which login runs what: the `hosts` rows are written with latchkeyctl's
// own login (the [database] user of --config: the schema owner). CREATE
// USER, GRANT and DROP USER need a database admin, which the schema owner
// should not be: without --admin-config the SQL is printed for an admin to
// run; with it, latchkeyctl runs it on that login.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "command.h"
#include "latchkey/base/encoding.h"
#include "latchkey/base/random.h"
#include "latchkey/store/audit.h"
#include "latchkey/store/host_store.h"
#include "output.h"

namespace latchkey::cli {
namespace {

constexpr size_t kPasswordBytes = 24;  // 32 base64url characters

// Writes `password` and a newline to a new file `path` (0600). Refuses an
// existing path (O_EXCL, no symlink followed), naming `option`.
Status WritePasswordFile(const std::string& path, const Secret& password) {
  const int fd = ::open(
      path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int err = errno;
    if (err == EEXIST) {
      return AlreadyExists(path +
                           " exists; it is never overwritten (remove it, or "
                           "name another file with --password-file)");
    }
    return IoError(path + ": " + std::strerror(err));
  }
  std::string text(password.view());
  text += '\n';
  const ssize_t n = ::write(fd, text.data(), text.size());
  WipeString(text);
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (n != static_cast<ssize_t>(password.view().size() + 1) || !synced) {
    ::unlink(path.c_str());
    return IoError(path + ": could not write the password");
  }
  return Status::Ok();
}

// Runs `sql` on the database admin login that the config file `path`
// names in its [database] section.
Status RunAsAdmin(const std::string& path, const std::string& sql) {
  LK_ASSIGN_OR_RETURN(Config admin, LoadConfig(path));
  LK_ASSIGN_OR_RETURN(std::unique_ptr<db::Connection> conn,
                      db::OpenFromConfig(admin.database));
  return conn->ExecuteScript(sql);
}

// The audit row of a host change: no account, the host and the admin in
// the detail ("host web1 by root (uid 0)").
Status AuditHost(Context& ctx, Services& services, AuditEvent event,
                 const std::string& name) {
  const AdminActor& actor = ctx.actor();
  return services.audit().Record(event, std::nullopt, "", actor.ctx,
                                 AuditOutcome::kOk,
                                 "host " + name + " by " + actor.name);
}

nlohmann::json HostJson(const Host& h) {
  nlohmann::json group = nullptr;
  if (!h.group_name.empty()) group = h.group_name;
  nlohmann::json version = nullptr;
  if (!h.agent_version.empty()) version = h.agent_version;
  return {{"name", h.name},
          {"kind", h.kind},
          {"db_user", h.db_user},
          {"group", group},
          {"may_reset_passwords", h.may_reset_passwords},
          {"agent_version", version},
          {"created_at", JsonTime(h.created_at)},
          {"last_seen_at", JsonTime(h.last_seen_at)},
          {"revoked_at", JsonTime(h.revoked_at)}};
}

// host add NAME --fleet --group G: a token for the directory, written once.
int RunAddFleet(Context& ctx, const ParsedArgs& args, const std::string& name) {
  const std::optional<std::string> group = args.value("--group");
  if (!group || group->empty()) {
    return ctx.Usage("--fleet needs --group GROUP");
  }
  if (args.has("--password-file") || args.has("--admin-config")) {
    return ctx.Usage(
        "--password-file and --admin-config are for direct-mode hosts; a "
        "fleet host has no database login");
  }
  const std::string token_file =
      args.value("--token-file").value_or(name + ".token");
  const bool to_stdout = token_file == "-";
  Result<Services*> services = ctx.services();
  if (!services.ok()) return ctx.Fail(services.status());
  HostStore hosts((*services)->db(), (*services)->clock());
  Result<std::optional<Host>> existing = hosts.Find(name);
  if (!existing.ok()) return ctx.Fail(existing.status());
  if (*existing) return ctx.Fail("host '" + name + "' exists");
  // The file first, new and exclusive (O_EXCL, no symlink followed), so a
  // refused path costs no row; the token goes into it once the row exists.
  int fd = -1;
  if (!to_stdout) {
    fd = ::open(token_file.c_str(),
                O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
      const int err = errno;
      if (err == EEXIST) {
        return ctx.Fail(token_file +
                        " exists; it is never overwritten (remove it, or name "
                        "another file with --token-file)");
      }
      return ctx.Fail(token_file + ": " + std::strerror(err));
    }
  }
  Result<NewFleetHost> added = hosts.AddFleet(
      name, *group, args.has("--may-reset-passwords"), (*services)->random());
  if (!added.ok()) {
    if (fd >= 0) {
      ::close(fd);
      ::unlink(token_file.c_str());
    }
    return ctx.Fail(added.status());
  }
  std::string line(added->token.view());
  line += '\n';
  if (to_stdout) {
    ctx.out() << line;
    ctx.out().flush();
  } else {
    const ssize_t n = ::write(fd, line.data(), line.size());
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (n != static_cast<ssize_t>(line.size()) || !synced) {
      WipeString(line);
      ::unlink(token_file.c_str());
      // Nobody holds the token: revoke the row so it cannot be used.
      (void)hosts.Revoke(name);
      return ctx.Fail(token_file + ": could not write the token; host '" +
                      name + "' was revoked again (add it under another name)");
    }
  }
  WipeString(line);
  if (Status s = AuditHost(ctx, **services, AuditEvent::kHostAdded, name);
      !s.ok()) {
    return ctx.Fail(s);
  }
  if (to_stdout) return kExitOk;
  if (ctx.json()) {
    nlohmann::json doc = HostJson(added->host);
    doc["token_file"] = token_file;
    PrintJson(ctx.out(), doc);
    return kExitOk;
  }
  ctx.out() << "fleet host " << name << " added to host group " << *group
            << (added->host.may_reset_passwords
                    ? " (may set passwords without the old one)"
                    : "")
            << "; its token is in " << token_file
            << " (mode 0600; copy it to the host's [fleet] host_token_file "
               "and delete it here)\n";
  return kExitOk;
}

int RunAdd(Context& ctx, const ParsedArgs& args) {
  const std::string& name = args.positionals().at(0);
  if (Status s = ValidateHostName(name); !s.ok()) return ctx.Usage(s.message());
  if (args.has("--fleet")) return RunAddFleet(ctx, args, name);
  if (args.has("--group") || args.has("--token-file") ||
      args.has("--may-reset-passwords")) {
    return ctx.Usage(
        "--group, --token-file and --may-reset-passwords need --fleet");
  }
  const std::string password_file =
      args.value("--password-file").value_or(HostDbUser(name) + ".password");
  const std::optional<std::string> admin = args.value("--admin-config");
  Result<Services*> services = ctx.services();
  if (!services.ok()) return ctx.Fail(services.status());
  HostStore hosts((*services)->db(), (*services)->clock());
  // Refuse a taken name before anything is written.
  Result<std::optional<Host>> existing = hosts.Find(name);
  if (!existing.ok()) return ctx.Fail(existing.status());
  if (*existing) return ctx.Fail("host '" + name + "' exists");

  std::vector<uint8_t> raw(kPasswordBytes);
  if (Status s = (*services)->random().Fill(raw); !s.ok()) return ctx.Fail(s);
  std::string encoded = Base64UrlEncode(
      std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()));
  std::fill(raw.begin(), raw.end(), 0);
  const Secret password = Secret::Take(encoded);
  if (Status s = WritePasswordFile(password_file, password); !s.ok()) {
    return ctx.Fail(s);
  }
  Result<Host> added = hosts.Add(name);
  if (!added.ok()) {
    ::unlink(password_file.c_str());
    return ctx.Fail(added.status());
  }
  if (Status s = AuditHost(ctx, **services, AuditEvent::kHostAdded, name);
      !s.ok()) {
    return ctx.Fail(s);
  }
  const std::string sql = HostLoginSql(name, password);
  bool ran = false;
  if (admin) {
    if (Status s = RunAsAdmin(*admin, sql); !s.ok()) {
      ctx.Warn("host '" + name +
               "' is recorded, but creating its database login failed: " +
               ErrorMessage(s) + "; run this SQL as a database admin:");
      ctx.err() << sql;
      return kExitFailure;
    }
    ran = true;
  }
  if (ctx.json()) {
    nlohmann::json doc = HostJson(*added);
    doc["password_file"] = password_file;
    doc["login_created"] = ran;
    if (!ran) doc["sql"] = sql;
    PrintJson(ctx.out(), doc);
    return kExitOk;
  }
  ctx.out() << "host " << name << " added; database login " << added->db_user
            << ", password in " << password_file
            << " (mode 0600; copy it to the host's [database] password_file "
               "and delete it here)\n";
  if (ran) {
    ctx.out() << "created the database login with the latchkey_pam role\n";
  } else {
    ctx.out() << "-- run as a database admin (CREATE USER and GRANT rights):\n"
              << sql;
  }
  return kExitOk;
}

int RunList(Context& ctx, const ParsedArgs&) {
  Result<Services*> services = ctx.services();
  if (!services.ok()) return ctx.Fail(services.status());
  HostStore hosts((*services)->db(), (*services)->clock());
  Result<std::vector<Host>> list = hosts.List();
  if (!list.ok()) return ctx.Fail(list.status());
  if (ctx.json()) {
    nlohmann::json doc = nlohmann::json::array();
    for (const Host& h : *list) doc.push_back(HostJson(h));
    PrintJson(ctx.out(), doc);
    return kExitOk;
  }
  Table table({"NAME", "KIND", "GROUP", "DB USER", "ADDED", "LAST SEEN",
               "VERSION", "REVOKED"});
  for (const Host& h : *list) {
    table.AddRow({h.name, h.kind, h.group_name.empty() ? "-" : h.group_name,
                  h.db_user.empty() ? "-" : h.db_user, IsoTime(h.created_at),
                  IsoTimeOr(h.last_seen_at, "-"),
                  h.agent_version.empty() ? "-" : h.agent_version,
                  IsoTimeOr(h.revoked_at, "-")});
  }
  table.Print(ctx.out());
  return kExitOk;
}

int RunRevoke(Context& ctx, const ParsedArgs& args) {
  const std::string& name = args.positionals().at(0);
  if (Status s = ValidateHostName(name); !s.ok()) return ctx.Usage(s.message());
  const std::optional<std::string> admin = args.value("--admin-config");
  Result<Services*> services = ctx.services();
  if (!services.ok()) return ctx.Fail(services.status());
  HostStore hosts((*services)->db(), (*services)->clock());
  Result<Host> revoked = hosts.Revoke(name);
  if (!revoked.ok()) return ctx.Fail(revoked.status());
  if (Status s = AuditHost(ctx, **services, AuditEvent::kHostRevoked, name);
      !s.ok()) {
    return ctx.Fail(s);
  }
  if (revoked->kind == "fleet") {
    if (ctx.json()) {
      PrintJson(ctx.out(), HostJson(*revoked));
      return kExitOk;
    }
    ctx.out() << "host " << name << " revoked at "
              << IsoTimeOr(revoked->revoked_at, "-")
              << "; the directory refuses its token from its next request\n";
    return kExitOk;
  }
  const std::string sql = HostDropSql(name);
  bool ran = false;
  if (admin) {
    if (Status s = RunAsAdmin(*admin, sql); !s.ok()) {
      ctx.Warn("host '" + name +
               "' is marked revoked, but dropping its database login "
               "failed: " +
               ErrorMessage(s) + "; run this SQL as a database admin:");
      ctx.err() << sql;
      return kExitFailure;
    }
    ran = true;
  }
  if (ctx.json()) {
    nlohmann::json doc = HostJson(*revoked);
    doc["login_dropped"] = ran;
    if (!ran) doc["sql"] = sql;
    PrintJson(ctx.out(), doc);
    return kExitOk;
  }
  ctx.out() << "host " << name << " revoked at "
            << IsoTimeOr(revoked->revoked_at, "-") << "\n";
  if (ran) {
    ctx.out() << "dropped the database login " << revoked->db_user << "\n";
  } else {
    ctx.out() << "-- run as a database admin; until then the host can still "
                 "log in:\n"
              << sql;
  }
  return kExitOk;
}

constexpr OptionSpec kAddOptions[] = {
    {"--password-file", true, ""},
    {"--admin-config", true, ""},
    {"--fleet", false, ""},
    {"--group", true, ""},
    {"--may-reset-passwords", false, ""},
    {"--token-file", true, ""},
};
constexpr OptionSpec kRevokeOptions[] = {
    {"--admin-config", true, ""},
};

}  // namespace

const Command kHostAddCommand = {
    .name = "host add",
    .usage =
        "host add NAME [--password-file FILE] [--admin-config FILE]\n"
        "       host add NAME --fleet --group GROUP [--may-reset-passwords] "
        "[--token-file FILE]",
    .summary =
        "record a host: its own database login, or (--fleet) a directory "
        "token",
    .help =
        "Records NAME in the hosts table (with latchkeyctl's own login) and "
        "writes a new\nrandom password for its database login lk_host_NAME "
        "to FILE (mode 0600; an\nexisting file is never overwritten). Then "
        "prints the SQL that creates that\nlogin with the latchkey_pam role "
        "(it holds the password's hash, not the\npassword), or runs it.\n\n"
        "  --password-file FILE  where the password goes (default "
        "./lk_host_NAME.password)\n"
        "  --admin-config FILE   a latchkey.conf whose [database] is a "
        "database admin\n"
        "                        (CREATE USER, GRANT): run the SQL there\n\n"
        "With --fleet the host talks to the directory service instead (fleet "
        "mode,\ndocs/fleet.md): it gets no database login but a 256-bit "
        "token, written once\nto FILE (mode 0600, never overwritten); only "
        "its SHA-256 is stored.\n"
        "  --fleet                  a fleet host\n"
        "  --group GROUP            its host group (latchkeyctl host-group "
        "add)\n"
        "  --may-reset-passwords    it may set passwords without the old one "
        "(root\n"
        "                           there is then root over those users)\n"
        "  --token-file FILE        where the token goes (default ./NAME.token;"
        " \"-\":\n"
        "                           standard output)\n",
    .options = kAddOptions,
    .operands = "NAME",
    .min_operands = 1,
    .max_operands = 1,
    .run = RunAdd,
};

const Command kHostListCommand = {
    .name = "host list",
    .usage = "host list",
    .summary =
        "list hosts: name, kind, group, database login, added, last seen, "
        "agent version, revoked",
    .help = "",
    .options = {},
    .run = RunList,
};

const Command kHostRevokeCommand = {
    .name = "host revoke",
    .usage = "host revoke NAME [--admin-config FILE]",
    .summary =
        "mark a host revoked (a fleet host's token stops at once) and drop "
        "its database login",
    .help =
        "Marks NAME revoked and prints the DROP USER for its database login, "
        "or runs it.\n\n"
        "  --admin-config FILE   a latchkey.conf whose [database] is a "
        "database admin:\n"
        "                        run the SQL there\n",
    .options = kRevokeOptions,
    .operands = "NAME",
    .min_operands = 1,
    .max_operands = 1,
    .run = RunRevoke,
};

}  // namespace latchkey::cli
