// latchkeyctl doctor: checks an installation, one line per check.
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "command.h"
#include "latchkey/account/user_admin.h"
#include "latchkey/config/config.h"
#include "latchkey/crypto/key_file.h"
#include "latchkey/db/db.h"
#include "latchkey/db/migrations.h"
#include "output.h"

namespace latchkey::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kModuleName = "pam_latchkey.so";
constexpr std::string_view kDefaultPamDir = "/etc/pam.d";

enum class Verdict { kOk, kWarn, kFail };

struct Check {
  std::string name;
  Verdict verdict;
  std::string detail;
};

std::string Mode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

Check ConfigCheck(const std::string& path, const Result<const Config*>& cfg) {
  if (!cfg.ok()) return {"config", Verdict::kFail, ErrorMessage(cfg.status())};
  struct stat st {};
  std::string detail = path;
  if (::stat(path.c_str(), &st) == 0) {
    detail += " (mode " + Mode(st.st_mode) + ", not world-readable)";
  }
  return {"config", Verdict::kOk, detail};
}

Check KeyCheck(const std::string& path) {
  const std::string name = "secret key";
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return {name, Verdict::kFail,
            path + " is missing: run latchkeyctl gen-key"};
  }
  if ((st.st_mode & 077) != 0) {
    return {name, Verdict::kFail,
            path + " has mode " + Mode(st.st_mode) +
                ", expected 0600: chmod 0600 " + path};
  }
  Result<Secret> key = ReadSecretKey(path);
  if (!key.ok()) return {name, Verdict::kFail, key.status().message()};
  if (key->size() != kSecretKeyBytes) {
    return {name, Verdict::kFail, path + " does not hold 32 bytes"};
  }
  return {name, Verdict::kOk,
          path + " (mode " + Mode(st.st_mode) + ", 32 bytes)"};
}

void DatabaseChecks(const Config& config, std::vector<Check>& checks) {
  Result<std::unique_ptr<db::Connection>> conn =
      db::OpenFromConfig(config.database);
  Status reached = conn.ok() ? (*conn)->Ping() : conn.status();
  if (!reached.ok()) {
    checks.push_back({"database", Verdict::kFail, ErrorMessage(reached)});
    checks.push_back({"schema", Verdict::kFail,
                      "not checked: the database is not reachable"});
    return;
  }
  checks.push_back({"database", Verdict::kOk,
                    "reachable at " + (*conn)->peer() + ", database '" +
                        config.database.name + "' as '" + config.database.user +
                        "'"});
  if (Status s = CheckSchemaCurrent(**conn); !s.ok()) {
    checks.push_back({"schema", Verdict::kFail, ErrorMessage(s)});
  } else {
    checks.push_back(
        {"schema", Verdict::kOk,
         "current (version " + std::to_string(LatestSchemaVersion()) + ")"});
  }
}

// Accounts made before their names were reserved keep working, but a
// database account named like a system or cloud-image account claims it on
// every host that has it: an admin should rename them.
Check ReservedNamesCheck(Context& ctx) {
  const std::string name = "reserved names";
  Result<Services*> services = ctx.services();
  if (!services.ok()) {
    return {name, Verdict::kFail, ErrorMessage(services.status())};
  }
  Result<std::vector<std::string>> holders =
      UserAdmin(**services).HoldersOfReservedNames();
  if (!holders.ok()) {
    return {name, Verdict::kFail, ErrorMessage(holders.status())};
  }
  if (holders->empty()) {
    return {name, Verdict::kOk, "no account holds a reserved name"};
  }
  std::string list;
  for (const std::string& user : *holders) {
    if (!list.empty()) list += ", ";
    list += user;
  }
  return {name, Verdict::kWarn,
          std::to_string(holders->size()) +
              (holders->size() == 1 ? " account holds" : " accounts hold") +
              " a name now reserved for system or cloud-image accounts (it "
              "keeps working; rename it): " +
              list};
}

// Over TCP: is every connection encrypted and verified, and what does the
// verification cost (without tls_ca, each connection, so each PAM login,
// parses the whole system CA bundle). Nothing for a socket; tls = off is
// fine on loopback only.
std::optional<Check> TlsCheck(const DatabaseConfig& db) {
  if (!db.socket.empty()) return std::nullopt;
  const std::string name = "database tls";
  std::string plain;
  bool any_tls = false;
  for (const HostPort& hp : db.hosts) {
    if (TlsRequiredFor(db, hp.host)) {
      any_tls = true;
    } else if (!IsLoopbackHost(hp.host)) {
      plain += (plain.empty() ? "" : ", ") + hp.host;
    }
  }
  if (!plain.empty()) {
    return Check{name, Verdict::kWarn,
                 "tls = off over TCP to " + plain +
                     ": the database password, password hashes and TOTP "
                     "secrets cross the network unencrypted and the server "
                     "is not authenticated; set tls = required and tls_ca"};
  }
  if (!any_tls) {
    return Check{name, Verdict::kOk, "off, loopback only"};
  }
  if (db.tls_ca.empty()) {
    return Check{name, Verdict::kWarn,
                 std::string("required, verified against the system CA "
                             "bundle (") +
                     kSystemCaFile +
                     "): every connection (each PAM login) parses all of it, "
                     "about 25 ms on a small VM; set tls_ca to the CA that "
                     "signed the server's certificate"};
  }
  return Check{name, Verdict::kOk,
               "required; the server's certificate is checked against " +
                   db.tls_ca + " (chain and host name)"};
}

// True if a non-comment line of `file` names the module.
bool MentionsModule(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    const size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    if (line.find(kModuleName) != std::string::npos) return true;
  }
  return false;
}

Check PamFilesCheck(const std::string& dir) {
  const std::string name = "pam files";
  std::error_code ec;
  std::vector<std::string> found;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->is_regular_file(ec) && MentionsModule(it->path())) {
      found.push_back(it->path().filename().string());
    }
  }
  if (ec) {
    return {name, Verdict::kWarn, dir + ": cannot read: " + ec.message()};
  }
  if (found.empty()) {
    return {name, Verdict::kWarn,
            "none yet: no file in " + dir + " uses " +
                std::string(kModuleName) + " (see conf/pam.d/)"};
  }
  std::sort(found.begin(), found.end());
  std::string list;
  for (const std::string& f : found) {
    if (!list.empty()) list += ", ";
    list += f;
  }
  return {name, Verdict::kOk, dir + ": " + list};
}

Check ModuleCheck() {
  const std::string name = "pam module";
  // Debian's multiarch directories, then the traditional ones.
  std::vector<fs::path> dirs;
  std::error_code ec;
  for (const char* lib : {"/usr/lib", "/lib"}) {
    for (fs::directory_iterator it(lib, ec), end; !ec && it != end;
         it.increment(ec)) {
      if (it->path().filename().string().find("-linux-") != std::string::npos) {
        dirs.push_back(it->path() / "security");
      }
    }
    dirs.push_back(fs::path(lib) / "security");
  }
  for (const fs::path& d : dirs) {
    const fs::path module = d / std::string(kModuleName);
    if (fs::exists(module, ec)) {
      return {name, Verdict::kOk, "installed at " + module.string()};
    }
  }
  return {name, Verdict::kWarn,
          std::string(kModuleName) +
              " is not installed in a PAM module "
              "directory"};
}

std::string_view VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kOk:
      return "ok";
    case Verdict::kWarn:
      return "warn";
    case Verdict::kFail:
      return "fail";
  }
  return "fail";
}

int Run(Context& ctx, const ParsedArgs& args) {
  std::vector<Check> checks;
  Result<const Config*> config = ctx.config();
  checks.push_back(ConfigCheck(ctx.config_path(), config));
  if (config.ok()) {
    checks.push_back(KeyCheck((*config)->security.secret_key_file));
    DatabaseChecks(**config, checks);
    if (checks.back().verdict == Verdict::kOk) {
      checks.push_back(ReservedNamesCheck(ctx));
    }
    if (std::optional<Check> tls = TlsCheck((*config)->database)) {
      checks.push_back(std::move(*tls));
    }
  }
  checks.push_back(PamFilesCheck(
      args.value("--pam-dir").value_or(std::string(kDefaultPamDir))));
  checks.push_back(ModuleCheck());

  bool failed = false;
  for (const Check& c : checks) failed = failed || c.verdict == Verdict::kFail;
  if (ctx.json()) {
    nlohmann::json list = nlohmann::json::array();
    for (const Check& c : checks) {
      list.push_back({{"check", c.name},
                      {"status", VerdictName(c.verdict)},
                      {"detail", c.detail}});
    }
    PrintJson(ctx.out(), list);
  } else {
    for (const Check& c : checks) {
      switch (c.verdict) {
        case Verdict::kOk:
          ctx.out() << "ok   ";
          break;
        case Verdict::kWarn:
          ctx.out() << "warn ";
          break;
        case Verdict::kFail:
          ctx.out() << "FAIL ";
          break;
      }
      ctx.out() << c.name << ": " << c.detail << '\n';
    }
  }
  return failed ? kExitFailure : kExitOk;
}

constexpr OptionSpec kOptions[] = {{"--pam-dir", true, ""}};

}  // namespace

const Command kDoctorCommand = {
    .name = "doctor",
    .usage = "doctor [--pam-dir DIR]",
    .summary = "check the config, key file, database, schema and PAM setup",
    .help =
        "Prints one line per check: 'ok   <check>: ...', 'warn <check>: ...' "
        "(worth a look,\nnot an error) or 'FAIL <check>: <why>'. Exits 1 if "
        "any check failed.\n\n"
        "  --pam-dir DIR   where to look for PAM service files (default "
        "/etc/pam.d)\n",
    .options = kOptions,
    .run = Run,
};

}  // namespace latchkey::cli
