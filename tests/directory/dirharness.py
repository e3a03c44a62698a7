"""Harness for the directory service ([directory] listener of
latchkey-portal, docs/fleet-protocol.md): a test CA and a server
certificate for 127.0.0.1 made with the openssl CLI, a portal started with
[directory] on a free port, fleet hosts made with `latchkeyctl host add
--fleet`, host groups and access rules written with SQL (their CLI is
another part's), and an HTTPS client that verifies the test CA.

    d = Directory(extra=["host_alarm_failures = 3"])
    d.group("web"); d.rule("web", "staff", "sshd")
    token = d.add_host("web1", "web")
    c = d.client(token)
    r = c.post("/host/v1/authenticate", {...})
    d.close()
"""

import http.client
import json
import os
import ssl
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "portal"))

import lkharness  # noqa: E402
import portalharness  # noqa: E402

AGENT = "latchkey-agent/9.9.9-test"


def make_ca_and_cert(tmp):
    """A CA and a server certificate for IP 127.0.0.1 signed by it; returns
    (ca.pem, cert.pem, key.pem) paths."""
    ca_key, ca = f"{tmp}/ca.key", f"{tmp}/ca.pem"
    key, csr, cert = f"{tmp}/dir.key", f"{tmp}/dir.csr", f"{tmp}/dir.pem"
    ext = f"{tmp}/dir.ext"

    def run(args):
        subprocess.run(["openssl"] + args, check=True, capture_output=True,
                       timeout=60)

    run(["req", "-x509", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
         "-subj", "/CN=latchkey test CA", "-keyout", ca_key, "-out", ca,
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    run(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", csr])
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n"
                "basicConstraints=CA:FALSE\n"
                "extendedKeyUsage=serverAuth\n")
    run(["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
         "-CAcreateserial", "-days", "2", "-out", cert, "-extfile", ext])
    os.chmod(key, 0o600)
    return ca, cert, key


class Answer:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<Answer {self.status} {self.body[:300]!r}>"


class Client:
    """One kept-alive HTTPS connection to the directory, verifying the test
    CA and the name 127.0.0.1."""

    def __init__(self, directory, token, agent=AGENT):
        self.directory = directory
        self.token = token
        self.agent = agent
        self.conn = None

    def connect(self):
        context = ssl.create_default_context(cafile=self.directory.ca)
        self.conn = http.client.HTTPSConnection(
            "127.0.0.1", self.directory.dir_port, timeout=30, context=context)
        return self.conn

    def request(self, method, path, body=None, headers=None):
        if self.conn is None:
            self.connect()
        h = {}
        if self.token is not None:
            h["Authorization"] = f"Bearer {self.token}"
        if self.agent:
            h["X-Latchkey-Agent"] = self.agent
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        self.conn.request(method, path, body=body, headers=h)
        r = self.conn.getresponse()
        data = r.read()
        return Answer(r.status, r.getheaders(), data)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, value, **kw):
        return self.request("POST", path, value, **kw)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Directory(portalharness.Portal):
    """A latchkey-portal with its [directory] listener on a free port."""

    def __init__(self, extra=(), lockout=("max_failures = 50",), **kw):
        self.dir_port = lkharness.free_port()
        self._extra = list(extra)
        self._lockout = list(lockout)
        kw.setdefault("portal_extra", ["metrics_allow = 127.0.0.1"])
        super().__init__(**kw)

    def _config_text(self, *args):
        text = super()._config_text(*args)
        self.ca, cert, key = make_ca_and_cert(self.tmp)
        lines = ["", "[directory]", f"listen = 127.0.0.1:{self.dir_port}",
                 f"tls_cert = {cert}", f"tls_key = {key}"] + self._extra
        lines += ["", "[lockout]"] + self._lockout
        return text + "\n".join(lines) + "\n"

    def start(self):
        super().start()
        if self.wait_ready:
            lkharness.wait_for_port(self.dir_port, self.process)

    # --- fleet objects (SQL for groups and rules: their CLI is another
    # part's) ---

    def group(self, name):
        self.query("INSERT INTO host_groups (name, created_at) VALUES "
                   f"('{name}', NOW(6))")

    def rule(self, group, role, service=""):
        self.ensure_role(role)
        self.query(
            "INSERT INTO host_access_rules (group_id, role_id, service, "
            f"created_at) SELECT g.id, r.id, '{service}', NOW(6) FROM "
            f"host_groups g, roles r WHERE g.name = '{group}' AND "
            f"r.name = '{role}'")

    def drop_rules(self, group):
        self.query("DELETE a FROM host_access_rules a JOIN host_groups g ON "
                   f"g.id = a.group_id WHERE g.name = '{group}'")

    def ensure_role(self, role):
        self.query(f"INSERT IGNORE INTO roles (name) VALUES ('{role}')")

    def grant(self, user, role):
        self.ensure_role(role)
        r = self.ctl("user", "set-role", user, role)
        if r.returncode != 0:
            raise RuntimeError(f"set-role {user} {role}: {r.stderr}")

    def revoke_role(self, user, role):
        r = self.ctl("user", "set-role", user, role, "--remove", "--force")
        if r.returncode != 0:
            raise RuntimeError(f"set-role --remove {user} {role}: {r.stderr}")

    def give_uid(self, user, uid):
        self.query(f"UPDATE users SET uid = {uid} WHERE username = '{user}'")

    def add_host(self, name, group, may_reset=False):
        """latchkeyctl host add NAME --fleet; returns the token."""
        args = ["host", "add", name, "--fleet", "--group", group,
                "--token-file", "-"]
        if may_reset:
            args.append("--may-reset-passwords")
        r = self.ctl(*args)
        if r.returncode != 0:
            raise RuntimeError(f"host add {name}: {r.stderr}")
        return r.stdout.strip()

    def revoke_host(self, name):
        r = self.ctl("host", "revoke", name)
        if r.returncode != 0:
            raise RuntimeError(f"host revoke {name}: {r.stderr}")

    def client(self, token, **kw):
        return Client(self, token, **kw)

    def audit_rows(self, where):
        """[(event, username_tried, host, detail, rhost)] matching `where`."""
        out = self.query(
            "SELECT event, username_tried, COALESCE(host, 'NULL'), detail, "
            f"rhost FROM auth_events WHERE {where} ORDER BY id")
        return [tuple(line.split("\t")) for line in out.splitlines() if line]
