"""latchkeyctl refuses a config that its group could change or that belongs
to someone other than root or the running user, and a password file owned
by someone else; the message names the file, the owner and the mode."""

import os
import shutil
import tempfile
import unittest

import lkharness
from lkharness import latchkeyctl

STRANGER = 65534  # nobody


class ConfigOwnerTest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="lk-cli-owner-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def assert_error(self, result, *parts):
        self.assertEqual(result.returncode, 1, result.stderr + result.stdout)
        lines = result.stderr.splitlines()
        self.assertTrue(lines, "nothing on stderr")
        self.assertTrue(lines[0].startswith("latchkeyctl: "), result.stderr)
        for part in parts:
            self.assertIn(part, lines[0])

    def test_group_writable_config(self):
        path = os.path.join(self.tmp, "latchkey.conf")
        lkharness.write_file(path, "[database]\nname = latchkey\n", mode=0o660)
        r = latchkeyctl(["--config", path, "user", "list"])
        self.assert_error(r, path, "group-writable", "0660")

    @unittest.skipUnless(os.geteuid() == 0, "needs root to chown")
    def test_config_owned_by_someone_else(self):
        path = os.path.join(self.tmp, "latchkey.conf")
        lkharness.write_file(path, "[database]\nname = latchkey\n")
        os.chown(path, STRANGER, 0)
        r = latchkeyctl(["--config", path, "user", "list"])
        self.assert_error(r, path, f"owned by uid {STRANGER}", "0600")

    @unittest.skipUnless(os.geteuid() == 0, "needs root to chown")
    def test_password_file_owned_by_someone_else(self):
        password = os.path.join(self.tmp, "db.password")
        lkharness.write_file(password, "secret\n")
        os.chown(password, STRANGER, 0)
        path = os.path.join(self.tmp, "latchkey.conf")
        lkharness.write_file(path, "[database]\nname = latchkey\n"
                             "hosts = 127.0.0.1:1\n"
                             f"password_file = {password}\n"
                             "tls = off\n")
        r = latchkeyctl(["--config", path, "user", "list"])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(password, r.stderr)
        self.assertIn(f"owned by uid {STRANGER}", r.stderr)


if __name__ == "__main__":
    unittest.main()
