"""The session phase records logins (service, tty, rhost, pid, last login)
and never fails a login."""
import unittest

import pamharness as h
from test_auth import GOOD, StackTest


class SessionTest(StackTest):

    def setUp(self):
        self.svc = self.stack("lk-session")

    def test_open_and_close_are_recorded(self):
        self.db.add_user("sam", GOOD)
        self.assertEqual(self.db.user_row("sam", "last_login_at")[0], "NULL")
        r = self.pam(self.svc, "sam", ["open_session", "close_session"],
                     items={"tty": "pts/4", "rhost": "192.0.2.44"})
        self.assertTrue(r.ok, r)
        opened = self.db.events("sam", "session_open")
        closed = self.db.events("sam", "session_close")
        self.assertEqual(len(opened), 1)
        self.assertEqual(len(closed), 1)
        for ev in (opened[0], closed[0]):
            self.assertEqual(ev["service"], self.svc)
            self.assertEqual(ev["tty"], "pts/4")
            self.assertEqual(ev["rhost"], "192.0.2.44")
            self.assertEqual(ev["outcome"], "ok")
            self.assertRegex(ev["detail"], r"^pid [0-9]+$")
        self.assertNotEqual(self.db.user_row("sam", "last_login_at")[0],
                            "NULL")

    def test_local_account_session_succeeds_without_a_record(self):
        r = self.pam(self.svc, "not-in-db", ["open_session", "close_session"])
        self.assertTrue(r.ok, r)
        self.assertEqual(self.db.events("not-in-db"), [])

    def test_one_connection_per_handle(self):
        # auth, account and session in one pam_start..pam_end share the
        # Services kept with pam_set_data, so one database connection; the
        # next handle opens its own.
        self.db.add_user("cora", GOOD)
        proxy = h.CountingProxy("127.0.0.1", self.db.sb["LK_DB_PORT"])
        self.addCleanup(proxy.close)
        config = self.db.write_config("proxy.conf", database=(
            "hosts = 127.0.0.1:%d\nname = %s\nuser = %s\npassword_file = %s\n"
            "tls = off\n" % (proxy.port, self.db.name, self.db.sb["LK_DB_USER"],
                             self.db.sb["LK_DB_PASSWORD_FILE"])))
        svc = self.stack("lk-proxy", config=config)
        r = self.pam(svc, "cora", ["authenticate", "acct_mgmt", "open_session",
                                   "close_session"], [GOOD])
        self.assertTrue(r.ok, r)
        self.assertEqual(proxy.connections, 1)
        r = self.pam(svc, "cora", ["acct_mgmt"])
        self.assertTrue(r.ok, r)
        self.assertEqual(proxy.connections, 2)


if __name__ == "__main__":
    unittest.main()
