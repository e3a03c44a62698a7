"""POST /forgot answers before the work a known address causes (the reset
link and its mail), so a known and an unknown address cost the request the
same. Shown without timing: while another session holds the token and
outbox tables locked, both addresses are still answered at once, and the
mail for the known one follows when the lock goes."""

import os
import subprocess
import time
import unittest
import urllib.parse

import portalharness


class ForgotAnswersFirstTest(portalharness.PortalTestCase):

    def lock_tables(self):
        env = self.portal.env
        with open(env["LK_DB_PASSWORD_FILE"], encoding="utf-8") as f:
            password = f.read().strip()
        client = subprocess.Popen(
            ["mariadb", "--no-defaults", "-S", env["LK_DB_SOCKET"], "-u",
             env["LK_DB_USER"], "-N", "-B", "--unbuffered",
             self.portal.db_name],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env=dict(os.environ, MYSQL_PWD=password))
        client.stdin.write("LOCK TABLES tokens WRITE, mail_outbox WRITE;\n"
                           "SELECT 'locked';\n")
        client.stdin.flush()
        self.assertEqual(client.stdout.readline().strip(), "locked")
        return client

    def forgot(self, email, ip):
        b = self.portal.browser({"X-Forwarded-For": ip})
        body = urllib.parse.urlencode(
            {"csrf": b.csrf_for("/forgot"), "email": email}).encode()
        return b.request("POST", "/forgot", body, {
            "Content-Type": "application/x-www-form-urlencoded"}, timeout=10)

    def test_known_address_is_answered_before_its_work(self):
        name, _ = self.new_user()
        known = f"{name}@example.org"
        before = len(self.portal.mail_files())
        client = self.lock_tables()
        try:
            for email, ip in ((known, "198.51.100.61"),
                              ("nobody-known@example.org", "198.51.100.62")):
                # Old code waited here for the lock (the link and its mail
                # were made while the request waited).
                r = self.forgot(email, ip)
                self.assertEqual(r.status, 303, r)
                self.assertEqual(r.header("location"),
                                 "/forgot?notice=reset_sent")
        finally:
            client.stdin.write("UNLOCK TABLES;\n")
            client.stdin.close()
            client.wait(timeout=30)
        deadline = time.monotonic() + 30
        while (time.monotonic() < deadline and
               len(self.portal.mail_files()) <= before):
            time.sleep(0.1)
        self.assertEqual(len(self.portal.mail_files()), before + 1)
        count = self.portal.query(
            "SELECT COUNT(*) FROM tokens WHERE user_id = (SELECT id FROM "
            f"users WHERE username = '{name}')").strip()
        self.assertEqual(count, "1")


if __name__ == "__main__":
    unittest.main()
