"""Mails that PAM logins queue in mail_outbox, as (user, kind) (the portal's
worker renders and sends them, the module only authenticates): "account locked" after max_failures wrong passwords, and
with login_notification on, one "new login" mail per PAM login (the auth
phase mails; acct_mgmt and the session phase add none)."""
import os
import unittest

import pamharness as h

GOOD = "correct horse battery"


class MailTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        h.require_env()
        cls.tmp = h.TempDir()
        # A long lock: the test must not see it end.
        cls.db = h.LatchkeyDatabase(
            cls.tmp.path, "[lockout]\nmax_failures = 3\nlock_duration = 1h\n"
            "max_lock_duration = 1h\n")
        cls.services = h.ServiceDir(cls.tmp.path)
        cls.so = h.module_path()
        cls.notify_config = cls.db.write_config(
            "notify.conf", "[mail]\ntransport = maildir:%s\n"
            "login_notification = on\n" % os.path.join(cls.tmp.path, "mail"))

    @classmethod
    def tearDownClass(cls):
        cls.db.close()
        cls.tmp.cleanup()

    def stack(self, name, config):
        return self.services.write(name, [
            "auth required %s config=%s" % (self.so, config),
            "account required %s config=%s" % (self.so, config),
            "session required %s config=%s" % (self.so, config),
        ])

    def outbox(self, address):
        # A host queues (user, kind) only; the portal's worker renders the
        # address and text (tests/integration/grants_test.cc checks that).
        return self.db.sql(
            "SELECT m.kind FROM mail_outbox m JOIN users u ON u.id = m.user_id"
            " WHERE u.email = '%s' AND m.to_addr IS NULL ORDER BY m.id"
            % address)

    def test_lock_after_max_failures_queues_a_mail(self):
        svc = self.stack("lk-mail-lock", self.db.config)
        self.db.add_user("lola", GOOD)
        address = "lola@example.org"
        for i in range(3):
            self.assertEqual(self.outbox(address), [], "mail before the lock")
            r = h.run_pamtester(self.services.path, svc, "lola",
                                ["authenticate"], [GOOD + "x"],
                                items={"rhost": "198.51.100.9"})
            self.assertTrue(r.failed_with("PAM_AUTH_ERR"), (i, r))
        self.assertIn("account_locked",
                      [e["event"] for e in self.db.events("lola")])
        mails = self.outbox(address)
        self.assertEqual(len(mails), 1, mails)
        self.assertEqual(mails[0][0], "account_locked")
        # Refused while locked: no further mail.
        r = h.run_pamtester(self.services.path, svc, "lola", ["authenticate"],
                            [GOOD])
        self.assertTrue(r.failed_with("PAM_MAXTRIES"), r)
        self.assertEqual(len(self.outbox(address)), 1)

    def test_login_notification_mails_once_per_login(self):
        svc = self.stack("lk-mail-login", self.notify_config)
        self.db.add_user("nina", GOOD)
        address = "nina@example.org"
        r = h.run_pamtester(self.services.path, svc, "nina",
                            ["authenticate", "acct_mgmt", "open_session",
                             "close_session"], [GOOD],
                            items={"rhost": "198.51.100.10"})
        self.assertTrue(r.ok, r)
        mails = self.outbox(address)
        self.assertEqual(len(mails), 1, mails)
        self.assertEqual(mails[0][0], "new_login")
        # Without the notification (the default config) nothing is queued.
        svc_off = self.stack("lk-mail-off", self.db.config)
        r = h.run_pamtester(self.services.path, svc_off, "nina",
                            ["authenticate", "open_session"], [GOOD])
        self.assertTrue(r.ok, r)
        self.assertEqual(len(self.outbox(address)), 1)


if __name__ == "__main__":
    unittest.main()
