"""Form fields and JSON members are checked as text (valid UTF-8, no NUL)
in the request body layer, before any handler sees them: 422 with the field
named, on every form and in the API."""

import json
import unittest
import urllib.parse

import portalharness

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def quoted(value):
    return urllib.parse.quote(value, safe="")


class RequestTextTest(portalharness.PortalTestCase):

    def post_raw(self, b, path, body, headers=FORM):
        return b.request("POST", path, body, dict(headers))

    def assertRefusesField(self, r, field):
        self.assertEqual(r.status, 422, r)
        self.assertIn(field, r.text)

    def test_invalid_utf8_login_at_post_login(self):
        b = self.portal.browser()
        token = b.csrf_for("/login")
        before = self.portal.query("SELECT COUNT(*) FROM auth_events").strip()
        r = self.post_raw(b, "/login", f"csrf={quoted(token)}&login=ab%ff%fecd"
                          "&password=whatever+it+is".encode())
        self.assertRefusesField(r, "login")
        # Nothing behind the body layer saw it.
        after = self.portal.query("SELECT COUNT(*) FROM auth_events").strip()
        self.assertEqual(before, after)

    def test_invalid_utf8_login_at_activate_resend(self):
        b = self.portal.browser()
        token = b.csrf_for("/activate/resend")
        r = self.post_raw(b, "/activate/resend",
                          f"csrf={quoted(token)}&login=ab%ff%fecd".encode())
        self.assertRefusesField(r, "login")
        self.assertNotIn("1300", self.portal.log())

    def test_nul_in_a_urlencoded_field(self):
        name, password = self.new_user(full_name="Before Change")
        b = self.portal.browser()
        self.assertEqual(b.login(name, password).status, 303)
        token = b.get("/profile").csrf()
        for raw in (b"Nul\0Name", b"Nul%00Name"):
            body = f"csrf={quoted(token)}&full_name=".encode() + raw
            r = self.post_raw(b, "/profile", body)
            self.assertRefusesField(r, "full_name")
        stored = self.portal.query(
            f"SELECT full_name FROM users WHERE username = '{name}'").strip()
        self.assertEqual(stored, "Before Change")

    def test_invalid_utf8_and_nul_in_json(self):
        b = self.portal.browser()
        token = b.get("/api/v1/csrf").json()["csrf"]
        headers = {"Content-Type": "application/json", "X-CSRF-Token": token}
        before = self.portal.query("SELECT COUNT(*) FROM auth_events").strip()
        body = b'{"login": "ab\xff\xfecd", "password": "whatever it is"}'
        r = self.post_raw(b, "/api/v1/login", body, headers)
        self.assertEqual(r.status, 422, r)
        self.assertEqual(r.json()["error"], "invalid")
        self.assertIn("login", r.json()["fields"])
        self.assertNotIn("password", r.json()["fields"])
        after = self.portal.query("SELECT COUNT(*) FROM auth_events").strip()
        self.assertEqual(before, after)

        r = self.post_raw(b, "/api/v1/activate/resend",
                          json.dumps({"login": "Nul\0Name"}).encode(), headers)
        self.assertEqual(r.status, 422, r)
        self.assertEqual(list(r.json()["fields"]), ["login"])

    def test_valid_text_passes(self):
        name, password = self.new_user()
        b = self.portal.browser()
        self.assertEqual(b.login(name, password).status, 303)
        token = b.get("/profile").csrf()
        r = b.post_form("/profile", {"csrf": token,
                                     "full_name": "Zoë Ångström 名前"})
        self.assertEqual(r.status, 303, r)
        stored = self.portal.query(
            f"SELECT full_name FROM users WHERE username = '{name}'").strip()
        self.assertEqual(stored, "Zoë Ångström 名前")


if __name__ == "__main__":
    unittest.main()
