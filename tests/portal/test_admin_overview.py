"""The admin overview (GET /admin) and GET /api/v1/admin/stats: the charts
as inline SVG with their numbers in tables, the top addresses and names
linking to the audit log, the accounts locked now with their unlock
forms, sign-ups, the mail outbox, the JSON shape, and 403 for a user who
is not an admin. Events are inserted by SQL with known times and services;
the rollup is reset after inserting, so the next request counts them."""

import html
import re
import time
import unittest
from datetime import datetime, timezone

import portalharness
from admin_helpers import Admin, unique_name

SERVICES = ["sshd", "sudo", "login", "portal", "api", "cli", "other"]


def iso(ts):
    return datetime.fromtimestamp(ts, timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def sql_time(ts):
    return datetime.fromtimestamp(ts, timezone.utc).strftime(
        "%Y-%m-%d %H:%M:%S")


class AdminOverviewTest(portalharness.PortalTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = Admin(cls.portal)

    def q(self, statement):
        """Rows of a query in the portal's database, as lists of strings."""
        out = self.portal.query(statement)
        return [line.split("\t") for line in out.splitlines()]

    def event(self, ts, event, service, rhost="", user="", n=1):
        values = ", ".join(
            f"('{sql_time(ts)}', '{user}', '{event}', '{service}', "
            f"'{rhost}', 'fail')" for _ in range(n))
        self.portal.query(
            "INSERT INTO auth_events (ts, username_tried, event, service, "
            f"rhost, outcome) VALUES {values}")

    def reset_rollup(self):
        self.portal.query(
            "DELETE FROM stats_hours; DELETE FROM stats_hour_names; "
            "UPDATE stats_rollup SET done_until = NULL")

    def stats(self, b):
        r = b.get("/api/v1/admin/stats")
        self.assertEqual(r.status, 200, r)
        return r.json()

    def test_charts_and_top_lists_count_inserted_events(self):
        # Two hours back (a completed hour, so it is rolled up), and a
        # day and a bit back (only in the daily chart).
        now = int(time.time())
        two_hours = now - 2 * 3600
        yesterday = now - 26 * 3600
        addr = "198.51.100.77"
        name = unique_name("victim")
        self.event(two_hours, "login_failure", "sshd", addr, name, n=7)
        self.event(two_hours, "unknown_user", "sudo", "", name, n=4)
        self.event(two_hours, "totp_wrong", "su", "203.0.113.200", "zed")
        self.event(two_hours, "account_locked", "sshd", addr, name, n=5)
        self.event(yesterday, "refused_locked", "portal", addr, name, n=3)
        self.reset_rollup()

        b = self.admin.signed_in(reauth=False)
        data = self.stats(b)
        hour_start = iso(two_hours - two_hours % 3600)
        [bucket] = [h for h in data["failed_logins"]["hourly"]
                    if h["start"] == hour_start]
        self.assertEqual(bucket["by_service"]["sshd"], 7)
        self.assertEqual(bucket["by_service"]["sudo"], 4)
        self.assertEqual(bucket["by_service"]["other"], 1)
        self.assertEqual(bucket["total"], 12)
        day_start = iso(yesterday - yesterday % 86400)
        [day] = [d for d in data["failed_logins"]["daily"]
                 if d["start"] == day_start]
        self.assertGreaterEqual(day["by_service"]["portal"], 3)
        tops = {t["address"]: t["failures"] for t in data["top"]["addresses"]}
        self.assertEqual(tops[addr], 7)  # the day-old ones are outside
        names = {t["username"]: t["failures"] for t in data["top"]["accounts"]}
        self.assertEqual(names[name], 11)

        # The page: SVG with title and desc, and the same numbers in the
        # table under the chart.
        r = b.get("/admin")
        self.assertEqual(r.status, 200, r)
        page = r.text
        self.assertIn('<svg class="chart-svg"', page)
        self.assertIn('role="img"', page)
        self.assertIn('<title id="chart-hourly-title">', page)
        self.assertIn('<desc id="chart-daily-desc">', page)
        self.assertNotRegex(page, r"<script(?![^>]* src=)")  # no inline one
        self.assertNotIn("style=", page)
        label = hour_start[11:16]
        cells = "".join(f"<td>{n}</td>" for n in [7, 4, 0, 0, 0, 0, 1])
        self.assertIn(f'<tr><th scope="row">{label}</th>{cells}<td>12</td>',
                      page)
        # Each bar has a title with its numbers for pointer users.
        self.assertIn(f"{label}: 12 failed (sshd 7, sudo 4, other 1)",
                      html.unescape(page))
        text = html.unescape(page)
        self.assertIn(f'<a href="/admin/audit?address={addr}&outcome=fail">'
                      f'{addr}</a></td><td>7</td>', text)
        self.assertIn(f'<a href="/admin/audit?user={name}">{name}</a></td>'
                      f'<td>11</td>', text)
        self.assertSecurityHeaders(r)

    def test_top_links_escape_what_attackers_typed(self):
        self.event(int(time.time()) - 60, "unknown_user", "sshd",
                   "203.0.113.9", "a&b=c<x>")
        b = self.admin.signed_in(reauth=False)
        page = b.get("/admin").text
        self.assertNotIn("<x>", page)
        self.assertIn('href="/admin/audit?user=a%26b%3Dc%3Cx%3E"',
                      html.unescape(page))

    def test_locked_accounts_have_their_unlock_forms(self):
        pw_name, _ = self.new_user()
        admin_name, _ = self.new_user()
        pw_id = self.q(f"SELECT id FROM users WHERE username = '{pw_name}'")[0][0]
        admin_id = self.q(
            f"SELECT id FROM users WHERE username = '{admin_name}'")[0][0]
        self.portal.query(
            "UPDATE users SET locked_until = UTC_TIMESTAMP() + INTERVAL 15 "
            f"MINUTE WHERE id = {pw_id}; UPDATE users SET admin_locked_until "
            f"= '9999-12-31 23:59:59' WHERE id = {admin_id}")
        b = self.admin.signed_in(reauth=False)
        page = html.unescape(b.get("/admin").text)
        m = re.search(rf'<li id="locked-{pw_id}-password">(.*?)</li>', page,
                      re.S)
        self.assertIsNotNone(m, page)
        item = m.group(1)
        self.assertIn(pw_name, item)
        self.assertIn("Password lock", item)
        self.assertIn(f'action="/admin/users/{pw_id}/clear-password-lock"',
                      item)
        self.assertRegex(item, r'name="csrf" value="[^"]+"')
        self.assertIn('name="return_to" value="/admin"', item)
        m = re.search(rf'<li id="locked-{admin_id}-admin">(.*?)</li>', page,
                      re.S)
        self.assertIsNotNone(m, page)
        self.assertIn(f'action="/admin/users/{admin_id}/unlock"', m.group(1))
        self.assertIn("until unlocked", m.group(1))

        data = self.stats(b)
        locks = {(a["id"], a["lock"]): a for a in data["locked"]["accounts"]}
        self.assertIn((int(pw_id), "password"), locks)
        self.assertEqual(locks[(int(admin_id), "admin")]["until"],
                         "9999-12-31T23:59:59Z")
        self.assertEqual(locks[(int(pw_id), "password")]["username"], pw_name)
        self.assertGreaterEqual(data["locked"]["total"], 2)

        # Once the lock is over, it is no longer listed.
        self.portal.query(
            "UPDATE users SET locked_until = UTC_TIMESTAMP() - INTERVAL 1 "
            f"MINUTE WHERE id = {pw_id}")
        page = b.get("/admin").text
        self.assertNotIn(f'id="locked-{pw_id}-password"', page)

    def wait_outbox_idle(self):
        deadline = time.time() + 20
        while time.time() < deadline:
            [[n]] = self.q(
                "SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL AND "
                "failed_at IS NULL AND next_attempt_at <= UTC_TIMESTAMP(6)")
            if n == "0":
                return
            time.sleep(0.2)
        self.fail("the mail worker did not drain the outbox")

    def test_outbox_health(self):
        b = self.admin.signed_in(reauth=False)
        self.wait_outbox_idle()
        self.portal.query("DELETE FROM mail_outbox")
        # Not due for a day, so the worker leaves them alone.
        rows = [("20 MINUTE", 0, "NULL"), ("2 MINUTE", 3, "NULL"),
                ("3 DAY", 9, "UTC_TIMESTAMP()")]
        for age, attempts, failed in rows:
            self.portal.query(
                "INSERT INTO mail_outbox (to_addr, subject, body, created_at, "
                "attempts, next_attempt_at, failed_at) VALUES ('x@example.org',"
                f" 's', 'b', UTC_TIMESTAMP() - INTERVAL {age}, {attempts}, "
                f"UTC_TIMESTAMP() + INTERVAL 1 DAY, {failed})")
        data = self.stats(b)["outbox"]
        self.assertEqual(data["queued"], 2)
        self.assertEqual(data["failing"], 1)
        self.assertEqual(data["failed"], 1)
        self.assertTrue(data["stale"])
        self.assertGreaterEqual(data["oldest_unsent_age_seconds"], 1199)
        page = b.get("/admin").text
        self.assertIn('<dd id="outbox-queued">2</dd>', page)
        self.assertIn('<dd id="outbox-failing">1</dd>', page)
        self.assertIn('<dd id="outbox-failed">1</dd>', page)
        self.assertIn('id="outbox-stale"', page)
        self.assertIn("20 minutes ago", page)

        self.portal.query("DELETE FROM mail_outbox")
        data = self.stats(b)["outbox"]
        self.assertEqual(data["queued"], 0)
        self.assertIsNone(data["oldest_unsent"])
        self.assertFalse(data["stale"])
        page = b.get("/admin").text
        self.assertNotIn('id="outbox-stale"', page)

    def test_signups_per_day(self):
        now = int(time.time())
        self.portal.query(
            "INSERT INTO auth_events (ts, event, service, outcome) VALUES "
            f"('{sql_time(now - 3 * 86400)}', 'user_created', 'portal', 'ok'),"
            f"('{sql_time(now - 3 * 86400)}', 'user_created', 'portal', 'ok'),"
            f"('{sql_time(now - 3 * 86400)}', 'email_verified', 'portal', "
            "'ok')")
        self.reset_rollup()
        b = self.admin.signed_in(reauth=False)
        data = self.stats(b)
        day = datetime.fromtimestamp(now - 3 * 86400,
                                     timezone.utc).strftime("%Y-%m-%d")
        [row] = [d for d in data["signups"] if d["day"] == day]
        self.assertEqual(row["registrations"], 2)
        self.assertEqual(row["activations"], 1)
        page = b.get("/admin").text
        self.assertIn(f'<tr><th scope="row">{day}</th><td>2</td><td>1</td>',
                      page)

    def test_api_shape(self):
        b, _ = self.admin.api_sign_in()
        data = self.stats(b)
        self.assertEqual(set(data), {
            "generated_at", "services", "failed_login_events",
            "failed_logins", "top", "locked", "signups", "outbox"})
        self.assertEqual(data["services"], SERVICES)
        self.assertIn("login_failure", data["failed_login_events"])
        self.assertNotIn("account_locked", data["failed_login_events"])
        hourly = data["failed_logins"]["hourly"]
        daily = data["failed_logins"]["daily"]
        self.assertEqual(len(hourly), 24)
        self.assertEqual(len(daily), 30)
        self.assertEqual(len(data["signups"]), 30)
        for bucket in hourly + daily:
            self.assertEqual(set(bucket), {"start", "total", "by_service"})
            self.assertEqual(set(bucket["by_service"]), set(SERVICES))
            self.assertEqual(bucket["total"], sum(bucket["by_service"].values()))
        self.assertEqual(set(data["top"]), {"since", "addresses", "accounts"})
        self.assertEqual(data["top"]["since"], hourly[0]["start"])
        self.assertEqual(set(data["outbox"]), {
            "queued", "failing", "failed", "oldest_unsent",
            "oldest_unsent_age_seconds", "stale", "stale_after_seconds"})
        self.assertEqual(set(data["locked"]), {"total", "accounts"})

    def test_not_for_users(self):
        name, password = self.new_user()
        b = self.portal.browser()
        r = b.login(name, password)
        self.assertEqual(r.status, 303, r)
        self.assertEqual(b.get("/admin").status, 403)
        r = b.get("/api/v1/admin/stats")
        self.assertEqual(r.status, 403)
        self.assertEqual(r.json()["error"], "forbidden")
        # Anonymous: the page sends to the sign-in, the API says 401.
        anon = self.portal.browser()
        self.assertIn(anon.get("/admin").status, (302, 303))
        self.assertEqual(anon.get("/api/v1/admin/stats").status, 401)


if __name__ == "__main__":
    unittest.main()
