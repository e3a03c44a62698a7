"""The second factor through PAM: "Verification code: " after the password,
TOTP codes from oathtool (a separate implementation), replay refusal and
one-time recovery codes."""
import json
import time
import unittest

import lkharness
from test_auth import GOOD, StackTest


class TotpTest(StackTest):

    def enrol(self, user):
        self.db.add_user(user, GOOD)
        res = self.db.ctl("--json", "user", "totp-enable", user)
        data = json.loads(res.stdout)
        return data["secret"], data["recovery_codes"]

    def fresh_code(self, secret):
        """A code whose 30 s step will not end in the next few seconds, so
        the module and oathtool agree on it."""
        if time.time() % 30 > 25:
            time.sleep(30 - time.time() % 30 + 0.2)
        return lkharness.totp_code(secret)

    def setUp(self):
        self.svc = self.stack("lk-totp")

    def test_code_accepted_once(self):
        secret, _ = self.enrol("tina")
        code = self.fresh_code(secret)
        r = self.pam(self.svc, "tina", ["authenticate"], [GOOD, code])
        self.assertTrue(r.ok, r)
        self.assertEqual(r.prompts, ["Password: ", "Verification code: "])
        events = [e["event"] for e in self.db.events("tina")]
        self.assertIn("totp_ok", events)
        self.assertEqual(events[-1], "login_success")

        # The same code again: refused, audited as a replay, not counted.
        r = self.pam(self.svc, "tina", ["authenticate"], [GOOD, code])
        self.assertTrue(r.failed_with("PAM_AUTH_ERR"), r)
        self.assertEqual(self.db.events("tina")[-1]["event"], "totp_replayed")
        self.assertEqual(self.db.user_row("tina", "failed_logins")[0], "0")

    def test_wrong_code_counts_as_failure(self):
        secret, _ = self.enrol("tilo")
        good = self.fresh_code(secret)
        wrong = "%06d" % ((int(good) + 500000) % 1000000)
        r = self.pam(self.svc, "tilo", ["authenticate"], [GOOD, wrong])
        self.assertTrue(r.failed_with("PAM_AUTH_ERR"), r)
        self.assertEqual(self.db.events("tilo")[-1]["event"], "totp_wrong")
        self.assertEqual(self.db.user_row("tilo", "failed_logins")[0], "1")

    def test_wrong_password_still_asks_for_the_code(self):
        # The code prompt depends on enrolment only, so it says nothing
        # about the password; the verdict comes after both.
        secret, _ = self.enrol("tara")
        code = self.fresh_code(secret)
        r = self.pam(self.svc, "tara", ["authenticate"], ["not it", code])
        self.assertTrue(r.failed_with("PAM_AUTH_ERR"), r)
        self.assertEqual(r.prompts, ["Password: ", "Verification code: "])
        # One failure, and the code was neither checked nor used up.
        self.assertEqual(self.db.user_row("tara", "failed_logins")[0], "1")
        events = [e["event"] for e in self.db.events("tara")]
        self.assertNotIn("totp_ok", events)
        self.assertNotIn("totp_wrong", events)
        r = self.pam(self.svc, "tara", ["authenticate"], [GOOD, code])
        self.assertTrue(r.ok, r)
        self.assertEqual(self.db.user_row("tara", "failed_logins")[0], "0")

    def test_totp_required_asks_whatever_the_password(self):
        self.db.add_user("tomas", GOOD)
        svc = self.stack("lk-totp-req", "totp=required")
        r = self.pam(svc, "tomas", ["authenticate"], ["not it", "123456"])
        self.assertTrue(r.failed_with("PAM_AUTH_ERR"), r)
        self.assertEqual(r.prompts, ["Password: ", "Verification code: "])

    def test_recovery_code_works_once(self):
        _, codes = self.enrol("rudi")
        r = self.pam(self.svc, "rudi", ["authenticate"], [GOOD, codes[0]])
        self.assertTrue(r.ok, r)
        self.assertIn("You used a recovery code; 9 remain", r.stdout)
        self.assertIn("recovery_code_used",
                      [e["event"] for e in self.db.events("rudi")])
        r = self.pam(self.svc, "rudi", ["authenticate"], [GOOD, codes[0]])
        self.assertTrue(r.failed_with("PAM_AUTH_ERR"), r)
        r = self.pam(self.svc, "rudi", ["authenticate"], [GOOD, codes[1]])
        self.assertTrue(r.ok, r)

    def test_password_given_as_code_is_not_a_guess(self):
        # OpenSSH's PasswordAuthentication answers every hidden prompt with
        # the password; that must neither pass nor count against the user.
        self.enrol("pete")
        r = self.pam(self.svc, "pete", ["authenticate"], [GOOD, GOOD])
        self.assertTrue(r.failed_with("PAM_AUTH_ERR"), r)
        self.assertEqual(self.db.user_row("pete", "failed_logins")[0], "0")

    def test_no_answer_fails(self):
        self.enrol("nina")
        r = self.pam(self.svc, "nina", ["authenticate"], [GOOD])  # then EOF
        self.assertTrue(r.failed_with("PAM_AUTH_ERR"), r)
        self.assertEqual(r.prompts, ["Password: ", "Verification code: "])

    def test_totp_modes(self):
        secret, _ = self.enrol("otto")
        self.db.add_user("plain", GOOD)
        off = self.stack("lk-totp-off", auth_args="totp=off")
        r = self.pam(off, "otto", ["authenticate"], [GOOD])
        self.assertTrue(r.ok, r)
        self.assertEqual(r.prompts, ["Password: "])
        required = self.stack("lk-totp-req", auth_args="totp=required")
        # Without an enrolled key no code can be right.
        r = self.pam(required, "plain", ["authenticate"], [GOOD, "123456"])
        self.assertTrue(r.failed_with("PAM_AUTH_ERR"), r)
        self.assertEqual(r.prompts, ["Password: ", "Verification code: "])
        r = self.pam(required, "otto", ["authenticate"],
                     [GOOD, self.fresh_code(secret)])
        self.assertTrue(r.ok, r)
        # auto (the default) asks only users who have TOTP.
        r = self.pam(self.svc, "plain", ["authenticate"], [GOOD])
        self.assertTrue(r.ok, r)
        self.assertEqual(r.prompts, ["Password: "])


if __name__ == "__main__":
    unittest.main()
