"""The admin area's audit log: each filter (page and API), bad filter
values (422 naming the field), keyset pages without gaps or repeats, the
CSV export (parses, attacker-typed names neutralized, filters carried) and
the JSON export, and a large export that streams: the portal's memory does
not grow with it."""

import csv
import html as htmllib
import io
import json
import re
import time
import unittest
import urllib.parse

from admin_helpers import Admin, unique_name
from portalharness import PortalTestCase

HOSTILE = ["=cmd|' /C calc'!A0", "@SUM(1+1)", "+1-1", "-2", "\tx"]


class AdminAuditTest(PortalTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = Admin(cls.portal)
        cls.b = cls.admin.signed_in()
        cls.api, cls.api_csrf = cls.admin.api_sign_in()
        # Rows of a known shape, as the PAM module and the portal write
        # them: (minutes ago, user, event, service, rhost, outcome).
        cls.tag = unique_name("t")
        t = cls.tag
        rows = [
            (50, f"{t}amy", "login_failure", "sshd", "203.0.113.5", "fail"),
            (40, f"{t}amy", "login_success", "portal", "203.0.113.77", "ok"),
            (30, f"{t}bob", "unknown_user", "sshd", "198.51.100.9", "fail"),
            (20, f"{t}bob", "login_failure", "sudo", "", "fail"),
            (10, f"{t}cid", "login_success", "login", "192.0.2.1", "ok"),
        ]
        values = ", ".join(
            f"(UTC_TIMESTAMP(6) - INTERVAL {m} MINUTE, '{u}', '{e}', '{s}', "
            f"'{h}', '{o}', '{t}')" for m, u, e, s, h, o in rows)
        cls.portal.query(
            "INSERT INTO auth_events (ts, username_tried, event, service, "
            f"rhost, outcome, detail) VALUES {values}")

    def q(self, statement):
        return [tuple(line.split("\t"))
                for line in self.portal.query(statement).splitlines()]

    def api_events(self, **params):
        params.setdefault("limit", "500")
        r = self.api.get("/api/v1/admin/audit?" +
                         urllib.parse.urlencode(params))
        self.assertEqual(r.status, 200, r)
        return r.json()

    def mine(self, **params):
        """The users of this class's tagged rows that match, newest first."""
        events = self.api_events(**params)["events"]
        return [e["user"][len(self.tag):] for e in events
                if e["detail"] == self.tag]

    def test_page_renders_filter_form_and_rows(self):
        r = self.b.get("/admin/audit")
        self.assertEqual(r.status, 200, r)
        html = r.text
        self.assertIn('href="/admin/audit" aria-current="page"', html)
        self.assertIn('<form method="get" action="/admin/audit"', html)
        for name in ("user", "event", "service", "outcome", "address",
                     "from", "to"):
            self.assertIn(f'name="{name}"', html)
        self.assertIn(f"{self.tag}amy", html)
        self.assertIn('href="/admin/audit/export?format=csv"',
                      htmllib.unescape(html))

    def test_each_filter(self):
        t = self.tag
        self.assertEqual(self.mine(), ["cid", "bob", "bob", "amy", "amy"])
        self.assertEqual(self.mine(user=f"{t}amy"), ["amy", "amy"])
        self.assertEqual(self.mine(event="login_failure"), ["bob", "amy"])
        self.assertEqual(self.mine(service="sshd"), ["bob", "amy"])
        self.assertEqual(self.mine(outcome="ok"), ["cid", "amy"])
        self.assertEqual(self.mine(outcome="fail"), ["bob", "bob", "amy"])
        self.assertEqual(self.mine(address="203.0.113.5"), ["amy"])
        self.assertEqual(self.mine(address="203.0.113.*"), ["amy", "amy"])
        self.assertEqual(self.mine(**{"from": "35m"}), ["cid", "bob", "bob"])
        self.assertEqual(self.mine(**{"from": "35m", "to": "15m"}),
                         ["bob", "bob"])
        self.assertEqual(self.mine(user=f"{t}bob", service="sudo"), ["bob"])
        # The page applies the same filter and keeps it in the form.
        r = self.b.get("/admin/audit?" + urllib.parse.urlencode(
            {"user": f"{t}bob", "service": "sudo"}))
        self.assertEqual(r.status, 200, r)
        self.assertIn(f'value="{t}bob"', r.text)
        self.assertIn('<option value="sudo" selected>', r.text)
        self.assertIn("<td>unknown_user</td>", self.b.get(
            f"/admin/audit?user={t}bob").text)
        self.assertNotIn("<td>unknown_user</td>", r.text)
        # Attribute values are entity-escaped ('/' and '=' too).
        self.assertIn(
            f'href="/admin/audit/export?format=csv&user={t}bob&'
            'service=sudo"', htmllib.unescape(r.text))

    def test_an_admins_own_actions_are_found_by_account(self):
        # The admin's sign-in rows carry the account's id.
        events = self.api_events(user=str(self.admin.id), event="login_success")
        self.assertTrue(events["events"])
        self.assertTrue(all(e["user_id"] == self.admin.id
                            for e in events["events"]))

    def test_bad_filter_values_are_422_naming_the_field(self):
        for field, value in (("event", "no_such_event"), ("service", "ftp"),
                             ("outcome", "maybe"), ("from", "yesterday"),
                             ("to", "2026-13-01"), ("cursor", "abc"),
                             ("limit", "501"), ("limit", "0")):
            query = urllib.parse.urlencode({field: value})
            r = self.api.get(f"/api/v1/admin/audit?{query}")
            self.assertEqual(r.status, 422, (field, r))
            body = r.json()
            self.assertEqual(body["error"], "invalid")
            self.assertIn(field, body["fields"], body)
            r = self.b.get(f"/admin/audit?{query}")
            self.assertEqual(r.status, 422, (field, r))
            self.assertIn(f'id="{field}-error"', r.text)
        r = self.api.get("/api/v1/admin/audit/export?format=xml")
        self.assertEqual(r.status, 422, r)
        self.assertIn("format", r.json()["fields"])

    def test_pages_have_no_gaps_or_repeats(self):
        user = unique_name("pager")
        # 23 rows, several in the same microsecond.
        values = ", ".join(
            f"(UTC_TIMESTAMP() - INTERVAL {i // 3} SECOND, '{user}', "
            "'login_failure', 'sshd', 'fail')" for i in range(23))
        self.portal.query(
            "INSERT INTO auth_events (ts, username_tried, event, service, "
            f"outcome) VALUES {values}")
        expected = [int(r[0]) for r in self.q(
            f"SELECT id FROM auth_events WHERE username_tried = '{user}' "
            "ORDER BY ts DESC, id DESC")]
        self.assertEqual(len(expected), 23)
        seen, cursor, pages = [], None, 0
        while True:
            params = {"user": user, "limit": "5"}
            if cursor:
                params["cursor"] = cursor
            page = self.api_events(**params)
            seen += [e["id"] for e in page["events"]]
            pages += 1
            cursor = page["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(pages, 5)
        self.assertEqual(seen, expected)
        # The page's "Older" link carries the filter and the cursor.
        html = htmllib.unescape(
            self.b.get(f"/admin/audit?user={user}&limit=10").text)
        older = re.search(r'href="(/admin/audit\?[^"]*cursor=[^"]*)"', html)
        self.assertIsNotNone(older, html)
        link = older.group(1)
        self.assertIn(f"user={user}", link)
        html2 = htmllib.unescape(self.b.get(link).text)
        ids_on_page2 = re.findall(r"<td>login_failure</td>", html2)
        self.assertEqual(len(ids_on_page2), 10)
        html3 = self.b.get(
            re.search(r'href="(/admin/audit\?[^"]*cursor=[^"]*)"', html2)
            .group(1)).text
        self.assertEqual(len(re.findall(r"<td>login_failure</td>", html3)), 3)
        self.assertNotIn('rel="next"', html3)

    def test_csv_export_parses_and_neutralizes_formulas(self):
        tag = unique_name("csv")
        values = ", ".join(
            f"(UTC_TIMESTAMP(6), {self.sql_string(name)}, 'unknown_user', "
            f"'sshd', '203.0.113.9', 'fail', '{tag}')" for name in HOSTILE)
        self.portal.query(
            "INSERT INTO auth_events (ts, username_tried, event, service, "
            f"rhost, outcome, detail) VALUES {values}")
        r = self.b.get("/admin/audit/export?format=csv&address=203.0.113.9")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("content-type"), "text/csv; charset=utf-8")
        self.assertRegex(r.header("content-disposition"),
                         r'^attachment; filename="latchkey-audit-\d{8}T\d{6}Z'
                         r'\.csv"$')
        self.assertIsNone(r.header("content-length"))  # streamed
        rows = list(csv.reader(io.StringIO(r.body.decode(), newline="")))
        self.assertEqual(rows[0], ["id", "time", "event", "user", "user_id",
                                   "service", "address", "tty", "outcome",
                                   "detail"])
        users = [row[3] for row in rows[1:] if row[9] == tag]
        self.assertEqual(len(users), len(HOSTILE))
        # Any cell that a spreadsheet would run starts with a quote.
        for cell in users:
            self.assertNotIn(cell[0], "=+-@\t\r", cell)
        self.assertIn("'=cmd|' /C calc'!A0", users)
        self.assertIn("'@SUM(1+1)", users)
        self.assertIn("'+1-1", users)
        self.assertIn("'-2", users)
        self.assertTrue(all(row[6] == "203.0.113.9" for row in rows[1:]))
        # The API's export is the same.
        r = self.api.get(
            "/api/v1/admin/audit/export?format=csv&address=203.0.113.9")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("content-type"), "text/csv; charset=utf-8")

    @staticmethod
    def sql_string(s):
        return "'" + s.replace("\\", "\\\\").replace("'", "''") + "'"

    def test_json_export_parses(self):
        r = self.b.get(f"/admin/audit/export?format=json&user={self.tag}amy")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("content-type"), "application/json")
        self.assertIn(".json\"", r.header("content-disposition"))
        events = json.loads(r.body)
        self.assertEqual([e["event"] for e in events],
                         ["login_success", "login_failure"])
        self.assertEqual(set(events[0]), {
            "id", "time", "event", "user", "user_id", "service", "address",
            "tty", "outcome", "detail"})
        api = self.api.get(
            f"/api/v1/admin/audit/export?format=json&user={self.tag}amy")
        self.assertEqual(json.loads(api.body), events)
        # One shape: the paged API gives the same objects.
        self.assertEqual(self.api_events(user=f"{self.tag}amy")["events"],
                         events)

    def rss_kib(self, field):
        with open(f"/proc/{self.portal.process.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        raise AssertionError(f"no {field}")

    def test_large_export_streams(self):
        tag = unique_name("big")
        n = 20000
        # Wide rows (~600 bytes each in CSV): 20k of them are ~12 MB. A
        # month back, so the other tests' rows stay the newest.
        try:
            self.portal.query(
                "INSERT INTO auth_events (ts, username_tried, event, service, "
                "rhost, outcome, detail) SELECT UTC_TIMESTAMP(6) - INTERVAL "
                f"30 DAY - INTERVAL seq SECOND, CONCAT('{tag}', seq), "
                "'login_failure', 'sshd', REPEAT('r', 255), 'fail', "
                f"REPEAT('d', 255) FROM seq_1_to_{n}")
        except RuntimeError:
            self.skipTest("no SEQUENCE engine in this MariaDB")
        # Warm up (thread arenas, statements), then measure the peak.
        self.b.get("/admin/audit/export?format=csv&service=sshd&from=1m")
        peak_before = self.rss_kib("VmHWM")
        start = time.monotonic()
        wide = "r" * 255
        r = self.b.get(f"/admin/audit/export?format=csv&address={wide}",
                       timeout=120)
        self.assertEqual(r.status, 200, r)
        rows = list(csv.reader(io.StringIO(r.body.decode(), newline="")))
        self.assertEqual(len(rows), n + 1)
        size_kib = len(r.body) // 1024
        self.assertGreater(size_kib, 10000)
        growth = self.rss_kib("VmHWM") - peak_before
        print(f"\nexport of {n} rows, {size_kib} KiB in "
              f"{time.monotonic() - start:.2f} s: portal peak RSS grew "
              f"{growth} KiB")
        # Built in memory it would need the whole body at least once;
        # streamed, a batch of 1000 rows (~600 KiB) and buffers.
        self.assertLess(growth, size_kib // 3)
        r = self.b.get(f"/admin/audit/export?format=json&address={wide}",
                       timeout=120)
        self.assertEqual(len(json.loads(r.body)), n)


if __name__ == "__main__":
    unittest.main()
