"""The admin area's user page and the actions on it (issue 11, part
"actions"): GET /admin/users/{id} and its forms, and the same through
/api/v1/admin/users/{id}. Every action works and is audited naming the
admin; refused without CSRF, for a plain user (IDOR), on oneself, on the
last standing admin, for an unknown id and for bad input. A deactivated
user cannot sign in; a role change aimed at an admin mails every admin."""

import email
import json
import os
import time
import unittest

from admin_helpers import Admin, form_csrf
from portalharness import PortalTestCase


class AdminActionsCase(PortalTestCase):
    def target(self, totp=False, verified=True):
        """A plain user: (name, id)."""
        name, _ = self.new_user()
        if totp:
            self.portal.enable_totp(name)
        if not verified:
            self.portal.query("UPDATE users SET email_verified_at = NULL "
                            f"WHERE username = '{name}'")
        return name, self.uid(name)

    def rows(self, statement):
        """The result rows, each a list of column texts."""
        return [line.split("\t")
                for line in self.portal.query(statement).splitlines()]

    def uid(self, name):
        return int(self.rows(
            f"SELECT id FROM users WHERE username = '{name}'")[0][0])

    def row(self, user_id, columns):
        rows = self.rows(f"SELECT {columns} FROM users WHERE id = {user_id}")
        return rows[0] if rows else None

    def audited(self, event, name):
        """The newest detail of `event` for user `name`, or None."""
        rows = self.rows(
            "SELECT detail FROM auth_events WHERE event = "
            f"'{event}' AND username_tried = '{name}' ORDER BY id DESC "
            "LIMIT 1")
        return rows[0][0] if rows else None

    def act(self, b, user_id, action, fields=None):
        page = f"/admin/users/{user_id}"
        data = {"csrf": form_csrf(b, page), "return_to": page}
        data.update(fields or {})
        return b.post_form(f"{page}/{action}", data)

    def assertDone(self, r, user_id, notice):
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"),
                         f"/admin/users/{user_id}?notice={notice}")

    def api(self, b, csrf, method, path, value=None):
        body = json.dumps(value if value is not None else {}).encode()
        return b.request(method, path, body, {
            "Content-Type": "application/json", "X-CSRF-Token": csrf})


class UserPageTest(AdminActionsCase):
    def test_the_page_shows_the_account(self):
        admin = Admin(self.portal)
        b = admin.signed_in()
        name, user_id = self.target(totp=True)
        r = b.get(f"/admin/users/{user_id}")
        self.assertEqual(r.status, 200, r)
        text = r.text
        self.assertIn(name, text)
        self.assertIn(f"{name}@example.org", text)
        self.assertIn("none yet", text)  # no uid from nss-sync yet
        self.assertIn("recovery codes left", text)
        self.assertIn("<h2>Password reset</h2>", text)
        self.assertIn(f'action="/admin/users/{user_id}/deactivate"', text)
        self.assertIn("login_success", b.get(
            f"/admin/users/{admin.id}").text)

    def test_unknown_or_malformed_ids_are_404(self):
        admin = Admin(self.portal)
        b = admin.signed_in()
        for path in ("/admin/users/999999", "/admin/users/abc",
                     "/admin/users/-1"):
            self.assertEqual(b.get(path).status, 404, path)
        r = b.post_form("/admin/users/999999/deactivate",
                        {"csrf": form_csrf(b, f"/admin/users/{admin.id}")})
        self.assertEqual(r.status, 404, r)


class ActionsTest(AdminActionsCase):
    def test_every_action_works_and_is_audited_naming_the_admin(self):
        admin = Admin(self.portal)
        b = admin.signed_in()
        by = f"by {admin.name}"
        name, uid = self.target(totp=True, verified=False)

        self.assertDone(self.act(b, uid, "deactivate"), uid,
                        "admin_user_deactivated")
        self.assertEqual(self.row(uid, "is_active")[0], "0")
        self.assertIn(by, self.audited("user_deactivated", name))
        self.assertDone(self.act(b, uid, "activate"), uid,
                        "admin_user_activated")
        self.assertEqual(self.row(uid, "is_active")[0], "1")
        self.assertIn(by, self.audited("user_activated", name))

        self.assertDone(self.act(b, uid, "lock", {"duration": "1h"}), uid,
                        "admin_user_locked")
        self.assertNotEqual(self.row(uid, "admin_locked_until")[0], "NULL")
        self.assertIn(by, self.audited("user_locked", name))
        self.assertDone(self.act(b, uid, "unlock"), uid,
                        "admin_user_unlocked")
        self.assertEqual(self.row(uid, "admin_locked_until")[0], "NULL")
        self.assertEqual(self.audited("user_unlocked", name),
                         f"admin lock {by}")

        self.portal.query("UPDATE users SET failed_logins = 5, locked_until = "
                        "UTC_TIMESTAMP() + INTERVAL 1 HOUR WHERE id = "
                        f"{uid}")
        self.assertDone(self.act(b, uid, "clear-password-lock"), uid,
                        "admin_password_lock_cleared")
        self.assertEqual(self.row(uid, "failed_logins, locked_until"),
                         ["0", "NULL"])
        self.assertIn(by, self.audited("password_lock_cleared", name))

        self.assertDone(self.act(b, uid, "verify-email"), uid,
                        "admin_email_verified")
        self.assertNotEqual(self.row(uid, "email_verified_at")[0], "NULL")
        self.assertIn(by, self.audited("email_verified", name))

        r = b.post_form(f"/admin/users/{uid}/roles", [
            ("csrf", form_csrf(b, f"/admin/users/{uid}")),
            ("roles", "user"), ("roles", "admin")])
        self.assertDone(r, uid, "admin_roles_saved")
        self.assertEqual(self.audited("role_added", name), f"role admin {by}")
        r = b.post_form(f"/admin/users/{uid}/roles", [
            ("csrf", form_csrf(b, f"/admin/users/{uid}"))])
        self.assertDone(r, uid, "admin_roles_saved")
        self.assertEqual(self.rows(
            f"SELECT COUNT(*) FROM user_roles WHERE user_id = {uid}"),
            [["0"]])

        self.assertDone(self.act(b, uid, "expiry", {
            "account_expires": "2031-01-31", "password_expires": "now"}),
            uid, "admin_expiry_saved")
        account, password = self.row(
            uid, "account_expires_at, password_expires_at <= UTC_TIMESTAMP(6)")
        self.assertTrue(account.startswith("2031-01-31"), account)
        self.assertEqual(password, "1")
        self.assertIn(by, self.audited("expiry_changed", name))

        self.assertDone(self.act(b, uid, "reset-totp"), uid,
                        "admin_totp_reset")
        self.assertEqual(self.row(uid, "totp_secret_enc")[0], "NULL")
        self.assertIn(by, self.audited("totp_disabled", name))

        # Sessions: one revoked by its handle, then all.
        self.portal.query(f"UPDATE users SET password_expires_at = NULL "
                        f"WHERE id = {uid}")
        for _ in range(2):
            self.assertEqual(self.portal.browser().login(
                name, "a long enough passphrase 7").status, 303)
        handles = self.rows(
            "SELECT LOWER(LEFT(HEX(id_sha256), 16)) FROM sessions WHERE "
            f"user_id = {uid}")
        self.assertEqual(len(handles), 2)
        page = b.get(f"/admin/users/{uid}").text
        self.assertIn(handles[0][0], page)
        self.assertDone(self.act(b, uid, f"sessions/{handles[0][0]}/revoke"),
                        uid, "admin_session_revoked")
        self.assertEqual(self.audited("sessions_revoked", name),
                         f"session {handles[0][0]} {by}")
        r = self.act(b, uid, f"sessions/{handles[0][0]}/revoke")
        self.assertEqual(r.status, 404, r)
        self.assertDone(self.act(b, uid, "sessions/revoke"), uid,
                        "admin_sessions_revoked")
        self.assertEqual(self.audited("sessions_revoked", name),
                         f"1 ended {by}")
        self.assertEqual(self.rows(
            f"SELECT COUNT(*) FROM sessions WHERE user_id = {uid}"), [["0"]])

        r = self.act(b, uid, "delete", {"confirm": name})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"),
                         "/admin/users?notice=admin_user_deleted")
        self.assertIsNone(self.row(uid, "id"))
        self.assertEqual(self.audited("user_deleted", name), by)

    def test_bad_input_is_a_field_error(self):
        b = Admin(self.portal).signed_in()
        name, uid = self.target()
        r = self.act(b, uid, "lock", {"duration": "soon"})
        self.assertEqual(r.status, 422, r)
        self.assertIn("not a duration such as 1h or 7d", r.text)
        self.assertIn('id="duration-error"', r.text)
        r = self.act(b, uid, "expiry", {"account_expires": "31/01/2031",
                                        "password_expires": "none"})
        self.assertEqual(r.status, 422, r)
        self.assertIn('id="account-expires-error"', r.text)
        r = b.post_form(f"/admin/users/{uid}/roles", [
            ("csrf", form_csrf(b, f"/admin/users/{uid}")),
            ("roles", "nosuch")])
        self.assertEqual(r.status, 422, r)
        self.assertIn("no role named", r.text)
        r = self.act(b, uid, "delete", {"confirm": name + "x"})
        self.assertEqual(r.status, 422, r)
        self.assertIn(f"Type the username, {name}, to confirm.", r.text)
        self.assertEqual(self.row(uid, "is_active, admin_locked_until, "
                                       "account_expires_at"),
                         ["1", "NULL", "NULL"])

    def test_a_deactivated_user_cannot_sign_in(self):
        b = Admin(self.portal).signed_in()
        name, uid = self.target()
        user = self.portal.browser()
        self.assertEqual(user.login(name, "a long enough passphrase 7").status,
                         303)
        self.assertDone(self.act(b, uid, "deactivate"), uid,
                        "admin_user_deactivated")
        # The open session has ended, and a new sign-in fails.
        self.assertEqual(user.get("/profile").status, 303)
        r = self.portal.browser().login(name, "a long enough passphrase 7")
        self.assertNotEqual(r.status, 303, r)


class RefusalsTest(AdminActionsCase):
    def test_missing_csrf_is_refused(self):
        b = Admin(self.portal).signed_in()
        _, uid = self.target()
        r = b.post_form(f"/admin/users/{uid}/deactivate", {})
        self.assertEqual(r.status, 403, r)
        self.assertEqual(self.row(uid, "is_active")[0], "1")

    def test_a_plain_user_cannot_act_on_another_user(self):
        name, _ = self.new_user()
        _, victim = self.target()
        b = self.portal.browser()
        self.assertEqual(b.login(name, "a long enough passphrase 7").status,
                         303)
        csrf = form_csrf(b, "/profile")
        self.assertEqual(b.get(f"/admin/users/{victim}").status, 403)
        for action in ("deactivate", "lock", "delete", "reset-totp"):
            r = b.post_form(f"/admin/users/{victim}/{action}",
                            {"csrf": csrf, "duration": "1h",
                             "confirm": "x"})
            self.assertEqual(r.status, 403, (action, r))
        r = self.api(b, csrf, "POST",
                     f"/api/v1/admin/users/{victim}/deactivate")
        self.assertEqual(r.status, 403, r)
        r = self.api(b, csrf, "PUT", f"/api/v1/admin/users/{victim}/roles",
                     {"roles": ["admin"]})
        self.assertEqual(r.status, 403, r)
        self.assertEqual(self.row(victim, "is_active, admin_locked_until"),
                         ["1", "NULL"])
        self.assertEqual(self.rows(
            "SELECT COUNT(*) FROM user_roles ur JOIN roles r ON r.id = "
            f"ur.role_id WHERE ur.user_id = {victim} AND r.name = 'admin'"),
            [["0"]])

    def test_an_admin_cannot_lock_out_demote_or_delete_themselves(self):
        admin = Admin(self.portal)
        Admin(self.portal)  # another standing admin: only "self" refuses
        b = admin.signed_in()
        me = admin.id
        cases = [("deactivate", {}, "you cannot deactivate your own account"),
                 ("lock", {"duration": "1h"},
                  "you cannot lock your own account"),
                 ("delete", {"confirm": admin.name},
                  "you cannot delete your own account"),
                 ("reset-totp", {}, "you cannot reset your own two-step"),
                 ("roles", {"roles": "user"},
                  "you cannot remove the admin role from your own account")]
        for action, fields, message in cases:
            r = self.act(b, me, action, fields)
            self.assertEqual(r.status, 409, (action, r))
            self.assertIn(message, r.text)
        self.assertEqual(self.row(me, "is_active, admin_locked_until, "
                                      "totp_secret_enc IS NOT NULL"),
                         ["1", "NULL", "1"])
        self.assertEqual(self.audited("role_removed", admin.name), None)

    def test_the_last_standing_admin_keeps_the_role(self):
        admin = Admin(self.portal)
        last = Admin(self.portal)
        b = admin.signed_in()
        # Every other admin of this portal's database stops counting, the
        # acting one included (an admin lock set behind its back).
        self.portal.query(
            "UPDATE users SET admin_locked_until = UTC_TIMESTAMP() + "
            f"INTERVAL 1 DAY WHERE id <> {last.id}")
        try:
            for action, fields in (("deactivate", {}),
                                   ("lock", {"duration": "7d"}),
                                   ("reset-totp", {}),
                                   ("roles", {"roles": "user"}),
                                   ("delete", {"confirm": last.name})):
                r = self.act(b, last.id, action, fields)
                self.assertEqual(r.status, 409, (action, r))
                self.assertIn(f"{last.name} is the last administrator",
                              r.text)
            self.assertEqual(
                self.row(last.id, "is_active, admin_locked_until"),
                ["1", "NULL"])
        finally:
            self.portal.query("UPDATE users SET admin_locked_until = NULL")


class ApiTest(AdminActionsCase):
    def test_the_api_reads_and_acts(self):
        admin = Admin(self.portal)
        b, csrf = admin.api_sign_in()
        admin.api_reauth(b, csrf)
        name, uid = self.target(totp=True)
        base = f"/api/v1/admin/users/{uid}"
        r = b.get(base)
        self.assertEqual(r.status, 200, r)
        doc = r.json()
        for key in ("id", "username", "email", "full_name", "is_active",
                    "email_verified", "has_totp", "is_admin", "roles",
                    "recovery_codes_left", "sessions", "recent_events"):
            self.assertIn(key, doc)
        self.assertEqual(doc["username"], name)
        self.assertTrue(doc["has_totp"])
        self.assertNotIn("password_hash", r.text)
        self.assertNotIn("totp_secret", r.text)

        r = self.api(b, csrf, "POST", f"{base}/lock", {"duration": "1h"})
        self.assertEqual(r.status, 200, r)
        self.assertIsNotNone(r.json()["admin_locked_until"])
        r = self.api(b, csrf, "POST", f"{base}/lock", {"until": None})
        self.assertTrue(r.json()["admin_locked_until_unlocked"])
        r = self.api(b, csrf, "POST", f"{base}/unlock")
        self.assertIsNone(r.json()["admin_locked_until"])
        r = self.api(b, csrf, "PUT", f"{base}/roles",
                     {"roles": ["user", "admin"]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["roles"], ["admin", "user"])
        r = self.api(b, csrf, "PUT", f"{base}/expiry",
                     {"account_expires_at": 1927000000,
                      "password_expires_at": "now"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["account_expires_at"], 1927000000)
        r = self.api(b, csrf, "POST", f"{base}/reset-totp")
        self.assertFalse(r.json()["has_totp"])
        self.assertIn(f"by {admin.name}", self.audited("totp_disabled", name))
        r = self.api(b, csrf, "POST", f"{base}/sessions/revoke")
        self.assertEqual(r.json(), {"ended": 0})
        r = self.api(b, csrf, "DELETE", f"{base}/sessions/0123456789abcdef")
        self.assertEqual(r.status, 404, r)
        r = self.api(b, csrf, "POST", f"{base}/deactivate")
        self.assertFalse(r.json()["is_active"])
        r = self.api(b, csrf, "POST", f"{base}/activate")
        self.assertTrue(r.json()["is_active"])

        # Bad input: 422 with the field.
        for method, path, value, field in (
                ("POST", f"{base}/lock", {"duration": "soon"}, "duration"),
                ("POST", f"{base}/lock", {}, "until"),
                ("PUT", f"{base}/roles", {"roles": "admin"}, "roles"),
                ("PUT", f"{base}/roles", {"roles": ["nosuch"]}, "roles"),
                ("PUT", f"{base}/expiry", {"account_expires_at": "soon"},
                 "account_expires_at"),
                ("DELETE", base, {"confirm": "someone"}, "confirm")):
            r = self.api(b, csrf, method, path, value)
            self.assertEqual(r.status, 422, (path, value, r))
            self.assertIn(field, r.json()["fields"], r.json())
        # Unknown id, self-protection.
        r = self.api(b, csrf, "POST", "/api/v1/admin/users/999999/activate")
        self.assertEqual(r.status, 404, r)
        r = self.api(b, csrf, "POST",
                     f"/api/v1/admin/users/{admin.id}/deactivate")
        self.assertEqual(r.status, 409, r)
        self.assertEqual(r.json()["error"], "guard_rail")
        r = self.api(b, csrf, "DELETE", f"/api/v1/admin/users/{admin.id}",
                     {"confirm": admin.name})
        self.assertEqual(r.status, 409, r)

        r = self.api(b, csrf, "DELETE", base, {"confirm": name})
        self.assertEqual(r.status, 204, r)
        self.assertEqual(b.get(base).status, 404)
        self.assertEqual(self.audited("user_deleted", name),
                         f"by {admin.name}")


class AdminMailTest(AdminActionsCase):
    def maildir_to(self, address):
        """Messages the portal delivered to `address` (maildir)."""
        out = []
        directory = os.path.join(self.portal.tmp, "mail", "new")
        for f in self.portal.mail_files():
            with open(os.path.join(directory, f), "rb") as fh:
                msg = email.message_from_binary_file(fh)
            if address in (msg.get("To") or ""):
                out.append(msg)
        return out

    def wait_maildir(self, address, count=1, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.maildir_to(address)
            if len(found) >= count:
                return found
            time.sleep(0.2)
        self.fail(f"no mail to {address}")

    def test_a_role_change_on_another_admin_mails_every_admin(self):
        acting = Admin(self.portal)
        other = Admin(self.portal)
        b = acting.signed_in()
        plain, plain_id = self.target()
        r = b.post_form(f"/admin/users/{other.id}/roles", [
            ("csrf", form_csrf(b, f"/admin/users/{other.id}")),
            ("roles", "admin")])  # drops "user"
        self.assertEqual(r.status, 303, r)
        for who in (acting, other):
            msgs = self.wait_maildir(who.email)
            body = msgs[-1].get_payload(decode=True) or b""
            if msgs[-1].is_multipart():
                body = msgs[-1].get_payload(0).get_payload(decode=True)
            self.assertIn(other.name.encode(), body)
        # A plain user's role change mails nobody.
        before = self.rows(
            "SELECT COUNT(*) FROM mail_outbox WHERE kind = 'admin_notice'")
        r = b.post_form(f"/admin/users/{plain_id}/roles", [
            ("csrf", form_csrf(b, f"/admin/users/{plain_id}"))])
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.rows(
            "SELECT COUNT(*) FROM mail_outbox WHERE kind = 'admin_notice'"),
            before)


if __name__ == "__main__":
    unittest.main()
