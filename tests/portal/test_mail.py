"""HTTP tests: the portal's mail worker against a real SMTP server
(aiosmtpd): what a delivered mail looks like, the mail metrics in /metrics,
and a down SMTP server: a mail queued while it is stopped is delivered
after it starts again, with the portal running all along."""

import os
import re
import time
import unittest

import portalharness


def metric(text, name):
    m = re.search(rf"^{name} (\S+)$", text, re.M)
    return float(m.group(1)) if m else None


class MailTest(portalharness.SmtpPortalTestCase):

    def metrics(self):
        r = self.portal.browser().get("/metrics")
        self.assertEqual(r.status, 200)
        return r.text

    def forgot(self, email):
        b = self.portal.browser()
        r = b.post_form("/forgot", {"csrf": b.csrf_for("/forgot"),
                                    "email": email})
        self.assertEqual(r.status, 303, r)

    def outbox(self, email):
        """[(attempts, sent?, last_error?, body empty?)] for `email`."""
        out = self.portal.query(
            "SELECT attempts, sent_at IS NOT NULL, last_error IS NOT NULL, "
            "body = '' FROM mail_outbox WHERE to_addr = "
            f"'{email}' ORDER BY id").strip()
        return [tuple(int(x) for x in line.split("\t"))
                for line in out.splitlines() if line]

    def wait_until(self, predicate, timeout=20, what="condition"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.1)
        self.fail(f"timed out waiting for {what}")

    def test_metrics_are_exported(self):
        text = self.metrics()
        for name, kind in (("latchkey_mail_sent_total", "counter"),
                           ("latchkey_mail_failed_total", "counter"),
                           ("latchkey_mail_retries_total", "counter"),
                           ("latchkey_mail_queued", "gauge")):
            self.assertIn(f"# TYPE {name} {kind}", text)
            self.assertIsNotNone(metric(text, name), name)

    def test_a_delivered_mail(self):
        name, _ = self.new_user(full_name="Mia Mail")
        email = f"{name}@example.org"
        sent_before = metric(self.metrics(), "latchkey_mail_sent_total")
        self.forgot(email)
        msg = self.wait_for_mail(email, subject="Reset your password")
        self.assertEqual(msg["X-Envelope-To"], email)
        self.assertEqual(msg["To"], email)
        self.assertIn("no-reply@localhost", msg["From"])
        self.assertTrue(msg["Message-ID"])
        self.assertTrue(msg["Date"])
        self.assertEqual(msg.get_content_type(), "text/plain")
        link = self.mail_link(msg, "/reset")
        self.assertRegex(link, r"^/reset\?token=[A-Za-z0-9_-]{20,}$")
        # Delivered: the row is marked sent and its one-use link is gone.
        self.wait_until(lambda: self.outbox(email) == [(1, 1, 0, 1)],
                        what="the outbox row to be marked sent")
        text = self.wait_until(
            lambda: (lambda t: t if metric(t, "latchkey_mail_sent_total")
                     >= sent_before + 1 else None)(self.metrics()),
            what="latchkey_mail_sent_total to count the mail")
        self.assertEqual(metric(text, "latchkey_mail_queued"), 0)

    def test_smtp_down_delays_mail_and_loses_none(self):
        name, _ = self.new_user()
        email = f"{name}@example.org"
        retries_before = metric(self.metrics(),
                                "latchkey_mail_retries_total")
        self.smtp.stop()
        try:
            self.forgot(email)
            # The worker tried at once, failed, and rescheduled the mail.
            rows = self.wait_until(
                lambda: [r for r in self.outbox(email) if r[0] >= 1],
                what="a failed delivery attempt")
            self.assertEqual(rows[0][1:3], (0, 1))  # not sent, error kept
            text = self.wait_until(
                lambda: (lambda t: t if metric(
                    t, "latchkey_mail_retries_total") >= retries_before + 1
                    else None)(self.metrics()),
                what="latchkey_mail_retries_total")
            self.assertGreaterEqual(metric(text, "latchkey_mail_queued"), 1)
            error = self.portal.query(
                "SELECT last_error FROM mail_outbox WHERE to_addr = "
                f"'{email}'").strip()
            self.assertIn("127.0.0.1", error)
            self.assertEqual(self.mails_to(email), [])
        finally:
            self.smtp.start()
        # The next attempt is 30 s after a first failure; bring it forward
        # instead of waiting. The worker looks again within 5 s.
        self.portal.query(
            "UPDATE mail_outbox SET next_attempt_at = created_at "
            f"WHERE to_addr = '{email}' AND sent_at IS NULL")
        msg = self.wait_for_mail(email, subject="Reset your password",
                                 timeout=30)
        self.mail_link(msg, "/reset")
        self.wait_until(lambda: self.outbox(email)[0][1] == 1,
                        what="the row to be marked sent")
        self.assertEqual(self.outbox(email)[0][0], 2)  # attempts
        self.wait_until(
            lambda: metric(self.metrics(), "latchkey_mail_queued") == 0,
            timeout=30, what="the queue gauge to drop to 0")


class MaildirTest(portalharness.PortalTestCase):
    """The default harness transport: maildir:, written by the worker after
    the portal dropped root (to `nobody`)."""

    def test_mail_lands_in_the_maildir(self):
        name, _ = self.new_user()
        b = self.portal.browser()
        r = b.post_form("/forgot", {"csrf": b.csrf_for("/forgot"),
                                    "email": f"{name}@example.org"})
        self.assertEqual(r.status, 303)
        deadline = time.monotonic() + 20
        while not self.portal.mail_files() and time.monotonic() < deadline:
            time.sleep(0.1)
        files = self.portal.mail_files()
        self.assertEqual(len(files), 1, self.portal.log())
        path = os.path.join(self.portal.tmp, "mail", "new", files[0])
        with open(path, encoding="utf-8") as f:
            text = f.read()
        self.assertIn(f"To: {name}@example.org", text)
        self.assertIn("/reset?token=", text)


if __name__ == "__main__":
    unittest.main()
