"""latchkey-agent against fake directories (fake_directory.py): who may
ask what, failover, keep-alive, the SSH key and account caches, the NSS
map checks, offline verifiers, the local lockout and the audit queue.
Needs root and LATCHKEY_AGENT."""

import json
import os
import shutil
import signal
import socket
import stat
import struct
import tempfile
import threading
import time
import unittest

from agent_harness import AGENT, AgentHost, recv_exact, wait_until
from fake_directory import FakeDirectory, make_test_ca

TOKEN = "tok-" + "a" * 40
KEY_A = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA alice@a"
KEY_B = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB alice@b"


def read(path):
    with open(path) as f:
        return f.read()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@unittest.skipUnless(os.geteuid() == 0 and AGENT, "needs root and LATCHKEY_AGENT")
class AgentTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ca_dir = tempfile.mkdtemp(prefix="lk-agent-ca-")
        cls.ca, cls.cert, cls.key = make_test_ca(cls.ca_dir)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.ca_dir, ignore_errors=True)

    def setUp(self):
        self.fakes = []
        self.hosts = []

    def tearDown(self):
        for h in self.hosts:
            code = h.stop()
            shutil.rmtree(h.root, ignore_errors=True)
            if code is not None and not getattr(h, "expect_failure", False):
                self.assertEqual(code, 0, "the agent did not stop cleanly")
        for f in self.fakes:
            f.stop()

    def fake(self, port=0):
        f = FakeDirectory(self.cert, self.key, TOKEN, port).start()
        self.fakes.append(f)
        return f

    def host(self, directories, **kw):
        h = AgentHost(self.ca, [d if isinstance(d, str) else d.url
                                for d in directories], **kw)
        self.hosts.append(h)
        return h.start()

    # --- who may ask what -------------------------------------------------

    def test_unprivileged_caller_is_refused(self):
        d = self.fake()
        d.add_user("alice", "pw-alice-123", keys=[KEY_A])
        h = self.host([d])
        for op in ({"op": "ping"}, {"op": "ssh_keys", "user": "alice"},
                   {"op": "passwd", "user": "alice"},
                   {"op": "authenticate", "user": "alice",
                    "password": "pw-alice-123", "service": "sshd"}):
            self.assertEqual(h.call_as("nobody", op), {"status": "forbidden"},
                             op["op"])
        # Root may.
        self.assertEqual(h.call({"op": "ssh_keys", "user": "alice"})["keys"],
                         [KEY_A])

    def test_keys_user_may_ask_keys_and_names_only(self):
        d = self.fake()
        d.add_user("alice", "pw-alice-123", keys=[KEY_A])
        d.map_users = [{"name": "alice", "uid": 20001, "gid": 20001,
                        "gecos": "Alice", "home": "/home/alice",
                        "shell": "/bin/bash"}]
        h = self.host([d])
        # The files are written first, then the agent's copy is swapped in.
        wait_until(lambda: h.call({"op": "passwd", "user": "alice"})
                   ["status"] == "ok")
        got = h.call_as("daemon", {"op": "ssh_keys", "user": "alice"})
        self.assertEqual(got["status"], "ok")
        self.assertEqual(got["keys"], [KEY_A])
        got = h.call_as("daemon", {"op": "passwd", "user": "alice"})
        self.assertEqual((got["status"], got["uid"]), ("ok", 20001))
        for op in ({"op": "ping"},
                   {"op": "authenticate", "user": "alice",
                    "password": "pw-alice-123", "service": "sshd"},
                   {"op": "account", "user": "alice", "service": "sshd"},
                   {"op": "open_session", "user": "alice", "service": "sshd"}):
            self.assertEqual(h.call_as("daemon", op), {"status": "forbidden"},
                             op["op"])

    def test_sighup_reloads_and_a_broken_file_keeps_the_old_settings(self):
        d = self.fake()
        d.add_user("alice", "pw", keys=[KEY_A])
        h = self.host([d])
        req = {"op": "ssh_keys", "user": "alice"}
        self.assertEqual(h.call_as("daemon", req)["status"], "ok")
        with open(h.config) as f:
            text = f.read()
        with open(h.config, "w") as f:
            f.write(text.replace("keys_user = daemon", "keys_user = "))
        h.signal(signal.SIGHUP)
        self.assertTrue(wait_until(
            lambda: h.call_as("daemon", req) == {"status": "forbidden"}))
        with open(h.config, "w") as f:
            f.write(text + "\nno_such_key = 1\n")
        h.signal(signal.SIGHUP)
        self.assertTrue(wait_until(
            lambda: "reload failed, keeping the old settings" in h.read_log()))
        self.assertEqual(h.call_as("daemon", req), {"status": "forbidden"})
        self.assertEqual(h.call(req)["status"], "ok")

    def test_socket_mode_and_a_stale_socket_after_a_crash(self):
        d = self.fake()
        h = self.host([d])
        self.assertEqual(stat.S_IMODE(os.stat(h.socket).st_mode), 0o666)
        self.assertEqual(
            stat.S_IMODE(os.stat(os.path.dirname(h.socket)).st_mode), 0o755)
        self.assertEqual(stat.S_IMODE(os.stat(h.state).st_mode), 0o700)
        h.proc.kill()
        h.proc.wait()
        self.assertTrue(os.path.exists(h.socket))  # left behind
        h.start()
        self.assertTrue(h.call({"op": "ping"})["online"])

    def test_a_token_file_others_can_read_is_refused(self):
        d = self.fake()
        h = AgentHost(self.ca, [d.url])
        self.hosts.append(h)
        os.chmod(h.token_file, 0o644)
        with self.assertRaises(RuntimeError) as caught:
            h.start()
        self.assertIn(h.token_file, str(caught.exception))
        self.assertNotIn(TOKEN, str(caught.exception))
        self.assertNotEqual(h.proc.returncode, 0)
        h.expect_failure = True

    def test_bad_frame_is_answered_and_closed(self):
        d = self.fake()
        h = self.host([d])
        self.assertEqual(h.call({"no_op": 1})["status"], "bad_request")
        # A length above 1 MiB: bad_request, and the connection closes.
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(5)
        s.connect(h.socket)
        s.sendall(struct.pack(">I", (1 << 20) + 1))
        n = struct.unpack(">I", recv_exact(s, 4))[0]
        self.assertEqual(json.loads(recv_exact(s, n))["status"], "bad_request")
        self.assertEqual(s.recv(1), b"")
        s.close()

    def test_many_callers_at_once(self):
        d = self.fake()
        for i in range(40):
            d.add_user("user%d" % i, "pw", keys=[KEY_A])
        # The fake directory makes its TLS handshakes one at a time, in
        # Python, on a shared machine: give them time.
        h = self.host([d], ttl="1s", connect_timeout="5s")
        results = []

        def worker(i):
            for j in range(5):
                got = h.call({"op": "ssh_keys",
                              "user": "user%d" % ((i + j) % 40)})
                results.append(got["status"] if got["status"] == "ok"
                               else got)

        threads = [threading.Thread(target=worker, args=(i,))
                   for i in range(40)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(results, ["ok"] * 200)
        # A bounded handle pool: a few connections, not one per call.
        self.assertLessEqual(d.connections, 17)

    # --- failover and keep-alive -------------------------------------------

    def test_failover_from_a_closed_port(self):
        d = self.fake()
        d.add_user("alice", "pw-alice-123", keys=[KEY_A])
        closed = "https://127.0.0.1:%d" % free_port()
        h = self.host([closed, d.url], connect_timeout="1s")
        start = time.monotonic()
        got = h.call({"op": "ssh_keys", "user": "alice"})
        self.assertEqual(got["status"], "ok")
        self.assertLess(time.monotonic() - start, 1.5)
        self.assertEqual(h.call({"op": "ping"})["directory"], d.url)

    def test_failover_from_a_directory_that_never_accepts(self):
        d = self.fake()
        d.add_user("alice", "pw-alice-123", keys=[KEY_A])
        hole = socket.socket()
        hole.bind(("127.0.0.1", 0))
        hole.listen(1)  # the kernel completes TCP; nobody ever speaks TLS
        self.addCleanup(hole.close)
        first = "https://127.0.0.1:%d" % hole.getsockname()[1]
        h = self.host([first, d.url], connect_timeout="1s", sync_interval="1h")
        start = time.monotonic()
        got = h.call({"op": "ssh_keys", "user": "alice"})
        elapsed = time.monotonic() - start
        self.assertEqual(got["status"], "ok")
        # connect_timeout (TCP + TLS handshake) and a margin, not the
        # request timeout (3 s).
        self.assertLess(elapsed, 2.0)
        # The answering one is remembered: the next call goes straight there.
        start = time.monotonic()
        h.call({"op": "ssh_keys", "user": "bob"})
        self.assertLess(time.monotonic() - start, 0.5)

    def test_keep_alive_one_tls_connection_for_many_calls(self):
        d = self.fake()
        for i in range(30):
            d.add_user("user%d" % i, "pw", keys=[KEY_A])
        h = self.host([d], sync_interval="1h")
        # Warm: the first sync and the start-up ping may have raced for a
        # connection each.
        h.call({"op": "ssh_keys", "user": "user0"})
        time.sleep(0.3)
        before = d.connections
        self.assertLessEqual(before, 2)
        for i in range(1, 30):
            self.assertEqual(
                h.call({"op": "ssh_keys", "user": "user%d" % i})["status"],
                "ok")
        ping = h.call({"op": "ping"})
        self.assertTrue(ping["online"])
        self.assertEqual(d.connections, before, "no new TLS connection")
        # curl's own count (CURLINFO_NUM_CONNECTS), summed by the agent.
        self.assertEqual(ping["connects"], d.connections)
        agents = {r[4] for r in d.requests}
        self.assertEqual(len(agents), 1)
        self.assertTrue(agents.pop().startswith("latchkey-agent/"))

    def test_back_to_the_first_directory(self):
        # Directory 1 down at first: calls go to directory 2. Once it is
        # back, the next sync (which starts at the top of the list) finds
        # it, and calls go there again.
        port = free_port()
        d2 = self.fake()
        d2.add_user("alice", "pw", keys=[KEY_A])
        h = self.host(["https://127.0.0.1:%d" % port, d2.url],
                      sync_interval="1s")
        self.assertEqual(h.call({"op": "ping"})["directory"], d2.url)
        d1 = self.fake(port)
        d1.add_user("alice", "pw", keys=[KEY_B])
        self.assertTrue(wait_until(
            lambda: h.call({"op": "ping"})["directory"] == d1.url))
        self.assertEqual(h.call({"op": "ssh_keys", "user": "alice"})["keys"],
                         [KEY_B])

    def test_no_database_library_or_secret_is_loaded(self):
        d = self.fake()
        h = self.host([d])
        with open("/proc/%d/maps" % h.proc.pid) as f:
            maps = f.read()
        self.assertNotIn("libmariadb", maps)
        self.assertNotIn("libmysql", maps)
        # The config names no [database] password file or secret key, and
        # the agent starts without them.
        self.assertTrue(h.call({"op": "ping"})["online"])

    # --- the SSH key cache --------------------------------------------------

    def test_key_cache_ttl_and_max_stale(self):
        d = self.fake()
        d.add_user("alice", "pw", keys=[KEY_A])
        h = self.host([d], ttl="2s", max_stale="5s", sync_interval="1h")
        got = h.call({"op": "ssh_keys", "user": "alice"})
        self.assertEqual((got["keys"], got["stale"]), ([KEY_A], False))
        fetched = time.monotonic()
        d.users["alice"]["keys"] = [KEY_B]
        # Within the TTL: the cached list, without asking.
        asked = d.paths().count("/host/v1/ssh-keys")
        self.assertEqual(h.call({"op": "ssh_keys", "user": "alice"})["keys"],
                         [KEY_A])
        self.assertEqual(d.paths().count("/host/v1/ssh-keys"), asked)
        # After it: asked again, so a removed key is gone.
        time.sleep(max(0, 2.1 - (time.monotonic() - fetched)))
        got = h.call({"op": "ssh_keys", "user": "alice"})
        self.assertEqual((got["keys"], got["stale"]), ([KEY_B], False))
        fetched = time.monotonic()
        # Directory down: stale keys until max_stale, then nothing.
        d.stop()
        time.sleep(max(0, 2.1 - (time.monotonic() - fetched)))
        got = h.call({"op": "ssh_keys", "user": "alice"})
        self.assertEqual((got["status"], got["keys"], got["stale"]),
                         ("ok", [KEY_B], True))
        time.sleep(max(0, 6.3 - (time.monotonic() - fetched)))
        self.assertEqual(h.call({"op": "ssh_keys", "user": "alice"})["status"],
                         "unavailable")
        # A user never seen: unavailable too, not unknown.
        self.assertEqual(h.call({"op": "ssh_keys", "user": "zed"})["status"],
                         "unavailable")

    def test_unknown_user_and_newline_in_keys(self):
        d = self.fake()
        d.add_user("alice", "pw", keys=[KEY_A + "\n" + KEY_B, KEY_B])
        h = self.host([d])
        self.assertEqual(h.call({"op": "ssh_keys", "user": "nobodyhere"}),
                         {"status": "unknown_user"})
        self.assertEqual(h.call({"op": "ssh_keys", "user": "alice"})["keys"],
                         [KEY_B])

    def test_revoked_host_gets_no_cached_answers(self):
        d = self.fake()
        d.add_user("alice", "pw-alice-123", keys=[KEY_A])
        h = self.host([d], ttl="1s", offline_max_age="1h")
        self.assertEqual(
            h.call({"op": "authenticate", "user": "alice",
                    "password": "pw-alice-123", "service": "sshd"})["status"],
            "ok")
        self.assertEqual(h.call({"op": "ssh_keys", "user": "alice"})["status"],
                         "ok")
        wait_until(lambda: "alice" in h.offline_users())
        d.token = "revoked"
        time.sleep(1.1)
        # A directory that answers 401 is no outage: no stale keys, no
        # offline login.
        self.assertEqual(h.call({"op": "ssh_keys", "user": "alice"})["status"],
                         "unavailable")
        got = h.call({"op": "authenticate", "user": "alice",
                      "password": "pw-alice-123", "service": "sshd"})
        self.assertEqual(got["status"], "unavailable")
        # An online "no": the caches and verifiers are gone, also once the
        # directory cannot be reached any more.
        self.assertEqual(h.offline_users(), {})
        d.stop()
        self.assertEqual(h.call({"op": "ssh_keys", "user": "alice"})["status"],
                         "unavailable")

    def test_a_busy_directory_is_online_no_offline_login(self):
        d = self.fake()
        d.add_user("alice", "pw-alice-123", keys=[KEY_A])
        h = self.host([d], ttl="1s", offline_max_age="1h")
        self.assertEqual(
            h.call({"op": "authenticate", "user": "alice",
                    "password": "pw-alice-123", "service": "sshd"})["status"],
            "ok")
        acct = {"op": "account", "user": "alice", "service": "sshd"}
        self.assertEqual(h.call(acct)["status"], "ok")
        self.assertEqual(h.call({"op": "ssh_keys", "user": "alice"})["status"],
                         "ok")
        wait_until(lambda: "alice" in h.offline_users())
        d.fail_with = 503  # the KDF queue full, or its database down
        time.sleep(1.1)
        got = h.call({"op": "authenticate", "user": "alice",
                      "password": "pw-alice-123", "service": "sshd"})
        self.assertEqual(got["status"], "unavailable")
        self.assertNotEqual(got.get("offline"), True)
        # Key logins still work from the caches.
        got = h.call({"op": "ssh_keys", "user": "alice"})
        self.assertEqual((got["status"], got["stale"]), ("ok", True))
        self.assertEqual(h.call(acct)["status"], "ok")
        self.assertEqual(h.audit_queue(), [])

    # --- account -----------------------------------------------------------

    def test_account_answer_cached_for_offline_key_logins(self):
        d = self.fake()
        d.add_user("alice", "pw", roles=["staff"])
        h = self.host([d], max_stale="4s", sync_interval="1h")
        req = {"op": "account", "user": "alice", "service": "sshd",
               "require_roles": ["staff"]}
        self.assertEqual(h.call(req)["status"], "ok")
        self.assertEqual(h.call(dict(req, require_roles=["admin"]))["status"],
                         "role_missing")
        given = time.monotonic()
        d.stop()
        got = h.call(req)
        self.assertEqual((got["status"], got["offline"]), ("ok", True))
        # Only the exact (user, service, roles) that was answered ok.
        self.assertEqual(h.call(dict(req, require_roles=["admin"]))["status"],
                         "unavailable")
        self.assertEqual(h.call(dict(req, service="sudo"))["status"],
                         "unavailable")
        time.sleep(max(0, 5.2 - (time.monotonic() - given)))
        self.assertEqual(h.call(req)["status"], "unavailable")

    # --- NSS from the map ---------------------------------------------------

    def test_map_checks_refuse_entry_by_entry(self):
        d = self.fake()
        good = {"name": "alice", "uid": 20001, "gid": 20001,
                "gecos": "Alice, A:", "home": "/home/alice",
                "shell": "/bin/bash"}
        d.map_users = [
            good,
            dict(good, name="evil0", uid=0, gid=0),
            dict(good, name="evil1", uid=20002, gid=0),
            dict(good, name="far", uid=40000, gid=40000),
            dict(good, name="root", uid=20003, gid=20003),
            dict(good, name="localbob", uid=20004, gid=20004),
            dict(good, name="Bad Name", uid=20005, gid=20005),
            dict(good, name="shelly", uid=20006, gid=20006,
                 shell="/bin/sh\nroot2::0:0::/:/bin/sh"),
            dict(good, name="colon", uid=20007, gid=20007, home="/x:y"),
            dict(good, name="twin", uid=20001, gid=20001),
        ]
        d.map_groups = [{"name": "alice", "gid": 20001, "members": []},
                        {"name": "ops", "gid": 20100,
                         "members": ["alice", "root", "localbob", "Bad"]},
                        {"name": "root", "gid": 20101, "members": []},
                        {"name": "wheel0", "gid": 0, "members": ["alice"]}]
        h = self.host([d])
        wait_until(lambda: h.call({"op": "passwd", "user": "alice"})
                   ["status"] == "ok")
        with open(h.passwd) as f:
            self.assertEqual(
                f.read(), "alice:x:20001:20001:Alice A:/home/alice:/bin/bash\n")
        with open(h.group) as f:
            self.assertEqual(f.read(), "alice:x:20001:\nops:x:20100:alice\n")
        self.assertEqual(stat.S_IMODE(os.stat(h.passwd).st_mode), 0o644)
        log = h.read_log()
        for name in ("evil0", "evil1", "far", "root", "localbob", "Bad Name",
                     "shelly", "colon", "twin"):
            self.assertIn("map entry refused: " + name, log)
        self.assertEqual(h.call({"op": "passwd", "user": "alice"})["uid"],
                         20001)
        for name in ("evil0", "root", "localbob"):
            self.assertEqual(h.call({"op": "passwd", "user": name}),
                             {"status": "unknown_user"})
        # Removed from the map: gone from the files.
        with d.lock:
            d.map_users = []
            d.map_groups = []
            d.map_version = "2"
        self.assertTrue(wait_until(
            lambda: read(h.passwd) == "" and read(h.group) == ""))
        self.assertEqual(h.call({"op": "passwd", "user": "alice"}),
                         {"status": "unknown_user"})
        # A broken answer (no users list) leaves the files alone.
        with d.lock:
            d.map_users = [good]
            d.map_version = "3"
        self.assertTrue(wait_until(lambda: "alice" in read(h.passwd)))
        with d.lock:
            d.map_users = None
            d.map_version = "4"
        self.assertTrue(wait_until(
            lambda: "map: the answer has no users list" in h.read_log()))
        self.assertIn("alice", read(h.passwd))
        with d.lock:
            d.map_users = []
            d.map_version = "2"
        self.assertTrue(wait_until(lambda: read(h.passwd) == ""))
        # Unchanged versions are not fetched whole again.
        time.sleep(1.5)
        self.assertIn("since=2", "".join(
            "since=%s" % r[2].get("since") for r in d.requests
            if r[1] == "/host/v1/map"))

    def test_odd_map_json_is_skipped_not_fatal(self):
        d = self.fake()
        d.map_users = [{"name": "alice", "uid": "20001"}, 5, None,
                       {"name": ["x"], "uid": 20002, "gid": 20002,
                        "home": "/home/x", "shell": "/bin/sh"},
                       {"name": "bob", "uid": 20003, "gid": 20003,
                        "gecos": 7, "home": "/home/bob", "shell": "/bin/sh"}]
        d.map_groups = "not a list"
        h = self.host([d])
        self.assertTrue(wait_until(
            lambda: h.call({"op": "passwd", "user": "bob"})["status"] == "ok"))
        self.assertEqual(read(h.passwd), "bob:x:20003:20003::/home/bob:/bin/sh\n")
        self.assertIsNone(h.proc.poll())

    # --- offline login --------------------------------------------------

    def login(self, h, password, user="alice", **extra):
        return h.call(dict({"op": "authenticate", "user": user,
                            "password": password, "service": "sshd",
                            "rhost": "203.0.113.9", "tty": "ssh"}, **extra))

    def test_offline_verifier_created_used_and_expired(self):
        d = self.fake()
        d.add_user("alice", "pw-alice-123", roles=["staff"],
                   services=["sshd"])
        h = self.host([d], offline_max_age="4s")
        got = self.login(h, "pw-alice-123")
        self.assertEqual((got["status"], got["offline"]), ("ok", False))
        self.assertNotIn("offline_stamp", got)
        users = wait_until(lambda: h.offline_users().get("alice"))
        self.assertTrue(users["verifier"].startswith("$argon2id$"))
        self.assertEqual(users["roles"], ["staff"])
        path = os.path.join(h.state, "offline.json")
        st = os.stat(path)
        self.assertEqual((stat.S_IMODE(st.st_mode), st.st_uid), (0o600, 0))
        self.assertEqual(stat.S_IMODE(os.stat(h.state).st_mode), 0o700)
        with open(path) as f:
            self.assertNotIn("pw-alice-123", f.read())
        d.stop()
        confirmed = time.monotonic()
        got = self.login(h, "pw-alice-123")
        self.assertEqual((got["status"], got["offline"]), ("ok", True))
        got = self.login(h, "wrong-password")
        self.assertEqual((got["status"], got["offline"]),
                         ("bad_credentials", True))
        # Offline account from the verifier's roles and services.
        acct = {"op": "account", "user": "alice", "service": "sshd"}
        self.assertEqual(h.call(acct)["status"], "ok")
        self.assertEqual(h.call(dict(acct, require_roles=["admin"]))["status"],
                         "role_missing")
        self.assertEqual(h.call(dict(acct, service="sudo"))["status"],
                         "access_denied")
        # Unknown to the verifiers: unavailable.
        self.assertEqual(self.login(h, "x", user="bob")["status"],
                         "unavailable")
        # totp=required from the pam.d line: never offline.
        self.assertEqual(self.login(h, "pw-alice-123", totp="required")
                         ["status"], "unavailable")
        time.sleep(max(0, 5.3 - (time.monotonic() - confirmed)))
        self.assertEqual(self.login(h, "pw-alice-123")["status"], "unavailable")

    def test_offline_off_by_default(self):
        d = self.fake()
        d.add_user("alice", "pw-alice-123")
        h = self.host([d])
        self.assertEqual(self.login(h, "pw-alice-123")["status"], "ok")
        time.sleep(0.5)
        self.assertEqual(h.offline_users(), {})
        d.stop()
        self.assertEqual(self.login(h, "pw-alice-123")["status"], "unavailable")

    def test_verifier_dropped_when_the_stamp_changes(self):
        d = self.fake()
        d.add_user("alice", "pw-alice-123")
        d.add_user("carol", "pw-carol-123")
        h = self.host([d], offline_max_age="1h")
        self.assertEqual(self.login(h, "pw-alice-123")["status"], "ok")
        self.assertEqual(self.login(h, "pw-carol-123", user="carol")["status"],
                         "ok")
        wait_until(lambda: len(h.offline_users()) == 2)
        with d.lock:
            d.users["alice"]["stamp"] = "changed"  # e.g. a password reset
            d.users["carol"]["totp"] = True        # TOTP enrolled: null
        self.assertTrue(wait_until(lambda: h.offline_users() == {}))
        d.stop()
        self.assertEqual(self.login(h, "pw-alice-123")["status"], "unavailable")

    def test_totp_account_gets_no_verifier(self):
        d = self.fake()
        d.add_user("tina", "pw-tina-1234", totp=True)
        h = self.host([d], offline_max_age="1h")
        got = self.login(h, "pw-tina-1234", user="tina")
        self.assertEqual(got["status"], "second_factor_needed")
        got = h.call({"op": "second_factor", "challenge": got["challenge"],
                      "code": "123456", "service": "sshd"})
        self.assertEqual(got["status"], "ok")
        time.sleep(0.5)
        self.assertEqual(h.offline_users(), {})
        d.stop()
        self.assertEqual(self.login(h, "pw-tina-1234", user="tina")["status"],
                         "unavailable")

    def test_offline_lockout_and_audit_queue_delivered(self):
        d = self.fake()
        port = d.port
        d.add_user("alice", "pw-alice-123")
        h = self.host([d], offline_max_age="1h", max_failures=3)
        self.assertEqual(self.login(h, "pw-alice-123")["status"], "ok")
        wait_until(lambda: "alice" in h.offline_users())
        d.stop()
        self.assertEqual(self.login(h, "pw-alice-123")["status"], "ok")
        for _ in range(3):
            self.assertEqual(self.login(h, "bad-guess")["status"],
                             "bad_credentials")
        got = self.login(h, "pw-alice-123")
        self.assertEqual(got["status"], "locked")
        self.assertGreater(got["retry_after"], 0)
        self.assertEqual(h.offline_users()["alice"]["lockout"]["lock_count"], 1)
        queued = h.audit_queue()
        self.assertEqual([e["event"] for e in queued],
                         ["offline_login"] + ["offline_failure"] * 3)
        self.assertEqual(queued[0]["rhost"], "203.0.113.9")
        st = os.stat(os.path.join(h.state, "audit-queue.json"))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
        # The directory is back: the rows arrive, the queue empties.
        back = self.fake(port)
        back.add_user("alice", "pw-alice-123")
        self.assertTrue(wait_until(lambda: len(back.audit) == 4))
        self.assertEqual([e["event"] for e in back.audit],
                         ["offline_login"] + ["offline_failure"] * 3)
        self.assertTrue(wait_until(lambda: h.audit_queue() == []))

    def test_password_change_drops_the_verifier(self):
        d = self.fake()
        d.add_user("alice", "pw-alice-123")
        h = self.host([d], offline_max_age="1h", sync_interval="1h")
        self.assertEqual(self.login(h, "pw-alice-123")["status"], "ok")
        wait_until(lambda: "alice" in h.offline_users())
        got = h.call({"op": "change_password", "user": "alice",
                      "old_password": "pw-alice-123",
                      "new_password": "pw-alice-456", "service": "passwd"})
        self.assertEqual(got["status"], "ok")
        self.assertEqual(h.offline_users(), {})

    def test_state_survives_a_restart_and_sigterm_is_clean(self):
        d = self.fake()
        d.add_user("alice", "pw-alice-123")
        d.map_users = [{"name": "alice", "uid": 20001, "gid": 20001,
                        "gecos": "", "home": "/home/alice",
                        "shell": "/bin/sh"}]
        h = self.host([d], offline_max_age="1h")
        self.assertEqual(self.login(h, "pw-alice-123")["status"], "ok")
        wait_until(lambda: "alice" in h.offline_users())
        wait_until(lambda: h.call({"op": "passwd", "user": "alice"})
                   ["status"] == "ok")
        self.assertEqual(h.stop(), 0)
        self.assertFalse(os.path.exists(h.socket))
        d.stop()
        h.start()
        got = self.login(h, "pw-alice-123")
        self.assertEqual((got["status"], got["offline"]), ("ok", True))
        # Names from the files it wrote, before any sync.
        got = h.call({"op": "passwd", "user": "alice"})
        self.assertEqual((got["status"], got["uid"], got["home"]),
                         ("ok", 20001, "/home/alice"))

    def test_no_password_or_token_in_the_log(self):
        d = self.fake()
        d.add_user("alice", "pw-alice-123")
        h = self.host([d], offline_max_age="1h")
        self.login(h, "pw-alice-123")
        self.login(h, "wrong-secret-999")
        d.stop()
        self.login(h, "wrong-secret-888")
        log = h.read_log()
        for secret in ("pw-alice-123", "wrong-secret", TOKEN):
            self.assertNotIn(secret, log)

    def test_slow_clients_do_not_block_others(self):
        d = self.fake()
        d.add_user("alice", "pw", keys=[KEY_A])
        h = self.host([d])
        # 20 connections (more than the 16 workers) that send half a frame.
        idle = []
        for _ in range(20):
            s = socket.socket(socket.AF_UNIX)
            s.connect(h.socket)
            s.sendall(b"\x00\x00\x00\x10{")
            idle.append(s)
        try:
            start = time.monotonic()
            self.assertEqual(h.call({"op": "ssh_keys", "user": "alice"})
                             ["status"], "ok")
            # Half frames hold no worker: answered at once, not after the
            # 5 s frame timeout.
            self.assertLess(time.monotonic() - start, 2.0)
        finally:
            for s in idle:
                s.close()


if __name__ == "__main__":
    unittest.main()
