"""latchkeyctl audit export: CSV and JSON to stdout, the filters, formula
cells neutralized, and bad input (exit 2)."""

import csv
import io
import json
import unittest

import lkctl


class AuditExportTest(lkctl.CliTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.box.query(
            "INSERT INTO auth_events (ts, username_tried, event, service, "
            "rhost, outcome, detail) VALUES "
            "(UTC_TIMESTAMP(6) - INTERVAL 3 DAY, '=cmd|'' /C calc''!A0', "
            "'unknown_user', 'sshd', '203.0.113.5', 'fail', ''), "
            "(UTC_TIMESTAMP(6) - INTERVAL 2 HOUR, '@SUM(1+1)', "
            "'unknown_user', 'sshd', '203.0.113.6', 'fail', ''), "
            "(UTC_TIMESTAMP(6) - INTERVAL 1 HOUR, 'ann', 'login_success', "
            "'portal', '198.51.100.7', 'ok', 'a, \"quoted\" detail')")

    def csv_rows(self, *args):
        r = self.ok("audit", "export", "--format", "csv", *args)
        rows = list(csv.reader(io.StringIO(r.stdout, newline="")))
        self.assertEqual(rows[0][:4], ["id", "time", "event", "user"])
        return rows[1:]

    def test_csv_neutralizes_and_quotes(self):
        rows = self.csv_rows("--service", "sshd")
        self.assertEqual([row[3] for row in rows],
                         ["'@SUM(1+1)", "'=cmd|' /C calc'!A0"])
        rows = self.csv_rows("--user", "ann")
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0][9], 'a, "quoted" detail')
        self.assertEqual(rows[0][8], "ok")

    def test_filters(self):
        self.assertEqual(len(self.csv_rows("--address", "203.0.113.*")), 2)
        self.assertEqual(len(self.csv_rows("--address", "203.0.113.5")), 1)
        self.assertEqual(len(self.csv_rows("--outcome", "ok",
                                           "--event", "login_success")), 1)
        self.assertEqual(len(self.csv_rows("--service", "sshd",
                                           "--since", "1d")), 1)
        self.assertEqual(len(self.csv_rows("--service", "sshd",
                                           "--until", "1d")), 1)

    def test_json(self):
        r = self.ok("audit", "export", "--format", "json", "--service", "sshd")
        events = json.loads(r.stdout)
        self.assertEqual([e["user"] for e in events],
                         ["@SUM(1+1)", "=cmd|' /C calc'!A0"])
        self.assertEqual(events[0]["address"], "203.0.113.6")
        self.assertIsNone(events[0]["user_id"])
        empty = self.ok("audit", "export", "--format", "json", "--service",
                        "api")
        self.assertEqual(json.loads(empty.stdout), [])

    def test_bad_input_exits_2(self):
        self.fails(2, "--format: expected csv or json", "audit", "export")
        self.fails(2, "--format: expected csv or json", "audit", "export",
                   "--format", "xml")
        self.fails(2, "--event:", "audit", "export", "--format", "csv",
                   "--event", "nope")
        self.fails(2, "--service:", "audit", "export", "--format", "csv",
                   "--service", "ftp")
        self.fails(2, "--outcome:", "audit", "export", "--format", "csv",
                   "--outcome", "maybe")
        self.fails(2, "--since:", "audit", "export", "--format", "csv",
                   "--since", "last tuesday")
        self.fails(2, "--until:", "audit", "export", "--format", "csv",
                   "--until", "2026-02-30")


if __name__ == "__main__":
    unittest.main()
