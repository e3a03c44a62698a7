"""Fleet host lkf-web1 with its directories down: offline login from the
agent's verifier inside [offline] max_age and not outside it, TOTP accounts
refused with PAM_AUTHINFO_UNAVAIL while a local fallback stack still works,
the queued audit rows delivered when a directory is back, and a password
change that drops the verifier at the next sync.

The PAM application is pamtester (a real libpam client, as root: the agent
serves authentication to uid 0 only), run in a private mount namespace with
a copy of /etc/pam.d holding our services and copies of /etc/passwd and
/etc/shadow with one extra local user for the fallback stack's pam_unix.
The machine's own files are never written.

max_age is 6 s and sync_interval 1 s, so "outside max_age" costs one short
wait, not a day.
"""

import os
import shutil
import subprocess
import time
import unittest

import fleet_fixture as ff
import lkharness

MAX_AGE = 6  # seconds, [offline] max_age of the hosts
LOCAL_USER = "lkflocal"
LOCAL_PASSWORD = "Local-Only-Parsnip-31"
SERVICE = "lkf-auth"
FALLBACK = "lkf-fallback"


class FleetOfflineTest(ff.FleetTestCase):
    tools = ("pamtester",)
    fleet_options = {"max_age": f"{MAX_AGE}s"}

    @classmethod
    def set_up_fleet(cls):
        f = cls.fleet
        host = f.web1
        pam_d = ff.pam_dir(f, "pam.d-offline", {
            SERVICE: "\n".join([
                "# Written by tests/fleet/test_offline.py.",
                host.pam_line("auth"),
                host.pam_line("account"),
            ]) + "\n",
            # The documented fallback: the local stack answers when
            # latchkey does not know the name or cannot reach anyone.
            FALLBACK: "\n".join([
                "# Written by tests/fleet/test_offline.py.",
                host.pam_line("auth", control="[success=done user_unknown="
                              "ignore authinfo_unavail=ignore default=die]"),
                "auth required pam_unix.so",
            ]) + "\n",
        })
        # A local user, in copies of /etc/passwd and /etc/shadow seen only
        # inside the namespace.
        ff.require(not ff.e2e.user_exists_locally(LOCAL_USER),
                   f"a local account {LOCAL_USER} exists on this machine")
        passwd = os.path.join(f.tmp, "etc-passwd")
        shadow = os.path.join(f.tmp, "etc-shadow")
        shutil.copy2("/etc/passwd", passwd)
        shutil.copy2("/etc/shadow", shadow)
        crypted = subprocess.run(
            ["openssl", "passwd", "-6", "-stdin"], input=LOCAL_PASSWORD,
            capture_output=True, text=True, check=True).stdout.strip()
        with open(passwd, "a", encoding="utf-8") as out:
            out.write(f"{LOCAL_USER}:x:64999:64999:fleet test:/nonexistent:"
                      "/usr/sbin/nologin\n")
        with open(shadow, "a", encoding="utf-8") as out:
            out.write(f"{LOCAL_USER}:{crypted}:19000:0:99999:7:::\n")
        cls.binds = ([(pam_d, "/etc/pam.d"), (passwd, "/etc/passwd"),
                      (shadow, "/etc/shadow")] + host.nss_binds())
        for name in ("lkf-olive", "lkf-pat", "lkf-ctrl", "lkf-toto"):
            f.add_user(name)
        cls.toto_secret = f.enable_totp("lkf-toto")
        for name in ("lkf-olive", "lkf-pat", "lkf-ctrl", "lkf-toto"):
            host.wait_for_entry(name)

    def auth(self, user, *answers, service=SERVICE):
        return ff.pamtester(self.binds, service, user, ["authenticate"],
                            answers)

    def assert_result(self, r, name, what):
        out = r.stdout + r.stderr
        self.assertIn(ff.PAM_TEXT[name], out,
                      f"{what}: expected {name}\n{out}\n{self.logs()}")

    def online_login(self, user, *answers):
        r = self.auth(user, *answers)
        self.assert_result(r, "PAM_SUCCESS", f"{user} online")

    # --- tests ---

    def test_offline_login_inside_max_age_refused_outside_audit_delivered(self):
        user = "lkf-olive"
        f = self.fleet
        self.online_login(user, ff.PASSWORD)  # leaves a verifier
        f.web1.wait_for_verifier(user)
        with f.directories_down():
            down = time.monotonic()
            self.assert_result(self.auth(user, ff.PASSWORD), "PAM_SUCCESS",
                               "offline login inside max_age")
            self.assert_result(self.auth(user, ff.PASSWORD + "x"),
                               "PAM_AUTH_ERR", "a wrong password offline")
            self.assertLess(time.monotonic() - down, MAX_AGE,
                            "too slow to test inside max_age")
            # max_age counts from the last sync that confirmed it: at the
            # latest the moment the directories went down.
            time.sleep(max(0.0, down + MAX_AGE + 1.0 - time.monotonic()))
            r = self.auth(user, ff.PASSWORD)
            self.assertNotIn(ff.PAM_TEXT["PAM_SUCCESS"], r.stdout + r.stderr)
            self.assert_result(r, "PAM_AUTHINFO_UNAVAIL",
                               "offline login outside max_age")
            # Nothing reached the database while it was down.
            self.assertEqual(f.audit_rows(event="offline_login", user=user), [])
        # Back: the queued rows arrive, with the host's name.
        rows = ff.wait_until(
            lambda: (f.audit_rows(event="offline_login", user=user) and
                     f.audit_rows(event="offline_failure", user=user)),
            20, "the queued offline audit rows in auth_events")
        self.assertTrue(rows)
        for event in ("offline_login", "offline_failure"):
            for row in f.audit_rows(event=event, user=user):
                self.assertEqual(row[2], ff.WEB_HOST, row)
        self.assertEqual(len(f.audit_rows(event="offline_login", user=user)), 1)

    def test_totp_account_is_unavailable_offline_local_fallback_works(self):
        user = "lkf-toto"
        self.online_login(user, ff.PASSWORD,
                          lkharness.totp_code(self.toto_secret))
        with self.fleet.directories_down():
            code = lkharness.totp_code(self.toto_secret, time.time() + 30)
            self.assert_result(self.auth(user, ff.PASSWORD, code),
                               "PAM_AUTHINFO_UNAVAIL", "a TOTP account offline")
            # The fallback stack: the local user logs in with pam_unix ...
            self.assert_result(
                self.auth(LOCAL_USER, LOCAL_PASSWORD, service=FALLBACK),
                "PAM_SUCCESS", "a local user through the fallback stack")
            self.assert_result(
                self.auth(LOCAL_USER, LOCAL_PASSWORD + "x", service=FALLBACK),
                "PAM_AUTH_ERR", "a local user's wrong password")
            # ... and the TOTP account gets no way in through it.
            r = self.auth(user, ff.PASSWORD, code, service=FALLBACK)
            self.assertNotIn(ff.PAM_TEXT["PAM_SUCCESS"], r.stdout + r.stderr)

    def test_password_change_drops_the_verifier_at_the_next_sync(self):
        f = self.fleet
        self.online_login("lkf-pat", ff.PASSWORD)
        self.online_login("lkf-ctrl", ff.PASSWORD)
        for user in ("lkf-pat", "lkf-ctrl"):
            f.web1.wait_for_verifier(user)
        f.ok("user", "set-password", "lkf-pat", "--password-stdin",
             stdin=ff.NEW_PASSWORD + "\n")
        time.sleep(2.5)  # two syncs (sync_interval 1s)
        self.assertFalse(f.web1.has_verifier("lkf-pat"),
                         "the changed account's verifier is still there")
        self.assertTrue(f.web1.has_verifier("lkf-ctrl"))
        with f.directories_down():
            # The control account's verifier is alive: offline works now ...
            self.assert_result(self.auth("lkf-ctrl", ff.PASSWORD),
                               "PAM_SUCCESS", "the control account offline")
            # ... but the changed account's verifier is gone: neither its old
            # password nor its new one logs in offline.
            self.assert_result(self.auth("lkf-pat", ff.PASSWORD),
                               "PAM_AUTHINFO_UNAVAIL",
                               "the old password after a change")
            self.assert_result(self.auth("lkf-pat", ff.NEW_PASSWORD),
                               "PAM_AUTHINFO_UNAVAIL",
                               "the new password, never used online")
        # Online, the new one works (and would be cached again).
        self.online_login("lkf-pat", ff.NEW_PASSWORD)


if __name__ == "__main__":
    unittest.main()
