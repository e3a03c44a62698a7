"""Helpers for the latchkeyctl tests: run the binary, and give each test
class a database and a config of its own in the ctest MariaDB sandbox.

Environment (set by ctest): LATCHKEYCTL (the binary), LATCHKEY_SANDBOX (a
directory holding sandbox.env, written by scripts/lib/mariadb-sandbox.sh).
"""

import itertools
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "scripts", "lib"))
from sandbox_env import read_sandbox_env  # noqa: E402

_counter = itertools.count(1)


def binary():
    path = os.environ.get("LATCHKEYCTL")
    if not path:
        raise unittest.SkipTest("LATCHKEYCTL is not set: run through ctest")
    return path


def sandbox_env():
    """The KEY=VALUE pairs of $LATCHKEY_SANDBOX/sandbox.env."""
    directory = os.environ.get("LATCHKEY_SANDBOX")
    if not directory:
        raise unittest.SkipTest("LATCHKEY_SANDBOX is not set: run through ctest")
    return read_sandbox_env(directory)


def run(args, stdin=None, timeout=60, env=None):
    """Runs latchkeyctl ARGS; returns the CompletedProcess (text mode)."""
    full_env = dict(os.environ)
    full_env.pop("LATCHKEY_CONFIG", None)
    if env:
        full_env.update(env)
    return subprocess.run(
        [binary()] + list(args),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )


def free_closed_port():
    """A TCP port on 127.0.0.1 that nothing listens on (bound, then freed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_private(path, text, mode=0o600):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, mode)


def set_key(config_text, section, key, value):
    """config_text with `key = value` set in [section] (added if missing)."""
    lines = config_text.splitlines()
    out, in_section, done = [], False, False
    for line in lines:
        header = re.match(r"\s*\[(\w+)\]\s*$", line)
        if header:
            if in_section and not done:
                out.append(f"{key} = {value}")
                done = True
            in_section = header.group(1) == section
        elif in_section and re.match(rf"\s*{re.escape(key)}\s*=", line):
            if not done:
                out.append(f"{key} = {value}")
                done = True
            continue
        out.append(line)
    if not done:
        if not in_section:
            out.append(f"[{section}]")
        out.append(f"{key} = {value}")
    return "\n".join(out) + "\n"


class Sandbox:
    """A database of its own in the shared sandbox, and a config for it."""

    def __init__(self):
        self.env = sandbox_env()
        self.tmp = tempfile.mkdtemp(prefix="lk-cli-")
        self.db_name = f"lk_test_cli_{os.getpid()}_{next(_counter)}"
        self.key_file = os.path.join(self.tmp, "secret.key")
        shutil.copyfile(self.env["LK_SECRET_KEY"], self.key_file)
        os.chmod(self.key_file, 0o600)
        self.sql(f"CREATE DATABASE `{self.db_name}` CHARACTER SET utf8mb4")
        self.config_text = self._config_text()
        self.config = os.path.join(self.tmp, "latchkey.conf")
        write_private(self.config, self.config_text)

    def _config_text(self):
        with open(self.env["LK_CONFIG"], encoding="utf-8") as f:
            text = f.read()
        text = set_key(text, "database", "name", self.db_name)
        text = set_key(text, "security", "secret_key_file", self.key_file)
        # Cheap hashes keep the tests fast; the scheme is the real one.
        text = set_key(text, "security", "argon2_memory_kib", "1024")
        text = set_key(text, "security", "argon2_time", "1")
        return text

    def sql(self, statement, database=None):
        """Runs SQL as the sandbox's app user; returns stdout (tab-separated)."""
        with open(self.env["LK_DB_PASSWORD_FILE"], encoding="utf-8") as f:
            password = f.read().strip()
        args = ["mariadb", "--no-defaults", "-S", self.env["LK_DB_SOCKET"],
                "-u", self.env["LK_DB_USER"], "-N", "-B"]
        if database:
            args.append(database)
        args += ["-e", statement]
        result = subprocess.run(args, capture_output=True, text=True, timeout=60,
                                env=dict(os.environ, MYSQL_PWD=password))
        if result.returncode != 0:
            raise RuntimeError(f"mariadb: {statement!r}: {result.stderr.strip()}")
        return result.stdout

    def query(self, statement):
        return self.sql(statement, database=self.db_name)

    def ctl(self, *args, stdin=None, timeout=60):
        return run(["--config", self.config] + list(args), stdin=stdin,
                   timeout=timeout)

    def close(self):
        try:
            self.sql(f"DROP DATABASE IF EXISTS `{self.db_name}`")
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)


class CliTestCase(unittest.TestCase):
    """Each class gets a migrated database and a config (self.box)."""

    box = None

    @classmethod
    def setUpClass(cls):
        cls.box = Sandbox()
        result = cls.box.ctl("migrate")
        if result.returncode != 0:
            cls.box.close()
            raise RuntimeError(f"migrate failed: {result.stderr}")

    @classmethod
    def tearDownClass(cls):
        if cls.box:
            cls.box.close()

    # --- helpers ---

    def ctl(self, *args, stdin=None, timeout=60):
        return self.box.ctl(*args, stdin=stdin, timeout=timeout)

    def ok(self, *args, stdin=None):
        """Runs latchkeyctl and asserts exit 0 with nothing on stderr."""
        r = self.ctl(*args, stdin=stdin)
        self.assertEqual(r.returncode, 0,
                         f"latchkeyctl {' '.join(args)}: {r.stderr}{r.stdout}")
        return r

    def ok_json(self, *args, stdin=None):
        return json.loads(self.ok("--json", *args, stdin=stdin).stdout)

    def fails(self, code, message, *args, stdin=None):
        """Asserts exit `code` and that stderr's first line is
        'latchkeyctl: ...' containing `message`."""
        r = self.ctl(*args, stdin=stdin)
        self.assertEqual(r.returncode, code,
                         f"latchkeyctl {' '.join(args)}: {r.stderr}{r.stdout}")
        first = r.stderr.splitlines()[0] if r.stderr else ""
        self.assertTrue(first.startswith("latchkeyctl: "), r.stderr)
        self.assertIn(message, first)
        self.assertNotIn("Traceback", r.stderr)
        return r

    def show(self, username):
        return self.ok_json("user", "show", username)

    def add_user(self, username, *extra, email=None):
        email = email or f"{username}@example.org"
        return self.ok_json("user", "add", username, "--email", email, *extra)

    def events(self, *args):
        return self.ok_json("audit", "tail", "-n", "1000", *args)


def file_mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)
