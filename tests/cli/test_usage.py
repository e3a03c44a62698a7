"""latchkeyctl: usage errors (exit 2), config errors and an unreachable
database (exit 1), help and version (exit 0)."""

import os
import shutil
import tempfile
import time
import unittest

import lkharness
from lkharness import latchkeyctl


class UsageTest(unittest.TestCase):
    def assert_error(self, result, code, message):
        self.assertEqual(result.returncode, code, result.stderr + result.stdout)
        lines = result.stderr.splitlines()
        self.assertTrue(lines, "nothing on stderr")
        self.assertTrue(lines[0].startswith("latchkeyctl: "), result.stderr)
        self.assertIn(message, lines[0])
        self.assertNotIn("Traceback", result.stderr)
        self.assertNotIn("terminate called", result.stderr)

    def test_version(self):
        r = latchkeyctl(["--version"])
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^latchkeyctl \d+\.\d+\.\d+\n$")

    def test_help_lists_every_command(self):
        r = latchkeyctl(["--help"])
        self.assertEqual(r.returncode, 0, r.stderr)
        for command in ["migrate", "doctor", "gen-key", "nss-sync", "user add",
                        "user show", "user list", "user lock", "user unlock",
                        "user activate", "user deactivate", "user delete",
                        "user set-role", "user set-password",
                        "user totp-enable", "user totp-reset", "audit tail"]:
            self.assertIn(f"  {command} ", r.stdout)
        self.assertIn("Exit status: 0 ok, 1 failure, 2 usage error.", r.stdout)

    def test_command_help(self):
        r = latchkeyctl(["user", "add", "--help"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith("usage: latchkeyctl user add USERNAME"))
        self.assertIn("--password-stdin", r.stdout)
        r = latchkeyctl(["user", "--help"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("user totp-reset", r.stdout)
        self.assertNotIn("gen-key", r.stdout)
        r = latchkeyctl(["audit", "tail", "-h"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("--since DURATION", r.stdout)

    def test_nss_sync_help(self):
        r = latchkeyctl(["nss-sync", "--help"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith("usage: latchkeyctl nss-sync"))
        self.assertIn("uid_min..uid_max", r.stdout)

    def test_no_command(self):
        r = latchkeyctl([])
        self.assertEqual(r.returncode, 2)
        self.assertIn("usage: latchkeyctl", r.stderr)
        self.assertEqual(r.stdout, "")

    def test_unknown_global_option(self):
        r = latchkeyctl(["--frobnicate", "user", "list"])
        self.assert_error(r, 2, "unknown option '--frobnicate' (see latchkeyctl --help)")

    def test_unknown_command_option(self):
        r = latchkeyctl(["user", "list", "--frobnicate"])
        self.assert_error(r, 2, "unknown option '--frobnicate'")
        self.assertIn("usage: latchkeyctl user list", r.stderr)

    def test_unknown_command(self):
        self.assert_error(latchkeyctl(["frobnicate"]), 2,
                          "unknown command 'frobnicate'")
        self.assert_error(latchkeyctl(["user", "frobnicate"]), 2,
                          "unknown command 'user frobnicate'")

    def test_group_without_subcommand(self):
        r = latchkeyctl(["user"])
        self.assert_error(r, 2, "'user' needs a subcommand")

    def test_missing_argument(self):
        r = latchkeyctl(["user", "show"])
        self.assert_error(r, 2, "missing USERNAME")
        self.assertIn("usage: latchkeyctl user show USERNAME", r.stderr)
        self.assert_error(latchkeyctl(["user", "add", "bob"]), 2, "missing --email")
        self.assert_error(latchkeyctl(["user", "set-role", "bob"]), 2,
                          "missing USERNAME and ROLE")

    def test_option_needs_value(self):
        self.assert_error(latchkeyctl(["user", "add", "bob", "--email"]), 2,
                          "option '--email' needs a value")
        self.assert_error(latchkeyctl(["--config"]), 2,
                          "option '--config' needs a value")

    def test_too_many_arguments(self):
        self.assert_error(latchkeyctl(["user", "show", "a", "b"]), 2,
                          "unexpected argument 'b'")
        # Commands that take no operand (the table's defaults) refuse one.
        for command in (["migrate"], ["doctor"], ["nss-sync"], ["user", "list"],
                        ["audit", "tail"], ["host", "list"]):
            self.assert_error(latchkeyctl(command + ["extra"]), 2,
                              "unexpected argument 'extra'")

    def test_bad_option_values(self):
        self.assert_error(latchkeyctl(["user", "list", "--limit", "x"]), 2,
                          "--limit")
        self.assert_error(latchkeyctl(["user", "lock", "bob", "--for", "soon"]), 2,
                          "--for")
        self.assert_error(latchkeyctl(["audit", "tail", "--event", "nonsense"]), 2,
                          "no event named 'nonsense'")
        self.assert_error(latchkeyctl(["audit", "tail", "-n", "-3"]), 2, "-n")

    def test_delete_needs_yes(self):
        self.assert_error(latchkeyctl(["user", "delete", "bob"]), 2, "--yes")

    def test_exclusive_password_options(self):
        r = latchkeyctl(["user", "add", "bob", "--email", "b@example.org",
                         "--password-stdin", "--no-password"])
        self.assert_error(r, 2, "exclude each other")


class ConfigErrorTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="lk-cli-conf-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def assert_error(self, result, message):
        self.assertEqual(result.returncode, 1, result.stderr + result.stdout)
        lines = result.stderr.splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertTrue(lines[0].startswith("latchkeyctl: "), result.stderr)
        self.assertIn(message, lines[0])

    def test_unreadable_config(self):
        missing = os.path.join(self.tmp, "nope.conf")
        r = latchkeyctl(["--config", missing, "user", "list"])
        self.assert_error(r, f"{missing}: cannot read: No such file or directory")
        # It says how to point latchkeyctl elsewhere.
        self.assertIn("--config PATH or LATCHKEY_CONFIG=PATH", r.stderr)

    def test_an_unreadable_existing_config_gets_no_hint(self):
        directory = os.path.join(self.tmp, "a-directory.conf")
        os.makedirs(directory, exist_ok=True)
        r = latchkeyctl(["--config", directory, "user", "list"])
        self.assert_error(r, "not a regular file")
        self.assertNotIn("LATCHKEY_CONFIG", r.stderr)

    def test_config_from_environment(self):
        missing = os.path.join(self.tmp, "from-env.conf")
        r = latchkeyctl(["user", "list"], env={"LATCHKEY_CONFIG": missing})
        self.assert_error(r, f"{missing}: cannot read")

    def test_world_readable_config(self):
        path = os.path.join(self.tmp, "latchkey.conf")
        lkharness.write_file(path, "[database]\nname = latchkey\n", mode=0o644)
        r = latchkeyctl(["--config", path, "user", "list"])
        self.assert_error(r, "world-readable")
        self.assertIn(path, r.stderr)

    def test_typo_in_config_key(self):
        path = os.path.join(self.tmp, "latchkey.conf")
        lkharness.write_file(path, "[database]\nname = x\nconect_timeout = 1s\n")
        r = latchkeyctl(["--config", path, "user", "list"])
        self.assert_error(r, f"{path}:3: conect_timeout: ")

    def test_config_option_after_command(self):
        path = os.path.join(self.tmp, "late.conf")
        lkharness.write_file(path, "[nonsense]\n")
        r = latchkeyctl(["user", "list", "--config", path])
        self.assert_error(r, f"{path}:1")

    def test_database_down(self):
        path = os.path.join(self.tmp, "down.conf")
        port = lkharness.free_port()
        lkharness.write_file(
            path,
            f"[database]\nhosts = 127.0.0.1:{port}\nconnect_timeout = 1s\n"
            f"[security]\nsecret_key_file = {self.tmp}/secret.key\n")
        for args in (["user", "list"], ["migrate"], ["user", "show", "bob"],
                     ["audit", "tail"]):
            start = time.monotonic()
            r = latchkeyctl(["--config", path] + args, timeout=30)
            elapsed = time.monotonic() - start
            self.assert_error(r, "latchkeyctl: cannot reach the database: ")
            self.assertNotIn("database unavailable", r.stderr)
            self.assertIn(f"127.0.0.1:{port}", r.stderr)
            self.assertLess(elapsed, 3.0, args)


if __name__ == "__main__":
    unittest.main()
