#include "latchkey/config/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "latchkey/base/encoding.h"
#include "support/temp_dir.h"

namespace latchkey {
namespace {

using testing::TempDir;

Config MustParse(const std::string& text) {
  Result<Config> c = ParseConfig(text, "t.conf");
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? std::move(c).value() : Config{};
}

std::string ParseError(const std::string& text) {
  Result<Config> c = ParseConfig(text, "t.conf");
  if (c.ok()) return "(parsed without error)";
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  return c.status().message();
}

// Every field against the defaults documented in config.h. The database
// socket is the default one, as the file sets neither socket nor hosts.
void ExpectDefaults(const Config& c) {
  EXPECT_TRUE(c.database.hosts.empty());
  EXPECT_EQ(c.database.socket, "/run/mysqld/mysqld.sock");
  EXPECT_EQ(c.database.name, "latchkey");
  EXPECT_EQ(c.database.user, "latchkey");
  EXPECT_EQ(c.database.password_file, "");
  EXPECT_EQ(c.database.connect_timeout, Millis(2000));
  EXPECT_EQ(c.database.read_timeout, Millis(3000));
  EXPECT_EQ(c.database.write_timeout, Millis(3000));
  // Unset: required for TCP hosts other than loopback (TlsRequiredFor).
  EXPECT_FALSE(c.database.tls.has_value());
  EXPECT_EQ(c.database.tls_ca, "");
  EXPECT_EQ(c.security.secret_key_file, "/etc/latchkey/secret.key");
  EXPECT_EQ(c.security.hash, HashScheme::kArgon2id);
  EXPECT_EQ(c.security.argon2_memory_kib, 19456u);
  EXPECT_EQ(c.security.argon2_time, 2u);
  EXPECT_EQ(c.security.argon2_parallelism, 1u);
  EXPECT_EQ(c.security.pbkdf2_iterations, 600000u);
  EXPECT_EQ(c.security.min_password_length, 12u);
  EXPECT_EQ(c.security.max_password_length, 256u);
  EXPECT_TRUE(c.security.pwquality);
  EXPECT_EQ(c.lockout.max_failures, 5u);
  EXPECT_EQ(c.lockout.lock_duration, Seconds(60));
  EXPECT_EQ(c.lockout.max_lock_duration, Seconds(3600));
  EXPECT_EQ(c.lockout.lock_reset_after, Seconds(12 * 3600));
  EXPECT_EQ(c.lockout.ip_max_failures, 50u);
  EXPECT_EQ(c.lockout.ip_window, Seconds(15 * 60));
  EXPECT_EQ(c.totp.issuer, "latchkey");
  EXPECT_EQ(c.totp.digits, 6u);
  EXPECT_EQ(c.totp.period, 30u);
  EXPECT_EQ(c.totp.window, 1u);
  EXPECT_EQ(c.session.idle_timeout, Seconds(30 * 60));
  EXPECT_EQ(c.session.absolute_timeout, Seconds(12 * 3600));
  EXPECT_EQ(c.session.cache_ttl, Seconds(2));
  EXPECT_EQ(c.mail.transport, "maildir:/var/lib/latchkey/mail");
  EXPECT_EQ(c.mail.from, "latchkey <no-reply@localhost>");
  EXPECT_FALSE(c.mail.login_notification);
  EXPECT_TRUE(c.mail.tls_verify);
  EXPECT_EQ(c.mail.tls_ca, "");
  EXPECT_EQ(c.portal.listen, "127.0.0.1:8080");
  EXPECT_EQ(c.portal.base_url, "http://127.0.0.1:8080");
  EXPECT_EQ(c.portal.tls_cert, "");
  EXPECT_EQ(c.portal.tls_key, "");
  EXPECT_EQ(c.portal.trusted_proxies, std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(c.portal.registration, RegistrationMode::kOpen);
  EXPECT_TRUE(c.portal.require_email_verification);
  EXPECT_EQ(c.portal.avatar_max_bytes, 1048576u);
  EXPECT_EQ(c.portal.user, "latchkey");
  EXPECT_EQ(c.portal.metrics_allow,
            (std::vector<std::string>{"127.0.0.1", "::1"}));
  EXPECT_EQ(c.portal.metrics_token_file, "");
  EXPECT_EQ(c.nss.passwd_file, "/var/lib/extrausers/passwd");
  EXPECT_EQ(c.nss.group_file, "/var/lib/extrausers/group");
  EXPECT_EQ(c.nss.uid_min, 20000u);
  EXPECT_EQ(c.nss.uid_max, 29999u);
  EXPECT_EQ(c.nss.home_base, "/home");
  EXPECT_EQ(c.nss.shell, "/bin/bash");
  EXPECT_EQ(c.directory.listen, "");
  EXPECT_EQ(c.directory.host_alarm_failures, 20u);
  EXPECT_EQ(c.directory.host_alarm_window, Seconds{900});
  EXPECT_FALSE(c.fleet.enabled);
  EXPECT_EQ(c.fleet.agent_socket, "/run/latchkey/agent.sock");
  EXPECT_TRUE(c.fleet.directories.empty());
  EXPECT_EQ(c.fleet.host_token_file, "/etc/latchkey/host.token");
  EXPECT_EQ(c.fleet.connect_timeout, Millis{2000});
  EXPECT_EQ(c.fleet.request_timeout, Millis{5000});
  EXPECT_EQ(c.fleet.keys_user, "");
  EXPECT_EQ(c.fleet.ssh_keys_ttl, Seconds{60});
  EXPECT_EQ(c.fleet.ssh_keys_max_stale, Seconds{86400});
  EXPECT_EQ(c.fleet.sync_interval, Seconds{30});
  EXPECT_EQ(c.fleet.state_dir, "/var/lib/latchkey-agent");
  EXPECT_EQ(c.offline.max_age, Seconds{0});
}

TEST(ParseConfigTest, EmptyFileGivesDefaults) {
  ExpectDefaults(MustParse(""));
  const Config fleet = MustParse(
      "[fleet]\nenabled = on\ndirectories = https://d1.example:8443/, "
      "https://d2.example\n[offline]\nmax_age = 7d\n");
  EXPECT_TRUE(fleet.fleet.enabled);
  EXPECT_EQ(fleet.fleet.directories,
            (std::vector<std::string>{"https://d1.example:8443",
                                      "https://d2.example"}));
  EXPECT_EQ(fleet.offline.max_age, Seconds{7 * 86400});
  ExpectDefaults(MustParse("# only a comment\n\n; another\n[totp]\n"));
}

TEST(ParseConfigTest, DatabaseSection) {
  const Config c = MustParse(
      "[database]\n"
      "hosts = db1.example:3307, db2.example , 10.0.0.5:3308\n"
      "name = accounts_2\n"
      "user = lk\n"
      "password_file = /etc/latchkey/db.password\n"
      "connect_timeout = 500ms\n"
      "read_timeout = 4s\n"
      "write_timeout = 1m\n"
      "tls = required\n"
      "tls_ca = /etc/ssl/certs/db-ca.pem\n");
  const std::vector<HostPort> hosts = {
      {"db1.example", 3307}, {"db2.example", 3306}, {"10.0.0.5", 3308}};
  EXPECT_EQ(c.database.hosts, hosts);
  EXPECT_EQ(c.database.socket, "");  // hosts given: no default socket
  EXPECT_EQ(c.database.name, "accounts_2");
  EXPECT_EQ(c.database.user, "lk");
  EXPECT_EQ(c.database.password_file, "/etc/latchkey/db.password");
  EXPECT_EQ(c.database.connect_timeout, Millis(500));
  EXPECT_EQ(c.database.read_timeout, Millis(4000));
  EXPECT_EQ(c.database.write_timeout, Millis(60000));
  EXPECT_EQ(c.database.tls, TlsMode::kRequired);
  EXPECT_EQ(c.database.tls_ca, "/etc/ssl/certs/db-ca.pem");

  EXPECT_EQ(MustParse("[database]\ntls = off\n").database.tls, TlsMode::kOff);
  const Config s = MustParse("[database]\nsocket = /tmp/my.sock\n");
  EXPECT_EQ(s.database.socket, "/tmp/my.sock");
  EXPECT_TRUE(s.database.hosts.empty());
}

TEST(ParseConfigTest, TlsDefaultsToRequiredExceptOnLoopback) {
  const Config remote =
      MustParse("[database]\nhosts = db1.example, 127.0.0.1, [::1]:3307\n");
  EXPECT_TRUE(TlsRequiredFor(remote.database, "db1.example"));
  EXPECT_TRUE(TlsRequiredFor(remote.database, "10.0.0.5"));
  EXPECT_TRUE(TlsRequiredFor(remote.database, "localhost.evil.example"));
  EXPECT_FALSE(TlsRequiredFor(remote.database, "127.0.0.1"));
  EXPECT_FALSE(TlsRequiredFor(remote.database, "127.0.0.53"));
  EXPECT_FALSE(TlsRequiredFor(remote.database, "::1"));
  // Explicit choices apply to every TCP host.
  const Config on =
      MustParse("[database]\nhosts = 127.0.0.1\ntls = required\n");
  EXPECT_TRUE(TlsRequiredFor(on.database, "127.0.0.1"));
  const Config off = MustParse("[database]\nhosts = db1.example\ntls = off\n");
  EXPECT_FALSE(TlsRequiredFor(off.database, "db1.example"));
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("::1"));
  EXPECT_FALSE(IsLoopbackHost("128.0.0.1"));
  EXPECT_FALSE(IsLoopbackHost("::2"));
  EXPECT_FALSE(IsLoopbackHost("127.0.0.1.example"));
}

TEST(ParseConfigTest, Ipv6Hosts) {
  const Config c =
      MustParse("[database]\nhosts = [::1]:3307, [2001:db8::10], localhost\n");
  const std::vector<HostPort> hosts = {
      {"::1", 3307}, {"2001:db8::10", 3306}, {"localhost", 3306}};
  EXPECT_EQ(c.database.hosts, hosts);

  EXPECT_EQ(ParseError("[database]\nhosts = ::1\n"),
            "t.conf:2: hosts: '::1': write an IPv6 address in brackets, e.g. "
            "[::1]:3306");
  EXPECT_EQ(
      ParseError("[database]\nhosts = [::1\n"),
      "t.conf:2: hosts: '[::1' has '[' without ']' (expected host[:port], e.g. "
      "db1.example:3306 or [::1]:3306)");
  EXPECT_EQ(ParseError("[database]\nhosts = [db1]:3306\n"),
            "t.conf:2: hosts: 'db1' in brackets is not an IPv6 address");
  EXPECT_EQ(ParseError("[database]\nhosts = db1:0\n"),
            "t.conf:2: hosts: 'db1:0' has a bad port: must be an integer "
            "between 1 and 65535");
  EXPECT_EQ(ParseError("[database]\nhosts = db1:70000\n"),
            "t.conf:2: hosts: 'db1:70000' has a bad port: must be an integer "
            "between 1 and 65535");
  EXPECT_EQ(ParseError("[database]\nhosts = db1,,db2\n"),
            "t.conf:2: hosts: empty entry in the list 'db1,,db2'");
  EXPECT_EQ(ParseError("[database]\nhosts =\n"),
            "t.conf:2: hosts: must list at least one host[:port], e.g. "
            "db1.example:3306");
}

TEST(ParseConfigTest, SecuritySection) {
  const Config c = MustParse(
      "[security]\n"
      "secret_key_file = /srv/lk/key\n"
      "hash = pbkdf2-sha256\n"
      "argon2_memory_kib = 65536\n"
      "argon2_time = 3\n"
      "argon2_parallelism = 4\n"
      "pbkdf2_iterations = 1000\n"
      "min_password_length = 8\n"
      "max_password_length = 8\n"
      "pwquality = off\n");
  EXPECT_EQ(c.security.secret_key_file, "/srv/lk/key");
  EXPECT_EQ(c.security.hash, HashScheme::kPbkdf2Sha256);
  EXPECT_EQ(c.security.argon2_memory_kib, 65536u);
  EXPECT_EQ(c.security.argon2_time, 3u);
  EXPECT_EQ(c.security.argon2_parallelism, 4u);
  EXPECT_EQ(c.security.pbkdf2_iterations, 1000u);
  EXPECT_EQ(c.security.min_password_length, 8u);
  EXPECT_EQ(c.security.max_password_length, 8u);
  EXPECT_FALSE(c.security.pwquality);
}

TEST(ParseConfigTest, LockoutSection) {
  const Config c = MustParse(
      "[lockout]\n"
      "max_failures = 3\n"
      "lock_duration = 30s\n"
      "max_lock_duration = 2h\n"
      "lock_reset_after = 1d\n"
      "ip_max_failures = 100\n"
      "ip_window = 1h30m\n");
  EXPECT_EQ(c.lockout.max_failures, 3u);
  EXPECT_EQ(c.lockout.lock_duration, Seconds(30));
  EXPECT_EQ(c.lockout.max_lock_duration, Seconds(7200));
  EXPECT_EQ(c.lockout.lock_reset_after, Seconds(86400));
  EXPECT_EQ(c.lockout.ip_max_failures, 100u);
  EXPECT_EQ(c.lockout.ip_window, Seconds(5400));
}

TEST(ParseConfigTest, AddressLimitZeroTurnsItOff) {
  const Config c = MustParse("[lockout]\nip_max_failures = 0\n");
  EXPECT_EQ(c.lockout.ip_max_failures, 0u);
}

TEST(ParseConfigTest, TotpSessionMailSections) {
  const Config c = MustParse(
      "[totp]\n"
      "issuer = Example Corp\n"
      "digits = 8\n"
      "period = 60\n"
      "window = 0\n"
      "[session]\n"
      "idle_timeout = 10m\n"
      "absolute_timeout = 10m\n"
      "cache_ttl = 0s\n"
      "[mail]\n"
      "transport = smtps://mail.example.org:465\n"
      "from = Accounts <accounts@example.org>\n"
      "login_notification = yes\n"
      "tls_verify = off\n"
      "tls_ca = /etc/ssl/relay-ca.pem\n");
  EXPECT_EQ(c.totp.issuer, "Example Corp");
  EXPECT_EQ(c.totp.digits, 8u);
  EXPECT_EQ(c.totp.period, 60u);
  EXPECT_EQ(c.totp.window, 0u);
  EXPECT_EQ(c.session.idle_timeout, Seconds(600));
  EXPECT_EQ(c.session.absolute_timeout, Seconds(600));
  EXPECT_EQ(c.session.cache_ttl, Seconds(0));
  EXPECT_EQ(c.mail.transport, "smtps://mail.example.org:465");
  EXPECT_EQ(c.mail.from, "Accounts <accounts@example.org>");
  EXPECT_TRUE(c.mail.login_notification);
  EXPECT_FALSE(c.mail.tls_verify);
  EXPECT_EQ(c.mail.tls_ca, "/etc/ssl/relay-ca.pem");
  EXPECT_EQ(
      MustParse("[mail]\ntransport = smtp://127.0.0.1:25\n").mail.transport,
      "smtp://127.0.0.1:25");
}

TEST(ParseConfigTest, PortalSection) {
  const Config c = MustParse(
      "[portal]\n"
      "listen = [::1]:8443\n"
      "base_url = https://accounts.example.org/\n"
      "tls_cert = /etc/latchkey/cert.pem\n"
      "tls_key = /etc/latchkey/key.pem\n"
      "trusted_proxies = 10.0.0.0/8, ::1, 192.168.1.7\n"
      "registration = invite\n"
      "require_email_verification = false\n"
      "avatar_max_bytes = 65536\n"
      "user = www-data\n");
  EXPECT_EQ(c.portal.listen, "[::1]:8443");
  EXPECT_EQ(c.portal.base_url,
            "https://accounts.example.org");  // trailing / dropped
  EXPECT_EQ(c.portal.tls_cert, "/etc/latchkey/cert.pem");
  EXPECT_EQ(c.portal.tls_key, "/etc/latchkey/key.pem");
  EXPECT_EQ(c.portal.trusted_proxies,
            (std::vector<std::string>{"10.0.0.0/8", "::1", "192.168.1.7"}));
  EXPECT_EQ(c.portal.registration, RegistrationMode::kInvite);
  EXPECT_FALSE(c.portal.require_email_verification);
  EXPECT_EQ(c.portal.avatar_max_bytes, 65536u);
  EXPECT_EQ(c.portal.user, "www-data");

  EXPECT_TRUE(MustParse("[portal]\ntrusted_proxies =\n")
                  .portal.trusted_proxies.empty());
  EXPECT_EQ(MustParse("[portal]\nregistration = closed\n").portal.registration,
            RegistrationMode::kClosed);
}

TEST(ParseConfigTest, NssSection) {
  const Config c = MustParse(
      "[nss]\n"
      "passwd_file = /srv/nss/passwd\n"
      "group_file = /srv/nss/group\n"
      "uid_min = 1000\n"
      "uid_max = 2147483647\n"
      "home_base = /srv/home//\n"
      "shell = /usr/bin/zsh\n");
  EXPECT_EQ(c.nss.passwd_file, "/srv/nss/passwd");
  EXPECT_EQ(c.nss.group_file, "/srv/nss/group");
  EXPECT_EQ(c.nss.uid_min, 1000u);
  EXPECT_EQ(c.nss.uid_max, 2147483647u);
  EXPECT_EQ(c.nss.home_base, "/srv/home");  // trailing slashes dropped
  EXPECT_EQ(c.nss.shell, "/usr/bin/zsh");
  // A one-uid range is allowed, and "/" stays "/".
  const Config one =
      MustParse("[nss]\nuid_min = 5000\nuid_max = 5000\nhome_base = /\n");
  EXPECT_EQ(one.nss.uid_min, 5000u);
  EXPECT_EQ(one.nss.uid_max, 5000u);
  EXPECT_EQ(one.nss.home_base, "/");
}

TEST(ParseConfigTest, BooleansInEverySpelling) {
  for (const char* t : {"on", "true", "yes", "1", "ON", "True"}) {
    EXPECT_TRUE(
        MustParse(std::string("[mail]\nlogin_notification = ") + t + "\n")
            .mail.login_notification)
        << t;
  }
  for (const char* f : {"off", "false", "no", "0", "Off", "NO"}) {
    EXPECT_FALSE(MustParse(std::string("[security]\npwquality = ") + f + "\n")
                     .security.pwquality)
        << f;
  }
}

TEST(ParseConfigTest, CommentsWhitespaceAndLineEndings) {
  const Config c = MustParse(
      "  # indented comment\n"
      "; semicolon comment\n"
      "[totp]   # section comment\n"
      "issuer = Example#1   # the # without a space before it stays\n"
      "digits=7\t# tab before the comment\n"
      "\t period\t=\t45 \n"
      "[mail]\r\n"
      "from = a <a@example.org> ; not a comment after a value\r\n"
      "[portal]\n"
      "user = lk   ");  // no final newline
  EXPECT_EQ(c.totp.issuer, "Example#1");
  EXPECT_EQ(c.totp.digits, 7u);
  EXPECT_EQ(c.totp.period, 45u);
  EXPECT_EQ(c.mail.from, "a <a@example.org> ; not a comment after a value");
  EXPECT_EQ(c.portal.user, "lk");
  // " # ..." right after '=' leaves an empty value, which tls_ca accepts.
  EXPECT_EQ(MustParse("[database]\ntls_ca = # none\n").database.tls_ca, "");
}

TEST(ParseConfigTest, SectionMayRepeatButKeysMayNot) {
  const Config c =
      MustParse("[totp]\ndigits = 7\n[mail]\n[totp]\nperiod = 20\n");
  EXPECT_EQ(c.totp.digits, 7u);
  EXPECT_EQ(c.totp.period, 20u);
  EXPECT_EQ(ParseError("[totp]\ndigits = 7\n[mail]\n[totp]\ndigits = 8\n"),
            "t.conf:5: digits: duplicate key in [totp] (first set on line 2)");
}

struct ErrorCase {
  const char* name;
  const char* text;
  const char* message;
};

TEST(ParseConfigTest, ErrorsNameFileLineKeyAndReason) {
  const ErrorCase cases[] = {
      // Syntax.
      {"missing =", "[totp]\ndigits 6\n",
       "t.conf:2: missing '=' (expected 'key = value' or '[section]')"},
      {"missing key", "[totp]\n = 6\n", "t.conf:2: missing key before '='"},
      {"key outside section", "# c\ndigits = 6\n[totp]\n",
       "t.conf:2: digits: key outside a section (put it below a [section] "
       "line)"},
      {"malformed section", "[totp\n",
       "t.conf:1: malformed section header '[totp' (expected '[name]')"},
      {"text after section", "[totp] x\n",
       "t.conf:1: malformed section header '[totp] x' (expected '[name]')"},
      // Unknown names.
      {"unknown section, suggestion", "\n[lockot]\n",
       "t.conf:2: unknown section [lockot] (did you mean [lockout]?)"},
      {"unknown section", "[web]\n",
       "t.conf:1: unknown section [web] (known: database, security, lockout, "
       "totp, session, "
       "mail, portal, nss, directory, fleet, offline)"},
      // Fleet mode.
      {"directory without TLS", "[directory]\nlisten = 0.0.0.0:8443\n",
       "t.conf:2: listen: needs tls_cert and tls_key in [directory]: hosts "
       "reach the directory over TLS only"},
      {"fleet without directories", "[fleet]\nenabled = on\n",
       "t.conf:2: enabled: needs directories = https://... in [fleet]"},
      {"plain http directory", "[fleet]\ndirectories = http://d1:8443\n",
       "t.conf:2: directories: each directory must be an https://NAME[:PORT] "
       "URL without a path (got 'http://d1:8443')"},
      {"directory with a path", "[fleet]\ndirectories = https://d1/x\n",
       "t.conf:2: directories: each directory must be an https://NAME[:PORT] "
       "URL without a path (got 'https://d1/x')"},
      {"keys_user with a colon", "[fleet]\nkeys_user = a:b\n",
       "t.conf:2: keys_user: must be a user name (a-z, 0-9, _ - .) (got "
       "'a:b')"},
      {"sections are case-sensitive", "[Totp]\n",
       "t.conf:1: unknown section [Totp] (did you mean [totp]?)"},
      {"unknown key, suggestion", "[lockout]\nmax_failure = 3\n",
       "t.conf:2: max_failure: unknown key in [lockout] (did you mean "
       "max_failures?)"},
      {"unknown key, transposition", "[lockout]\nmax_faliures = 3\n",
       "t.conf:2: max_faliures: unknown key in [lockout] (did you mean "
       "max_failures?)"},
      {"keys are case-sensitive", "[totp]\nDigits = 6\n",
       "t.conf:2: Digits: unknown key in [totp] (did you mean digits?)"},
      {"unknown key, other section", "[security]\nmax_failures = 3\n",
       "t.conf:2: max_failures: unknown key in [security] (it belongs in "
       "[lockout])"},
      {"unknown key, no suggestion", "[totp]\ncolour = red\n",
       "t.conf:2: colour: unknown key in [totp]"},
      {"duplicate key", "[totp]\ndigits = 6\n\ndigits = 8\n",
       "t.conf:4: digits: duplicate key in [totp] (first set on line 2)"},
      // Values.
      {"bad bool", "[mail]\nlogin_notification = maybe\n",
       "t.conf:2: login_notification: must be on or off (or true/false, "
       "yes/no, 1/0; got "
       "'maybe')"},
      {"integer above range", "[totp]\ndigits = 9\n",
       "t.conf:2: digits: must be an integer between 6 and 8 (got '9')"},
      {"integer below range", "[totp]\nperiod = 5\n",
       "t.conf:2: period: must be an integer between 10 and 300 (got '5')"},
      {"negative integer", "[lockout]\nmax_failures = -1\n",
       "t.conf:2: max_failures: must be an integer between 1 and 1000000 (got "
       "'-1')"},
      {"hex integer", "[totp]\ndigits = 0x6\n",
       "t.conf:2: digits: must be an integer between 6 and 8 (got '0x6')"},
      {"empty integer", "[totp]\nwindow =\n",
       "t.conf:2: window: must be an integer between 0 and 10 (got '')"},
      {"huge integer", "[portal]\navatar_max_bytes = 99999999999999999999999\n",
       "t.conf:2: avatar_max_bytes: must be an integer between 1 and "
       "1073741824 (got "
       "'99999999999999999999999')"},
      {"argon2 memory too big", "[security]\nargon2_memory_kib = 4194305\n",
       "t.conf:2: argon2_memory_kib: must be an integer between 8 and 4194304 "
       "(got '4194305')"},
      {"argon2 time", "[security]\nargon2_time = 0\n",
       "t.conf:2: argon2_time: must be an integer between 1 and 100 (got '0')"},
      {"argon2 parallelism", "[security]\nargon2_parallelism = 65\n",
       "t.conf:2: argon2_parallelism: must be an integer between 1 and 64 (got "
       "'65')"},
      {"pbkdf2 iterations", "[security]\npbkdf2_iterations = 999\n",
       "t.conf:2: pbkdf2_iterations: must be an integer between 1000 and "
       "100000000 (got "
       "'999')"},
      {"max password length", "[security]\nmax_password_length = 4097\n",
       "t.conf:2: max_password_length: must be an integer between 1 and 4096 "
       "(got '4097')"},
      {"min password length", "[security]\nmin_password_length = 0\n",
       "t.conf:2: min_password_length: must be an integer between 1 and 4096 "
       "(got '0')"},
      {"bad duration unit", "[lockout]\nlock_duration = 5x\n",
       "t.conf:2: lock_duration: bad duration '5x': unknown unit 'x' (units: "
       "ms, s, m, h, d)"},
      {"negative duration", "[session]\nidle_timeout = -5m\n",
       "t.conf:2: idle_timeout: bad duration '-5m': negative"},
      {"empty duration", "[database]\nconnect_timeout =\n",
       "t.conf:2: connect_timeout: bad duration '': empty"},
      {"zero duration", "[lockout]\nip_window = 0\n",
       "t.conf:2: ip_window: must be between 1s and 3650d (got '0')"},
      {"sub-second duration", "[lockout]\nlock_duration = 1500ms\n",
       "t.conf:2: lock_duration: must be a whole number of seconds (got "
       "'1500ms')"},
      {"session cache too long", "[session]\ncache_ttl = 2m\n",
       "t.conf:2: cache_ttl: must be between 0s and 1m (got '2m')"},
      {"timeout too long", "[database]\nread_timeout = 2h\n",
       "t.conf:2: read_timeout: must be between 1ms and 1h (got '2h')"},
      {"bad enum", "[database]\ntls = yes\n",
       "t.conf:2: tls: must be one of required, off (got 'yes')"},
      {"tls preferred is gone", "[database]\ntls = preferred\n",
       "t.conf:2: tls: 'preferred' is no longer accepted: it let anyone "
       "between latchkey and the database turn TLS off; use tls = required "
       "(with tls_ca), or tls = off for a loopback host or the socket"},
      {"bad hash", "[security]\nhash = bcrypt\n",
       "t.conf:2: hash: must be one of argon2id, pbkdf2-sha256 (got 'bcrypt')"},
      {"bad registration", "[portal]\nregistration = Open\n",
       "t.conf:2: registration: must be one of open, invite, closed (got "
       "'Open')"},
      {"relative path", "[database]\npassword_file = db.password\n",
       "t.conf:2: password_file: must be an absolute path (got 'db.password')"},
      {"empty key file", "[security]\nsecret_key_file =\n",
       "t.conf:2: secret_key_file: must be an absolute path (got '')"},
      {"bad database name", "[database]\nname = lk;drop\n",
       "t.conf:2: name: must be a database name of 1..64 letters, digits, _ or "
       "$ (got "
       "'lk;drop')"},
      {"empty user", "[database]\nuser =\n",
       "t.conf:2: user: must not be empty"},
      {"issuer with colon", "[totp]\nissuer = a:b\n",
       "t.conf:2: issuer: must not contain ':' (authenticator apps read it as "
       "the separator "
       "of issuer and account)"},
      {"empty issuer", "[totp]\nissuer =\n",
       "t.conf:2: issuer: must not be empty"},
      {"bad transport", "[mail]\ntransport = sendmail\n",
       "t.conf:2: transport: must start with smtp://, smtps:// or maildir: "
       "(e.g. "
       "smtp://127.0.0.1:25 or maildir:/var/lib/latchkey/mail; got "
       "'sendmail')"},
      {"transport without server", "[mail]\ntransport = smtp://\n",
       "t.conf:2: transport: names no server after smtp://"},
      {"relative maildir", "[mail]\ntransport = maildir:mail\n",
       "t.conf:2: transport: maildir: needs an absolute directory (got "
       "'maildir:mail')"},
      {"from without address", "[mail]\nfrom = latchkey\n",
       "t.conf:2: from: must be a mail address such as latchkey "
       "<no-reply@example.org> (got "
       "'latchkey')"},
      {"listen without port", "[portal]\nlisten = 127.0.0.1\n",
       "t.conf:2: listen: '127.0.0.1' has no port (expected host:port, e.g. "
       "127.0.0.1:8080 "
       "or [::1]:8080)"},
      {"bad base_url", "[portal]\nbase_url = ftp://x\n",
       "t.conf:2: base_url: must be an http:// or https:// URL without query, "
       "e.g. "
       "https://accounts.example.org (got 'ftp://x')"},
      {"bad proxy", "[portal]\ntrusted_proxies = 127.0.0.1, proxy.example\n",
       "t.conf:2: trusted_proxies: 'proxy.example' is not an IP address or "
       "CIDR range (e.g. "
       "127.0.0.1, 10.0.0.0/8, ::1)"},
      {"bad proxy prefix", "[portal]\ntrusted_proxies = 10.0.0.0/33\n",
       "t.conf:2: trusted_proxies: '10.0.0.0/33' has a bad prefix length: must "
       "be 0..32"},
      {"bad portal user", "[portal]\nuser = -x\n",
       "t.conf:2: user: must be a system user name of 1..32 letters, digits, "
       "'.', '_' or '-' "
       "(got '-x')"},
      {"relative passwd_file", "[nss]\npasswd_file = passwd\n",
       "t.conf:2: passwd_file: must be an absolute path (got 'passwd')"},
      {"passwd_file is a directory", "[nss]\npasswd_file = /var/lib/\n",
       "t.conf:2: passwd_file: must name a file, not a directory (got "
       "'/var/lib/')"},
      {"passwd_file is /etc/passwd", "[nss]\npasswd_file = /etc/passwd\n",
       "t.conf:2: passwd_file: must not be /etc/passwd: nss-sync replaces the "
       "whole file (use /var/lib/extrausers/passwd and group with "
       "libnss-extrausers)"},
      {"group_file is /etc/group", "[nss]\ngroup_file = /etc/group\n",
       "t.conf:2: group_file: must not be /etc/group: nss-sync replaces the "
       "whole file (use /var/lib/extrausers/passwd and group with "
       "libnss-extrausers)"},
      {"uid_min below 1000", "[nss]\nuid_min = 999\n",
       "t.conf:2: uid_min: must be an integer between 1000 and 2147483647 "
       "(got '999')"},
      {"uid_max at 2^31", "[nss]\nuid_max = 2147483648\n",
       "t.conf:2: uid_max: must be an integer between 1000 and 2147483647 "
       "(got '2147483648')"},
      {"negative uid", "[nss]\nuid_min = -1\n",
       "t.conf:2: uid_min: must be an integer between 1000 and 2147483647 "
       "(got '-1')"},
      {"relative home_base", "[nss]\nhome_base = home\n",
       "t.conf:2: home_base: must be an absolute path (got 'home')"},
      {"shell with colon", "[nss]\nshell = /bin/ba:sh\n",
       "t.conf:2: shell: must not contain ':' or control characters (it goes "
       "into passwd lines; got '/bin/ba:sh')"},
      {"home_base with a tab", "[nss]\nhome_base = /ho\tme\n",
       "t.conf:2: home_base: must not contain ':' or control characters (it "
       "goes into passwd lines; got '/ho?me')"},
      // Checks across keys: the line of the later key.
      {"tls_cert without tls_key", "[portal]\ntls_cert = /etc/c.pem\n",
       "t.conf:2: tls_cert: needs tls_key too (set both or neither)"},
      {"tls_key without tls_cert",
       "[portal]\nlisten = 127.0.0.1:1\ntls_key = /etc/k.pem\n",
       "t.conf:3: tls_key: needs tls_cert too (set both or neither)"},
      {"tls_cert emptied after tls_key",
       "[portal]\ntls_key = /etc/k.pem\ntls_cert =\n",
       "t.conf:3: tls_cert: is empty but tls_key is set (set both or neither)"},
      {"min > max, min later",
       "[security]\nmax_password_length = 10\nmin_password_length = 20\n",
       "t.conf:3: min_password_length: must not exceed max_password_length "
       "(10)"},
      {"min > max, max later",
       "[security]\nmin_password_length = 20\nmax_password_length = 10\n",
       "t.conf:3: max_password_length: must be at least min_password_length "
       "(20)"},
      {"min > default max", "[security]\nmin_password_length = 300\n",
       "t.conf:2: min_password_length: must not exceed max_password_length "
       "(256)"},
      {"lock_duration > max",
       "[lockout]\nmax_lock_duration = 10m\n\nlock_duration = 1h\n",
       "t.conf:4: lock_duration: must not exceed max_lock_duration (10m)"},
      {"max_lock_duration < default lock",
       "[lockout]\nmax_lock_duration = 30s\n",
       "t.conf:2: max_lock_duration: must be at least lock_duration (1m)"},
      {"idle > absolute", "[session]\nidle_timeout = 13h\n",
       "t.conf:2: idle_timeout: must not exceed absolute_timeout (12h)"},
      {"argon2 memory < 8 * lanes",
       "[security]\nargon2_memory_kib = 16\nargon2_parallelism = 4\n",
       "t.conf:3: argon2_parallelism: needs argon2_memory_kib of at least 8 * "
       "argon2_parallelism (32), but argon2_memory_kib is 16"},
      {"argon2 memory < 8 * lanes, memory later",
       "[security]\nargon2_parallelism = 4\nargon2_memory_kib = 16\n",
       "t.conf:3: argon2_memory_kib: must be at least 8 * argon2_parallelism "
       "(32)"},
      {"socket and hosts", "[database]\nsocket = /run/my.sock\nhosts = db1\n",
       "t.conf:3: hosts: set either socket or hosts, not both"},
      {"uid_min > uid_max, max later",
       "[nss]\nuid_min = 30000\nuid_max = 25000\n",
       "t.conf:3: uid_max: must be at least uid_min (30000)"},
      {"uid_min above the default uid_max", "[nss]\nuid_min = 40000\n",
       "t.conf:2: uid_min: must not exceed uid_max (29999)"},
      {"same passwd and group file",
       "[nss]\npasswd_file = /srv/nss\ngroup_file = /srv/nss\n",
       "t.conf:3: group_file: passwd_file and group_file must be different "
       "files"},
      {"local passwd file is the extrausers file",
       "[nss]\npasswd_file = /srv/nss/passwd\nlocal_passwd_file = "
       "/srv/nss/passwd\n",
       "t.conf:3: local_passwd_file: local_passwd_file must be the host's own "
       "passwd file, not the passwd_file that nss-sync writes"},
      {"local passwd file relative", "[nss]\nlocal_passwd_file = passwd\n",
       "t.conf:2: local_passwd_file: must be an absolute path (got "
       "'passwd')"},
      {"reserved names file relative",
       "[security]\nreserved_names_file = names\n",
       "t.conf:2: reserved_names_file: must be an absolute path (got "
       "'names')"},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ParseError(c.text), c.message);
  }
}

TEST(ParseConfigTest, NulByteInsideALine) {
  const std::string text("[totp]\nissuer = a\0b\n", 19);
  EXPECT_EQ(ParseError(text), "t.conf:2: line contains a NUL byte");
}

TEST(ParseConfigTest, FilenameIsUsedInMessages) {
  Result<Config> c =
      ParseConfig("[totp]\ndigits = 5\n", "/etc/latchkey/latchkey.conf");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "/etc/latchkey/latchkey.conf:2: digits: must be an integer between "
            "6 and 8 (got "
            "'5')");
}

TEST(ParseConfigTest, LongValuesAreCutInMessages) {
  const std::string value(300, 'z');
  const std::string message = ParseError("[totp]\ndigits = " + value + "\n");
  EXPECT_NE(message.find(std::string(64, 'z') + "...'"), std::string::npos)
      << message;
  EXPECT_EQ(message.find(std::string(65, 'z')), std::string::npos);
}

// LoadConfig: file checks.

TEST(LoadConfigTest, ReadsAPrivateFileAndSetsPath) {
  TempDir dir;
  const std::string path =
      dir.WriteFile("latchkey.conf", "[totp]\ndigits = 8\n", 0640);
  Result<Config> c = LoadConfig(path);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->path, path);
  EXPECT_EQ(c->totp.digits, 8u);
}

TEST(LoadConfigTest, ParseErrorsNameThePath) {
  TempDir dir;
  const std::string path =
      dir.WriteFile("latchkey.conf", "[lockout]\nmax_failure = 3\n");
  Result<Config> c = LoadConfig(path);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.status().message(), path +
                                      ":2: max_failure: unknown key in "
                                      "[lockout] (did you mean max_failures?)");
}

TEST(LoadConfigTest, RefusesWorldReadableFile) {
  TempDir dir;
  const std::string path = dir.WriteFile("latchkey.conf", "", 0644);
  Result<Config> c = LoadConfig(path);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(c.status().message(),
            path +
                ": refusing a world-readable config file (mode 0644); it "
                "holds secrets: chmod o-rwx " +
                path);
}

TEST(LoadConfigTest, RefusesWorldWritableFile) {
  TempDir dir;
  const std::string w = dir.WriteFile("w.conf", "", 0602);
  Result<Config> c = LoadConfig(w);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(c.status().message(),
            w +
                ": refusing a world-writable config file (mode 0602); "
                "anyone could change it: chmod o-rwx " +
                w);

  const std::string rw = dir.WriteFile("rw.conf", "", 0666);
  c = LoadConfig(rw);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(c.status().message(),
            rw +
                ": refusing a world-readable and world-writable config file "
                "(mode 0666); it "
                "holds secrets and anyone could change it: chmod o-rwx " +
                rw);
}

TEST(LoadConfigTest, MissingFileIsAnIoErrorWithErrnoText) {
  TempDir dir;
  const std::string path = dir.path() + "/nope.conf";
  Result<Config> c = LoadConfig(path);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kIoError);
  EXPECT_EQ(c.status().message(),
            path + ": cannot read: No such file or directory");
}

TEST(LoadConfigTest, DirectoryIsNotARegularFile) {
  TempDir dir;
  Result<Config> c = LoadConfig(dir.path());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kIoError);
  EXPECT_EQ(c.status().message(),
            dir.path() + ": cannot read: not a regular file");
}

// The shipped example documents every key with its default: with every
// "#key = value" line uncommented it must parse to exactly the defaults.
std::string ReadExample() {
  // ctest sets LATCHKEY_SOURCE_DIR; run by hand, find the tree from this file.
  const char* src = std::getenv("LATCHKEY_SOURCE_DIR");
  const std::filesystem::path root = src != nullptr
                                         ? std::filesystem::path(src)
                                         : std::filesystem::path(__FILE__)
                                               .parent_path()
                                               .parent_path()
                                               .parent_path();
  const std::string path = (root / "conf" / "latchkey.conf.example").string();
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ExampleConfigTest, ParsesAsShipped) {
  TempDir dir;
  const std::string path = dir.WriteFile("latchkey.conf", ReadExample(), 0640);
  Result<Config> c = LoadConfig(path);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ExpectDefaults(*c);
}

TEST(ExampleConfigTest, EveryKeyUncommentedGivesTheDefaults) {
  const std::regex setting("^#([a-z0-9_]+) =(.*)$");
  std::istringstream in(ReadExample());
  std::string out;
  std::set<std::string> keys;  // "section.key"
  std::string section;
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("[")) section = line;
    std::smatch m;
    // hosts and tls show an example (their default is "unset"); socket
    // shows the default.
    if (std::regex_match(line, m, setting) && m[1] != "hosts" &&
        m[1] != "tls") {
      EXPECT_TRUE(keys.insert(section + m[1].str()).second)
          << "listed twice: " << line;
      line = line.substr(1);
    }
    out += line + "\n";
  }
  // Keys in config.h's structs, less [database] hosts and tls.
  EXPECT_EQ(keys.size(), 74u);
  const Config c = MustParse(out);
  ExpectDefaults(c);
}

// Secret files.

TEST(ReadSecretFileTest, ReadsAndStripsOneNewline) {
  TempDir dir;
  const std::string path = dir.WriteFile("pw", "s3cret\n\n", 0600);
  Result<Secret> raw = ReadSecretFile(path, false);
  ASSERT_TRUE(raw.ok()) << raw.status().ToString();
  EXPECT_EQ(raw->view(), "s3cret\n\n");
  Result<Secret> stripped = ReadSecretFile(path, true);
  ASSERT_TRUE(stripped.ok());
  EXPECT_EQ(stripped->view(), "s3cret\n");

  const std::string crlf = dir.WriteFile("crlf", "pw\r\n", 0400);
  EXPECT_EQ(ReadSecretFile(crlf, true)->view(), "pw");
  const std::string empty = dir.WriteFile("empty", "", 0600);
  EXPECT_TRUE(ReadSecretFile(empty, true)->empty());
}

TEST(ReadSecretFileTest, RefusesGroupOrOtherAccess) {
  TempDir dir;
  for (const int mode : {0640, 0620, 0604, 0602, 0610, 0644}) {
    const std::string path = dir.WriteFile("pw", "x", mode);
    ::chmod(path.c_str(), static_cast<mode_t>(mode));
    Result<Secret> s = ReadSecretFile(path, true);
    ASSERT_FALSE(s.ok()) << mode;
    EXPECT_EQ(s.status().code(), StatusCode::kPermissionDenied);
    char octal[8];
    std::snprintf(octal, sizeof octal, "%04o", mode);
    EXPECT_EQ(
        s.status().message(),
        path +
            ": refusing a secret file that group or others can access (mode " +
            octal + "): chmod go-rwx " + path);
  }
}

TEST(ReadSecretFileTest, MissingFileAndDirectory) {
  TempDir dir;
  Result<Secret> s = ReadSecretFile(dir.path() + "/none", true);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kIoError);
  EXPECT_EQ(s.status().message(),
            dir.path() + "/none: cannot read: No such file or directory");
  ::chmod(dir.path().c_str(), 0700);
  s = ReadSecretFile(dir.path(), true);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(),
            dir.path() + ": cannot read: not a regular file");
}

TEST(ReadSecretFileTest, RefusesHugeFile) {
  TempDir dir;
  const std::string path =
      dir.WriteFile("big", std::string(64 * 1024 + 1, 'a'), 0600);
  Result<Secret> s = ReadSecretFile(path, false);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(),
            path + ": larger than 64 KiB, not a secret file");
  const std::string ok = dir.WriteFile("ok", std::string(64 * 1024, 'a'), 0600);
  EXPECT_EQ(ReadSecretFile(ok, false)->size(), 64u * 1024);
}

std::string TestKey() {
  std::string key;
  for (int i = 0; i < 32; ++i)
    key += static_cast<char>(i * 7 + 10);  // includes '\n' (10)
  return key;
}

TEST(ReadSecretKeyTest, AcceptsRawHexAndBase64) {
  TempDir dir;
  const std::string key = TestKey();
  const std::string contents[] = {
      key,
      key + "\n",
      HexEncode(key),
      HexEncode(key) + "\n",
      HexEncode(key) + "\r\n",
      Base64Encode(key),
      Base64Encode(key) + "\n",
      Base64Encode(key, /*pad=*/false),
  };
  int i = 0;
  for (const std::string& content : contents) {
    SCOPED_TRACE(i);
    const std::string path =
        dir.WriteFile("key" + std::to_string(i++), content, 0600);
    Result<Secret> k = ReadSecretKey(path);
    ASSERT_TRUE(k.ok()) << k.status().ToString();
    EXPECT_EQ(k->view(), key);
  }
  // Upper-case hex too.
  std::string upper = HexEncode(key);
  for (char& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(ReadSecretKey(dir.WriteFile("upper", upper, 0600))->view(), key);
}

TEST(ReadSecretKeyTest, RejectsWrongLengthsAndJunk) {
  TempDir dir;
  const std::string key = TestKey();
  const std::string contents[] = {
      key.substr(0, 31),
      key + "x",
      key + "\n\n",
      HexEncode(key).substr(0, 62),
      HexEncode(key + "x"),
      HexEncode(key).substr(0, 63) + "g",
      Base64Encode(key.substr(0, 31)),
      Base64Encode(key + "xy"),
      std::string(44, '!'),
      "",
      "\n",
  };
  int i = 0;
  for (const std::string& content : contents) {
    SCOPED_TRACE(i);
    const std::string path =
        dir.WriteFile("key" + std::to_string(i++), content, 0600);
    Result<Secret> k = ReadSecretKey(path);
    ASSERT_FALSE(k.ok());
    EXPECT_EQ(k.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(k.status().message(), path +
                                        ": the secret key must be 32 bytes "
                                        "(raw, hex or base64); run latchkeyctl "
                                        "gen-key");
  }
}

TEST(ReadSecretKeyTest, ChecksTheModeFirst) {
  TempDir dir;
  const std::string path = dir.WriteFile("key", TestKey(), 0640);
  Result<Secret> k = ReadSecretKey(path);
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.status().code(), StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace latchkey
