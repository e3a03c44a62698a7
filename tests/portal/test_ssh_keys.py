"""SSH public keys on the portal (issue 12, part "sshkeys"): the /ssh-keys
page and /api/v1/ssh-keys. Adding a key needs the password AND a code
again (a key gets past both at ssh); without them nothing is stored, and
the password-only window of /security is not enough. Removing needs the
session and CSRF only, and another user's key id is a 404. Keys are made
by ssh-keygen; fingerprints are compared with `ssh-keygen -lf`."""

import html
import shutil
import subprocess
import tempfile
import time
import unittest

import lkharness
import portalharness
from account_helpers import ApiAsserts, api_csrf, api_send, page_csrf
from admin_helpers import Admin

PASSWORD = "a long enough passphrase 7"


def keygen(directory, name, args):
    """(public key line, SHA256 fingerprint as ssh-keygen prints it)."""
    path = f"{directory}/{name}"
    subprocess.run(["ssh-keygen", "-q", "-N", "", "-C", f"{name}@test",
                    "-f", path] + args, check=True, stdin=subprocess.DEVNULL)
    with open(path + ".pub", encoding="ascii") as f:
        line = f.read().strip()
    listed = subprocess.run(["ssh-keygen", "-E", "sha256", "-lf",
                             path + ".pub"], check=True, capture_output=True,
                            text=True).stdout
    return line, listed.split()[1]


class Totp:
    """Codes for a secret, each step used once (a code is accepted once)."""

    def __init__(self, secret):
        self.secret = secret
        self.last_step = 0

    def code(self):
        while True:
            now = time.time()
            step = int(now) // 30
            for s in (step, step + 1):
                if s > self.last_step and (s > step or now % 30 < 27):
                    self.last_step = s
                    return lkharness.totp_code(self.secret, at=s * 30)
            time.sleep((step + 1) * 30 - now + 0.2)


class SshKeysTest(ApiAsserts, portalharness.SmtpPortalTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.keydir = tempfile.mkdtemp(prefix="lk-sshkeys-")
        cls.ed = keygen(cls.keydir, "ed", ["-t", "ed25519"])
        cls.ec = keygen(cls.keydir, "ec", ["-t", "ecdsa", "-b", "384"])
        cls.rsa2048 = keygen(cls.keydir, "r2048", ["-t", "rsa", "-b", "2048"])
        with open(f"{cls.keydir}/ed", encoding="ascii") as f:
            cls.ed_private = f.read()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.keydir, ignore_errors=True)
        super().tearDownClass()

    # --- helpers ---

    def user(self, totp=True):
        """(name, Totp or None, signed-in Browser)."""
        name, password = self.new_user(PASSWORD)
        t = None
        if totp:
            secret, _ = self.portal.enable_totp(name)
            t = Totp(secret)
        b = self.portal.browser()
        r = b.login(name, password)
        if t is not None:
            self.assertEqual(r.header("location"), "/login/totp", r)
            r = b.post_form("/login/totp", {
                "csrf": page_csrf(b, "/login/totp"), "code": t.code()})
        self.assertEqual(r.status, 303, r)
        return name, t, b

    def keys_of(self, name):
        out = self.portal.query(
            "SELECT k.id, k.fingerprint FROM ssh_keys k JOIN users u ON "
            f"u.id = k.user_id WHERE u.username = '{name}' ORDER BY k.id")
        return [tuple(l.split("\t")) for l in out.splitlines() if l.strip()]

    def add_form(self, b, fields):
        fields = dict(fields)
        fields["csrf"] = page_csrf(b, "/ssh-keys")
        return b.post_form("/ssh-keys", fields)

    # --- the page ---

    def test_page_adding_needs_password_and_code(self):
        name, t, b = self.user()
        page = b.get("/ssh-keys")
        self.assertEqual(page.status, 200, page)
        self.assertSecurityHeaders(page)
        self.assertIn('name="password"', page.text)
        self.assertIn('name="code"', page.text)
        self.assertIn("You have no SSH keys yet", page.text)
        line, fingerprint = self.ed

        # No re-authentication: refused, nothing stored.
        r = self.add_form(b, {"key": line})
        self.assertEqual(r.status, 403, r)
        self.assertIn("Enter your password and a code", r.text)
        # The password alone is not enough for an account with TOTP.
        r = self.add_form(b, {"key": line, "password": PASSWORD})
        self.assertEqual(r.status, 403, r)
        r = self.add_form(b, {"key": line, "password": PASSWORD,
                              "code": "000000"})
        self.assertEqual(r.status, 403, r)
        self.assertIn("The password or the code is not correct", r.text)
        self.assertEqual(self.keys_of(name), [])

        r = self.add_form(b, {"key": line, "password": PASSWORD,
                              "code": t.code(), "expires_at": "2099-01-01"})
        self.assertEqual(r.status, 422, r)  # more than 5 years ahead
        self.assertIn("at most 5 years", r.text)
        self.assertEqual(self.keys_of(name), [])
        # The window is open now: the next add needs neither.
        self.assertNotIn('name="code"', b.get("/ssh-keys").text)
        r = self.add_form(b, {"key": line})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"), "/ssh-keys?notice=ssh_key_added")
        keys = self.keys_of(name)
        self.assertEqual(len(keys), 1)
        self.assertEqual(keys[0][1], fingerprint)

        page = b.get("/ssh-keys")
        self.assertIn(fingerprint, html.unescape(page.text))
        self.assertIn("ssh-ed25519", page.text)
        self.assertIn("ed@test", page.text)
        self.assertIn("never expires", page.text)

        mail = self.wait_for_mail(f"{name}@example.org",
                                  "A new SSH key was added")
        body = lkharness.body_text(mail)
        self.assertIn(fingerprint, body)
        self.assertIn("If this was not you", body)
        audit = self.portal.query(
            "SELECT detail FROM auth_events WHERE event = 'ssh_key_added' "
            f"AND username_tried = '{name}'")
        self.assertIn(fingerprint, audit)

    def test_page_errors_per_field(self):
        name, t, b = self.user()
        r = self.add_form(b, {"key": self.rsa2048[0], "password": PASSWORD,
                              "code": t.code()})
        self.assertEqual(r.status, 422, r)
        self.assertIn('id="key-error"', r.text)
        self.assertIn("at least 3072 bits; this one has 2048", r.text)
        r = self.add_form(b, {"key": self.ed[0], "expires_at": "yesterday"})
        self.assertEqual(r.status, 422, r)
        self.assertIn('id="expires-error"', r.text)
        r = self.add_form(b, {"key": self.ed_private})
        self.assertEqual(r.status, 422, r)
        self.assertIn("That is a private key; paste the .pub file.", r.text)
        r = self.add_form(b, {"key": "command=\"/bin/sh\" " + self.ed[0]})
        self.assertEqual(r.status, 422, r)
        self.assertIn("options such as command=", html.unescape(r.text))
        r = self.add_form(b, {"key": self.ed[0],
                              "expires_at": "2020-01-01"})
        self.assertEqual(r.status, 422, r)
        self.assertIn("must be in the future", r.text)
        self.assertEqual(self.keys_of(name), [])

    def test_without_totp_the_password_suffices_and_the_page_says_so(self):
        name, _, b = self.user(totp=False)
        page = b.get("/ssh-keys")
        self.assertIn("Enrol TOTP for stronger protection", page.text)
        self.assertNotIn('name="code"', page.text)
        r = self.add_form(b, {"key": self.ec[0]})
        self.assertEqual(r.status, 403, r)
        r = self.add_form(b, {"key": self.ec[0], "password": "wrong one"})
        self.assertEqual(r.status, 403, r)
        self.assertIn("The password is not correct", r.text)
        self.assertEqual(self.keys_of(name), [])
        r = self.add_form(b, {"key": self.ec[0], "password": PASSWORD,
                              "expires_at": "2030-06-01"})
        self.assertEqual(r.status, 303, r)
        self.assertEqual([k[1] for k in self.keys_of(name)], [self.ec[1]])
        self.assertIn("2030-06-01", b.get("/ssh-keys").text)

    def test_page_remove_needs_csrf_and_own_key(self):
        name, t, b = self.user()
        r = self.add_form(b, {"key": self.ed[0], "password": PASSWORD,
                              "code": t.code()})
        self.assertEqual(r.status, 303, r)
        key_id = self.keys_of(name)[0][0]
        other, _, ob = self.user(totp=False)
        # Another user's key id: 404, the key stays.
        r = ob.post_form(f"/ssh-keys/{key_id}/remove",
                         {"csrf": page_csrf(ob, "/ssh-keys")})
        self.assertEqual(r.status, 404, r)
        # No CSRF token: refused.
        r = b.post_form(f"/ssh-keys/{key_id}/remove", {})
        self.assertEqual(r.status, 403, r)
        self.assertEqual(len(self.keys_of(name)), 1)
        r = b.post_form(f"/ssh-keys/{key_id}/remove",
                        {"csrf": page_csrf(b, "/ssh-keys")})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.keys_of(name), [])
        removed = self.portal.query(
            "SELECT detail FROM auth_events WHERE event = 'ssh_key_removed' "
            f"AND username_tried = '{name}'")
        self.assertIn(self.ed[1], removed)

    def test_security_page_links_here(self):
        _, _, b = self.user(totp=False)
        self.assertIn('href="/ssh-keys"', b.get("/security").text)

    def test_admin_user_page_lists_the_keys(self):
        name, _, b = self.user(totp=False)
        r = self.add_form(b, {"key": self.ec[0], "password": PASSWORD})
        self.assertEqual(r.status, 303, r)
        user_id = self.portal.query(
            f"SELECT id FROM users WHERE username = '{name}'").strip()
        admin = Admin(self.portal)
        ab = admin.sign_in()
        page = ab.get(f"/admin/users/{user_id}")
        self.assertEqual(page.status, 200, page)
        self.assertIn(self.ec[1], html.unescape(page.text))
        self.assertIn("ecdsa-sha2-nistp384", page.text)
        # Read-only: no form posts to a key there.
        self.assertNotIn("/ssh-keys/", page.text)

    # --- the API ---

    def api_user(self, totp=True):
        name, t, b = self.user(totp)
        return name, t, b, page_csrf(b, "/ssh-keys")

    def test_api_add_needs_password_and_code(self):
        name, t, b, csrf = self.api_user()
        line, fingerprint = self.ed
        r = api_send(b, "POST", "/api/v1/ssh-keys", {"key": line}, csrf)
        self.assertApiError(r, 403, "reauth_required")
        self.assertEqual(self.keys_of(name), [])
        # The /security password window (POST /api/v1/reauth) does not
        # open it: a key would then skip the code.
        r = api_send(b, "POST", "/api/v1/reauth", {"password": PASSWORD},
                     csrf)
        self.assertEqual(r.status, 200, r)
        r = api_send(b, "POST", "/api/v1/ssh-keys", {"key": line}, csrf)
        self.assertApiError(r, 403, "reauth_required")
        r = api_send(b, "POST", "/api/v1/ssh-keys",
                     {"key": line, "password": PASSWORD}, csrf)
        self.assertApiError(r, 403, "reauth_required")
        r = api_send(b, "POST", "/api/v1/ssh-keys",
                     {"key": line, "password": PASSWORD, "code": "000000"},
                     csrf)
        self.assertApiError(r, 403, "wrong_credentials")
        self.assertEqual(self.keys_of(name), [])

        r = api_send(b, "POST", "/api/v1/ssh-keys",
                     {"key": line, "password": PASSWORD, "code": t.code(),
                      "expires_at": int(time.time()) + 86400}, csrf)
        self.assertEqual(r.status, 201, r)
        body = r.json()
        self.assertEqual(body["fingerprint"], fingerprint)
        self.assertEqual(body["algorithm"], "ssh-ed25519")
        self.assertEqual(body["comment"], "ed@test")
        self.assertFalse(body["expired"])
        self.assertIsInstance(body["expires_at"], int)

        r = api_send(b, "GET", "/api/v1/ssh-keys")
        self.assertEqual(r.status, 200, r)
        self.assertEqual([k["fingerprint"] for k in r.json()["keys"]],
                         [fingerprint])
        # Duplicate: 409 (the window is open now).
        r = api_send(b, "POST", "/api/v1/ssh-keys", {"key": line}, csrf)
        self.assertApiError(r, 409, "duplicate")
        # Invalid: 422 with the field.
        r = api_send(b, "POST", "/api/v1/ssh-keys",
                     {"key": self.rsa2048[0]}, csrf)
        body = self.assertApiError(r, 422, "invalid")
        self.assertIn("3072", body["fields"]["key"])
        r = api_send(b, "POST", "/api/v1/ssh-keys",
                     {"key": self.ec[0], "expires_at": "not a date"}, csrf)
        body = self.assertApiError(r, 422, "invalid")
        self.assertIn("expires_at", body["fields"])
        r = api_send(b, "POST", "/api/v1/ssh-keys", {}, csrf)
        body = self.assertApiError(r, 422, "invalid")
        self.assertIn("key", body["fields"])
        self.assertEqual(len(self.keys_of(name)), 1)

    def test_api_delete_is_idor_safe(self):
        name, t, b, csrf = self.api_user()
        r = api_send(b, "POST", "/api/v1/ssh-keys",
                     {"key": self.ec[0], "password": PASSWORD,
                      "code": t.code()}, csrf)
        self.assertEqual(r.status, 201, r)
        key_id = r.json()["id"]
        other, _, ob, ocsrf = self.api_user(totp=False)
        r = api_send(ob, "DELETE", f"/api/v1/ssh-keys/{key_id}", csrf=ocsrf)
        self.assertApiError(r, 404, "not_found")
        r = api_send(ob, "GET", "/api/v1/ssh-keys")
        self.assertEqual(r.json()["keys"], [])
        self.assertEqual(len(self.keys_of(name)), 1)
        r = api_send(b, "DELETE", "/api/v1/ssh-keys/abc", csrf=csrf)
        self.assertApiError(r, 404, "not_found")
        # No CSRF header: refused.
        r = api_send(b, "DELETE", f"/api/v1/ssh-keys/{key_id}")
        self.assertEqual(r.status, 403, r)
        self.assertEqual(len(self.keys_of(name)), 1)
        r = api_send(b, "DELETE", f"/api/v1/ssh-keys/{key_id}", csrf=csrf)
        self.assertEqual(r.status, 204, r)
        self.assertEqual(self.keys_of(name), [])
        r = api_send(b, "DELETE", f"/api/v1/ssh-keys/{key_id}", csrf=csrf)
        self.assertApiError(r, 404, "not_found")

    def test_api_needs_a_session(self):
        b = self.portal.browser()
        r = api_send(b, "GET", "/api/v1/ssh-keys")
        self.assertEqual(r.status, 401, r)
        r = api_send(b, "POST", "/api/v1/ssh-keys", {"key": self.ed[0]},
                     api_csrf(b))
        self.assertEqual(r.status, 401, r)


if __name__ == "__main__":
    unittest.main()
