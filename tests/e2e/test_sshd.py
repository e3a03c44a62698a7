"""A real OpenSSH sshd in front of pam_latchkey.so, with users that exist
only in the database.

The sshd binary is copied to <tmp>/latchkey-sshd: OpenSSH names its PAM
service after its own program name, so it reads /etc/pam.d/latchkey-sshd. That
file exists only in the sshd's private mount namespace, where a copy of
/etc/pam.d with it added is bind-mounted over /etc/pam.d; the machine's own
PAM files are never written. The sshd listens on 127.0.0.1 only, on a free
port, and is stopped by its PID.

sshd calls getpwnam before it asks PAM anything, so the users need passwd
entries: `latchkeyctl nss-sync` writes them, and the namespace also gets an
nsswitch.conf with `passwd: files extrausers` and the synced files over
/var/lib/extrausers, so the real libnss-extrausers serves them to sshd and
to pam_mkhomedir's helper, as on a configured host. The machine's own
/etc/nsswitch.conf and /var/lib/extrausers are not touched.
"""

import json
import os
import shutil
import subprocess
import unittest

import e2e
import lkharness

try:
    import pexpect
except ImportError:  # reported as a skip in setUpClass
    pexpect = None

SSHD = "/usr/sbin/sshd"
PREFIX = "lke2e-"  # every test user; AllowUsers admits only these


class SshdTest(e2e.WorldTestCase):
    tools = (SSHD, "ssh", "ssh-keygen", "sshpass", "oathtool", "unshare")
    needs_pexpect = True
    sshd = None
    created_privsep_dir = False

    @classmethod
    def tear_down_world(cls):
        try:
            lkharness.stop_process(cls.sshd)
        finally:
            cls.sshd = None
            if cls.created_privsep_dir:
                try:
                    os.rmdir("/run/sshd")
                except OSError:
                    pass
                cls.created_privsep_dir = False

    @classmethod
    def set_up_world(cls, module):
        w = cls.world
        tmp = w.tmp
        # Users: password only, TOTP (two: a code is good once), and one
        # added later by a test.
        w.add_user(PREFIX + "alice")
        w.add_user(PREFIX + "wrong")
        for name in ("tina", "tom"):
            w.add_user(PREFIX + name)
            r = w.ok("--json", "user", "totp-enable", PREFIX + name)
            setattr(cls, f"{name}_secret",
                    json.loads(r.stdout)["secret"])
        w.nss_sync()

        # Privilege separation needs its empty root-owned directory.
        if not os.path.isdir("/run/sshd"):
            os.makedirs("/run/sshd", 0o755)
            cls.created_privsep_dir = True

        cls.port = lkharness.free_port()
        host_key = os.path.join(tmp, "host_ed25519")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                        host_key], check=True, capture_output=True)
        cls.sshd_config = os.path.join(tmp, "sshd_config")
        lkharness.write_file(cls.sshd_config, "\n".join([
            "ListenAddress 127.0.0.1",
            f"Port {cls.port}",
            f"HostKey {host_key}",
            f"PidFile {tmp}/sshd.pid",
            "UsePAM yes",
            "KbdInteractiveAuthentication yes",
            "PasswordAuthentication yes",
            "PubkeyAuthentication no",
            "AuthorizedKeysFile none",
            "PermitRootLogin no",
            f"AllowUsers {PREFIX}*",
            "PermitEmptyPasswords no",
            "MaxAuthTries 3",
            "LoginGraceTime 30",
            "UseDNS no",
            "PrintMotd no",
            "PrintLastLog no",
            "X11Forwarding no",
            "AllowTcpForwarding no",
            "LogLevel VERBOSE",
        ]) + "\n", 0o600)

        config = w.config
        pam_d = os.path.join(tmp, "pam.d")
        e2e.copy_dir("/etc/pam.d", pam_d)
        lkharness.write_file(os.path.join(pam_d, "latchkey-sshd"), "\n".join([
            "# Written by tests/e2e/test_sshd.py; seen only by its sshd.",
            f"auth     required {module} config={config}",
            f"account  required {module} config={config}",
            f"password required {module} config={config}",
            "session  required pam_mkhomedir.so skel=/etc/skel umask=0077",
            f"session  required {module} config={config}",
        ]) + "\n", 0o644)

        binary = os.path.join(tmp, "latchkey-sshd")
        shutil.copy2(SSHD, binary)
        cls.sshd_log_path = os.path.join(tmp, "sshd.log")
        with open(cls.sshd_log_path, "w", encoding="utf-8") as log:
            cls.sshd = subprocess.Popen(
                e2e.in_private_mounts(
                    [(pam_d, "/etc/pam.d")] + w.nss_binds(),
                    [binary, "-D", "-e", "-f", cls.sshd_config]),
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        if not lkharness.wait_for_port(cls.port, cls.sshd):
            raise RuntimeError("sshd did not start:\n" + cls.sshd_log())

    @classmethod
    def sshd_log(cls):
        try:
            return lkharness.read_file(cls.sshd_log_path)
        except OSError:
            return ""

    # --- clients ---

    def ssh_args(self, user, method, command):
        return ["ssh", "-F", "/dev/null", "-p", str(self.port),
                "-o", "StrictHostKeyChecking=no",
                "-o", "UserKnownHostsFile=/dev/null",
                "-o", "GlobalKnownHostsFile=/dev/null",
                "-o", "LogLevel=ERROR",
                "-o", f"PreferredAuthentications={method}",
                "-o", "PubkeyAuthentication=no",
                "-o", "GSSAPIAuthentication=no",
                "-o", "NumberOfPasswordPrompts=1",
                "-o", "ConnectTimeout=10",
                f"{user}@127.0.0.1", command]

    def password_login(self, user, password, command="true"):
        """sshpass + ssh with password authentication; CompletedProcess."""
        return subprocess.run(
            ["sshpass", "-e"] + self.ssh_args(user, "password", command),
            env=dict(os.environ, SSHPASS=password), capture_output=True,
            text=True, timeout=60, stdin=subprocess.DEVNULL, check=False)

    def kbdint_login(self, user, password, code, command):
        """ssh with keyboard-interactive, answering the PAM prompts as a
        person would; returns (exit status, everything ssh printed)."""
        args = self.ssh_args(user, "keyboard-interactive", command)
        child = pexpect.spawn(args[0], args[1:], timeout=30,
                              encoding="utf-8")
        try:
            child.expect("Password: ")
            child.sendline(password)
            child.expect("Verification code: ")
            child.sendline(code)
            child.expect(pexpect.EOF)
        finally:
            child.close()
        return child.exitstatus, child.before

    def show(self, user):
        return json.loads(self.world.ok("--json", "user", "show", user).stdout)

    def assert_login_ok(self, r, what):
        self.assertEqual(r.returncode, 0,
                         f"{what}: exit {r.returncode}\nstdout: {r.stdout}\n"
                         f"stderr: {r.stderr}\nsshd log:\n{self.sshd_log()}")

    # --- tests ---

    def test_password_login_as_a_database_user(self):
        user = PREFIX + "alice"
        entry = self.world.synced_entry(user)
        self.assertIsNotNone(entry, "nss-sync wrote no entry")
        r = self.password_login(user, e2e.PASSWORD,
                                'echo "who=$(id -un) uid=$(id -u) home=$HOME"')
        self.assert_login_ok(r, "password login")
        home = os.path.join(self.world.home, user)
        self.assertIn(f"who={user} uid={entry[2]} home={home}", r.stdout)
        # pam_mkhomedir made the home directory, the user's, mode 0700.
        st = os.stat(home)
        self.assertEqual(st.st_uid, int(entry[2]))
        self.assertEqual(st.st_mode & 0o777, 0o700)
        # The uid is the one the database keeps; the session was recorded.
        shown = self.show(user)
        self.assertEqual(shown["uid"], int(entry[2]))
        self.assertIsNotNone(shown["last_login_at"])

    def assert_refused(self, r):
        self.assertEqual(r.returncode, 255, f"{r.stdout}{r.stderr}")
        self.assertIn("Permission denied", r.stderr)

    def test_wrong_password_is_refused(self):
        user = PREFIX + "wrong"
        self.assert_refused(self.password_login(user, e2e.PASSWORD + "x"))
        # Counted in the database, where every host and the portal see it.
        self.assertEqual(self.show(user)["failed_logins"], 1)
        # The right one still works afterwards, and clears the count.
        self.assert_login_ok(self.password_login(user, e2e.PASSWORD), "retry")
        self.assertEqual(self.show(user)["failed_logins"], 0)

    def test_unknown_user_is_refused(self):
        self.assert_refused(self.password_login(PREFIX + "nobody",
                                                e2e.PASSWORD))

    def test_password_and_totp_over_keyboard_interactive(self):
        user = PREFIX + "tina"
        status, out = self.kbdint_login(user, e2e.PASSWORD,
                                        lkharness.totp_code(self.tina_secret),
                                        "echo logged-in-as-$(id -un)")
        self.assertEqual(status, 0, f"{out}\nsshd log:\n{self.sshd_log()}")
        self.assertIn(f"logged-in-as-{user}", out)

    def test_wrong_totp_code_is_refused(self):
        user = PREFIX + "tom"
        status, out = self.kbdint_login(user, e2e.PASSWORD,
                                        e2e.wrong_code(self.tom_secret),
                                        "echo logged-in-as-$(id -un)")
        self.assertNotEqual(status, 0, out)
        self.assertNotIn("logged-in-as-", out)
        self.assertIn("Permission denied", out)

    def test_password_alone_is_not_enough_for_a_totp_user(self):
        # Password authentication answers every prompt with the password,
        # so the code prompt gets the password: refused.
        self.assert_refused(self.password_login(PREFIX + "tom", e2e.PASSWORD))

    def test_user_known_only_to_the_database_logs_in_after_nss_sync(self):
        user = PREFIX + "newbie"
        self.world.add_user(user)
        # No passwd entry yet: sshd refuses before PAM can say yes.
        self.assert_refused(self.password_login(user, e2e.PASSWORD))
        self.assertIsNone(self.world.synced_entry(user))
        r = self.world.nss_sync()
        self.assertIn("wrote", r.stdout)
        self.assertIsNotNone(self.world.synced_entry(user))
        r = self.password_login(user, e2e.PASSWORD, "id -un")
        self.assert_login_ok(r, "login after nss-sync")
        self.assertEqual(r.stdout.strip(), user)


if __name__ == "__main__":
    unittest.main()
