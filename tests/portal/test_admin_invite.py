"""HTTP tests of the admin area's invitations and reset links (issue 11,
part "invite") against a real portal, MariaDB and SMTP server: an
invitation end to end through the real mail (the invitee follows the
link, sets a password, signs in), used/expired/invalid invitation links,
duplicate username/email and reserved names, the reset mail and the
one-time reset link (works once, validity bounds, expires_at), the audit
rows naming the admin, the mails to every admin when the target is an
admin, unknown ids, and [portal] registration = invite / closed / open."""

import datetime
import html
import itertools
import os
import re
import unittest

import lkharness
import portalharness
from account_helpers import ApiAsserts, api_csrf, page_csrf
from admin_helpers import Admin, unique_name

NEW = "a brand new passphrase 2024"
NOTICE = "An administrator account was changed"
_ids = itertools.count(1)


def name():
    return f"i{os.getpid() % 10000}v{next(_ids)}"


class AdminInviteTest(portalharness.SmtpPortalTestCase, ApiAsserts):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = Admin(cls.portal)
        cls.b = cls.admin.signed_in()
        cls.api, cls.csrf = cls.admin.api_sign_in()
        cls.admin.api_reauth(cls.api, cls.csrf)

    def setUp(self):
        self.reopen()

    def reopen(self):
        """Keeps the admin window of both sessions open (it lasts 10
        minutes; the class runs longer, and a real re-authentication
        costs a fresh TOTP step)."""
        self.portal.query(
            "UPDATE sessions SET admin_reauth_at = UTC_TIMESTAMP(6), "
            "reauth_at = UTC_TIMESTAMP(6) WHERE user_id = "
            f"{self.user_id(self.admin.name)}")

    def user_id(self, username):
        return int(self.portal.query(
            f"SELECT id FROM users WHERE username = '{username}'").split()[0])

    def audit(self, event, username):
        """The (outcome, detail) rows of `event` for `username`."""
        out = self.portal.query(
            "SELECT outcome, detail FROM auth_events WHERE event = "
            f"'{event}' AND username_tried = '{username}' ORDER BY id")
        return [tuple(line.split("\t")) for line in out.splitlines()]

    def invite(self, username, email=None, roles=("user",), full_name="Ina Vited"):
        fields = [("csrf", page_csrf(self.b, "/admin/invite")),
                  ("return_to", "/admin/invite"),
                  ("full_name", full_name), ("username", username),
                  ("email", email or f"{username}@example.org")]
        fields += [("roles", r) for r in roles]
        return self.b.post_form("/admin/invite", fields)

    def accept(self, link, password=NEW, confirm=None):
        b = self.portal.browser()
        page = b.get(link)
        self.assertEqual(page.status, 200, page)
        token = link.split("token=", 1)[1]
        return b.post_form("/invite", {
            "csrf": page.csrf(), "token": token, "password": password,
            "confirm": password if confirm is None else confirm})

    # --- invitations ---

    def test_invitation_end_to_end(self):
        self.reopen()
        page = self.b.get("/admin/invite")
        self.assertEqual(page.status, 200, page)
        self.assertIn('name="username"', page.text)
        self.assertIn('type="checkbox" name="roles" value="admin"', page.text)
        n = name()
        email = f"{n}@example.org"
        r = self.invite(n, email)
        self.assertEqual(r.status, 303, r)
        uid = self.user_id(n)
        self.assertEqual(r.header("location"), f"/admin/invite?sent={uid}")
        done = self.b.get(r.header("location"))
        self.assertIn(f"Invitation sent to {email}", done.text)
        # Inactive, unverified, no usable password until accepted.
        self.assertEqual(self.portal.query(
            "SELECT is_active, email_verified_at IS NULL FROM users WHERE "
            f"id = {uid}").split(), ["0", "1"])
        self.assertEqual(self.audit("user_invited", n),
                         [("ok", f"by {self.admin.name}")])
        msg = self.wait_for_mail(email, subject="You are invited")
        link = self.mail_link(msg, "/invite")
        # A weak password is refused and does not use the link up.
        weak = self.accept(link, "short")
        self.assertEqual(weak.status, 422, weak)
        self.assertIn("field-error", weak.text)
        r = self.accept(link)
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"),
                         "/login?notice=invitation_accepted")
        self.assertEqual(self.portal.query(
            "SELECT is_active, email_verified_at IS NOT NULL FROM users "
            f"WHERE id = {uid}").split(), ["1", "1"])
        self.assertEqual(len(self.audit("invitation_accepted", n)), 1)
        # The invitee signs in with the new password.
        b = self.portal.browser()
        r = b.login(n, NEW)
        self.assertEqual(r.status, 303, r)
        self.assertNotIn("/login", r.header("location"))
        # The link works once.
        b2 = self.portal.browser()
        again = b2.get(link)
        self.assertEqual(again.status, 409, again)
        self.assertIn("already used", again.text)
        api = b2.post_json("/api/v1/invite", {
            "token": link.split("token=", 1)[1], "password": NEW},
            csrf=api_csrf(b2))
        self.assertApiError(api, 409, "token_used")

    def test_expired_and_invalid_invitation_links(self):
        self.reopen()
        n = name()
        self.assertEqual(self.invite(n).status, 303)
        link = self.mail_link(self.wait_for_mail(f"{n}@example.org",
                                                 subject="You are invited"),
                              "/invite")
        self.portal.query(
            "UPDATE tokens SET expires_at = UTC_TIMESTAMP(6) - INTERVAL 1 "
            f"MINUTE WHERE user_id = {self.user_id(n)}")
        b = self.portal.browser()
        r = b.get(link)
        self.assertEqual(r.status, 409, r)
        self.assertIn("This invitation has expired", r.text)
        r = b.get("/invite?token=nonsense")
        self.assertEqual(r.status, 404, r)
        self.assertIn("not valid", r.text)
        api = b.post_json("/api/v1/invite", {
            "token": link.split("token=", 1)[1], "password": NEW},
            csrf=api_csrf(b))
        self.assertApiError(api, 409, "token_expired")
        self.assertEqual(self.portal.query(
            f"SELECT is_active FROM users WHERE id = {self.user_id(n)}"
        ).strip(), "0")

    def test_resend_replaces_the_link(self):
        n = name()
        email = f"{n}@example.org"
        self.assertEqual(self.invite(n).status, 303)
        first = self.mail_link(self.wait_for_mail(email,
                                                  subject="You are invited"),
                               "/invite")
        uid = self.user_id(n)
        r = self.b.post_form(f"/admin/users/{uid}/resend-invitation", {
            "csrf": page_csrf(self.b, "/admin/invite")})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"),
                         f"/admin/users/{uid}?notice=invitation_resent")
        second = self.mail_link(self.wait_for_mail(
            email, subject="You are invited", count=2), "/invite")
        self.assertNotEqual(first, second)
        self.assertEqual(self.portal.browser().get(first).status, 409)
        self.assertEqual(self.audit("user_invited", n)[-1],
                         ("ok", f"again by {self.admin.name}"))
        self.assertEqual(self.accept(second).status, 303)
        r = self.api.post_json(
            f"/api/v1/admin/users/{uid}/resend-invitation", {},
            csrf=self.csrf)
        body = self.assertApiError(r, 409, "not_pending")
        self.assertIn("already accepted", body["message"])
        # Never invited: refused as well; unknown id: 404.
        other, _ = self.new_user()
        r = self.api.post_json(
            f"/api/v1/admin/users/{self.user_id(other)}/resend-invitation",
            {}, csrf=self.csrf)
        self.assertApiError(r, 409, "not_pending")
        r = self.api.post_json("/api/v1/admin/users/999999/resend-invitation",
                               {}, csrf=self.csrf)
        self.assertApiError(r, 404, "not_found")

    def test_invitation_refusals(self):
        self.reopen()
        taken, _ = self.new_user()
        r = self.invite(taken, f"other{next(_ids)}@example.org")
        self.assertEqual(r.status, 409, r)
        self.assertIn("already exists", r.text)
        self.assertIn('id="username-error"', r.text)
        r = self.invite(name(), f"{taken}@example.org")
        self.assertEqual(r.status, 409, r)
        self.assertIn("already exists", r.text)
        self.assertIn('id="email-error"', r.text)
        r = self.invite("root")
        self.assertEqual(r.status, 422, r)
        self.assertIn("reserved for a system account", r.text)
        self.assertIn('id="username-error"', r.text)
        r = self.invite(name(), "not an address")
        self.assertEqual(r.status, 422, r)
        self.assertIn('id="email-error"', r.text)
        r = self.invite(name(), roles=("nosuchrole",))
        self.assertEqual(r.status, 422, r)
        self.assertIn("No role named", r.text)
        # The API says the same.
        b, csrf = self.api, self.csrf
        r = b.post_json("/api/v1/admin/invitations",
                        {"username": taken, "email": "x@example.org"},
                        csrf=csrf)
        body = self.assertApiError(r, 409, "exists")
        self.assertIn("username", body["fields"])
        r = b.post_json("/api/v1/admin/invitations",
                        {"username": "admin", "email": "y@example.org"},
                        csrf=csrf)
        body = self.assertApiError(r, 422, "invalid")
        self.assertIn("reserved", body["fields"]["username"])
        r = b.post_json("/api/v1/admin/invitations",
                        {"username": name(), "email": "z@example.org",
                         "roles": "admin"}, csrf=csrf)
        body = self.assertApiError(r, 422, "invalid")
        self.assertIn("roles", body["fields"])
        r = b.post_json("/api/v1/admin/invitations", {"email": "q@example.org"},
                        csrf=csrf)
        self.assertApiError(r, 422, "invalid")

    def test_invitation_through_the_api(self):
        b, csrf = self.api, self.csrf
        n = name()
        r = b.post_json("/api/v1/admin/invitations", {
            "username": n, "email": f"{n.upper()}@Example.org",
            "full_name": "Api Invitee", "roles": ["user"]}, csrf=csrf)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json(), {"id": self.user_id(n), "username": n,
                                    "email": f"{n}@example.org",
                                    "status": "invited"})
        link = self.mail_link(self.wait_for_mail(f"{n}@example.org",
                                                 subject="You are invited"),
                              "/invite")
        anon = self.portal.browser()
        token = link.split("token=", 1)[1]
        r = anon.post_json("/api/v1/invite", {"token": token,
                                              "password": "short"},
                           csrf=api_csrf(anon))
        body = self.assertApiError(r, 422, "invalid")
        self.assertIn("password", body["fields"])
        r = anon.post_json("/api/v1/invite", {"token": token, "password": NEW},
                           csrf=api_csrf(anon))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"status": "invitation_accepted"})
        self.assertEqual(anon.login(n, NEW).status, 303)

    def test_invite_needs_the_admin_window(self):
        b = self.b
        csrf = page_csrf(b, "/admin/invite")
        self.portal.query(
            "UPDATE sessions SET admin_reauth_at = UTC_TIMESTAMP(6) - "
            "INTERVAL 11 MINUTE WHERE user_id = "
            f"{self.user_id(self.admin.name)}")
        n = name()
        r = b.post_form("/admin/invite", {
            "csrf": csrf, "username": n,
            "email": f"{n}@example.org", "roles": "user"})
        self.assertEqual(r.status, 403, r)
        self.assertEqual(self.portal.query(
            f"SELECT COUNT(*) FROM users WHERE username = '{n}'").strip(), "0")
        self.reopen()
        user = self.portal.browser()
        n, pw = self.new_user()
        user.login(n, pw)
        self.assertEqual(user.get("/admin/invite").status, 403)

    # --- reset mail and one-time reset link ---

    def test_reset_mail(self):
        self.reopen()
        n, _ = self.new_user()
        uid = self.user_id(n)
        r = self.b.post_form(f"/admin/users/{uid}/reset-mail", {
            "csrf": page_csrf(self.b, "/admin/invite"),
            "return_to": f"/admin/users/{uid}"})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"),
                         f"/admin/users/{uid}?notice=reset_mail_sent")
        msg = self.wait_for_mail(f"{n}@example.org",
                                 subject="Reset your password")
        link = self.mail_link(msg, "/reset")
        b = self.portal.browser()
        page = b.get(link)
        self.assertEqual(page.status, 200, page)
        self.assertEqual(self.audit("reset_mail_sent", n),
                         [("ok", f"by {self.admin.name}")])
        # The API: 202.
        api, csrf = self.api, self.csrf
        r = api.post_json(f"/api/v1/admin/users/{uid}/reset-mail", {},
                          csrf=csrf)
        self.assertEqual(r.status, 202, r)
        self.wait_for_mail(f"{n}@example.org", subject="Reset your password",
                           count=2)
        r = api.post_json("/api/v1/admin/users/999999/reset-mail", {},
                          csrf=csrf)
        self.assertApiError(r, 404, "not_found")
        # No admin notice for a user who is no admin.
        self.assertEqual([m for m in self.mails_to(self.admin.email, NOTICE)
                          if f'"{n}"' in lkharness.body_text(m)], [])

    def test_reset_link_page_shows_it_once_and_it_works_once(self):
        self.reopen()
        n, old = self.new_user()
        uid = self.user_id(n)
        r = self.b.post_form(f"/admin/users/{uid}/reset-link", {
            "csrf": page_csrf(self.b, "/admin/invite"),
            "return_to": f"/admin/users/{uid}", "valid": "2h"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.header("cache-control"), "no-store")
        self.assertIn("shown only this once", r.text)
        found = re.search(r'id="reset-url"[^>]*value="([^"]*)"', r.text)
        self.assertIsNotNone(found, r.text)
        url = html.unescape(found.group(1))
        self.assertTrue(url.startswith(
            f"{self.portal.base_url}/reset?token="), url)
        self.assertEqual(self.audit("reset_link_issued", n),
                         [("ok", f"valid 2h by {self.admin.name}")])
        token = url.split("token=", 1)[1]
        self.assertEqual(self.portal.query(
            "SELECT COUNT(*) FROM auth_events WHERE detail LIKE "
            f"'%{token}%'").strip(), "0")
        # Expires in 2 hours.
        left = int(self.portal.query(
            "SELECT TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), MAX(expires_at)) "
            f"FROM tokens WHERE user_id = {uid}").strip())
        self.assertTrue(7190 <= left <= 7200, left)
        path = url[len(self.portal.base_url):]
        b = self.portal.browser()
        page = b.get(path)
        self.assertEqual(page.status, 200, page)
        r = b.post_form("/reset", {"csrf": page.csrf(), "token": token,
                                   "password": NEW, "confirm": NEW})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.portal.browser().login(n, NEW).status, 303)
        again = self.portal.browser().get(path)
        self.assertEqual(again.status, 409, again)
        # Bad validity: the form again with the error.
        for bad in ("25h", "0", "-1h", "soon"):
            r = self.b.post_form(f"/admin/users/{uid}/reset-link", {
                "csrf": page_csrf(self.b, "/admin/invite"), "valid": bad})
            self.assertEqual(r.status, 422, (bad, r))
            self.assertIn('id="valid-error"', r.text)
        r = self.b.post_form("/admin/users/999999/reset-link", {
            "csrf": page_csrf(self.b, "/admin/invite"), "valid": "1h"})
        self.assertEqual(r.status, 404, r)
        r = self.b.post_form("/admin/users/abc/reset-mail", {
            "csrf": page_csrf(self.b, "/admin/invite")})
        self.assertEqual(r.status, 404, r)

    def test_reset_link_api(self):
        n, _ = self.new_user()
        uid = self.user_id(n)
        b, csrf = self.api, self.csrf
        before = datetime.datetime.now(datetime.timezone.utc)
        r = b.post_json(f"/api/v1/admin/users/{uid}/reset-link", {},
                        csrf=csrf)
        self.assertEqual(r.status, 201, r)
        body = r.json()
        self.assertEqual(set(body), {"url", "expires_at"})
        self.assertTrue(body["url"].startswith(
            f"{self.portal.base_url}/reset?token="), body)
        expires = datetime.datetime.fromisoformat(
            body["expires_at"].replace("Z", "+00:00"))
        delta = (expires - before).total_seconds()
        self.assertTrue(3590 <= delta <= 3610, delta)  # default 1 h
        self.assertEqual(self.audit("reset_link_issued", n)[-1],
                         ("ok", f"valid 1h by {self.admin.name}"))
        r = b.post_json(f"/api/v1/admin/users/{uid}/reset-link",
                        {"valid": "30m"}, csrf=csrf)
        self.assertEqual(r.status, 201, r)
        for bad in ("25h", "0s", "-5m", "often"):
            r = b.post_json(f"/api/v1/admin/users/{uid}/reset-link",
                            {"valid": bad}, csrf=csrf)
            body = self.assertApiError(r, 422, "invalid")
            self.assertIn("validity", body["fields"]["valid"])
        r = b.post_json(f"/api/v1/admin/users/{uid}/reset-link",
                        {"valid": 3600}, csrf=csrf)
        self.assertApiError(r, 422, "invalid")
        r = b.post_json("/api/v1/admin/users/999999/reset-link", {},
                        csrf=csrf)
        self.assertApiError(r, 404, "not_found")
        # A user cannot call it on anyone (IDOR).
        user = self.portal.browser()
        un, pw = self.new_user()
        r = user.post_json("/api/v1/login", {"login": un, "password": pw},
                           csrf=api_csrf(user))
        ucsrf = r.json()["csrf"]
        r = user.post_json(f"/api/v1/admin/users/{uid}/reset-link", {},
                           csrf=ucsrf)
        self.assertEqual(r.status, 403, r)

    def test_actions_on_an_admin_mail_every_admin(self):
        self.reopen()
        target = Admin(self.portal)
        uid = self.user_id(target.name)
        r = self.b.post_form(f"/admin/users/{uid}/reset-link", {
            "csrf": page_csrf(self.b, "/admin/invite"), "valid": "1h"})
        self.assertEqual(r.status, 201, r)
        r = self.b.post_form(f"/admin/users/{uid}/reset-mail", {
            "csrf": page_csrf(self.b, "/admin/invite")})
        self.assertEqual(r.status, 303, r)
        for admin in (self.admin, target):
            msg = self.wait_for_mail(admin.email, subject=NOTICE, count=2)
            self.assertIsNotNone(msg)
        texts = [lkharness.body_text(m)
                 for m in self.mails_to(self.admin.email, NOTICE)]
        self.assertTrue(any("one-time password reset link" in t
                            and target.name in t for t in texts), texts)
        self.assertTrue(any("password reset mail" in t for t in texts), texts)

    def test_a_deactivated_user_gets_no_link(self):
        self.reopen()
        n, _ = self.new_user()
        self.portal.ctl("user", "deactivate", n)
        uid = self.user_id(n)
        r = self.b.post_form(f"/admin/users/{uid}/reset-mail", {
            "csrf": page_csrf(self.b, "/admin/invite")})
        self.assertEqual(r.status, 409, r)
        self.assertIn("deactivated", r.text)


class RegistrationInviteTest(portalharness.PortalTestCase, ApiAsserts):
    portal_options = {"registration": "invite"}

    def test_register_refuses(self):
        b = self.portal.browser()
        r = b.get("/register")
        self.assertEqual(r.status, 403, r)
        self.assertIn("Accounts are by invitation only", r.text)
        self.assertNotIn('name="password"', r.text)
        r = b.post_form("/register", {
            "csrf": b.csrf_for("/login"), "full_name": "X",
            "username": unique_name("r"), "email": "r@example.org",
            "password": NEW, "confirm": NEW})
        self.assertEqual(r.status, 403, r)
        self.assertIn("Accounts are by invitation only", r.text)
        r = b.post_json("/api/v1/register", {
            "full_name": "X", "username": unique_name("r"),
            "email": "r2@example.org", "password": NEW}, csrf=api_csrf(b))
        body = self.assertApiError(r, 403, "invitation_only")
        self.assertIn("accounts are by invitation only", body["message"])
        self.assertEqual(self.portal.query(
            "SELECT COUNT(*) FROM users WHERE email LIKE 'r%@example.org'"
        ).strip(), "0")

    def test_invitations_still_create_accounts(self):
        admin = Admin(self.portal)
        b = admin.signed_in()
        n = name()
        r = b.post_form("/admin/invite", [
            ("csrf", page_csrf(b, "/admin/invite")), ("username", n),
            ("email", f"{n}@example.org"), ("roles", "user")])
        self.assertEqual(r.status, 303, r)


class RegistrationOpenTest(portalharness.PortalTestCase):
    portal_options = {"registration": "open"}

    def test_register_works(self):
        b = self.portal.browser()
        self.assertEqual(b.get("/register").status, 200)
        n = unique_name("o")
        r = b.post_form("/register", {
            "csrf": b.csrf_for("/register"), "full_name": "Open Reg",
            "username": n, "email": f"{n}@example.org",
            "password": NEW, "confirm": NEW})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.portal.query(
            f"SELECT COUNT(*) FROM users WHERE username = '{n}'").strip(), "1")


class RegistrationClosedTest(portalharness.PortalTestCase, ApiAsserts):
    portal_options = {"registration": "closed"}

    def test_register_closed(self):
        b = self.portal.browser()
        r = b.get("/register")
        self.assertEqual(r.status, 403, r)
        self.assertIn("Registration is closed", r.text)
        r = b.post_json("/api/v1/register", {
            "full_name": "X", "username": unique_name("c"),
            "email": "c@example.org", "password": NEW}, csrf=api_csrf(b))
        self.assertApiError(r, 403, "registration_closed")


if __name__ == "__main__":
    unittest.main()
