"""`latchkeyctl nss-sync`'s files as the real libnss-extrausers serves them.

getent and id run in a private mount namespace where an nsswitch.conf with
`passwd: files extrausers` / `group: files extrausers` (the setup
docs/nss.md describes) and the synced files over /var/lib/extrausers are
bind-mounted; the machine's own files are not touched.
"""

import json
import os
import subprocess
import unittest

import e2e

USERS = ("lke2e-ann", "lke2e-ben")


class ExtrausersTest(unittest.TestCase):
    world = None

    @classmethod
    def setUpClass(cls):
        e2e.require_root_and_tools("getent", "unshare")
        for name in USERS + ("lke2e-gone",):
            e2e.require(not e2e.user_exists_locally(name),
                        f"a local account {name} exists on this machine")
        cls.world = e2e.World()

    @classmethod
    def tearDownClass(cls):
        if cls.world:
            cls.world.close()

    def nss(self, *argv):
        return subprocess.run(
            e2e.in_private_mounts(self.world.nss_binds(), list(argv)),
            capture_output=True, text=True, timeout=30, check=False)

    def uid_of(self, name):
        r = self.world.ok("--json", "user", "show", name)
        return json.loads(r.stdout)["uid"]

    def test_synced_users_resolve_through_libnss_extrausers(self):
        w = self.world
        for name in USERS:
            w.add_user(name)
        w.add_user("lke2e-gone", "--inactive")
        w.nss_sync()
        for name in USERS:
            uid = self.uid_of(name)
            self.assertIsNotNone(uid)
            home = os.path.join(w.home, name)
            r = self.nss("getent", "passwd", name)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout,
                             f"{name}:x:{uid}:{uid}:E2E {name}:{home}:/bin/bash\n")
            r = self.nss("getent", "group", str(uid))
            self.assertEqual(r.stdout, f"{name}:x:{uid}:\n")
            r = self.nss("id", name)
            self.assertEqual(r.stdout,
                             f"uid={uid}({name}) gid={uid}({name}) "
                             f"groups={uid}({name})\n")
            # By number too (ls -l, ps).
            r = self.nss("getent", "passwd", str(uid))
            self.assertTrue(r.stdout.startswith(f"{name}:"), r.stdout)
        # An inactive user has no entry; getent says so with exit 2.
        self.assertEqual(self.nss("getent", "passwd", "lke2e-gone").returncode, 2)
        # Local accounts still come first and unchanged.
        self.assertEqual(self.nss("getent", "passwd", "root").stdout,
                         subprocess.run(["getent", "passwd", "root"],
                                        capture_output=True, text=True,
                                        check=True).stdout)
        # Outside the namespace the machine knows none of them.
        for name in USERS:
            self.assertFalse(e2e.user_exists_locally(name))

    def test_deactivated_user_disappears_on_the_next_sync(self):
        w = self.world
        name = "lke2e-cy"
        w.add_user(name)
        w.nss_sync()
        self.assertEqual(self.nss("getent", "passwd", name).returncode, 0)
        w.ok("user", "deactivate", name)
        w.nss_sync()
        self.assertEqual(self.nss("getent", "passwd", name).returncode, 2)
        # Reactivated, it comes back with the same uid.
        uid = self.uid_of(name)
        w.ok("user", "activate", name)
        w.nss_sync()
        r = self.nss("getent", "passwd", name)
        self.assertTrue(r.stdout.startswith(f"{name}:x:{uid}:{uid}:"), r.stdout)


if __name__ == "__main__":
    unittest.main()
