"""The Python test harness every door shares: the ctest environment, the
MariaDB sandbox (a database of its own per test class), latchkeyctl, private
files and configs, loopback ports, processes stopped by PID, TOTP codes and
mail read from a maildir. Stdlib only.

Each door keeps only what is its own on top of this: tests/cli/lkctl.py
(assertions on latchkeyctl's output), tests/portal/portalharness.py (the
portal process and an HTTP client), tests/pam/pamharness.py (PAM stacks
under pam_wrapper) and tests/e2e/e2e.py (sshd, sudo and NSS in a private
mount namespace). tests/support/smtp_server.py, tests/browser/mail_link.py
and bench/portal use it too.

ctest puts tests/support on PYTHONPATH (LATCHKEY_TEST_ENV in
tests/CMakeLists.txt), so `import lkharness` works from every test.

Environment (set by ctest):
  LATCHKEY_SANDBOX  the sandbox directory; its sandbox.env (written by
                    scripts/lib/mariadb-sandbox.sh) names socket, users,
                    password files, config and secret key
  LATCHKEYCTL       the latchkeyctl binary

    box = Sandbox("cli")        # temp dir, database, key, latchkey.conf
    box.ctl("migrate")          # latchkeyctl --config box.config migrate
    box.query("SELECT ...")     # tab-separated rows, as text
    box.close()                 # drops the database, removes the temp dir
"""

import email
import email.policy
import itertools
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.parse

HOST = "127.0.0.1"

_databases = itertools.count(1)


# --- the environment ctest sets ---

def env_value(name):
    """$NAME; skips the test when it is unset (run outside ctest)."""
    value = os.environ.get(name)
    if not value:
        raise unittest.SkipTest(f"{name} is not set: run through ctest")
    return value


def read_sandbox_env(sandbox_dir):
    """The KEY=VALUE pairs of SANDBOX_DIR/sandbox.env, as a dict.

    One pair a line; a value with characters beyond [A-Za-z0-9_./:@+=,-] is
    quoted by bash's printf %q, which shlex undoes."""
    env = {}
    with open(os.path.join(sandbox_dir, "sandbox.env"), encoding="utf-8") as f:
        for line in f:
            key, sep, value = line.rstrip("\n").partition("=")
            if sep and key and not key.startswith("#"):
                words = shlex.split(value)
                env[key] = words[0] if words else ""
    return env


def sandbox_env():
    """The pairs of $LATCHKEY_SANDBOX/sandbox.env."""
    return read_sandbox_env(env_value("LATCHKEY_SANDBOX"))


# --- files and configs ---

def read_file(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def write_file(path, text, mode=0o600):
    """Writes `text` to `path` with `mode` (0600 by default: latchkey
    refuses configs and keys that others can read). A new file is never
    readable by others, not even for a moment."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, mode)


def copy_private(source, target):
    """A copy of `source` (a key) at `target`, mode 0600; returns target."""
    shutil.copyfile(source, target)
    os.chmod(target, 0o600)
    return target


def set_key(config_text, section, key, value):
    """config_text with `key = value` set in [section] (added if missing)."""
    out, in_section, done = [], False, False
    for line in config_text.splitlines():
        header = re.match(r"\s*\[(\w+)\]\s*$", line)
        if header:
            if in_section and not done:
                out.append(f"{key} = {value}")
                done = True
            in_section = header.group(1) == section
        elif in_section and re.match(rf"\s*{re.escape(key)}\s*=", line):
            if not done:
                out.append(f"{key} = {value}")
                done = True
            continue
        out.append(line)
    if not done:
        if not in_section:
            out.append(f"[{section}]")
        out.append(f"{key} = {value}")
    return "\n".join(out) + "\n"


def split_ini(text):
    """{section: its body text}, in order, for INI `text`."""
    sections, current = {}, None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            current = stripped[1:-1]
            sections[current] = ""
        elif current is not None:
            sections[current] += line + "\n"
    return sections


# --- the sandbox database ---

class Database:
    """A database lk_test_<door>_<pid>_<n> of its own in the shared sandbox,
    made by the app user; drop() removes it."""

    def __init__(self, door, env=None):
        self.env = env or sandbox_env()
        self.name = f"lk_test_{door}_{os.getpid()}_{next(_databases)}"
        self._password = read_file(self.env["LK_DB_PASSWORD_FILE"]).strip()
        self.sql(f"CREATE DATABASE `{self.name}` CHARACTER SET utf8mb4")

    def sql(self, statement, database=None):
        """Runs SQL as the app user over the socket, in `database` (none if
        None); returns stdout: tab-separated rows, no column names."""
        args = ["mariadb", "--no-defaults", "-S", self.env["LK_DB_SOCKET"],
                "-u", self.env["LK_DB_USER"], "-N", "-B"]
        if database:
            args.append(database)
        result = subprocess.run(args, input=statement, capture_output=True,
                                text=True, timeout=60,
                                env=dict(os.environ, MYSQL_PWD=self._password))
        if result.returncode != 0:
            raise RuntimeError(
                f"mariadb: {statement!r}: {result.stderr.strip()}")
        return result.stdout

    def query(self, statement):
        """sql() in this database."""
        return self.sql(statement, database=self.name)

    def drop(self):
        self.sql(f"DROP DATABASE IF EXISTS `{self.name}`")


# --- latchkeyctl ---

def latchkeyctl(args, stdin=None, timeout=60, env=None):
    """Runs $LATCHKEYCTL ARGS without LATCHKEY_CONFIG from our environment;
    returns the CompletedProcess (text mode). stdin is `stdin`, or empty."""
    full_env = dict(os.environ)
    full_env.pop("LATCHKEY_CONFIG", None)
    full_env.update(env or {})
    return subprocess.run(
        [env_value("LATCHKEYCTL")] + list(args),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )


class Sandbox:
    """A private temp dir, a Database of its own, a copy of the sandbox's
    secret key (key_file) and a config for them (config, config_text): the
    sandbox's latchkey.conf with our database, our key and cheap Argon2
    parameters. close() drops the database and removes the temp dir."""

    def __init__(self, door):
        self.env = sandbox_env()
        self.tmp = tempfile.mkdtemp(prefix=f"lk-{door}-")
        self.db = None
        try:
            self.db = Database(door, self.env)
            self.db_name = self.db.name
            self.key_file = copy_private(self.env["LK_SECRET_KEY"],
                                         os.path.join(self.tmp, "secret.key"))
            self.config = os.path.join(self.tmp, "latchkey.conf")
            self.write_config(self._config_text())
        except BaseException:
            self.close()
            raise

    def _config_text(self):
        text = read_file(self.env["LK_CONFIG"])
        text = set_key(text, "database", "name", self.db_name)
        text = set_key(text, "security", "secret_key_file", self.key_file)
        # Cheap hashes keep the tests fast; the scheme is the real one.
        text = set_key(text, "security", "argon2_memory_kib", "1024")
        text = set_key(text, "security", "argon2_time", "1")
        return text

    def write_config(self, text):
        """Makes `text` this sandbox's config (config_text, written to
        config with mode 0600)."""
        self.config_text = text
        write_file(self.config, text)

    def sql(self, statement, database=None):
        return self.db.sql(statement, database)

    def query(self, statement):
        return self.db.query(statement)

    def ctl(self, *args, stdin=None, timeout=60):
        """latchkeyctl --config CONFIG ARGS."""
        return latchkeyctl(["--config", self.config] + list(args),
                           stdin=stdin, timeout=timeout)

    def migrate(self):
        result = self.ctl("migrate", timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"migrate failed: {result.stderr}")

    def close(self):
        try:
            if self.db:
                self.db.drop()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)


# --- ports and processes ---

def free_port(host=HOST):
    """A TCP port on `host` that was free a moment ago (bound to 0, read,
    closed): nothing listens on it."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, timeout=15.0):
    """True once something accepts on 127.0.0.1:`port`; False when `proc`
    exits or `timeout` seconds pass first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        with socket.socket() as s:
            s.settimeout(0.5)
            try:
                s.connect((HOST, port))
                return True
            except OSError:
                time.sleep(0.1)
    return False


def stop_process(proc, timeout=10):
    """Stops a process we started, by its PID: SIGTERM, and SIGKILL when it
    has not exited within `timeout` seconds. Returns its exit status (None
    for no process)."""
    if proc is None:
        return None
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=timeout)
    return proc.returncode


# --- TOTP ---

def totp_code(secret, at=None, digits=6):
    """The TOTP code for a base32 `secret` now (or at Unix time `at`), from
    oathtool: an implementation other than ours."""
    args = ["oathtool", "--totp", "-b", "-d", str(digits)]
    if at is not None:
        args += ["--now", f"@{int(at)}"]
    args.append(secret.replace(" ", ""))
    return subprocess.run(args, capture_output=True, text=True, check=True,
                          timeout=30).stdout.strip()


# --- mail in a maildir ---

def read_maildir(directory):
    """The messages in DIRECTORY/new (email.message.EmailMessage), oldest
    first by their <ns>.<n> names (smtp_server.py's). Each has the attribute
    `path` (its file)."""
    new = os.path.join(directory, "new")
    try:
        names = sorted(os.listdir(new), key=_arrival_key)
    except FileNotFoundError:
        return []
    out = []
    for name in names:
        path = os.path.join(new, name)
        with open(path, "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.default)
        msg.path = path
        out.append(msg)
    return out


def _arrival_key(name):
    parts = name.split(".")
    try:
        return (int(parts[0]), int(parts[1]))
    except (IndexError, ValueError):
        return (0, 0)


def body_text(msg):
    """The decoded text of a text/plain message."""
    return msg.get_content()


_LINK = re.compile(r"https?://[^\s<>\"']+")


def links(msg):
    """Every http(s) URL in the decoded body, in order."""
    return _LINK.findall(body_text(msg))


def is_for(msg, address, subject=None):
    """Whether `msg` was sent to `address` (its X-Envelope-To, which
    smtp_server.py adds) and, if given, its Subject contains `subject`."""
    to = [a.strip().lower()
          for a in (msg.get("X-Envelope-To") or "").split(",")]
    if address.lower() not in to:
        return False
    return subject is None or subject.lower() in str(msg["Subject"]).lower()


def link_to(msg, base, path):
    """The first link in `msg` to `base` (scheme://host:port) and `path`,
    as "PATH?QUERY"; None if there is none."""
    for url in links(msg):
        parts = urllib.parse.urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" == base and parts.path == path:
            return f"{parts.path}?{parts.query}"
    return None
