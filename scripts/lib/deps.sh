# shellcheck shell=bash
# The Debian 12 packages latchkey needs to build, test and run its demo, and
# a function that installs the missing ones. Source after common.sh.
# Every package here must also be named in the README's install section.

LK_DEB_PACKAGES=(
  # Toolchain and build
  build-essential cmake pkg-config git ca-certificates python3
  # MariaDB: client library, plus a server and client for the private
  # sandboxes. The -core packages ship the binaries only: no system service
  # is installed or started.
  libmariadb-dev mariadb-server-core mariadb-client-core
  # Crypto and password hashing (OpenSSL, Argon2, crypt(3) for imports)
  libssl-dev libargon2-dev libcrypt-dev
  # Unicode NFC of passwords before hashing (ASVS 2.1)
  libicu-dev
  # Password quality checks and their dictionaries
  libpwquality-dev libpwquality-common cracklib-runtime
  # TOTP library, and oathtool to cross-check codes in tests
  liboath-dev oathtool
  # Portal: HTTP client (mail over SMTP), QR codes, HTTP server
  libcurl4-openssl-dev libqrencode-dev libmicrohttpd-dev
  # PAM module
  libpam0g-dev
  # JSON
  nlohmann-json3-dev
  # Tests and formatting; a real SMTP server for the mail tests
  libgtest-dev libgmock-dev clang-format python3-aiosmtpd
  # The openssl command: test CAs and certificates for TLS tests (the
  # directory service's, the portal's)
  openssl
  # PAM stack tests: pamtester under pam_wrapper (its own service dirs, never
  # /etc/pam.d), valgrind memcheck of the module, mkpasswd for
  # legacy crypt(3) hashes; pam_mysql only for bench/pam's comparison
  pamtester libpam-wrapper valgrind whois libpam-mysql
  # End-to-end tests: a real sshd (a copy with its own config, port and PAM
  # service; see lk_without_service_starts) and ssh client, sshpass and
  # pexpect to type passwords and codes, real sudo, and libnss-extrausers,
  # which serves what nss-sync writes (the tests show it to sshd and sudo in
  # a private mount namespace, never through the host's nsswitch.conf)
  openssh-server openssh-client sshpass python3-pexpect sudo
  libnss-extrausers
  # Browser test: Debian's Chromium, driven from node by playwright-core
  # (npm ci into the build directory: tests/browser/install.sh); wrk for
  # bench/portal
  chromium nodejs wrk
)
# Debian's npm, unless an npm is already there: a nodejs from elsewhere (such
# as NodeSource's) ships its own npm and conflicts with Debian's package.
if ! command -v npm >/dev/null 2>&1; then
  LK_DEB_PACKAGES+=(npm)
fi

# Prints the packages from "$@" that are not installed, one per line.
lk_missing_packages() {
  local pkg status
  for pkg in "$@"; do
    status="$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)"
    if [[ "$status" != "installed" ]]; then
      printf '%s\n' "$pkg"
    fi
  done
}

# lk_without_service_starts CMD...: runs CMD (an apt-get install) so that
# packages which ship a service do not start it: installing openssh-server
# would otherwise start the system sshd on port 22 (the tests run their own
# sshd). It puts a /usr/sbin/policy-rc.d that exits 101 ("action forbidden",
# which invoke-rc.d honours) in place for the duration, and removes it
# afterwards, but only if it created it: a container's own policy-rc.d
# stays as it was.
lk_without_service_starts() {
  local policy=/usr/sbin/policy-rc.d created=0 rc=0
  if [[ ! -e "$policy" ]]; then
    lk_as_root sh -c 'printf "%s\n" "#!/bin/sh" \
      "# latchkey scripts/lib/deps.sh: no service starts during apt-get install" \
      "exit 101" >"$1" && chmod 0755 "$1"' sh "$policy" || return
    created=1
  fi
  "$@" || rc=$?
  if [[ "$created" -eq 1 ]]; then
    lk_as_root rm -f "$policy" || rc=1
  fi
  return "$rc"
}

# lk_install_deps LOG: apt-get installs whatever in LK_DEB_PACKAGES is
# missing (apt-get update once first), with apt's output appended to LOG.
lk_install_deps() {
  local log="$1"
  command -v dpkg-query >/dev/null 2>&1 ||
    { printf 'error: dpkg-query not found: scripts/ expect Debian 12\n' >&2; return 1; }
  local missing=()
  mapfile -t missing < <(lk_missing_packages "${LK_DEB_PACKAGES[@]}")
  if [[ "${#missing[@]}" -eq 0 ]]; then
    lk_say "All ${#LK_DEB_PACKAGES[@]} Debian packages already installed"
    return 0
  fi
  lk_say "Installing ${#missing[@]} missing Debian packages: ${missing[*]} (log: $log)"
  lk_run_logged "$log" "apt-get update" \
    lk_as_root env DEBIAN_FRONTEND=noninteractive apt-get update || return
  lk_run_logged "$log" "apt-get install" lk_without_service_starts \
    lk_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y \
    --no-install-recommends "${missing[@]}" || return
  mapfile -t missing < <(lk_missing_packages "${LK_DEB_PACKAGES[@]}")
  if [[ "${#missing[@]}" -ne 0 ]]; then
    printf 'error: still missing after apt-get install: %s\n' "${missing[*]}" >&2
    return 1
  fi
}
