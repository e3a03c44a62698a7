"""latchkeyctl audit tail: newest last, filters, text and JSON."""

import datetime
import re
import unittest

import lkctl

LINE = re.compile(
    r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) (\S+) (\S+) (\S+) (\S+) (ok|fail)(?: (.*))?$")


class AuditTailTest(lkctl.CliTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # An old event from another service, written as the PAM module would.
        cls.box.query(
            "INSERT INTO auth_events (ts, username_tried, event, service, rhost, "
            "outcome, detail) VALUES (UTC_TIMESTAMP(6) - INTERVAL 2 DAY, 'amy', "
            "'login_failure', 'sshd', '203.0.113.5', 'fail', 'wrong password')")
        for args in (["user", "add", "amy", "--email", "amy@example.org"],
                     ["user", "add", "bob", "--email", "bob@example.org"],
                     ["user", "lock", "amy"],
                     ["user", "unlock", "amy"],
                     ["user", "deactivate", "bob"]):
            r = cls.box.ctl(*args)
            assert r.returncode == 0, r.stderr

    def test_text_newest_last(self):
        r = self.ok("audit", "tail")
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 6)
        parsed = [LINE.match(line) for line in lines]
        self.assertTrue(all(parsed), r.stdout)
        self.assertEqual([m.group(2) for m in parsed][1:], [
            "user_created", "user_created", "user_locked", "user_unlocked",
            "user_deactivated"])
        first = parsed[0]
        self.assertEqual(first.group(2), "login_failure")
        self.assertEqual(first.group(3), "amy")
        self.assertEqual(first.group(4), "sshd")
        self.assertEqual(first.group(5), "203.0.113.5")
        self.assertEqual(first.group(6), "fail")
        self.assertEqual(first.group(7), "wrong password")
        last = parsed[-1]
        self.assertEqual(last.group(3), "bob")
        self.assertEqual(last.group(4), "cli")
        self.assertEqual(last.group(5), "-")
        self.assertTrue(last.group(7).startswith("by "))
        times = [m.group(1) for m in parsed]
        self.assertEqual(times, sorted(times))

    def test_n(self):
        events = self.ok_json("audit", "tail", "-n", "2")
        self.assertEqual([e["event"] for e in events],
                         ["user_unlocked", "user_deactivated"])
        self.assertEqual(len(self.ok("audit", "tail", "--lines", "3")
                             .stdout.splitlines()), 3)

    def test_user_filter(self):
        events = self.events("--user", "amy")
        self.assertEqual([e["event"] for e in events], [
            "login_failure", "user_created", "user_locked", "user_unlocked"])
        self.assertTrue(all(e["user"] == "amy" for e in events))

    def test_event_filter(self):
        events = self.events("--event", "user_created")
        self.assertEqual([e["user"] for e in events], ["amy", "bob"])

    def test_since(self):
        events = self.events("--since", "1h")
        self.assertNotIn("login_failure", [e["event"] for e in events])
        self.assertEqual(len(events), 5)
        events = self.events("--since", "3d")
        self.assertEqual(len(events), 6)

    def test_json_fields(self):
        events = self.events("--event", "user_locked")
        self.assertEqual(len(events), 1)
        e = events[0]
        for key in ("id", "ts", "ts_micros", "event", "user", "user_id",
                    "service", "rhost", "tty", "outcome", "detail"):
            self.assertIn(key, e)
        self.assertEqual(e["service"], "cli")
        self.assertEqual(e["detail"].split(" by ")[0], "until unlocked")
        ts = datetime.datetime.strptime(e["ts"], "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc)
        self.assertEqual(int(ts.timestamp()), e["ts_micros"] // 1_000_000)
        self.assertEqual(e["user_id"], self.show("amy")["id"])

    def test_no_match(self):
        r = self.ok("audit", "tail", "--user", "nobody")
        self.assertEqual(r.stdout, "")
        self.assertEqual(self.events("--user", "nobody"), [])


if __name__ == "__main__":
    unittest.main()
