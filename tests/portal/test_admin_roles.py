"""The admin area's roles: list with member counts, create, delete (with a
confirmation that says how many members lose the role), the refusals
(bad input, duplicates, admin and user, unknown names, no admin window),
the API, and the audit rows naming the admin."""

import re
import unittest

from account_helpers import ApiAsserts, api_send, page_csrf
from admin_helpers import Admin, unique_name
from portalharness import PortalTestCase


class AdminRolesTest(PortalTestCase, ApiAsserts):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = Admin(cls.portal)
        cls.b = cls.admin.signed_in()

    def q(self, statement):
        """Rows of a query, as tuples of strings."""
        return [tuple(line.split("\t"))
                for line in self.portal.query(statement).splitlines()]

    def csrf(self):
        return page_csrf(self.b, "/admin/roles")

    def create(self, name, description=""):
        return self.b.post_form("/admin/roles", {
            "csrf": self.csrf(), "return_to": "/admin/roles",
            "name": name, "description": description})

    def role_row(self, name):
        rows = self.q(
            "SELECT r.description, (SELECT COUNT(*) FROM user_roles ur "
            f"WHERE ur.role_id = r.id) FROM roles r WHERE r.name = '{name}'")
        return rows[0] if rows else None

    def audit_details(self, event):
        return [r[0] for r in self.q(
            f"SELECT detail FROM auth_events WHERE event = '{event}' "
            "ORDER BY id")]

    def test_list_shows_counts_and_no_delete_for_builtins(self):
        r = self.b.get("/admin/roles")
        self.assertEqual(r.status, 200, r)
        html = r.text
        self.assertIn('href="/admin/roles" aria-current="page"', html)
        self.assertRegex(html, r"<code>admin</code></td>\s*<td>[^<]*</td>\s*"
                               r"<td>\d+</td>")
        self.assertNotIn('action="/admin/roles/admin/delete"', html)
        self.assertNotIn('action="/admin/roles/user/delete"', html)
        name = unique_name("list")
        self.assertEqual(self.create(name, "shown in the list").status, 303)
        html = self.b.get("/admin/roles").text
        self.assertIn(f'action="/admin/roles/{name}/delete"', html)
        self.assertIn("shown in the list", html)

    def test_create_audits_naming_the_admin(self):
        name = unique_name("ops")
        r = self.create(name, "runs the hosts")
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"), "/admin/roles?notice=role_created")
        self.assertIn("The role has been created.",
                      self.b.get(r.header("location")).text)
        self.assertEqual(self.role_row(name), ("runs the hosts", "0"))
        self.assertIn(f"role {name} by {self.admin.name}",
                      self.audit_details("role_created"))
        service = self.q(
            "SELECT service FROM auth_events WHERE event = 'role_created' "
            f"AND detail = 'role {name} by {self.admin.name}'")
        self.assertEqual(service, [("portal",)])

    def test_create_refusals_name_the_field(self):
        before = len(self.audit_details("role_created"))
        for bad in ("Ops", "9lives", "has space", "x" * 65, ""):
            r = self.create(bad)
            self.assertEqual(r.status, 422, (bad, r))
            self.assertIn('id="name-error"', r.text)
            self.assertIn('aria-invalid="true"', r.text)
        r = self.create(unique_name("desc"), "d" * 256)
        self.assertEqual(r.status, 422, r)
        self.assertIn('id="description-error"', r.text)
        self.assertIn("at most 255 characters", r.text)
        name = unique_name("dup")
        self.assertEqual(self.create(name).status, 303)
        r = self.create(name)
        self.assertEqual(r.status, 409, r)
        self.assertIn("exists already", r.text)
        self.assertIn('id="name-error"', r.text)
        self.assertEqual(len(self.audit_details("role_created")), before + 1)

    def test_delete_confirms_with_member_count_then_members_lose_it(self):
        name = unique_name("gone")
        self.assertEqual(self.create(name).status, 303)
        members = []
        for _ in range(2):
            user, _ = self.new_user()
            r = self.portal.ctl("user", "set-role", user, name)
            self.assertEqual(r.returncode, 0, r.stderr)
            members.append(user)
        path = f"/admin/roles/{name}/delete"
        r = self.b.post_form(path, {"csrf": self.csrf(),
                                    "return_to": "/admin/roles"})
        self.assertEqual(r.status, 200, r)
        self.assertIn("2 accounts hold this role and lose it.", r.text)
        self.assertIn('name="confirm" value="yes"', r.text)
        self.assertIsNotNone(self.role_row(name))  # nothing deleted yet
        r = self.b.post_form(path, {"csrf": self.csrf(), "confirm": "yes",
                                    "return_to": "/admin/roles"})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"), "/admin/roles?notice=role_deleted")
        self.assertIsNone(self.role_row(name))
        for user in members:
            held = self.q(
                "SELECT COUNT(*) FROM user_roles ur JOIN users u ON "
                f"u.id = ur.user_id WHERE u.username = '{user}'")
            self.assertEqual(held, [("1",)])  # only "user" is left
        self.assertIn(f"role {name}, held by 2, by {self.admin.name}",
                      self.audit_details("role_deleted"))

    def test_delete_refusals(self):
        for builtin in ("admin", "user"):
            r = self.b.post_form(f"/admin/roles/{builtin}/delete", {
                "csrf": self.csrf(), "confirm": "yes"})
            self.assertEqual(r.status, 409, r)
            self.assertIn("cannot be deleted", r.text)
            self.assertIsNotNone(self.role_row(builtin))
        r = self.b.post_form("/admin/roles/nosuchrole/delete", {
            "csrf": self.csrf(), "confirm": "yes"})
        self.assertEqual(r.status, 404, r)
        # No CSRF token: refused before anything happens.
        name = unique_name("csrf")
        self.assertEqual(self.create(name).status, 303)
        r = self.b.post_form(f"/admin/roles/{name}/delete", {"confirm": "yes"})
        self.assertEqual(r.status, 403, r)
        self.assertIsNotNone(self.role_row(name))

    def test_writes_need_the_admin_window(self):
        b = self.admin.signed_in(reauth=False)
        token = page_csrf(b, "/admin/roles")
        name = unique_name("win")
        r = b.post_form("/admin/roles", {"csrf": token, "name": name,
                                         "return_to": "/admin/roles"})
        self.assertEqual(r.status, 403, r)
        self.assertIn('action="/admin/reauth"', r.text)
        self.assertIsNone(self.role_row(name))

    def test_a_user_gets_403(self):
        user, password = self.new_user()
        b = self.portal.browser()
        self.assertEqual(b.login(user, password).status, 303)
        self.assertEqual(b.get("/admin/roles").status, 403)
        self.assertEqual(b.get("/api/v1/admin/roles").status, 403)

    def test_api(self):
        b, csrf = self.admin.api_sign_in()
        self.admin.api_reauth(b, csrf)
        r = b.get("/api/v1/admin/roles")
        self.assertEqual(r.status, 200, r)
        roles = {x["name"]: x for x in r.json()["roles"]}
        self.assertTrue(roles["admin"]["builtin"])
        self.assertGreaterEqual(roles["admin"]["members"], 1)
        name = unique_name("api")
        r = b.post_json("/api/v1/admin/roles",
                        {"name": name, "description": "from the API"},
                        csrf=csrf)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json(), {"name": name, "description": "from the API",
                                    "members": 0, "builtin": False})
        r = b.post_json("/api/v1/admin/roles", {"name": name}, csrf=csrf)
        self.assertApiError(r, 409, "already_exists")
        body = self.assertApiError(
            b.post_json("/api/v1/admin/roles", {"name": "Bad Name"}, csrf=csrf),
            422, "invalid")
        self.assertIn("name", body["fields"])
        body = self.assertApiError(
            b.post_json("/api/v1/admin/roles", {"name": 5}, csrf=csrf),
            422, "invalid")
        self.assertIn("name", body["fields"])
        body = self.assertApiError(
            b.post_json("/api/v1/admin/roles",
                        {"name": unique_name("d"), "description": "x" * 300},
                        csrf=csrf), 422, "invalid")
        self.assertIn("description", body["fields"])
        r = api_send(b, "DELETE", f"/api/v1/admin/roles/{name}", csrf=csrf)
        self.assertEqual(r.status, 204, r)
        self.assertIsNone(self.role_row(name))
        self.assertApiError(
            api_send(b, "DELETE", f"/api/v1/admin/roles/{name}", csrf=csrf),
            404, "not_found")
        for builtin in ("admin", "user"):
            self.assertApiError(
                api_send(b, "DELETE", f"/api/v1/admin/roles/{builtin}",
                         csrf=csrf), 409, "builtin_role")
        self.assertIn(f"role {name}, held by 0, by {self.admin.name}",
                      self.audit_details("role_deleted"))
        api = self.q(
            "SELECT service FROM auth_events WHERE event = 'role_deleted' "
            f"AND detail LIKE 'role {name},%'")
        self.assertEqual(api, [("api",)])


if __name__ == "__main__":
    unittest.main()
