"""The fleet-mode fixture: directories and host agents on loopback, with a
test CA made here by the `openssl` CLI.

    fleet = Fleet("sshd", max_age="5s")   # everything started
    fleet.add_user("lkf-alice", "--role", "user")
    web1 = fleet.hosts[0]                  # group lkf-web (roles user, admin)
    db1 = fleet.hosts[1]                   # group lkf-db  (role admin only)
    web1.agent_request({"op": "ping"})     # the agent socket's frames
    with fleet.directories_down(): ...     # both portals stopped, restarted
    fleet.close()                          # stops everything by PID

What it builds (docs/fleet-testing.md):
- One database of its own in the ctest MariaDB sandbox (lkharness.Sandbox),
  migrated; latchkeyctl runs with that sandbox config, as an admin's would.
- A CA (ca.pem) and a certificate for IP 127.0.0.1 signed by it, for the
  directories' TLS. Hosts verify the directories against ca.pem only.
- Two latchkey-portal processes over that database, each with a [directory]
  listener on a free loopback port (the second is the failover one: every
  host lists both, the first first).
- Two host groups, `lkf-web` (rules: roles user and admin) and `lkf-db`
  (rule: admin), a role `ops` that no rule names, and two fleet hosts,
  `lkf-web1` and `lkf-db1`, each with its own token file written by
  `latchkeyctl host add NAME --fleet --group G --token-file PATH`.
- For each host a config with [fleet] enabled (its own agent socket, state
  dir, extrausers files, the CA and the token file), [offline] and [nss],
  and NO [database] section, no password file and no secret key; and a
  `latchkey-agent --config PATH --foreground` process.

Nothing outside the fixture's temp dir and database is written. Programs
that must see a host's PAM, NSS or sudo files run in private mount
namespaces (tests/e2e/e2e.py's in_private_mounts).

Environment (set by ctest): LATCHKEYCTL, LATCHKEY_SANDBOX, LATCHKEY_PORTAL,
LATCHKEY_AGENT, LATCHKEY_SSH_KEYS, LATCHKEY_PAM_MODULE.
"""

import contextlib
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import time
import unittest

import lkharness

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "e2e"))
import e2e  # noqa: E402  (tests/e2e: namespaces, sshd helpers)

PASSWORD = e2e.PASSWORD
NEW_PASSWORD = "Marmalade-Quasar-Otter-77"
EXTRAUSERS_DIR = e2e.EXTRAUSERS_DIR

# Host groups and hosts the fixture makes; the index in Fleet.hosts.
WEB_GROUP = "lkf-web"
DB_GROUP = "lkf-db"
WEB_HOST = "lkf-web1"
DB_HOST = "lkf-db1"
OTHER_ROLE = "ops"  # a role no access rule names

AGENT_VERSION_HEADER = "latchkey-agent/fleet-tests"


def require(condition, reason):
    e2e.require(condition, reason)


def binary(env_name, target):
    """The built binary $ENV_NAME. Missing: a FAILURE, not a skip, when the
    variable names nothing (the part is not built), because these tests are
    the fleet's acceptance tests."""
    path = os.environ.get(env_name)
    require(path is not None, f"{env_name} is not set: run through ctest")
    if not path or not os.path.exists(path):
        raise AssertionError(
            f"{env_name}={path!r}: the target {target} is not built (or not in "
            "this branch)")
    return path


def require_environment(*tools):
    e2e.require_root_and_tools("openssl", "unshare", *tools)


# --- the agent socket ---

def agent_request(path, request, timeout=15.0, sock=None):
    """One request frame to the agent socket at `path` (a new connection, or
    `sock`), one answer frame back, as a dict. A 4-byte big-endian length,
    then the JSON (latchkey/fleet/agent_wire.h)."""
    own = sock is None
    if own:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(path)
    try:
        body = json.dumps(request).encode()
        sock.sendall(struct.pack(">I", len(body)) + body)
        header = _read_exactly(sock, 4)
        (length,) = struct.unpack(">I", header)
        return json.loads(_read_exactly(sock, length))
    finally:
        if own:
            sock.close()


def _read_exactly(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("the agent closed the connection")
        data += chunk
    return data


def wait_until(predicate, timeout, what, interval=0.1):
    """Calls predicate() until it returns something true; returns that.
    Raises AssertionError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = predicate()
        except (OSError, ValueError, KeyError) as e:
            last = e
            value = None
        else:
            value = last
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for "
                                 f"{what} (last: {last!r})")
        time.sleep(interval)


# --- TLS material ---

def make_ca(directory):
    """ca.pem/ca.key and directory.pem/directory.key (for IP 127.0.0.1,
    signed by the CA) in `directory`; returns (ca, cert, key) paths."""
    def run(*args):
        subprocess.run(["openssl"] + list(args), check=True,
                       capture_output=True, timeout=60)
    ca_key = os.path.join(directory, "ca.key")
    ca = os.path.join(directory, "ca.pem")
    key = os.path.join(directory, "directory.key")
    csr = os.path.join(directory, "directory.csr")
    cert = os.path.join(directory, "directory.pem")
    ext = os.path.join(directory, "directory.ext")
    run("req", "-x509", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
        "-subj", "/CN=latchkey fleet test CA", "-keyout", ca_key, "-out", ca,
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", csr)
    lkharness.write_file(ext, "\n".join([
        "basicConstraints=CA:FALSE",
        "keyUsage=critical,digitalSignature",
        "extendedKeyUsage=serverAuth",
        "subjectAltName=IP:127.0.0.1",
    ]) + "\n", 0o644)
    run("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
        "-set_serial", str(int.from_bytes(os.urandom(8), "big")),
        "-days", "2", "-extfile", ext, "-out", cert)
    for path in (ca_key, key):
        os.chmod(path, 0o600)
    os.chmod(ca, 0o644)
    os.chmod(cert, 0o644)
    return ca, cert, key


# --- the directory: a latchkey-portal with [directory] ---

class Directory:
    """One latchkey-portal process with a [directory] listener."""

    def __init__(self, fleet, index):
        self.fleet = fleet
        self.index = index
        self.port = lkharness.free_port()
        self.web_port = lkharness.free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.config = os.path.join(fleet.tmp, f"portal{index}.conf")
        self.log_path = os.path.join(fleet.tmp, f"portal{index}.log")
        self.portal_key = os.path.join(fleet.tmp, f"portal{index}.key")
        self.process = None
        lkharness.write_file(self.portal_key, os.urandom(32).hex())
        env = fleet.box.env
        lines = [
            "# Written by tests/fleet/fleet_fixture.py: a directory.",
            "[database]",
            # TCP: the portal drops root to `nobody`, who cannot enter the
            # sandbox directory to reach its socket.
            f"hosts = {env['LK_DB_HOST']}:{env['LK_DB_PORT']}",
            f"name = {fleet.box.db_name}",
            f"user = {env['LK_DB_USER']}",
            f"password_file = {fleet.db_password_file}",
            "connect_timeout = 2s",
            "tls = off",
            "",
            "[security]",
            f"secret_key_file = {fleet.box.key_file}",
        ] + ([
            f"argon2_memory_kib = {fleet.argon2_memory_kib}",
            "argon2_time = 1",
        ] if fleet.argon2_memory_kib else []) + [
            "",
            "[lockout]",
            "max_failures = 50",
            "",
            "[mail]",
            f"transport = maildir:{fleet.maildir}",
            "",
            "[nss]",
            f"home_base = {fleet.home}",
            "",
            "[portal]",
            f"listen = 127.0.0.1:{self.web_port}",
            f"base_url = http://127.0.0.1:{self.web_port}",
            "trusted_proxies = 127.0.0.1",
            "require_email_verification = off",
            "user = nobody",
            f"secret_key_file = {self.portal_key}",
            "",
            "[directory]",
            f"listen = 127.0.0.1:{self.port}",
            f"tls_cert = {fleet.cert}",
            f"tls_key = {fleet.cert_key}",
        ]
        lkharness.write_file(self.config, "\n".join(lines) + "\n")

    def start(self):
        portal = binary("LATCHKEY_PORTAL", "latchkey-portal")
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [portal, "--config", self.config], stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT)
        if not lkharness.wait_for_port(self.port, self.process, timeout=30):
            raise RuntimeError(f"directory {self.index} did not listen on "
                               f"{self.port}:\n{self.log()}")

    def stop(self):
        lkharness.stop_process(self.process, timeout=15)
        self.process = None

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def log(self):
        try:
            return lkharness.read_file(self.log_path)
        except OSError:
            return ""

    # A host's HTTPS client, for the tests that play a (stolen) host.
    def connection(self, timeout=15):
        context = ssl.create_default_context(cafile=self.fleet.ca)
        return http.client.HTTPSConnection("127.0.0.1", self.port,
                                           context=context, timeout=timeout)


def host_call(conn, method, path, token, body=None):
    """One /host/v1 request on `conn` (kept alive); returns (status,
    headers dict lower-case, body bytes)."""
    headers = {"X-Latchkey-Agent": AGENT_VERSION_HEADER}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=headers)
    r = conn.getresponse()
    payload = r.read()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, payload


# --- a fleet host: config, token, agent ---

class Host:
    """A fleet host: its directory under the fixture's temp dir, its config
    (no database, no key), its token file and its latchkey-agent."""

    def __init__(self, fleet, name, group):
        self.fleet = fleet
        self.name = name
        self.group = group
        self.dir = os.path.join(fleet.tmp, name)
        os.mkdir(self.dir, 0o755)  # latchkey-ssh-keys (nobody) reaches the socket
        self.socket = os.path.join(self.dir, "agent.sock")
        self.state_dir = os.path.join(self.dir, "state")
        self.nss_dir = os.path.join(self.dir, "extrausers")
        os.mkdir(self.nss_dir, 0o755)
        self.passwd_file = os.path.join(self.nss_dir, "passwd")
        self.group_file = os.path.join(self.nss_dir, "group")
        self.token_file = os.path.join(self.dir, "host.token")
        self.config = os.path.join(self.dir, "host.conf")
        self.log_path = os.path.join(self.dir, "agent.log")
        self.process = None
        fleet.ok("host", "add", name, "--fleet", "--group", group,
                 "--token-file", self.token_file)
        if not os.path.exists(self.token_file):
            raise RuntimeError(f"host add {name} wrote no {self.token_file}")
        self.write_config()

    @property
    def token(self):
        return lkharness.read_file(self.token_file).strip()

    def config_lines(self):
        f = self.fleet
        urls = ", ".join(d.url for d in f.directories)
        lines = [
            f"# Written by tests/fleet/fleet_fixture.py: fleet host {self.name}.",
            "# No [database], no password file, no secret key.",
            "[fleet]",
            "enabled = on",
            f"agent_socket = {self.socket}",
            f"directories = {urls}",
            f"tls_ca = {f.ca}",
            f"host_token_file = {self.token_file}",
            "connect_timeout = 500ms",
            "request_timeout = 5s",
            "keys_user = nobody",
            f"ssh_keys_ttl = {f.ssh_keys_ttl}",
            "ssh_keys_max_stale = 1h",
            "sync_interval = 1s",
            f"state_dir = {self.state_dir}",
            "",
            "[offline]",
            f"max_age = {f.max_age}",
            "",
            "[nss]",
            f"passwd_file = {self.passwd_file}",
            f"group_file = {self.group_file}",
            f"home_base = {f.home}",
        ]
        return lines

    def write_config(self):
        lkharness.write_file(self.config, "\n".join(self.config_lines()) + "\n")

    def start(self, wait_online=True):
        agent = binary("LATCHKEY_AGENT", "latchkey-agent")
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [agent, "--config", self.config, "--foreground"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        wait_until(lambda: self._check_alive() and os.path.exists(self.socket),
                   20, f"the agent of {self.name} to make its socket")
        if wait_online:
            self.wait_online()

    def _check_alive(self):
        if self.process.poll() is not None:
            raise AssertionError(f"latchkey-agent of {self.name} exited "
                                 f"{self.process.returncode}:\n{self.log()}")
        return True

    def stop(self):
        lkharness.stop_process(self.process, timeout=15)
        self.process = None

    def log(self):
        try:
            return lkharness.read_file(self.log_path)
        except OSError:
            return ""

    def request(self, request, timeout=15.0):
        return agent_request(self.socket, request, timeout=timeout)

    def ping(self):
        return self.request({"op": "ping"})

    def wait_online(self, timeout=20, directory=None):
        """Until the agent says it is online (to `directory`'s URL if
        given) and has a map version; returns the ping answer."""
        def online():
            self._check_alive()
            p = self.ping()
            if p.get("status") != "ok" or not p.get("online"):
                return None
            if directory is not None and p.get("directory") != directory.url:
                return None
            return p if p.get("map_version") else None
        return wait_until(online, timeout, f"the agent of {self.name} online")

    def wait_offline(self, timeout=15):
        return wait_until(lambda: self.ping().get("online") is False,
                          timeout, f"the agent of {self.name} offline")

    def has_verifier(self, name):
        """Whether the agent's state holds an offline verifier for `name`
        (its root-only offline.json: docs/fleet.md, agent/offline_store.h)."""
        try:
            state = json.loads(lkharness.read_file(
                os.path.join(self.state_dir, "offline.json")))
        except (OSError, ValueError):
            return False
        return name in json.dumps(state)

    def wait_for_verifier(self, name, timeout=20):
        """The agent makes the verifier after it answered the login (a KDF
        run of its own): wait for it before a test takes the directories
        away."""
        return wait_until(lambda: self.has_verifier(name), timeout,
                          f"an offline verifier for {name} on {self.name}")

    def passwd_entry(self, name):
        """The user's line in the agent-written passwd file, split, or None."""
        try:
            text = lkharness.read_file(self.passwd_file)
        except OSError:
            return None
        for line in text.splitlines():
            fields = line.split(":")
            if fields[0] == name:
                return fields
        return None

    def wait_for_entry(self, name, timeout=15):
        return wait_until(lambda: self.passwd_entry(name), timeout,
                          f"{name} in {self.passwd_file}")

    def nss_binds(self):
        """Bind mounts that make glibc read this host's agent-written files
        through libnss-extrausers, as on a configured fleet host."""
        require(os.path.isdir(EXTRAUSERS_DIR),
                "libnss-extrausers is not installed: run scripts/test")
        nsswitch = os.path.join(self.fleet.tmp, "nsswitch.conf")
        if not os.path.exists(nsswitch):
            lines = []
            for line in lkharness.read_file("/etc/nsswitch.conf").splitlines():
                database = line.split(":", 1)[0].strip()
                if database in ("passwd", "group"):
                    line = f"{database}: files extrausers"
                lines.append(line)
            lkharness.write_file(nsswitch, "\n".join(lines) + "\n", 0o644)
        return [(self.nss_dir, EXTRAUSERS_DIR), (nsswitch, "/etc/nsswitch.conf")]

    def pam_line(self, kind, control="required", extra=""):
        module = e2e.pam_module()
        return f"{kind} {control} {module} config={self.config} {extra}".rstrip()


# --- the fleet ---

class Fleet:
    """A database, two directories, two host groups, two hosts and their
    agents. close() stops every process by PID and removes everything."""

    def __init__(self, door="fleet", max_age="0", ssh_keys_ttl="1s",
                 argon2_memory_kib=1024, start_agents=True):
        """argon2_memory_kib: the directories' and latchkeyctl's Argon2id
        memory (time 1); None for the built-in parameters (benchmarks)."""
        self.processes = []  # more processes to stop (sshd ...)
        self.directories = []
        self.hosts = []
        self.max_age = max_age
        self.ssh_keys_ttl = ssh_keys_ttl
        self.argon2_memory_kib = argon2_memory_kib
        self.box = lkharness.Sandbox(door)
        try:
            self.tmp = self.box.tmp
            os.chmod(self.tmp, 0o755)  # test users reach their homes below
            self.home = os.path.join(self.tmp, "home")
            os.mkdir(self.home, 0o755)
            self.maildir = os.path.join(self.tmp, "mail")
            os.mkdir(self.maildir, 0o777)
            text = self.box.config_text
            text = lkharness.set_key(text, "nss", "home_base", self.home)
            # The admin side's nss-sync hands out uids (the directory map
            # holds only accounts that have one); its own files stay here.
            admin_nss = os.path.join(self.tmp, "admin-extrausers")
            os.mkdir(admin_nss, 0o755)
            text = lkharness.set_key(text, "nss", "passwd_file",
                                     os.path.join(admin_nss, "passwd"))
            text = lkharness.set_key(text, "nss", "group_file",
                                     os.path.join(admin_nss, "group"))
            text = lkharness.set_key(text, "lockout", "max_failures", "50")
            if argon2_memory_kib:
                text = lkharness.set_key(text, "security",
                                         "argon2_memory_kib",
                                         str(argon2_memory_kib))
            else:  # the built-in (production) Argon2id parameters
                text = "\n".join(
                    line for line in text.splitlines()
                    if not line.strip().startswith(("argon2_memory_kib",
                                                    "argon2_time"))) + "\n"
            self.box.write_config(text)
            self.config = self.box.config
            # The directories' own copy of the database password, so that a
            # test can watch who opens it without seeing other tests.
            self.db_password_file = lkharness.copy_private(
                self.box.env["LK_DB_PASSWORD_FILE"],
                os.path.join(self.tmp, "db.password"))
            self.box.migrate()
            self.ca, self.cert, self.cert_key = make_ca(self.tmp)
            self.directories = [Directory(self, 0), Directory(self, 1)]
            for d in self.directories:
                d.start()
            self.ok("role", "add", OTHER_ROLE)
            self.ok("host-group", "add", WEB_GROUP)
            self.ok("host-group", "allow", WEB_GROUP, "user")
            self.ok("host-group", "allow", WEB_GROUP, "admin")
            self.ok("host-group", "add", DB_GROUP)
            self.ok("host-group", "allow", DB_GROUP, "admin")
            self.hosts = [Host(self, WEB_HOST, WEB_GROUP),
                          Host(self, DB_HOST, DB_GROUP)]
            if start_agents:
                for h in self.hosts:
                    h.start()
        except BaseException:
            self.close()
            raise

    @property
    def web1(self):
        return self.hosts[0]

    @property
    def db1(self):
        return self.hosts[1]

    def close(self):
        try:
            for p in self.processes:
                lkharness.stop_process(p)
            self.processes = []
            for h in self.hosts:
                h.stop()
            for d in self.directories:
                d.stop()
        finally:
            self.box.close()  # drops the database, removes the temp dir

    # --- latchkeyctl (the admin's config: the sandbox socket) ---

    def ctl(self, *args, stdin=None):
        return self.box.ctl(*args, stdin=stdin, timeout=120)

    def ok(self, *args, stdin=None):
        r = self.ctl(*args, stdin=stdin)
        if r.returncode != 0:
            raise AssertionError(f"latchkeyctl {' '.join(args)} exited "
                                 f"{r.returncode}: {r.stderr}{r.stdout}")
        return r

    def add_user(self, name, *extra, password=PASSWORD, uid=True):
        """A database account; with uid, `latchkeyctl nss-sync` on the
        admin side then gives it its uid, as docs/nss.md has the admin do
        (the directory map serves accounts with a uid only)."""
        self.ok("user", "add", name, "--email", f"{name}@example.org",
                "--full-name", f"Fleet {name}", "--password-stdin", *extra,
                stdin=password + "\n")
        if uid:
            self.ok("nss-sync")

    def enable_totp(self, name):
        return json.loads(self.ok("--json", "user", "totp-enable",
                                  name).stdout)["secret"]

    def show(self, name):
        return json.loads(self.ok("--json", "user", "show", name).stdout)

    def query(self, statement):
        return self.box.query(statement)

    def audit_rows(self, event=None, host=None, user=None):
        """auth_events rows as (event, username_tried, host, detail)."""
        where = ["1=1"]
        if event:
            where.append(f"event = '{event}'")
        if host:
            where.append(f"host = '{host}'")
        if user:
            where.append(f"(username_tried = '{user}' OR user_id = "
                         f"(SELECT id FROM users WHERE username = '{user}'))")
        out = self.query("SELECT event, username_tried, IFNULL(host, ''), "
                         "detail FROM auth_events WHERE " + " AND ".join(where)
                         + " ORDER BY id")
        return [tuple(line.split("\t")) for line in out.splitlines() if line]

    # --- directories ---

    def stop_directories(self):
        for d in self.directories:
            d.stop()

    def start_directories(self):
        for d in self.directories:
            if not d.running:
                d.start()

    @contextlib.contextmanager
    def directories_down(self, wait_offline=True):
        """Both directories stopped (by PID) inside, started again after,
        and the agents back online."""
        self.stop_directories()
        try:
            yield
        finally:
            self.start_directories()
            for h in self.hosts:
                if h.process is not None:
                    h.wait_online(timeout=30)


# --- programs in a host's private mount namespace ---

def namespace_argv(binds, argv, setup=""):
    """argv exec'd in a new private mount namespace, after `setup` (shell
    lines, run first) and the bind mounts. The PID is the program's."""
    script = "set -e\n" + setup
    for source, target in binds:
        script += f"mount --bind '{source}' '{target}'\n"
    script += 'exec "$@"\n'
    return ["unshare", "--mount", "--propagation", "private", "--",
            "sh", "-c", script, "sh"] + list(argv)


def pam_dir(fleet, name, services):
    """A copy of /etc/pam.d in the fixture's temp dir with `services`
    ({service name: text}) added or replaced; its path."""
    path = os.path.join(fleet.tmp, name)
    if not os.path.isdir(path):
        e2e.copy_dir("/etc/pam.d", path)
    for service, text in services.items():
        target = os.path.join(path, service)
        if os.path.lexists(target):
            os.remove(target)
        lkharness.write_file(target, text, 0o644)
    return path


def pamtester(binds, service, user, operations, answers, timeout=60):
    """pamtester SERVICE USER OPERATIONS... in a private mount namespace
    where `binds` are mounted (a pam.d with SERVICE among them); `answers`
    is what is typed at its prompts (one per line). CompletedProcess; its
    stderr names the PAM result (pamharness.PAM_TEXT)."""
    argv = namespace_argv(binds, ["pamtester", "-v", service, user]
                          + list(operations))
    return subprocess.run(argv, input="".join(a + "\n" for a in answers),
                          capture_output=True, text=True, timeout=timeout,
                          check=False)


PAM_TEXT = {
    "PAM_SUCCESS": "successfully authenticated",
    "PAM_AUTH_ERR": "Authentication failure",
    "PAM_USER_UNKNOWN":
        "User not known to the underlying authentication module",
    "PAM_AUTHINFO_UNAVAIL":
        "Authentication service cannot retrieve authentication info",
    "PAM_PERM_DENIED": "Permission denied",
    "PAM_MAXTRIES": "Have exhausted maximum number of retries for service",
}


# --- /proc: what a process holds ---

def descendants(pid):
    """pid and every process below it."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def comm(pid):
    try:
        return lkharness.read_file(f"/proc/{pid}/comm").strip()
    except OSError:
        return "?"


def socket_inodes(pid):
    out = set()
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return out
    for name in names:
        try:
            link = os.readlink(f"/proc/{pid}/fd/{name}")
        except OSError:
            continue
        m = re.match(r"socket:\[(\d+)\]", link)
        if m:
            out.add(m.group(1))
    return out


def tcp_peers(pid):
    """(local port, remote port) of each TCP socket the process holds,
    from its network namespace's /proc/PID/net/tcp and tcp6."""
    inodes = socket_inodes(pid)
    peers = []
    for table in ("tcp", "tcp6"):
        try:
            text = lkharness.read_file(f"/proc/{pid}/net/{table}")
        except OSError:
            continue
        for line in text.splitlines()[1:]:
            fields = line.split()
            if len(fields) > 9 and fields[9] in inodes:
                local = int(fields[1].rsplit(":", 1)[1], 16)
                remote = int(fields[2].rsplit(":", 1)[1], 16)
                peers.append((local, remote))
    return peers


class FleetTestCase(unittest.TestCase):
    """A Fleet for the whole class. setUpClass skips without root or one of
    `tools`, makes the Fleet (with `fleet_options`) and calls
    set_up_fleet(); tearDownClass calls tear_down_fleet() and closes it."""

    tools = ()
    needs_pexpect = False
    fleet_options = {}
    fleet = None

    @classmethod
    def setUpClass(cls):
        require_environment(*cls.tools)
        if cls.needs_pexpect:
            import importlib.util
            require(importlib.util.find_spec("pexpect"),
                    "python3-pexpect is not installed: run scripts/test")
        e2e.pam_module()
        cls.fleet = Fleet(**cls.fleet_options)
        try:
            cls.set_up_fleet()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.tear_down_fleet()
        finally:
            if cls.fleet:
                cls.fleet.close()
                cls.fleet = None

    @classmethod
    def set_up_fleet(cls):
        pass

    @classmethod
    def tear_down_fleet(cls):
        pass

    def logs(self):
        """The agents' and directories' logs, for failure messages."""
        f = self.fleet
        out = []
        for h in f.hosts:
            out.append(f"--- agent {h.name} ---\n{h.log()[-3000:]}")
        for d in f.directories:
            out.append(f"--- directory {d.index} ---\n{d.log()[-3000:]}")
        return "\n".join(out)
