"""The portal in headless Chromium (tests/browser/flow.js through
playwright-core), against a real portal, MariaDB and SMTP server.

This file starts an SMTP server (python3-aiosmtpd) and a portal that
requires email verification (tests/portal/portalharness.py), runs flow.js
with node, and then checks in the database what the browser did.

Environment (set by ctest): as portalharness, plus LATCHKEY_BROWSER_DIR
(node_modules from install.sh) and LATCHKEY_SCREENSHOT_DIR.
"""

import json
import os
import shutil
import subprocess
import sys
import unittest

import lkharness
import portalharness  # tests/portal, on PYTHONPATH (CMakeLists.txt)

HERE = os.path.dirname(os.path.abspath(__file__))

CHROMIUM = "/usr/bin/chromium"


class BrowserFlowTest(portalharness.SmtpPortalTestCase):
    portal_options = {"require_email_verification": True}

    def setUp(self):
        self.node_modules = os.path.join(
            lkharness.env_value("LATCHKEY_BROWSER_DIR"), "node_modules")
        # Installed by scripts/lib/deps.sh and install.sh (the ctest fixture
        # browser.node_modules): missing ones are a failure, not a skip.
        self.assertTrue(os.access(CHROMIUM, os.X_OK),
                        f"{CHROMIUM} missing: apt-get install chromium")
        self.assertIsNotNone(shutil.which("node"),
                             "node missing: apt-get install nodejs")
        self.assertTrue(
            os.path.isdir(os.path.join(self.node_modules, "playwright-core")),
            f"playwright-core missing in {self.node_modules}: run "
            f"tests/browser/install.sh {os.path.dirname(self.node_modules)}")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Both flows' screenshots, from this run only.
        cls.shots = lkharness.env_value("LATCHKEY_SCREENSHOT_DIR")
        shutil.rmtree(cls.shots, ignore_errors=True)
        os.makedirs(cls.shots)

    def run_flow(self, script, **extra):
        """Runs tests/browser/<script> with node; fails with its output and
        the portal's log if it does not pass."""
        env = dict(os.environ,
                   NODE_PATH=self.node_modules,
                   LK_BASE_URL=self.portal.base,
                   LK_SCREENSHOT_DIR=self.shots,
                   LK_CHROMIUM=CHROMIUM,
                   LK_MAIL_HELPER=json.dumps([
                       sys.executable, os.path.join(HERE, "mail_link.py"),
                       "--dir", self.smtp_dir, "--base", self.portal.base]),
                   **extra)
        try:
            run = subprocess.run(["node", os.path.join(HERE, script)],
                                 env=env, capture_output=True, text=True,
                                 timeout=240, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as e:
            self.fail(f"{script} did not finish in 240 s:\n{e.stdout}\n"
                      f"{e.stderr}\nportal log:\n{self.portal.log()[-3000:]}")
        sys.stdout.write(run.stdout)
        sys.stdout.write(run.stderr)
        self.assertEqual(
            run.returncode, 0,
            f"{script} failed (screenshots in {self.shots}); portal log:\n"
            f"{self.portal.log()[-3000:]}")

    def test_register_activate_totp_reset(self):
        username = f"br{os.getpid() % 100000}"
        self.run_flow("flow.js", LK_USERNAME=username)

        # What the browser did, as the database sees it.
        shown = self.portal.ctl("--json", "user", "show", username)
        self.assertEqual(shown.returncode, 0, shown.stderr)
        user = json.loads(shown.stdout)
        self.assertTrue(user["email_verified"])
        self.assertTrue(user["totp_enrolled"])
        self.assertEqual(user["full_name"], "Brenda Browser")
        self.assertIsNotNone(user["last_login_at"])
        # Activation, TOTP on, reset link and password changed at least
        # (the worker may still be sending the last).
        self.wait_for_mail(f"{username}@example.org", count=4)
        shots = sorted(s for s in os.listdir(self.shots)
                       if not s.startswith("admin-"))
        for size in ("390x844", "1280x800"):
            self.assertGreaterEqual(
                len([s for s in shots if s.endswith(f"-{size}.png")]), 10,
                shots)

    def test_admin_area(self):
        tag = os.getpid() % 100000
        admin, target, locked = f"bra{tag}", f"brt{tag}", f"brl{tag}"
        admin_password = "Admin staple lantern gravel 77"
        target_password = "Target staple lantern gravel 78"
        self.portal.add_user(admin, f"{admin}@example.org", admin_password,
                             "Ada Admin")
        r = self.portal.ctl("user", "set-role", admin, "admin")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.portal.add_user(target, f"{target}@example.org",
                             target_password, "Zelda Target")
        self.portal.add_user(locked, f"{locked}@example.org",
                             target_password, "Lou Locked")
        r = self.portal.ctl("user", "lock", locked)
        self.assertEqual(r.returncode, 0, r.stderr)

        self.run_flow("admin_flow.js", LK_SHOT_PREFIX="admin-",
                      LK_ADMIN=admin, LK_ADMIN_PASSWORD=admin_password,
                      LK_TARGET=target, LK_TARGET_PASSWORD=target_password,
                      LK_LOCKED=locked)

        # What the browser did, as the database and the audit log see it.
        shown = json.loads(self.portal.ctl("--json", "user", "show",
                                           target).stdout)
        self.assertTrue(shown["active"])
        shown = json.loads(self.portal.ctl("--json", "user", "show",
                                           locked).stdout)
        self.assertFalse(shown["locked"])
        events = self.portal.query(
            "SELECT event, detail FROM auth_events WHERE service = 'portal' "
            "AND event IN ('user_deactivated', 'user_activated', "
            "'user_unlocked') ORDER BY id")
        for event in ("user_deactivated", "user_activated", "user_unlocked"):
            self.assertRegex(events, f"{event}\t.*by {admin}")
        shots = [s for s in os.listdir(self.shots) if s.startswith("admin-")]
        for size in ("390x844", "1280x800"):
            self.assertGreaterEqual(
                len([s for s in shots if s.endswith(f"-{size}.png")]), 7,
                shots)


if __name__ == "__main__":
    unittest.main()
