#include "support/sandbox.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>
#include <vector>

#include "latchkey/base/clock.h"
#include "latchkey/base/random.h"
#include "latchkey/db/migrations.h"

namespace latchkey::testing {
namespace {

// Undoes the quoting of mariadb-sandbox.sh's env_line (plain, or bash
// printf %q: backslash escapes, '...' or $'...').
std::string Unquote(std::string_view v) {
  if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') {
    return std::string(v.substr(1, v.size() - 2));
  }
  if (v.size() >= 3 && v.substr(0, 2) == "$'" && v.back() == '\'') {
    v = v.substr(2, v.size() - 3);
  }
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size()) ++i;
    out += v[i];
  }
  return out;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

std::string RandomHex(size_t bytes) {
  std::vector<uint8_t> buf(bytes);
  if (!SystemRandom::Shared().Fill(buf).ok()) return "0";
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : buf) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::unique_ptr<db::Connection> Open(const DatabaseConfig& cfg) {
  Result<std::unique_ptr<db::Connection>> c = db::OpenFromConfig(cfg);
  if (!c.ok()) {
    ADD_FAILURE() << "cannot read the database password file "
                  << cfg.password_file << ": " << c.status().ToString();
    return std::make_unique<db::Connection>(cfg, Secret());
  }
  return std::move(*c);
}

// An ordered INI document: sections in order, keys in order.
using Ini = std::vector<
    std::pair<std::string, std::vector<std::pair<std::string, std::string>>>>;

std::vector<std::pair<std::string, std::string>>& SectionOf(
    Ini& ini, const std::string& name) {
  for (auto& [section, keys] : ini) {
    if (section == name) return keys;
  }
  ini.push_back({name, {}});
  return ini.back().second;
}

void SetKey(std::vector<std::pair<std::string, std::string>>& keys,
            const std::string& key, const std::string& value) {
  for (auto& [k, v] : keys) {
    if (k == key) {
      v = value;
      return;
    }
  }
  keys.emplace_back(key, value);
}

void MergeIni(Ini& ini, std::string_view extra) {
  std::string section;
  std::istringstream in{std::string(extra)};
  std::string line;
  while (std::getline(in, line)) {
    std::string t = Trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[' && t.back() == ']') {
      section = Trim(std::string_view(t).substr(1, t.size() - 2));
      SectionOf(ini, section);
      continue;
    }
    size_t eq = t.find('=');
    if (eq == std::string::npos || section.empty()) {
      ADD_FAILURE() << "WriteConfigFile: cannot merge line: " << line;
      continue;
    }
    std::string key = Trim(std::string_view(t).substr(0, eq));
    std::string value = Trim(std::string_view(t).substr(eq + 1));
    auto& keys = SectionOf(ini, section);
    // The parser refuses socket and hosts together: hosts replaces socket.
    if (section == "database" && key == "hosts") {
      std::erase_if(keys, [](const auto& kv) { return kv.first == "socket"; });
    }
    SetKey(keys, key, value);
  }
}

}  // namespace

Result<SandboxInfo> ReadSandboxEnv(const std::string& dir) {
  const std::string path = dir + "/sandbox.env";
  std::ifstream in(path);
  if (!in) return NotFound("cannot read " + path);
  std::map<std::string, std::string> env;
  std::string line;
  while (std::getline(in, line)) {
    std::string t = Trim(line);
    if (t.empty() || t[0] == '#') continue;
    if (t.rfind("export ", 0) == 0) t = Trim(std::string_view(t).substr(7));
    size_t eq = t.find('=');
    if (eq == std::string::npos) continue;
    env[t.substr(0, eq)] = Unquote(std::string_view(t).substr(eq + 1));
  }
  auto get = [&](const char* key) -> std::string {
    auto it = env.find(key);
    return it == env.end() ? std::string() : it->second;
  };
  SandboxInfo info;
  info.dir = get("LK_DB_DIR");
  info.socket = get("LK_DB_SOCKET");
  info.host = get("LK_DB_HOST");
  info.port = static_cast<uint16_t>(std::atoi(get("LK_DB_PORT").c_str()));
  info.pid = std::atoll(get("LK_DB_PID").c_str());
  info.admin_user = get("LK_DB_ADMIN_USER");
  info.admin_password_file = get("LK_DB_ADMIN_PASSWORD_FILE");
  info.db_name = get("LK_DB_NAME");
  info.db_user = get("LK_DB_USER");
  info.db_password_file = get("LK_DB_PASSWORD_FILE");
  info.config_file = get("LK_CONFIG");
  info.secret_key_file = get("LK_SECRET_KEY");
  if (info.socket.empty() || info.port == 0 || info.db_user.empty() ||
      info.admin_user.empty()) {
    return InvalidArgument(path +
                           " lacks LK_DB_SOCKET, LK_DB_PORT, LK_DB_USER or "
                           "LK_DB_ADMIN_USER");
  }
  return info;
}

const SandboxInfo& Sandbox() {
  static const Result<SandboxInfo> kInfo = []() -> Result<SandboxInfo> {
    const char* dir = std::getenv("LATCHKEY_SANDBOX");
    if (dir == nullptr || *dir == '\0') {
      return FailedPrecondition(
          "LATCHKEY_SANDBOX is not set: run the test through ctest (the "
          "mariadb fixture starts a sandbox), or `bash "
          "scripts/lib/mariadb-sandbox.sh start DIR` and export "
          "LATCHKEY_SANDBOX=DIR");
    }
    return ReadSandboxEnv(dir);
  }();
  static const SandboxInfo kEmpty;
  if (!kInfo.ok()) {
    ADD_FAILURE() << "no MariaDB sandbox: " << kInfo.status().ToString();
    return kEmpty;
  }
  return *kInfo;
}

DatabaseConfig SandboxDbConfig(const SandboxInfo& sandbox,
                               std::string_view name) {
  DatabaseConfig cfg;
  cfg.socket = sandbox.socket;
  cfg.name = std::string(name);
  cfg.user = sandbox.db_user;
  cfg.password_file = sandbox.db_password_file;
  cfg.connect_timeout = Millis(5000);
  // Generous: tests run in parallel on busy machines.
  cfg.read_timeout = Millis(60000);
  cfg.write_timeout = Millis(60000);
  cfg.tls = TlsMode::kOff;
  return cfg;
}

DatabaseConfig SandboxTcpConfig(const SandboxInfo& sandbox,
                                std::string_view name) {
  DatabaseConfig cfg = SandboxDbConfig(sandbox, name);
  cfg.socket.clear();
  cfg.hosts = {HostPort{sandbox.host.empty() ? "127.0.0.1" : sandbox.host,
                        sandbox.port}};
  return cfg;
}

std::unique_ptr<db::Connection> ConnectAsAdmin(const SandboxInfo& sandbox,
                                               std::string_view name) {
  DatabaseConfig cfg = SandboxDbConfig(sandbox, name);
  cfg.user = sandbox.admin_user;
  cfg.password_file = sandbox.admin_password_file;
  return Open(cfg);
}

TestDatabase::TestDatabase(Options options) {
  static std::atomic<int> counter{0};
  const SandboxInfo& sb = Sandbox();
  name_ = "lk_test_" + std::to_string(getpid()) + "_" +
          std::to_string(counter.fetch_add(1)) + "_" + RandomHex(4);
  std::unique_ptr<db::Connection> server = Open(SandboxDbConfig(sb, ""));
  // The name is ours ([a-z0-9_]), so it may stand in DDL text.
  status_ = server->ExecuteScript("CREATE DATABASE `" + name_ +
                                  "` CHARACTER SET utf8mb4");
  if (!status_.ok()) {
    status_ = status_.WithContext("creating test database " + name_);
    name_.clear();
    ADD_FAILURE() << status_.ToString();
    return;
  }
  if (options.migrate) {
    std::unique_ptr<db::Connection> conn = Connect();
    Result<int> applied = ApplyPendingMigrations(*conn, SystemClock::Shared());
    if (!applied.ok()) {
      status_ = applied.status().WithContext("migrating " + name_);
      ADD_FAILURE() << status_.ToString();
    }
  }
}

TestDatabase::~TestDatabase() {
  if (name_.empty()) return;
  std::unique_ptr<db::Connection> server = Open(SandboxDbConfig(Sandbox(), ""));
  Status s = server->ExecuteScript("DROP DATABASE IF EXISTS `" + name_ + "`");
  if (!s.ok()) ADD_FAILURE() << "dropping " << name_ << ": " << s.ToString();
}

DatabaseConfig TestDatabase::config() const {
  return SandboxDbConfig(Sandbox(), name_);
}

std::unique_ptr<db::Connection> TestDatabase::Connect() const {
  return Open(config());
}

std::unique_ptr<db::Connection> TestDatabase::ConnectAsAdmin() const {
  return testing::ConnectAsAdmin(Sandbox(), name_);
}

std::string TestDatabase::WriteConfigFile(const TempDir& dir,
                                          std::string_view extra_ini) const {
  const SandboxInfo& sb = Sandbox();
  const std::string maildir = dir.path() + "/mail";
  for (const char* sub : {"", "/cur", "/new", "/tmp"}) {
    ::mkdir((maildir + sub).c_str(), 0700);
  }
  Ini ini = {
      {"database",
       {{"socket", sb.socket},
        {"name", name_},
        {"user", sb.db_user},
        {"password_file", sb.db_password_file},
        {"connect_timeout", "5s"},
        {"read_timeout", "60s"},
        {"write_timeout", "60s"}}},
      {"security", {{"secret_key_file", sb.secret_key_file}}},
      {"mail", {{"transport", "maildir:" + maildir}}},
  };
  MergeIni(ini, extra_ini);
  std::string text =
      "# Written by tests/support/sandbox.cc for " + name_ + "\n";
  for (const auto& [section, keys] : ini) {
    text += "\n[" + section + "]\n";
    for (const auto& [k, v] : keys) text += k + " = " + v + "\n";
  }
  return dir.WriteFile("latchkey.conf", text, 0600);
}

void DatabaseTest::SetUp() {
  db_ = std::make_unique<TestDatabase>();
  ASSERT_TRUE(db_->ok()) << db_->status().ToString();
  conn_ = db_->Connect();
  Status s = conn_->Connect();
  ASSERT_TRUE(s.ok()) << s.ToString();
}

PrivateSandbox::PrivateSandbox() : dir_(parent_.path() + "/sb") {
  status_ = Run("start");
  if (!status_.ok()) {
    ADD_FAILURE() << status_.ToString();
    return;
  }
  Result<SandboxInfo> info = ReadSandboxEnv(dir_);
  if (!info.ok()) {
    status_ = info.status();
    ADD_FAILURE() << status_.ToString();
    return;
  }
  info_ = *info;
}

PrivateSandbox::~PrivateSandbox() {
  Status s = Run("stop");
  if (!s.ok()) ADD_FAILURE() << s.ToString();
}

Status PrivateSandbox::Run(std::string_view verb) const {
  // ctest sets LATCHKEY_SANDBOX_SCRIPT; without it (a test binary run by
  // hand) the script is found next to this source file.
  std::string script;
  if (const char* env = std::getenv("LATCHKEY_SANDBOX_SCRIPT");
      env != nullptr && *env != '\0') {
    script = env;
  } else {
    std::string here = __FILE__;
    script = here.substr(0, here.rfind('/') + 1) +
             "../../scripts/lib/mariadb-sandbox.sh";
  }
  if (::access(script.c_str(), R_OK) != 0) {
    return FailedPrecondition("cannot read the sandbox script " + script +
                              " (set LATCHKEY_SANDBOX_SCRIPT)");
  }
  pid_t pid = fork();
  if (pid < 0) return Internal("fork failed");
  if (pid == 0) {
    std::string v(verb);
    execlp("bash", "bash", script.c_str(), v.c_str(), dir_.c_str(),
           static_cast<char*>(nullptr));
    _exit(127);
  }
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0) {
    if (errno != EINTR) return Internal("waitpid failed");
  }
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    return Internal("`bash " + script + " " + std::string(verb) + " " + dir_ +
                    "` failed (status " + std::to_string(wstatus) + ")");
  }
  return Status::Ok();
}

}  // namespace latchkey::testing
