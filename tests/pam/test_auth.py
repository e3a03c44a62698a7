"""pam_latchkey.so auth and account phases through a real PAM stack
(pamtester under pam_wrapper), against a throw-away database."""
import os
import time
import unittest

import pamharness as h

GOOD = "correct horse battery"


class StackTest(unittest.TestCase):
    """Base: one database, config and service dir per test class."""

    config_extra = ""

    @classmethod
    def setUpClass(cls):
        h.require_env()
        cls.tmp = h.TempDir()
        cls.db = h.LatchkeyDatabase(cls.tmp.path, cls.config_extra)
        cls.services = h.ServiceDir(cls.tmp.path)
        cls.so = h.module_path()

    @classmethod
    def tearDownClass(cls):
        cls.db.close()
        cls.tmp.cleanup()

    def stack(self, name, auth_args="", account_args="", config=None,
              password_args=""):
        config = config or self.db.config
        return self.services.write(name, [
            "auth required %s config=%s %s" % (self.so, config, auth_args),
            "account required %s config=%s %s" % (self.so, config,
                                                 account_args),
            "password required %s config=%s %s" % (self.so, config,
                                                   password_args),
            "session required %s config=%s" % (self.so, config),
        ])

    def pam(self, service, user, ops, answers=(), **kw):
        return h.run_pamtester(self.services.path, service, user, ops,
                               answers, **kw)


class PasswordTest(StackTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.db.add_user("alice", GOOD)
        cls.db.add_user("ivan", GOOD, "--inactive")

    def setUp(self):
        self.svc = self.stack("lk-password")

    def test_right_password(self):
        r = self.pam(self.svc, "alice", ["authenticate", "acct_mgmt"], [GOOD],
                     items={"rhost": "198.51.100.7", "tty": "pts/9"})
        self.assertTrue(r.ok, r)
        self.assertEqual(r.prompts, ["Password: "])
        ev = self.db.events("alice", "login_success")[-1]
        self.assertEqual(ev["service"], self.svc)
        self.assertEqual(ev["rhost"], "198.51.100.7")
        self.assertEqual(ev["tty"], "pts/9")

    def test_wrong_password(self):
        r = self.pam(self.svc, "alice", ["authenticate"], [GOOD + "x"])
        self.assertTrue(r.failed_with("PAM_AUTH_ERR"), r)
        self.assertEqual(self.db.events("alice")[-1]["event"], "login_failure")
        # A failure costs the fail delay: 2 s asked for, which libpam's
        # _pam_compute_delay varies by up to a half either way (base times
        # 1 + (the mean of three uniform draws - 0.5)), so at least 1 s.
        self.assertGreaterEqual(r.elapsed, 1.0)
        # The failure was counted and a later success resets it.
        self.assertNotEqual(self.db.user_row("alice", "failed_logins")[0], "0")
        self.assertTrue(self.pam(self.svc, "alice", ["authenticate"],
                                 [GOOD]).ok)
        self.assertEqual(self.db.user_row("alice", "failed_logins")[0], "0")

    def test_unknown_user(self):
        r = self.pam(self.svc, "nosuchuser", ["authenticate"], [GOOD])
        self.assertTrue(r.failed_with("PAM_USER_UNKNOWN"), r)
        self.assertEqual(self.db.events("nosuchuser")[-1]["event"],
                         "unknown_user")
        r = self.pam(self.svc, "nosuchuser", ["acct_mgmt"])
        self.assertTrue(r.failed_with("PAM_USER_UNKNOWN"), r)

    def test_empty_password_fails_without_falling_through(self):
        for user in ("alice", "nosuchuser"):
            r = self.pam(self.svc, user, ["authenticate"], [""])
            self.assertTrue(r.failed_with("PAM_AUTH_ERR"), (user, r))

    def test_inactive_user(self):
        r = self.pam(self.svc, "ivan", ["authenticate"], [GOOD])
        self.assertTrue(r.failed_with("PAM_AUTH_ERR"), r)
        self.assertEqual(self.db.events("ivan")[-1]["event"], "login_denied")
        r = self.pam(self.svc, "ivan", ["acct_mgmt"])
        self.assertTrue(r.failed_with("PAM_ACCT_EXPIRED"), r)
        self.assertIn("Your account has expired", r.stderr)

    def test_expired_account_and_password(self):
        self.db.add_user("exa", GOOD)
        self.db.sql("UPDATE users SET account_expires_at = "
                    "UTC_TIMESTAMP() - INTERVAL 1 DAY WHERE username = 'exa'")
        r = self.pam(self.svc, "exa", ["acct_mgmt"])
        self.assertTrue(r.failed_with("PAM_ACCT_EXPIRED"), r)
        self.db.add_user("exp", GOOD)
        self.db.sql("UPDATE users SET password_expires_at = "
                    "UTC_TIMESTAMP() - INTERVAL 1 DAY WHERE username = 'exp'")
        r = self.pam(self.svc, "exp", ["authenticate", "acct_mgmt"], [GOOD])
        self.assertIn(h.PAMTESTER_OK["authenticate"], r.stdout)
        self.assertTrue(r.failed_with("PAM_NEW_AUTHTOK_REQD"), r)

    def test_unknown_options_are_logged_and_ignored(self):
        svc = self.stack("lk-opts", auth_args="nullok frobnicate=1")
        r = self.pam(svc, "alice", ["authenticate"], [GOOD])
        self.assertTrue(r.ok, r)
        self.assertIn("unknown option 'nullok' ignored", r.stderr)
        self.assertIn("unknown option 'frobnicate=1' ignored", r.stderr)

    def test_use_first_pass_takes_the_earlier_token(self):
        setter = "/usr/lib/x86_64-linux-gnu/pam_wrapper/pam_set_items.so"
        svc = self.services.write("lk-first", [
            "auth required %s" % setter,
            "auth required %s config=%s use_first_pass" % (self.so,
                                                           self.db.config),
        ])
        r = self.pam(svc, "alice", ["authenticate"],
                     extra_env={"PAM_AUTHTOK": GOOD})
        self.assertTrue(r.ok, r)
        self.assertEqual(r.prompts, [])
        r = self.pam(svc, "alice", ["authenticate"],
                     extra_env={"PAM_AUTHTOK": "wrong one"})
        self.assertTrue(r.failed_with("PAM_AUTH_ERR"), r)
        self.assertEqual(r.prompts, [])
        # Nothing earlier: use_first_pass never prompts, it fails.
        svc = self.stack("lk-first-only", auth_args="use_first_pass")
        r = self.pam(svc, "alice", ["authenticate"], [GOOD])
        self.assertTrue(r.failed_with("PAM_AUTH_ERR"), r)
        self.assertEqual(r.prompts, [])

    def test_try_first_pass_falls_back_to_asking(self):
        svc = self.stack("lk-try", auth_args="try_first_pass")
        r = self.pam(svc, "alice", ["authenticate"], [GOOD])
        self.assertTrue(r.ok, r)
        self.assertEqual(r.prompts, ["Password: "])

    def test_setcred_succeeds(self):
        r = self.pam(self.svc, "alice", ["authenticate", "setcred"], [GOOD])
        self.assertTrue(r.ok, r)


class VerificationTest(StackTest):
    """[portal] require_email_verification applies to PAM logins too."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.db.add_user("uma", GOOD, "--unverified")
        cls.strict = cls.db.write_config(
            "strict.conf", "[portal]\nrequire_email_verification = on\n")

    def test_unverified_refused_when_required(self):
        svc = self.stack("lk-strict", config=self.strict)
        r = self.pam(svc, "uma", ["authenticate"], [GOOD])
        self.assertTrue(r.failed_with("PAM_AUTH_ERR"), r)
        r = self.pam(svc, "uma", ["acct_mgmt"])
        self.assertTrue(r.failed_with("PAM_PERM_DENIED"), r)
        self.assertIn("confirm your email address", r.stderr)

    def test_unverified_allowed_when_not_required(self):
        svc = self.stack("lk-lax")
        r = self.pam(svc, "uma", ["authenticate", "acct_mgmt"], [GOOD])
        self.assertTrue(r.ok, r)


class LockoutTest(StackTest):
    # Each failure also costs the 2 s fail delay (the one that starts the
    # lock, then the refused attempt), so a 2 s lock would be over before it
    # could be observed: 10 s leaves room on a loaded machine.
    lock_seconds = 10
    config_extra = ("[lockout]\nmax_failures = 3\nlock_duration = 10s\n"
                    "max_lock_duration = 10s\n")

    def setUp(self):
        self.svc = self.stack("lk-lock")

    def lock(self, user):
        """Locks `user` with 3 wrong passwords; returns (about) when the
        lock began."""
        for i in range(3):
            started = time.monotonic()
            r = self.pam(self.svc, user, ["authenticate"], ["wrong password"])
            self.assertTrue(r.failed_with("PAM_AUTH_ERR"), r)
        r = self.pam(self.svc, user, ["authenticate"], [GOOD])
        self.assertTrue(r.failed_with("PAM_MAXTRIES"), r)
        self.assertIn("temporarily locked", r.stderr)
        # The password lock guards the password only: the account phase
        # (all a key-based ssh login goes through) still lets in.
        r = self.pam(self.svc, user, ["acct_mgmt"])
        self.assertTrue(r.ok, r)
        return started

    def test_lock_expires(self):
        self.db.add_user("lena", GOOD)
        started = self.lock("lena")
        events = [e["event"] for e in self.db.events("lena")]
        self.assertIn("account_locked", events)
        self.assertIn("refused_locked", events)
        self.assertLess(time.monotonic() - started, self.lock_seconds,
                        "too slow to observe the lock")
        time.sleep(max(0, started + self.lock_seconds + 1.1 - time.monotonic()))
        r = self.pam(self.svc, "lena", ["authenticate", "acct_mgmt"], [GOOD])
        self.assertTrue(r.ok, r)

    def test_admin_unlock(self):
        self.db.add_user("ulf", GOOD)
        self.db.write_config("long.conf", "[lockout]\nmax_failures = 3\n"
                             "lock_duration = 1h\nmax_lock_duration = 1h\n")
        svc = self.stack("lk-long", config=os.path.join(self.tmp.path,
                                                        "long.conf"))
        self.svc = svc
        self.lock("ulf")
        self.db.ctl("user", "unlock", "ulf")
        r = self.pam(svc, "ulf", ["authenticate", "acct_mgmt"], [GOOD])
        self.assertTrue(r.ok, r)

    def test_admin_lock_refuses_the_account_phase(self):
        self.db.add_user("amelie", GOOD)
        self.db.ctl("user", "lock", "amelie")
        r = self.pam(self.svc, "amelie", ["acct_mgmt"])
        self.assertTrue(r.failed_with("PAM_PERM_DENIED"), r)
        self.assertIn("locked", r.stderr)
        r = self.pam(self.svc, "amelie", ["authenticate"], [GOOD])
        self.assertTrue(r.failed_with("PAM_MAXTRIES"), r)
        self.db.ctl("user", "unlock", "amelie")
        r = self.pam(self.svc, "amelie", ["authenticate", "acct_mgmt"], [GOOD])
        self.assertTrue(r.ok, r)

    def test_unknown_name_locks_but_stays_unknown(self):
        # Three wrong guesses at a name nobody has: it locks like an
        # account, but PAM keeps answering PAM_USER_UNKNOWN so a local
        # fallback module still runs.
        for i in range(4):
            r = self.pam(self.svc, "ghost", ["authenticate"], ["wrong"])
            self.assertTrue(r.failed_with("PAM_USER_UNKNOWN"), r)
        self.assertIn("refused_locked",
                      [e["event"] for e in self.db.events("ghost")])


class RoleTest(StackTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.db.add_user("ada", GOOD, "--role", "admin")
        cls.db.add_user("bob", GOOD)

    def test_require_role_admin(self):
        svc = self.stack("lk-sudo", account_args="require_role=admin")
        r = self.pam(svc, "ada", ["authenticate", "acct_mgmt"], [GOOD])
        self.assertTrue(r.ok, r)
        r = self.pam(svc, "bob", ["authenticate", "acct_mgmt"], [GOOD])
        self.assertIn(h.PAMTESTER_OK["authenticate"], r.stdout)
        self.assertTrue(r.failed_with("PAM_PERM_DENIED"), r)
        # Any one of several roles will do.
        svc = self.stack("lk-any", account_args="require_role=ops,user")
        self.assertTrue(self.pam(svc, "bob", ["acct_mgmt"]).ok)

    def test_granting_the_role_lets_in(self):
        self.db.add_user("carl", GOOD)
        svc = self.stack("lk-sudo2", account_args="require_role=admin")
        self.assertTrue(self.pam(svc, "carl", ["acct_mgmt"]).failed_with(
            "PAM_PERM_DENIED"))
        self.db.ctl("user", "set-role", "carl", "admin")
        self.assertTrue(self.pam(svc, "carl", ["acct_mgmt"]).ok)

    def test_bad_role_option_refuses_everyone(self):
        svc = self.stack("lk-badrole", account_args="require_role=Admin!")
        r = self.pam(svc, "ada", ["acct_mgmt"])
        self.assertTrue(r.failed_with("PAM_PERM_DENIED"), r)
        self.assertIn("require_role=Admin!", r.stderr)


class LegacyHashTest(StackTest):

    def test_sha512_crypt_logs_in_and_is_rehashed(self):
        import subprocess
        self.db.add_user("olga", GOOD)
        legacy = subprocess.run(
            ["mkpasswd", "-m", "sha-512", "old imported secret"],
            check=True, text=True, capture_output=True).stdout.strip()
        self.assertTrue(legacy.startswith("$6$"))
        self.db.sql("UPDATE users SET password_hash = '%s' "
                    "WHERE username = 'olga'" % legacy)
        svc = self.stack("lk-legacy")
        r = self.pam(svc, "olga", ["authenticate"], ["old imported secret"])
        self.assertTrue(r.ok, r)
        stored = self.db.user_row("olga", "password_hash")[0]
        self.assertTrue(stored.startswith("$argon2id$"), stored)
        self.assertIn("rehash", [e["event"] for e in self.db.events("olga")])
        r = self.pam(svc, "olga", ["authenticate"], ["old imported secret"])
        self.assertTrue(r.ok, r)
        r = self.pam(svc, "olga", ["authenticate"], [GOOD])
        self.assertTrue(r.failed_with("PAM_AUTH_ERR"), r)


if __name__ == "__main__":
    unittest.main()
