"""When the database cannot be reached or the config is broken the module
says PAM_AUTHINFO_UNAVAIL quickly, and the documented fallback stack keeps
local accounts able to log in, while database users get no second chance
against /etc/shadow."""
import os
import unittest

import lkharness
import pamharness as h
from test_auth import GOOD, StackTest

LOCAL_PW = "local unix password 7"


class SilentServer(h.LoopbackServer):
    """Accepts TCP connections on 127.0.0.1 and never says a word: a hung
    database server (the handshake greeting never comes)."""


class UnavailableTest(StackTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.db.add_user("dora", GOOD)
        cls.dead_port = lkharness.free_port()
        cls.dead = cls.db.write_config("dead.conf", database=(
            "hosts = 127.0.0.1:%d\nname = x\nuser = x\nconnect_timeout = 1s\n"
            % cls.dead_port))

    def test_refused_port_is_authinfo_unavail(self):
        svc = self.stack("lk-dead", config=self.dead)
        r = self.pam(svc, "dora", ["authenticate"], [GOOD])
        self.assertTrue(r.failed_with("PAM_AUTHINFO_UNAVAIL"), r)
        # connect_timeout (1 s) + 1 s, plus the fail delay libpam adds to a
        # failed stack (2 s, varied by up to a half: at most 3 s).
        self.assertLess(r.elapsed, 1 + 1 + 3, r)
        r = self.pam(svc, "dora", ["acct_mgmt"])
        self.assertTrue(r.failed_with("PAM_AUTHINFO_UNAVAIL"), r)
        # Sessions never block a login.
        r = self.pam(svc, "dora", ["open_session", "close_session"])
        self.assertTrue(r.ok, r)
        r = self.pam(svc, "dora", ["chauthtok"], ["x", "y"])
        self.assertTrue(r.failed_with("PAM_TRY_AGAIN"), r)
        self.assertEqual(r.prompts, [])

    def test_hung_server_is_authinfo_unavail_within_connect_timeout(self):
        server = SilentServer()
        self.addCleanup(server.close)
        hung = self.db.write_config("hung.conf", database=(
            "hosts = 127.0.0.1:%d\nname = x\nuser = x\nconnect_timeout = 1s\n"
            "read_timeout = 1s\n" % server.port))
        svc = self.stack("lk-hung", config=hung)
        # Account phase: no KDF and no fail delay, so the time is all ours.
        r = self.pam(svc, "dora", ["acct_mgmt"])
        self.assertTrue(r.failed_with("PAM_AUTHINFO_UNAVAIL"), r)
        self.assertLess(r.elapsed, 1 + 1, r)
        self.assertGreater(len(server.conns), 0, "module never connected")
        r = self.pam(svc, "dora", ["authenticate"], [GOOD])
        self.assertTrue(r.failed_with("PAM_AUTHINFO_UNAVAIL"), r)
        self.assertLess(r.elapsed, 1 + 1 + 3, r)

    def test_second_host_takes_over(self):
        both = self.db.write_config("failover.conf", database=(
            "hosts = 127.0.0.1:%d, 127.0.0.1:%s\nname = %s\nuser = %s\n"
            "password_file = %s\nconnect_timeout = 1s\n" % (
                self.dead_port, self.db.sb["LK_DB_PORT"], self.db.name,
                self.db.sb["LK_DB_USER"], self.db.sb["LK_DB_PASSWORD_FILE"])))
        svc = self.stack("lk-failover", config=both)
        r = self.pam(svc, "dora", ["authenticate", "acct_mgmt"], [GOOD])
        self.assertTrue(r.ok, r)

    def test_config_errors_name_file_and_line(self):
        bad = os.path.join(self.tmp.path, "bad.conf")
        lkharness.write_file(bad, "[database]\nname = x\nbogus_key = 1\n")
        svc = self.stack("lk-badconf", config=bad)
        r = self.pam(svc, "dora", ["authenticate"], [GOOD])
        self.assertTrue(r.failed_with("PAM_AUTHINFO_UNAVAIL"), r)
        self.assertIn(bad + ":3", r.stderr)
        self.assertIn("bogus_key", r.stderr)

        readable = os.path.join(self.tmp.path, "readable.conf")
        with open(readable, "w") as f:
            f.write(lkharness.read_file(self.db.config))
        os.chmod(readable, 0o644)
        svc = self.stack("lk-readable", config=readable)
        r = self.pam(svc, "dora", ["acct_mgmt"])
        self.assertTrue(r.failed_with("PAM_AUTHINFO_UNAVAIL"), r)
        self.assertIn(readable, r.stderr)

        svc = self.stack("lk-missing", config="/nonexistent/latchkey.conf")
        r = self.pam(svc, "dora", ["authenticate"], [GOOD])
        self.assertTrue(r.failed_with("PAM_AUTHINFO_UNAVAIL"), r)
        self.assertIn("/nonexistent/latchkey.conf", r.stderr)
        # A missing file says how to name another one; an unreadable one
        # that exists does not.
        self.assertIn("name the config file with config=PATH", r.stderr)
        self.assertNotIn("config=PATH", self.pam(
            self.stack("lk-readable2", config=readable), "dora",
            ["acct_mgmt"]).stderr)


class FallbackStackTest(StackTest):
    """docs/pam.md's fallback: latchkey first, pam_unix after it."""

    FALLBACK = ("auth [success=done user_unknown=ignore authinfo_unavail=ignore"
                " default=die] %s config=%s")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.db.add_user("dave", GOOD)
        cls.dead = cls.db.write_config("dead.conf", database=(
            "hosts = 127.0.0.1:%d\nname = x\nuser = x\nconnect_timeout = 1s\n"
            % lkharness.free_port()))

    def fallback(self, name, config, then="pam_unix.so"):
        return self.services.write(name, [
            self.FALLBACK % (self.so, config),
            "auth required %s" % then,
            "account required pam_permit.so",
        ])

    def test_local_user_logs_in_while_database_is_down(self):
        with h.local_unix_user(LOCAL_PW) as local:
            svc = self.fallback("fb-down", self.dead)
            r = self.pam(svc, local, ["authenticate"], [LOCAL_PW])
            self.assertTrue(r.ok, r)
            # pam_unix reused the password latchkey had asked for.
            self.assertEqual(r.prompts, ["Password: "])
            r = self.pam(svc, local, ["authenticate"], ["wrong"])
            self.assertTrue(r.failed_with("PAM_AUTH_ERR"), r)

    def test_local_user_logs_in_while_database_is_up(self):
        with h.local_unix_user(LOCAL_PW) as local:
            svc = self.fallback("fb-up", self.db.config)
            r = self.pam(svc, local, ["authenticate"], [LOCAL_PW])
            self.assertTrue(r.ok, r)
            # A local name is not latchkey's: answered before any database
            # work, so nothing is audited (docs/pam.md, "Whose name is it?").
            self.assertEqual(self.db.events(local), [])

    def test_database_user_gets_no_second_chance(self):
        # Even a module that would let anyone in is never reached after a
        # wrong database password.
        svc = self.fallback("fb-permit", self.db.config, then="pam_permit.so")
        r = self.pam(svc, "dave", ["authenticate"], ["wrong password"])
        self.assertTrue(r.failed_with("PAM_AUTH_ERR"), r)
        r = self.pam(svc, "dave", ["authenticate"], [GOOD])
        self.assertTrue(r.ok, r)


if __name__ == "__main__":
    unittest.main()
