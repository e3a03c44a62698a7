#!/usr/bin/env bash
# A private MariaDB server in a directory of its own, for tests and the demo.
# It never uses the system service, /var/lib/mysql or /etc/mysql: every
# program runs with --no-defaults and explicit paths.
#
# As a command:
#   mariadb-sandbox.sh start DIR         fresh server in DIR (a running sandbox
#                                        already in DIR is stopped and wiped)
#   mariadb-sandbox.sh stop DIR          stop the server, then rm -rf DIR
#   mariadb-sandbox.sh stop-server DIR   stop the server, keep DIR
#   mariadb-sandbox.sh start-server DIR  start it again, same port and socket
#   mariadb-sandbox.sh status DIR        exit 0 if the server is running
#   mariadb-sandbox.sh sql DIR [ARGS]    mariadb client as lk_admin on the
#                                        socket (SQL on stdin)
# Sourced, it defines lk_sandbox_start, lk_sandbox_stop, lk_sandbox_stop_server,
# lk_sandbox_start_server, lk_sandbox_status and lk_sandbox_sql (each runs
# this file as a command), and lk_sandbox_env DIR (sources DIR/sandbox.env).
#
# `start` leaves in DIR:
#   data/ tmp/ mail/{cur,new,tmp}  server data, its tmpdir, demo maildir
#   mysqld.sock mysqld.pid mysqld.log
#   secret.key      32 random bytes (0600)
#   db.password     app user `latchkey` password, no newline (0600)
#   admin.password  `lk_admin` password, no newline (0600)
#   admin.cnf       [client] options for lk_admin on the socket (0600)
#   latchkey.conf   a latchkey config for this sandbox (0600)
#   tls/            a test CA (ca.pem), the server's certificate for the
#                   name localhost only (server.pem, server.key; no IP in
#                   it, so 127.0.0.1 fails the name check), and a second,
#                   unrelated CA (other-ca.pem); the server offers TLS
#   sandbox.env     KEY=VALUE lines (shell-sourceable): LK_DB_DIR LK_DB_SOCKET
#                   LK_DB_HOST LK_DB_PORT LK_DB_PID (the server's PID, updated
#                   by start-server) LK_DB_PID_FILE LK_DB_ADMIN_USER
#                   LK_DB_ADMIN_PASSWORD_FILE LK_DB_NAME LK_DB_USER
#                   LK_DB_PASSWORD_FILE LK_CONFIG LK_SECRET_KEY
# Server settings: `start` reads LK_SANDBOX_SERVER_ARGS (extra mariadbd
# options separated by spaces, e.g. "--innodb-buffer-pool-size=4G", added
# after the small defaults, so they win) and keeps them in DIR/server.args,
# which `start-server` reads again. bench/scale sizes its server this way.
# The app user `latchkey` has all privileges on `latchkey`.* and on
# `lk\_test\_%`.* (tests create their own lk_test_* databases).

LK_SANDBOX_SCRIPT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"

lk_sandbox_start() { bash "$LK_SANDBOX_SCRIPT" start "$@"; }
lk_sandbox_stop() { bash "$LK_SANDBOX_SCRIPT" stop "$@"; }
lk_sandbox_stop_server() { bash "$LK_SANDBOX_SCRIPT" stop-server "$@"; }
lk_sandbox_start_server() { bash "$LK_SANDBOX_SCRIPT" start-server "$@"; }
lk_sandbox_status() { bash "$LK_SANDBOX_SCRIPT" status "$@"; }
lk_sandbox_sql() { bash "$LK_SANDBOX_SCRIPT" sql "$@"; }
# shellcheck disable=SC1091  # sandbox.env is written by `start`
lk_sandbox_env() { . "$1/sandbox.env"; }

if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
  return 0  # sourced: the functions above are the interface
fi

set -euo pipefail

readonly kMarker=".latchkey-sandbox"
readonly kStartTimeout=60
readonly kStopTimeout=30
LAUNCHED_PID=""    # server started by this run, stopped again if we fail
START_DONE=0

die() {
  printf 'mariadb-sandbox: error: %s\n' "$*" >&2
  exit 1
}
say() { printf 'mariadb-sandbox: %s\n' "$*"; }

usage() {
  sed -n '5,14p' "$LK_SANDBOX_SCRIPT" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

on_exit() {
  local rc=$?
  if [[ "$rc" -ne 0 && "$START_DONE" -eq 0 ]] && is_alive "$LAUNCHED_PID"; then
    printf 'mariadb-sandbox: stopping the server this run started (pid %s)\n' \
      "$LAUNCHED_PID" >&2
    kill -KILL "$LAUNCHED_PID" 2>/dev/null || true
  fi
}
trap on_exit EXIT

# Absolute path of DIR (it need not exist), refusing paths that belong to
# the system's MariaDB or are too short to be a sandbox.
abs_dir() {
  [[ -n "${1:-}" ]] || usage
  local dir
  dir="$(realpath -m -- "$1")"
  case "$dir" in
    / | /var/lib/mysql | /var/lib/mysql/* | /etc/mysql | /etc/mysql/* | /run/mysqld | /run/mysqld/*)
      die "refusing to use $dir: that belongs to the system's MariaDB" ;;
  esac
  [[ "$dir" == /*/* ]] || die "refusing to use $dir as a sandbox directory"
  printf '%s\n' "$dir"
}

need() {
  command -v "$1" >/dev/null 2>&1 ||
    die "$1 not found; install the Debian package $2 (scripts/lib/deps.sh does)"
}

# True if process PID exists and is not a zombie.
is_alive() {
  local pid="$1" stat
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  stat="$(cat 2>/dev/null -- "/proc/$pid/stat")" || return 1
  stat="${stat##*) }"
  [[ "${stat%% *}" != "Z" ]]
}

# True if PID is a live mariadbd serving DIR/data (never signal anything
# else: a stale pid file may name a reused PID).
is_our_server() {
  local pid="$1" dir="$2" cmdline
  is_alive "$pid" || return 1
  cmdline="$(tr 2>/dev/null '\0' '\n' <"/proc/$pid/cmdline")" || return 1
  [[ $'\n'"$cmdline"$'\n' == *$'\n'"--datadir=$dir/data"$'\n'* ]]
}

# Prints the PID of the server running in DIR, if any.
running_pid() {
  local dir="$1" pid candidates=()
  if [[ -f "$dir/mysqld.pid" ]]; then
    candidates+=("$(tr -dc '0-9' <"$dir/mysqld.pid")")
  fi
  if [[ -f "$dir/sandbox.env" ]]; then
    candidates+=("$(sed -n 's/^LK_DB_PID=\([0-9]*\)$/\1/p' "$dir/sandbox.env")")
  fi
  for pid in "${candidates[@]}"; do
    if is_our_server "$pid" "$dir"; then
      printf '%s\n' "$pid"
      return 0
    fi
  done
  return 1
}

# Stops the server running in DIR (TERM, then KILL after kStopTimeout).
kill_server() {
  local dir="$1" pid i
  pid="$(running_pid "$dir")" || { rm -f "$dir/mysqld.pid"; return 0; }
  say "stopping mariadbd (pid $pid) in $dir"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < kStopTimeout * 10; i++)); do
    is_our_server "$pid" "$dir" || break
    sleep 0.1
  done
  if is_our_server "$pid" "$dir"; then
    printf 'mariadb-sandbox: mariadbd (pid %s) ignored TERM for %ss; killing it\n' \
      "$pid" "$kStopTimeout" >&2
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      is_our_server "$pid" "$dir" || break
      sleep 0.1
    done
    ! is_our_server "$pid" "$dir" || die "could not stop mariadbd (pid $pid)"
  fi
  rm -f "$dir/mysqld.pid"
}

# A DIR we may wipe: one that `start` made (it holds the marker) or an
# empty one.
check_wipeable() {
  local dir="$1"
  [[ -e "$dir" ]] || return 0
  [[ -d "$dir" ]] || die "$dir exists and is not a directory"
  [[ -f "$dir/$kMarker" || -z "$(ls -A -- "$dir")" ]] ||
    die "$dir is not a sandbox (no $kMarker file); refusing to delete it"
}

free_port() {
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

random_password() {
  python3 -c 'import secrets; print(secrets.token_urlsafe(24), end="")'
}

show_log_tail() {
  local log="$1"
  if [[ -s "$log" ]]; then
    printf -- '--- last lines of %s ---\n' "$log" >&2
    tail -n 30 -- "$log" >&2
    printf -- '---\n' >&2
  fi
}

# Starts mariadbd for DIR on PORT in the background (own session, all
# output to the log) and waits until `mariadb CLIENT_ARGS... -e 'SELECT 1'`
# answers. Sets LAUNCHED_PID.
launch_and_wait() {
  local dir="$1" port="$2"
  shift 2
  local args=(--no-defaults --datadir="$dir/data" --socket="$dir/mysqld.sock"
    --port="$port" --bind-address=127.0.0.1 --pid-file="$dir/mysqld.pid"
    --log-error="$dir/mysqld.log" --tmpdir="$dir/tmp" --skip-name-resolve
    --innodb-buffer-pool-size=64M --innodb-log-file-size=16M
    --character-set-server=utf8mb4)
  if [[ -s "$dir/server.args" ]]; then
    local extra
    read -r -a extra <"$dir/server.args"
    args+=("${extra[@]}")
  fi
  if [[ "$(id -u)" -eq 0 ]]; then
    args+=(--user=root)
  fi
  if [[ -f "$dir/tls/server.pem" ]]; then
    args+=(--ssl-ca="$dir/tls/ca.pem" --ssl-cert="$dir/tls/server.pem"
      --ssl-key="$dir/tls/server.key")
  fi
  # setsid: the server must outlive this script and ctest's process group;
  # its stdio must not hold ctest's output pipes open.
  setsid mariadbd "${args[@]}" </dev/null >>"$dir/mysqld.log" 2>&1 &
  LAUNCHED_PID=$!
  local deadline=$((SECONDS + kStartTimeout))
  while :; do
    if ! is_alive "$LAUNCHED_PID"; then
      show_log_tail "$dir/mysqld.log"
      die "mariadbd exited during startup (port $port); see $dir/mysqld.log"
    fi
    if mariadb "$@" --connect-timeout=2 -e 'SELECT 1' >/dev/null 2>&1; then
      break
    fi
    if ((SECONDS >= deadline)); then
      show_log_tail "$dir/mysqld.log"
      die "mariadbd did not answer on $dir/mysqld.sock within ${kStartTimeout}s"
    fi
    sleep 0.2
  done
}

# A throw-away CA and a server certificate for `localhost` in DIR/tls, plus
# an unrelated CA, for the tests of verified TLS (db_tls_test).
make_tls() {
  local t="$1/tls"
  mkdir -p -- "$t"
  local ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
  openssl req -x509 "${ec[@]}" -days 30 -subj "/CN=latchkey sandbox CA" \
    -keyout "$t/ca.key" -out "$t/ca.pem" 2>/dev/null
  openssl req -x509 "${ec[@]}" -days 30 -subj "/CN=latchkey other CA" \
    -keyout "$t/other-ca.key" -out "$t/other-ca.pem" 2>/dev/null
  openssl req "${ec[@]}" -subj "/CN=localhost" \
    -keyout "$t/server.key" -out "$t/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n' >"$t/server.ext"
  openssl x509 -req -in "$t/server.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" \
    -CAcreateserial -days 30 -extfile "$t/server.ext" -out "$t/server.pem" 2>/dev/null
  chmod 0644 "$t/ca.pem" "$t/other-ca.pem" "$t/server.pem"
}

# Writes KEY=VALUE to FILE, quoting VALUE for the shell only if needed.
env_line() {
  if [[ "$2" =~ ^[A-Za-z0-9_./:@+=,-]*$ ]]; then
    printf '%s=%s\n' "$1" "$2"
  else
    printf '%s=%q\n' "$1" "$2"
  fi
}

write_env() {
  local dir="$1" port="$2" pid="$3"
  {
    env_line LK_DB_DIR "$dir"
    env_line LK_DB_SOCKET "$dir/mysqld.sock"
    env_line LK_DB_HOST 127.0.0.1
    env_line LK_DB_PORT "$port"
    env_line LK_DB_PID "$pid"
    env_line LK_DB_PID_FILE "$dir/mysqld.pid"
    env_line LK_DB_ADMIN_USER lk_admin
    env_line LK_DB_ADMIN_PASSWORD_FILE "$dir/admin.password"
    env_line LK_DB_NAME latchkey
    env_line LK_DB_USER latchkey
    env_line LK_DB_PASSWORD_FILE "$dir/db.password"
    env_line LK_CONFIG "$dir/latchkey.conf"
    env_line LK_SECRET_KEY "$dir/secret.key"
  } >"$dir/sandbox.env.tmp"
  mv -f -- "$dir/sandbox.env.tmp" "$dir/sandbox.env"
}

cmd_start() {
  local dir
  dir="$(abs_dir "${1:-}")"
  need mariadb-install-db mariadb-server-core
  need mariadbd mariadb-server-core
  need mariadb mariadb-client-core
  need python3 python3
  need setsid util-linux
  need openssl openssl
  # A unix socket path is at most 107 bytes.
  ((${#dir} + 12 <= 107)) || die "$dir is too long for a unix socket path; use a shorter DIR"

  check_wipeable "$dir"
  if [[ -e "$dir" ]]; then
    kill_server "$dir"
    rm -rf -- "$dir"
  fi
  umask 077
  mkdir -p -- "$dir"
  : >"$dir/$kMarker"
  mkdir -p -- "$dir/data" "$dir/tmp" "$dir/mail/cur" "$dir/mail/new" "$dir/mail/tmp"

  local install_args=(--no-defaults --datadir="$dir/data"
    --auth-root-authentication-method=socket --skip-test-db --skip-name-resolve
    --innodb-buffer-pool-size=64M --innodb-log-file-size=16M)
  if [[ "$(id -u)" -eq 0 ]]; then
    install_args+=(--user=root)
  fi
  if ! mariadb-install-db "${install_args[@]}" </dev/null >"$dir/install-db.log" 2>&1; then
    show_log_tail "$dir/install-db.log"
    die "mariadb-install-db failed; see $dir/install-db.log"
  fi

  make_tls "$dir" || die "making the sandbox's test certificates failed"
  printf '%s\n' "${LK_SANDBOX_SERVER_ARGS:-}" >"$dir/server.args"

  local port
  port="$(free_port)"
  # Right after install only the OS user running this has an account
  # (unix_socket authentication).
  local root_client=(--no-defaults --socket="$dir/mysqld.sock" --user="$(id -un)")
  launch_and_wait "$dir" "$port" "${root_client[@]}"

  local admin_pw db_pw
  admin_pw="$(random_password)"
  db_pw="$(random_password)"
  printf '%s' "$admin_pw" >"$dir/admin.password"
  printf '%s' "$db_pw" >"$dir/db.password"
  head -c 32 /dev/urandom >"$dir/secret.key"
  chmod 0600 "$dir/admin.password" "$dir/db.password" "$dir/secret.key"

  # The passwords are [A-Za-z0-9_-] (token_urlsafe), safe in a literal.
  mariadb "${root_client[@]}" <<SQL || die "creating the sandbox's users failed"
CREATE USER 'lk_admin'@'localhost' IDENTIFIED BY '$admin_pw';
CREATE USER 'lk_admin'@'127.0.0.1' IDENTIFIED BY '$admin_pw';
GRANT ALL PRIVILEGES ON *.* TO 'lk_admin'@'localhost' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'lk_admin'@'127.0.0.1' WITH GRANT OPTION;
CREATE DATABASE \`latchkey\` CHARACTER SET utf8mb4;
CREATE USER 'latchkey'@'localhost' IDENTIFIED BY '$db_pw';
CREATE USER 'latchkey'@'127.0.0.1' IDENTIFIED BY '$db_pw';
GRANT ALL PRIVILEGES ON \`latchkey\`.* TO 'latchkey'@'localhost';
GRANT ALL PRIVILEGES ON \`latchkey\`.* TO 'latchkey'@'127.0.0.1';
GRANT ALL PRIVILEGES ON \`lk\\_test\\_%\`.* TO 'latchkey'@'localhost';
GRANT ALL PRIVILEGES ON \`lk\\_test\\_%\`.* TO 'latchkey'@'127.0.0.1';
SQL

  cat >"$dir/admin.cnf" <<CNF
[client]
user = lk_admin
password = $admin_pw
socket = $dir/mysqld.sock
CNF
  cat >"$dir/latchkey.conf" <<CONF
# Written by scripts/lib/mariadb-sandbox.sh for the private server in
# $dir. Removed by: scripts/lib/mariadb-sandbox.sh stop $dir

[database]
socket = $dir/mysqld.sock
name = latchkey
user = latchkey
password_file = $dir/db.password

[security]
secret_key_file = $dir/secret.key

[mail]
transport = maildir:$dir/mail
CONF
  chmod 0600 "$dir/admin.cnf" "$dir/latchkey.conf"
  write_env "$dir" "$port" "$LAUNCHED_PID"

  # The app user must reach its database over the socket and over TCP.
  MYSQL_PWD="$db_pw" mariadb --no-defaults --socket="$dir/mysqld.sock" --user=latchkey \
    latchkey -e 'SELECT 1' >/dev/null || die "app user cannot log in over the socket"
  MYSQL_PWD="$db_pw" mariadb --no-defaults --protocol=tcp --host=127.0.0.1 --port="$port" \
    --user=latchkey latchkey -e 'SELECT 1' >/dev/null ||
    die "app user cannot log in over TCP 127.0.0.1:$port"

  START_DONE=1
  say "ready: $dir (pid $LAUNCHED_PID, socket $dir/mysqld.sock, 127.0.0.1:$port)"
}

cmd_stop() {
  local dir
  dir="$(abs_dir "${1:-}")"
  if [[ ! -e "$dir" ]]; then
    say "nothing to stop: $dir does not exist"
    return 0
  fi
  check_wipeable "$dir"
  kill_server "$dir"
  rm -rf -- "$dir"
  say "stopped and removed $dir"
}

cmd_stop_server() {
  local dir
  dir="$(abs_dir "${1:-}")"
  [[ -f "$dir/sandbox.env" ]] || die "$dir is not a sandbox (no sandbox.env)"
  kill_server "$dir"
  say "server stopped; data kept in $dir"
}

cmd_start_server() {
  local dir
  dir="$(abs_dir "${1:-}")"
  [[ -f "$dir/sandbox.env" && -f "$dir/admin.cnf" ]] ||
    die "$dir is not a sandbox (no sandbox.env); use: start $dir"
  local pid
  if pid="$(running_pid "$dir")"; then
    say "already running (pid $pid)"
    return 0
  fi
  local port
  port="$(sed -n 's/^LK_DB_PORT=\([0-9]*\)$/\1/p' "$dir/sandbox.env")"
  [[ -n "$port" ]] || die "no LK_DB_PORT in $dir/sandbox.env"
  launch_and_wait "$dir" "$port" --defaults-file="$dir/admin.cnf"
  write_env "$dir" "$port" "$LAUNCHED_PID"
  START_DONE=1
  say "server started again (pid $LAUNCHED_PID, 127.0.0.1:$port)"
}

cmd_status() {
  local dir pid
  dir="$(abs_dir "${1:-}")"
  if pid="$(running_pid "$dir")"; then
    say "running (pid $pid)"
  else
    say "not running: $dir"
    return 1
  fi
}

cmd_sql() {
  local dir
  dir="$(abs_dir "${1:-}")"
  shift
  [[ -f "$dir/admin.cnf" ]] || die "$dir is not a sandbox (no admin.cnf)"
  exec mariadb --defaults-file="$dir/admin.cnf" "$@"
}

main() {
  [[ $# -ge 2 ]] || usage
  local cmd="$1"
  shift
  case "$cmd" in
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    stop-server) cmd_stop_server "$@" ;;
    start-server) cmd_start_server "$@" ;;
    status) cmd_status "$@" ;;
    sql) cmd_sql "$@" ;;
    *) usage ;;
  esac
}

main "$@"
