"""The admin area's gate (portal/admin/gate.h) and its authorization matrix.

The matrix takes its route list from the route table itself
(`latchkey-portal --routes`), so a new admin route cannot escape it: every
route under /admin and /api/v1/admin, every method, against

  - anonymous:                pages 303 to /login, the API 401;
  - a user (not an admin):    403, also with another user's id (IDOR);
  - an admin without TOTP:    403 with the message that sends them to enrol;
  - an admin past the window: reads 200, writes the re-auth prompt (403
                              reauth_required; pages show the form);
  - an admin:                 reads 200, writes reach the handler.

The gate's own rules are tested below it: the role is read fresh on every
request (never the session cache), TOTP is read fresh too, the password-only
re-authentication of /security does not open the admin window, and the
re-auth form only sends the admin back into the admin area."""

import json
import re
import subprocess
import unittest

import lkharness
from account_helpers import api_csrf, page_csrf
from admin_helpers import Admin, rows
from portalharness import PortalTestCase

# A value for each {param} of a pattern; {id} is the target user's id.
SAMPLE_PARAMS = {"name": "matrixrole", "handle": "00112233445566aa"}
# Fleet mode, hosts and host groups (issue 12, part "groups"): rows that
# AdminMatrixTest.setUp makes, so their pages answer 200 to an admin.
SAMPLE_PARAMS.update({"group": "matrixgroup", "host": "matrixhost"})
# Reads that need a query to mean anything (else 422, which is right).
SAMPLE_QUERY = {"export": "format=csv"}
# What an admin's write may answer once past the gate: the handler ran
# (a success, a redirect, or its own refusal of the empty body).
HANDLER_STATUSES = {200, 201, 202, 204, 303, 404, 409, 422}


def admin_routes():
    out = subprocess.run(
        [lkharness.env_value("LATCHKEY_PORTAL"), "--routes"],
        capture_output=True, text=True, check=True).stdout
    routes = [json.loads(line) for line in out.splitlines() if line]
    return routes, [r for r in routes if "kAdminOnly" in r["flags"]]


def concrete(pattern, user_id):
    def value(m):
        name = m.group(1)
        return str(user_id) if name == "id" else SAMPLE_PARAMS.get(name, "x")
    path = re.sub(r"\{([a-z_]+)\}", value, pattern)
    last = path.rstrip("/").rsplit("/", 1)[-1]
    if last in SAMPLE_QUERY:
        path += "?" + SAMPLE_QUERY[last]
    return path


class AdminMatrixTest(PortalTestCase):
    portal_options = {"session_cache_ttl": "30s"}

    def setUp(self):
        self.all_routes, self.routes = admin_routes()
        # The host group and host that {group} and {host} name (issue 12,
        # part "groups"); a write may have moved or revoked them.
        self.portal.query(
            "INSERT IGNORE INTO host_groups (name, created_at) VALUES "
            "('matrixgroup', UTC_TIMESTAMP(6))")
        self.portal.query(
            "INSERT IGNORE INTO hosts (name, kind, token_sha256, created_at) "
            "VALUES ('matrixhost', 'fleet', UNHEX(SHA2('matrixhost', 256)), "
            "UTC_TIMESTAMP(6))")

    def call(self, b, route, method, path, csrf):
        """One request in the route's style: the API with JSON and the
        X-CSRF-Token header, pages with a form and the csrf field."""
        api = "kApi" in route["flags"]
        if method in ("GET",):
            return b.get(path)
        if api:
            return b.request(method, path, b"{}", {
                "Content-Type": "application/json", "X-CSRF-Token": csrf})
        return b.post_form(path, {"csrf": csrf, "return_to": "/admin"})

    def each(self):
        for route in self.routes:
            for method in route["methods"]:
                yield route, method

    def test_the_table_has_admin_routes_and_only_under_admin(self):
        self.assertTrue(self.routes)
        for r in self.all_routes:
            admin = (r["pattern"] == "/admin"
                     or r["pattern"].startswith("/admin/")
                     or r["pattern"].startswith("/api/v1/admin"))
            self.assertEqual(admin, "kAdminOnly" in r["flags"], r)

    def test_anonymous(self):
        b = self.portal.browser()
        csrf = api_csrf(b)
        for route, method in self.each():
            path = concrete(route["pattern"], 1)
            with self.subTest(method=method, path=path):
                r = self.call(b, route, method, path, csrf)
                if "kApi" in route["flags"]:
                    self.assertEqual(r.status, 401, r)
                    self.assertEqual(r.json()["error"], "unauthenticated")
                else:
                    self.assertEqual(r.status, 303, r)
                    self.assertTrue(
                        r.header("location").startswith("/login"), r)

    def test_user_gets_403_also_with_another_users_id(self):
        victim, _ = self.new_user()
        victim_id = self.user_id(victim)
        name, password = self.new_user()
        b = self.portal.browser()
        self.assertEqual(b.login(name, password).status, 303)
        csrf = page_csrf(b, "/profile")
        before = self.user_row(victim_id)
        for route, method in self.each():
            path = concrete(route["pattern"], victim_id)
            with self.subTest(method=method, path=path):
                r = self.call(b, route, method, path, csrf)
                self.assertEqual(r.status, 403, r)
                if "kApi" in route["flags"]:
                    self.assertEqual(r.json()["error"], "forbidden")
        # Nothing happened to the other user's account.
        self.assertEqual(self.user_row(victim_id), before)

    def test_admin_without_totp_is_sent_to_enrol(self):
        admin = Admin(self.portal, totp=False)
        b = admin.sign_in()
        csrf = page_csrf(b, "/profile")
        target = self.user_id(self.new_user()[0])
        for route, method in self.each():
            path = concrete(route["pattern"], target)
            with self.subTest(method=method, path=path):
                r = self.call(b, route, method, path, csrf)
                self.assertEqual(r.status, 403, r)
                if "kApi" in route["flags"]:
                    self.assertEqual(r.json()["error"], "totp_required")
                else:
                    self.assertIn("/security", r.text)
                    self.assertIn("two-step sign-in", r.text)

    def test_admin_past_the_window_reads_but_is_prompted_to_write(self):
        admin = Admin(self.portal)
        b = admin.signed_in()
        admin.close_window()
        csrf = page_csrf(b, "/admin/reauth")
        target = self.user_id(self.new_user()[0])
        before = self.user_row(target)
        for route, method in self.each():
            path = concrete(route["pattern"], target)
            with self.subTest(method=method, path=path):
                r = self.call(b, route, method, path, csrf)
                if method == "GET":
                    self.assertEqual(r.status, 200, r)
                elif "kAdminReauth" in route["flags"]:
                    # The re-auth itself: reaches its handler (fields
                    # missing).
                    self.assertEqual(r.status, 422, r)
                elif "kApi" in route["flags"]:
                    self.assertEqual(r.status, 403, r)
                    self.assertEqual(r.json()["error"], "reauth_required")
                else:
                    self.assertEqual(r.status, 403, r)
                    self.assertIn('action="/admin/reauth"', r.text)
                    self.assertIn('name="code"', r.text)
        self.assertEqual(self.user_row(target), before)

    def test_admin_in_the_window_reaches_every_handler(self):
        admin = Admin(self.portal)
        b = admin.signed_in()
        csrf = page_csrf(b, "/admin/reauth")
        for route, method in self.each():
            # A fresh target per write: some writes change or delete it.
            target = self.user_id(self.new_user()[0])
            path = concrete(route["pattern"], target)
            with self.subTest(method=method, path=path):
                r = self.call(b, route, method, path, csrf)
                if method == "GET":
                    self.assertEqual(r.status, 200, r)
                else:
                    self.assertIn(r.status, HANDLER_STATUSES, r)
                    if r.status == 403:  # never the gate's refusal
                        self.fail(r)

    # --- helpers ---

    def user_id(self, name):
        return int(rows(self.portal,
                        f"SELECT id FROM users WHERE username = '{name}'")[0][0])

    def user_row(self, user_id):
        return rows(self.portal,
            "SELECT username, email, is_active, locked_until, "
            "admin_locked_until, totp_secret_enc IS NULL, password_hash, "
            "account_expires_at, password_expires_at, email_verified_at "
            f"FROM users WHERE id = {user_id}")


class AdminGateTest(PortalTestCase):
    # The session cache on, so that reading the role fresh is what is
    # tested.
    portal_options = {"session_cache_ttl": "30s"}

    def test_the_role_is_read_fresh_on_every_request(self):
        admin = Admin(self.portal)
        b = admin.sign_in()
        for _ in range(3):  # warm the session cache
            self.assertEqual(b.get("/profile").status, 200)
            self.assertEqual(b.get("/admin/reauth").status, 200)
        r = self.portal.ctl("user", "set-role", admin.name, "admin",
                            "--remove")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = b.get("/admin/reauth")
        self.assertEqual(r.status, 403, r)
        self.assertIn("for administrators", r.text)

    def test_totp_is_read_fresh_on_every_request(self):
        admin = Admin(self.portal)
        b = admin.sign_in()
        for _ in range(3):  # warm the session cache
            self.assertEqual(b.get("/admin/reauth").status, 200)
        r = self.portal.ctl("user", "totp-reset", admin.name)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = b.get("/admin/reauth")
        self.assertEqual(r.status, 403, r)
        self.assertIn("two-step sign-in", r.text)

    def test_password_only_reauth_does_not_open_the_admin_window(self):
        admin = Admin(self.portal)
        b, csrf = admin.api_sign_in()
        r = b.post_json("/api/v1/reauth", {"password": admin.password},
                        csrf=csrf)
        self.assertEqual(r.status, 200, r)
        row = rows(self.portal,
            "SELECT reauth_at IS NOT NULL, admin_reauth_at IS NULL FROM "
            f"sessions WHERE user_id = {admin.id}")
        self.assertEqual(row, [["1", "1"]])

    def test_api_reauth_refuses_a_wrong_code_and_opens_with_a_right_one(self):
        admin = Admin(self.portal)
        b, csrf = admin.api_sign_in()
        r = b.post_json("/api/v1/admin/reauth",
                        {"password": admin.password}, csrf=csrf)
        self.assertEqual(r.status, 422, r)
        self.assertIn("code", r.json()["fields"])
        r = b.post_json("/api/v1/admin/reauth",
                        {"password": admin.password, "code": "000000"},
                        csrf=csrf)
        self.assertEqual(r.status, 403, r)
        self.assertEqual(r.json()["error"], "wrong_credentials")
        r = b.post_json("/api/v1/admin/reauth",
                        {"password": "not the password", "code": "000000"},
                        csrf=csrf)
        self.assertEqual(r.json()["error"], "wrong_credentials")
        fails = rows(self.portal,
                     "SELECT COUNT(*) FROM auth_events WHERE user_id = "
                     f"{admin.id} AND outcome = 'fail'")[0][0]
        self.assertEqual(fails, "2")
        r = admin.api_reauth(b, csrf)
        self.assertGreater(r.json()["admin_reauth_until"], 0)

    def test_reauth_form_sends_the_admin_back_only_into_the_admin_area(self):
        admin = Admin(self.portal)
        b = admin.sign_in()
        for given, expected in [("/admin/users?q=ada", "/admin/users?q=ada&"),
                                ("//evil.example/x", "/admin?"),
                                ("https://evil.example/", "/admin?"),
                                ("/profile", "/admin?"),
                                ("/admin/\\evil", "/admin?")]:
            with self.subTest(given=given):
                # The first opens the window; within it the form answers
                # without checking again, so no further codes are needed.
                r = admin.reauth(b, next_path=given)
                self.assertTrue(r.header("location").startswith(expected),
                                r.header("location"))

    def test_reauth_page_and_form_errors(self):
        admin = Admin(self.portal)
        b = admin.sign_in()
        r = b.post_form("/admin/reauth", {
            "csrf": page_csrf(b, "/admin/reauth"), "password": "",
            "code": "", "next": "/admin"})
        self.assertEqual(r.status, 422, r)
        self.assertIn('id="password-error"', r.text)
        self.assertIn('id="code-error"', r.text)
        r = b.post_form("/admin/reauth", {
            "csrf": page_csrf(b, "/admin/reauth"),
            "password": admin.password, "code": "000000", "next": "/admin"})
        self.assertEqual(r.status, 403, r)
        self.assertIn("password or the code is not correct", r.text)

    def test_a_write_without_csrf_is_refused_before_the_prompt(self):
        admin = Admin(self.portal)
        b = admin.signed_in()
        r = b.post_form("/admin/reauth", {"password": admin.password,
                                          "code": "123456"})
        self.assertEqual(r.status, 403, r)
        self.assertIn("form has expired", r.text)


if __name__ == "__main__":
    unittest.main()
