"""The directory service: latchkey-portal's [directory] listener serving
/host/v1 over TLS to fleet hosts (docs/fleet-protocol.md). A real portal,
a real MariaDB (the sandbox fixture), real TLS verified against a test CA
made with openssl, tokens made with `latchkeyctl host add --fleet`."""

import base64
import itertools
import json
import os
import re
import time
import unittest

import lkharness
from dirharness import Directory

PASSWORD = "a long enough passphrase 7"
ROUTES = [
    ("POST", "/host/v1/authenticate"),
    ("POST", "/host/v1/second-factor"),
    ("POST", "/host/v1/account"),
    ("POST", "/host/v1/password"),
    ("POST", "/host/v1/session"),
    ("GET", "/host/v1/ssh-keys?user=x"),
    ("GET", "/host/v1/map"),
    ("POST", "/host/v1/offline-check"),
    ("POST", "/host/v1/audit"),
    ("GET", "/host/v1/ping"),
]
_names = itertools.count(1)


def unique(prefix):
    return f"{prefix}{os.getpid() % 10000}n{next(_names)}"


class DirectoryCase(unittest.TestCase):
    directory_options = {}

    @classmethod
    def setUpClass(cls):
        cls.d = Directory(**cls.directory_options)

    @classmethod
    def tearDownClass(cls):
        cls.d.close()

    def setUp(self):
        self.clients = []

    def tearDown(self):
        for c in self.clients:
            c.close()

    def host(self, group=None, rules=(("staff", ""),), may_reset=False):
        """A new group with `rules` and a host in it; returns (name, client)."""
        group = group or unique("g")
        if not self.d.query(
                f"SELECT id FROM host_groups WHERE name = '{group}'").strip():
            self.d.group(group)
            for role, service in rules:
                self.d.rule(group, role, service)
        name = unique("h")
        client = self.d.client(self.d.add_host(name, group, may_reset))
        self.clients.append(client)
        return name, client

    def user(self, roles=("staff",), password=PASSWORD):
        name = unique("u")
        self.d.add_user(name, f"{name}@example.org", password)
        for role in roles:
            self.d.grant(name, role)
        return name

    def auth(self, client, user, password=PASSWORD, rhost="203.0.113.9",
             **extra):
        body = {"user": user, "password": password, "service": "sshd",
                "rhost": rhost, "tty": "ssh", "nss_uid": None,
                "totp": "auto"}
        body.update(extra)
        r = client.post("/host/v1/authenticate", body)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def account(self, client, user, service="sshd", require_roles=()):
        r = client.post("/host/v1/account",
                        {"user": user, "service": service,
                         "require_roles": list(require_roles),
                         "nss_uid": None})
        self.assertEqual(r.status, 200, r)
        return r.json()["status"]


class TestTokens(DirectoryCase):
    def test_ping_names_host_and_group_and_touches(self):
        name, c = self.host(group=unique("pg"))
        r = c.get("/host/v1/ping")
        self.assertEqual(r.status, 200, r)
        body = r.json()
        self.assertEqual(body["status"], "ok")
        self.assertEqual(body["host"], name)
        self.assertTrue(body["group"].startswith("pg"))
        self.assertLess(abs(body["time"] - time.time()), 30)
        self.assertEqual(r.headers.get("cache-control"), "no-store")
        self.assertTrue(r.headers["content-type"].startswith(
            "application/json"))
        listed = {h["name"]: h for h in
                  json.loads(self.d.ctl("--json", "host", "list").stdout)}
        self.assertEqual(listed[name]["kind"], "fleet")
        self.assertEqual(listed[name]["agent_version"], "9.9.9-test")
        self.assertIsNotNone(listed[name]["last_seen_at"])

    def test_missing_unknown_and_revoked_tokens_get_401_on_every_route(self):
        name, good = self.host()
        self.assertEqual(good.get("/host/v1/ping").status, 200)
        self.d.revoke_host(name)
        tokens = {"none": None, "garbage": "lkh_" + "A" * 43,
                  "revoked": good.token, "not bearer": None}
        for label, token in tokens.items():
            c = self.d.client(token)
            self.clients.append(c)
            for method, path in ROUTES:
                headers = {}
                if label == "not bearer":
                    headers["Authorization"] = "Basic " + base64.b64encode(
                        b"a:b").decode()
                body = {} if method == "POST" else None
                r = c.request(method, path, body, headers=headers)
                self.assertEqual(r.status, 401, f"{label} {path}: {r}")
                self.assertEqual(r.json(), {"error": "host_unknown"})

    def test_revocation_stops_a_kept_alive_connection_within_5s(self):
        name, c = self.host()
        self.assertEqual(c.get("/host/v1/ping").status, 200)
        sock = c.conn.sock
        self.d.revoke_host(name)
        revoked_at = time.monotonic()
        while True:
            r = c.get("/host/v1/ping")
            self.assertIs(c.conn.sock, sock, "the connection was not kept")
            if r.status == 401:
                break
            self.assertLess(time.monotonic() - revoked_at, 5, r)
            time.sleep(0.1)
        self.assertLess(time.monotonic() - revoked_at, 5)

    def test_tls_verifies_against_the_test_ca(self):
        import ssl
        _, c = self.host()
        context = ssl.create_default_context()  # system CAs only
        import http.client
        conn = http.client.HTTPSConnection("127.0.0.1", self.d.dir_port,
                                           timeout=10, context=context)
        with self.assertRaises(ssl.SSLError):
            conn.request("GET", "/host/v1/ping")
            conn.getresponse()
        conn.close()
        self.assertEqual(c.get("/host/v1/ping").status, 200)

    def test_portal_and_directory_routes_do_not_cross(self):
        _, c = self.host()
        self.assertEqual(c.get("/login").status, 404)
        self.assertEqual(c.get("/api/v1/me").status, 404)
        self.assertEqual(c.get("/healthz").status, 404)
        self.assertEqual(self.d.raw("GET", "/host/v1/ping").status, 404)
        r = self.d.raw("GET", "/host/v1/ping",
                       headers={"Authorization": f"Bearer {c.token}"})
        self.assertEqual(r.status, 404)

    def test_bad_bodies(self):
        _, c = self.host()
        r = c.post("/host/v1/authenticate", b"not json",
                   headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 400, r)
        r = c.post("/host/v1/session", {"user": "x", "event": "maybe"})
        self.assertEqual(r.status, 400, r)
        # The directory answers 413 from Content-Length, before the body,
        # and hangs up: send the headers only, so the client does not race
        # that hang-up while it writes (an SSL EOF, one run in a few).
        c.close()
        conn = c.connect()
        conn.putrequest("POST", "/host/v1/authenticate")
        conn.putheader("Authorization", f"Bearer {c.token}")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(65 * 1024 + 2))
        conn.endheaders()
        self.assertEqual(conn.getresponse().status, 413)
        c.close()
        self.assertEqual(c.get("/host/v1/nothing").status, 404)
        self.assertEqual(c.get("/host/v1/account").status, 405)


class TestAuthentication(DirectoryCase):
    def test_password_ok_wrong_and_unknown(self):
        host, c = self.host()
        u = self.user()
        ok = self.auth(c, u)
        self.assertEqual(ok["status"], "ok")
        self.assertTrue(ok["user_known"])
        self.assertFalse(ok["offline"])
        self.assertRegex(ok["offline_stamp"], r"^[0-9a-f]{32}$")
        self.assertNotIn("challenge", ok)
        wrong = self.auth(c, u, password="not the password at all")
        self.assertEqual(wrong["status"], "bad_credentials")
        self.assertIsNone(wrong["offline_stamp"])
        nobody = self.auth(c, unique("ghost"))
        self.assertEqual(nobody["status"], "bad_credentials")
        self.assertFalse(nobody["user_known"])
        rows = self.d.audit_rows(f"username_tried = '{u}'")
        events = [(e, h) for e, _, h, _, _ in rows]
        self.assertIn(("login_success", host), events)
        self.assertIn(("login_failure", host), events)

    def test_no_offline_stamp_without_a_rule(self):
        _, c = self.host(rules=())
        self.assertIsNone(self.auth(c, self.user())["offline_stamp"])

    def test_challenge_is_bound_to_the_host(self):
        group = unique("tg")
        _, a = self.host(group=group)
        _, b = self.host(group=group)
        u = self.user()
        secret, _ = self.d.enable_totp(u)
        first = self.auth(a, u)
        self.assertEqual(first["status"], "second_factor_needed")
        challenge = first["challenge"]
        step = {"challenge": challenge, "service": "sshd",
                "rhost": "203.0.113.9", "tty": "ssh"}
        stolen = b.post("/host/v1/second-factor",
                        dict(step, code=lkharness.totp_code(secret)))
        self.assertEqual(stolen.status, 200, stolen)
        self.assertEqual(stolen.json()["status"], "bad_credentials")
        own = a.post("/host/v1/second-factor",
                     dict(step, code=lkharness.totp_code(secret)))
        self.assertEqual(own.json()["status"], "ok", own)
        self.assertIsNone(own.json()["offline_stamp"])  # TOTP: never offline
        again = a.post("/host/v1/second-factor",
                       dict(step, code=lkharness.totp_code(secret)))
        self.assertEqual(again.json()["status"], "bad_credentials")


class TestAccount(DirectoryCase):
    def test_group_without_rules_admits_nobody(self):
        host, c = self.host(rules=())
        u = self.user(roles=("staff", "admin"))
        self.assertEqual(self.account(c, u), "access_denied")
        rows = self.d.audit_rows(
            f"username_tried = '{u}' AND event = 'access_denied'")
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0][2], host)

    def test_rule_for_role_and_service(self):
        _, c = self.host(rules=(("ops", "sshd"),))
        ops = self.user(roles=("ops",))
        other = self.user(roles=("staff",))
        self.assertEqual(self.account(c, ops, "sshd"), "ok")
        self.assertEqual(self.account(c, ops, "sudo"), "access_denied")
        self.assertEqual(self.account(c, other, "sshd"), "access_denied")

    def test_require_roles_and_rules_must_both_allow(self):
        _, c = self.host(rules=(("staff", ""),))
        staff = self.user(roles=("staff",))
        both = self.user(roles=("staff", "admin"))
        admin_only = self.user(roles=("admin",))
        self.assertEqual(self.account(c, staff, "sudo", ["admin"]),
                         "role_missing")
        self.assertEqual(self.account(c, both, "sudo", ["admin"]), "ok")
        self.assertEqual(self.account(c, admin_only, "sudo", ["admin"]),
                         "access_denied")

    def test_account_states(self):
        _, c = self.host()
        self.assertEqual(self.account(c, unique("ghost")), "unknown_user")
        u = self.user()
        self.d.ctl("user", "lock", u, "--force")
        self.assertEqual(self.account(c, u), "locked")
        v = self.user()
        self.d.ctl("user", "deactivate", v, "--force")
        self.assertEqual(self.account(c, v), "inactive")


class TestPassword(DirectoryCase):
    def change(self, c, user, old, new):
        r = c.post("/host/v1/password",
                   {"user": user, "old_password": old, "new_password": new,
                    "service": "passwd", "rhost": "", "tty": "pts/0"})
        self.assertEqual(r.status, 200, r)
        return r.json()

    def test_change_with_the_old_password(self):
        _, c = self.host()
        u = self.user()
        self.assertEqual(
            self.change(c, u, "wrong old one here", "another passphrase 9")
            ["status"], "wrong_password")
        rejected = self.change(c, u, PASSWORD, "short")
        self.assertEqual(rejected["status"], "rejected")
        self.assertTrue(rejected["message"])
        self.assertEqual(self.change(c, u, PASSWORD, "another passphrase 9")
                         ["status"], "ok")
        self.assertEqual(self.auth(c, u, "another passphrase 9")["status"],
                         "ok")
        self.assertEqual(self.change(c, unique("ghost"), "x y z w v",
                                     "another passphrase 9")["status"],
                         "unknown_user")

    def test_without_old_password_only_on_may_reset_hosts(self):
        _, plain = self.host()
        _, resetter = self.host(may_reset=True)
        u = self.user()
        self.assertEqual(self.change(plain, u, None, "another passphrase 9")
                         ["status"], "not_allowed")
        self.assertEqual(self.auth(plain, u)["status"], "ok")
        self.assertEqual(self.change(resetter, u, None,
                                     "another passphrase 9")["status"], "ok")
        self.assertEqual(self.auth(plain, u, "another passphrase 9")
                         ["status"], "ok")


class TestSessionKeysAudit(DirectoryCase):
    def test_session_open_and_close(self):
        host, c = self.host()
        u = self.user()
        for event in ("open", "close"):
            r = c.post("/host/v1/session",
                       {"user": u, "service": "sshd", "rhost": "203.0.113.4",
                        "tty": "ssh", "event": event})
            self.assertEqual(r.json(), {"status": "ok"}, r)
        rows = self.d.audit_rows(
            f"username_tried = '{u}' AND event LIKE 'session_%'")
        self.assertEqual([(e, h) for e, _, h, _, _ in rows],
                         [("session_open", host), ("session_close", host)])
        self.assertNotEqual(self.d.query(
            f"SELECT last_login_at FROM users WHERE username = '{u}'")
            .strip(), "NULL")

    def test_ssh_keys(self):
        _, c = self.host()
        u = self.user()
        blob = base64.b64encode(b"\x00\x00\x00\x0bssh-ed25519" + b"\x00" * 4
                                + os.urandom(32)).decode()
        self.d.query(
            "INSERT INTO ssh_keys (user_id, algorithm, public_key, "
            "fingerprint, comment, created_at) SELECT id, 'ssh-ed25519', "
            f"'{blob}', 'SHA256:test{u}', 'me@laptop', NOW(6) FROM users "
            f"WHERE username = '{u}'")
        r = c.get(f"/host/v1/ssh-keys?user={u}")
        self.assertEqual(r.json(), {"status": "ok", "keys": [
            f"ssh-ed25519 {blob} me@laptop"]})
        self.assertEqual(c.get(f"/host/v1/ssh-keys?user={unique('g')}")
                         .json(), {"status": "unknown_user"})
        self.d.ctl("user", "deactivate", u, "--force")
        self.assertEqual(c.get(f"/host/v1/ssh-keys?user={u}").json(),
                         {"status": "unknown_user"})

    def test_audit_accepts_only_offline_events(self):
        host, c = self.host()
        u = self.user()
        ev = {"ts": 1700000000, "user": u, "event": "offline_login",
              "service": "sshd", "rhost": "203.0.113.7", "tty": "ssh",
              "detail": "cached verifier"}
        r = c.post("/host/v1/audit", {"events": [
            ev, dict(ev, event="offline_failure")]})
        self.assertEqual(r.json(), {"status": "ok", "accepted": 2}, r)
        rows = self.d.audit_rows(
            f"username_tried = '{u}' AND event LIKE 'offline_%'")
        self.assertEqual([(e, h) for e, _, h, _, _ in rows],
                         [("offline_login", host), ("offline_failure", host)])
        self.assertIn(f"reported by host {host}", rows[0][3])
        for bad in ("login_success", "user_deleted", "host_alarm", "nope"):
            r = c.post("/host/v1/audit", {"events": [dict(ev, event=bad)]})
            self.assertEqual(r.status, 400, f"{bad}: {r}")
        mixed = c.post("/host/v1/audit", {"events": [
            ev, dict(ev, event="login_success")]})
        self.assertEqual(mixed.status, 400)
        self.assertEqual(len(self.d.audit_rows(
            f"username_tried = '{u}' AND event LIKE 'offline_%'")), 2)


class TestMap(DirectoryCase):
    def map(self, c, since=""):
        r = c.get(f"/host/v1/map?since={since}")
        self.assertEqual(r.status, 200, r)
        return r.json()

    def wait_map(self, c, check):
        deadline = time.monotonic() + 10
        while True:
            m = self.map(c)
            if check(m) or time.monotonic() > deadline:
                return m
            time.sleep(0.5)

    def test_map_contents_versions_and_removals(self):
        _, c = self.host()
        a, b, nouid = self.user(), self.user(), self.user()
        self.d.give_uid(a, 21001)
        self.d.give_uid(b, 21002)
        m = self.wait_map(c, lambda m: b in [u["name"] for u in m["users"]])
        users = {u["name"]: u for u in m["users"]}
        self.assertEqual(set(users[a]), {"name", "uid", "gid", "gecos",
                                         "home", "shell"})
        self.assertEqual(users[a]["uid"], 21001)
        self.assertEqual(users[a]["gid"], 21001)
        self.assertNotIn(nouid, users)
        self.assertIn({"name": a, "gid": 21001, "members": []}, m["groups"])
        self.assertNotIn("@", json.dumps(m))
        same = self.map(c, m["version"])
        self.assertEqual(same, {"version": m["version"], "unchanged": True})
        self.d.ctl("user", "deactivate", a, "--force")
        r = self.d.ctl("user", "delete", b, "--yes", "--force")
        self.assertEqual(r.returncode, 0, r.stderr)
        later = self.wait_map(c, lambda m: a not in str(m["users"]))
        names = [u["name"] for u in later["users"]]
        self.assertNotIn(a, names)
        self.assertNotIn(b, names)
        self.assertNotEqual(later["version"], m["version"])
        self.assertFalse(self.map(c, m["version"])["unchanged"])


class TestOfflineStamps(DirectoryCase):
    def stamp(self, c, user):
        r = c.post("/host/v1/offline-check", {"users": [user]})
        self.assertEqual(r.status, 200, r)
        return r.json()["users"][user]

    def test_stamp_matches_authenticate_and_changes(self):
        group = unique("og")
        _, c = self.host(group=group, rules=(("staff", ""), ("ops", "sudo")))
        u = self.user(roles=("staff", "ops"))
        first = self.auth(c, u)["offline_stamp"]
        state = self.stamp(c, u)
        self.assertEqual(state["stamp"], first)
        self.assertEqual(state["roles"], sorted(state["roles"]))
        self.assertTrue({"ops", "staff"} <= set(state["roles"]), state)
        self.assertEqual(state["services"], ["*"])
        # Role loss changes the stamp; the last admitting role gone: null.
        self.d.revoke_role(u, "ops")
        after_role = self.stamp(c, u)["stamp"]
        self.assertIsNotNone(after_role)
        self.assertNotEqual(after_role, first)
        # A password change.
        r = self.d.ctl("user", "set-password", u, "--password-stdin",
                       stdin="another passphrase 9\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        after_pw = self.stamp(c, u)["stamp"]
        self.assertNotIn(after_pw, (None, first, after_role))
        # An access rule gone.
        self.d.drop_rules(group)
        self.assertIsNone(self.stamp(c, u)["stamp"])
        self.assertEqual(self.stamp(c, u)["services"], [])

    def test_stamp_null_on_totp_lock_deactivation(self):
        _, c = self.host()
        for change in (lambda u: self.d.enable_totp(u),
                       lambda u: self.d.ctl("user", "lock", u, "--force"),
                       lambda u: self.d.ctl("user", "deactivate", u,
                                            "--force"),
                       lambda u: self.d.revoke_role(u, "staff")):
            u = self.user()
            self.assertIsNotNone(self.stamp(c, u)["stamp"])
            change(u)
            self.assertIsNone(self.stamp(c, u)["stamp"], change)
        ghost = unique("ghost")
        self.assertEqual(self.stamp(c, ghost),
                         {"stamp": None, "roles": [], "services": []})


class TestAddressesAndAlarms(DirectoryCase):
    directory_options = {
        "extra": ["host_alarm_failures = 4", "host_alarm_window = 10m"],
        "lockout": ["max_failures = 1000", "ip_max_failures = 3"],
    }

    def test_address_counts_per_host(self):
        group = unique("ag")
        _, a = self.host(group=group)
        _, b = self.host(group=group)
        u = self.user()
        rhost = "198.51.100.77"
        for _ in range(3):
            self.assertEqual(self.auth(a, u, "wrong wrong wrong", rhost)
                             ["status"], "bad_credentials")
        self.assertEqual(self.auth(a, u, rhost=rhost)["status"], "throttled")
        self.assertEqual(self.auth(b, u, rhost=rhost)["status"], "ok")
        keys = self.d.query("SELECT ip FROM ip_failures").split()
        self.assertNotIn(rhost, keys)
        self.assertTrue(any(k.endswith("/" + rhost) and k.startswith("host:")
                            for k in keys), keys)

    def test_host_alarm_once_and_never_locks(self):
        host, c = self.host()
        u = self.user()
        for i in range(7):
            self.auth(c, u, "wrong wrong wrong", rhost=f"192.0.2.{i + 1}")
        rows = self.d.audit_rows(f"event = 'host_alarm' AND host = '{host}'")
        self.assertEqual(len(rows), 1, rows)
        self.assertEqual(self.auth(c, u, rhost="192.0.2.99")["status"], "ok")
        metrics = self.d.raw("GET", "/metrics").body.decode()
        m = re.search(r"^latchkey_host_alarms_total (\d+)$", metrics, re.M)
        self.assertIsNotNone(m, metrics[-2000:])
        self.assertGreaterEqual(int(m.group(1)), 1)
        self.assertRegex(
            metrics,
            r'latchkey_host_requests_total\{route="/host/v1/authenticate",'
            r'code="200"\} [1-9]')


class TestNothingSecret(DirectoryCase):
    def test_no_route_returns_hash_email_seed_or_audit(self):
        group = unique("sg")
        host, c = self.host(group=group, may_reset=True)
        _, other = self.host(group=group)
        u = self.user()
        secret, codes = self.d.enable_totp(u)
        self.d.give_uid(u, 22001)
        v = self.user()  # no TOTP: a stamp and an ok login
        self.d.give_uid(v, 22002)
        hashes = self.d.query(
            "SELECT password_hash FROM users WHERE username IN "
            f"('{u}', '{v}')").split()
        seeds = self.d.query(
            "SELECT HEX(totp_secret_enc) FROM users WHERE username = "
            f"'{u}'").split()
        forbidden = hashes + seeds + [secret, secret.replace(" ", ""),
                                      f"{u}@example.org", f"{v}@example.org"]
        forbidden += codes
        audit_words = ["login_success", "login_failure", "totp_ok",
                       "session_open", "password_changed", "user_created",
                       "role_added", "totp_enabled"]
        bodies = []
        for user in (u, v):
            a = self.auth(c, user)
            bodies.append(json.dumps(a))
            if a.get("challenge"):
                r = c.post("/host/v1/second-factor", {
                    "challenge": a["challenge"],
                    "code": lkharness.totp_code(secret), "service": "sshd",
                    "rhost": "", "tty": ""})
                bodies.append(r.body.decode())
        calls = [
            ("POST", "/host/v1/account", {"user": u, "service": "sshd"}),
            ("POST", "/host/v1/password", {"user": v, "old_password": None,
                                           "new_password": PASSWORD + "x"}),
            ("POST", "/host/v1/session", {"user": u, "event": "open"}),
            ("GET", f"/host/v1/ssh-keys?user={u}", None),
            ("GET", "/host/v1/map", None),
            ("POST", "/host/v1/offline-check", {"users": [u, v]}),
            ("POST", "/host/v1/audit", {"events": [
                {"user": u, "event": "offline_failure"}]}),
            ("GET", "/host/v1/ping", None),
        ]
        for method, path, body in calls:
            r = c.request(method, path, body)
            self.assertEqual(r.status, 200, f"{path}: {r}")
            bodies.append(r.body.decode())
        covered = {p.split("?")[0] for _, p, _ in calls} | {
            "/host/v1/authenticate", "/host/v1/second-factor"}
        self.assertEqual(covered, {p.split("?")[0] for _, p in ROUTES})
        text = "\n".join(bodies)
        self.assertIn(u, text)  # the map and answers did name the user
        for word in forbidden + audit_words:
            self.assertTrue(word)
            self.assertNotIn(word, text)


if __name__ == "__main__":
    unittest.main()
