"""latchkeyctl stats: the admin overview's numbers as a summary and as
the JSON of GET /api/v1/admin/stats; --rebuild; bad input."""

import datetime
import unittest

import lkctl


def sql_time(dt):
    return dt.strftime("%Y-%m-%d %H:%M:%S")


class StatsTest(lkctl.CliTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        now = datetime.datetime.now(datetime.timezone.utc)
        cls.two_hours = now - datetime.timedelta(hours=2)
        rows = []
        for _ in range(6):
            rows.append((cls.two_hours, "login_failure", "sshd",
                         "203.0.113.5", "root"))
        for _ in range(2):
            rows.append((cls.two_hours, "unknown_user", "sudo", "", "oracle"))
        cls.box.query(
            "INSERT INTO auth_events (ts, username_tried, event, service, "
            "rhost, outcome) VALUES " + ", ".join(
                f"('{sql_time(ts)}', '{user}', '{event}', '{service}', "
                f"'{rhost}', 'fail')"
                for ts, event, service, rhost, user in rows))
        r = cls.box.ctl("user", "add", "carol", "--email", "carol@example.org")
        assert r.returncode == 0, r.stderr
        r = cls.box.ctl("user", "lock", "carol")
        assert r.returncode == 0, r.stderr

    def bucket(self, data):
        start = self.two_hours.replace(minute=0, second=0, microsecond=0)
        want = start.strftime("%Y-%m-%dT%H:%M:%SZ")
        [b] = [h for h in data["failed_logins"]["hourly"]
               if h["start"] == want]
        return b

    def test_json_has_the_api_shape_and_counts(self):
        data = self.ok_json("stats")
        self.assertEqual(set(data), {
            "generated_at", "services", "failed_login_events",
            "failed_logins", "top", "locked", "signups", "outbox"})
        self.assertEqual(len(data["failed_logins"]["hourly"]), 24)
        self.assertEqual(len(data["failed_logins"]["daily"]), 30)
        b = self.bucket(data)
        self.assertEqual(b["by_service"]["sshd"], 6)
        self.assertEqual(b["by_service"]["sudo"], 2)
        self.assertEqual(b["total"], 8)
        self.assertEqual(data["top"]["addresses"],
                         [{"address": "203.0.113.5", "failures": 6}])
        self.assertEqual(data["top"]["accounts"][:2], [
            {"username": "root", "failures": 6},
            {"username": "oracle", "failures": 2}])
        [lock] = data["locked"]["accounts"]
        self.assertEqual((lock["username"], lock["lock"]), ("carol", "admin"))
        self.assertEqual(data["locked"]["total"], 1)
        today = datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%d")
        self.assertEqual(data["signups"][-1]["day"], today)
        self.assertGreaterEqual(data["signups"][-1]["registrations"], 1)
        self.assertEqual(data["outbox"]["queued"], 0)
        self.assertIsNone(data["outbox"]["oldest_unsent"])

    def test_text_summary(self):
        out = self.ok("stats").stdout
        self.assertIn("Failed logins per hour", out)
        self.assertIn("Failed logins per day", out)
        label = self.two_hours.strftime("%H:00")
        line = [l for l in out.splitlines() if l.startswith(label + " ")][0]
        self.assertEqual(line.split()[1:9],
                         ["6", "2", "0", "0", "0", "0", "0", "8"])
        self.assertIn("203.0.113.5", out)
        self.assertIn("Locked now: 1", out)
        self.assertRegex(out, r"carol\s+admin\s+9999-12-31T23:59:59Z")
        self.assertRegex(out, r"oldest unsent:\s+none")

    def test_rebuild_counts_late_events(self):
        self.ok("stats")  # the hour two hours back is rolled up now
        self.box.query(
            "INSERT INTO auth_events (ts, username_tried, event, service, "
            f"rhost, outcome) VALUES ('{sql_time(self.two_hours)}', 'late', "
            "'login_failure', 'login', '', 'fail')")
        self.assertEqual(self.bucket(self.ok_json("stats"))["total"], 8)
        data = self.ok_json("stats", "--rebuild")
        self.assertEqual(self.bucket(data)["by_service"]["login"], 1)
        self.assertEqual(self.bucket(data)["total"], 9)
        # Leave the class's numbers as they were.
        self.box.query("DELETE FROM auth_events WHERE username_tried = 'late'")
        self.ok("stats", "--rebuild")

    def test_bad_input(self):
        self.fails(2, "stats", "stats", "extra")
        self.fails(2, "--bogus", "stats", "--bogus")


if __name__ == "__main__":
    unittest.main()
