"""latchkeyctl user expire | verify-email | revoke-sessions, unlock's
--password-lock-only / --admin-lock-only, and the guard rails at the CLI:
root has no account of its own, but the last standing administrator (admin
role, active, TOTP, no admin lock) keeps the role unless --force, and the
override is audited."""

import unittest

import lkctl


class UserExpireTest(lkctl.CliTestCase):
    def test_expire_account_and_password(self):
        self.add_user("ella")
        out = self.ok_json("user", "expire", "ella", "--account", "2031-01-31",
                           "--password", "2031-02-01T12:30")
        self.assertEqual(out["account_expires_at"], "2031-01-31T00:00:00Z")
        self.assertEqual(out["password_expires_at"], "2031-02-01T12:30:00Z")
        user = self.show("ella")
        self.assertEqual(user["account_expires_at"], "2031-01-31T00:00:00Z")
        self.assertEqual(user["password_expires_at"], "2031-02-01T12:30:00Z")
        r = self.ok("user", "expire", "ella", "--password", "now")
        self.assertEqual(r.stdout,
                         "ella must change the password at next login\n")
        self.ok("user", "expire", "ella", "--account", "never",
                "--password", "never")
        user = self.show("ella")
        self.assertIsNone(user["account_expires_at"])
        self.assertIsNone(user["password_expires_at"])
        details = [e["detail"] for e in self.events(
            "--user", "ella", "--event", "expiry_changed")]
        self.assertIn("password must change at next login", details[-3])
        self.assertTrue(details[-1].startswith("password never expires by "),
                        details)

    def test_expire_bad_input(self):
        self.add_user("fred")
        self.fails(2, "give --account, --password or both",
                   "user", "expire", "fred")
        self.fails(2, "--account: not a date such as 2027-01-31",
                   "user", "expire", "fred", "--account", "31/01/2031")
        self.fails(2, "--account: not a date",
                   "user", "expire", "fred", "--account", "now")
        self.fails(2, "--password: not a date",
                   "user", "expire", "fred", "--password", "2031-02-30")
        self.fails(1, "no user named 'nobody9'",
                   "user", "expire", "nobody9", "--account", "never")
        self.assertIsNone(self.show("fred")["account_expires_at"])


class UserVerifyRevokeTest(lkctl.CliTestCase):
    def test_verify_email(self):
        self.add_user("gwen", "--unverified")
        self.assertFalse(self.show("gwen")["email_verified"])
        self.assertTrue(self.ok_json("user", "verify-email", "gwen")["changed"])
        self.assertTrue(self.show("gwen")["email_verified"])
        r = self.ok("user", "verify-email", "gwen")
        self.assertEqual(r.stdout, "the email of gwen is already verified\n")
        [event] = self.events("--user", "gwen", "--event", "email_verified")
        self.assertTrue(event["detail"].startswith("by "), event)
        self.fails(2, "missing USERNAME", "user", "verify-email")

    def test_revoke_sessions(self):
        self.add_user("hugo")
        uid = self.box.query("SELECT id FROM users WHERE username = 'hugo'")
        for tag in ("a", "b"):
            self.box.sql(
                "INSERT INTO sessions (id_sha256, user_id, created_at, "
                "last_seen_at, expires_at, csrf_secret) VALUES "
                f"(REPEAT('{tag}', 32), {int(uid)}, UTC_TIMESTAMP(), "
                "UTC_TIMESTAMP(), UTC_TIMESTAMP() + INTERVAL 1 HOUR, "
                "REPEAT('c', 32))", self.box.db_name)
        r = self.ok("user", "revoke-sessions", "hugo")
        self.assertEqual(r.stdout, "ended 2 portal sessions of hugo\n")
        self.assertEqual(self.ok_json("user", "revoke-sessions", "hugo"),
                         {"username": "hugo", "ended": 0})
        self.fails(2, "unexpected", "user", "revoke-sessions", "hugo", "x")


class UserUnlockKindsTest(lkctl.CliTestCase):
    def test_the_two_locks_apart(self):
        self.add_user("ivy")
        self.ok("user", "lock", "ivy")
        self.box.sql("UPDATE users SET failed_logins = 5, locked_until = "
                     "UTC_TIMESTAMP() + INTERVAL 1 HOUR WHERE username = "
                     "'ivy'", self.box.db_name)
        r = self.ok("user", "unlock", "ivy", "--password-lock-only")
        self.assertEqual(r.stdout, "ended the password lock of ivy\n")
        user = self.show("ivy")
        self.assertEqual(user["failed_logins"], 0)
        self.assertEqual(user["locked_until"], "unlocked")  # admin lock left
        r = self.ok("user", "unlock", "ivy", "--admin-lock-only")
        self.assertEqual(r.stdout, "ended the admin lock of ivy\n")
        self.assertFalse(self.show("ivy")["locked"])
        self.fails(2, "exclude each other", "user", "unlock", "ivy",
                   "--password-lock-only", "--admin-lock-only")


class GuardRailTest(lkctl.CliTestCase):
    def make_admin(self, name):
        self.add_user(name)
        self.ok("user", "set-role", name, "admin")
        self.ok("user", "totp-enable", name)

    def test_last_admin_needs_force(self):
        self.make_admin("boss2")
        last = "is the last administrator"
        self.fails(1, last, "user", "deactivate", "boss2")
        self.fails(1, last, "user", "lock", "boss2")
        self.fails(1, last, "user", "delete", "boss2", "--yes")
        self.fails(1, last, "user", "set-role", "boss2", "admin", "--remove")
        self.fails(1, last, "user", "totp-reset", "boss2")
        user = self.show("boss2")
        self.assertTrue(user["active"])
        self.assertFalse(user["locked"])
        self.assertTrue(user["totp_enrolled"])
        self.assertIn("admin", user["roles"])
        self.assertEqual(self.events("--event", "guard_overridden"), [])

        # A second standing admin: no refusal, no override.
        self.make_admin("boss3")
        self.ok("user", "lock", "boss3", "--for", "1h")
        # boss3 is locked, so boss2 is the last again; --force overrides.
        r = self.ok("user", "deactivate", "boss2", "--force")
        self.assertEqual(r.stdout, "deactivated boss2\n")
        [event] = self.events("--event", "guard_overridden")
        self.assertTrue(event["detail"].startswith(
            "guard overridden with --force: boss2 is the last "
            "administrator"), event["detail"])
        self.assertIn(" by ", event["detail"])
        self.assertFalse(self.show("boss2")["active"])

    def test_force_is_only_where_a_rail_applies(self):
        self.add_user("jack")
        self.fails(2, "unknown option '--force'", "user", "activate", "jack",
                   "--force")
        self.fails(2, "unknown option '--force'", "user", "expire", "jack",
                   "--account", "never", "--force")


if __name__ == "__main__":
    unittest.main()
