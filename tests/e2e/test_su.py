"""A real util-linux su in front of pam_latchkey.so: no descriptor of the
module's database connection reaches the shell su starts.

su keeps its PAM handle, and with it the module's open database connection,
until the shell exits, and it does not close descriptors before it execs
the shell. Two things keep the connection from the shell: su's child calls
pam_end(PAM_DATA_SILENT) before the exec, as Linux-PAM asks, and the
module's cleanup there drops its copy of the socket (without ending the
parent's server session); and the socket is close-on-exec in any case (for
hosts that skip the pam_end: tests/pam/test_cloexec.py).

The test user exists only in the database. It runs (through runuser, so
not as root: pam_latchkey really authenticates it) `su - USER -c ...` on a
pseudo-terminal and types its database password; the command lists the
shell's /proc/self/fd. su reads its PAM service ("su-l" for `su -`, "su"
otherwise) from /etc/pam.d and the user from NSS, so it runs in a private
mount namespace where a copy of /etc/pam.d with our su services, and
nsswitch.conf plus /var/lib/extrausers (libnss-extrausers serving the users
`latchkeyctl nss-sync` wrote), are bind-mounted. Nothing on the machine
itself is written.
"""

import os
import re
import unittest

import e2e
import lkharness

try:
    import pexpect
except ImportError:  # reported as a skip in setUpClass
    pexpect = None

USER = "lke2e-suzy"
BEGIN = "LK-FD-BEGIN"
END = "LK-FD-END"


class SuTest(e2e.WorldTestCase):
    tools = ("su", "runuser", "unshare")
    needs_pexpect = True

    @classmethod
    def set_up_world(cls, module):
        w = cls.world
        e2e.require(not e2e.user_exists_locally(USER),
                    f"a local account {USER} exists on this machine")
        w.add_user(USER)
        w.nss_sync()
        entry = w.synced_entry(USER)
        if entry is None:
            raise RuntimeError(f"nss-sync wrote no entry for {USER}")
        uid = int(entry[2])
        home = entry[5]
        os.makedirs(home, 0o755, exist_ok=True)
        os.chown(home, uid, uid)

        pam_d = os.path.join(w.tmp, "pam.d")
        e2e.copy_dir("/etc/pam.d", pam_d)
        stack = "\n".join([
            "# Written by tests/e2e/test_su.py; seen only by its su.",
            f"auth     required {module} config={w.config}",
            f"account  required {module} config={w.config}",
            f"session  required {module} config={w.config}",
            "password required pam_deny.so",
        ]) + "\n"
        for service in ("su", "su-l"):
            os.remove(os.path.join(pam_d, service))
            lkharness.write_file(os.path.join(pam_d, service), stack, 0o644)
        cls.binds = [(pam_d, "/etc/pam.d")] + w.nss_binds()

    def su(self, password, command):
        """runuser -u USER -- su - USER -c COMMAND on a pty, `password`
        typed at the prompt. Returns (exit status, everything su printed)."""
        argv = e2e.in_private_mounts(
            self.binds, ["runuser", "-u", USER, "--", "su", "-", USER, "-c",
                         command])
        child = pexpect.spawn(argv[0], argv[1:], encoding="utf-8",
                              timeout=60)
        try:
            child.expect("[Pp]assword: ?")
            child.sendline(password)
            child.expect(pexpect.EOF)
            output = child.before
        finally:
            child.close()
        return child.exitstatus, output

    def test_a_wrong_password_is_refused(self):
        # The stack really is pam_latchkey's: it decides.
        status, output = self.su(e2e.PASSWORD + "x", "id -un")
        self.assertNotEqual(status, 0, output)
        self.assertIn("Authentication failure", output)

    def test_the_shell_inherits_no_database_socket(self):
        status, output = self.su(
            e2e.PASSWORD,
            f"echo {BEGIN}; id -un; ls -l /proc/self/fd/; echo {END}")
        self.assertEqual(status, 0, output)
        listing = output.split(BEGIN, 1)[-1].split(END, 1)[0]
        # The shell really is the database user's, after a real login.
        self.assertIn(USER, listing.split())
        sockets = [line for line in listing.splitlines()
                   if re.search(r"-> socket:\[\d+\]", line)]
        self.assertEqual(sockets, [],
                         "the shell su started holds sockets it did not open "
                         "(pam_latchkey's database connection):\n" + listing)


if __name__ == "__main__":
    unittest.main()
