"""The process: clean stop on SIGTERM, dropping root, refusing to stay
root, native TLS, and errors shown as incidents when the database is down."""

import os
import re
import shutil
import signal
import subprocess
import time
import unittest

import lkharness
import portalharness

IS_ROOT = os.geteuid() == 0


def uids_of(pid):
    with open(f"/proc/{pid}/status", encoding="utf-8") as f:
        for line in f:
            if line.startswith("Uid:"):
                return [int(x) for x in line.split()[1:]]
    return []


class ProcessTest(unittest.TestCase):

    def test_sigterm_stops_cleanly(self):
        portal = portalharness.Portal()
        try:
            self.assertEqual(portal.raw("GET", "/healthz").status, 200)
            self.assertIn("listening on http://127.0.0.1:", portal.log())
            self.assertEqual(portal.stop(), 0)
            self.assertIn("stopping on SIGTERM", portal.log())
            self.assertIn("stopped", portal.log())
        finally:
            portal.close()

    def test_a_missing_config_says_how_to_name_another(self):
        binary = os.environ["LATCHKEY_PORTAL"]
        missing = "/nonexistent/latchkey-test/latchkey.conf"
        env = dict(os.environ, LATCHKEY_CONFIG=missing)
        r = subprocess.run([binary], env=env, capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("latchkey-portal: " + missing +
                      ": cannot read: No such file or directory", r.stderr)
        self.assertIn("--config PATH or LATCHKEY_CONFIG=PATH", r.stderr)
        # --config wins over the environment.
        other = missing + ".other"
        r = subprocess.run([binary, "--config", other], env=env,
                           capture_output=True, text=True, timeout=30)
        self.assertIn(other + ": cannot read", r.stderr)

    def test_sigint_stops_cleanly(self):
        portal = portalharness.Portal()
        try:
            os.kill(portal.process.pid, signal.SIGINT)
            self.assertEqual(portal.process.wait(timeout=15), 0)
        finally:
            portal.close()

    @unittest.skipUnless(IS_ROOT, "needs root")
    def test_drops_root_after_binding(self):
        portal = portalharness.Portal()
        try:
            self.assertEqual(set(uids_of(portal.process.pid)), {65534})
            # Still serving, database included, after the drop.
            self.assertEqual(portal.raw("GET", "/healthz").status, 200)
        finally:
            portal.close()

    @unittest.skipUnless(IS_ROOT, "needs root")
    def test_refuses_root_without_its_user(self):
        portal = portalharness.Portal(portal_user="lk-no-such-user",
                                      wait_ready=False)
        try:
            self.assertEqual(portal.process.wait(timeout=30), 1)
            self.assertIn("refusing to run as root", portal.log())
            self.assertIn("lk-no-such-user", portal.log())
        finally:
            portal.close()

    @unittest.skipUnless(shutil.which("openssl"), "needs the openssl command")
    def test_native_tls(self):
        portal = portalharness.Portal(tls=True)
        try:
            r = portal.raw("GET", "/login")
            self.assertEqual(r.status, 200)
            self.assertIn("max-age", r.header("strict-transport-security"))
            self.assertTrue(any(v.startswith("__Host-lk_pre=")
                                and "Secure" in v for v in r.all("set-cookie")))
            self.assertIn("listening on https://", portal.log())
        finally:
            portal.close()

    def test_database_down_shows_an_incident_not_a_stack(self):
        portal = portalharness.Portal(db_port=lkharness.free_port(),
                                      migrate=False, wait_ready=False)
        try:
            deadline = time.monotonic() + 30
            status = None
            while time.monotonic() < deadline:
                try:
                    status = portal.raw("GET", "/healthz", timeout=10).status
                    break
                except OSError:
                    time.sleep(0.1)
            self.assertEqual(status, 503)
            b = portal.browser()
            b.cookies["lk_session"] = "A" * 43
            r = b.get("/profile")
            self.assertEqual(r.status, 503)
            m = re.search(r"Incident ([0-9a-f]{12})", r.text)
            self.assertTrue(m, r.text)
            self.assertIn(f"incident {m.group(1)}", portal.log())
            self.assertNotIn("127.0.0.1:", r.text)
            self.assertSecurityHeadersPresent(r)
            api = b.get("/api/v1/me")
            self.assertEqual(api.status, 503)
            self.assertEqual(api.json()["error"], "unavailable")
            login = portal.browser().login("someone", "whatever")
            self.assertEqual(login.status, 503)
            self.assertIn("unavailable", login.text)
        finally:
            portal.close()

    def assertSecurityHeadersPresent(self, r):
        for name in portalharness.SECURITY_HEADERS:
            self.assertIsNotNone(r.header(name), name)


if __name__ == "__main__":
    unittest.main()
