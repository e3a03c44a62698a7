"""pam_sm_chauthtok: `passwd` against the database, driven by pamtester's
chauthtok. Root needs the current password too, unless the module option
root_may_reset is given (then, as pam_unix, none is asked). Every change
mails the account's owner."""
import os
import unittest

import lkharness
import pamharness as h
from test_auth import GOOD, StackTest

NEW = "a new passphrase 42"
CURRENT = "Current password: "


class PasswordChangeTest(StackTest):

    def setUp(self):
        self.svc = self.stack("lk-passwd")

    def outbox(self, name):
        return [r[0] for r in self.db.sql(
            "SELECT m.kind FROM mail_outbox m JOIN users u ON u.id = m.user_id "
            "WHERE u.email = '%s@example.org' "
            "ORDER BY m.id" % name)]

    def test_root_needs_the_current_password(self):
        self.assertEqual(os.getuid(), 0, "these tests run as root")
        self.db.add_user("rita", GOOD)
        # Root on one host must not take over an account of every host.
        r = self.pam(self.svc, "rita", ["chauthtok"], [NEW, NEW, NEW])
        self.assertFalse(r.ok, r)
        self.assertEqual(r.prompts[:1], [CURRENT], r)
        self.assertTrue(self.pam(self.svc, "rita", ["authenticate"],
                                 [GOOD]).ok)
        r = self.pam(self.svc, "rita", ["chauthtok"], [GOOD, NEW, NEW])
        self.assertTrue(r.ok, r)
        self.assertEqual(r.prompts,
                         [CURRENT, "New password: ", "Retype new password: "])
        self.assertTrue(self.pam(self.svc, "rita", ["authenticate"],
                                 [NEW]).ok)

    def test_root_may_reset_changes_password_without_it(self):
        self.assertEqual(os.getuid(), 0, "these tests run as root")
        svc = self.stack("lk-passwd-reset", password_args="root_may_reset")
        self.db.add_user("paul", GOOD)
        r = self.pam(svc, "paul", ["chauthtok"], [NEW, NEW])
        self.assertTrue(r.ok, r)
        self.assertEqual(r.prompts, ["New password: ", "Retype new password: "])
        self.assertIn("password_changed",
                      [e["event"] for e in self.db.events("paul")])
        r = self.pam(svc, "paul", ["authenticate"], [GOOD])
        self.assertTrue(r.failed_with("PAM_AUTH_ERR"), r)
        r = self.pam(svc, "paul", ["authenticate"], [NEW])
        self.assertTrue(r.ok, r)

    def test_change_mails_the_owner(self):
        self.db.add_user("mona", GOOD)
        self.assertEqual(self.outbox("mona"), [])
        r = self.pam(self.svc, "mona", ["chauthtok"], [GOOD, NEW, NEW])
        self.assertTrue(r.ok, r)
        mails = self.outbox("mona")
        self.assertEqual(len(mails), 1, mails)
        self.assertEqual(mails[0], "password_changed")

    def test_change_ends_portal_sessions_and_clears_expiry(self):
        self.db.add_user("sara", GOOD)
        uid = self.db.user_row("sara", "id")[0]
        self.db.sql(
            "UPDATE users SET password_expires_at = UTC_TIMESTAMP() - "
            "INTERVAL 1 DAY WHERE id = %s" % uid)
        self.assertTrue(self.pam(self.svc, "sara", ["acct_mgmt"]).failed_with(
            "PAM_NEW_AUTHTOK_REQD"))
        r = self.pam(self.svc, "sara", ["chauthtok"], [GOOD, NEW, NEW])
        self.assertTrue(r.ok, r)
        self.assertTrue(self.pam(self.svc, "sara", ["acct_mgmt"]).ok)

    def test_mismatch(self):
        self.db.add_user("mia", GOOD)
        r = self.pam(self.svc, "mia", ["chauthtok"], [GOOD, NEW, NEW + "x"])
        self.assertTrue(r.failed_with("PAM_AUTHTOK_ERR"), r)
        self.assertIn("Sorry, passwords do not match.", r.stderr)
        self.assertTrue(self.pam(self.svc, "mia", ["authenticate"],
                                 [GOOD]).ok)

    def test_policy_rejection_is_shown(self):
        self.db.add_user("pia", GOOD)
        r = self.pam(self.svc, "pia", ["chauthtok"], [GOOD, "short", "short"])
        self.assertTrue(r.failed_with("PAM_AUTHTOK_ERR"), r)
        self.assertIn("at least 8", r.stderr)
        self.assertTrue(self.pam(self.svc, "pia", ["authenticate"],
                                 [GOOD]).ok)

    def test_unknown_user(self):
        r = self.pam(self.svc, "nobody-here", ["chauthtok"], [NEW, NEW])
        self.assertTrue(r.failed_with("PAM_USER_UNKNOWN"), r)
        self.assertEqual(r.prompts, [])


class UserChangesOwnPasswordTest(StackTest):
    """pamtester run as an ordinary Unix user (as setuid passwd would be
    with its real uid): the current password is asked and checked."""

    def setUp(self):
        self.runner = self.enterContext(
            h.local_unix_user("unused local password"))
        import pwd
        import shutil
        pw = pwd.getpwnam(self.runner)
        # The runner must read its config, the database password and the
        # key, and reach the server: over TCP, since the sandbox directory
        # (and so its socket) is private to root.
        home = os.path.join(self.tmp.path, "as-" + self.runner)
        os.makedirs(home)
        db_pw = os.path.join(home, "db.password")
        key = os.path.join(home, "secret.key")
        shutil.copy(self.db.sb["LK_DB_PASSWORD_FILE"], db_pw)
        shutil.copy(self.db.sb["LK_SECRET_KEY"], key)
        config = os.path.join(home, "latchkey.conf")
        text = self.db.config_text(database=(
            "hosts = 127.0.0.1:%s\nname = %s\nuser = %s\npassword_file = %s\n"
            % (self.db.sb["LK_DB_PORT"], self.db.name, self.db.sb["LK_DB_USER"],
               db_pw))).replace(self.db.sb["LK_SECRET_KEY"], key)
        lkharness.write_file(config, text)
        for path in (home, db_pw, key, config):
            os.chown(path, pw.pw_uid, pw.pw_gid)
        for path in (self.tmp.path, self.services.path):
            os.chmod(path, 0o755)
        self.svc = self.stack("lk-passwd-user", config=config)
        os.chmod(os.path.join(self.services.path, self.svc), 0o644)
        self.as_user = ["setpriv", "--reuid=%d" % pw.pw_uid,
                        "--regid=%d" % pw.pw_gid, "--clear-groups"]

    def test_current_password_required(self):
        self.db.add_user("walt", GOOD)
        r = self.pam(self.svc, "walt", ["chauthtok"], ["not it", NEW, NEW],
                     wrapper=self.as_user)
        self.assertEqual(r.prompts, ["Current password: ", "New password: ",
                                     "Retype new password: "], r)
        self.assertTrue(r.failed_with("PAM_AUTHTOK_RECOVERY_ERR"), r)
        self.assertIn("current password is not correct", r.stderr)
        self.assertEqual(self.db.user_row("walt", "failed_logins")[0], "1")

        r = self.pam(self.svc, "walt", ["chauthtok"], [GOOD, NEW, NEW],
                     wrapper=self.as_user)
        self.assertTrue(r.ok, r)
        r = self.pam(self.svc, "walt", ["authenticate"], [NEW],
                     wrapper=self.as_user)
        self.assertTrue(r.ok, r)

    def test_no_current_password_given(self):
        self.db.add_user("wim", GOOD)
        r = self.pam(self.svc, "wim", ["chauthtok"], [""],
                     wrapper=self.as_user)
        self.assertTrue(r.failed_with("PAM_AUTHTOK_RECOVERY_ERR"), r)
        self.assertEqual(r.prompts, ["Current password: "])


if __name__ == "__main__":
    unittest.main()
