"""A real OpenSSH sshd on fleet host lkf-web1: pam_latchkey.so in fleet mode
asks the host's latchkey-agent, which asks the directory over TLS.

As in tests/e2e/test_sshd.py, the sshd binary is a copy named after its PAM
service (latchkey-fsshd) and runs in a private mount namespace with a copy
of /etc/pam.d, and an nsswitch.conf plus the host's extrausers directory,
which here the AGENT writes from the directory map (no nss-sync runs). The
namespace also mounts a root-owned tmpfs on /mnt and installs
latchkey-ssh-keys there: sshd refuses an AuthorizedKeysCommand whose path
is not root-owned all the way up (/tmp is world-writable).
"""

import os
import re
import shutil
import subprocess
import time
import unittest

import fleet_fixture as ff
from fleet_fixture import e2e  # tests/e2e, on the path through fleet_fixture
from fleet_fixture import OTHER_ROLE
import lkharness

try:
    import pexpect
except ImportError:  # reported as a skip in setUpClass
    pexpect = None

SSHD = "/usr/sbin/sshd"
PREFIX = "lkf-"
KEYS_DIR = "/mnt"  # a tmpfs mounted in the sshd's namespace only


class FleetSshdTest(ff.FleetTestCase):
    tools = (SSHD, "ssh", "ssh-keygen", "sshpass", "oathtool")
    needs_pexpect = True
    sshd = None
    created_privsep_dir = False

    @classmethod
    def tear_down_fleet(cls):
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
    def set_up_fleet(cls):
        f = cls.fleet
        host = f.web1
        tmp = f.tmp
        ssh_keys = ff.binary("LATCHKEY_SSH_KEYS", "latchkey-ssh-keys")
        f.add_user(PREFIX + "alice")
        f.add_user(PREFIX + "opsy", "--role", OTHER_ROLE)
        f.add_user(PREFIX + "kim")
        f.add_user(PREFIX + "keya")
        f.add_user(PREFIX + "tina")
        cls.tina_secret = f.enable_totp(PREFIX + "tina")
        for name in ("alice", "opsy", "kim", "keya", "tina"):
            host.wait_for_entry(PREFIX + name)

        # The client's key pair, registered for keya in the database.
        cls.client_key = os.path.join(tmp, "client_ed25519")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C",
                        "keya@fleet-test", "-f", cls.client_key], check=True,
                       capture_output=True)
        cls.client_pub = lkharness.read_file(cls.client_key + ".pub").strip()
        f.ok("user", "ssh-key", "add", PREFIX + "keya", cls.client_pub)

        if not os.path.isdir("/run/sshd"):
            os.makedirs("/run/sshd", 0o755)
            cls.created_privsep_dir = True

        cls.port = lkharness.free_port()
        host_key = os.path.join(tmp, "sshd_host_ed25519")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                        host_key], check=True, capture_output=True)
        keys_command = f"{KEYS_DIR}/latchkey-ssh-keys"
        sshd_config = os.path.join(tmp, "sshd_config")
        lkharness.write_file(sshd_config, "\n".join([
            "ListenAddress 127.0.0.1",
            f"Port {cls.port}",
            f"HostKey {host_key}",
            f"PidFile {tmp}/sshd.pid",
            "UsePAM yes",
            "KbdInteractiveAuthentication yes",
            "PasswordAuthentication yes",
            "PubkeyAuthentication yes",
            "AuthorizedKeysFile none",
            f"AuthorizedKeysCommand {keys_command} %u --socket {host.socket}",
            "AuthorizedKeysCommandUser nobody",
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

        pam_d = ff.pam_dir(f, "pam.d-sshd", {"latchkey-fsshd": "\n".join([
            "# Written by tests/fleet/test_sshd.py; seen only by its sshd.",
            host.pam_line("auth"),
            host.pam_line("account"),
            host.pam_line("password"),
            "session  required pam_mkhomedir.so skel=/etc/skel umask=0077",
            host.pam_line("session"),
        ]) + "\n"})

        binary = os.path.join(tmp, "latchkey-fsshd")
        shutil.copy2(SSHD, binary)
        # latchkey-ssh-keys in a root-owned directory inside the namespace.
        setup = (f"mount -t tmpfs -o mode=0755,uid=0,gid=0 lkfleet {KEYS_DIR}\n"
                 f"cp '{ssh_keys}' {keys_command}\n"
                 f"chown root:root {keys_command}\n"
                 f"chmod 0755 {keys_command}\n")
        cls.sshd_log_path = os.path.join(tmp, "sshd.log")
        with open(cls.sshd_log_path, "w", encoding="utf-8") as log:
            cls.sshd = subprocess.Popen(
                ff.namespace_argv([(pam_d, "/etc/pam.d")] + host.nss_binds(),
                                  [binary, "-D", "-e", "-f", sshd_config],
                                  setup=setup),
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

    def ssh_args(self, user, method, command, extra=()):
        return ["ssh", "-F", "/dev/null", "-p", str(self.port),
                "-o", "StrictHostKeyChecking=no",
                "-o", "UserKnownHostsFile=/dev/null",
                "-o", "GlobalKnownHostsFile=/dev/null",
                "-o", "LogLevel=ERROR",
                "-o", f"PreferredAuthentications={method}",
                "-o", "GSSAPIAuthentication=no",
                "-o", "NumberOfPasswordPrompts=1",
                "-o", "ConnectTimeout=10"] + list(extra) + [
                f"{user}@127.0.0.1", command]

    def password_login(self, user, password, command="true"):
        return subprocess.run(
            ["sshpass", "-e"] + self.ssh_args(
                user, "password", command,
                ["-o", "PubkeyAuthentication=no"]),
            env=dict(os.environ, SSHPASS=password), capture_output=True,
            text=True, timeout=60, stdin=subprocess.DEVNULL, check=False)

    def key_login(self, user, command="true"):
        return subprocess.run(
            self.ssh_args(user, "publickey", command,
                          ["-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
                           "-i", self.client_key]),
            capture_output=True, text=True, timeout=60,
            stdin=subprocess.DEVNULL, check=False)

    def kbdint_login(self, user, password, code, command):
        args = self.ssh_args(user, "keyboard-interactive", command,
                             ["-o", "PubkeyAuthentication=no"])
        child = pexpect.spawn(args[0], args[1:], timeout=30, encoding="utf-8")
        try:
            child.expect("Password: ")
            child.sendline(password)
            child.expect("Verification code: ")
            child.sendline(code)
            child.expect(pexpect.EOF)
        finally:
            child.close()
        return child.exitstatus, child.before

    def assert_login_ok(self, r, what):
        self.assertEqual(r.returncode, 0,
                         f"{what}: exit {r.returncode}\nstdout: {r.stdout}\n"
                         f"stderr: {r.stderr}\nsshd log:\n{self.sshd_log()}\n"
                         f"{self.logs()}")

    def assert_refused(self, r):
        self.assertEqual(r.returncode, 255, f"{r.stdout}{r.stderr}")
        self.assertIn("Permission denied", r.stderr)

    # --- tests ---

    def test_password_login_through_the_agent(self):
        user = PREFIX + "alice"
        entry = self.fleet.web1.passwd_entry(user)
        r = self.password_login(user, ff.PASSWORD,
                                'echo "who=$(id -un) uid=$(id -u)"')
        self.assert_login_ok(r, "password login")
        self.assertIn(f"who={user} uid={entry[2]}", r.stdout)
        # The directory recorded it, with the host's name.
        shown = self.fleet.show(user)
        self.assertEqual(shown["uid"], int(entry[2]))
        self.assertIsNotNone(shown["last_login_at"])
        self.assertTrue(any(row[2] == ff.WEB_HOST for row in
                            self.fleet.audit_rows(user=user)),
                        self.fleet.audit_rows(user=user))
        # A wrong password is refused and counted in the database.
        self.assert_refused(self.password_login(user, ff.PASSWORD + "x"))
        self.assertEqual(self.fleet.show(user)["failed_logins"], 1)

    def test_password_and_totp_over_keyboard_interactive(self):
        user = PREFIX + "tina"
        status, out = self.kbdint_login(
            user, ff.PASSWORD, lkharness.totp_code(self.tina_secret),
            "echo logged-in-as-$(id -un)")
        self.assertEqual(status, 0, f"{out}\nsshd log:\n{self.sshd_log()}\n"
                         f"{self.logs()}")
        self.assertIn(f"logged-in-as-{user}", out)

    def test_publickey_through_authorized_keys_command(self):
        user = PREFIX + "keya"
        r = self.key_login(user, "echo key-login-as-$(id -un)")
        self.assert_login_ok(r, "publickey login")
        self.assertIn(f"key-login-as-{user}", r.stdout)
        # The key is keya's only: alice (no keys) is refused with it.
        self.assert_refused(self.key_login(PREFIX + "alice"))

    def test_publickey_with_the_directory_down_uses_cached_keys(self):
        user = PREFIX + "keya"
        # Cached by a login (or a keys query) while the directory answers.
        self.assert_login_ok(self.key_login(user), "publickey login")
        with self.fleet.directories_down():
            self.fleet.web1.wait_offline()
            r = self.key_login(user, "echo cached-key-as-$(id -un)")
            self.assert_login_ok(r, "publickey login, directory down")
            self.assertIn(f"cached-key-as-{user}", r.stdout)

    def test_role_not_allowed_on_the_host_group_is_refused_at_account(self):
        user = PREFIX + "opsy"  # role ops: no rule of lkf-web names it
        r = self.password_login(user, ff.PASSWORD, "echo SHOULD-NOT-RUN")
        # sshd drops the connection after the account phase's no (ssh at
        # LogLevel=ERROR says nothing more).
        self.assertEqual(r.returncode, 255, f"{r.stdout}{r.stderr}")
        self.assertNotIn("SHOULD-NOT-RUN", r.stdout)
        # The password was right (nothing counted): the account phase said no.
        self.assertEqual(self.fleet.show(user)["failed_logins"], 0)
        self.assertRegex(self.sshd_log(),
                         rf"Access denied for user {re.escape(user)} by PAM "
                         "account configuration")
        self.assertTrue(self.fleet.audit_rows(event="access_denied", user=user),
                        self.fleet.audit_rows(user=user))

    def test_database_only_user_logs_in_with_the_agent_written_entry(self):
        user = PREFIX + "newbie"
        host = self.fleet.web1
        self.assertIsNone(host.passwd_entry(user))
        self.assertFalse(e2e.user_exists_locally(user))
        self.fleet.add_user(user)
        # The admin side's nss-sync gave it a uid (in the admin's own
        # files); this host's entry is the one its agent writes from the
        # directory map at its next sync (sync_interval 1s).
        entry = host.wait_for_entry(user, timeout=10)
        self.assertEqual(int(entry[2]), self.fleet.show(user)["uid"])
        r = self.password_login(user, ff.PASSWORD,
                                'echo "$(id -un) $(id -u) $HOME"')
        self.assert_login_ok(r, "login with the agent-written entry")
        self.assertEqual(r.stdout.split(),
                         [user, entry[2], os.path.join(self.fleet.home, user)])
        # Outside the namespace this machine still does not know it.
        self.assertFalse(e2e.user_exists_locally(user))

    def test_sshd_and_its_children_hold_no_database_connection(self):
        user = PREFIX + "kim"
        db_port = int(self.fleet.box.env["LK_DB_PORT"])
        session = subprocess.Popen(
            ["sshpass", "-e"] + self.ssh_args(
                user, "password", "echo in-session; sleep 4",
                ["-o", "PubkeyAuthentication=no"]),
            env=dict(os.environ, SSHPASS=ff.PASSWORD), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
        try:
            line = session.stdout.readline()
            self.assertIn("in-session", line, session.stderr.read()
                          if session.poll() is not None else "")
            pids = ff.descendants(self.sshd.pid)
            self.assertGreater(len(pids), 2, "no sshd session processes")
            for pid in pids:
                peers = ff.tcp_peers(pid)
                self.assertNotIn(db_port, [p for _, p in peers],
                                 f"pid {pid} ({ff.comm(pid)}) is connected to "
                                 "MariaDB")
        finally:
            session.communicate(timeout=30)



if __name__ == "__main__":
    unittest.main()
