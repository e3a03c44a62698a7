// Config: /etc/latchkey/latchkey.conf, parsed into plain structs. Every field
// carries its default here, and conf/latchkey.conf.example documents it.
#ifndef LATCHKEY_CONFIG_CONFIG_H_
#define LATCHKEY_CONFIG_CONFIG_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/base/result.h"
#include "latchkey/base/secret.h"

namespace latchkey {

inline constexpr char kDefaultConfigPath[] = "/etc/latchkey/latchkey.conf";
// [database] socket when the file sets neither socket nor hosts.
inline constexpr char kDefaultDatabaseSocket[] = "/run/mysqld/mysqld.sock";

using Seconds = std::chrono::seconds;
using Millis = std::chrono::milliseconds;

struct HostPort {
  std::string host;
  uint16_t port = 3306;
  bool operator==(const HostPort&) const = default;
};

// [database] tls. kRequired: TLS on every TCP connection, the server's
// certificate verified against tls_ca (or the system CAs) together with
// the host name. kOff: plain TCP. There is no "preferred": TLS that an
// attacker in between can refuse protects nothing.
enum class TlsMode { kRequired, kOff };
enum class HashScheme { kArgon2id, kPbkdf2Sha256 };
enum class RegistrationMode { kOpen, kInvite, kClosed };

struct DatabaseConfig {
  std::vector<HostPort> hosts;    // tried in order; empty when socket is set
  std::string socket;             // unix socket path; not with hosts
  std::string name = "latchkey";  // schema name
  std::string user = "latchkey";
  std::string password_file;     // empty: no password
  Millis connect_timeout{2000};  // per host
  Millis read_timeout{3000};
  Millis write_timeout{3000};
  // Unset: required for TCP hosts other than loopback, off for loopback
  // (127.0.0.0/8, ::1). A unix socket never uses TLS. See TlsRequiredFor.
  std::optional<TlsMode> tls;
  std::string tls_ca;  // CA file; empty: the system bundle (kSystemCaFile)
};

struct SecurityConfig {
  std::string secret_key_file = "/etc/latchkey/secret.key";  // 32 bytes
  HashScheme hash = HashScheme::kArgon2id;
  uint32_t argon2_memory_kib = 19456;
  uint32_t argon2_time = 2;
  uint32_t argon2_parallelism = 1;
  uint32_t pbkdf2_iterations = 600000;  // for hash = pbkdf2-sha256
  uint32_t min_password_length = 12;    // in Unicode code points
  uint32_t max_password_length = 256;   // in Unicode code points
  bool pwquality = true;                // run libpwquality checks too
  // Names no new account may take, on top of the built-in list
  // (IsBuiltinReservedUsername): one per line, '#' comments. "" = none.
  std::string reserved_names_file;
};

struct LockoutConfig {
  uint32_t max_failures = 5;            // consecutive failures before a lock
  Seconds lock_duration{60};            // first lock; doubles on each further
  Seconds max_lock_duration{3600};      // cap on the doubling
  Seconds lock_reset_after{12 * 3600};  // quiet time that restarts doubling
  uint32_t ip_max_failures = 50;  // per remote address per ip_window; 0: off
  Seconds ip_window{15 * 60};
  uint32_t ip_prefix_v6 = 64;  // IPv6 addresses count per network of this
                               // many bits (1..128); IPv4 per address
};

struct TotpConfig {
  std::string issuer = "latchkey";
  uint32_t digits = 6;   // 6..8
  uint32_t period = 30;  // seconds per step
  uint32_t window = 1;   // steps accepted either side of now
};

struct SessionConfig {
  Seconds idle_timeout{30 * 60};
  Seconds absolute_timeout{12 * 3600};
  // How long the portal may answer GET pages from its in-memory copy of a
  // session (see session_cache.h); 0 turns the copy off.
  Seconds cache_ttl{2};
};

struct MailConfig {
  std::string transport = "maildir:/var/lib/latchkey/mail";
  std::string from = "latchkey <no-reply@localhost>";
  bool login_notification = false;
  // SMTP over TLS (STARTTLS or smtps://): verify the server's certificate
  // and host name. off: encrypt without checking who answers, an explicit
  // choice for a local relay.
  bool tls_verify = true;
  std::string tls_ca;  // CA file for the SMTP server; empty: system CAs
};

struct PortalConfig {
  std::string listen = "127.0.0.1:8080";
  std::string base_url = "http://127.0.0.1:8080";
  std::string tls_cert;
  std::string tls_key;
  std::vector<std::string> trusted_proxies = {"127.0.0.1"};
  RegistrationMode registration = RegistrationMode::kOpen;
  bool require_email_verification = true;
  uint64_t avatar_max_bytes = 1048576;
  std::string user = "latchkey";  // drops to this user after binding as root
  // 32 bytes (`latchkeyctl gen-key --portal`) that key the portal's own MACs
  // (the pre-session CSRF token). PAM hosts never hold it; it must differ
  // from [security] secret_key_file.
  std::string secret_key_file = "/etc/latchkey/portal.key";
  // Who may read /metrics: client addresses (resolved through
  // trusted_proxies) in these addresses and CIDR ranges ...
  std::vector<std::string> metrics_allow = {"127.0.0.1", "::1"};
  // ... or a request with "Authorization: Bearer <the file's text>"; "" for
  // none. Read at start like the other secret files.
  std::string metrics_token_file;
};

// libnss-extrausers files written by `latchkeyctl nss-sync`. The parser
// refuses relative paths, /etc/passwd, /etc/group (and the shadow files),
// the same file for both, uids outside 1000..2^31-1, uid_min > uid_max, and
// ':' or control characters in home_base and shell; and a local_passwd_file
// that is relative or one of the two files nss-sync writes.
struct NssConfig {
  std::string passwd_file = "/var/lib/extrausers/passwd";
  std::string group_file = "/var/lib/extrausers/group";
  uint32_t uid_min = 20000;  // uids (and equal gids) handed out, once per user
  uint32_t uid_max = 29999;
  std::string home_base = "/home";  // home = home_base/username; no trailing /
  std::string shell = "/bin/bash";
  // The host's own passwd file, read directly (never through NSS): a name
  // in it is never a latchkey account on this host (pam_latchkey answers
  // PAM_USER_UNKNOWN, new accounts may not take it, nss-sync skips it).
  std::string local_passwd_file = "/etc/passwd";
};

// [directory]: latchkey-portal's second listener, serving /host/v1 to hosts
// in fleet mode (docs/fleet.md). Off while listen is empty. It only speaks
// TLS: listen needs tls_cert and tls_key.
struct DirectoryConfig {
  std::string listen;  // "" = off; "0.0.0.0:8443", "[::]:8443"
  std::string tls_cert;
  std::string tls_key;
  // Failed logins reported by one host within host_alarm_window that raise
  // an alarm (audit host_alarm, metric). An alarm never locks anything.
  uint32_t host_alarm_failures = 20;
  Seconds host_alarm_window{15 * 60};
};

// [fleet]: a host in fleet mode. pam_latchkey.so and latchkey-ssh-keys talk
// to latchkey-agent only, and the agent to the directories. Such a host's
// file has no [database] password file and no secret key.
struct FleetConfig {
  bool enabled = false;
  std::string agent_socket = "/run/latchkey/agent.sock";
  // https://NAME[:PORT] of each directory, tried in this order.
  std::vector<std::string> directories;
  std::string tls_ca;  // CA file that verifies them; "" = the system CAs
  std::string host_token_file = "/etc/latchkey/host.token";
  Millis connect_timeout{2000};  // per directory
  Millis request_timeout{5000};
  // The AuthorizedKeysCommandUser: it may ask the agent for SSH keys and
  // names (nothing else). "" = root only.
  std::string keys_user;
  Seconds ssh_keys_ttl{60};           // a key list is asked again after this
  Seconds ssh_keys_max_stale{86400};  // served while no directory answers
  Seconds sync_interval{30};          // the directory map is asked this often
  std::string state_dir = "/var/lib/latchkey-agent";  // root-only, 0700
};

// [offline]: offline login on a fleet host (off by default).
struct OfflineConfig {
  // A cached password verifier confirmed by a sync within max_age lets its
  // account (without TOTP) log in while no directory answers. 0 = off.
  Seconds max_age{0};
};

struct Config {
  std::string path;  // the file it was read from, for messages
  DatabaseConfig database;
  SecurityConfig security;
  LockoutConfig lockout;
  TotpConfig totp;
  SessionConfig session;
  MailConfig mail;
  PortalConfig portal;
  NssConfig nss;
  DirectoryConfig directory;
  FleetConfig fleet;
  OfflineConfig offline;
};

// The CA bundle TLS verifies against when no tls_ca is set (Debian's
// ca-certificates).
inline constexpr char kSystemCaFile[] = "/etc/ssl/certs/ca-certificates.crt";

// True for a literal loopback address: 127.0.0.0/8 or ::1. Names (even
// "localhost") are not loopback here: a resolver decides where they go.
bool IsLoopbackHost(std::string_view host);

// Whether a TCP connection to `host` under `db` uses verified TLS: the
// explicit [database] tls if set, else true unless `host` is loopback.
bool TlsRequiredFor(const DatabaseConfig& db, std::string_view host);

// Parses INI text. `filename` is used in messages only. Errors are
// InvalidArgument with the message "<file>:<line>: <key>: <reason>" (or
// "<file>:<line>: <reason>" for a line without a key). Unknown sections and
// keys are errors. Values may be followed by a ` # comment`. Setting both
// [database] socket and hosts is an error; setting neither leaves hosts empty
// and socket = kDefaultDatabaseSocket.
Result<Config> ParseConfig(std::string_view text, std::string_view filename);

// Reads and parses the file at `path`. Refuses (PermissionDenied) a file that
// is world-readable, world-writable or group-writable, or owned by anyone
// but root or the running user (geteuid), naming the file, its owner's uid
// and its mode; IoError for a file that cannot be read, naming the file and
// errno text.
Result<Config> LoadConfig(const std::string& path);

// Whether nothing is at `path` (stat says ENOENT), so that a door whose
// LoadConfig failed can add how to name another file: --config PATH or
// $LATCHKEY_CONFIG for the programs, config=PATH for the PAM module.
bool ConfigFileMissing(const std::string& path);

// Parses a duration such as "500ms", "2s", "30m", "12h", "7d" or a bare
// number of seconds. Errors: InvalidArgument naming the text.
Result<Millis> ParseDuration(std::string_view text);

// Reads a file that holds a secret (database password, key file). Refuses a
// file readable or writable by group or others, owned by anyone but the
// running user (geteuid), or not a regular file. If
// `strip_newline`, one trailing "\n" (or "\r\n") is removed.
Result<Secret> ReadSecretFile(const std::string& path, bool strip_newline);

// Reads the 32-byte secret key file (raw 32 bytes, or 64 hex chars, or
// base64 of 32 bytes, each optionally newline-terminated).
Result<Secret> ReadSecretKey(const std::string& path);

}  // namespace latchkey

#endif  // LATCHKEY_CONFIG_CONFIG_H_
