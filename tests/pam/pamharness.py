"""Helpers for the PAM stack tests: a throw-away database in the shared
MariaDB sandbox, a latchkey.conf for it, PAM service files in a temp dir, and
pamtester run under pam_wrapper so that the machine's /etc/pam.d is never
read or touched.

The sandbox database, latchkeyctl and files come from the shared harness
(tests/support/lkharness.py); this file holds what is PAM's own.

Environment (set by tests/CMakeLists.txt through ctest):
  LATCHKEY_SANDBOX   the sandbox dir (its sandbox.env names socket, users...)
  LATCHKEYCTL        the latchkeyctl binary
  PAM_LATCHKEY_SO    the module under test
"""
import contextlib
import os
import re
import secrets
import selectors
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import lkharness

PAM_WRAPPER_LIB = "libpam_wrapper.so"

# pam_strerror() texts, which pamtester prints after "pamtester: ".
PAM_TEXT = {
    "PAM_SUCCESS": "Success",
    "PAM_AUTH_ERR": "Authentication failure",
    "PAM_USER_UNKNOWN": "User not known to the underlying authentication module",
    "PAM_MAXTRIES": "Have exhausted maximum number of retries for service",
    "PAM_AUTHINFO_UNAVAIL":
        "Authentication service cannot retrieve authentication info",
    "PAM_ACCT_EXPIRED": "User account has expired",
    "PAM_PERM_DENIED": "Permission denied",
    "PAM_NEW_AUTHTOK_REQD":
        "Authentication token is no longer valid; new one required",
    "PAM_AUTHTOK_ERR": "Authentication token manipulation error",
    "PAM_AUTHTOK_RECOVERY_ERR": "Authentication information cannot be recovered",
    "PAM_TRY_AGAIN": "Failed preliminary check by password service",
    "PAM_SERVICE_ERR": "Error in service module",
}
# pamtester's success lines, per operation.
PAMTESTER_OK = {
    "authenticate": "successfully authenticated",
    "acct_mgmt": "account management done.",
    "open_session": "successfully opened a session",
    "close_session": "session has successfully been closed.",
    "chauthtok": "authentication token altered successfully.",
    "setcred": "credentials has successfully been established",
}

ENV_REQUIRED = ("LATCHKEY_SANDBOX", "LATCHKEYCTL", "PAM_LATCHKEY_SO")


def require_env():
    missing = [k for k in ENV_REQUIRED if not os.environ.get(k)]
    if missing:
        raise RuntimeError(
            "missing environment %s: run through ctest (tests/pam)" % missing)


def module_path():
    return os.environ["PAM_LATCHKEY_SO"]


class PamResult:
    """What one pamtester run did."""

    def __init__(self, returncode, stdout, stderr, prompts, elapsed):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.prompts = prompts
        self.elapsed = elapsed

    @property
    def ok(self):
        return self.returncode == 0

    def failed_with(self, code):
        """True if pamtester stopped with the PAM code named `code`."""
        return (self.returncode != 0 and
                ("pamtester: " + PAM_TEXT[code]) in self.stderr)

    def __repr__(self):
        return "PamResult(rc=%d, prompts=%r, stdout=%r, stderr=%r)" % (
            self.returncode, self.prompts, self.stdout, self.stderr)


# A prompt is the unfinished last line of stderr ending in ": " (misc_conv
# writes prompts without a newline; pam_wrapper's log lines end in one).
_PROMPT_RE = re.compile(rb"([^\n]*: )\Z")


def run_pamtester(service_dir, service, user, operations, answers=(),
                  items=None, timeout=60, extra_env=None, wrapper=None):
    """Runs `pamtester service user op...` under pam_wrapper with service
    files from `service_dir`. Each prompt gets the next of `answers`; when
    they run out, stdin is closed (the conversation then fails). misc_conv
    reads a whole pipe chunk as one answer, so answers are written one at a
    time, each only once its prompt has appeared.

    `wrapper`, if given, is a list prepended to the command (valgrind)."""
    cmd = list(wrapper or []) + ["pamtester"]
    for key, value in (items or {}).items():
        cmd += ["-I", "%s=%s" % (key, value)]
    cmd += [service, user] + list(operations)
    env = dict(os.environ)
    env.update({
        "LD_PRELOAD": PAM_WRAPPER_LIB,
        "PAM_WRAPPER": "1",
        "PAM_WRAPPER_SERVICE_DIR": service_dir,
        "LC_ALL": "C",
    })
    env.update(extra_env or {})
    answers = list(answers)
    prompts = []
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ, "out")
    sel.register(proc.stderr, selectors.EVENT_READ, "err")
    out, err = b"", b""
    answered_upto = 0  # stderr offset of the last prompt answered
    open_streams = 2
    deadline = start + timeout
    try:
        while open_streams:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                proc.kill()
                raise TimeoutError("pamtester did not finish in %ss: %r" %
                                   (timeout, err.decode(errors="replace")))
            events = sel.select(timeout=min(remaining, 0.05))
            for key, _ in events:
                data = os.read(key.fileobj.fileno(), 65536)
                if not data:
                    sel.unregister(key.fileobj)
                    open_streams -= 1
                elif key.data == "out":
                    out += data
                else:
                    err += data
            if events:
                continue  # answer only once the output has paused
            m = _PROMPT_RE.search(err, answered_upto)
            if m and proc.stdin and not proc.stdin.closed:
                prompts.append(m.group(1).decode(errors="replace"))
                answered_upto = len(err)
                try:
                    if answers:
                        proc.stdin.write(answers.pop(0).encode() + b"\n")
                        proc.stdin.flush()
                    else:
                        proc.stdin.close()
                except BrokenPipeError:
                    pass
        proc.wait(timeout=max(1, deadline - time.monotonic()))
    finally:
        sel.close()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream and not stream.closed:
                try:
                    stream.close()
                except BrokenPipeError:
                    pass
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return PamResult(proc.returncode, out.decode(errors="replace"),
                     err.decode(errors="replace"), prompts,
                     time.monotonic() - start)


class ServiceDir:
    """A directory of PAM service files for pam_wrapper."""

    def __init__(self, parent):
        self.path = os.path.join(parent, "pam.d")
        os.makedirs(self.path, exist_ok=True)
        # Without "other" libpam logs a complaint on every start.
        self.write("other", ["auth required pam_deny.so",
                             "account required pam_deny.so",
                             "password required pam_deny.so",
                             "session required pam_deny.so"])

    def write(self, name, lines):
        with open(os.path.join(self.path, name), "w") as f:
            f.write("\n".join(lines) + "\n")
        return name


class LatchkeyDatabase:
    """A database lk_test_pam_<pid>_<n> in the shared sandbox
    (lkharness.Database), migrated with latchkeyctl, dropped by close(),
    and configs for it in `workdir`."""

    def __init__(self, workdir, config_extra=""):
        require_env()
        self.sb = lkharness.sandbox_env()
        self.workdir = workdir
        self.db = lkharness.Database("pam", self.sb)
        self.name = self.db.name
        try:
            self.config = self.write_config("latchkey.conf", config_extra)
            self.ctl("migrate")
        except BaseException:
            self.close()
            raise

    def close(self):
        self.db.drop()

    # --- configuration ---

    def config_text(self, extra="", database=None):
        """A latchkey.conf for this database with cheap Argon2 parameters.
        `extra` is INI text whose sections replace ours of the same name;
        `database`, if given, replaces the whole [database] section."""
        sections = {
            "database": database or (
                "socket = %s\nname = %s\nuser = %s\npassword_file = %s\n"
                "connect_timeout = 2s\n" % (
                    self.sb["LK_DB_SOCKET"], self.name, self.sb["LK_DB_USER"],
                    self.sb["LK_DB_PASSWORD_FILE"])),
            "security": (
                "secret_key_file = %s\nargon2_memory_kib = 1024\n"
                "argon2_time = 1\nmin_password_length = 8\n" %
                self.sb["LK_SECRET_KEY"]),
            "portal": "require_email_verification = off\n",
            "mail": "transport = maildir:%s\n" % os.path.join(
                self.workdir, "mail"),
        }
        for name, body in lkharness.split_ini(extra).items():
            sections[name] = body
        return "".join("[%s]\n%s\n" % (k, v) for k, v in sections.items())

    def write_config(self, filename, extra="", database=None):
        path = os.path.join(self.workdir, filename)
        lkharness.write_file(path, self.config_text(extra, database))
        return path

    # --- tools ---

    def sql(self, statement, database=""):
        """Runs SQL as the app user in `database` (this one if "", none if
        None); returns the rows as lists of strings."""
        if database is not None:
            database = database or self.name
        return [line.split("\t") for line in
                self.db.sql(statement, database).splitlines()]

    def ctl(self, *args, stdin=None, config=None, check=True):
        res = lkharness.latchkeyctl(
            ["--config", config or self.config] + list(args), stdin=stdin,
            timeout=120)
        if check and res.returncode != 0:
            raise RuntimeError("latchkeyctl %s failed (%d): %s%s" % (
                " ".join(args), res.returncode, res.stdout, res.stderr))
        return res

    def add_user(self, name, password, *flags):
        self.ctl("user", "add", name, "--email", "%s@example.org" % name,
                 "--password-stdin", *flags, stdin=password + "\n")

    def user_row(self, name, columns):
        rows = self.sql("SELECT %s FROM users WHERE username = '%s'" %
                        (columns, _sql_name(name)))
        return rows[0] if rows else None

    def events(self, name, event=None):
        """The auth_events rows of `name` as dicts, oldest first."""
        where = "username_tried = '%s'" % _sql_name(name)
        if event:
            where += " AND event = '%s'" % _sql_name(event)
        rows = self.sql(
            "SELECT event, service, rhost, tty, outcome, detail FROM "
            "auth_events WHERE %s ORDER BY id" % where)
        keys = ("event", "service", "rhost", "tty", "outcome", "detail")
        return [dict(zip(keys, row + [""] * (len(keys) - len(row))))
                for row in rows]


def _sql_name(name):
    # Test-chosen names only; refuse anything that would need quoting.
    if not re.fullmatch(r"[A-Za-z0-9_.@-]+", name):
        raise ValueError("unsafe name for test SQL: %r" % name)
    return name


def unique_name(prefix):
    return "%s%s" % (prefix, secrets.token_hex(3))


@contextlib.contextmanager
def local_unix_user(password, prefix="lkpam"):
    """A temporary local account with `password` (hashed by chpasswd with
    the system default, yescrypt on Debian 12); removed with userdel -r."""
    _need_root()
    name = unique_name(prefix)
    subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh", name],
                   check=True, capture_output=True)
    try:
        subprocess.run(["chpasswd"], input="%s:%s\n" % (name, password),
                       text=True, check=True, capture_output=True)
        yield name
    finally:
        subprocess.run(["userdel", "-r", name], capture_output=True)


def _need_root():
    import unittest
    if os.geteuid() != 0:
        raise unittest.SkipTest("needs root to add a local Unix user")


class TempDir:
    def __init__(self, prefix="lkpam-"):
        self.path = tempfile.mkdtemp(prefix=prefix)

    def cleanup(self):
        shutil.rmtree(self.path, ignore_errors=True)


class LoopbackServer:
    """Accepts TCP connections on 127.0.0.1 (a free port, `port`) in a
    thread of its own and hands each to handle(conn), which keeps it or
    closes it. close() stops accepting and closes what handle() kept in
    `conns`."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self._stop = threading.Event()
        self._accept_thread = threading.Thread(target=self._accept,
                                               daemon=True)
        self._accept_thread.start()

    def _accept(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.handle(conn)

    def handle(self, conn):
        self.conns.append(conn)

    def close(self):
        self._stop.set()
        self._accept_thread.join()
        for c in self.conns:
            c.close()
        self.sock.close()


class CountingProxy(LoopbackServer):
    """A TCP forwarder on 127.0.0.1 to (host, port) that counts the
    connections made through it."""

    def __init__(self, host, port):
        self.target = (host, int(port))
        self.connections = 0
        super().__init__()

    def handle(self, client):
        self.connections += 1
        upstream = socket.create_connection(self.target)
        self.conns += [client, upstream]
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pipe, args=(a, b),
                             daemon=True).start()

    @staticmethod
    def _pipe(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


@contextlib.contextmanager
def unix_twin(name, uid):
    """A passwd entry (no home, locked password, `uid`) for a database user,
    as `latchkeyctl nss-sync` would give one through libnss-extrausers:
    pam_unix's account and session steps need the name to resolve. It lands
    in /etc/passwd, which pam_latchkey treats as a local account unless the
    config's [nss] local_passwd_file names a copy taken before (see
    ExamplesTest); the database account must hold `uid` (users.uid)."""
    _need_root()
    subprocess.run(["useradd", "--no-create-home", "--shell",
                    "/usr/sbin/nologin", "--uid", str(uid), name], check=True,
                   capture_output=True)
    try:
        yield name
    finally:
        subprocess.run(["userdel", name], capture_output=True)
