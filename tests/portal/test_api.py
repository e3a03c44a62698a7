"""The JSON API: /api/v1/csrf, login (+ TOTP), me, logout, error shape."""

import unittest

import lkharness
import portalharness


class ApiTest(portalharness.PortalTestCase):

    def assertApiError(self, r, status, code):
        self.assertEqual(r.status, status, r)
        self.assertEqual(r.header("content-type"), "application/json")
        body = r.json()
        self.assertEqual(set(body), {"error", "message", "fields"}, body)
        self.assertEqual(body["error"], code, body)
        self.assertIsInstance(body["message"], str)
        self.assertIsInstance(body["fields"], dict)
        return body

    def csrf(self, b):
        r = b.get("/api/v1/csrf")
        self.assertEqual(r.status, 200)
        return r.json()["csrf"]

    def test_login_me_logout(self):
        name, password = self.new_user(full_name="Grace Hopper")
        b = self.portal.browser()
        self.assertApiError(b.get("/api/v1/me"), 401, "unauthenticated")
        token = self.csrf(b)
        r = b.post_json("/api/v1/login", {"login": name, "password": password},
                        csrf=token)
        self.assertEqual(r.status, 200, r)
        body = r.json()
        self.assertEqual(body["status"], "ok")
        self.assertEqual(body["user"]["username"], name)
        self.assertNotIn("password_hash", body["user"])
        session_token = body["csrf"]
        self.assertNotEqual(session_token, token)
        self.assertIn("lk_session", b.cookies)

        me = b.get("/api/v1/me")
        self.assertEqual(me.status, 200)
        self.assertEqual(me.json()["full_name"], "Grace Hopper")
        self.assertEqual(me.json()["csrf"], session_token)
        self.assertSecurityHeaders(me)
        self.assertEqual(me.header("cache-control"), "no-store")

        # Logout needs the session's token.
        self.assertApiError(b.post_json("/api/v1/logout", {}, csrf=token),
                            403, "csrf")
        self.assertApiError(b.post_json("/api/v1/logout", {}), 403, "csrf")
        old = b.cookies["lk_session"]
        r = b.post_json("/api/v1/logout", {}, csrf=session_token)
        self.assertEqual(r.status, 204)
        self.assertEqual(r.body, b"")
        replay = self.portal.browser()
        replay.cookies["lk_session"] = old
        self.assertApiError(replay.get("/api/v1/me"), 401, "unauthenticated")

    def test_login_errors(self):
        name, password = self.new_user()
        b = self.portal.browser()
        token = self.csrf(b)
        self.assertApiError(b.post_json("/api/v1/login",
                                        {"login": name, "password": password}),
                            403, "csrf")
        wrong = self.assertApiError(
            b.post_json("/api/v1/login", {"login": name, "password": "nope"},
                        csrf=token), 401, "bad_credentials")
        unknown = self.assertApiError(
            b.post_json("/api/v1/login", {"login": "ghost", "password": "nope"},
                        csrf=token), 401, "bad_credentials")
        self.assertEqual(wrong, unknown)
        self.assertEqual(wrong["message"], "Incorrect username or password.")
        body = self.assertApiError(
            b.post_json("/api/v1/login", {"login": 5}, csrf=token),
            422, "invalid")
        self.assertEqual(set(body["fields"]), {"login", "password"})
        body = self.assertApiError(
            b.post_json("/api/v1/login", {"login": "", "password": None},
                        csrf=token), 422, "invalid")
        self.assertEqual(body["fields"],
                         {"login": "required", "password": "required"})
        body = self.assertApiError(
            b.post_json("/api/v1/login/totp", {"code": 7}, csrf=token),
            422, "invalid")
        self.assertEqual(body["fields"], {"code": "must be a string"})
        body = self.assertApiError(
            b.post_json("/api/v1/login/totp", {}, csrf=token), 422, "invalid")
        self.assertEqual(body["fields"], {"code": "required"})
        r = b.request("POST", "/api/v1/login", b"{not json",
                      {"Content-Type": "application/json",
                       "X-CSRF-Token": token})
        self.assertApiError(r, 400, "bad_json")

    def test_locked(self):
        name, password = self.new_user()
        self.assertEqual(self.portal.ctl("user", "lock", name).returncode, 0)
        b = self.portal.browser()
        body = self.assertApiError(
            b.post_json("/api/v1/login", {"login": name, "password": password},
                        csrf=self.csrf(b)), 403, "locked")
        self.assertIn("temporarily locked", body["message"])

    def test_totp(self):
        name, password = self.new_user()
        secret, _ = self.portal.enable_totp(name)
        b = self.portal.browser()
        token = self.csrf(b)
        r = b.post_json("/api/v1/login", {"login": name, "password": password},
                        csrf=token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["status"], "totp_required")
        challenge = r.json()["challenge"]
        self.assertNotIn("lk_session", b.cookies)
        # The challenge is bound to this client's pre-session cookie
        # (lk_pre): another client cannot use it, and its attempt does not
        # use it up.
        other = self.portal.browser()
        other_token = self.csrf(other)
        self.assertApiError(other.post_json(
            "/api/v1/login/totp", {"code": lkharness.totp_code(secret),
                                   "challenge": challenge},
            csrf=other_token), 401, "step_expired")
        self.assertApiError(b.post_json(
            "/api/v1/login/totp", {"code": "000000", "challenge": "forged"},
            csrf=token), 401, "step_expired")
        # The challenge in the body (the lk_2fa cookie is dropped here).
        b.cookies.pop("lk_2fa", None)
        r = b.post_json("/api/v1/login/totp",
                        {"code": lkharness.totp_code(secret),
                         "challenge": challenge},
                        csrf=token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["user"]["username"], name)
        self.assertTrue(r.json()["user"]["totp_enabled"])
        self.assertEqual(b.get("/api/v1/me").status, 200)
        # A wrong code uses a challenge up.
        b2 = self.portal.browser()
        token2 = self.csrf(b2)
        r = b2.post_json("/api/v1/login", {"login": name, "password": password},
                         csrf=token2)
        challenge2 = r.json()["challenge"]
        self.assertApiError(b2.post_json(
            "/api/v1/login/totp", {"code": "000000", "challenge": challenge2},
            csrf=token2), 401, "bad_code")
        self.assertApiError(b2.post_json(
            "/api/v1/login/totp", {"code": "000000", "challenge": challenge2},
            csrf=token2), 401, "step_expired")


if __name__ == "__main__":
    unittest.main()
