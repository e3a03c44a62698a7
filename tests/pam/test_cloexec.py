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
import time
import unittest

from test_auth import GOOD, StackTest


class CloseOnExecTest(StackTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.db.add_user("cleo", GOOD)

    def host_argv(self, service, user, password, *command, flags=()):
        host = os.environ.get("PAM_EXEC_HOST")
        if not host or not os.path.exists(host):
            self.skipTest("PAM_EXEC_HOST is not built: run through ctest")
        return ([host] + list(flags) +
                [self.services.path, service, user, password] + list(command))

    def run_host(self, service, user, password, *command):
        return subprocess.run(
            self.host_argv(service, user, password, *command),
            capture_output=True, text=True, timeout=120, check=False)

    def module_connections(self):
        """Server sessions on the test database (the module's; this query
        runs without a default database)."""
        rows = self.db.sql(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST "
            "WHERE DB = '%s'" % self.db.name, database=None)
        return int(rows[0][0])

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

    def test_the_childs_pam_end_leaves_the_parents_session_alone(self):
        # su's child calls pam_end(PAM_DATA_SILENT) before it execs the
        # shell: the module's cleanup there must drop its copy of the socket
        # without ending the server session the parent still uses.
        svc = self.stack("cloexec-silent")
        proc = subprocess.Popen(
            self.host_argv(svc, "cleo", GOOD, "sh", "-c",
                           "echo started; exec sleep 4",
                           flags=["--pam-end-in-child"]),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            self.assertEqual(proc.stdout.readline().strip(), "started")
            time.sleep(1)  # the child's cleanup has run; give the server time
            during = self.module_connections()
        finally:
            out, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 0, out + err)
        self.assertEqual(during, 1,
                         "the parent's database session was ended by the "
                         "child's pam_end")

    def test_a_wrong_password_runs_nothing(self):
        svc = self.stack("cloexec-wrong")
        r = self.run_host(svc, "cleo", GOOD + "x", "true")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("authenticate", r.stderr)


if __name__ == "__main__":
    unittest.main()
