"""The admin users list: GET /admin/users (the page, no script needed) and
GET /api/v1/admin/users (JSON), both over UserSearch: prefix search on
username, email or full name in any case, each filter, both sorts, keyset
paging through more than one page, the count, bad parameters, and the
gate for a non-admin. The capped count ("10,000+") is tested in the core
with a small cap (tests/integration/store/user_search_test.cc)."""

import html
import re
import unittest
import urllib.parse

from admin_helpers import Admin
from portalharness import PortalTestCase

HASH = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA"
BULK = 60


class AdminUsersTest(PortalTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        p = cls.portal
        cls.admin = Admin(p)
        rows = []
        # (username, email, full name, minutes ago created)
        people = [("ada", "ada@example.org", "Ada Lovelace"),
                  ("grace", "hopper@navy.example", "Grace Hopper"),
                  ("ina", "ina@example.org", "Ina Inactive"),
                  ("plock", "plock@example.org", "Pat Lock"),
                  ("alock", "alock@example.org", "Al Lock"),
                  ("unv", "unv@example.org", "Una Verified"),
                  ("tot", "tot@example.org", "Tom Totp"),
                  ("rol", "rol@example.org", "Rolf Auditor")]
        people += [(f"bulk{i:03d}", f"bulk{i:03d}@example.org", f"Bulk Person {i}")
                   for i in range(BULK)]
        for n, (name, email, full) in enumerate(people):
            # Older than the admin; later in the list means newer.
            rows.append(
                f"('{name}', '{email}', '{full}', '{HASH}', 1, UTC_TIMESTAMP(6), "
                f"UTC_TIMESTAMP(6) - INTERVAL {10000 - n} MINUTE, UTC_TIMESTAMP(6))")
        p.query("INSERT INTO users (username, email, full_name, password_hash, "
              "is_active, email_verified_at, created_at, updated_at) VALUES "
              + ", ".join(rows))
        p.query("INSERT INTO user_roles (user_id, role_id) SELECT u.id, r.id "
              "FROM users u JOIN roles r ON r.name = 'user' "
              f"WHERE u.username <> '{cls.admin.name}'")
        p.query("INSERT INTO roles (name, description) VALUES ('auditor', 'reads')")
        p.query("INSERT INTO user_roles (user_id, role_id) SELECT u.id, r.id "
              "FROM users u JOIN roles r ON r.name = 'auditor' "
              "WHERE u.username = 'rol'")
        p.query("UPDATE users SET is_active = 0 WHERE username = 'ina'")
        p.query("UPDATE users SET locked_until = UTC_TIMESTAMP(6) + INTERVAL 1 HOUR, "
              "failed_logins = 5, lock_count = 1 WHERE username = 'plock'")
        p.query("UPDATE users SET admin_locked_until = UTC_TIMESTAMP(6) + "
              "INTERVAL 1 DAY WHERE username = 'alock'")
        p.query("UPDATE users SET email_verified_at = NULL WHERE username = 'unv'")
        p.query("UPDATE users SET totp_secret_enc = 'sealed' WHERE username = 'tot'")
        # Last sign-ins: grace most recent, then ada; the rest never.
        p.query("UPDATE users SET last_login_at = UTC_TIMESTAMP(6) - INTERVAL 1 HOUR "
              "WHERE username = 'grace'")
        p.query("UPDATE users SET last_login_at = UTC_TIMESTAMP(6) - INTERVAL 2 HOUR "
              "WHERE username = 'ada'")
        cls.b = cls.admin.signed_in(reauth=False)  # reading needs no reauth
        cls.total = len(people) + 1  # and the admin

    # --- helpers ---

    def api(self, **params):
        r = self.b.get("/api/v1/admin/users?" + urllib.parse.urlencode(params))
        return r

    def names(self, **params):
        r = self.api(**params)
        self.assertEqual(r.status, 200, r)
        return [u["username"] for u in r.json()["users"]]

    def page(self, query):
        return self.b.get("/admin/users" + (("?" + query) if query else ""))

    @staticmethod
    def page_names(r):
        return re.findall(r'<a href="/admin/users/\d+">([^<]+)</a>', r.text)

    # --- search ---

    def test_search_by_prefix_in_any_case(self):
        # The admin's own full name is "Ada Admin".
        self.assertEqual(self.names(q="ADA"), [self.admin.name, "ada"])
        self.assertEqual(self.names(q="ada l"), ["ada"])      # full name
        self.assertEqual(self.names(q="Grace H"), ["grace"])  # full name
        self.assertEqual(self.names(q="HOPPER@"), ["grace"])  # email only
        self.assertEqual(self.names(q="hopper"), ["grace"])   # email prefix
        self.assertEqual(self.names(q="lovelace"), [])        # not a prefix
        self.assertEqual(self.names(q="%"), [])               # no wildcard
        self.assertEqual(self.names(q="bulk_"), [])
        self.assertEqual(len(self.names(q="bulk0", limit=100)), 60)

    def test_page_search_without_javascript(self):
        r = self.page("q=ADA+L")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.page_names(r), ["ada"])
        self.assertIn("Ada Lovelace", r.text)
        self.assertIn('id="user-count">1 user<', r.text)
        self.assertIn('value="ADA L"', r.text)  # the form keeps the search
        self.assertIn('<form method="get" action="/admin/users"', r.text)
        self.assertIn('href="/admin/invite"', r.text)
        self.assertIn('aria-current="page">Users<', r.text)
        self.assertNotIn(HASH, r.text)

    def test_page_badges(self):
        r = self.page("q=plock")
        self.assertIn(">locked<", r.text)
        r = self.page("q=alock")
        self.assertIn(">admin-locked<", r.text)
        r = self.page("q=ina")
        self.assertIn(">inactive<", r.text)
        r = self.page("q=unv")
        self.assertIn(">unverified<", r.text)
        r = self.page("q=tot")
        self.assertIn(">TOTP<", r.text)
        r = self.page("q=rol")
        self.assertIn("auditor, user", r.text)

    # --- filters and sort ---

    def test_each_filter(self):
        self.assertEqual(self.names(inactive=1), ["ina"])
        self.assertNotIn("ina", self.names(active=1, limit=1000))
        self.assertEqual(self.names(password_locked=1), ["plock"])
        self.assertEqual(self.names(admin_locked=1), ["alock"])
        self.assertEqual(self.names(unverified=1), ["unv"])
        self.assertEqual(self.names(totp="on"), [self.admin.name, "tot"])
        off = self.names(totp="off", limit=1000)
        self.assertNotIn("tot", off)
        self.assertEqual(len(off), self.api().json()["count"] - 2)
        self.assertEqual(self.names(role="auditor"), ["rol"])
        self.assertEqual(self.names(role="admin"), [self.admin.name])
        self.assertEqual(self.names(role="auditor", active=1, q="r"), ["rol"])

    def test_page_filters(self):
        r = self.page("inactive=1")
        self.assertEqual(self.page_names(r), ["ina"])
        self.assertRegex(r.text, r'name="inactive" value="1"\s+checked')
        r = self.page("role=auditor&totp=off")
        self.assertEqual(self.page_names(r), ["rol"])
        self.assertIn('<option value="auditor" selected>', r.text)
        self.assertIn('<option value="off" selected>', r.text)

    def test_sort(self):
        created = self.names(q="bulk", limit=3)
        self.assertEqual(created, ["bulk059", "bulk058", "bulk057"])
        # The admin signed in just now, grace an hour ago, ada two hours
        # ago; never signed in comes last, newest account first among them.
        everyone = self.names(sort="last-login", limit=1000)
        at = everyone.index
        self.assertLess(at(self.admin.name), at("grace"))
        self.assertLess(at("grace"), at("ada"))
        self.assertLess(at("ada"), at("bulk059"))
        self.assertLess(at("bulk059"), at("bulk000"))
        self.assertEqual(everyone[-1], "ina")  # the oldest never signed in
        self.assertEqual(self.names(sort="last-login", q="bulk", limit=2),
                         ["bulk059", "bulk058"])

    # --- paging ---

    def test_api_paging_no_duplicates_no_gaps(self):
        seen, cursor, pages = [], None, 0
        while True:
            params = {"q": "bulk"}
            if cursor:
                params["after"] = cursor
            r = self.api(**params)
            self.assertEqual(r.status, 200, r)
            body = r.json()
            self.assertEqual(body["count"], BULK)
            self.assertFalse(body["count_capped"])
            self.assertLessEqual(len(body["users"]), 50)
            seen += [u["username"] for u in body["users"]]
            pages += 1
            cursor = body["next_cursor"]
            if cursor is None:
                break
            self.assertLess(pages, 5)
        self.assertEqual(pages, 2)
        self.assertEqual(seen, [f"bulk{i:03d}" for i in reversed(range(BULK))])

    def test_page_next_link(self):
        r = self.page("q=bulk")
        first = self.page_names(r)
        self.assertEqual(len(first), 50)
        self.assertIn(f'id="user-count">{BULK} users<', r.text)
        m = re.search(r'<a href="([^"]+)" rel="next">Next page</a>', r.text)
        self.assertIsNotNone(m, r.text[-2000:])
        link = html.unescape(m.group(1))
        self.assertTrue(link.startswith("/admin/users?q=bulk&after="), link)
        r2 = self.b.get(link)
        self.assertEqual(r2.status, 200, r2)
        second = self.page_names(r2)
        self.assertEqual(len(second), BULK - 50)
        self.assertEqual(set(first) & set(second), set())
        self.assertNotIn('rel="next"', r2.text)
        self.assertIn(">First page<", r2.text)

    def test_count_of_everyone(self):
        body = self.api().json()
        total = int(self.portal.query("SELECT COUNT(*) FROM users").split()[0])
        self.assertGreaterEqual(total, self.total)
        self.assertEqual(body["count"], total)
        self.assertFalse(body["count_capped"])
        self.assertIn(f'id="user-count">{total} users<', self.page("").text)

    # --- the JSON shape ---

    def test_api_user_objects_hold_no_secrets(self):
        body = self.api(q="tot").json()
        [u] = body["users"]
        self.assertEqual(set(u), {
            "id", "username", "email", "full_name", "roles", "totp_enabled",
            "email_verified", "is_active", "password_locked_until",
            "admin_locked_until", "created_at", "last_login_at"})
        self.assertTrue(u["totp_enabled"])
        self.assertNotIn("sealed", self.api(q="tot").text)
        self.assertNotIn("argon2", self.api().text)
        [p] = self.api(q="plock").json()["users"]
        self.assertIsInstance(p["password_locked_until"], int)
        self.assertIsNone(p["admin_locked_until"])
        [g] = self.api(q="grace").json()["users"]
        self.assertIsInstance(g["last_login_at"], int)

    # --- bad input ---

    def test_api_bad_parameters_are_422_with_fields(self):
        for params, field in [({"sort": "name"}, "sort"),
                              ({"totp": "maybe"}, "totp"),
                              ({"role": "wizard"}, "role"),
                              ({"after": "bogus"}, "after"),
                              ({"limit": "0"}, "limit"),
                              ({"active": "1", "inactive": "1"}, "inactive"),
                              ({"q": "x" * 300}, "q")]:
            r = self.api(**params)
            self.assertEqual(r.status, 422, (params, r))
            self.assertEqual(r.json()["error"], "invalid")
            self.assertIn(field, r.json()["fields"], params)
        cursor = self.api(limit=1).json()["next_cursor"]
        r = self.api(sort="last-login", after=cursor)
        self.assertEqual(r.status, 422)
        self.assertIn("another sort order", r.json()["fields"]["after"])

    def test_page_bad_parameters_show_by_the_field(self):
        r = self.page("role=wizard")
        self.assertEqual(r.status, 422, r)
        self.assertIn('id="role-error">No role named &#39;wizard&#39;.<', r.text)
        self.assertIn('aria-invalid="true"', r.text)
        self.assertEqual(self.page_names(r), [])
        r = self.page("sort=name&totp=maybe")
        self.assertEqual(r.status, 422, r)
        self.assertIn('id="sort-error">', r.text)
        self.assertIn('id="totp-error">', r.text)
        r = self.page("after=bogus")
        self.assertEqual(r.status, 422)
        self.assertIn('id="after-error"', r.text)

    # --- the gate ---

    def test_non_admin_is_refused(self):
        name, password = self.new_user()
        b = self.portal.browser()
        r = b.login(name, password)
        self.assertEqual(r.status, 303, r)
        self.assertEqual(b.get("/admin/users").status, 403)
        r = b.get("/api/v1/admin/users?q=ada")
        self.assertEqual(r.status, 403)
        self.assertNotIn("ada@example.org", r.text)


if __name__ == "__main__":
    unittest.main()
