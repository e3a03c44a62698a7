"""The admin area's Hosts and Host groups pages and their API (issue 12,
part "groups"): create and delete groups (typing the name), add and remove
access rules, move hosts, set may-reset-passwords, revoke hosts (typing the
name); the refusals (bad names and services 422, unknown 404, duplicates
409, a group with live hosts 409, the admin's own way in 409, a wrong typed
name 422); escaping; and the audit rows naming the admin.

Fleet hosts are rows inserted with SQL (kind fleet, a random token hash):
adding them is `latchkeyctl host add --fleet`, another part's."""

import secrets
import unittest

from account_helpers import ApiAsserts, api_send, page_csrf
from admin_helpers import Admin, unique_name
from portalharness import PortalTestCase


class AdminHostsTest(PortalTestCase, ApiAsserts):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = Admin(cls.portal)
        cls.b = cls.admin.signed_in()

    # --- helpers ---

    def q(self, statement):
        return [tuple(line.split("\t"))
                for line in self.portal.query(statement).splitlines()]

    def csrf(self, path="/admin/host-groups"):
        return page_csrf(self.b, path)

    def add_host(self, kind="fleet"):
        name = unique_name("h")
        token = "UNHEX('%s')" % secrets.token_hex(32) if kind == "fleet" \
            else "NULL"
        self.portal.query(
            "INSERT INTO hosts (name, kind, token_sha256, created_at, "
            "last_seen_at, agent_version) VALUES ('%s', '%s', %s, "
            "UTC_TIMESTAMP(6), UTC_TIMESTAMP(6) - INTERVAL 5 MINUTE, %s)" % (
                name, kind, token,
                "'latchkey-agent/0.1.0'" if kind == "fleet" else "NULL"))
        return name

    def create_group(self, name=None, description=""):
        name = unique_name("g") if name is None else name
        r = self.b.post_form("/admin/host-groups", {
            "csrf": self.csrf(), "return_to": "/admin/host-groups",
            "name": name, "description": description})
        return name, r

    def host_row(self, name):
        rows = self.q(
            "SELECT COALESCE(g.name, ''), h.may_reset_passwords, "
            "h.revoked_at IS NOT NULL FROM hosts h LEFT JOIN host_groups g "
            f"ON g.id = h.group_id WHERE h.name = '{name}'")
        return rows[0] if rows else None

    def rules(self, group):
        return self.q(
            "SELECT ro.name, r.service FROM host_access_rules r JOIN "
            "host_groups g ON g.id = r.group_id JOIN roles ro ON ro.id = "
            f"r.role_id WHERE g.name = '{group}' ORDER BY ro.name, r.service")

    def group_exists(self, name):
        return bool(self.q(
            f"SELECT id FROM host_groups WHERE name = '{name}'"))

    def details(self, event):
        return [r[0] for r in self.q(
            f"SELECT detail FROM auth_events WHERE event = '{event}' "
            "ORDER BY id")]

    def post(self, path, fields, page="/admin/hosts"):
        fields = dict(fields, csrf=self.csrf(page), return_to=page)
        return self.b.post_form(path, fields)

    # --- host groups: pages ---

    def test_nav_and_list(self):
        html = self.b.get("/admin/host-groups").text
        self.assertIn('href="/admin/host-groups" aria-current="page"', html)
        self.assertIn('href="/admin/hosts"', html)
        name, r = self.create_group(description="<b>web</b> & co")
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"),
                         f"/admin/host-groups/{name}?notice=host_group_created")
        page = self.b.get(r.header("location"))
        self.assertEqual(page.status, 200, page)
        self.assertIn("admits nobody until a rule", page.text)
        self.assertIn("No rule: this group admits nobody.", page.text)
        html = self.b.get("/admin/host-groups").text
        self.assertIn(f'href="/admin/host-groups/{name}"', html)
        self.assertIn("&lt;b&gt;web&lt;&#47;b&gt; &amp; co", html)
        self.assertNotIn("<b>web</b>", html)
        self.assertIn("admits nobody", html)
        self.assertIn(f"host group {name} by {self.admin.name}",
                      self.details("host_group_created"))
        hosts_page = self.b.get("/admin/hosts")
        self.assertEqual(hosts_page.status, 200, hosts_page)
        self.assertIn('href="/admin/hosts" aria-current="page"',
                      hosts_page.text)

    def test_create_refusals(self):
        for bad in ("Web", "-web", "has space", "x" * 65, ""):
            _, r = self.create_group(bad)
            self.assertEqual(r.status, 422, (bad, r))
            self.assertIn('id="name-error"', r.text)
            self.assertIn('aria-invalid="true"', r.text)
        _, r = self.create_group(description="d" * 256)
        self.assertEqual(r.status, 422, r)
        self.assertIn('id="description-error"', r.text)
        name, r = self.create_group()
        self.assertEqual(r.status, 303, r)
        _, r = self.create_group(name)
        self.assertEqual(r.status, 409, r)
        self.assertIn("exists already", r.text)
        self.assertEqual(self.b.get("/admin/host-groups/nosuchgroup").status,
                         404)

    def test_rules_add_and_remove(self):
        name, _ = self.create_group()
        page = f"/admin/host-groups/{name}"
        r = self.post(page + "/rules", {"role": "user", "service": "sshd"},
                      page)
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"),
                         page + "?notice=access_rule_added")
        r = self.post(page + "/rules", {"role": "admin", "service": ""}, page)
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.rules(name), [("admin", ""), ("user", "sshd")])
        html = self.b.get(page).text
        self.assertIn("every service", html)
        self.assertIn("sshd", html)
        # A duplicate: 409, with the sentence.
        r = self.post(page + "/rules", {"role": "user", "service": "sshd"},
                      page)
        self.assertEqual(r.status, 409, r)
        self.assertIn("may already log in", r.text)
        # Bad service, unknown role: the field's error.
        r = self.post(page + "/rules", {"role": "user", "service": "SSH D"},
                      page)
        self.assertEqual(r.status, 422, r)
        self.assertIn('id="service-error"', r.text)
        r = self.post(page + "/rules", {"role": "nosuchrole", "service": ""},
                      page)
        self.assertEqual(r.status, 422, r)
        self.assertIn('id="role-error"', r.text)
        self.assertIn("There is no role of that name.", r.text)
        r = self.post("/admin/host-groups/nosuchgroup/rules",
                      {"role": "user", "service": ""}, page)
        self.assertEqual(r.status, 404, r)
        # Remove; removing it again is a 404 sentence on the page.
        r = self.post(page + "/rules/remove",
                      {"role": "user", "service": "sshd"}, page)
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.rules(name), [("admin", "")])
        r = self.post(page + "/rules/remove",
                      {"role": "user", "service": "sshd"}, page)
        self.assertEqual(r.status, 404, r)
        self.assertIn("has no rule for role user (sshd)", r.text)
        self.assertIn(f"role user -> host group {name} (sshd) by "
                      f"{self.admin.name}", self.details("access_rule_added"))
        self.assertIn(f"role user -> host group {name} (sshd) by "
                      f"{self.admin.name}",
                      self.details("access_rule_removed"))

    def test_the_admin_keeps_their_own_way_in(self):
        name, _ = self.create_group()
        page = f"/admin/host-groups/{name}"
        self.assertEqual(self.post(page + "/rules", {"role": "admin",
                                                     "service": ""},
                                   page).status, 303)
        host = self.add_host()
        r = self.post(f"/admin/hosts/{host}/group", {"group": name})
        self.assertEqual(r.status, 303, r)
        r = self.post(page + "/rules/remove", {"role": "admin", "service": ""},
                      page)
        self.assertEqual(r.status, 409, r)
        self.assertIn("cannot remove the last rule that lets you log in",
                      r.text)
        self.assertEqual(self.rules(name), [("admin", "")])
        # Moving the host out of the group is the same loss.
        r = self.post(f"/admin/hosts/{host}/group", {"group": ""})
        self.assertEqual(r.status, 409, r)
        self.assertIn(f"cannot move {host} to no group", r.text)
        self.assertEqual(self.host_row(host)[0], name)

    def test_delete_group(self):
        name, _ = self.create_group()
        page = f"/admin/host-groups/{name}"
        host = self.add_host()
        self.assertEqual(self.post(f"/admin/hosts/{host}/group",
                                   {"group": name}).status, 303)
        # The typed name must match.
        r = self.post(page + "/delete", {"confirm": name + "x"}, page)
        self.assertEqual(r.status, 422, r)
        self.assertIn('id="confirm-error"', r.text)
        self.assertIn(f"name, {name}, to confirm.", r.text)
        # A live host: refused with the count.
        r = self.post(page + "/delete", {"confirm": name}, page)
        self.assertEqual(r.status, 409, r)
        self.assertIn("move or revoke its 1 host first", r.text)
        self.assertTrue(self.group_exists(name))
        # Revoked, it no longer holds the group.
        r = self.post(f"/admin/hosts/{host}/revoke", {"confirm": host})
        self.assertEqual(r.status, 303, r)
        r = self.post(page + "/delete", {"confirm": name}, page)
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"),
                         "/admin/host-groups?notice=host_group_deleted")
        self.assertFalse(self.group_exists(name))
        self.assertIn(f"host group {name}, 0 rules, by {self.admin.name}",
                      self.details("host_group_deleted"))
        self.assertEqual(self.b.get(page).status, 404)

    # --- hosts ---

    def test_hosts_page_moves_flags_and_revokes(self):
        group, _ = self.create_group()
        host = self.add_host()
        direct = self.add_host(kind="direct")
        html = self.b.get("/admin/hosts").text
        self.assertIn(f'id="host-{host}"', html)
        self.assertIn("latchkey-agent&#47;0.1.0", html)  # "/" escaped
        self.assertIn("5 minutes ago", html)
        self.assertIn(f'action="/admin/hosts/{host}/may-reset"', html)
        self.assertNotIn(f'action="/admin/hosts/{direct}/may-reset"', html)

        r = self.post(f"/admin/hosts/{host}/group", {"group": group})
        self.assertEqual(r.status, 303, r)
        self.assertIn("notice=admin_host_moved", r.header("location"))
        self.assertEqual(self.host_row(host), (group, "0", "0"))
        self.assertIn(f"host {host} moved from no group to {group} by "
                      f"{self.admin.name}", self.details("host_group_changed"))
        r = self.post(f"/admin/hosts/{host}/group", {"group": "nosuchgroup"})
        self.assertEqual(r.status, 422, r)
        self.assertIn(f'id="group-{host}-error"', r.text)

        r = self.post(f"/admin/hosts/{host}/may-reset",
                      {"may_reset_passwords": "on"})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.host_row(host), (group, "1", "0"))
        self.assertIn(f"host {host} may reset passwords: yes by "
                      f"{self.admin.name}", self.details("host_group_changed"))
        r = self.post(f"/admin/hosts/{host}/may-reset",
                      {"may_reset_passwords": "maybe"})
        self.assertEqual(r.status, 422, r)
        r = self.post(f"/admin/hosts/{direct}/may-reset",
                      {"may_reset_passwords": "on"})
        self.assertEqual(r.status, 409, r)
        self.assertIn("direct-mode host", r.text)

        r = self.post(f"/admin/hosts/{host}/revoke", {"confirm": "wrong"})
        self.assertEqual(r.status, 422, r)
        self.assertIn(f'id="confirm-{host}-error"', r.text)
        self.assertEqual(self.host_row(host)[2], "0")
        r = self.post(f"/admin/hosts/{host}/revoke", {"confirm": host})
        self.assertEqual(r.status, 303, r)
        self.assertIn("notice=admin_host_revoked", r.header("location"))
        self.assertEqual(self.host_row(host)[2], "1")
        self.assertIn(f"host {host} by {self.admin.name}",
                      self.details("host_revoked"))
        r = self.post(f"/admin/hosts/{host}/revoke", {"confirm": host})
        self.assertEqual(r.status, 409, r)
        self.assertIn("revoked already", r.text)
        r = self.post(f"/admin/hosts/{host}/group", {"group": ""})
        self.assertEqual(r.status, 409, r)
        self.assertEqual(self.post("/admin/hosts/nosuchhost/revoke",
                                   {"confirm": "nosuchhost"}).status, 404)

    def test_writes_need_the_admin_window(self):
        host = self.add_host()
        b = self.admin.signed_in(reauth=False)
        r = b.post_form(f"/admin/hosts/{host}/revoke", {
            "csrf": page_csrf(b, "/admin/hosts"), "confirm": host,
            "return_to": "/admin/hosts"})
        self.assertEqual(r.status, 403, r)
        self.assertIn('action="/admin/reauth"', r.text)
        self.assertEqual(self.host_row(host)[2], "0")

    # --- the API ---

    def test_api(self):
        b, csrf = self.admin.api_sign_in()
        self.admin.api_reauth(b, csrf)
        name = unique_name("api")
        r = b.post_json("/api/v1/admin/host-groups",
                        {"name": name, "description": "from the API"},
                        csrf=csrf)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json()["name"], name)
        self.assertEqual(r.json()["rules"], [])
        self.assertApiError(
            b.post_json("/api/v1/admin/host-groups", {"name": name},
                        csrf=csrf), 409, "already_exists")
        body = self.assertApiError(
            b.post_json("/api/v1/admin/host-groups", {"name": "Bad"},
                        csrf=csrf), 422, "invalid")
        self.assertIn("name", body["fields"])
        groups = b.get("/api/v1/admin/host-groups").json()["host_groups"]
        self.assertIn(name, [g["name"] for g in groups])
        self.assertApiError(b.get("/api/v1/admin/host-groups/nosuchgroup"),
                            404, "not_found")

        rules = f"/api/v1/admin/host-groups/{name}/rules"
        r = b.post_json(rules, {"role": "user", "service": "sudo"}, csrf=csrf)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json()["rules"], [{"role": "user",
                                              "service": "sudo"}])
        self.assertApiError(
            b.post_json(rules, {"role": "user", "service": "sudo"},
                        csrf=csrf), 409, "already_exists")
        body = self.assertApiError(
            b.post_json(rules, {"role": "nosuchrole"}, csrf=csrf),
            422, "invalid")
        self.assertIn("role", body["fields"])
        body = self.assertApiError(
            b.post_json(rules, {"role": "user", "service": "a b"},
                        csrf=csrf), 422, "invalid")
        self.assertIn("service", body["fields"])
        self.assertApiError(
            b.post_json("/api/v1/admin/host-groups/nosuchgroup/rules",
                        {"role": "user"}, csrf=csrf), 404, "not_found")

        host = self.add_host()
        r = api_send(b, "PATCH", f"/api/v1/admin/hosts/{host}",
                     {"group": name, "may_reset_passwords": True}, csrf=csrf)
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json()["group"], r.json()["may_reset_passwords"]),
                         (name, True))
        self.assertEqual(r.json()["agent_version"], "latchkey-agent/0.1.0")
        body = self.assertApiError(
            api_send(b, "PATCH", f"/api/v1/admin/hosts/{host}",
                     {"group": "nosuchgroup"}, csrf=csrf), 422, "invalid")
        self.assertIn("group", body["fields"])
        self.assertApiError(
            api_send(b, "PATCH", f"/api/v1/admin/hosts/{host}",
                     {"may_reset_passwords": "yes"}, csrf=csrf),
            422, "invalid")
        self.assertApiError(
            api_send(b, "PATCH", "/api/v1/admin/hosts/nosuchhost",
                     {"group": None}, csrf=csrf), 404, "not_found")
        listed = b.get("/api/v1/admin/hosts").json()["hosts"]
        self.assertIn(host, [h["name"] for h in listed])
        self.assertEqual(b.get(f"/api/v1/admin/hosts/{host}").json()["group"],
                         name)
        detail = b.get(f"/api/v1/admin/host-groups/{name}").json()
        self.assertEqual([h["name"] for h in detail["hosts"]], [host])
        self.assertEqual(detail["host_count"], 1)

        group = f"/api/v1/admin/host-groups/{name}"
        self.assertApiError(
            api_send(b, "DELETE", group, {"confirm": name}, csrf=csrf),
            409, "guard_rail")
        self.assertApiError(
            api_send(b, "POST", f"/api/v1/admin/hosts/{host}/revoke",
                     {"confirm": "nope"}, csrf=csrf), 422, "invalid")
        r = api_send(b, "POST", f"/api/v1/admin/hosts/{host}/revoke",
                     {"confirm": host}, csrf=csrf)
        self.assertEqual(r.status, 200, r)
        self.assertIsNotNone(r.json()["revoked_at"])
        self.assertApiError(
            api_send(b, "POST", f"/api/v1/admin/hosts/{host}/revoke",
                     {"confirm": host}, csrf=csrf), 409, "guard_rail")

        r = api_send(b, "DELETE", rules, {"role": "user", "service": "sudo"},
                     csrf=csrf)
        self.assertEqual(r.status, 204, r)
        self.assertApiError(
            api_send(b, "DELETE", rules, {"role": "user", "service": "sudo"},
                     csrf=csrf), 404, "not_found")
        self.assertApiError(
            api_send(b, "DELETE", group, {"confirm": "nope"}, csrf=csrf),
            422, "invalid")
        r = api_send(b, "DELETE", group, {"confirm": name}, csrf=csrf)
        self.assertEqual(r.status, 204, r)
        self.assertFalse(self.group_exists(name))
        api = self.q(
            "SELECT service FROM auth_events WHERE event = "
            f"'host_group_deleted' AND detail LIKE 'host group {name},%'")
        self.assertEqual(api, [("api",)])
        self.assertIn(f"host {host} by {self.admin.name}",
                      self.details("host_revoked"))

    def test_a_user_gets_403(self):
        user, password = self.new_user()
        b = self.portal.browser()
        self.assertEqual(b.login(user, password).status, 303)
        self.assertEqual(b.get("/admin/hosts").status, 403)
        self.assertEqual(b.get("/admin/host-groups").status, 403)
        self.assertEqual(b.get("/api/v1/admin/hosts").status, 403)


if __name__ == "__main__":
    unittest.main()
