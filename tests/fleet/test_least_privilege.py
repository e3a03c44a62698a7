"""Least privilege of a fleet host: its config names no database and no
secret key, its agent holds no MariaDB connection and never opens the
database password file or the secret key, and a stolen host credential
reads no password hash, no TOTP seed, no email and no audit row through any
/host/v1 route.
"""

import ctypes
import ctypes.util
import json
import os
import struct
import subprocess
import time
import unittest
import urllib.parse

import fleet_fixture as ff
import lkharness

# inotify(7)
IN_ACCESS = 0x001
IN_OPEN = 0x020
IN_NONBLOCK = 0o4000

RHOST = "203.0.113.77"  # sent by our "host"; no answer may carry it back
KNOWN_ROUTES = ("/host/v1/ping", "/host/v1/authenticate",
                "/host/v1/second-factor", "/host/v1/account",
                "/host/v1/password", "/host/v1/session", "/host/v1/offline-check")
CANARY = "fleet-audit-canary-" + os.urandom(6).hex()  # an audit row's detail


class Inotify:
    """Opens and reads of some files, from now on (inotify(7), through
    libc): who opened them is not known, so only our own activity may run
    while it watches."""

    def __init__(self, paths):
        self.libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        self.fd = self.libc.inotify_init1(IN_NONBLOCK)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1")
        self.names = {}
        for path in paths:
            wd = self.libc.inotify_add_watch(self.fd, path.encode(),
                                             IN_OPEN | IN_ACCESS)
            if wd < 0:
                raise OSError(ctypes.get_errno(), f"inotify_add_watch {path}")
            self.names[wd] = path

    def events(self):
        """[(path, mask)] since the last call."""
        out = []
        while True:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                return out
            offset = 0
            while offset < len(data):
                wd, mask, _, length = struct.unpack_from("iIII", data, offset)
                out.append((self.names.get(wd, "?"), mask))
                offset += 16 + length

    def close(self):
        os.close(self.fd)


class FleetLeastPrivilegeTest(ff.FleetTestCase):

    @classmethod
    def set_up_fleet(cls):
        f = cls.fleet
        f.add_user("lkf-lena")
        f.add_user("lkf-tess")
        f.add_user("lkf-chg")
        cls.seed = f.enable_totp("lkf-tess")
        key = os.path.join(f.tmp, "lena_ed25519")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C",
                        "lena@fleet-test", "-f", key], check=True,
                       capture_output=True)
        f.ok("user", "ssh-key", "add", "lkf-lena",
             lkharness.read_file(key + ".pub").strip())
        f.web1.wait_for_entry("lkf-lena")

    def secret_files(self):
        """The database password and the secret key the directories of
        this fleet read (copies of the sandbox's, this fleet's own)."""
        return [self.fleet.db_password_file, self.fleet.box.key_file]

    def test_host_config_has_no_database_and_no_secret_key(self):
        secrets = []
        for path in self.secret_files():
            with open(path, "rb") as fh:
                secrets.append(fh.read().strip())
        for host in self.fleet.hosts:
            text = lkharness.read_file(host.config)
            sections = lkharness.split_ini(text)
            self.assertNotIn("database", sections)
            self.assertNotIn("security", sections)
            for word in ("password_file", "secret_key_file", "db.password",
                         "secret.key"):
                self.assertNotIn(word, text)
            # No file of the host holds the database password or a key.
            for root, _, files in os.walk(host.dir):
                for name in files:
                    path = os.path.join(root, name)
                    if not os.path.isfile(path):
                        continue
                    with open(path, "rb") as fh:
                        data = fh.read()
                    for secret in secrets:
                        self.assertNotIn(secret, data, path)

    def test_agent_has_no_database_connection_and_never_reads_the_secrets(self):
        f = self.fleet
        host = f.web1
        db_port = int(f.box.env["LK_DB_PORT"])
        watch = Inotify(self.secret_files())
        try:
            # A fresh agent: its start, a sync, a login and a keys query.
            host.stop()
            host.start()
            self.assertEqual(host.request({
                "op": "authenticate", "user": "lkf-lena",
                "password": ff.PASSWORD, "service": "sshd", "rhost": RHOST,
                "tty": "ssh", "nss_uid": None, "totp": "auto"})["status"],
                "ok", self.logs())
            self.assertEqual(host.request({"op": "ssh_keys",
                                           "user": "lkf-lena"})["status"], "ok")
            time.sleep(1.5)  # one more sync
            peers = ff.tcp_peers(host.process.pid)
            events = watch.events()
        finally:
            watch.close()
        self.assertEqual(events, [], "the secret files were opened while only "
                         "the agent ran")
        remotes = {remote for _, remote in peers}
        self.assertNotIn(db_port, remotes, f"the agent talks to MariaDB: {peers}")
        self.assertTrue(remotes, "the agent holds no connection at all")
        self.assertLessEqual(remotes, {d.port for d in f.directories}, peers)
        # Its open files: none is the database's socket or a secret file.
        for fd in os.listdir(f"/proc/{host.process.pid}/fd"):
            try:
                target = os.readlink(f"/proc/{host.process.pid}/fd/{fd}")
            except OSError:
                continue
            self.assertNotIn("mysqld.sock", target)
            self.assertNotIn(target, self.secret_files())

    def test_a_stolen_host_credential_reads_no_secret(self):
        f = self.fleet
        token = f.web1.token
        directory = f.directories[0]
        conn = directory.connection()
        answers = []

        def call(method, path, body=None, want=200, tok=token):
            status, headers, payload = ff.host_call(conn, method, path, tok,
                                                    body)
            answers.append((method, path, status, headers, payload))
            if want is not None:
                self.assertEqual(status, want,
                                 f"{method} {path}: {payload!r}")
            if status == 200 or payload.startswith(b"{"):
                return json.loads(payload or b"{}")
            return {}

        common = {"service": "sshd", "rhost": RHOST, "tty": "ssh"}
        call("GET", "/host/v1/ping")
        call("POST", "/host/v1/authenticate",
             dict(common, user="lkf-lena", password=ff.PASSWORD, nss_uid=None,
                  totp="auto"))
        call("POST", "/host/v1/authenticate",
             dict(common, user="lkf-lena", password="wrong", nss_uid=None,
                  totp="auto"))
        call("POST", "/host/v1/authenticate",
             dict(common, user="lkf-nobody", password="x", nss_uid=None,
                  totp="auto"))
        first = call("POST", "/host/v1/authenticate",
                     dict(common, user="lkf-tess", password=ff.PASSWORD,
                          nss_uid=None, totp="auto"))
        self.assertEqual(first.get("status"), "second_factor_needed", first)
        call("POST", "/host/v1/second-factor",
             dict(common, challenge=first["challenge"],
                  code=lkharness.totp_code(self.seed)))
        call("POST", "/host/v1/account",
             {"user": "lkf-lena", "service": "sshd", "require_roles": [],
              "nss_uid": None})
        call("POST", "/host/v1/password",
             dict(common, user="lkf-chg", old_password="wrong",
                  new_password=ff.NEW_PASSWORD, service="passwd"))
        call("POST", "/host/v1/password",
             dict(common, user="lkf-chg", old_password=ff.PASSWORD,
                  new_password=ff.NEW_PASSWORD, service="passwd"))
        for event in ("open", "close"):
            call("POST", "/host/v1/session",
                 dict(common, user="lkf-lena", event=event))
        keys = call("GET", "/host/v1/ssh-keys?user=lkf-lena")
        self.assertEqual(len(keys.get("keys", [])), 1, keys)
        call("GET", "/host/v1/ssh-keys?user=lkf-tess")
        full_map = call("GET", "/host/v1/map?since=")
        self.assertIn("lkf-lena", [u["name"] for u in full_map["users"]])
        call("GET", "/host/v1/map?since=" +
             urllib.parse.quote(str(full_map["version"])))
        call("POST", "/host/v1/offline-check",
             {"users": ["lkf-lena", "lkf-tess", "lkf-chg", "lkf-nobody"]})
        call("POST", "/host/v1/audit", {"events": [
            {"ts": int(time.time()), "user": "lkf-lena",
             "event": "offline_login", "service": "sshd", "rhost": RHOST,
             "tty": "ssh", "detail": CANARY}]})
        # Routes that do not exist (a guess at what a thief would try).
        for path in ("/host/v1/audit", "/host/v1/users", "/host/v1/user?"
                     "user=lkf-lena", "/host/v1/hash?user=lkf-lena",
                     "/host/v1/totp?user=lkf-tess", "/host/v2/map?since=",
                     "/api/v1/users", "/admin/audit", "/host/v1/../admin/audit"):
            call("GET", path, want=None)
            self.assertIn(answers[-1][2], (400, 401, 403, 404, 405),
                          answers[-1])
        # Without the token, every route says nothing but host_unknown.
        for method, path, *_ in list(answers):
            if not path.startswith("/host/v1/"):
                continue
            status, _, payload = ff.host_call(conn, method, path, None,
                                              {} if method == "POST" else None)
            self.assertNotEqual(status, 200, f"{method} {path}: {payload!r}")
            if path in KNOWN_ROUTES:
                self.assertEqual(status, 401, f"{method} {path}")
                self.assertEqual(json.loads(payload), {"error": "host_unknown"})
        conn.close()

        # What a thief must not see anywhere in those answers.
        hashes = [h for h in f.query(
            "SELECT password_hash FROM users").split() if h]
        self.assertTrue(hashes)
        forbidden = hashes + ["$argon2", self.seed, self.seed.lower(),
                              "@example.org"]
        seeds = f.query("SELECT HEX(totp_secret_enc) FROM users "
                        "WHERE totp_secret_enc IS NOT NULL").split()
        forbidden += [s for s in seeds if s]
        # Audit rows: the one the "host" reported (its detail), the address
        # it sent (only ever stored in auth_events) and the directory's
        # own wording of host reports.
        self.assertTrue(f.audit_rows(event="offline_login", user="lkf-lena"))
        forbidden += [CANARY, RHOST, "reported by host"]
        for method, path, status, headers, payload in answers:
            text = payload.decode("utf-8", "replace") + json.dumps(headers)
            for needle in forbidden:
                self.assertNotIn(needle, text, f"{method} {path} ({status})")
            if path.startswith("/host/v1/") and status == 200:
                self.assertEqual(headers.get("cache-control"), "no-store",
                                 f"{method} {path}")


if __name__ == "__main__":
    unittest.main()
