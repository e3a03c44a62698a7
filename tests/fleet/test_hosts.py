"""Host identities and directories: a revoked host is refused within 5 s,
also on a kept-alive connection; the second directory in a host's list
takes over when the first is down; the agent socket refuses an
unprivileged caller.

Logins go through pamtester (a real libpam client, as root) in a private
mount namespace with a copy of /etc/pam.d holding our service.
"""

import subprocess
import time
import unittest

import fleet_fixture as ff

SERVICE = "lkf-hosts"
ADMIN = "lkf-root-ish"
USER = "lkf-hana"


class FleetHostsTest(ff.FleetTestCase):
    tools = ("pamtester", "runuser")

    @classmethod
    def set_up_fleet(cls):
        f = cls.fleet
        f.add_user(ADMIN, "--role", "admin", "--role", "user")
        f.add_user(USER)
        cls.binds = {}
        for host in f.hosts:
            pam_d = ff.pam_dir(f, f"pam.d-{host.name}", {SERVICE: "\n".join([
                "# Written by tests/fleet/test_hosts.py.",
                host.pam_line("auth"),
                host.pam_line("account"),
            ]) + "\n"})
            cls.binds[host.name] = [(pam_d, "/etc/pam.d")] + host.nss_binds()

    def login(self, host, user, password=ff.PASSWORD):
        """pamtester authenticate + acct_mgmt on `host`; its output."""
        r = ff.pamtester(self.binds[host.name], SERVICE, user,
                         ["authenticate", "acct_mgmt"], [password])
        return r.stdout + r.stderr

    def assert_login_ok(self, host, user):
        out = self.login(host, user)
        self.assertIn(ff.PAM_TEXT["PAM_SUCCESS"], out, out + self.logs())
        self.assertIn("account management done", out, out + self.logs())

    def test_second_directory_takes_over(self):
        f = self.fleet
        host = f.web1
        first, second = f.directories
        host.wait_online(directory=first)
        self.assert_login_ok(host, USER)
        first.stop()
        try:
            started = time.monotonic()
            # The next login fails over within connect_timeout (500 ms).
            self.assert_login_ok(host, USER)
            self.assertLess(time.monotonic() - started, 4.0)
            self.assertEqual(host.ping().get("directory"), second.url)
            self.assertTrue(host.ping().get("online"))
            # The second directory recorded it, with the host's name.
            rows = f.audit_rows(user=USER)
            self.assertTrue(any(row[2] == ff.WEB_HOST for row in rows), rows)
        finally:
            first.start()

    def test_revoked_host_is_refused_within_5s_also_on_a_kept_alive_connection(
            self):
        f = self.fleet
        host = f.db1  # revoked for good: the other tests use lkf-web1
        directory = f.directories[0]
        host.wait_online(directory=directory)
        self.assert_login_ok(host, ADMIN)
        # The agent keeps its TLS connection to the directory alive.
        peers = ff.tcp_peers(host.process.pid)
        self.assertIn(directory.port, [remote for _, remote in peers],
                      f"the agent holds no connection to the directory: {peers}")
        # A (stolen) copy of the credential, on a kept-alive connection too.
        conn = directory.connection()
        status, _, body = ff.host_call(conn, "GET", "/host/v1/ping", host.token)
        self.assertEqual(status, 200, body)
        sock = conn.sock
        self.assertIsNotNone(sock, "the connection was not kept alive")

        f.ok("host", "revoke", ff.DB_HOST)
        revoked = time.monotonic()
        status, _, body = ff.host_call(conn, "GET", "/host/v1/ping", host.token)
        self.assertIs(conn.sock, sock, "the client reconnected: not a "
                      "kept-alive connection")
        self.assertEqual(status, 401, body)
        self.assertEqual(ff.json.loads(body), {"error": "host_unknown"})
        conn.close()
        # The agent's kept-alive connection is refused too, within 5 s.
        out = self.login(host, ADMIN)
        self.assertLess(time.monotonic() - revoked, 5.0)
        self.assertNotIn(ff.PAM_TEXT["PAM_SUCCESS"], out, out + self.logs())
        # The other host is not affected.
        self.assert_login_ok(f.web1, ADMIN)

    def test_agent_refuses_an_unprivileged_caller(self):
        host = self.fleet.web1
        code = (
            "import json, socket, struct, sys\n"
            "s = socket.socket(socket.AF_UNIX)\n"
            "s.connect(sys.argv[1])\n"
            "b = json.dumps({'op': sys.argv[2], 'user': sys.argv[3],"
            " 'password': 'x', 'service': 'sshd', 'rhost': '', 'tty': '',"
            " 'nss_uid': None, 'totp': 'auto'}).encode()\n"
            "s.sendall(struct.pack('>I', len(b)) + b)\n"
            "n = struct.unpack('>I', s.recv(4, socket.MSG_WAITALL))[0]\n"
            "print(json.loads(s.recv(n, socket.MSG_WAITALL))['status'])\n")

        def ask(as_user, op):
            r = subprocess.run(["runuser", "-u", as_user, "--", "python3", "-c",
                                code, host.socket, op, USER],
                               capture_output=True, text=True, timeout=30,
                               check=False)
            self.assertEqual(r.returncode, 0, r.stderr)
            return r.stdout.strip()

        self.assertEqual(ask("daemon", "authenticate"), "forbidden")
        self.assertEqual(ask("daemon", "ssh_keys"), "forbidden")
        # The keys user (keys_user = nobody) gets keys, and nothing else.
        self.assertEqual(ask("nobody", "ssh_keys"), "ok")
        self.assertEqual(ask("nobody", "authenticate"), "forbidden")
        # Root gets an answer from the directory.
        self.assertEqual(host.request({
            "op": "authenticate", "user": USER, "password": ff.PASSWORD,
            "service": "sshd", "rhost": "", "tty": "", "nss_uid": None,
            "totp": "auto"})["status"], "ok")


if __name__ == "__main__":
    unittest.main()
