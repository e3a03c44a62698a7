"""[session] idle_timeout is enforced (2 s here)."""

import time
import unittest

import portalharness


class IdleExpiryTest(portalharness.PortalTestCase):
    portal_options = {"session_idle": "2s"}

    def test_idle_session_ends(self):
        name, password = self.new_user()
        b = self.portal.browser()
        self.assertEqual(b.login(name, password).status, 303)
        # Activity keeps it alive past the idle timeout...
        for _ in range(3):
            time.sleep(1)
            self.assertEqual(b.get("/profile").status, 200)
        self.assertEqual(b.get("/api/v1/me").status, 200)
        # ...idleness ends it, and the row goes.
        time.sleep(3)
        r = b.get("/profile")
        self.assertEqual(r.status, 303)
        self.assertTrue(r.header("location").startswith("/login"))
        self.assertEqual(self.portal.query(
            "SELECT COUNT(*) FROM sessions").strip(), "0")


if __name__ == "__main__":
    unittest.main()
