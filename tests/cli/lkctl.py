"""The latchkeyctl tests' own part of the harness: a test case whose class
gets a migrated database and a config of its own (lkharness.Sandbox), with
assertions on latchkeyctl's exit status, JSON and error line.

Environment (set by ctest): LATCHKEYCTL and LATCHKEY_SANDBOX (see
tests/support/lkharness.py).
"""

import json
import os
import stat
import unittest

import lkharness


class CliTestCase(unittest.TestCase):
    """Each class gets a migrated database and a config (self.box)."""

    box = None

    @classmethod
    def setUpClass(cls):
        cls.box = lkharness.Sandbox("cli")
        try:
            cls.box.migrate()
        except BaseException:
            cls.box.close()
            raise

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
