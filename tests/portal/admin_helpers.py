"""Helpers for the admin-area tests: an admin account with TOTP, signed in
through the real pages (or the API), and the admin re-authentication
(password and code) that state-changing admin actions need. Stdlib only."""

import itertools
import os
import time

import lkharness
from account_helpers import api_csrf, page_csrf

ADMIN_PASSWORD = "admin passphrase long enough 9"
_names = itertools.count(1)


def unique_name(prefix="a"):
    return f"{prefix}{os.getpid() % 10000}x{next(_names)}"


class Admin:
    """An admin account on `portal`: role admin, TOTP enrolled (unless
    totp=False). sign_in() signs a Browser in through /login and
    /login/totp; reauth() opens the admin window through /admin/reauth
    with the password and a fresh code (code(): a code is accepted
    once)."""

    def __init__(self, portal, totp=True, name=None, password=ADMIN_PASSWORD):
        self.portal = portal
        self.name = name or unique_name("adm")
        self.password = password
        self.email = f"{self.name}@example.org"
        portal.add_user(self.name, self.email, password, "Ada Admin")
        r = portal.ctl("user", "set-role", self.name, "admin")
        if r.returncode != 0:
            raise RuntimeError(f"set-role {self.name}: {r.stderr}")
        self.secret = None
        self.last_step = 0
        if totp:
            self.secret, self.recovery_codes = portal.enable_totp(self.name)
        self.id = int(rows(portal, "SELECT id FROM users WHERE username = "
                           f"'{self.name}'")[0][0])

    def code(self):
        """A TOTP code of a step this admin has not used yet (a code is
        accepted once): this step's or the next, else it waits for the
        next step."""
        while True:
            now = time.time()
            step = int(now) // 30
            for s in (step, step + 1):
                # This step's code only with 3 s left, so it lands in time.
                if s > self.last_step and (s > step or now % 30 < 27):
                    self.last_step = s
                    return lkharness.totp_code(self.secret, at=s * 30)
            time.sleep((step + 1) * 30 - now + 0.2)

    def sign_in(self, b=None):
        """Signs a Browser in (a new one unless given); returns it."""
        b = b or self.portal.browser()
        r = b.login(self.name, self.password)
        if self.secret is None:
            assert r.status == 303 and r.header("location") != "/login/totp", r
            return b
        assert r.header("location") == "/login/totp", r
        r = b.post_form("/login/totp", {"csrf": page_csrf(b, "/login/totp"),
                                        "code": self.code()})
        assert r.status == 303, r
        return b

    def reauth(self, b, next_path="/admin"):
        """Opens the admin window of b's session through the form (while it
        is open, the form answers without using a code)."""
        window_open = "Changes allowed until" in b.get("/admin/reauth").text
        r = b.post_form("/admin/reauth", {
            "csrf": page_csrf(b, "/admin/reauth"), "password": self.password,
            "code": "000000" if window_open else self.code(),
            "next": next_path})
        assert r.status == 303, r
        return r

    def signed_in(self, reauth=True):
        """A Browser signed in, with the admin window open if `reauth`."""
        b = self.sign_in()
        if reauth:
            self.reauth(b)
        return b

    def api_sign_in(self, b=None):
        """Signs a Browser in through the API (password, then code);
        returns (browser, csrf token)."""
        b = b or self.portal.browser()
        pre = api_csrf(b)
        r = b.post_json("/api/v1/login", {"login": self.name,
                                          "password": self.password},
                        csrf=pre)
        assert r.status == 200, r
        csrf = r.json().get("csrf", pre)
        if self.secret is not None:
            assert r.json()["status"] == "totp_required", r.json()
            r = b.post_json("/api/v1/login/totp",
                            {"code": self.code()}, csrf=csrf)
            assert r.status == 200 and r.json()["status"] == "ok", r
            csrf = r.json()["csrf"]
        return b, csrf

    def api_reauth(self, b, csrf):
        r = b.post_json("/api/v1/admin/reauth", {
            "password": self.password, "code": self.code()},
            csrf=csrf)
        assert r.status == 200, r
        return r

    def close_window(self):
        """Moves every session's admin window 11 minutes into the past (the
        window is 10), as if the admin had re-authenticated long ago."""
        self.portal.query(
            "UPDATE sessions SET admin_reauth_at = UTC_TIMESTAMP(6) - "
            f"INTERVAL 11 MINUTE WHERE user_id = {self.id}")


def rows(portal, statement):
    """The rows of a query in the portal's database, each a list of
    strings (NULL reads "NULL")."""
    return [line.split("\t") for line in portal.query(statement).splitlines()]


def form_csrf(b, path):
    """The CSRF token from a page's form (admin pages carry one)."""
    return page_csrf(b, path)
