"""Real sudo in front of pam_latchkey.so with require_role=admin, for users
that exist only in the database.

sudo is setuid root and reads its rules, its PAM service and the user's
passwd entry from the real paths, so it runs (through runuser, as the test
user) in a private mount namespace where copies are bind-mounted over them:
/etc/sudoers.d with a rule of ours (checked with visudo -cf) that names
our own PAM service through sudo's pam_service option, /etc/pam.d with that
service added, and nsswitch.conf plus /var/lib/extrausers so that
libnss-extrausers serves the users `latchkeyctl nss-sync` wrote. Nothing on
the machine itself is written; the namespace ends with the command.
"""

import json
import os
import subprocess
import unittest

import e2e
import lkharness

ADMIN = "lke2e-boss"
PLAIN = "lke2e-pleb"


class SudoTest(e2e.WorldTestCase):
    tools = ("sudo", "runuser", "visudo", "unshare")

    @classmethod
    def tear_down_world(cls):
        # sudo's time stamps for our users, if it made any (sudo -k should
        # not, but they would let a later run skip PAM).
        for user in (ADMIN, PLAIN):
            for base in ("/run/sudo/ts", "/var/run/sudo/ts"):
                path = os.path.join(base, user)
                if os.path.exists(path):
                    os.remove(path)

    @classmethod
    def set_up_world(cls, module):
        w = cls.world
        for name in (ADMIN, PLAIN):
            e2e.require(not e2e.user_exists_locally(name),
                        f"a local account {name} exists on this machine")
        w.add_user(ADMIN, "--role", "admin", "--role", "user")
        w.add_user(PLAIN)
        w.nss_sync()

        service = f"latchkey-sudo-{os.getpid()}"
        config = w.config
        pam_d = os.path.join(w.tmp, "pam.d")
        e2e.copy_dir("/etc/pam.d", pam_d)
        lkharness.write_file(os.path.join(pam_d, service), "\n".join([
            "# Written by tests/e2e/test_sudo.py; seen only by its sudo.",
            f"auth     required {module} config={config} require_role=admin",
            f"account  required {module} config={config} require_role=admin",
            "session  required pam_permit.so",
            "password required pam_deny.so",
        ]) + "\n", 0o644)

        sudoers_d = os.path.join(w.tmp, "sudoers.d")
        e2e.copy_dir("/etc/sudoers.d", sudoers_d)
        rule = os.path.join(sudoers_d, "latchkey-e2e")
        lkharness.write_file(rule, "\n".join([
            "# Written by tests/e2e/test_sudo.py; seen only by its sudo.",
            f"User_Alias LKE2E = {ADMIN}, {PLAIN}",
            f"Defaults:LKE2E pam_service={service}",
            "Defaults:LKE2E passwd_tries=1, lecture=never, !use_pty",
            "LKE2E ALL=(ALL) ALL",
        ]) + "\n", 0o440)
        check = subprocess.run(["visudo", "-cf", rule], capture_output=True,
                               text=True, check=False)
        if check.returncode != 0:
            raise RuntimeError(f"visudo -cf {rule}: {check.stdout}{check.stderr}")

        cls.binds = ([(pam_d, "/etc/pam.d"), (sudoers_d, "/etc/sudoers.d")] +
                     w.nss_binds())

    def sudo(self, user, password, *command):
        """runuser -u USER -- sudo -S -k COMMAND, the password on stdin."""
        argv = e2e.in_private_mounts(
            self.binds,
            ["runuser", "-u", user, "--", "sudo", "-S", "-k"] + list(command))
        return subprocess.run(argv, input=password + "\n", capture_output=True,
                              text=True, timeout=60, check=False)

    def show(self, user):
        return json.loads(self.world.ok("--json", "user", "show", user).stdout)

    def test_admin_with_the_database_password_becomes_root(self):
        r = self.sudo(ADMIN, e2e.PASSWORD, "id", "-u")
        self.assertEqual(r.returncode, 0, f"{r.stdout}{r.stderr}")
        self.assertEqual(r.stdout.strip(), "0")

    def test_admin_with_a_wrong_password_is_refused(self):
        before = self.show(ADMIN)["failed_logins"]
        r = self.sudo(ADMIN, e2e.PASSWORD + "x", "id", "-u")
        self.assertNotEqual(r.returncode, 0, f"{r.stdout}{r.stderr}")
        self.assertNotIn("0", r.stdout.split())
        self.assertEqual(self.show(ADMIN)["failed_logins"], before + 1)
        # Still an admin with the right password.
        r = self.sudo(ADMIN, e2e.PASSWORD, "id", "-u")
        self.assertEqual(r.returncode, 0, f"{r.stdout}{r.stderr}")

    def test_user_without_the_admin_role_is_refused(self):
        r = self.sudo(PLAIN, e2e.PASSWORD, "id", "-u")
        self.assertNotEqual(r.returncode, 0, f"{r.stdout}{r.stderr}")
        self.assertNotIn("0", r.stdout.split())
        # The password was right (no failure counted): the account phase's
        # role check said no.
        self.assertIn("Permission denied", r.stderr)
        self.assertEqual(self.show(PLAIN)["failed_logins"], 0)

    def test_role_granted_in_the_database_takes_effect_at_once(self):
        user = "lke2e-promo"
        e2e.require(not e2e.user_exists_locally(user),
                    f"a local account {user} exists on this machine")
        self.world.add_user(user)
        self.world.nss_sync()
        rule = os.path.join(self.world.tmp, "sudoers.d", "latchkey-e2e")
        # This user is not in the alias: give it the same rule.
        text = lkharness.read_file(rule).replace(f"{ADMIN}, {PLAIN}",
                                                 f"{ADMIN}, {PLAIN}, {user}")
        os.chmod(rule, 0o640)
        lkharness.write_file(rule, text, 0o440)
        self.assertNotEqual(self.sudo(user, e2e.PASSWORD, "true").returncode, 0)
        self.world.ok("user", "set-role", user, "admin")
        r = self.sudo(user, e2e.PASSWORD, "id", "-u")
        self.assertEqual(r.returncode, 0, f"{r.stdout}{r.stderr}")
        self.assertEqual(r.stdout.strip(), "0")


if __name__ == "__main__":
    unittest.main()
