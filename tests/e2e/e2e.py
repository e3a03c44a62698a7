"""Helpers for the end-to-end tests: real sshd, ssh and sudo in front of
pam_latchkey.so, with users that exist only in the database and reach NSS
through `latchkeyctl nss-sync`.

Nothing here changes the machine's own PAM, sudo or NSS setup. Programs that
must read our own /etc/pam.d service files, sudoers rules, nsswitch.conf or
extrausers files run in a private mount namespace (unshare --mount) in which
copies are bind-mounted over those paths; the real files are never written,
and the namespace, with its mounts, ends with the process.

Environment (set by ctest): LATCHKEYCTL, LATCHKEY_SANDBOX (see
tests/cli/lkctl.py) and LATCHKEY_PAM_MODULE (the built pam_latchkey.so).
"""

import os
import pwd
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "cli"))
import lkctl  # noqa: E402  (tests/cli/lkctl.py: sandbox database + latchkeyctl)

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


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write(path, text, mode=0o644):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, mode)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def copy_dir(source, target):
    """A copy of /etc/pam.d or /etc/sudoers.d to bind-mount over it."""
    shutil.copytree(source, target, symlinks=True)
    os.chmod(target, os.stat(source).st_mode & 0o7777)


class World:
    """A database of its own (lkctl.Sandbox, migrated), a config whose [nss]
    files live in a private world-traversable temp dir, and helpers."""

    def __init__(self):
        self.box = lkctl.Sandbox()
        try:
            self.tmp = tempfile.mkdtemp(prefix="lk-e2e-")
            # sshd and sudo switch to the test users, who must reach their
            # home directories below it.
            os.chmod(self.tmp, 0o755)
            self.nss_dir = os.path.join(self.tmp, "extrausers")
            self.home = os.path.join(self.tmp, "home")
            os.mkdir(self.home, 0o755)
            text = self.box.config_text
            text = lkctl.set_key(text, "nss", "passwd_file",
                                 os.path.join(self.nss_dir, "passwd"))
            text = lkctl.set_key(text, "nss", "group_file",
                                 os.path.join(self.nss_dir, "group"))
            text = lkctl.set_key(text, "nss", "home_base", self.home)
            # Failed attempts in one test must not lock out another's user.
            text = lkctl.set_key(text, "lockout", "max_failures", "50")
            lkctl.write_private(self.box.config, text)
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
            for line in read("/etc/nsswitch.conf").splitlines():
                database = line.split(":", 1)[0].strip()
                if database in ("passwd", "group"):
                    line = f"{database}: files extrausers"
                lines.append(line)
            write(nsswitch, "\n".join(lines) + "\n")
        return [(self.nss_dir, EXTRAUSERS_DIR), (nsswitch, "/etc/nsswitch.conf")]

    def synced_entry(self, name):
        """The user's line in the synced passwd file, split, or None."""
        path = os.path.join(self.nss_dir, "passwd")
        if not os.path.exists(path):
            return None
        for line in read(path).splitlines():
            fields = line.split(":")
            if fields[0] == name:
                return fields
        return None


def totp_code(secret, at=None):
    """The TOTP code now (or at Unix time `at`) from oathtool, an
    implementation of its own."""
    args = ["oathtool", "--totp", "-b", secret]
    if at is not None:
        args += ["--now", f"@{int(at)}"]
    return subprocess.run(args, capture_output=True, text=True, check=True,
                          timeout=30).stdout.strip()


def wrong_code(secret):
    """A well-formed code that no step within two of now accepts."""
    now = time.time()
    near = {totp_code(secret, now + 30 * k) for k in range(-2, 3)}
    for digit in range(10):
        candidate = str(digit) * len(next(iter(near)))
        if candidate not in near:
            return candidate
    raise AssertionError("unreachable: five codes cannot cover ten")


def wait_for_port(port, proc, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        with socket.socket() as s:
            s.settimeout(0.5)
            try:
                s.connect(("127.0.0.1", port))
                return True
            except OSError:
                time.sleep(0.1)
    return False


def stop(proc, timeout=10):
    """Stops a process we started, by its PID."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


def user_exists_locally(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False
