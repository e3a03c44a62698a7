"""API conventions from docs/api.md: the CSRF token only in the
X-CSRF-Token header, Retry-After on every 503, and `fields` empty except
on the answers the docs name (422, 403 wrong_password)."""

import time
import unittest

import lkharness
import portalharness


class ApiCsrfTest(portalharness.PortalTestCase):

    def test_csrf_in_the_body_is_not_accepted(self):
        name, password = self.new_user()
        b = self.portal.browser()
        token = b.get("/api/v1/csrf").json()["csrf"]
        # As a form field of a urlencoded body.
        r = b.post_form("/api/v1/login", {"csrf": token, "login": name,
                                          "password": password})
        self.assertEqual(r.status, 403, r)
        self.assertEqual(r.json()["error"], "csrf")
        # As a member of the JSON body.
        r = b.post_json("/api/v1/login", {"csrf": token, "login": name,
                                          "password": password})
        self.assertEqual(r.status, 403, r)
        self.assertEqual(r.json()["error"], "csrf")
        self.assertNotIn("lk_session", b.cookies)
        # The header works.
        r = b.post_json("/api/v1/login", {"login": name,
                                          "password": password}, csrf=token)
        self.assertEqual(r.status, 200, r)

    def test_fields_only_where_documented(self):
        b = self.portal.browser()
        r = b.get("/api/v1/me")
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json()["fields"], {})
        r = b.post_json("/api/v1/login", {"login": "x", "password": "y"})
        self.assertEqual(r.status, 403)
        self.assertEqual(r.json()["fields"], {})
        token = b.get("/api/v1/csrf").json()["csrf"]
        r = b.post_json("/api/v1/login", {"login": "nobody-here",
                                          "password": "wrong wrong wrong"},
                        csrf=token)
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json()["fields"], {})
        r = b.post_json("/api/v1/login", {"login": "x"}, csrf=token)
        self.assertEqual(r.status, 422)
        self.assertEqual(set(r.json()["fields"]), {"password"})
        r = b.request("POST", "/api/v1/login", b"[1]",
                      {"Content-Type": "application/json",
                       "X-CSRF-Token": token})
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json()["fields"], {})


class ApiUnavailableTest(unittest.TestCase):

    def test_503_carries_retry_after(self):
        portal = portalharness.Portal(db_port=lkharness.free_port(),
                                      migrate=False, wait_ready=False)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    portal.raw("GET", "/healthz", timeout=10)
                    break
                except OSError:
                    time.sleep(0.1)
            b = portal.browser()
            token = b.get("/api/v1/csrf").json()["csrf"]
            r = b.post_json("/api/v1/login", {"login": "someone",
                                              "password": "whatever it is"},
                            csrf=token)
            self.assertEqual(r.status, 503, r)
            self.assertEqual(r.json()["error"], "unavailable")
            self.assertRegex(r.header("retry-after") or "", r"^[1-9][0-9]*$")
            r = b.get("/api/v1/me", headers={"Cookie": "lk_session=" + "A" * 43})
            self.assertEqual(r.status, 503, r)
            self.assertRegex(r.header("retry-after") or "", r"^[1-9][0-9]*$")
        finally:
            portal.close()


if __name__ == "__main__":
    unittest.main()
