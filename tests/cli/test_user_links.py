"""latchkeyctl user invite | reset-link | reset-mail (issue 11, part
"invite"): the account and the queued mail an invitation makes, the link
printed once (text and --json) with its validity, the reset mail, the
audit rows, and bad input (exit 2 for usage, exit 1 for a refusal)."""

import datetime
import unittest

import lkctl


def utc(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)


def now():
    return datetime.datetime.now(datetime.timezone.utc)


class UserLinksTest(lkctl.CliTestCase):
    def outbox(self, address):
        return self.box.query(
            "SELECT subject FROM mail_outbox WHERE to_addr = "
            f"'{address}' ORDER BY id").splitlines()

    def last_event(self, event, user):
        events = [e for e in self.events("--user", user)
                  if e["event"] == event]
        self.assertTrue(events, f"no {event} for {user}")
        return events[-1]

    def test_invite_creates_an_inactive_account_and_queues_the_mail(self):
        out = self.ok_json("user", "invite", "ina", "--email", "Ina@Example.org",
                           "--full-name", "Ina Vited", "--role", "user")
        self.assertEqual(out["username"], "ina")
        self.assertEqual(out["status"], "invited")
        user = self.show("ina")
        self.assertFalse(user["active"])
        self.assertFalse(user["email_verified"])
        self.assertEqual(user["full_name"], "Ina Vited")
        subjects = self.outbox("ina@example.org")
        self.assertEqual(len(subjects), 1)
        self.assertIn("You are invited: choose your password", subjects[0])
        self.assertIn("by root", self.last_event("user_invited", "ina")["detail"])
        # Text output, and a resend that replaces the link.
        r = self.ok("user", "invite", "ina", "--resend")
        self.assertIn("queued a new invitation for ina", r.stdout)
        self.assertEqual(len(self.outbox("ina@example.org")), 2)
        self.assertEqual(self.box.query(
            "SELECT COUNT(*) FROM tokens WHERE purpose = 'invite' AND "
            "used_at IS NULL").strip(), "1")

    def test_invite_refusals(self):
        self.add_user("taken")
        self.fails(2, "missing --email", "user", "invite", "newbie")
        self.fails(2, "missing USERNAME", "user", "invite")
        self.fails(2, "--resend takes no --email", "user", "invite", "taken",
                   "--resend", "--email", "x@example.org")
        self.fails(1, "a user named 'taken' already exists",
                   "user", "invite", "taken", "--email", "other@example.org")
        self.fails(1, "a user with the email 'taken@example.org' already "
                   "exists", "user", "invite", "newbie", "--email",
                   "Taken@example.org")
        self.fails(1, "reserved for a system account", "user", "invite",
                   "root", "--email", "r@example.org")
        self.fails(1, "not a valid email address", "user", "invite",
                   "newbie", "--email", "nope")
        self.fails(1, "no role named 'ghost'", "user", "invite", "newbie",
                   "--email", "n@example.org", "--role", "ghost")
        self.fails(1, "has already accepted the invitation", "user",
                   "invite", "taken", "--resend")
        self.fails(1, "no user named 'nobody'", "user", "invite", "nobody",
                   "--resend")

    def test_reset_link(self):
        self.add_user("rita")
        before = now()
        out = self.ok_json("user", "reset-link", "rita")
        self.assertEqual(set(out), {"url", "expires_at"})
        self.assertIn("/reset?token=", out["url"])
        token = out["url"].split("token=", 1)[1]
        self.assertEqual(len(token), 43)
        left = (utc(out["expires_at"]) - before).total_seconds()
        self.assertTrue(3590 <= left <= 3610, left)
        self.assertEqual(self.last_event("reset_link_issued", "rita")["detail"]
                         .split(" by ")[0], "valid 1h")
        # The token is stored hashed only, and appears in no audit row.
        self.assertNotIn(token, str(self.events()))
        r = self.ok("user", "reset-link", "rita", "--valid", "30m")
        self.assertIn("shown only now", r.stdout)
        url = r.stdout.strip().splitlines()[-1]
        self.assertIn("/reset?token=", url)
        self.assertEqual(self.last_event("reset_link_issued", "rita")["detail"]
                         .split(" by ")[0], "valid 30m")
        self.assertEqual(self.outbox("rita@example.org"), [])

    def test_reset_link_refusals(self):
        self.add_user("rolf")
        for bad in ("25h", "2d", "0", "-1h", "soon"):
            self.fails(2, "--valid: the validity must be", "user",
                       "reset-link", "rolf", "--valid", bad)
        self.fails(1, "no user named 'nobody'", "user", "reset-link", "nobody")
        self.ok("user", "deactivate", "rolf")
        self.fails(1, "'rolf' is deactivated", "user", "reset-link", "rolf")
        self.assertEqual(self.box.query(
            "SELECT COUNT(*) FROM tokens t JOIN users u ON u.id = t.user_id "
            "WHERE u.username = 'rolf'").strip(), "0")

    def test_reset_mail(self):
        self.add_user("mara")
        r = self.ok("user", "reset-mail", "mara")
        self.assertIn("queued a password reset mail for mara", r.stdout)
        subjects = self.outbox("mara@example.org")
        self.assertEqual(len(subjects), 1)
        self.assertIn("Reset your password", subjects[0])
        self.assertIn("by root",
                      self.last_event("reset_mail_sent", "mara")["detail"])
        self.fails(1, "no user named 'nobody'", "user", "reset-mail", "nobody")
        self.fails(2, "unexpected argument", "user", "reset-mail", "mara",
                   "extra")


if __name__ == "__main__":
    unittest.main()
