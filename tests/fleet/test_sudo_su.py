"""Real sudo (require_role=admin) and util-linux su on fleet host lkf-web1:
pam_latchkey.so asks the host's agent; nothing of the database is on the
host.

Both run, as the database user (runuser), in a private mount namespace with
copies of /etc/pam.d and /etc/sudoers.d and the host's agent-written
extrausers files behind nsswitch.conf (tests/e2e/test_sudo.py and
test_su.py do the same in direct mode).

su keeps its PAM handle until the shell exits. In fleet mode the module's
agent connection lives for one pam_sm_* call and is close-on-exec; the
shell must hold no socket at all: neither that connection nor anything
else.
"""

import os
import re
import subprocess
import unittest

import fleet_fixture as ff
from fleet_fixture import e2e  # tests/e2e, on the path through fleet_fixture
import lkharness

try:
    import pexpect
except ImportError:  # reported as a skip in setUpClass
    pexpect = None

ADMIN = "lkf-boss"
PLAIN = "lkf-pleb"
SU_USER = "lkf-suzy"
BEGIN = "LK-FD-BEGIN"
END = "LK-FD-END"


class FleetSudoSuTest(ff.FleetTestCase):
    tools = ("sudo", "runuser", "visudo", "su")
    needs_pexpect = True

    @classmethod
    def tear_down_fleet(cls):
        for user in (ADMIN, PLAIN):
            for base in ("/run/sudo/ts", "/var/run/sudo/ts"):
                path = os.path.join(base, user)
                if os.path.exists(path):
                    os.remove(path)

    @classmethod
    def set_up_fleet(cls):
        f = cls.fleet
        host = f.web1
        for name in (ADMIN, PLAIN, SU_USER):
            ff.require(not e2e.user_exists_locally(name),
                       f"a local account {name} exists on this machine")
        f.add_user(ADMIN, "--role", "admin", "--role", "user")
        f.add_user(PLAIN)
        f.add_user(SU_USER)
        for name in (ADMIN, PLAIN, SU_USER):
            host.wait_for_entry(name)
        entry = host.passwd_entry(SU_USER)
        os.makedirs(entry[5], 0o755, exist_ok=True)
        os.chown(entry[5], int(entry[2]), int(entry[3]))

        cls.sudo_service = f"latchkey-fsudo-{os.getpid()}"
        su_stack = "\n".join([
            "# Written by tests/fleet/test_sudo_su.py; seen only by its su.",
            host.pam_line("auth"),
            host.pam_line("account"),
            host.pam_line("session"),
            "password required pam_deny.so",
        ]) + "\n"
        pam_d = ff.pam_dir(f, "pam.d-sudo-su", {
            cls.sudo_service: "\n".join([
                "# Written by tests/fleet/test_sudo_su.py; seen only by sudo.",
                host.pam_line("auth", extra="require_role=admin"),
                host.pam_line("account", extra="require_role=admin"),
                "session  required pam_permit.so",
                "password required pam_deny.so",
            ]) + "\n",
            "su": su_stack,
            "su-l": su_stack,
        })

        sudoers_d = os.path.join(f.tmp, "sudoers.d")
        e2e.copy_dir("/etc/sudoers.d", sudoers_d)
        rule = os.path.join(sudoers_d, "latchkey-fleet")
        lkharness.write_file(rule, "\n".join([
            "# Written by tests/fleet/test_sudo_su.py; seen only by its sudo.",
            f"User_Alias LKFLEET = {ADMIN}, {PLAIN}",
            f"Defaults:LKFLEET pam_service={cls.sudo_service}",
            "Defaults:LKFLEET passwd_tries=1, lecture=never, !use_pty",
            "LKFLEET ALL=(ALL) ALL",
        ]) + "\n", 0o440)
        check = subprocess.run(["visudo", "-cf", rule], capture_output=True,
                               text=True, check=False)
        if check.returncode != 0:
            raise RuntimeError(f"visudo -cf {rule}: {check.stdout}{check.stderr}")
        cls.binds = ([(pam_d, "/etc/pam.d"), (sudoers_d, "/etc/sudoers.d")]
                     + host.nss_binds())

    def sudo(self, user, password, *command):
        argv = ff.namespace_argv(
            self.binds,
            ["runuser", "-u", user, "--", "sudo", "-S", "-k"] + list(command))
        return subprocess.run(argv, input=password + "\n", capture_output=True,
                              text=True, timeout=60, check=False)

    def su(self, password, command):
        argv = ff.namespace_argv(
            self.binds, ["runuser", "-u", SU_USER, "--", "su", "-", SU_USER,
                         "-c", command])
        child = pexpect.spawn(argv[0], argv[1:], encoding="utf-8", timeout=60)
        try:
            child.expect("[Pp]assword: ?")
            child.sendline(password)
            child.expect(pexpect.EOF)
            output = child.before
        finally:
            child.close()
        return child.exitstatus, output

    # --- sudo ---

    def test_sudo_admin_with_the_directory_password_becomes_root(self):
        r = self.sudo(ADMIN, ff.PASSWORD, "id", "-u")
        self.assertEqual(r.returncode, 0, f"{r.stdout}{r.stderr}\n{self.logs()}")
        self.assertEqual(r.stdout.strip(), "0")
        rows = self.fleet.audit_rows(user=ADMIN)
        self.assertTrue(any(row[2] == ff.WEB_HOST for row in rows), rows)

    def test_sudo_admin_with_a_wrong_password_is_refused(self):
        before = self.fleet.show(ADMIN)["failed_logins"]
        r = self.sudo(ADMIN, ff.PASSWORD + "x", "id", "-u")
        self.assertNotEqual(r.returncode, 0, f"{r.stdout}{r.stderr}")
        self.assertNotIn("0", r.stdout.split())
        self.assertEqual(self.fleet.show(ADMIN)["failed_logins"], before + 1)

    def test_sudo_user_without_the_admin_role_is_refused(self):
        r = self.sudo(PLAIN, ff.PASSWORD, "id", "-u")
        self.assertNotEqual(r.returncode, 0, f"{r.stdout}{r.stderr}")
        self.assertNotIn("0", r.stdout.split())
        self.assertEqual(self.fleet.show(PLAIN)["failed_logins"], 0)

    # --- su ---

    def test_su_wrong_password_is_refused(self):
        status, output = self.su(ff.PASSWORD + "x", "id -un")
        self.assertNotEqual(status, 0, output)
        self.assertIn("Authentication failure", output)

    def test_su_shell_holds_no_socket(self):
        status, output = self.su(
            ff.PASSWORD,
            f"echo {BEGIN}; id -un; ls -l /proc/self/fd/; echo {END}")
        self.assertEqual(status, 0, f"{output}\n{self.logs()}")
        listing = output.split(BEGIN, 1)[-1].split(END, 1)[0]
        self.assertIn(SU_USER, listing.split())
        sockets = [line for line in listing.splitlines()
                   if re.search(r"socket:\[\d+\]", line)]
        self.assertEqual(sockets, [],
                         "the shell su started holds sockets (the module's "
                         "agent connection, or another):\n" + listing)


if __name__ == "__main__":
    unittest.main()
