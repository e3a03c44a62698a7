"""HTTP tests: activation links (/activate, POST /api/v1/activate) and the
throttled resend (/activate/resend, POST /api/v1/activate/resend), with
[portal] require_email_verification on, against a real portal, MariaDB and
SMTP server (aiosmtpd)."""

import itertools
import os
import unittest

import portalharness

STRONG = "correct horse battery staple 42"
_ids = itertools.count(1)
_ips = itertools.count(1)


def unique(prefix="v"):
    return f"{prefix}{os.getpid() % 10000}x{next(_ids)}"


def fresh_ip():
    """A client address of its own (the portal trusts X-Forwarded-For from
    127.0.0.1), so per-address limits of one test do not touch another."""
    n = next(_ips)
    return f"198.51.{100 + n // 250}.{n % 250 + 1}"


class ActivateTest(portalharness.SmtpPortalTestCase):
    portal_options = {"require_email_verification": True}

    def browser(self, ip=None):
        return self.portal.browser({"X-Forwarded-For": ip or fresh_ip()})

    def register(self):
        """Registers through the API; returns (username, email)."""
        name = unique()
        email = f"{name}@example.org"
        b = self.browser()
        token = b.get("/api/v1/csrf").json()["csrf"]
        r = b.post_json("/api/v1/register", {
            "full_name": "Vera Verify", "username": name, "email": email,
            "password": STRONG}, csrf=token)
        self.assertEqual(r.status, 201, r)
        return name, email

    def activation_link(self, email, count=1):
        msg = self.wait_for_mail(email, subject="Activate", count=count)
        return self.mail_link(msg, "/activate")

    def activate(self, b, link):
        """Opens the link and presses its confirm button (the POST)."""
        page = b.get(link)
        if page.status != 200 or 'action="/activate"' not in page.text:
            return page
        return b.post_form("/activate", {
            "csrf": page.csrf(), "token": link.split("token=", 1)[1]})

    def verified(self, name):
        return self.portal.query(
            "SELECT email_verified_at IS NOT NULL FROM users "
            f"WHERE username = '{name}'").strip() == "1"

    def expire_tokens(self, name):
        self.portal.query(
            "UPDATE tokens SET expires_at = expires_at - INTERVAL 3 DAY, "
            "created_at = created_at - INTERVAL 3 DAY WHERE user_id = "
            f"(SELECT id FROM users WHERE username = '{name}')")

    def resend(self, b, login):
        return b.post_form("/activate/resend", {
            "csrf": b.csrf_for("/activate/resend"), "login": login})

    def api_resend(self, b, login):
        token = b.get("/api/v1/csrf").json()["csrf"]
        return b.post_json("/api/v1/activate/resend", {"login": login},
                           csrf=token)

    # --- the link ---

    def test_opening_the_link_does_not_activate(self):
        # Mail scanners open links: a GET shows a confirm button and uses
        # nothing; the POST of that form activates.
        name, email = self.register()
        link = self.activation_link(email)
        token = link.split("token=", 1)[1]
        b = self.browser()
        for _ in range(2):
            r = b.get(link)
            self.assertEqual(r.status, 200, r)
            self.assertIn('method="post"', r.text)
            self.assertIn('action="/activate"', r.text)
            self.assertIn(f'name="token" value="{token}"', r.text)
            self.assertSecurityHeaders(r)
            self.assertFalse(self.verified(name))
        # Without the form's CSRF token the POST does nothing.
        r = b.post_form("/activate", {"token": token})
        self.assertEqual(r.status, 403, r)
        self.assertFalse(self.verified(name))
        r = b.post_form("/activate", {"csrf": r.csrf() or b.get(link).csrf(),
                                      "token": token})
        self.assertEqual(r.status, 200, r)
        self.assertIn("Email address confirmed", r.text)
        self.assertTrue(self.verified(name))

    def test_login_waits_for_activation(self):
        name, email = self.register()
        b = self.browser()
        r = b.login(name, STRONG)
        self.assertEqual(r.status, 403, r)
        self.assertIn("Confirm your email address first", r.text)
        self.assertNotIn("lk_session", b.cookies)

        r = self.activate(b, self.activation_link(email))
        self.assertEqual(r.status, 200, r)
        self.assertIn("Email address confirmed", r.text)
        self.assertIn('href="/login"', r.text)
        self.assertSecurityHeaders(r)
        self.assertTrue(self.verified(name))

        r = b.login(name, STRONG)
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"), "/profile")
        self.assertEqual(b.get("/profile").status, 200)

    def test_used_link(self):
        name, email = self.register()
        link = self.activation_link(email)
        b = self.browser()
        self.assertEqual(self.activate(b, link).status, 200)
        r = b.get(link)
        self.assertEqual(r.status, 409)
        self.assertIn("already used", r.text)
        self.assertIn('action="/activate/resend"', r.text)
        self.assertTrue(self.verified(name))

    def test_expired_link(self):
        name, email = self.register()
        link = self.activation_link(email)
        self.expire_tokens(name)
        r = self.browser().get(link)
        self.assertEqual(r.status, 409)
        self.assertIn("expired", r.text)
        self.assertIn('action="/activate/resend"', r.text)
        self.assertFalse(self.verified(name))
        self.assertEqual(self.browser().login(name, STRONG).status, 403)

    def test_invalid_link(self):
        b = self.browser()
        for path in ("/activate?token=not-a-token", "/activate?token=",
                     "/activate", "/activate?token=" + "A" * 43):
            r = b.get(path)
            self.assertEqual(r.status, 404, path)
            self.assertIn("not valid", r.text)
            self.assertIn('action="/activate/resend"', r.text)

    # --- resend ---

    def test_resend_after_expiry_sends_a_link_that_works(self):
        name, email = self.register()
        old = self.activation_link(email)
        self.expire_tokens(name)
        b = self.browser()
        r = self.resend(b, email)
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"),
                         "/activate/resend?notice=activation_sent")
        self.assertIn("a new link is on its way", b.get(
            r.header("location")).text)
        new = self.activation_link(email, count=2)
        self.assertNotEqual(new, old)
        self.assertEqual(b.get(old).status, 409)
        self.assertEqual(self.activate(b, new).status, 200)
        self.assertTrue(self.verified(name))

    def test_resend_by_username_voids_the_older_link(self):
        name, email = self.register()
        old = self.activation_link(email)
        self.assertEqual(self.resend(self.browser(), name).status, 303)
        new = self.activation_link(email, count=2)
        r = self.browser().get(old)
        self.assertEqual(r.status, 409)
        self.assertIn("already used", r.text)
        self.assertEqual(self.browser().get(new).status, 200)

    def test_resend_same_answer_for_unknown_and_verified(self):
        name, email = self.register()
        self.assertEqual(self.activate(
            self.browser(), self.activation_link(email)).status, 200)
        unknown = f"{unique('nobody')}@example.org"
        answers = []
        for login in (unknown, email):
            r = self.resend(self.browser(), login)
            answers.append((r.status, r.header("location"), r.body))
        self.assertEqual(answers[0], answers[1])
        self.assertEqual(answers[0][0], 303)
        self.assertNoMail(unknown)
        self.assertEqual(len(self.mails_to(email, subject="Activate")), 1)

    def test_resend_needs_a_login(self):
        r = self.resend(self.browser(), "")
        self.assertEqual(r.status, 422)
        self.assertIn('id="login-error"', r.text)

    def test_resend_is_throttled_per_login(self):
        name, email = self.register()
        # Three requests an hour for one typed login, from any address.
        for _ in range(3):
            self.assertEqual(self.resend(self.browser(), email).status, 303)
        r = self.resend(self.browser(), email)
        self.assertEqual(r.status, 429)
        self.assertIn("Too many requests", r.text)
        self.assertEqual(r.header("retry-after"), "3600")
        r = self.api_resend(self.browser(), email.upper())
        self.assertEqual(r.status, 429)
        self.assertEqual(r.json()["error"], "throttled")
        self.assertTrue(r.header("retry-after"))
        # Another login is not affected.
        other, _ = self.register()
        self.assertEqual(self.resend(self.browser(), other).status, 303)

    def test_resend_is_throttled_per_address(self):
        ip = fresh_ip()
        statuses = [self.api_resend(self.browser(ip),
                                    f"{unique('n')}@example.org").status
                    for _ in range(21)]
        self.assertEqual(statuses[:20], [200] * 20)
        self.assertEqual(statuses[20], 429)
        self.assertEqual(self.api_resend(
            self.browser(), f"{unique('n')}@example.org").status, 200)

    def test_csrf(self):
        b = self.browser()
        b.csrf_for("/activate/resend")
        r = b.post_form("/activate/resend", {"login": "x@example.org"})
        self.assertEqual(r.status, 403)
        r = b.post_json("/api/v1/activate/resend", {"login": "x"})
        self.assertEqual(r.status, 403)
        r = b.post_json("/api/v1/activate", {"token": "x"}, csrf="bad")
        self.assertEqual(r.status, 403)

    def test_wrong_method(self):
        b = self.browser()
        r = b.request("PUT", "/activate", b"")
        self.assertEqual(r.status, 405)
        self.assertEqual(r.header("allow"), "GET, HEAD, POST")
        r = b.get("/api/v1/activate")
        self.assertEqual(r.status, 405)
        r = b.request("DELETE", "/activate/resend")
        self.assertEqual(r.status, 405)

    # --- the API ---

    def test_api_activate_states(self):
        name, email = self.register()
        token = self.activation_link(email).split("token=", 1)[1]
        b = self.browser()
        csrf = b.get("/api/v1/csrf").json()["csrf"]
        r = b.post_json("/api/v1/activate", {"token": token}, csrf=csrf)
        self.assertEqual((r.status, r.json()), (200, {"status": "activated"}))
        r = b.post_json("/api/v1/activate", {"token": token}, csrf=csrf)
        self.assertEqual(r.status, 409)
        self.assertEqual(r.json()["error"], "token_used")
        r = b.post_json("/api/v1/activate", {"token": "nope"}, csrf=csrf)
        self.assertEqual(r.status, 404)
        self.assertEqual(r.json()["error"], "token_invalid")
        r = b.post_json("/api/v1/activate", {}, csrf=csrf)
        self.assertEqual(r.status, 422)
        self.assertEqual(r.json()["fields"], {"token": "required"})
        r = b.post_json("/api/v1/activate", {"token": 7}, csrf=csrf)
        self.assertEqual(r.status, 422)

        name2, email2 = self.register()
        token2 = self.activation_link(email2).split("token=", 1)[1]
        self.expire_tokens(name2)
        r = b.post_json("/api/v1/activate", {"token": token2}, csrf=csrf)
        self.assertEqual(r.status, 409)
        self.assertEqual(r.json()["error"], "token_expired")
        self.assertFalse(self.verified(name2))

    def test_api_resend(self):
        name, email = self.register()
        r = self.api_resend(self.browser(), name)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["status"], "ok")
        unknown = self.api_resend(self.browser(), "nobody-at-all")
        self.assertEqual((unknown.status, unknown.json()),
                         (r.status, r.json()))
        self.activation_link(email, count=2)
        r = self.api_resend(self.browser(), "")
        self.assertEqual(r.status, 422)


if __name__ == "__main__":
    unittest.main()
