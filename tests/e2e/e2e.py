"""Helpers for the end-to-end tests: real sshd, ssh and sudo in front of
pam_latchkey.so, with users that exist only in the database and reach NSS
through `latchkeyctl nss-sync`.

Nothing here changes the machine's own PAM, sudo or NSS setup. Programs that
must read our own /etc/pam.d service files, sudoers rules, nsswitch.conf or
extrausers files run in a private mount namespace (unshare --mount) in which
copies are bind-mounted over those paths; the real files are never written,
and the namespace, with its mounts, ends with the process.

Environment (set by ctest): LATCHKEYCTL, LATCHKEY_SANDBOX (see
tests/support/lkharness.py) and LATCHKEY_PAM_MODULE (the built
pam_latchkey.so).
"""

import importlib.util
import os
import pwd
import shlex
import shutil
import subprocess
import tempfile
import time
import unittest

import lkharness

EXTRAUSERS_DIR = "/var/lib/extrausers"  # fixed in libnss-extrausers

# Passes libpwquality; only ever used against the test's own database.
PASSWORD = "Tangerine-Glacier-Walrus-42"


def require(condition, reason):
    if not condition:
        raise unittest.SkipTest(reason)


def pam_module():
    path = os.environ.get("LATCHKEY_PAM_MODULE")
    require(path, "LATCHKEY_PAM_MODULE is not set: run through ctest")
    require(os.path.exists(path), f"{path} is missing: build pam_latchkey")
    return path


def require_root_and_tools(*tools):
    require(os.geteuid() == 0, "needs root (real sshd/sudo, mount namespaces)")
    for tool in tools:
        require(shutil.which(tool) or os.path.exists(tool),
                f"{tool} is not installed: run scripts/test (it installs "
                "the Debian packages the e2e tests need)")
    check = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "true"],
        capture_output=True, text=True, check=False)
    require(check.returncode == 0,
            f"cannot make a private mount namespace: {check.stderr.strip()}")


def in_private_mounts(binds, argv):
    """argv run in a new private mount namespace where each (source,
    target) of `binds` is bind-mounted first. The command is exec'd, so its
    PID is the PID of the returned command line's process."""
    script = "set -e\n"
    for source, target in binds:
        script += f"mount --bind {shlex.quote(source)} {shlex.quote(target)}\n"
    script += 'exec "$@"\n'
    return ["unshare", "--mount", "--propagation", "private", "--",
            "sh", "-c", script, "sh"] + list(argv)


def copy_dir(source, target):
    """A copy of /etc/pam.d or /etc/sudoers.d to bind-mount over it."""
    shutil.copytree(source, target, symlinks=True)
    os.chmod(target, os.stat(source).st_mode & 0o7777)


class World:
    """A database of its own (lkharness.Sandbox, migrated), a config whose [nss]
    files live in a private world-traversable temp dir, and helpers."""

    def __init__(self):
        self.box = lkharness.Sandbox("e2e")
        try:
            self.tmp = tempfile.mkdtemp(prefix="lk-e2e-")
            # sshd and sudo switch to the test users, who must reach their
            # home directories below it.
            os.chmod(self.tmp, 0o755)
            self.nss_dir = os.path.join(self.tmp, "extrausers")
            self.home = os.path.join(self.tmp, "home")
            os.mkdir(self.home, 0o755)
            text = self.box.config_text
            text = lkharness.set_key(text, "nss", "passwd_file",
                                     os.path.join(self.nss_dir, "passwd"))
            text = lkharness.set_key(text, "nss", "group_file",
                                     os.path.join(self.nss_dir, "group"))
            text = lkharness.set_key(text, "nss", "home_base", self.home)
            # Failed attempts in one test must not lock out another's user.
            text = lkharness.set_key(text, "lockout", "max_failures", "50")
            self.box.write_config(text)
            self.config = self.box.config
            self.ok("migrate")
        except BaseException:
            self.close()
            raise

    def close(self):
        try:
            self.box.close()
        finally:
            if getattr(self, "tmp", None):
                shutil.rmtree(self.tmp, ignore_errors=True)

    def ctl(self, *args, stdin=None):
        return self.box.ctl(*args, stdin=stdin)

    def ok(self, *args, stdin=None):
        r = self.ctl(*args, stdin=stdin)
        if r.returncode != 0:
            raise AssertionError(
                f"latchkeyctl {' '.join(args)} exited {r.returncode}: "
                f"{r.stderr}{r.stdout}")
        return r

    def add_user(self, name, *extra, password=PASSWORD):
        self.ok("user", "add", name, "--email", f"{name}@example.org",
                "--full-name", f"E2E {name}", "--password-stdin", *extra,
                stdin=password + "\n")

    def nss_sync(self):
        return self.ok("nss-sync")

    def nss_binds(self):
        """Bind mounts that show the synced users to glibc the way docs/nss.md
        tells an admin to: libnss-extrausers named for passwd and group in
        nsswitch.conf, reading the files nss-sync wrote. A bound directory
        shows later syncs (rename inside it) at once."""
        require(os.path.isdir(EXTRAUSERS_DIR),
                "libnss-extrausers is not installed: run scripts/test")
        os.makedirs(self.nss_dir, 0o755, exist_ok=True)
        nsswitch = os.path.join(self.tmp, "nsswitch.conf")
        if not os.path.exists(nsswitch):
            lines = []
            for line in lkharness.read_file("/etc/nsswitch.conf").splitlines():
                database = line.split(":", 1)[0].strip()
                if database in ("passwd", "group"):
                    line = f"{database}: files extrausers"
                lines.append(line)
            lkharness.write_file(nsswitch, "\n".join(lines) + "\n", 0o644)
        return [(self.nss_dir, EXTRAUSERS_DIR), (nsswitch, "/etc/nsswitch.conf")]

    def synced_entry(self, name):
        """The user's line in the synced passwd file, split, or None."""
        path = os.path.join(self.nss_dir, "passwd")
        if not os.path.exists(path):
            return None
        for line in lkharness.read_file(path).splitlines():
            fields = line.split(":")
            if fields[0] == name:
                return fields
        return None


class WorldTestCase(unittest.TestCase):
    """A World for the whole class. setUpClass skips without root, one of
    `tools` or (if needs_pexpect) python3-pexpect, makes the World and calls
    set_up_world(pam_module path); tearDownClass, and a failed set-up, call
    tear_down_world() and then close the World."""

    tools = ()
    needs_pexpect = False
    world = None

    @classmethod
    def setUpClass(cls):
        require_root_and_tools(*cls.tools)
        require(not cls.needs_pexpect or importlib.util.find_spec("pexpect"),
                "python3-pexpect is not installed: run scripts/test")
        module = pam_module()
        cls.world = World()
        try:
            cls.set_up_world(module)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.tear_down_world()
        finally:
            if cls.world:
                cls.world.close()
                cls.world = None

    @classmethod
    def set_up_world(cls, module):
        pass

    @classmethod
    def tear_down_world(cls):
        pass


def wrong_code(secret):
    """A well-formed code that no step within two of now accepts."""
    now = time.time()
    near = {lkharness.totp_code(secret, now + 30 * k) for k in range(-2, 3)}
    for digit in range(10):
        candidate = str(digit) * len(next(iter(near)))
        if candidate not in near:
            return candidate
    raise AssertionError("unreachable: five codes cannot cover ten")


def user_exists_locally(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False
