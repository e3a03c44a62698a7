"""latchkey-ssh-keys (sshd's AuthorizedKeysCommand in fleet mode) against a
fake agent (tests/support/fakeagent.py) that checks its requests. No
database: the command must not need one, and must not even link one."""
import os
import subprocess
import time
import unittest

import fakeagent

ALICE_KEYS = [
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAlice alice@laptop",
    "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAI alice@phone",
]


def answer(request):
    user = request.get("user")
    if user == "alice":
        return {"status": "ok", "keys": ALICE_KEYS, "stale": False}
    if user == "stale":
        return {"status": "ok", "keys": ALICE_KEYS[:1], "stale": True}
    if user == "evil":
        # A key with a line break would be two authorized_keys lines.
        return {"status": "ok", "keys": [
            "ssh-ed25519 AAAAgood evil@ok",
            "ssh-ed25519 AAAAbad x\ncommand=\"sh\" ssh-ed25519 AAAAinjected",
            42]}
    if user == "nokeys":
        return {"status": "ok", "keys": []}
    if user == "down":
        return {"status": "unavailable", "message": "no directory answers"}
    if user == "garbage":
        return {"nothing": True}
    return {"status": "unknown_user"}


class SshKeysTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.binary = os.environ.get("LATCHKEY_SSH_KEYS")
        if not cls.binary:
            raise unittest.SkipTest("LATCHKEY_SSH_KEYS is not set: run "
                                    "through ctest")
        cls.agent = fakeagent.FakeAgent(answer)

    @classmethod
    def tearDownClass(cls):
        cls.agent.close()

    def setUp(self):
        self.agent.requests.clear()
        self.agent.bad.clear()

    def tearDown(self):
        self.assertEqual(self.agent.bad, [])

    def run_cmd(self, *args, socket_path=None):
        start = time.monotonic()
        r = subprocess.run(
            [self.binary, "--socket", socket_path or self.agent.path] +
            list(args), capture_output=True, text=True, timeout=30)
        r.elapsed = time.monotonic() - start
        return r

    def test_prints_the_users_keys(self):
        r = self.run_cmd("alice")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "".join(k + "\n" for k in ALICE_KEYS))
        self.assertEqual([req for _, req in self.agent.requests],
                         [{"op": "ssh_keys", "user": "alice"}])

    def test_stale_keys_are_served_and_said_on_stderr(self):
        r = self.run_cmd("stale")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, ALICE_KEYS[0] + "\n")
        self.assertIn("cached keys", r.stderr)

    def test_unknown_user_prints_nothing(self):
        for user in ("nosuch", "nokeys"):
            r = self.run_cmd(user)
            self.assertEqual((r.returncode, r.stdout), (0, ""), r.stderr)

    def test_refusals_and_garbage_print_nothing(self):
        for user in ("down", "garbage"):
            r = self.run_cmd(user)
            self.assertEqual((r.returncode, r.stdout), (0, ""), r.stderr)
            self.assertIn("no keys", r.stderr)
        r = self.run_cmd("down")
        self.assertIn("no directory answers", r.stderr)

    def test_a_forbidden_caller_gets_nothing(self):
        forbidding = fakeagent.FakeAgent(lambda req: {"status": "forbidden"})
        self.addCleanup(forbidding.close)
        r = self.run_cmd("alice", socket_path=forbidding.path)
        self.assertEqual((r.returncode, r.stdout), (0, ""), r.stderr)
        self.assertIn("forbidden", r.stderr)

    def test_a_key_with_a_line_break_is_skipped(self):
        r = self.run_cmd("evil")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "ssh-ed25519 AAAAgood evil@ok\n")
        self.assertNotIn("injected", r.stdout)

    def test_no_agent_prints_nothing_quickly(self):
        r = self.run_cmd("alice", socket_path="/nonexistent/agent.sock")
        self.assertEqual((r.returncode, r.stdout), (0, ""), r.stderr)
        self.assertIn("cannot reach latchkey-agent", r.stderr)
        self.assertLess(r.elapsed, 2)

    def test_a_silent_agent_is_given_up_on(self):
        silent = fakeagent.FakeAgent(lambda req: time.sleep(30))
        self.addCleanup(silent.close)
        r = self.run_cmd("alice", socket_path=silent.path)
        self.assertEqual((r.returncode, r.stdout), (0, ""), r.stderr)
        self.assertIn("timed out", r.stderr)
        self.assertLess(r.elapsed, 12)

    def test_bad_names_and_usage(self):
        r = self.run_cmd("al\x01ice")
        self.assertEqual((r.returncode, r.stdout), (0, ""), r.stderr)
        self.assertEqual(self.agent.requests, [])
        r = subprocess.run([self.binary], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("usage", r.stderr)
        r = subprocess.run([self.binary, "--frob", "alice"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)

    def test_links_no_database_client(self):
        needed = subprocess.run(["readelf", "-d", self.binary],
                                capture_output=True, text=True, check=True)
        libs = [l for l in needed.stdout.splitlines() if "NEEDED" in l]
        self.assertTrue(libs, needed.stdout)
        for lib in libs:
            self.assertNotIn("mariadb", lib)
            self.assertNotIn("mysql", lib)
            self.assertNotIn("argon2", lib)
            self.assertNotIn("curl", lib)


if __name__ == "__main__":
    unittest.main()
