"""Cookies behind a TLS-terminating proxy: when [portal] base_url is https,
every cookie gets Secure and the __Host- prefix, even when the proxy talks
plain HTTP to the portal and sends no X-Forwarded-Proto."""

import unittest

import portalharness


class HttpsBaseUrlTest(portalharness.PortalTestCase):
    # The proxy's address; the portal itself listens on plain HTTP.
    portal_options = {"base_url": "https://portal.example.org"}

    def cookies(self, r):
        return [portalharness.parse_set_cookie(v) for v in r.all("set-cookie")]

    def test_pre_session_cookie_is_secure_host_cookie(self):
        r = self.portal.browser().get("/login")
        self.assertEqual(r.status, 200)
        cookies = self.cookies(r)
        self.assertTrue(cookies, r.headers)
        for name, _, attrs in cookies:
            self.assertTrue(name.startswith("__Host-"), cookies)
            self.assertIn("secure", attrs, cookies)
            self.assertEqual(attrs.get("path"), "/", cookies)

    def test_session_cookie_is_secure_host_cookie(self):
        name, password = self.new_user()
        b = self.portal.browser()
        r = b.login(name, password)
        self.assertEqual(r.status, 303, r)
        session = [c for c in self.cookies(r) if c[0].endswith("lk_session")]
        self.assertEqual(len(session), 1, r.headers)
        self.assertEqual(session[0][0], "__Host-lk_session")
        self.assertIn("secure", session[0][2])
        self.assertIn("httponly", session[0][2])
        # The session works under its prefixed name over the plain hop.
        self.assertEqual(b.get("/profile").status, 200)
        # Logout clears the prefixed cookie.
        r = b.post_form("/logout", {"csrf": b.get("/profile").csrf()})
        cleared = [c for c in self.cookies(r) if c[0] == "__Host-lk_session"]
        self.assertEqual(len(cleared), 1, r.headers)
        self.assertEqual(cleared[0][2].get("max-age"), "0")


if __name__ == "__main__":
    unittest.main()
