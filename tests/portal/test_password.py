"""Change password: the page and POST /api/v1/password. The current
password is required; other sessions end, this one stays; a mail says so."""

import unittest

import lkharness
import portalharness
from account_helpers import (ApiAsserts, api_login, api_send,
                             page_csrf)

NEW_PASSWORD = "a brand new passphrase 42"


class PasswordPageTest(ApiAsserts, portalharness.SmtpPortalTestCase):

    def signed_in(self, name, password, user_agent=None):
        b = self.portal.browser(
            {"User-Agent": user_agent} if user_agent else None)
        r = b.login(name, password)
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"), "/profile")
        return b

    def change(self, b, current, new, confirm=None):
        return b.post_form("/password", {
            "csrf": page_csrf(b, "/password"), "current_password": current,
            "password": new, "confirm": new if confirm is None else confirm})

    def can_login(self, name, password):
        return self.portal.browser().login(name, password).header(
            "location") == "/profile"

    def test_page_shows_the_form(self):
        name, password = self.new_user()
        b = self.signed_in(name, password)
        r = b.get("/password")
        self.assertEqual(r.status, 200)
        for field in ("current_password", "password", "confirm"):
            self.assertIn(f'name="{field}"', r.text)
        self.assertIn('<label for="password">New password</label>', r.text)
        self.assertIn('id="password-rules">Use 12 to 256 characters. Not your '
                      'username or email address, and not a common password.',
                      r.text)
        self.assertSecurityHeaders(r)
        anon = self.portal.browser().get("/password")
        self.assertEqual(anon.status, 303)
        self.assertTrue(anon.header("location").startswith("/login"))

    def test_wrong_current_password_is_refused(self):
        name, password = self.new_user()
        b = self.signed_in(name, password)
        r = self.change(b, "this is not it", NEW_PASSWORD)
        self.assertEqual(r.status, 403, r)
        self.assertIn('id="current_password-error"', r.text)
        self.assertIn("not correct", r.text)
        self.assertTrue(self.can_login(name, password))
        self.assertFalse(self.can_login(name, NEW_PASSWORD))
        self.assertEqual(b.get("/profile").status, 200)

    def test_form_errors(self):
        name, password = self.new_user()
        b = self.signed_in(name, password)
        cases = (
            ("", NEW_PASSWORD, None, "current_password"),
            (password, "", None, "password"),
            (password, NEW_PASSWORD, NEW_PASSWORD + "x", "confirm"),
            (password, "short", None, "password"),
            (password, password, None, "password"),      # the same again
            (password, f"{name} {name} 12345", None, "password"),
        )
        for current, new, confirm, field in cases:
            r = self.change(b, current, new, confirm)
            self.assertEqual(r.status, 422, (field, r))
            self.assertIn(f'id="{field}-error"', r.text, field)
        self.assertTrue(self.can_login(name, password))
        # None of these counted as a failed login.
        self.assertEqual(self.portal.query(
            f"SELECT failed_logins FROM users WHERE username = '{name}'")
            .strip(), "0")

    def test_success_ends_other_sessions_but_keeps_this_one(self):
        name, password = self.new_user()
        here = self.signed_in(name, password)
        there = self.signed_in(name, password, "curl/8.0")
        self.assertEqual(there.get("/profile").status, 200)
        r = self.change(here, password, NEW_PASSWORD)
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"),
                         "/profile?notice=password_changed")
        page = here.get(r.header("location"))
        self.assertEqual(page.status, 200)
        self.assertIn("Your password has been changed.", page.text)
        # The other session's cookie is refused now.
        r = there.get("/profile")
        self.assertEqual(r.status, 303)
        self.assertTrue(r.header("location").startswith("/login"))
        self.assertEqual(self.portal.query(
            "SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id "
            f"WHERE u.username = '{name}'").strip(), "1")
        self.assertTrue(self.can_login(name, NEW_PASSWORD))
        self.assertFalse(self.can_login(name, password))
        mail = self.wait_for_mail(f"{name}@example.org",
                                  "Your password was changed")
        self.assertNotIn(NEW_PASSWORD, lkharness.body_text(mail))

    def test_unicode_password(self):
        name, password = self.new_user()
        b = self.signed_in(name, password)
        new = "pässwörd ünïcödé 🔑 ключ"
        self.assertEqual(self.change(b, password, new).status, 303)
        self.assertTrue(self.can_login(name, new))

    def test_csrf_and_methods(self):
        name, password = self.new_user()
        b = self.signed_in(name, password)
        fields = {"current_password": password, "password": NEW_PASSWORD,
                  "confirm": NEW_PASSWORD}
        self.assertEqual(b.post_form("/password", fields).status, 403)
        self.assertEqual(b.post_form("/password", dict(fields, csrf="C" * 43))
                         .status, 403)
        pre = self.portal.browser().csrf_for("/login")
        self.assertEqual(b.post_form("/password", dict(fields, csrf=pre))
                         .status, 403)
        self.assertTrue(self.can_login(name, password))
        for method, path in (("DELETE", "/password"), ("PUT", "/password"),
                             ("GET", "/api/v1/password"),
                             ("PATCH", "/api/v1/password")):
            r = b.request(method, path)
            self.assertEqual(r.status, 405, (method, path))
            self.assertIn("POST", r.header("allow"))

    # --- API ---

    def test_api_password_change(self):
        name, password = self.new_user()
        b = self.portal.browser()
        csrf = api_login(b, name, password)
        other = self.portal.browser()
        api_login(other, name, password)

        body = self.assertApiError(
            api_send(b, "POST", "/api/v1/password",
                     {"current_password": "wrong one", "password":
                      NEW_PASSWORD}, csrf=csrf), 403, "wrong_password")
        self.assertIn("current_password", body["fields"])
        body = self.assertApiError(
            api_send(b, "POST", "/api/v1/password",
                     {"current_password": password, "password": "short"},
                     csrf=csrf), 422, "invalid")
        self.assertIn("password", body["fields"])
        body = self.assertApiError(
            api_send(b, "POST", "/api/v1/password",
                     {"current_password": password, "password": NEW_PASSWORD,
                      "confirm": "different"}, csrf=csrf), 422, "invalid")
        self.assertIn("confirm", body["fields"])
        body = self.assertApiError(
            api_send(b, "POST", "/api/v1/password", {"password": 5},
                     csrf=csrf), 422, "invalid")
        self.assertIn("password", body["fields"])
        self.assertApiError(
            api_send(b, "POST", "/api/v1/password", body=b"[1]",
                     ctype="application/json", csrf=csrf), 400, "bad_json")
        self.assertApiError(
            api_send(b, "POST", "/api/v1/password",
                     {"current_password": password, "password": NEW_PASSWORD}),
            403, "csrf")
        self.assertEqual(other.get("/api/v1/me").status, 200)

        r = api_send(b, "POST", "/api/v1/password",
                     {"current_password": password, "password": NEW_PASSWORD},
                     csrf=csrf)
        self.assertEqual(r.status, 204, r)
        self.assertEqual(b.get("/api/v1/me").status, 200)
        self.assertApiError(other.get("/api/v1/me"), 401, "unauthenticated")
        self.assertTrue(self.can_login(name, NEW_PASSWORD))
        self.assertApiError(self.portal.browser().get("/api/v1/me"), 401,
                            "unauthenticated")


if __name__ == "__main__":
    unittest.main()
