"""Test harness for latchkey-portal: a database of its own in the ctest
MariaDB sandbox, a config, users made with latchkeyctl, the real portal
binary started on a free loopback port, and a small cookie-keeping HTTP
client (stdlib only: http.client).

The sandbox database, latchkeyctl, ports, processes and mail reading come
from the shared harness (tests/support/lkharness.py); this file holds only
what is the portal's.

Environment (set by ctest): LATCHKEY_PORTAL (the portal binary),
LATCHKEYCTL, LATCHKEY_SANDBOX (directory with sandbox.env).

    portal = Portal(session_idle="2s")     # starts it
    portal.add_user("alice", "alice@example.org", "a long passphrase 1")
    b = portal.browser()
    r = b.login("alice", "a long passphrase 1")
    portal.close()                         # stops it by PID, drops the db

Mail: by default the portal delivers into a maildir under its temp dir.
SmtpPortalTestCase starts a real SMTP server (tests/support/smtp_server.py,
python3-aiosmtpd) on a free loopback port per test class and points
[mail] transport at it:

    msg = self.wait_for_mail("bob@example.org", subject="Confirm")
    url = self.mail_link(msg, "/activate")   # "/activate?token=..."
"""

import http.client
import itertools
import json
import os
import pwd
import re
import shutil
import ssl
import subprocess
import tempfile
import time
import unittest
import urllib.parse

import lkharness
import smtp_server

SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
}


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # list of (lower-case name, value)
        self.body = body        # bytes

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k == name:
                return v
        return None

    def all(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k == name]

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)

    def csrf(self):
        """The hidden csrf field of the first form on the page."""
        m = re.search(r'name="csrf" value="([^"]*)"', self.text)
        return m.group(1) if m else None

    def __repr__(self):
        return f"<Response {self.status} {self.text[:200]!r}>"


def parse_set_cookie(value):
    """(name, value, {attr-lower: value-or-True})."""
    parts = [p.strip() for p in value.split(";")]
    name, _, val = parts[0].partition("=")
    attrs = {}
    for p in parts[1:]:
        k, sep, v = p.partition("=")
        attrs[k.lower()] = v if sep else True
    return name, val, attrs


class Browser:
    """Keeps cookies like a browser would (one host, Path=/)."""

    def __init__(self, portal, headers=None):
        self.portal = portal
        self.cookies = {}
        self.default_headers = dict(headers or {})

    def request(self, method, path, body=None, headers=None, timeout=30):
        all_headers = dict(self.default_headers)
        if self.cookies:
            all_headers["Cookie"] = "; ".join(
                f"{k}={v}" for k, v in self.cookies.items())
        all_headers.update(headers or {})
        r = self.portal.raw(method, path, body, all_headers, timeout=timeout)
        for value in r.all("set-cookie"):
            name, val, attrs = parse_set_cookie(value)
            if attrs.get("max-age") == "0" or val == "":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = val
        return r

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post_form(self, path, fields, headers=None):
        body = urllib.parse.urlencode(fields).encode()
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        h.update(headers or {})
        return self.request("POST", path, body, h)

    def post_json(self, path, value, csrf=None, headers=None):
        h = {"Content-Type": "application/json"}
        if csrf is not None:
            h["X-CSRF-Token"] = csrf
        h.update(headers or {})
        return self.request("POST", path, json.dumps(value).encode(), h)

    def csrf_for(self, path="/login"):
        return self.get(path).csrf()

    def login(self, login, password):
        token = self.csrf_for("/login")
        return self.post_form("/login", {"csrf": token, "login": login,
                                         "password": password})


class Portal:
    """A running latchkey-portal over a fresh database."""

    def __init__(self, session_idle=None, trusted_proxies="127.0.0.1",
                 argon2_memory_kib=1024, lockout_max_failures=None,
                 start=True, portal_user="nobody", db_port=None, tls=False,
                 wait_ready=True, migrate=True, mail_transport=None,
                 require_email_verification=False, registration=None,
                 session_cache_ttl=None, base_url=None, portal_extra=()):
        self.binary = lkharness.env_value("LATCHKEY_PORTAL")
        self.process = None
        # A temp dir, a database and a key of our own; the config is ours.
        self.box = lkharness.Sandbox("portal")
        self.env = self.box.env
        self.tmp = self.box.tmp
        self.db_name = self.box.db_name
        self.key_file = self.box.key_file
        self.config = self.box.config
        os.chmod(self.tmp, 0o755)
        self.port = lkharness.free_port()
        self.tls = tls
        self.base = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        # [portal] base_url: the address users see (a TLS proxy's), if not
        # the portal's own.
        self.base_url = base_url or self.base
        self.portal_extra = list(portal_extra)  # more [portal] lines
        self.portal_user = portal_user
        self.db_port = db_port or self.env["LK_DB_PORT"]
        self.wait_ready = wait_ready
        self.mail_transport = mail_transport
        self.require_email_verification = require_email_verification
        self.registration = registration
        self.session_cache_ttl = session_cache_ttl
        self.log_path = os.path.join(self.tmp, "portal.log")
        try:
            self._make_maildir()
            # The portal's own key ([portal] secret_key_file), which keys
            # its MACs; PAM hosts only ever get the [security] one.
            self.portal_key_file = os.path.join(self.tmp, "portal.key")
            lkharness.write_file(self.portal_key_file, os.urandom(32).hex())
            if tls:
                self._make_certificate()
            self.box.write_config(self._config_text(
                session_idle, trusted_proxies, argon2_memory_kib,
                lockout_max_failures))
            if migrate:
                self.box.migrate()
            if start:
                self.start()
        except BaseException:
            self.close()
            raise

    def _config_text(self, session_idle, trusted_proxies, memory,
                     max_failures):
        # TCP, not the socket: the portal drops root to `nobody`, who cannot
        # enter the sandbox directory; files are read before the drop.
        lines = [
            "[database]",
            f"hosts = {self.env['LK_DB_HOST']}:{self.db_port}",
            f"name = {self.db_name}",
            f"user = {self.env['LK_DB_USER']}",
            f"password_file = {self.env['LK_DB_PASSWORD_FILE']}",
            "connect_timeout = 2s",
            "tls = off",
            "",
            "[security]",
            f"secret_key_file = {self.key_file}",
            f"argon2_memory_kib = {memory}",
            "argon2_time = 1",
            "",
        ]
        if max_failures is not None:
            lines += ["[lockout]", f"max_failures = {max_failures}", ""]
        if session_idle is not None or self.session_cache_ttl is not None:
            lines.append("[session]")
            if session_idle is not None:
                lines.append(f"idle_timeout = {session_idle}")
            if self.session_cache_ttl is not None:
                lines.append(f"cache_ttl = {self.session_cache_ttl}")
            lines.append("")
        lines += [
            "[mail]",
            "transport = " + (self.mail_transport or f"maildir:{self.tmp}/mail"),
            "",
            "[portal]",
            f"listen = 127.0.0.1:{self.port}",
            f"base_url = {self.base_url}",
            f"trusted_proxies = {trusted_proxies}",
            "require_email_verification = "
            f"{'on' if self.require_email_verification else 'off'}",
            f"user = {self.portal_user}",
            f"secret_key_file = {self.portal_key_file}",
        ]
        if self.registration is not None:
            lines.append(f"registration = {self.registration}")
        lines += self.portal_extra
        if self.tls:
            lines += [f"tls_cert = {self.tmp}/cert.pem",
                      f"tls_key = {self.tmp}/key.pem"]
        return "\n".join(lines) + "\n"

    def _make_maildir(self):
        """The default transport's maildir, writable by the portal user (the
        mail worker delivers after the privilege drop)."""
        path = os.path.join(self.tmp, "mail")
        os.mkdir(path, 0o700)
        if os.geteuid() == 0 and self.portal_user:
            try:
                entry = pwd.getpwnam(self.portal_user)
            except KeyError:
                return
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def mail_files(self):
        """The files the maildir transport delivered (default transport)."""
        try:
            return sorted(os.listdir(os.path.join(self.tmp, "mail", "new")))
        except OSError:
            return []

    def _make_certificate(self):
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
             "-subj", "/CN=127.0.0.1", "-keyout", f"{self.tmp}/key.pem",
             "-out", f"{self.tmp}/cert.pem"],
            check=True, capture_output=True, timeout=60)
        os.chmod(f"{self.tmp}/key.pem", 0o600)

    # --- database and CLI ---

    def sql(self, statement, database=None):
        return self.box.sql(statement, database)

    def query(self, statement):
        return self.box.query(statement)

    def ctl(self, *args, stdin=None):
        return self.box.ctl(*args, stdin=stdin, timeout=120)

    def add_user(self, name, email, password, full_name=None):
        args = ["user", "add", name, "--email", email, "--password-stdin"]
        if full_name is not None:
            args += ["--full-name", full_name]
        r = self.ctl(*args, stdin=password + "\n")
        if r.returncode != 0:
            raise RuntimeError(f"user add {name}: {r.stderr}")

    def enable_totp(self, name):
        """Returns (base32 secret, [recovery codes])."""
        r = self.ctl("--json", "user", "totp-enable", name)
        if r.returncode != 0:
            raise RuntimeError(f"totp-enable {name}: {r.stderr}")
        out = json.loads(r.stdout)
        return out["secret"], out["recovery_codes"]

    # --- the process ---

    def start(self):
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [self.binary, "--config", self.config],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()
        if not self.wait_ready:
            return
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"latchkey-portal exited with {self.process.returncode}:"
                    f"\n{self.log()}")
            try:
                if self.raw("GET", "/healthz", timeout=2).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"latchkey-portal did not get ready:\n{self.log()}")

    def stop(self):
        """Stops the portal by its PID; returns its exit status (None if
        it was not running)."""
        code = lkharness.stop_process(self.process, timeout=15)
        self.process = None
        return code

    def log(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def close(self):
        try:
            self.stop()
        finally:
            self.box.close()

    # --- HTTP ---

    def raw(self, method, path, body=None, headers=None, timeout=30):
        if self.tls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            conn = http.client.HTTPSConnection("127.0.0.1", self.port,
                                               timeout=timeout,
                                               context=context)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                              timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            data = r.read()
            return Response(r.status,
                            [(k.lower(), v) for k, v in r.getheaders()], data)
        finally:
            conn.close()

    def browser(self, headers=None):
        return Browser(self, headers)


class PortalTestCase(unittest.TestCase):
    """One portal for the whole class (setUpClass), users added per test
    with unique names."""

    portal_options = {}

    @classmethod
    def setUpClass(cls):
        cls.portal = Portal(**cls.portal_options)

    @classmethod
    def tearDownClass(cls):
        cls.portal.close()

    _names = itertools.count(1)

    def new_user(self, password="a long enough passphrase 7", full_name=None):
        name = f"u{os.getpid() % 10000}n{next(self._names)}"
        self.portal.add_user(name, f"{name}@example.org", password, full_name)
        return name, password

    def assertSecurityHeaders(self, r):
        for name, must in SECURITY_HEADERS.items():
            value = r.header(name)
            self.assertIsNotNone(value, f"{name} missing on {r}")
            self.assertIn(must, value, name)


class SmtpPortalTestCase(PortalTestCase):
    """PortalTestCase whose portal sends mail through a real SMTP server
    (aiosmtpd) on a free loopback port, started per test class. Received
    mails land in self.smtp.directory (see tests/support/smtp_server.py)."""

    @classmethod
    def setUpClass(cls):
        cls.smtp_dir = tempfile.mkdtemp(prefix="lk-smtp-")
        cls.smtp = smtp_server.SmtpServer(cls.smtp_dir)
        try:
            cls.smtp.start()
            options = dict(cls.portal_options)
            options["mail_transport"] = f"smtp://127.0.0.1:{cls.smtp.port}"
            cls.portal = Portal(**options)
        except BaseException:
            cls.smtp.stop()
            shutil.rmtree(cls.smtp_dir, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.portal.close()
        finally:
            cls.smtp.stop()
            shutil.rmtree(cls.smtp_dir, ignore_errors=True)

    def mails_to(self, address, subject=None):
        """The mails received for `address` so far (oldest first), whose
        Subject contains `subject` if given."""
        return [m for m in self.smtp.messages()
                if lkharness.is_for(m, address, subject)]

    def wait_for_mail(self, address, subject=None, count=1, timeout=20):
        """Waits until `count` mails for `address` (and `subject`) arrived;
        returns the count-th."""
        return self.smtp.wait_for(
            lambda m: lkharness.is_for(m, address, subject),
                                  timeout=timeout, count=count)

    def mail_link(self, msg, path):
        """The first link in `msg` to this portal's `path`, as a path with
        its query ("/activate?token=...")."""
        link = lkharness.link_to(msg, self.portal.base, path)
        if link is None:
            self.fail(f"no link to {path} in the mail:\n"
                      f"{lkharness.body_text(msg)}")
        return link

    def assertNoMail(self, address, subject=None, wait=1.5):
        """Gives the worker `wait` seconds, then asserts that no mail for
        `address` arrived."""
        time.sleep(wait)
        self.assertEqual(self.mails_to(address, subject), [])

