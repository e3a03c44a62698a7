"""The security page and its API: TOTP enrolment (inline SVG QR code, the
secret as text, confirmed by a code), recovery codes shown once and
regenerated after re-authentication, disabling TOTP with the password,
and the list of sessions with revoke."""

import html
import re
import unittest

import portalharness
from account_helpers import (ApiAsserts, api_csrf, api_login,
                             api_send, next_totp, page_csrf, totp_now)

FIREFOX = ("Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 "
           "Firefox/115.0")


def shown_secret(page):
    m = re.search(r'<code class="secret" id="totp-secret">([A-Z2-7 ]+)</code>',
                  page.text)
    assert m, page.text
    return m.group(1).replace(" ", "")


def hidden(page, name):
    m = re.search(rf'name="{name}" value="([^"]*)"', page.text)
    assert m, f"no hidden {name}"
    return html.unescape(m.group(1))


def recovery_codes(page):
    return re.findall(r"<li><code>([^<]+)</code></li>", page.text)


class SecurityTest(ApiAsserts, portalharness.SmtpPortalTestCase):

    def signed_in(self, name, password, user_agent=None, secret=None):
        """A browser signed in as `name` (with a TOTP code from `secret`
        when the account has TOTP)."""
        b = self.portal.browser(
            {"User-Agent": user_agent} if user_agent else None)
        r = b.login(name, password)
        self.assertEqual(r.status, 303, r)
        if secret is not None:
            self.assertEqual(r.header("location"), "/login/totp")
            r = b.post_form("/login/totp", {
                "csrf": page_csrf(b, "/login/totp"), "code": totp_now(secret)})
        self.assertEqual(r.header("location"), "/profile", r)
        return b

    def totp_on(self, name):
        return self.portal.query(
            "SELECT totp_secret_enc IS NOT NULL AND totp_secret_enc <> '' "
            f"FROM users WHERE username = '{name}'").strip() == "1"

    def enrol(self, b):
        """Runs the set-up through the pages; returns (secret, codes)."""
        page = b.post_form("/security/totp", {"csrf": page_csrf(b, "/security")})
        self.assertEqual(page.status, 200, page)
        secret = shown_secret(page)
        r = b.post_form("/security/totp/confirm", {
            "csrf": page.csrf(), "pending": hidden(page, "pending"),
            "secret": hidden(page, "secret"), "code": totp_now(secret)})
        self.assertEqual(r.status, 200, r)
        return secret, recovery_codes(r)

    # --- TOTP enrolment ---

    def test_enrol_with_qr_code_and_secret(self):
        name, password = self.new_user()
        b = self.signed_in(name, password)
        page = b.get("/security")
        self.assertEqual(page.status, 200)
        self.assertIn("Set up two-step sign-in", page.text)
        self.assertSecurityHeaders(page)

        setup = b.post_form("/security/totp",
                            {"csrf": page_csrf(b, "/security")})
        self.assertEqual(setup.status, 200, setup)
        # The QR code is inline SVG markup (no script, no data: URL).
        self.assertRegex(setup.text,
                         r'<div class="qr"><svg xmlns="http://www.w3.org/2000/'
                         r'svg" viewBox="0 0 \d+ \d+"[^>]*role="img"')
        self.assertIn('<path fill="#000" d="M', setup.text)
        self.assertNotIn("<!--latchkey:qr-->", setup.text)
        self.assertEqual(setup.header("content-security-policy").split(";")[0],
                         "default-src 'self'")
        secret = shown_secret(setup)
        self.assertEqual(len(secret), 32)  # 160-bit key
        self.assertEqual(hidden(setup, "secret"), secret)
        self.assertFalse(self.totp_on(name))  # nothing stored yet

        # A wrong code: the same set-up again, with the same QR and secret.
        wrong = b.post_form("/security/totp/confirm", {
            "csrf": setup.csrf(), "pending": hidden(setup, "pending"),
            "secret": secret, "code": "000000" if totp_now(secret) != "000000"
            else "111111"})
        self.assertEqual(wrong.status, 422, wrong)
        self.assertIn('id="code-error"', wrong.text)
        self.assertEqual(shown_secret(wrong), secret)
        self.assertIn("<svg", wrong.text)
        self.assertFalse(self.totp_on(name))

        done = b.post_form("/security/totp/confirm", {
            "csrf": setup.csrf(), "pending": hidden(wrong, "pending"),
            "secret": secret, "code": totp_now(secret)})
        self.assertEqual(done.status, 200, done)
        self.assertIn("Two-step sign-in is on.", done.text)
        codes = recovery_codes(done)
        self.assertEqual(len(codes), 10)
        self.assertEqual(len(set(codes)), 10)
        self.assertTrue(self.totp_on(name))
        self.wait_for_mail(f"{name}@example.org",
                           "Two-factor authentication turned on")
        # Shown once: the security page does not show them again.
        page = b.get("/security")
        for code in codes:
            self.assertNotIn(code, page.text)
        self.assertIn("10 left", page.text)

        # Signing in now asks for a code.
        fresh = self.portal.browser()
        r = fresh.login(name, password)
        self.assertEqual(r.header("location"), "/login/totp")
        r = fresh.post_form("/login/totp", {"csrf": page_csrf(fresh,
                                                              "/login/totp"),
                                            "code": next_totp(secret)})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"), "/profile")
        # A recovery code works once.
        other = self.portal.browser()
        other.login(name, password)
        r = other.post_form("/login/totp", {
            "csrf": page_csrf(other, "/login/totp"), "code": codes[0]})
        self.assertEqual(r.header("location"), "/profile", r)
        self.assertIn("9 left", b.get("/security").text)

        # Setting up again while on just goes back to the page.
        r = b.post_form("/security/totp", {"csrf": page_csrf(b, "/security")})
        self.assertEqual(r.status, 303)

    def test_expired_or_forged_setup_is_refused(self):
        name, password = self.new_user()
        b = self.signed_in(name, password)
        setup = b.post_form("/security/totp",
                            {"csrf": page_csrf(b, "/security")})
        secret = shown_secret(setup)
        pending = hidden(setup, "pending")
        forged = pending[:-4] + ("AAAA" if not pending.endswith("AAAA")
                                 else "BBBB")
        for bad in (forged, "", "x" * 600):
            r = b.post_form("/security/totp/confirm", {
                "csrf": setup.csrf(), "pending": bad, "secret": secret,
                "code": totp_now(secret)})
            self.assertEqual(r.status, 422, r)
            self.assertIn("expired", r.text)
        # Another user's set-up does not fit this account.
        name2, password2 = self.new_user()
        b2 = self.signed_in(name2, password2)
        r = b2.post_form("/security/totp/confirm", {
            "csrf": page_csrf(b2, "/security"), "pending": pending,
            "secret": secret, "code": totp_now(secret)})
        self.assertEqual(r.status, 422, r)
        self.assertFalse(self.totp_on(name2))
        self.assertFalse(self.totp_on(name))

    # --- recovery codes ---

    def test_new_recovery_codes_need_reauth(self):
        name, password = self.new_user()
        secret, old_codes = self.portal.enable_totp(name)
        b = self.signed_in(name, password, secret=secret)
        page = b.get("/security")
        self.assertIn('id="codes-password"', page.text)

        r = b.post_form("/security/recovery-codes", {"csrf": page.csrf()})
        self.assertEqual(r.status, 403, r)
        self.assertIn('id="codes-password-error"', r.text)
        r = b.post_form("/security/recovery-codes",
                        {"csrf": page.csrf(), "password": "not the one"})
        self.assertEqual(r.status, 403, r)
        self.assertIn("not correct", r.text)

        r = b.post_form("/security/recovery-codes",
                        {"csrf": page.csrf(), "password": password})
        self.assertEqual(r.status, 200, r)
        codes = recovery_codes(r)
        self.assertEqual(len(codes), 10)
        self.assertFalse(set(codes) & set(old_codes))
        self.wait_for_mail(f"{name}@example.org", "New recovery codes")

        # Within the window: no password asked.
        page = b.get("/security")
        self.assertNotIn('id="codes-password"', page.text)
        again = b.post_form("/security/recovery-codes", {"csrf": page.csrf()})
        self.assertEqual(again.status, 200, again)
        newest = recovery_codes(again)
        self.assertFalse(set(newest) & set(codes))

        # Old codes no longer sign in; the newest do.
        other = self.portal.browser()
        other.login(name, password)
        r = other.post_form("/login/totp", {
            "csrf": page_csrf(other, "/login/totp"), "code": codes[0]})
        # A wrong code uses the sign-in step up: sign in again.
        self.assertEqual(r.header("location"), "/login?notice=bad_code", r)
        other.login(name, password)
        r = other.post_form("/login/totp", {
            "csrf": page_csrf(other, "/login/totp"), "code": newest[0]})
        self.assertEqual(r.header("location"), "/profile", r)

    # --- disable ---

    def test_disable_needs_the_password(self):
        name, password = self.new_user()
        secret, _ = self.portal.enable_totp(name)
        b = self.signed_in(name, password, secret=secret)
        self.assertEqual(b.get("/security").status, 200)

        r = b.post_form("/security/totp/disable",
                        {"csrf": page_csrf(b, "/security")})
        self.assertEqual(r.status, 403, r)
        self.assertIn('id="disable-password-error"', r.text)
        r = b.post_form("/security/totp/disable",
                        {"csrf": page_csrf(b, "/security"),
                         "password": "wrong password"})
        self.assertEqual(r.status, 403, r)
        self.assertTrue(self.totp_on(name))

        # Even inside the re-auth window the password is asked again.
        r = b.post_form("/security/recovery-codes",
                        {"csrf": page_csrf(b, "/security"),
                         "password": password})
        self.assertEqual(r.status, 200)
        r = b.post_form("/security/totp/disable",
                        {"csrf": page_csrf(b, "/security")})
        self.assertEqual(r.status, 403, r)
        self.assertTrue(self.totp_on(name))

        r = b.post_form("/security/totp/disable",
                        {"csrf": page_csrf(b, "/security"),
                         "password": password})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"), "/security?notice=totp_disabled")
        self.assertFalse(self.totp_on(name))
        self.assertIn("Two-step sign-in is off.", b.get(r.header("location"))
                      .text)
        self.wait_for_mail(f"{name}@example.org",
                           "Two-factor authentication turned off")
        fresh = self.portal.browser()
        self.assertEqual(fresh.login(name, password).header("location"),
                         "/profile")

    def test_wrong_reauth_passwords_lock_like_logins(self):
        name, password = self.new_user()
        secret, _ = self.portal.enable_totp(name)
        b = self.signed_in(name, password, secret=secret)
        statuses = []
        for _ in range(6):
            r = b.post_form("/security/recovery-codes",
                            {"csrf": page_csrf(b, "/security"),
                             "password": "a wrong guess"})
            statuses.append(r.status)
        self.assertEqual(statuses[-1], 403)
        self.assertIn("temporarily locked", r.text)
        # Locked: even the right password is refused now.
        r = b.post_form("/security/recovery-codes",
                        {"csrf": page_csrf(b, "/security"),
                         "password": password})
        self.assertEqual(r.status, 403, r)
        self.assertIn("temporarily locked", r.text)

    # --- sessions ---

    def test_sessions_list_and_revoke(self):
        name, password = self.new_user()
        here = self.signed_in(name, password, FIREFOX)
        there = self.signed_in(name, password, "curl/8.0.1")
        page = here.get("/security")
        self.assertEqual(page.status, 200)
        self.assertEqual(page.text.count("/revoke\""), 2)
        self.assertEqual(page.text.count("This session"), 1)
        self.assertIn("Firefox on Linux", page.text)
        self.assertIn("curl", page.text)
        self.assertIn("127.0.0.1", page.text)
        self.assertIn("last seen", page.text)
        # Sessions of other users are not listed.
        other_name, other_password = self.new_user()
        stranger = self.signed_in(other_name, other_password)
        self.assertEqual(here.get("/security").text.count("/revoke\""), 2)

        handles = re.findall(r'action="/security/sessions/([0-9a-f]+)/revoke"',
                             page.text)
        self.assertEqual(len(handles), 2)
        mine = re.search(
            r'action="/security/sessions/([0-9a-f]+)/revoke"[^<]*'
            r'<input[^>]*>\s*<button[^>]*>Sign out', page.text).group(1)
        theirs = [h for h in handles if h != mine][0]

        # Another user cannot revoke it.
        r = stranger.post_form(f"/security/sessions/{theirs}/revoke",
                               {"csrf": page_csrf(stranger, "/security")})
        self.assertEqual(r.status, 404, r)
        self.assertEqual(there.get("/profile").status, 200)
        # Needs the CSRF token.
        r = here.post_form(f"/security/sessions/{theirs}/revoke", {})
        self.assertEqual(r.status, 403)
        self.assertEqual(there.get("/profile").status, 200)

        r = here.post_form(f"/security/sessions/{theirs}/revoke",
                           {"csrf": page.csrf()})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"),
                         "/security?notice=session_revoked")
        r = there.get("/profile")
        self.assertEqual(r.status, 303)
        self.assertTrue(r.header("location").startswith("/login"))
        self.assertEqual(here.get("/profile").status, 200)
        self.assertEqual(here.get("/security").text.count("/revoke\""), 1)
        # Gone already.
        r = here.post_form(f"/security/sessions/{theirs}/revoke",
                           {"csrf": page.csrf()})
        self.assertEqual(r.status, 404)

        # Revoking this session signs out.
        r = here.post_form(f"/security/sessions/{mine}/revoke",
                           {"csrf": page.csrf()})
        self.assertEqual(r.status, 303)
        self.assertTrue(r.header("location").startswith("/login"))
        self.assertEqual(here.get("/profile").status, 303)

    def test_sign_out_all_other_sessions(self):
        name, password = self.new_user()
        here = self.signed_in(name, password, FIREFOX)
        page = here.get("/security")
        # Alone: no button.
        self.assertNotIn("Sign out all other sessions", page.text)
        there = self.signed_in(name, password, "curl/8.0.1")
        also = self.signed_in(name, password, "curl/8.0.1")
        other_name, other_password = self.new_user()
        stranger = self.signed_in(other_name, other_password)
        page = here.get("/security")
        self.assertIn("Sign out all other sessions", page.text)
        # Times read relative, with the UTC time in the title.
        self.assertRegex(page.text,
                         r'last seen <time datetime="\d{4}-\d\d-\d\dT'
                         r'\d\d:\d\d:\d\dZ" title="\d{4}-\d\d-\d\d '
                         r'\d\d:\d\d UTC">just now</time>')
        # Needs the CSRF token.
        r = here.post_form("/security/sessions/others", {})
        self.assertEqual(r.status, 403)
        self.assertEqual(there.get("/profile").status, 200)

        r = here.post_form("/security/sessions/others", {"csrf": page.csrf()})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"),
                         "/security?notice=other_sessions_ended")
        for b in (there, also):
            self.assertEqual(b.get("/profile").status, 303)
        self.assertEqual(here.get("/profile").status, 200)
        self.assertEqual(stranger.get("/profile").status, 200)
        page = here.get("/security?notice=other_sessions_ended")
        self.assertIn("Every other session of your account has ended",
                      page.text)
        self.assertEqual(page.text.count("/revoke\""), 1)
        rows = self.portal.query(
            "SELECT detail FROM auth_events WHERE event = "
            f"'other_sessions_ended' AND username_tried = '{name}'")
        self.assertEqual(rows.strip(), "2 ended by the user")

    def test_api_end_other_sessions(self):
        name, password = self.new_user()
        b = self.portal.browser({"User-Agent": FIREFOX})
        csrf = api_login(b, name, password)
        c = self.portal.browser()
        api_login(c, name, password)
        self.assertApiError(
            api_send(b, "POST", "/api/v1/sessions/end-others"), 403, "csrf")
        r = api_send(b, "POST", "/api/v1/sessions/end-others", csrf=csrf)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"ended": 1})
        self.assertApiError(c.get("/api/v1/me"), 401, "unauthenticated")
        self.assertEqual(b.get("/api/v1/me").status, 200)
        r = api_send(b, "POST", "/api/v1/sessions/end-others", csrf=csrf)
        self.assertEqual(r.json(), {"ended": 0})

    # --- CSRF, methods, sessions ---

    def test_every_post_needs_the_csrf_token(self):
        name, password = self.new_user()
        secret, _ = self.portal.enable_totp(name)
        b = self.signed_in(name, password, secret=secret)
        pre = self.portal.browser().csrf_for("/login")
        for path, fields in (
                ("/security/totp", {}),
                ("/security/totp/confirm", {"pending": "x", "code": "1"}),
                ("/security/totp/disable", {"password": password}),
                ("/security/recovery-codes", {"password": password}),
                ("/security/sessions/0123456789abcdef/revoke", {})):
            for token in (None, "D" * 43, pre):
                body = dict(fields)
                if token is not None:
                    body["csrf"] = token
                r = b.post_form(path, body)
                self.assertEqual(r.status, 403, (path, token, r))
        self.assertTrue(self.totp_on(name))

    def test_wrong_methods_and_no_session(self):
        b = self.portal.browser()
        for method, path in (("PUT", "/security"), ("GET", "/security/totp"),
                             ("GET", "/security/totp/confirm"),
                             ("GET", "/security/totp/disable"),
                             ("GET", "/security/recovery-codes"),
                             ("GET", "/security/sessions/abc/revoke"),
                             ("GET", "/api/v1/totp/enrol"),
                             ("GET", "/api/v1/totp/confirm"),
                             ("DELETE", "/api/v1/totp/disable"),
                             ("GET", "/api/v1/recovery-codes"),
                             ("POST", "/api/v1/sessions"),
                             ("GET", "/api/v1/sessions/abc"),
                             ("GET", "/api/v1/reauth")):
            r = b.request(method, path)
            self.assertEqual(r.status, 405, (method, path, r))
            self.assertTrue(r.header("allow"))
        r = b.get("/security")
        self.assertEqual(r.status, 303)
        self.assertTrue(r.header("location").startswith("/login"))
        self.assertApiError(b.get("/api/v1/sessions"), 401, "unauthenticated")
        self.assertApiError(
            api_send(b, "POST", "/api/v1/totp/enrol", {}, csrf=api_csrf(b)),
            401, "unauthenticated")

    # --- API ---

    def test_api_totp_lifecycle(self):
        name, password = self.new_user()
        b = self.portal.browser()
        csrf = api_login(b, name, password)
        self.assertApiError(
            api_send(b, "POST", "/api/v1/totp/enrol", {}), 403, "csrf")
        r = api_send(b, "POST", "/api/v1/totp/enrol", {}, csrf=csrf)
        self.assertEqual(r.status, 200, r)
        setup = r.json()
        self.assertTrue(setup["qr_svg"].startswith("<svg "))
        self.assertTrue(setup["otpauth_uri"].startswith("otpauth://totp/"))
        self.assertIn(f"secret={setup['secret']}", setup["otpauth_uri"])
        self.assertFalse(self.totp_on(name))

        body = self.assertApiError(
            api_send(b, "POST", "/api/v1/totp/confirm",
                     {"pending": setup["pending"], "code": "12"}, csrf=csrf),
            422, "invalid")
        self.assertIn("code", body["fields"])
        body = self.assertApiError(
            api_send(b, "POST", "/api/v1/totp/confirm",
                     {"pending": "forged", "code": "123456"}, csrf=csrf),
            422, "setup_expired")
        self.assertIn("pending", body["fields"])
        self.assertApiError(
            api_send(b, "POST", "/api/v1/totp/confirm", {}, csrf=csrf),
            422, "invalid")
        r = api_send(b, "POST", "/api/v1/totp/confirm",
                     {"pending": setup["pending"],
                      "code": totp_now(setup["secret"])}, csrf=csrf)
        self.assertEqual(r.status, 200, r)
        codes = r.json()["recovery_codes"]
        self.assertEqual(len(codes), 10)
        self.assertTrue(self.totp_on(name))
        self.assertApiError(
            api_send(b, "POST", "/api/v1/totp/enrol", {}, csrf=csrf),
            409, "totp_enabled")

        # API sign-in now needs the code.
        c = self.portal.browser()
        r = c.post_json("/api/v1/login", {"login": name, "password": password},
                        csrf=api_csrf(c))
        self.assertEqual(r.json()["status"], "totp_required")

        # New recovery codes: re-auth first.
        self.assertApiError(
            api_send(b, "POST", "/api/v1/recovery-codes", {}, csrf=csrf),
            403, "reauth_required")
        r = api_send(b, "POST", "/api/v1/reauth", {"password": password},
                     csrf=csrf)
        self.assertEqual(r.status, 200, r)
        r = api_send(b, "POST", "/api/v1/recovery-codes", {}, csrf=csrf)
        self.assertEqual(r.status, 200, r)
        fresh = r.json()["recovery_codes"]
        self.assertEqual(len(fresh), 10)
        self.assertFalse(set(fresh) & set(codes))

        # Disable: the password, always.
        self.assertApiError(
            api_send(b, "POST", "/api/v1/totp/disable", {}, csrf=csrf),
            422, "invalid")
        body = self.assertApiError(
            api_send(b, "POST", "/api/v1/totp/disable",
                     {"password": "wrong password"}, csrf=csrf),
            403, "wrong_password")
        self.assertIn("password", body["fields"])
        self.assertTrue(self.totp_on(name))
        r = api_send(b, "POST", "/api/v1/totp/disable",
                     {"password": password}, csrf=csrf)
        self.assertEqual(r.status, 204, r)
        self.assertFalse(self.totp_on(name))
        self.assertApiError(
            api_send(b, "POST", "/api/v1/totp/disable",
                     {"password": password}, csrf=csrf), 409, "totp_disabled")
        self.assertApiError(
            api_send(b, "POST", "/api/v1/recovery-codes", {}, csrf=csrf),
            409, "totp_disabled")

    def test_api_sessions(self):
        name, password = self.new_user()
        b = self.portal.browser({"User-Agent": FIREFOX})
        csrf = api_login(b, name, password)
        c = self.portal.browser({"User-Agent": "curl/8.0.1"})
        c_csrf = api_login(c, name, password)
        r = b.get("/api/v1/sessions")
        self.assertEqual(r.status, 200, r)
        sessions = r.json()["sessions"]
        self.assertEqual(len(sessions), 2)
        current = [s for s in sessions if s["current"]]
        self.assertEqual(len(current), 1)
        self.assertEqual(current[0]["device"], "Firefox on Linux")
        other = [s for s in sessions if not s["current"]][0]
        self.assertEqual(other["device"], "curl")
        self.assertEqual(other["ip"], "127.0.0.1")
        for key in ("id", "user_agent", "created_at", "last_seen_at",
                    "expires_at"):
            self.assertIn(key, other)

        self.assertApiError(
            api_send(b, "DELETE", f"/api/v1/sessions/{other['id']}"),
            403, "csrf")
        self.assertApiError(
            api_send(b, "DELETE", "/api/v1/sessions/0000000000000000",
                     csrf=csrf), 404, "not_found")
        r = api_send(b, "DELETE", f"/api/v1/sessions/{other['id']}",
                     csrf=csrf)
        self.assertEqual(r.status, 204, r)
        self.assertApiError(c.get("/api/v1/me"), 401, "unauthenticated")
        self.assertEqual(len(b.get("/api/v1/sessions").json()["sessions"]), 1)
        self.assertIsNotNone(c_csrf)

        # Deleting the current session signs out.
        r = api_send(b, "DELETE", f"/api/v1/sessions/{current[0]['id']}",
                     csrf=csrf)
        self.assertEqual(r.status, 204, r)
        self.assertApiError(b.get("/api/v1/me"), 401, "unauthenticated")


if __name__ == "__main__":
    unittest.main()
