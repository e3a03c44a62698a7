// The pure validators of user_store.h: username, email, full name, role;
// and the reserved names.
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <span>
#include <string>

#include "base/passwd_files.h"
#include "base/utf8_seq.h"
#include "latchkey/store/user_store.h"

namespace latchkey {
namespace {

// The operating system's own accounts (IsSystemUsername). nss-sync skips
// them, so this list only ever grows with names no account can hold yet.
constexpr auto kSystemNames = std::to_array<std::string_view>({
    "root",     "daemon",     "bin",      "sys",     "sync",   "games",
    "man",      "lp",         "mail",     "news",    "uucp",   "proxy",
    "www-data", "backup",     "list",     "irc",     "nobody", "sshd",
    "_apt",     "messagebus", "latchkey", "systemd",
});
constexpr std::string_view kSystemPrefixes[] = {"systemd-"};

// Names that no new account may take (IsBuiltinReservedUsername), on top
// of kSystemNames: accounts that distributions, cloud images and common
// packages create on hosts (a database account of the name would claim
// them), and names people take for an administrator's or the system's.
// Accounts made before a name joined the list keep working; `latchkeyctl
// doctor` lists them. Sites add their own with [security]
// reserved_names_file.
// clang-format off
constexpr auto kReservedNames = std::to_array<std::string_view>({
    // Administrators and operators.
    "administrator", "adm", "operator", "sysadmin", "superuser", "su",
    "wheel", "staff", "sudo", "support", "helpdesk", "security", "abuse",
    "postmaster", "hostmaster", "webmaster", "noc",
    // Cloud-image and distribution default users.
    "ubuntu", "debian", "centos", "fedora", "rhel", "redhat", "rocky",
    "almalinux", "alma", "alpine", "arch", "opc", "cloud-user", "ec2-user",
    "azureuser", "gce", "core", "pi", "vagrant", "suse", "opensuse",
    "freebsd", "openbsd", "kali",
    // Deployment and CI.
    "deploy", "deployer", "ansible", "git", "gitlab", "gitlab-runner",
    "github", "svn",
    // Services and daemons.
    "postgres", "postgresql", "mysql", "mariadb", "redis", "mongodb",
    "memcache", "memcached", "rabbitmq", "elasticsearch", "kafka",
    "zookeeper", "nginx", "apache", "apache2", "httpd", "http", "www",
    "web", "lighttpd", "tomcat", "ftp", "ftpuser", "sftp", "tftp", "ntp",
    "chrony", "postfix", "exim", "dovecot", "smmsp", "bind", "named",
    "dnsmasq", "ldap", "openldap", "sssd", "polkitd", "dbus", "avahi",
    "avahi-autoipd", "rtkit", "colord", "geoclue", "pulse", "saned",
    "usbmux", "uuidd", "tcpdump", "tss", "halt", "shutdown", "rpc",
    "rpcuser", "statd", "nfsnobody", "nscd", "unbound", "haproxy",
    "squid", "docker", "dockremap", "containerd", "libvirt-qemu",
    "libvirt-dnsmasq", "qemu", "kvm", "lxd", "snap", "pollinate",
    "landscape", "fwupd-refresh", "gnats", "dhcpcd", "dhcp", "node",
    "nodejs", "prometheus", "grafana", "zabbix", "nagios", "munin",
    "influxdb", "consul", "vault", "nomad", "jenkins-agent",
    // Tests and guests.
    "test", "tester", "testuser", "guest", "anonymous", "nogroup",
});
// clang-format on
// Every name that starts with one of these (and the prefixes of
// kSystemPrefixes). '_' is the prefix Debian and the BSDs give new system
// users (_apt, _chrony, _rpc).
constexpr std::string_view kReservedPrefixes[] = {"admin", "_"};

bool InList(std::string_view name, std::span<const std::string_view> names,
            std::span<const std::string_view> prefixes) {
  if (std::find(names.begin(), names.end(), name) != names.end()) return true;
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](std::string_view p) { return name.starts_with(p); });
}

bool IsLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// The file itself, not getpwnam: NSS sources such as the extrausers files
// that nss-sync writes must not count. An unreadable file counts as empty.
bool InPasswdFile(const std::string& path, std::string_view name) {
  const Result<bool> found = nss_internal::PasswdFileHasUser(path, name);
  return found.ok() && *found;
}

bool ValidLocalChar(char c) {
  static constexpr std::string_view kSpecials = "!#$%&'*+/=?^_`{|}~-";
  return IsLowerAlnum(c) || kSpecials.find(c) != std::string_view::npos;
}

bool ValidDomainLabel(std::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  for (size_t i = 0; i < label.size();) {
    const char c = label[i];
    if (IsLowerAlnum(c) || c == '-') {
      ++i;
      continue;
    }
    uint32_t cp = 0;
    const size_t len = internal::Utf8SequenceAt(label, i, &cp);
    if (len < 2 || internal::IsControl(cp)) return false;
    i += len;
  }
  return true;
}

}  // namespace

bool IsSystemUsername(std::string_view name) {
  return InList(name, kSystemNames, kSystemPrefixes);
}

bool IsBuiltinReservedUsername(std::string_view name) {
  return IsSystemUsername(name) ||
         InList(name, kReservedNames, kReservedPrefixes);
}

Result<std::set<std::string>> ReadReservedNames(const std::string& path) {
  std::set<std::string> names;
  if (path.empty()) return names;
  std::ifstream in(path);
  if (!in) {
    return IoError(path + ": cannot read: " + std::strerror(errno));
  }
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string_view name(line);
    name = name.substr(0, name.find('#'));
    constexpr std::string_view kBlank = " \t\r";
    const size_t first = name.find_first_not_of(kBlank);
    if (first == std::string_view::npos) continue;
    name = name.substr(first, name.find_last_not_of(kBlank) - first + 1);
    if (Status s = CheckUsernameForm(name); !s.ok()) {
      return InvalidArgument(path + ":" + std::to_string(number) + ": " +
                             s.message());
    }
    names.emplace(name);
  }
  if (in.bad()) {
    return IoError(path + ": cannot read: " + std::strerror(errno));
  }
  return names;
}

Status CheckUsernameForm(std::string_view name) {
  if (name.empty()) return InvalidArgument("the username is empty");
  if (name.size() > kMaxUsernameBytes) {
    return InvalidArgument("the username must be at most 32 characters long");
  }
  if (!(name[0] == '_' || (name[0] >= 'a' && name[0] <= 'z'))) {
    return InvalidArgument(
        "the username must start with a lower-case letter or '_'");
  }
  for (char c : name) {
    if (!(IsLowerAlnum(c) || c == '_' || c == '-')) {
      return InvalidArgument(
          "the username may only contain lower-case letters, digits, '_' "
          "and '-'");
    }
  }
  return Status::Ok();
}

Status ValidateUsername(std::string_view name, const std::string& passwd_file,
                        const std::string& reserved_names_file) {
  LK_RETURN_IF_ERROR(CheckUsernameForm(name));
  LK_ASSIGN_OR_RETURN(const std::set<std::string> listed,
                      ReadReservedNames(reserved_names_file));
  if (IsBuiltinReservedUsername(name) || listed.contains(std::string(name)) ||
      InPasswdFile(passwd_file, name)) {
    return InvalidArgument("the username '" + std::string(name) +
                           "' is reserved for a system account");
  }
  return Status::Ok();
}

Result<std::string> NormalizeEmail(std::string_view email) {
  const Status bad = InvalidArgument("not a valid email address");
  constexpr std::string_view kSpace = " \t\r\n";
  const size_t first = email.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return bad;
  email = email.substr(first, email.find_last_not_of(kSpace) - first + 1);
  if (email.size() > 254) return bad;
  std::string out(email);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  const size_t at = out.find('@');
  if (at == std::string::npos || out.find('@', at + 1) != std::string::npos) {
    return bad;
  }
  const std::string_view local = std::string_view(out).substr(0, at);
  const std::string_view domain = std::string_view(out).substr(at + 1);
  if (local.empty() || local.size() > 64) return bad;
  if (local.front() == '.' || local.back() == '.' ||
      local.find("..") != std::string_view::npos) {
    return bad;
  }
  for (char c : local) {
    if (!(ValidLocalChar(c) || c == '.')) return bad;
  }
  if (domain.empty() || domain.size() > 253) return bad;
  size_t labels = 0;
  size_t start = 0;
  while (true) {
    const size_t dot = domain.find('.', start);
    const std::string_view label = domain.substr(
        start,
        dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (!ValidDomainLabel(label)) return bad;
    ++labels;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (labels < 2) return bad;
  return out;
}

Status ValidateFullName(std::string_view name) {
  size_t count = 0;
  for (size_t i = 0; i < name.size();) {
    uint32_t cp = 0;
    const size_t len = internal::Utf8SequenceAt(name, i, &cp);
    if (len == 0) return InvalidArgument("the full name is not valid UTF-8");
    if (internal::IsControl(cp)) {
      return InvalidArgument("the full name contains a control character");
    }
    i += len;
    ++count;
  }
  if (count > 200) {
    return InvalidArgument("the full name must be at most 200 characters long");
  }
  return Status::Ok();
}

Status ValidateRoleName(std::string_view name) {
  bool ok =
      !name.empty() && name.size() <= 64 && name[0] >= 'a' && name[0] <= 'z';
  for (char c : name) ok = ok && (IsLowerAlnum(c) || c == '_' || c == '-');
  if (!ok) {
    return InvalidArgument(
        "a role name must start with a lower-case letter and hold at most 64 "
        "lower-case letters, digits, '_' or '-'");
  }
  return Status::Ok();
}

}  // namespace latchkey
