// ParseConfig: the INI syntax, the table of known keys, and the checks that
// span more than one key.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config_values.h"
#include "latchkey/base/strings.h"
#include "latchkey/config/config.h"

namespace latchkey {
namespace {

using config_internal::FormatDuration;
using config_internal::ParseBool;
using config_internal::ParseMillisIn;
using config_internal::ParsePath;
using config_internal::ParseSecondsIn;
using config_internal::ParseUint;
using config_internal::Quote;

// Stores a parsed value, or passes the parse error on.
template <typename T, typename Field>
Status Set(Result<T> r, Field& field) {
  if (!r.ok()) return r.status();
  field = static_cast<Field>(std::move(*r));
  return Status::Ok();
}

Result<uint32_t> ParseU32(std::string_view v, uint32_t min, uint32_t max) {
  Result<uint64_t> n = ParseUint(v, min, max);
  if (!n.ok()) return n.status();
  return static_cast<uint32_t>(*n);
}

template <typename E>
struct EnumName {
  std::string_view name;
  E value;
};

template <typename E, size_t N>
Result<E> ParseEnum(std::string_view v, const EnumName<E> (&names)[N]) {
  std::string list;
  for (const EnumName<E>& n : names) {
    if (v == n.name) return n.value;
    list += list.empty() ? "" : ", ";
    list += n.name;
  }
  return InvalidArgument("must be one of " + list + " (got " + Quote(v) + ")");
}

constexpr EnumName<TlsMode> kTlsModes[] = {{"required", TlsMode::kRequired},
                                           {"off", TlsMode::kOff}};

Result<TlsMode> ParseTlsMode(std::string_view v) {
  if (v == "preferred") {
    return InvalidArgument(
        "'preferred' is no longer accepted: it let anyone between latchkey "
        "and the database turn TLS off; use tls = required (with tls_ca), "
        "or tls = off for a loopback host or the socket");
  }
  return ParseEnum(v, kTlsModes);
}
constexpr EnumName<HashScheme> kHashSchemes[] = {
    {"argon2id", HashScheme::kArgon2id},
    {"pbkdf2-sha256", HashScheme::kPbkdf2Sha256}};
constexpr EnumName<RegistrationMode> kRegistrationModes[] = {
    {"open", RegistrationMode::kOpen},
    {"invite", RegistrationMode::kInvite},
    {"closed", RegistrationMode::kClosed}};

Result<std::string> NonEmpty(std::string_view v) {
  if (v.empty()) return InvalidArgument("must not be empty");
  return std::string(v);
}

// Letters, digits and `extra`, 1..max_len characters.
Result<std::string> Word(std::string_view v, std::string_view extra,
                         size_t max_len, std::string_view what) {
  const auto ok_char = [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || extra.find(c) != std::string_view::npos;
  };
  if (v.empty() || v.size() > max_len ||
      !std::all_of(v.begin(), v.end(), ok_char) || v.front() == '-') {
    return InvalidArgument("must be " + std::string(what) + " (got " +
                           Quote(v) + ")");
  }
  return std::string(v);
}

Result<std::string> Issuer(std::string_view v) {
  if (v.empty()) return InvalidArgument("must not be empty");
  if (v.find(':') != std::string_view::npos) {
    return InvalidArgument(
        "must not contain ':' (authenticator apps read it as the separator "
        "of issuer and account)");
  }
  return std::string(v);
}

Result<std::string> MailTransport(std::string_view v) {
  for (const std::string_view scheme : {"smtp://", "smtps://"}) {
    if (v.starts_with(scheme)) {
      if (v.size() == scheme.size()) {
        return InvalidArgument("names no server after " + std::string(scheme));
      }
      return std::string(v);
    }
  }
  if (v.starts_with("maildir:")) {
    Result<std::string> dir = ParsePath(v.substr(8), /*allow_empty=*/false);
    if (!dir.ok())
      return InvalidArgument("maildir: needs an absolute directory (got " +
                             Quote(v) + ")");
    return std::string(v);
  }
  return InvalidArgument(
      "must start with smtp://, smtps:// or maildir: (e.g. smtp://127.0.0.1:25 "
      "or "
      "maildir:/var/lib/latchkey/mail; got " +
      Quote(v) + ")");
}

Result<std::string> MailFrom(std::string_view v) {
  if (v.find('@') == std::string_view::npos) {
    return InvalidArgument(
        "must be a mail address such as latchkey <no-reply@example.org> (got " +
        Quote(v) + ")");
  }
  return std::string(v);
}

Result<std::string> Listen(std::string_view v) {
  Result<HostPort> hp =
      config_internal::ParseHostPort(v, 0, /*port_required=*/true);
  if (!hp.ok()) return hp.status();
  return std::string(v);
}

// [fleet] directories: a comma-separated list of https://NAME[:PORT] URLs
// (no path: the agent adds /host/v1/...). Plain http is refused: the host
// token and passwords travel on this connection. Empty is allowed here;
// enabled = on needs at least one (the cross-key checks).
Result<std::vector<std::string>> DirectoryUrls(std::string_view v) {
  std::vector<std::string> urls;
  while (!v.empty()) {
    const size_t comma = v.find(',');
    std::string_view item = Trim(v.substr(0, comma));
    v = comma == std::string_view::npos ? std::string_view()
                                        : v.substr(comma + 1);
    if (item.empty()) continue;
    while (item.ends_with('/')) item.remove_suffix(1);
    if (!item.starts_with("https://") || item.size() == 8 ||
        item.find_first_of("/?# \t", 8) != std::string_view::npos) {
      return InvalidArgument(
          "each directory must be an https://NAME[:PORT] URL without a path "
          "(got " +
          Quote(item) + ")");
    }
    urls.emplace_back(item);
  }
  return urls;
}

// [fleet] keys_user: a user name (checked against the passwd database when
// the agent starts, not here).
Result<std::string> KeysUser(std::string_view v) {
  for (const char ch : v) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                    ch == '_' || ch == '-' || ch == '.';
    if (!ok) {
      return InvalidArgument("must be a user name (a-z, 0-9, _ - .) (got " +
                             Quote(v) + ")");
    }
  }
  return std::string(v);
}

Result<std::string> BaseUrl(std::string_view v) {
  const bool http = v.starts_with("http://");
  const bool https = v.starts_with("https://");
  const size_t host_start = http ? 7 : 8;
  if ((!http && !https) || v.size() == host_start || v[host_start] == '/' ||
      v.find_first_of("?# \t") != std::string_view::npos) {
    return InvalidArgument(
        "must be an http:// or https:// URL without query, e.g. "
        "https://accounts.example.org "
        "(got " +
        Quote(v) + ")");
  }
  // Links are built as base_url + "/path": drop trailing slashes.
  while (v.ends_with('/')) v.remove_suffix(1);
  return std::string(v);
}

// [nss] passwd_file / group_file: where nss-sync writes. Never the system's
// own files, which it must not replace.
Result<std::string> NssFile(std::string_view v) {
  Result<std::string> path = ParsePath(v, /*allow_empty=*/false);
  if (!path.ok()) return path.status();
  if (v.ends_with('/')) {
    return InvalidArgument("must name a file, not a directory (got " +
                           Quote(v) + ")");
  }
  for (const std::string_view system :
       {"/etc/passwd", "/etc/group", "/etc/shadow", "/etc/gshadow"}) {
    if (v == system) {
      return InvalidArgument(
          "must not be " + std::string(system) +
          ": nss-sync replaces the whole file (use "
          "/var/lib/extrausers/passwd and group with libnss-extrausers)");
    }
  }
  return path;
}

// [nss] home_base / shell: absolute paths that go into passwd lines, so no
// ':' (the field separator) and no control characters.
Result<std::string> PasswdPath(std::string_view v) {
  Result<std::string> path = ParsePath(v, /*allow_empty=*/false);
  if (!path.ok()) return path.status();
  for (const char c : v) {
    if (c == ':' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return InvalidArgument(
          "must not contain ':' or control characters (it goes into "
          "passwd lines; got " +
          Quote(v) + ")");
    }
  }
  // home_base + "/" + name: drop trailing slashes, but keep "/" itself.
  while (path->size() > 1 && path->ends_with('/')) path->pop_back();
  return path;
}

// uids below 1000 belong to the system (Debian's SYS_UID_MAX is 999), and
// 2^31 and up break programs that keep uids in a signed int.
constexpr uint32_t kNssUidMin = 1000;
constexpr uint32_t kNssUidMax = 2147483647;

struct KeySpec {
  std::string_view section;
  std::string_view key;
  Status (*apply)(std::string_view value, Config& c);
};

constexpr Millis kMaxTimeout{3600 * 1000};
constexpr Seconds kMaxSeconds{3650LL * 24 * 3600};

// Every key the file may hold. Ranges here are the documented ones; the
// example file and docs repeat them.
constexpr KeySpec kKeys[] = {
    // [database]
    {"database", "hosts",
     [](std::string_view v, Config& c) {
       return Set(config_internal::ParseHostList(v), c.database.hosts);
     }},
    {"database", "socket",
     [](std::string_view v, Config& c) {
       return Set(ParsePath(v, false), c.database.socket);
     }},
    {"database", "name",
     [](std::string_view v, Config& c) {
       return Set(Word(v, "_$", 64,
                       "a database name of 1..64 letters, digits, _ or $"),
                  c.database.name);
     }},
    {"database", "user",
     [](std::string_view v, Config& c) {
       return Set(NonEmpty(v), c.database.user);
     }},
    {"database", "password_file",
     [](std::string_view v, Config& c) {
       return Set(ParsePath(v, true), c.database.password_file);
     }},
    {"database", "connect_timeout",
     [](std::string_view v, Config& c) {
       return Set(ParseMillisIn(v, Millis(1), kMaxTimeout),
                  c.database.connect_timeout);
     }},
    {"database", "read_timeout",
     [](std::string_view v, Config& c) {
       return Set(ParseMillisIn(v, Millis(1), kMaxTimeout),
                  c.database.read_timeout);
     }},
    {"database", "write_timeout",
     [](std::string_view v, Config& c) {
       return Set(ParseMillisIn(v, Millis(1), kMaxTimeout),
                  c.database.write_timeout);
     }},
    {"database", "tls",
     [](std::string_view v, Config& c) {
       return Set(ParseTlsMode(v), c.database.tls);
     }},
    {"database", "tls_ca",
     [](std::string_view v, Config& c) {
       return Set(ParsePath(v, true), c.database.tls_ca);
     }},
    // [security]
    {"security", "secret_key_file",
     [](std::string_view v, Config& c) {
       return Set(ParsePath(v, false), c.security.secret_key_file);
     }},
    {"security", "hash",
     [](std::string_view v, Config& c) {
       return Set(ParseEnum(v, kHashSchemes), c.security.hash);
     }},
    {"security", "argon2_memory_kib",
     [](std::string_view v, Config& c) {
       return Set(ParseU32(v, 8, 4194304), c.security.argon2_memory_kib);
     }},
    {"security", "argon2_time",
     [](std::string_view v, Config& c) {
       return Set(ParseU32(v, 1, 100), c.security.argon2_time);
     }},
    {"security", "argon2_parallelism",
     [](std::string_view v, Config& c) {
       return Set(ParseU32(v, 1, 64), c.security.argon2_parallelism);
     }},
    {"security", "pbkdf2_iterations",
     [](std::string_view v, Config& c) {
       return Set(ParseU32(v, 1000, 100000000), c.security.pbkdf2_iterations);
     }},
    {"security", "min_password_length",
     [](std::string_view v, Config& c) {
       return Set(ParseU32(v, 1, 4096), c.security.min_password_length);
     }},
    {"security", "max_password_length",
     [](std::string_view v, Config& c) {
       return Set(ParseU32(v, 1, 4096), c.security.max_password_length);
     }},
    {"security", "pwquality",
     [](std::string_view v, Config& c) {
       return Set(ParseBool(v), c.security.pwquality);
     }},
    {"security", "reserved_names_file",
     [](std::string_view v, Config& c) {
       return Set(ParsePath(v, /*allow_empty=*/true),
                  c.security.reserved_names_file);
     }},
    // [lockout]
    {"lockout", "max_failures",
     [](std::string_view v, Config& c) {
       return Set(ParseU32(v, 1, 1000000), c.lockout.max_failures);
     }},
    {"lockout", "lock_duration",
     [](std::string_view v, Config& c) {
       return Set(ParseSecondsIn(v, Seconds(1), kMaxSeconds),
                  c.lockout.lock_duration);
     }},
    {"lockout", "max_lock_duration",
     [](std::string_view v, Config& c) {
       return Set(ParseSecondsIn(v, Seconds(1), kMaxSeconds),
                  c.lockout.max_lock_duration);
     }},
    {"lockout", "lock_reset_after",
     [](std::string_view v, Config& c) {
       return Set(ParseSecondsIn(v, Seconds(1), kMaxSeconds),
                  c.lockout.lock_reset_after);
     }},
    {"lockout", "ip_max_failures",
     [](std::string_view v, Config& c) {
       return Set(ParseU32(v, 0, 1000000), c.lockout.ip_max_failures);
     }},
    {"lockout", "ip_window",
     [](std::string_view v, Config& c) {
       return Set(ParseSecondsIn(v, Seconds(1), kMaxSeconds),
                  c.lockout.ip_window);
     }},
    {"lockout", "ip_prefix_v6",
     [](std::string_view v, Config& c) {
       return Set(ParseU32(v, 1, 128), c.lockout.ip_prefix_v6);
     }},
    // [totp]
    {"totp", "issuer",
     [](std::string_view v, Config& c) {
       return Set(Issuer(v), c.totp.issuer);
     }},
    {"totp", "digits",
     [](std::string_view v, Config& c) {
       return Set(ParseU32(v, 6, 8), c.totp.digits);
     }},
    {"totp", "period",
     [](std::string_view v, Config& c) {
       return Set(ParseU32(v, 10, 300), c.totp.period);
     }},
    {"totp", "window",
     [](std::string_view v, Config& c) {
       return Set(ParseU32(v, 0, 10), c.totp.window);
     }},
    // [session]
    {"session", "idle_timeout",
     [](std::string_view v, Config& c) {
       return Set(ParseSecondsIn(v, Seconds(1), kMaxSeconds),
                  c.session.idle_timeout);
     }},
    {"session", "absolute_timeout",
     [](std::string_view v, Config& c) {
       return Set(ParseSecondsIn(v, Seconds(1), kMaxSeconds),
                  c.session.absolute_timeout);
     }},
    {"session", "cache_ttl",
     [](std::string_view v, Config& c) {
       return Set(ParseSecondsIn(v, Seconds(0), Seconds(60)),
                  c.session.cache_ttl);
     }},
    // [mail]
    {"mail", "transport",
     [](std::string_view v, Config& c) {
       return Set(MailTransport(v), c.mail.transport);
     }},
    {"mail", "from",
     [](std::string_view v, Config& c) {
       return Set(MailFrom(v), c.mail.from);
     }},
    {"mail", "login_notification",
     [](std::string_view v, Config& c) {
       return Set(ParseBool(v), c.mail.login_notification);
     }},
    {"mail", "tls_verify",
     [](std::string_view v, Config& c) {
       return Set(ParseBool(v), c.mail.tls_verify);
     }},
    {"mail", "tls_ca",
     [](std::string_view v, Config& c) {
       return Set(ParsePath(v, true), c.mail.tls_ca);
     }},
    // [portal]
    {"portal", "secret_key_file",
     [](std::string_view v, Config& c) {
       return Set(ParsePath(v, false), c.portal.secret_key_file);
     }},
    {"portal", "listen",
     [](std::string_view v, Config& c) {
       return Set(Listen(v), c.portal.listen);
     }},
    {"portal", "base_url",
     [](std::string_view v, Config& c) {
       return Set(BaseUrl(v), c.portal.base_url);
     }},
    {"portal", "tls_cert",
     [](std::string_view v, Config& c) {
       return Set(ParsePath(v, true), c.portal.tls_cert);
     }},
    {"portal", "tls_key",
     [](std::string_view v, Config& c) {
       return Set(ParsePath(v, true), c.portal.tls_key);
     }},
    {"portal", "trusted_proxies",
     [](std::string_view v, Config& c) {
       return Set(config_internal::ParseAddressList(v),
                  c.portal.trusted_proxies);
     }},
    {"portal", "registration",
     [](std::string_view v, Config& c) {
       return Set(ParseEnum(v, kRegistrationModes), c.portal.registration);
     }},
    {"portal", "require_email_verification",
     [](std::string_view v, Config& c) {
       return Set(ParseBool(v), c.portal.require_email_verification);
     }},
    {"portal", "avatar_max_bytes",
     [](std::string_view v, Config& c) {
       return Set(ParseUint(v, 1, 1073741824), c.portal.avatar_max_bytes);
     }},
    {"portal", "user",
     [](std::string_view v, Config& c) {
       return Set(
           Word(v, "._-", 32,
                "a system user name of 1..32 letters, digits, '.', '_' or '-'"),
           c.portal.user);
     }},
    {"portal", "metrics_allow",
     [](std::string_view v, Config& c) {
       return Set(config_internal::ParseAddressList(v), c.portal.metrics_allow);
     }},
    {"portal", "metrics_token_file",
     [](std::string_view v, Config& c) {
       return Set(ParsePath(v, true), c.portal.metrics_token_file);
     }},
    // [nss]
    {"nss", "passwd_file",
     [](std::string_view v, Config& c) {
       return Set(NssFile(v), c.nss.passwd_file);
     }},
    {"nss", "group_file",
     [](std::string_view v, Config& c) {
       return Set(NssFile(v), c.nss.group_file);
     }},
    {"nss", "uid_min",
     [](std::string_view v, Config& c) {
       return Set(ParseU32(v, kNssUidMin, kNssUidMax), c.nss.uid_min);
     }},
    {"nss", "uid_max",
     [](std::string_view v, Config& c) {
       return Set(ParseU32(v, kNssUidMin, kNssUidMax), c.nss.uid_max);
     }},
    {"nss", "home_base",
     [](std::string_view v, Config& c) {
       return Set(PasswdPath(v), c.nss.home_base);
     }},
    {"nss", "shell",
     [](std::string_view v, Config& c) {
       return Set(PasswdPath(v), c.nss.shell);
     }},
    {"nss", "local_passwd_file",
     [](std::string_view v, Config& c) {
       return Set(ParsePath(v, /*allow_empty=*/false), c.nss.local_passwd_file);
     }},
    // [directory]
    {"directory", "listen",
     [](std::string_view v, Config& c) {
       if (v.empty()) {
         c.directory.listen.clear();
         return Status::Ok();
       }
       return Set(Listen(v), c.directory.listen);
     }},
    {"directory", "tls_cert",
     [](std::string_view v, Config& c) {
       return Set(ParsePath(v, true), c.directory.tls_cert);
     }},
    {"directory", "tls_key",
     [](std::string_view v, Config& c) {
       return Set(ParsePath(v, true), c.directory.tls_key);
     }},
    {"directory", "host_alarm_failures",
     [](std::string_view v, Config& c) {
       return Set(ParseU32(v, 1, 1000000), c.directory.host_alarm_failures);
     }},
    {"directory", "host_alarm_window",
     [](std::string_view v, Config& c) {
       return Set(ParseSecondsIn(v, Seconds{1}, Seconds{7 * 86400}),
                  c.directory.host_alarm_window);
     }},
    // [fleet]
    {"fleet", "enabled",
     [](std::string_view v, Config& c) {
       return Set(ParseBool(v), c.fleet.enabled);
     }},
    {"fleet", "agent_socket",
     [](std::string_view v, Config& c) {
       return Set(ParsePath(v, false), c.fleet.agent_socket);
     }},
    {"fleet", "directories",
     [](std::string_view v, Config& c) {
       return Set(DirectoryUrls(v), c.fleet.directories);
     }},
    {"fleet", "tls_ca",
     [](std::string_view v, Config& c) {
       return Set(ParsePath(v, true), c.fleet.tls_ca);
     }},
    {"fleet", "host_token_file",
     [](std::string_view v, Config& c) {
       return Set(ParsePath(v, false), c.fleet.host_token_file);
     }},
    {"fleet", "connect_timeout",
     [](std::string_view v, Config& c) {
       return Set(ParseMillisIn(v, Millis{100}, Millis{60000}),
                  c.fleet.connect_timeout);
     }},
    {"fleet", "request_timeout",
     [](std::string_view v, Config& c) {
       return Set(ParseMillisIn(v, Millis{500}, Millis{120000}),
                  c.fleet.request_timeout);
     }},
    {"fleet", "keys_user",
     [](std::string_view v, Config& c) {
       return Set(KeysUser(v), c.fleet.keys_user);
     }},
    {"fleet", "ssh_keys_ttl",
     [](std::string_view v, Config& c) {
       return Set(ParseSecondsIn(v, Seconds{1}, Seconds{86400}),
                  c.fleet.ssh_keys_ttl);
     }},
    {"fleet", "ssh_keys_max_stale",
     [](std::string_view v, Config& c) {
       return Set(ParseSecondsIn(v, Seconds{0}, Seconds{30 * 86400}),
                  c.fleet.ssh_keys_max_stale);
     }},
    {"fleet", "sync_interval",
     [](std::string_view v, Config& c) {
       return Set(ParseSecondsIn(v, Seconds{1}, Seconds{3600}),
                  c.fleet.sync_interval);
     }},
    {"fleet", "state_dir",
     [](std::string_view v, Config& c) {
       return Set(ParsePath(v, false), c.fleet.state_dir);
     }},
    // [offline]
    {"offline", "max_age",
     [](std::string_view v, Config& c) {
       return Set(ParseSecondsIn(v, Seconds{0}, Seconds{90 * 86400}),
                  c.offline.max_age);
     }},
};

constexpr std::string_view kSections[] = {
    "database", "security", "lockout",   "totp",  "session", "mail",
    "portal",   "nss",      "directory", "fleet", "offline"};

// Edit distance with adjacent transpositions (optimal string alignment).
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1,
                                     std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] =
          std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// The closest candidate within distance 2, or "".
template <typename Range>
std::string_view Closest(std::string_view word, const Range& candidates) {
  std::string_view best;
  size_t best_distance = 3;
  for (const std::string_view c : candidates) {
    const size_t dist = EditDistance(word, c);
    if (dist < best_distance) {
      best = c;
      best_distance = dist;
    }
  }
  return best;
}

// Value part of "key = value # comment": a '#' after whitespace starts a
// comment; one not preceded by whitespace is part of the value.
std::string_view StripInlineComment(std::string_view s) {
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] == '#' && (s[i - 1] == ' ' || s[i - 1] == '\t'))
      return s.substr(0, i);
  }
  return s;
}

class Parser {
 public:
  explicit Parser(std::string_view filename) : filename_(filename) {}

  Result<Config> Run(std::string_view text) {
    Config config;
    int line_no = 0;
    size_t pos = 0;
    while (pos < text.size()) {
      size_t end = text.find('\n', pos);
      if (end == std::string_view::npos) end = text.size();
      std::string_view line = text.substr(pos, end - pos);
      pos = end + 1;
      ++line_no;
      if (line.ends_with('\r')) line.remove_suffix(1);
      LK_RETURN_IF_ERROR(Line(line_no, line, config));
    }
    LK_RETURN_IF_ERROR(CrossChecks(config));
    return config;
  }

 private:
  Status At(int line, std::string_view reason) const {
    return InvalidArgument(filename_ + ":" + std::to_string(line) + ": " +
                           std::string(reason));
  }
  Status At(int line, std::string_view key, std::string_view reason) const {
    return At(line, std::string(key) + ": " + std::string(reason));
  }

  static const KeySpec* Find(std::string_view section, std::string_view key) {
    for (const KeySpec& k : kKeys) {
      if (k.section == section && k.key == key) return &k;
    }
    return nullptr;
  }
  // The line a key was set on, 0 if it was not.
  int LineOf(std::string_view section, std::string_view key) const {
    const KeySpec* k = Find(section, key);
    return k == nullptr ? 0 : lines_[static_cast<size_t>(k - kKeys)];
  }

  Status Line(int n, std::string_view raw, Config& config) {
    if (raw.find('\0') != std::string_view::npos)
      return At(n, "line contains a NUL byte");
    const std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';')
      return Status::Ok();

    if (line.front() == '[')
      return SectionHeader(n, Trim(StripInlineComment(line)));

    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return At(n, "missing '=' (expected 'key = value' or '[section]')");
    }
    const std::string_view key = Trim(line.substr(0, eq));
    const std::string_view value =
        Trim(StripInlineComment(line.substr(eq + 1)));
    if (key.empty()) return At(n, "missing key before '='");
    if (section_.empty()) {
      return At(n, key,
                "key outside a section (put it below a [section] line)");
    }
    const KeySpec* spec = Find(section_, key);
    if (spec == nullptr) return UnknownKey(n, key);
    int& first = lines_[static_cast<size_t>(spec - kKeys)];
    if (first != 0) {
      return At(n, key,
                "duplicate key in [" + section_ + "] (first set on line " +
                    std::to_string(first) + ")");
    }
    first = n;
    const Status s = spec->apply(value, config);
    if (!s.ok()) return At(n, key, s.message());
    return Status::Ok();
  }

  Status SectionHeader(int n, std::string_view line) {
    if (line.size() < 2 || line.back() != ']') {
      return At(n, "malformed section header " + Quote(line) +
                       " (expected '[name]')");
    }
    const std::string_view name = Trim(line.substr(1, line.size() - 2));
    if (std::find(std::begin(kSections), std::end(kSections), name) ==
        std::end(kSections)) {
      std::string reason = "unknown section [" + std::string(name) + "]";
      const std::string_view close = Closest(name, kSections);
      if (!close.empty()) {
        reason += " (did you mean [" + std::string(close) + "]?)";
      } else {
        reason +=
            " (known: database, security, lockout, totp, session, mail, "
            "portal, nss, directory, fleet, offline)";
      }
      return At(n, reason);
    }
    section_ = std::string(name);
    return Status::Ok();
  }

  Status UnknownKey(int n, std::string_view key) const {
    std::vector<std::string_view> here;
    std::string_view elsewhere;
    for (const KeySpec& k : kKeys) {
      if (k.section == section_) here.push_back(k.key);
      if (k.section != section_ && k.key == key) elsewhere = k.section;
    }
    std::string reason = "unknown key in [" + section_ + "]";
    const std::string_view close = Closest(key, here);
    if (!close.empty()) {
      reason += " (did you mean " + std::string(close) + "?)";
    } else if (!elsewhere.empty()) {
      reason += " (it belongs in [" + std::string(elsewhere) + "])";
    }
    return At(n, key, reason);
  }

  // For a check between keys a and b of `section`: the later line of the
  // two (0 if neither was set), and which key is on it.
  struct Later {
    int line;
    bool is_b;
  };
  Later LaterOf(std::string_view section, std::string_view a,
                std::string_view b) const {
    const int la = LineOf(section, a);
    const int lb = LineOf(section, b);
    return {std::max(la, lb), lb > la};
  }

  // Reports "<later key>: <reason>" for an ordered pair a <= b that fails,
  // but only if one of the two was set in the file (defaults are consistent).
  Status Ordered(std::string_view section, std::string_view a,
                 std::string_view b, bool ok, const std::string& reason_a,
                 const std::string& reason_b) const {
    if (ok) return Status::Ok();
    const Later later = LaterOf(section, a, b);
    if (later.line == 0) return Status::Ok();
    return later.is_b ? At(later.line, b, reason_b)
                      : At(later.line, a, reason_a);
  }

  Status CrossChecks(Config& c) const {
    // [database]: a socket, or hosts, not both; neither means the local socket.
    {
      const Later later = LaterOf("database", "socket", "hosts");
      if (!c.database.socket.empty() && !c.database.hosts.empty()) {
        return At(later.line, later.is_b ? "hosts" : "socket",
                  "set either socket or hosts, not both");
      }
      if (c.database.socket.empty() && c.database.hosts.empty()) {
        c.database.socket = kDefaultDatabaseSocket;
      }
    }
    const SecurityConfig& s = c.security;
    const uint64_t min_memory = uint64_t{8} * s.argon2_parallelism;
    LK_RETURN_IF_ERROR(Ordered(
        "security", "argon2_memory_kib", "argon2_parallelism",
        s.argon2_memory_kib >= min_memory,
        "must be at least 8 * argon2_parallelism (" +
            std::to_string(min_memory) + ")",
        "needs argon2_memory_kib of at least 8 * argon2_parallelism (" +
            std::to_string(min_memory) + "), but argon2_memory_kib is " +
            std::to_string(s.argon2_memory_kib)));
    LK_RETURN_IF_ERROR(
        Ordered("security", "min_password_length", "max_password_length",
                s.min_password_length <= s.max_password_length,
                "must not exceed max_password_length (" +
                    std::to_string(s.max_password_length) + ")",
                "must be at least min_password_length (" +
                    std::to_string(s.min_password_length) + ")"));
    const LockoutConfig& l = c.lockout;
    LK_RETURN_IF_ERROR(Ordered("lockout", "lock_duration", "max_lock_duration",
                               l.lock_duration <= l.max_lock_duration,
                               "must not exceed max_lock_duration (" +
                                   FormatDuration(l.max_lock_duration) + ")",
                               "must be at least lock_duration (" +
                                   FormatDuration(l.lock_duration) + ")"));
    const SessionConfig& se = c.session;
    LK_RETURN_IF_ERROR(Ordered("session", "idle_timeout", "absolute_timeout",
                               se.idle_timeout <= se.absolute_timeout,
                               "must not exceed absolute_timeout (" +
                                   FormatDuration(se.absolute_timeout) + ")",
                               "must be at least idle_timeout (" +
                                   FormatDuration(se.idle_timeout) + ")"));
    const NssConfig& n = c.nss;
    LK_RETURN_IF_ERROR(Ordered(
        "nss", "uid_min", "uid_max", n.uid_min <= n.uid_max,
        "must not exceed uid_max (" + std::to_string(n.uid_max) + ")",
        "must be at least uid_min (" + std::to_string(n.uid_min) + ")"));
    if (n.passwd_file == n.group_file) {
      const Later later = LaterOf("nss", "passwd_file", "group_file");
      return At(later.line, later.is_b ? "group_file" : "passwd_file",
                "passwd_file and group_file must be different files");
    }
    // The extrausers files hold latchkey's own users: read as the local
    // file, every latchkey user would count as a local account.
    for (const std::string_view written : {"passwd_file", "group_file"}) {
      const std::string& path =
          written == "passwd_file" ? n.passwd_file : n.group_file;
      if (n.local_passwd_file == path) {
        const Later later = LaterOf("nss", written, "local_passwd_file");
        return At(later.line, later.is_b ? "local_passwd_file" : written,
                  "local_passwd_file must be the host's own passwd file, not "
                  "the " +
                      std::string(written) + " that nss-sync writes");
      }
    }
    // [portal]: TLS needs both the certificate and its key.
    const PortalConfig& p = c.portal;
    if (p.tls_cert.empty() != p.tls_key.empty()) {
      const Later later = LaterOf("portal", "tls_cert", "tls_key");
      const std::string_view key = later.is_b ? "tls_key" : "tls_cert";
      const std::string_view other = later.is_b ? "tls_cert" : "tls_key";
      const bool key_is_set =
          later.is_b ? !p.tls_key.empty() : !p.tls_cert.empty();
      return At(later.line, key,
                key_is_set ? "needs " + std::string(other) +
                                 " too (set both or neither)"
                           : "is empty but " + std::string(other) +
                                 " is set (set both or neither)");
    }
    // [directory]: the hosts' listener speaks TLS only.
    const DirectoryConfig& d = c.directory;
    if (!d.listen.empty() && (d.tls_cert.empty() || d.tls_key.empty())) {
      return At(LineOf("directory", "listen"), "listen",
                "needs tls_cert and tls_key in [directory]: hosts reach the "
                "directory over TLS only");
    }
    // [fleet]: the agent needs somewhere to go.
    if (c.fleet.enabled && c.fleet.directories.empty()) {
      return At(LineOf("fleet", "enabled"), "enabled",
                "needs directories = https://... in [fleet]");
    }
    return Status::Ok();
  }

  std::string filename_;
  std::string section_;  // "" before the first [section]
  std::vector<int> lines_ = std::vector<int>(std::size(kKeys), 0);
};

}  // namespace

Result<Config> ParseConfig(std::string_view text, std::string_view filename) {
  return Parser(filename).Run(text);
}

}  // namespace latchkey
