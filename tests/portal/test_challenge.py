"""The second-factor challenge and the portal's own keys (issue 9, section 6).

- The challenge is kept on the server: the lk_2fa cookie and the API's
  "challenge" carry a random id, nothing the browser can read.
- It is used up by the first code attempt, right or wrong.
- It is bound to the browser's pre-session cookie (lk_pre): another
  browser cannot use it, even with the right code.
- The portal's MACs (the pre-session CSRF token) are keyed from the portal's
  own key file, not from [security] secret_key_file that PAM hosts hold: a
  token made with the PAM hosts' key is refused.
"""

import base64
import hashlib
import hmac
import os
import unittest

import lkharness
import portalharness


def b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ChallengeTest(portalharness.PortalTestCase):

    def password_step(self, b, name, password):
        r = b.login(name, password)
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"), "/login/totp")
        self.assertIn("lk_2fa", b.cookies)
        return b.cookies["lk_2fa"]

    def test_the_challenge_reveals_nothing(self):
        name, password = self.new_user()
        self.portal.enable_totp(name)
        b = self.portal.browser()
        value = self.password_step(b, name, password)
        for part in value.split("."):
            try:
                decoded = b64url_decode(part)
            except ValueError:
                continue
            self.assertNotIn(name.encode(), decoded)
        self.assertNotIn(name, value)

    def test_a_wrong_code_uses_the_challenge_up(self):
        name, password = self.new_user()
        secret, _ = self.portal.enable_totp(name)
        b = self.portal.browser()
        value = self.password_step(b, name, password)
        bad = b.post_form("/login/totp", {"csrf": b.csrf_for("/login"),
                                          "code": "000000"})
        self.assertIn(bad.status, (401, 303), bad)
        self.assertNotIn("lk_session", b.cookies)
        # Even the right code, with the same challenge put back, fails now.
        b.cookies["lk_2fa"] = value
        r = b.post_form("/login/totp", {"csrf": b.csrf_for("/login"),
                                        "code": lkharness.totp_code(secret)})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"), "/login?notice=step_expired")
        self.assertNotIn("lk_session", b.cookies)

    def test_another_browser_cannot_use_the_challenge(self):
        name, password = self.new_user()
        secret, _ = self.portal.enable_totp(name)
        a = self.portal.browser()
        value = self.password_step(a, name, password)
        thief = self.portal.browser()
        token = thief.csrf_for("/login")  # thief's own lk_pre
        thief.cookies["lk_2fa"] = value
        r = thief.post_form("/login/totp", {"csrf": token,
                                            "code": lkharness.totp_code(secret)})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"), "/login?notice=step_expired")
        self.assertNotIn("lk_session", thief.cookies)

    def test_api_challenge_is_bound_to_its_browser_and_single_use(self):
        name, password = self.new_user()
        secret, _ = self.portal.enable_totp(name)
        b = self.portal.browser()
        token = b.get("/api/v1/csrf").json()["csrf"]
        r = b.post_json("/api/v1/login", {"login": name, "password": password},
                        csrf=token)
        self.assertEqual(r.json()["status"], "totp_required", r)
        challenge = r.json()["challenge"]
        other = self.portal.browser()
        other_token = other.get("/api/v1/csrf").json()["csrf"]
        r = other.post_json("/api/v1/login/totp",
                            {"code": lkharness.totp_code(secret),
                             "challenge": challenge},
                            csrf=other_token)
        self.assertEqual(r.status, 401, r)
        self.assertEqual(r.json()["error"], "step_expired")
        # Its own browser: the first attempt (wrong) uses it up.
        r = b.post_json("/api/v1/login/totp",
                        {"code": "000000", "challenge": challenge}, csrf=token)
        self.assertEqual(r.status, 401, r)
        r = b.post_json("/api/v1/login/totp",
                        {"code": lkharness.totp_code(secret),
                         "challenge": challenge},
                        csrf=token)
        self.assertEqual(r.status, 401, r)
        self.assertEqual(r.json()["error"], "step_expired")

    def test_csrf_token_made_with_the_pam_hosts_key_is_refused(self):
        with open(self.portal.key_file, "rb") as f:
            key = f.read()
        b = self.portal.browser()
        b.get("/login")
        pre = b.cookies["lk_pre"]
        subkey = hmac.new(key, b"latchkey:csrf-pre", hashlib.sha256).digest()
        forged = b64url(hmac.new(subkey, pre.encode(), hashlib.sha256).digest())
        r = b.post_form("/login", {"csrf": forged, "login": "nobody-here",
                                   "password": "whatever it is"})
        self.assertEqual(r.status, 403, r)



class PortalKeyTest(unittest.TestCase):
    """The portal will not start without a key of its own."""

    def start_fails(self, prepare):
        portal = portalharness.Portal(start=False)
        try:
            prepare(portal)
            with self.assertRaises(RuntimeError) as caught:
                portal.start()
            return str(caught.exception)
        finally:
            portal.close()

    def test_missing_portal_key(self):
        message = self.start_fails(lambda p: os.unlink(p.portal_key_file))
        self.assertIn("gen-key --portal", message)

    def test_the_pam_hosts_key_is_not_a_portal_key(self):
        def same_key(p):
            with open(p.key_file, "rb") as f:
                key = f.read()
            os.unlink(p.portal_key_file)
            fd = os.open(p.portal_key_file, os.O_WRONLY | os.O_CREAT, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(key)
        message = self.start_fails(same_key)
        self.assertIn("must hold another key", message)


if __name__ == "__main__":
    unittest.main()
