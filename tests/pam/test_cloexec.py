"""No descriptor of the module's database connection reaches a program the
host execs while its PAM handle is open.

The module keeps its connection in the PAM handle until pam_end. A host
that forks and execs the user's program without closing descriptors, and
without pam_end in the child, would hand that program an authenticated
database session unless every connection socket is close-on-exec.
pam_exec_host (tests/pam/pam_exec_host.cc) is such a host: it authenticates,
checks the account and opens the session through a latchkey stack, then
execs `ls -l /proc/self/fd/`. (tests/e2e/test_su.py does the same through
a real util-linux su.)
"""
import os
import re
import subprocess
import unittest

import pamharness as h
from test_auth import GOOD, StackTest


class CloseOnExecTest(StackTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.db.add_user("cleo", GOOD)

    def run_host(self, service, user, password, *command):
        host = os.environ.get("PAM_EXEC_HOST")
        if not host or not os.path.exists(host):
            self.skipTest("PAM_EXEC_HOST is not built: run through ctest")
        return subprocess.run(
            [host, self.services.path, service, user, password] +
            list(command), capture_output=True, text=True, timeout=120,
            check=False)

    def test_an_execed_program_inherits_no_database_socket(self):
        svc = self.stack("cloexec")
        r = self.run_host(svc, "cleo", GOOD, "ls", "-l", "/proc/self/fd/")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        sockets = [line for line in r.stdout.splitlines()
                   if re.search(r"-> socket:\[\d+\]", line)]
        self.assertEqual(sockets, [],
                         "the program the host execed holds the module's "
                         "database socket:\n" + r.stdout)
        # The session was recorded over the same connection afterwards.
        self.assertTrue(self.db.events("cleo", "session_close"))

    def test_a_wrong_password_runs_nothing(self):
        svc = self.stack("cloexec-wrong")
        r = self.run_host(svc, "cleo", GOOD + "x", "true")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("authenticate", r.stderr)


if __name__ == "__main__":
    unittest.main()
