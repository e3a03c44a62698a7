"""The shipped conf/pam.d examples, run as real stacks: each file is copied
into a test service dir with pam_latchkey.so's path and the test config put
in, and its "@include common-*" lines replaced by copies of Debian 12's
default common-* stacks (pam_wrapper would otherwise read /etc/pam.d)."""
import contextlib
import os
import pwd
import re
import shutil
import unittest

import lkharness
import pamharness as h
from test_auth import GOOD, StackTest

LOCAL_PW = "local unix password 9"
NEW = "a brand new passphrase"

# Debian 12's /etc/pam.d/common-* as pam-auth-update writes them.
DEBIAN_COMMON = {
    "common-auth": [
        "auth [success=1 default=ignore] pam_unix.so nullok",
        "auth requisite pam_deny.so",
        "auth required pam_permit.so",
    ],
    "common-account": [
        "account [success=1 new_authtok_reqd=done default=ignore] pam_unix.so",
        "account requisite pam_deny.so",
        "account required pam_permit.so",
    ],
    "common-password": [
        "password [success=1 default=ignore] pam_unix.so obscure yescrypt",
        "password requisite pam_deny.so",
        "password required pam_permit.so",
    ],
    "common-session": [
        "session [default=1] pam_permit.so",
        "session requisite pam_deny.so",
        "session required pam_permit.so",
        "session required pam_unix.so",
    ],
}
DEBIAN_COMMON["common-session-noninteractive"] = DEBIAN_COMMON["common-session"]

EXAMPLES = os.path.join(os.environ.get("LATCHKEY_SOURCE_DIR", "../.."),
                        "conf", "pam.d")


def _uid_taken(uid, db):
    try:
        pwd.getpwuid(uid)
        return True
    except KeyError:
        return bool(db.sql("SELECT 1 FROM users WHERE uid = %d" % uid))


class ExamplesTest(StackTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The twins below stand in for nss-sync's extrausers entries, but
        # land in /etc/passwd: the module reads the host's own accounts from
        # a copy taken before, so they count as NSS entries, not local ones.
        local = os.path.join(cls.tmp.path, "passwd.local")
        shutil.copyfile("/etc/passwd", local)
        cls.db.write_config("latchkey.conf",
                            "[nss]\nlocal_passwd_file = %s\n" % local)
        cls.twins = contextlib.ExitStack()
        cls.erin = cls.database_user("erin")
        cls.adam = cls.database_user("adam", "--role", "admin")
        cls.dead = cls.db.write_config("dead.conf", database=(
            "hosts = 127.0.0.1:%d\nname = x\nuser = x\nconnect_timeout = 1s\n"
            % lkharness.free_port()))

    @classmethod
    def tearDownClass(cls):
        cls.twins.close()
        super().tearDownClass()

    @classmethod
    def database_user(cls, prefix, *flags):
        """A database user with a unique name and a passwd entry."""
        name = h.unique_name(prefix)
        cls.db.add_user(name, GOOD, *flags)
        # A uid of latchkey's range, as nss-sync would give it.
        uid = next(u for u in range(20000 + os.getpid() % 5000, 30000)
                   if not _uid_taken(u, cls.db))
        cls.db.sql("UPDATE users SET uid = %d WHERE username = '%s'" %
                   (uid, name))
        cls.twins.enter_context(h.unix_twin(name, uid))
        return name

    def install(self, example, config=None, name=None):
        """Writes conf/pam.d/<example> as service `name` for `config`."""
        config = config or self.db.config
        lines = []
        with open(os.path.join(EXAMPLES, example)) as f:
            for line in f:
                line = line.rstrip("\n")
                m = re.fullmatch(r"@include\s+(\S+)", line.strip())
                if m:
                    lines += DEBIAN_COMMON[m.group(1)]
                    continue
                line = line.replace("config=/etc/latchkey/latchkey.conf",
                                    "config=" + config)
                line = re.sub(r"(?<![/\w])pam_latchkey\.so", self.so, line)
                lines.append(line)
        return self.services.write(name or "ex-" + example, lines)

    def test_every_example_line_is_explained(self):
        names = sorted(os.listdir(EXAMPLES))
        self.assertEqual(names, ["latchkey-sshd", "latchkey-sshd-kbdint",
                                 "latchkey-sudo", "login", "passwd"])
        for name in names:
            with open(os.path.join(EXAMPLES, name)) as f:
                lines = f.read().splitlines()
            for i, line in enumerate(lines):
                if line.strip() and not line.startswith("#"):
                    self.assertTrue(i > 0 and lines[i - 1].startswith("#"),
                                    "%s:%d has no comment above it" %
                                    (name, i + 1))

    def test_sshd_database_and_local_users(self):
        ops = ["authenticate", "acct_mgmt", "open_session", "close_session"]
        for example in ("latchkey-sshd", "latchkey-sshd-kbdint", "login"):
            svc = self.install(example)
            r = self.pam(svc, self.erin, ops, [GOOD],
                         items={"rhost": "192.0.2.9"})
            self.assertTrue(r.ok, (example, r))
            r = self.pam(svc, self.erin, ["authenticate"], ["wrong"])
            self.assertTrue(r.failed_with("PAM_AUTH_ERR"), (example, r))
        self.assertGreaterEqual(len(self.db.events(self.erin, "session_open")), 3)
        with h.local_unix_user(LOCAL_PW) as local:
            for config in (self.db.config, self.dead):
                svc = self.install("latchkey-sshd", config,
                                   name="ex-sshd-" + os.path.basename(config))
                r = self.pam(svc, local, ops, [LOCAL_PW])
                self.assertTrue(r.ok, (config, r))
                r = self.pam(svc, local, ["authenticate"], ["wrong"])
                self.assertTrue(r.failed_with("PAM_AUTH_ERR"), (config, r))
            # The database down: its users cannot log in at all.
            r = self.pam(svc, self.erin, ["authenticate"], [GOOD])
            self.assertFalse(r.ok, r)

    def test_sudo_requires_admin(self):
        svc = self.install("latchkey-sudo")
        r = self.pam(svc, self.adam, ["authenticate", "acct_mgmt",
                                   "open_session", "close_session"], [GOOD])
        self.assertTrue(r.ok, r)
        r = self.pam(svc, self.erin, ["authenticate", "acct_mgmt"], [GOOD])
        self.assertTrue(r.failed_with("PAM_PERM_DENIED"), r)
        with h.local_unix_user(LOCAL_PW) as local:
            r = self.pam(svc, local, ["authenticate", "acct_mgmt"], [LOCAL_PW])
            self.assertTrue(r.ok, r)

    def test_passwd_for_database_and_local_users(self):
        pat = self.database_user("pat")
        svc = self.install("passwd")
        # Root too gives the database user's current password.
        r = self.pam(svc, pat, ["chauthtok"], [GOOD, NEW, NEW])
        self.assertTrue(r.ok, r)
        sshd = self.install("latchkey-sshd")
        self.assertTrue(self.pam(sshd, pat, ["authenticate"], [NEW]).ok)
        with h.local_unix_user(LOCAL_PW) as local:
            # Database up: the name is unknown to it, pam_unix changes it.
            r = self.pam(svc, local, ["chauthtok"], [NEW, NEW])
            self.assertTrue(r.ok, r)
            self.assertTrue(self.pam(sshd, local, ["authenticate"], [NEW]).ok)
            # Database down: root can still change local passwords.
            down = self.install("passwd", self.dead, name="ex-passwd-down")
            newer = NEW + " again"
            r = self.pam(down, local, ["chauthtok"], [newer, newer])
            self.assertTrue(r.ok, r)
            self.assertTrue(self.pam(sshd, local, ["authenticate"],
                                     [newer]).ok)


if __name__ == "__main__":
    unittest.main()
