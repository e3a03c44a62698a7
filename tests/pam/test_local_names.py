"""A name belongs to latchkey only where it is latchkey's (docs/pam.md, "Whose
name is it?").

A database account named like a local account of the host must not become
that local account's password, and a name that NSS gives a uid latchkey did
not give that account is not latchkey's either. Real pam_unix after
pam_latchkey, through pamtester under pam_wrapper. The local accounts live in
copies of /etc/passwd and /etc/shadow bind-mounted in a private mount
namespace around pamtester (as tests/e2e does for sshd and sudo): the
machine's own files are never written.
"""
import os
import shlex
import shutil
import subprocess
import unittest

import pamharness as h

DB_PW = "database password 1"
LOCAL_PW = "local password 2"
NEW_PW = "a new password 345"
LOCAL_UID = 4242  # outside [nss] uid_min..uid_max (20000..29999)


def _need_namespaces():
    if os.geteuid() != 0:
        raise unittest.SkipTest("needs root (mount namespaces, pam_unix)")
    check = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "true"],
        capture_output=True, text=True, check=False)
    if check.returncode != 0:
        raise unittest.SkipTest("cannot make a private mount namespace: " +
                                check.stderr.strip())
    if not shutil.which("openssl"):
        raise unittest.SkipTest("openssl is needed to hash the local password")


def _in_private_mounts(binds):
    """A pamtester wrapper: a new private mount namespace in which each
    (source, target) of `binds` is bind-mounted, then the command exec'd."""
    script = "set -e\n"
    for source, target in binds:
        script += "mount --bind %s %s\n" % (shlex.quote(source),
                                            shlex.quote(target))
    script += 'exec "$@"\n'
    return ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
            script, "sh"]


class LocalNameTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        h.require_env()
        _need_namespaces()
        cls.tmp = h.TempDir()
        os.chmod(cls.tmp.path, 0o755)
        cls.db = h.LatchkeyDatabase(cls.tmp.path)
        cls.services = h.ServiceDir(cls.tmp.path)
        cls.so = h.module_path()
        # A copy of the host's passwd file as it is, for tests where NSS (and
        # not the local file) holds the name.
        cls.plain_passwd = os.path.join(cls.tmp.path, "passwd.plain")
        shutil.copyfile("/etc/passwd", cls.plain_passwd)
        os.chmod(cls.plain_passwd, 0o644)

    @classmethod
    def tearDownClass(cls):
        cls.db.close()
        cls.tmp.cleanup()

    def local_files(self, name, uid=LOCAL_UID, password=LOCAL_PW):
        """Copies of /etc/passwd and /etc/shadow holding a local `name`,
        as bind mounts."""
        hashed = subprocess.run(["openssl", "passwd", "-6", "-stdin"],
                                input=password, text=True, check=True,
                                capture_output=True).stdout.strip()
        passwd = os.path.join(self.tmp.path, "passwd." + name)
        shadow = os.path.join(self.tmp.path, "shadow." + name)
        with open("/etc/passwd") as f:
            text = f.read()
        with open(passwd, "w") as f:
            f.write(text + "%s:x:%d:%d:local %s:/nonexistent:/bin/sh\n" %
                    (name, uid, uid, name))
        os.chmod(passwd, 0o644)
        with open("/etc/shadow") as f:
            text = f.read()
        with open(shadow, "w") as f:
            f.write(text + "%s:%s:19000:0:99999:7:::\n" % (name, hashed))
        os.chmod(shadow, 0o640)
        return [(passwd, "/etc/passwd"), (shadow, "/etc/shadow")]

    def pam(self, service, user, ops, answers=(), binds=(), **kw):
        wrapper = _in_private_mounts(binds) if binds else None
        return h.run_pamtester(self.services.path, service, user, ops,
                               answers, wrapper=wrapper, **kw)

    def fallback_stack(self, name, config=None):
        """The stack docs/pam.md documents: latchkey, then pam_unix for the
        names latchkey does not know."""
        config = config or self.db.config
        lk = "%s config=%s" % (self.so, config)
        ctl = "[success=done user_unknown=ignore authinfo_unavail=ignore " \
              "default=die]"
        return self.services.write(name, [
            "auth %s %s" % (ctl, lk),
            "auth required pam_unix.so",
            "account %s %s" % (ctl, lk),
            "account required pam_unix.so",
        ])

    def latchkey_only(self, name, config=None):
        config = config or self.db.config
        lk = "%s config=%s" % (self.so, config)
        return self.services.write(name, [
            "auth required " + lk,
            "account required " + lk,
            "password required " + lk,
            "session required " + lk,
        ])

    def config_with_local_passwd(self, filename, path):
        return self.db.write_config(
            filename, "[nss]\nlocal_passwd_file = %s\n" % path)

    def hash_of(self, name):
        return self.db.user_row(name, "password_hash")[0]

    # --- a local account of the same name ---

    def test_database_password_cannot_open_a_local_account(self):
        name = h.unique_name("lktk")
        self.db.add_user(name, DB_PW)
        binds = self.local_files(name)
        svc = self.fallback_stack("lk-takeover")
        r = self.pam(svc, name, ["authenticate"], [DB_PW], binds=binds)
        self.assertFalse(r.ok, "the database password opened the local "
                         "account: %r" % r)
        self.assertTrue(r.failed_with("PAM_AUTH_ERR"), r)
        r = self.pam(svc, name, ["authenticate", "acct_mgmt"], [LOCAL_PW],
                     binds=binds)
        self.assertTrue(r.ok, "the local password was refused: %r" % r)
        # Without the local account, the database account works as before.
        r = self.pam(svc, name, ["authenticate", "acct_mgmt"], [DB_PW])
        self.assertTrue(r.ok, r)

    def test_every_phase_says_unknown_for_a_local_name(self):
        name = h.unique_name("lkph")
        self.db.add_user(name, DB_PW)
        before = self.hash_of(name)
        binds = self.local_files(name)
        svc = self.latchkey_only("lk-phases")
        r = self.pam(svc, name, ["authenticate"], [DB_PW], binds=binds)
        self.assertTrue(r.failed_with("PAM_USER_UNKNOWN"), r)
        r = self.pam(svc, name, ["acct_mgmt"], binds=binds)
        self.assertTrue(r.failed_with("PAM_USER_UNKNOWN"), r)
        # As root, without the current password: still not ours to change.
        r = self.pam(svc, name, ["chauthtok"], [NEW_PW, NEW_PW], binds=binds)
        self.assertTrue(r.failed_with("PAM_USER_UNKNOWN"), r)
        self.assertEqual(self.hash_of(name), before)
        # The session phase never blocks, but records nothing for the name.
        r = self.pam(svc, name, ["open_session", "close_session"], binds=binds)
        self.assertTrue(r.ok, r)
        self.assertEqual(self.db.events(name, "session_open"), [])
        self.assertEqual(self.db.events(name, "session_close"), [])
        # Nothing was tried against the account.
        self.assertEqual(self.db.user_row(name, "failed_logins")[0], "0")

    # --- an NSS entry from another source ---

    def test_nss_uid_outside_the_range_is_unknown(self):
        name = h.unique_name("lkou")
        self.db.add_user(name, DB_PW)
        config = self.config_with_local_passwd("outside.conf",
                                               self.plain_passwd)
        svc = self.latchkey_only("lk-outside", config)
        # NSS (here: the files source) knows the name with uid 4242; the
        # module's local file does not.
        binds = self.local_files(name, uid=LOCAL_UID)
        r = self.pam(svc, name, ["authenticate"], [DB_PW], binds=binds)
        self.assertTrue(r.failed_with("PAM_USER_UNKNOWN"), r)
        r = self.pam(svc, name, ["acct_mgmt"], binds=binds)
        self.assertTrue(r.failed_with("PAM_USER_UNKNOWN"), r)
        self.assertEqual(self.db.user_row(name, "failed_logins")[0], "0")

    def test_nss_uid_must_be_the_accounts_uid(self):
        name = h.unique_name("lkmu")
        self.db.add_user(name, DB_PW)
        config = self.config_with_local_passwd("mismatch.conf",
                                               self.plain_passwd)
        svc = self.latchkey_only("lk-mismatch", config)
        binds = self.local_files(name, uid=23456)
        # The account has no uid yet: 23456 is not latchkey's.
        r = self.pam(svc, name, ["authenticate"], [DB_PW], binds=binds)
        self.assertTrue(r.failed_with("PAM_USER_UNKNOWN"), r)
        # Another uid.
        self.db.sql("UPDATE users SET uid = 23457 WHERE username = '%s'" %
                    name)
        r = self.pam(svc, name, ["authenticate"], [DB_PW], binds=binds)
        self.assertTrue(r.failed_with("PAM_USER_UNKNOWN"), r)
        r = self.pam(svc, name, ["acct_mgmt"], binds=binds)
        self.assertTrue(r.failed_with("PAM_USER_UNKNOWN"), r)
        # The uid latchkey gave it (as nss-sync's extrausers entries carry):
        # the account is latchkey's.
        self.db.sql("UPDATE users SET uid = 23456 WHERE username = '%s'" %
                    name)
        r = self.pam(svc, name, ["authenticate", "acct_mgmt"], [DB_PW],
                     binds=binds)
        self.assertTrue(r.ok, r)

    # --- names that are no valid username ---

    def test_padded_and_malformed_names_are_unknown(self):
        self.db.add_user("padme", DB_PW)
        svc = self.latchkey_only("lk-padded")
        self.assertTrue(self.pam(svc, "padme", ["authenticate"], [DB_PW]).ok)
        for tried in ("padme ", "padme  ", " padme", "padme\t", "Padme",
                      "PADME", "padme\x01", "pad me"):
            r = self.pam(svc, tried, ["authenticate"], [DB_PW])
            self.assertTrue(r.failed_with("PAM_USER_UNKNOWN"), (tried, r))
            r = self.pam(svc, tried, ["acct_mgmt"])
            self.assertTrue(r.failed_with("PAM_USER_UNKNOWN"), (tried, r))
        self.assertEqual(self.db.user_row("padme", "failed_logins")[0], "0")


if __name__ == "__main__":
    unittest.main()
