"""HTTP tests: /forgot and /reset (and POST /api/v1/forgot, /api/v1/reset)
against a real portal, MariaDB and SMTP server (aiosmtpd): the same answer
for any address, throttling per address and per client address, the reset
through the mailed link (sessions end, other links void, a confirmation
mail, TOTP kept), used, expired and invalid links, CSRF and methods."""

import itertools
import os
import time
import unittest

import lkharness
import portalharness

NEW = "a brand new passphrase 2024"
_ips = itertools.count(1)
_ids = itertools.count(1)



def fresh_ip():
    """A client address of its own (X-Forwarded-For is trusted from
    127.0.0.1), so the per-address limit of one test does not touch
    another."""
    n = next(_ips)
    return f"203.0.{113 + n // 250}.{n % 250 + 1}"


class ResetTest(portalharness.SmtpPortalTestCase):

    def browser(self, ip=None):
        return self.portal.browser({"X-Forwarded-For": ip or fresh_ip()})

    def user(self):
        name, password = self.new_user()
        return name, password, f"{name}@example.org"

    def forgot(self, b, email):
        return b.post_form("/forgot", {"csrf": b.csrf_for("/forgot"),
                                       "email": email})

    def api_forgot(self, b, email):
        token = b.get("/api/v1/csrf").json()["csrf"]
        return b.post_json("/api/v1/forgot", {"email": email}, csrf=token)

    def reset_link(self, email, count=1):
        msg = self.wait_for_mail(email, subject="Reset your password",
                                 count=count)
        return self.mail_link(msg, "/reset")

    def submit(self, b, link, password, confirm=None):
        page = b.get(link)
        self.assertEqual(page.status, 200, page)
        token = link.split("token=", 1)[1]
        return b.post_form("/reset", {
            "csrf": page.csrf(), "token": token, "password": password,
            "confirm": password if confirm is None else confirm})

    def expire_tokens(self, name):
        self.portal.query(
            "UPDATE tokens SET expires_at = expires_at - INTERVAL 3 DAY, "
            "created_at = created_at - INTERVAL 3 DAY WHERE user_id = "
            f"(SELECT id FROM users WHERE username = '{name}')")

    # --- forgot ---

    def test_forgot_same_answer_for_any_address(self):
        name, _, email = self.user()
        unknown = f"nobody{os.getpid()}x{next(_ids)}@example.org"
        answers = []
        for address in (email, unknown):
            r = self.forgot(self.browser(), address)
            answers.append((r.status, r.header("location"), r.body))
        self.assertEqual(answers[0], answers[1])
        self.assertEqual(answers[0][:2], (303, "/forgot?notice=reset_sent"))
        page = self.browser().get("/forgot?notice=reset_sent")
        self.assertIn("If an account uses that address", page.text)
        # Only the message: not the form again.
        self.assertIn("Check your mail", page.text)
        self.assertNotIn("<form method=\"post\" action=\"/forgot\"",
                         page.text)
        self.assertNotIn('name="email"', page.text)
        self.assertIn('name="email"', self.browser().get("/forgot").text)
        self.reset_link(email)
        self.assertNoMail(unknown)
        # The link sent is in the audit log, after the answer.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            detail = self.portal.query(
                "SELECT detail FROM auth_events WHERE event = "
                f"'reset_requested' AND username_tried = '{name}'").strip()
            if detail:
                break
            time.sleep(0.1)
        self.assertEqual(detail, "link sent")

    def test_forgot_api_same_answer(self):
        _, _, email = self.user()
        unknown = f"nobody{os.getpid()}x{next(_ids)}@example.org"
        known = self.api_forgot(self.browser(), email)
        other = self.api_forgot(self.browser(), unknown)
        self.assertEqual(known.status, 200, known)
        self.assertEqual((other.status, other.json()),
                         (known.status, known.json()))
        self.reset_link(email)
        self.assertNoMail(unknown)

    def test_forgot_invalid_or_missing_email(self):
        r = self.forgot(self.browser(), "")
        self.assertEqual(r.status, 422)
        self.assertIn('id="email-error"', r.text)
        r = self.forgot(self.browser(), "no at sign <b>")
        self.assertEqual(r.status, 422)
        self.assertIn('id="email-error"', r.text)
        self.assertIn("no at sign &lt;b&gt;", r.text)
        r = self.api_forgot(self.browser(), "no at sign")
        self.assertEqual(r.status, 422)
        self.assertEqual(list(r.json()["fields"]), ["email"])
        r = self.api_forgot(self.browser(), "")
        self.assertEqual(r.json()["fields"], {"email": "required"})

    def test_forgot_throttled_per_address(self):
        _, _, email = self.user()
        for _ in range(3):
            self.assertEqual(self.forgot(self.browser(), email).status, 303)
        r = self.forgot(self.browser(), email)
        self.assertEqual(r.status, 429)
        self.assertIn("Too many reset requests", r.text)
        self.assertEqual(r.header("retry-after"), "3600")
        r = self.api_forgot(self.browser(), email.upper())
        self.assertEqual(r.status, 429)
        self.assertEqual(r.json()["error"], "throttled")
        # Unknown addresses are counted alike, so 429 tells nothing.
        unknown = f"nobody{os.getpid()}x{next(_ids)}@example.org"
        for _ in range(3):
            self.assertEqual(self.api_forgot(self.browser(), unknown).status,
                             200)
        self.assertEqual(self.api_forgot(self.browser(), unknown).status, 429)
        # The links are made after the answers (forgot_flow.h): wait for them.
        self.wait_for_mail(email, subject="Reset", count=3)
        self.assertEqual(len(self.mails_to(email, "Reset")), 3)

    def test_forgot_throttled_per_client_address(self):
        ip = fresh_ip()
        statuses = [
            self.api_forgot(self.browser(ip),
                            f"n{os.getpid()}x{next(_ids)}@example.org").status
            for _ in range(21)]
        self.assertEqual(statuses[:20], [200] * 20)
        self.assertEqual(statuses[20], 429)
        r = self.forgot(self.browser(ip), "someone@example.org")
        self.assertEqual(r.status, 429)
        self.assertEqual(self.api_forgot(
            self.browser(), "someone@example.org").status, 200)

    # --- reset ---

    def test_reset_through_the_mailed_link(self):
        name, old_password, email = self.user()
        secret, _ = self.portal.enable_totp(name)
        # A session from before the reset.
        signed_in = self.browser()
        self._sign_in_with_totp(signed_in, name, old_password, secret)
        self.assertEqual(signed_in.get("/profile").status, 200)

        self.assertEqual(self.forgot(self.browser(), email).status, 303)
        link = self.reset_link(email)
        b = self.browser()
        page = b.get(link)
        self.assertEqual(page.status, 200)
        self.assertIn('id="password-rules">Use 12 to 256 characters.',
                      page.text)
        self.assertIn('name="password"', page.text)
        self.assertSecurityHeaders(page)

        # A bad form does not use the link up.
        r = self.submit(b, link, "short")
        self.assertEqual(r.status, 422)
        self.assertIn('id="password-error"', r.text)
        r = self.submit(b, link, NEW, NEW + "x")
        self.assertEqual(r.status, 422)
        self.assertIn("The passwords do not match.", r.text)

        r = self.submit(b, link, NEW)
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"), "/login?notice=password_reset")
        self.assertIn("Your new password is set",
                      b.get("/login?notice=password_reset").text)

        # Every session ended: the cookie from before is refused.
        r = signed_in.get("/profile")
        self.assertEqual(r.status, 303)
        self.assertTrue(r.header("location").startswith("/login"))
        # The old password fails, the new one works, TOTP is still asked.
        # The account has TOTP, so the old password is asked for a code too
        # (the prompt says nothing about the password) and fails after it.
        stale = self.browser()
        r = stale.login(name, old_password)
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"), "/login/totp")
        r = stale.post_form("/login/totp", {
            "csrf": stale.csrf_for("/login/totp"), "code": "000000"})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"), "/login?notice=bad_code")
        self.assertNotIn("lk_session", stale.cookies)
        r = self.browser().login(name, NEW)
        self.assertEqual(r.status, 303)
        self.assertEqual(r.header("location"), "/login/totp")
        self.assertEqual(self.portal.query(
            "SELECT totp_secret_enc IS NOT NULL FROM users "
            f"WHERE username = '{name}'").strip(), "1")
        self.wait_for_mail(email, subject="Your password was changed")

        # The link is used now.
        r = self.browser().get(link)
        self.assertEqual(r.status, 409)
        self.assertIn("already used", r.text)
        self.assertIn('href="/forgot"', r.text)
        r = b.post_form("/reset", {"csrf": b.csrf_for("/forgot"),
                                   "token": link.split("token=", 1)[1],
                                   "password": NEW + "2", "confirm": NEW + "2"})
        self.assertEqual(r.status, 409)

    def _sign_in_with_totp(self, b, name, password, secret):
        r = b.login(name, password)
        self.assertEqual(r.header("location"), "/login/totp")
        page = b.get("/login/totp")
        r = b.post_form("/login/totp", {"csrf": page.csrf(),
                                        "code": lkharness.totp_code(secret)})
        self.assertEqual(r.status, 303, r)

    def test_a_reset_voids_the_other_links(self):
        name, _, email = self.user()
        self.forgot(self.browser(), email)
        first = self.reset_link(email)
        self.forgot(self.browser(), email)
        second = self.reset_link(email, count=2)
        self.assertNotEqual(first, second)
        self.assertEqual(self.submit(self.browser(), second, NEW).status, 303)
        r = self.browser().get(first)
        self.assertEqual(r.status, 409)
        self.assertIn("already used", r.text)

    def test_expired_link(self):
        name, _, email = self.user()
        self.forgot(self.browser(), email)
        link = self.reset_link(email)
        self.expire_tokens(name)
        r = self.browser().get(link)
        self.assertEqual(r.status, 409)
        self.assertIn("expired", r.text)
        b = self.browser()
        token = b.get("/api/v1/csrf").json()["csrf"]
        r = b.post_json("/api/v1/reset", {
            "token": link.split("token=", 1)[1], "password": NEW},
            csrf=token)
        self.assertEqual(r.status, 409)
        self.assertEqual(r.json()["error"], "token_expired")

    def test_invalid_link(self):
        b = self.browser()
        for path in ("/reset", "/reset?token=", "/reset?token=garbage"):
            r = b.get(path)
            self.assertEqual(r.status, 404, path)
            self.assertIn("not valid", r.text)
        r = b.post_form("/reset", {"csrf": b.csrf_for("/forgot"),
                                   "token": "garbage", "password": NEW,
                                   "confirm": NEW})
        self.assertEqual(r.status, 404)

    def test_api_reset(self):
        name, old_password, email = self.user()
        api = self.browser()
        token = api.get("/api/v1/csrf").json()["csrf"]
        r = api.post_json("/api/v1/login", {"login": name,
                                            "password": old_password},
                          csrf=token)
        self.assertEqual(r.status, 200)
        session_csrf = r.json()["csrf"]
        self.assertEqual(api.get("/api/v1/me").status, 200)

        self.assertEqual(self.api_forgot(self.browser(), email).status, 200)
        reset_token = self.reset_link(email).split("token=", 1)[1]
        b = self.browser()
        csrf = b.get("/api/v1/csrf").json()["csrf"]
        r = b.post_json("/api/v1/reset", {"token": reset_token,
                                          "password": "weak"}, csrf=csrf)
        self.assertEqual(r.status, 422)
        self.assertEqual(list(r.json()["fields"]), ["password"])
        r = b.post_json("/api/v1/reset", {"token": reset_token,
                                          "password": NEW,
                                          "confirm": NEW + "?"}, csrf=csrf)
        self.assertEqual(r.status, 422)
        self.assertEqual(list(r.json()["fields"]), ["confirm"])
        r = b.post_json("/api/v1/reset", {"password": NEW}, csrf=csrf)
        self.assertEqual(r.status, 422)
        self.assertEqual(r.json()["fields"], {"token": "required"})
        r = b.post_json("/api/v1/reset", {"token": reset_token,
                                          "password": NEW}, csrf=csrf)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"status": "password_changed"})
        r = b.post_json("/api/v1/reset", {"token": reset_token,
                                          "password": NEW}, csrf=csrf)
        self.assertEqual(r.status, 409)
        self.assertEqual(r.json()["error"], "token_used")
        r = b.post_json("/api/v1/reset", {"token": "x", "password": NEW},
                        csrf=csrf)
        self.assertEqual(r.status, 404)
        self.assertEqual(r.json()["error"], "token_invalid")

        # The API session from before is gone.
        r = api.get("/api/v1/me")
        self.assertEqual(r.status, 401)
        r = api.post_json("/api/v1/logout", {}, csrf=session_csrf)
        self.assertIn(r.status, (401, 403))
        fresh = self.browser()
        token = fresh.get("/api/v1/csrf").json()["csrf"]
        r = fresh.post_json("/api/v1/login", {"login": email,
                                              "password": NEW}, csrf=token)
        self.assertEqual(r.status, 200)

    def test_csrf(self):
        b = self.browser()
        b.csrf_for("/forgot")
        self.assertEqual(b.post_form("/forgot", {"email": "a@b.example"})
                         .status, 403)
        self.assertEqual(b.post_form("/forgot", {"email": "a@b.example",
                                                 "csrf": "x" * 40}).status,
                         403)
        self.assertEqual(b.post_form("/reset", {"token": "t", "password": NEW,
                                                "confirm": NEW}).status, 403)
        r = b.post_json("/api/v1/forgot", {"email": "a@b.example"})
        self.assertEqual(r.status, 403)
        self.assertEqual(r.json()["error"], "csrf")
        r = b.post_json("/api/v1/reset", {"token": "t", "password": NEW},
                        csrf="nope")
        self.assertEqual(r.status, 403)

    def test_wrong_method(self):
        b = self.browser()
        r = b.request("PUT", "/reset", b"")
        self.assertEqual(r.status, 405)
        r = b.request("DELETE", "/forgot")
        self.assertEqual(r.status, 405)
        r = b.get("/api/v1/forgot")
        self.assertEqual(r.status, 405)
        self.assertEqual(r.json()["error"], "method_not_allowed")
        r = b.get("/api/v1/reset")
        self.assertEqual(r.status, 405)


if __name__ == "__main__":
    unittest.main()
