"""[session] cache_ttl: GET pages may reuse what the portal read about a
session for cache_ttl. Whatever this portal changes is seen at once (logout,
password change, profile edits); changes made elsewhere (latchkeyctl, SQL)
within cache_ttl; with 0s always at once."""

import time
import unittest

import portalharness
from account_helpers import page_csrf


def metric(portal, name):
    for line in portal.raw("GET", "/metrics").text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in /metrics")


def signed_out(r):
    return r.status == 303 and r.header("location").startswith("/login")


class SessionCacheTest(portalharness.PortalTestCase):
    portal_options = {"session_cache_ttl": "1s"}

    def signed_in(self, name, password):
        b = self.portal.browser()
        self.assertEqual(b.login(name, password).status, 303)
        self.assertEqual(b.get("/profile").status, 200)
        return b

    def test_repeated_pages_are_answered_from_memory(self):
        name, password = self.new_user()
        b = self.signed_in(name, password)
        hits = metric(self.portal, "latchkey_session_cache_hits")
        for _ in range(5):
            self.assertEqual(b.get("/profile").status, 200)
        self.assertGreaterEqual(
            metric(self.portal, "latchkey_session_cache_hits"), hits + 4)

    def test_logout_here_ends_the_session_at_once(self):
        name, password = self.new_user()
        b = self.signed_in(name, password)
        cookie = b.cookies["lk_session"]
        r = b.post_form("/logout", {"csrf": page_csrf(b, "/profile")})
        self.assertEqual(r.status, 303)
        # The old cookie, replayed right away, no longer works.
        replay = self.portal.browser()
        replay.cookies["lk_session"] = cookie
        self.assertTrue(signed_out(replay.get("/profile")))

    def test_password_change_here_ends_other_sessions_at_once(self):
        name, password = self.new_user()
        here = self.signed_in(name, password)
        there = self.signed_in(name, password)
        new = "a brand new passphrase 42"
        r = here.post_form("/password", {
            "csrf": page_csrf(here, "/password"),
            "current_password": password, "password": new, "confirm": new})
        self.assertEqual(r.status, 303, r)
        self.assertTrue(signed_out(there.get("/profile")))
        self.assertEqual(here.get("/profile").status, 200)

    def test_profile_edit_shows_at_once(self):
        name, password = self.new_user()
        b = self.signed_in(name, password)
        r = b.post_form("/profile", {"csrf": page_csrf(b, "/profile"),
                                     "full_name": "Renamed Right Now"})
        self.assertEqual(r.status, 303, r)
        self.assertIn("Renamed Right Now", b.get("/profile").text)

    def test_changes_made_elsewhere_show_within_the_ttl(self):
        name, password = self.new_user()
        b = self.signed_in(name, password)
        self.assertEqual(
            self.portal.ctl("user", "deactivate", name).returncode, 0)
        # Within cache_ttl the page may still come from memory...
        b.get("/profile")
        # ...but not after it.
        time.sleep(1.2)
        self.assertTrue(signed_out(b.get("/profile")))
        self.assertEqual(self.portal.query(
            "SELECT COUNT(*) FROM sessions").strip(), "0")

    def test_forms_always_ask_the_database(self):
        name, password = self.new_user()
        b = self.signed_in(name, password)
        csrf = page_csrf(b, "/profile")
        self.assertEqual(b.get("/profile").status, 200)  # cached now
        self.assertEqual(
            self.portal.ctl("user", "deactivate", name).returncode, 0)
        r = b.post_form("/profile", {"csrf": csrf, "full_name": "Not Saved"})
        self.assertTrue(signed_out(r), r)
        self.assertNotIn("Not Saved", self.portal.query(
            "SELECT full_name FROM users"))
        # Ending the session there cleared the cache: pages agree at once.
        self.assertTrue(signed_out(b.get("/profile")))


class NoSessionCacheTest(portalharness.PortalTestCase):
    portal_options = {"session_cache_ttl": "0s"}

    def test_changes_made_elsewhere_show_at_once(self):
        name, password = self.new_user()
        b = self.portal.browser()
        self.assertEqual(b.login(name, password).status, 303)
        self.assertEqual(b.get("/profile").status, 200)
        self.portal.query("DELETE FROM sessions")
        self.assertTrue(signed_out(b.get("/profile")))
        self.assertEqual(metric(self.portal, "latchkey_session_cache_hits"), 0)


if __name__ == "__main__":
    unittest.main()
