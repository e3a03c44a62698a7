"""Sign-in pages end to end: /login, /login/totp, /logout, /profile, /."""

import threading
import unittest

import lkharness
import portalharness



class LoginTest(portalharness.PortalTestCase):

    def test_login_sets_a_fresh_http_only_lax_cookie(self):
        name, password = self.new_user()
        b = self.portal.browser()
        r = b.login(name, password)
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"), "/profile")
        cookies = [portalharness.parse_set_cookie(v)
                   for v in r.all("set-cookie")]
        session = [c for c in cookies if c[0] == "lk_session"]
        self.assertEqual(len(session), 1, cookies)
        _, value, attrs = session[0]
        self.assertEqual(len(value), 43)
        self.assertIn("httponly", attrs)
        self.assertEqual(attrs.get("samesite"), "Lax")
        self.assertEqual(attrs.get("path"), "/")
        self.assertNotIn("secure", attrs)  # plain HTTP
        self.assertSecurityHeaders(r)
        # The sign-in is recorded as the account's last login.
        self.assertEqual(self.portal.query(
            f"SELECT last_login_at IS NOT NULL AND last_login_at > NOW() - "
            f"INTERVAL 1 MINUTE FROM users WHERE username = '{name}'"
        ).strip(), "1")
        # Only the hash is stored.
        stored = self.portal.query("SELECT COUNT(*) FROM sessions")
        self.assertGreaterEqual(int(stored), 1)
        self.assertEqual(self.portal.query(
            f"SELECT COUNT(*) FROM sessions WHERE id_sha256 = '{value}'"
        ).strip(), "0")

        # A second login in the same browser gets a new id; the old one dies.
        first = b.cookies["lk_session"]
        token = b.get("/profile").csrf()  # /login redirects when signed in
        r = b.post_form("/login", {"csrf": token, "login": name,
                                   "password": password})
        self.assertEqual(r.status, 303)
        self.assertNotEqual(b.cookies["lk_session"], first)
        old = self.portal.browser()
        old.cookies["lk_session"] = first
        self.assertEqual(old.get("/profile").status, 303)

    def test_profile_shows_the_user_and_needs_a_session(self):
        name, password = self.new_user(full_name="Ada Lovelace")
        anon = self.portal.browser()
        r = anon.get("/profile")
        self.assertEqual(r.status, 303)
        self.assertTrue(r.header("location").startswith("/login"))
        self.assertEqual(anon.get("/").header("location"), "/login")
        b = self.portal.browser()
        b.login(name, password)
        r = b.get("/profile")
        self.assertEqual(r.status, 200)
        self.assertIn("Ada Lovelace", r.text)
        self.assertIn(name, r.text)
        self.assertIn(f"{name}@example.org", r.text)
        self.assertEqual(r.header("cache-control"), "no-store")
        self.assertSecurityHeaders(r)
        self.assertEqual(b.get("/").header("location"), "/profile")
        self.assertEqual(b.get("/login").header("location"), "/profile")

    def test_full_name_is_escaped(self):
        evil = "<script>alert(\"x\")</script> & 'co'"
        name, password = self.new_user(full_name=evil)
        b = self.portal.browser()
        b.login(name, password)
        r = b.get("/profile")
        self.assertEqual(r.status, 200)
        self.assertNotIn("<script>alert", r.text)
        self.assertIn("&lt;script&gt;alert(&quot;x&quot;)&lt;&#47;script&gt; "
                      "&amp; &#39;co&#39;", r.text)

    def test_wrong_password_and_unknown_user_read_the_same(self):
        name, _ = self.new_user()
        b = self.portal.browser()
        wrong = b.login(name, "not the password at all")
        unknown = b.login("nobody-like-this", "not the password at all")
        for r in (wrong, unknown):
            self.assertEqual(r.status, 401, r)
            self.assertIn("Incorrect username or password.", r.text)
            self.assertNotIn("lk_session", b.cookies)
        strip = lambda t: t.replace(name, "X").replace("nobody-like-this", "X")
        self.assertEqual(strip(wrong.text).replace(wrong.csrf(), ""),
                         strip(unknown.text).replace(unknown.csrf(), ""))
        # The typed login is kept (escaped), the password is not.
        self.assertIn(f'value="{name}"', wrong.text)
        self.assertNotIn("not the password at all", wrong.text)

    def test_padded_or_changed_names_do_not_sign_in(self):
        # MariaDB's PAD SPACE collations compare "name " equal to "name": a
        # login must name the account exactly.
        name, password = self.new_user()
        for tried in (name + " ", name + "  ", " " + name, name + "\t",
                      name.upper(), name + "\x01"):
            b = self.portal.browser()
            r = b.login(tried, password)
            self.assertEqual(r.status, 401, (tried, r))
            self.assertNotIn("lk_session", b.cookies)
            token = b.get("/api/v1/csrf").json()["csrf"]
            r = b.post_json("/api/v1/login", {"login": tried,
                                              "password": password},
                            csrf=token)
            self.assertEqual(r.status, 401, (tried, r))
            self.assertNotIn("lk_session", b.cookies)
        self.assertEqual(self.portal.browser().login(name, password).status,
                         303)

    def test_concurrent_sign_ins_of_one_account_all_succeed(self):
        # Each sign-in records last_login_at and inserts a session in one
        # transaction; taken in the wrong order those locks deadlock.
        name, password = self.new_user()
        browsers = [self.portal.browser() for _ in range(12)]
        tokens = [b.csrf_for("/login") for b in browsers]
        statuses = []

        def sign_in(b, token):
            r = b.post_form("/login", {"csrf": token, "login": name,
                                       "password": password})
            statuses.append(r.status)

        threads = [threading.Thread(target=sign_in, args=(b, t))
                   for b, t in zip(browsers, tokens)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(statuses, [303] * 12)
        self.assertEqual(self.portal.query(
            "SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = "
            f"s.user_id WHERE u.username = '{name}'").strip(), "12")

    def test_login_by_email(self):
        name, password = self.new_user()
        r = self.portal.browser().login(f"{name.upper()}@EXAMPLE.ORG", password)
        self.assertEqual(r.status, 303, r)

    def test_missing_fields_are_reported_per_field(self):
        b = self.portal.browser()
        token = b.csrf_for("/login")
        r = b.post_form("/login", {"csrf": token, "login": "", "password": ""})
        self.assertEqual(r.status, 422)
        self.assertIn('aria-describedby="login-error"', r.text)
        self.assertIn('id="login-error"', r.text)
        self.assertIn('id="password-error"', r.text)

    def test_locked_account_says_locked_whatever_the_password(self):
        name, password = self.new_user()
        b = self.portal.browser()
        for _ in range(5):
            self.assertEqual(b.login(name, "wrong wrong wrong wrong").status,
                             401)
        right = b.login(name, password)
        wrong = b.login(name, "wrong wrong wrong wrong")
        for r in (right, wrong):
            self.assertEqual(r.status, 403, r)
            self.assertIn("temporarily locked", r.text)
            self.assertNotIn("Incorrect", r.text)
        self.assertNotIn("lk_session", b.cookies)
        self.assertEqual(right.text.replace(right.csrf(), ""),
                         wrong.text.replace(wrong.csrf(), ""))

    def test_unknown_name_locks_and_reads_like_a_locked_account(self):
        # "temporarily locked" must not tell a real name from one nobody
        # has: both lock after the same failures and read the same.
        name, _ = self.new_user()
        ghost = "ghost" + name
        b = self.portal.browser()
        seen = {name: [], ghost: []}
        for _ in range(6):
            for who in (name, ghost):
                seen[who].append(b.login(who, "wrong wrong wrong").status)
        self.assertEqual(seen[name], [401] * 5 + [403])
        self.assertEqual(seen[ghost], seen[name])
        known = b.login(name, "wrong wrong wrong")
        unknown = b.login(ghost, "wrong wrong wrong")
        strip = lambda r: r.text.replace(r.csrf(), "").replace(
            ghost, "X").replace(name, "X")
        self.assertIn("temporarily locked", known.text)
        self.assertEqual(strip(known), strip(unknown))

    def test_totp_code_step_follows_a_wrong_password_too(self):
        name, password = self.new_user()
        secret, _ = self.portal.enable_totp(name)
        b = self.portal.browser()
        r = b.login(name, "not the password at all")
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"), "/login/totp")
        code = lkharness.totp_code(secret)
        bad = b.post_form("/login/totp", {"csrf": b.csrf_for("/login/totp"),
                                          "code": code})
        # The same answer as a wrong code after a right password.
        self.assertEqual(bad.status, 303, bad)
        self.assertEqual(bad.header("location"), "/login?notice=bad_code")
        self.assertNotIn("lk_session", b.cookies)
        # The code was not used up by the failed attempt.
        b2 = self.portal.browser()
        self.assertEqual(b2.login(name, password).header("location"),
                         "/login/totp")
        ok = b2.post_form("/login/totp", {"csrf": b2.csrf_for("/login/totp"),
                                          "code": code})
        self.assertEqual(ok.status, 303, ok)

    def test_totp_step(self):
        name, password = self.new_user()
        secret, recovery = self.portal.enable_totp(name)
        b = self.portal.browser()
        r = b.login(name, password)
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"), "/login/totp")
        self.assertNotIn("lk_session", b.cookies)
        challenge = [portalharness.parse_set_cookie(v)
                     for v in r.all("set-cookie") if v.startswith("lk_2fa=")]
        self.assertEqual(len(challenge), 1)
        self.assertIn("httponly", challenge[0][2])
        self.assertEqual(challenge[0][2].get("max-age"), "300")

        page = b.get("/login/totp")
        self.assertEqual(page.status, 200)
        # A wrong code uses the challenge up: back to the password step.
        bad = b.post_form("/login/totp", {"csrf": page.csrf(), "code": "000000"})
        self.assertEqual(bad.status, 303, bad)
        self.assertEqual(bad.header("location"), "/login?notice=bad_code")
        self.assertNotIn("lk_session", b.cookies)
        self.assertNotIn("lk_2fa", b.cookies)
        self.assertIn("That password or code is not correct",
                      b.get("/login?notice=bad_code").text)

        self.assertEqual(b.login(name, password).header("location"),
                         "/login/totp")
        ok = b.post_form("/login/totp", {"csrf": b.csrf_for("/login/totp"),
                                         "code": lkharness.totp_code(secret)})
        self.assertEqual(ok.status, 303, ok)
        self.assertEqual(ok.header("location"), "/profile")
        self.assertIn("lk_session", b.cookies)
        self.assertNotIn("lk_2fa", b.cookies)
        self.assertEqual(b.get("/profile").status, 200)

        # A recovery code works as the second step too.
        b2 = self.portal.browser()
        self.assertEqual(b2.login(name, password).header("location"),
                         "/login/totp")
        r = b2.post_form("/login/totp", {"csrf": b2.csrf_for("/login/totp"),
                                         "code": recovery[0]})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(b2.get("/profile").status, 200)

    def test_totp_step_without_challenge_goes_back_to_login(self):
        b = self.portal.browser()
        self.assertEqual(b.get("/login/totp").header("location"), "/login")
        token = b.csrf_for("/login")
        r = b.post_form("/login/totp", {"csrf": token, "code": "123456"})
        self.assertEqual(r.status, 303)
        self.assertTrue(r.header("location").startswith("/login"))
        b.cookies["lk_2fa"] = "forged.challenge"
        r = b.post_form("/login/totp", {"csrf": token, "code": "123456"})
        self.assertEqual(r.status, 303)
        self.assertEqual(r.header("location"), "/login?notice=step_expired")
        self.assertIn("expired", b.get("/login?notice=step_expired").text)

    def test_logout_ends_the_session_on_the_server(self):
        name, password = self.new_user()
        b = self.portal.browser()
        b.login(name, password)
        cookie = b.cookies["lk_session"]
        profile = b.get("/profile")
        r = b.post_form("/logout", {"csrf": profile.csrf()})
        self.assertEqual(r.status, 303)
        self.assertEqual(r.header("location"), "/login?notice=signed_out")
        self.assertNotIn("lk_session", b.cookies)
        # Replaying the old cookie is refused.
        thief = self.portal.browser()
        thief.cookies["lk_session"] = cookie
        self.assertEqual(thief.get("/profile").status, 303)
        self.assertIn("You have signed out.",
                      b.get("/login?notice=signed_out").text)

    def test_notice_text_comes_only_from_the_table(self):
        r = self.portal.browser().get("/login?notice=%3Cscript%3Ex")
        self.assertEqual(r.status, 200)
        self.assertNotIn("<script>x", r.text)
        self.assertNotIn('class="notice"', r.text)

    def test_throttled_address_waits_the_core_address_window(self):
        # Retry-After comes from the core's outcome: the address window
        # ([lockout] ip_window, 15 minutes by default, an upper bound), on
        # the page and in the API alike.
        address = "198.51.100.77"
        b = self.portal.browser({"X-Forwarded-For": address})
        failures = 0
        while failures < 50:  # [lockout] ip_max_failures, the default
            csrf = b.get("/api/v1/csrf").json()["csrf"]
            r = b.post_json("/api/v1/login",
                            {"login": f"nobody{failures // 4}",
                             "password": "not the password"}, csrf=csrf)
            self.assertIn(r.status, (401, 403), r)
            failures += 1
        csrf = b.get("/api/v1/csrf").json()["csrf"]
        r = b.post_json("/api/v1/login", {"login": "nobody-else",
                                          "password": "x"}, csrf=csrf)
        self.assertEqual(r.status, 429, r)
        self.assertEqual(r.json()["error"], "throttled")
        self.assertEqual(r.header("retry-after"), "900")
        page = b.login("nobody-else", "x")
        self.assertEqual(page.status, 429)
        self.assertEqual(page.header("retry-after"), "900")


if __name__ == "__main__":
    unittest.main()
