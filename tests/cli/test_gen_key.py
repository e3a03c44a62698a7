"""latchkeyctl gen-key: a 32-byte key, mode 0600, written atomically, never
overwritten without --force."""

import json
import os
import shutil
import tempfile
import unittest

import lkctl
import lkharness
from lkharness import latchkeyctl


class GenKeyTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="lk-genkey-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.key = os.path.join(self.tmp, "secret.key")

    def read(self, path=None):
        with open(path or self.key, "rb") as f:
            return f.read()

    def test_writes_32_bytes_mode_0600(self):
        r = latchkeyctl(["gen-key", self.key])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout,
                         f"wrote a new 32-byte key to {self.key} (mode 0600)\n")
        self.assertEqual(lkctl.file_mode(self.key), 0o600)
        key = self.read()
        self.assertEqual(len(key), 32)
        self.assertNotEqual(key, bytes(32))
        # Nothing else is left in the directory (no temp files).
        self.assertEqual(os.listdir(self.tmp), ["secret.key"])

    def test_two_keys_differ(self):
        other = os.path.join(self.tmp, "other.key")
        self.assertEqual(latchkeyctl(["gen-key", self.key]).returncode, 0)
        self.assertEqual(latchkeyctl(["gen-key", other]).returncode, 0)
        self.assertNotEqual(self.read(), self.read(other))

    def test_refuses_to_overwrite(self):
        self.assertEqual(latchkeyctl(["gen-key", self.key]).returncode, 0)
        before = self.read()
        r = latchkeyctl(["gen-key", self.key])
        self.assertEqual(r.returncode, 1)
        self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
        self.assertTrue(r.stderr.startswith(f"latchkeyctl: {self.key} exists"))
        self.assertIn("--force", r.stderr)
        self.assertIn("TOTP secrets", r.stderr)
        self.assertEqual(self.read(), before)

    def test_refuses_to_overwrite_any_file(self):
        with open(self.key, "w") as f:
            f.write("not a key")
        r = latchkeyctl(["gen-key", self.key])
        self.assertEqual(r.returncode, 1)
        self.assertEqual(self.read(), b"not a key")

    def test_force_replaces(self):
        self.assertEqual(latchkeyctl(["gen-key", self.key]).returncode, 0)
        before = self.read()
        os.chmod(self.key, 0o644)
        r = latchkeyctl(["--json", "gen-key", "--force", self.key])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout),
                         {"path": self.key, "bytes": 32, "replaced": True})
        self.assertIn("warning: replaced the old key", r.stderr)
        after = self.read()
        self.assertEqual(len(after), 32)
        self.assertNotEqual(after, before)
        self.assertEqual(lkctl.file_mode(self.key), 0o600)
        self.assertEqual(os.listdir(self.tmp), ["secret.key"])

    def test_default_path_from_config(self):
        config = os.path.join(self.tmp, "latchkey.conf")
        lkharness.write_file(config, f"[security]\nsecret_key_file = {self.key}\n")
        r = latchkeyctl(["--config", config, "gen-key"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(self.read()), 32)
        self.assertEqual(lkctl.file_mode(self.key), 0o600)

    def test_missing_directory(self):
        path = os.path.join(self.tmp, "no", "such", "dir", "secret.key")
        r = latchkeyctl(["gen-key", path])
        self.assertEqual(r.returncode, 1)
        self.assertTrue(r.stderr.startswith("latchkeyctl: "), r.stderr)
        self.assertIn("No such file or directory", r.stderr)
        self.assertFalse(os.path.exists(path))

    def test_key_is_accepted_by_doctor_check(self):
        # The written key is what the rest of latchkey reads: doctor's key
        # check passes on it.
        config = os.path.join(self.tmp, "latchkey.conf")
        lkharness.write_file(
            config, f"[database]\nhosts = 127.0.0.1:{lkharness.free_port()}\n"
                    f"connect_timeout = 1s\n[security]\nsecret_key_file = {self.key}\n")
        self.assertEqual(latchkeyctl(["gen-key", self.key]).returncode, 0)
        r = latchkeyctl(["--config", config, "doctor"])
        self.assertIn(f"ok   secret key: {self.key} (mode 0600, 32 bytes)", r.stdout)


if __name__ == "__main__":
    unittest.main()
