"""HTTP tests: /register and POST /api/v1/register against a real portal,
MariaDB and SMTP server (aiosmtpd): per-field errors, the password policy,
the same answer for a taken email (and the mail to its owner), CSRF and
methods."""

import itertools
import os
import unittest

import portalharness

STRONG = "correct horse battery staple 42"
_ids = itertools.count(1)

RULES = ("Use 12 to 256 characters. Not your username or email address, "
         "and not a common password.")


def unique(prefix="r"):
    return f"{prefix}{os.getpid() % 10000}x{next(_ids)}"


class RegisterTest(portalharness.SmtpPortalTestCase):

    def form(self, **fields):
        name = unique()
        data = {"full_name": "Rita Register", "username": name,
                "email": f"{name}@example.org", "password": STRONG,
                "confirm": STRONG}
        data.update(fields)
        return data

    def post(self, b, data):
        token = b.csrf_for("/register")
        self.assertTrue(token)
        return b.post_form("/register", dict(data, csrf=token))

    def user_row(self, username):
        out = self.portal.query(
            "SELECT email, email_verified_at IS NOT NULL, is_active "
            f"FROM users WHERE username = '{username}'").strip()
        return out.split("\t") if out else None

    def assertFieldError(self, r, field, text=None):
        self.assertIn(f'id="{field}-error"', r.text, f"{field}: {r.text}")
        if text is not None:
            self.assertIn(text, r.text)

    # --- the form ---

    def test_form_has_every_field(self):
        r = self.portal.browser().get("/register")
        self.assertEqual(r.status, 200)
        self.assertSecurityHeaders(r)
        for name in ("full_name", "username", "email", "password", "confirm",
                     "csrf"):
            self.assertIn(f'name="{name}"', r.text)
        self.assertIn('autocomplete="new-password"', r.text)
        # The rules, from the config, beside the field before anything is
        # typed, and tied to it for screen readers.
        self.assertIn('<p class="hint" id="password-rules">%s</p>' % RULES,
                      r.text)
        self.assertIn('aria-describedby="password-rules"', r.text)
        self.assertIn('<label for="password">Password</label>', r.text)

    def test_login_page_links_to_the_account_pages(self):
        r = self.portal.browser().get("/login")
        for path in ("/register", "/forgot", "/activate/resend"):
            self.assertIn(f'href="{path}"', r.text)
            self.assertEqual(self.portal.browser().get(path).status, 200)

    def test_signed_in_user_is_sent_to_the_profile(self):
        name, password = self.new_user()
        b = self.portal.browser()
        self.assertEqual(b.login(name, password).status, 303)
        r = b.get("/register")
        self.assertEqual(r.status, 303)
        self.assertEqual(r.header("location"), "/profile")

    # --- success, activation mail, login ---

    def test_register_activate_and_sign_in(self):
        b = self.portal.browser()
        data = self.form(full_name="Zoë Ünicode")
        r = self.post(b, data)
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"), "/login?notice=registered")
        page = b.get("/login?notice=registered")
        self.assertIn("we have sent a link to your email address", page.text)

        row = self.user_row(data["username"])
        self.assertEqual(row, [data["email"], "0", "1"])
        name = self.portal.query(
            "SELECT full_name FROM users WHERE username = "
            f"'{data['username']}'").strip()
        self.assertEqual(name, "Zoë Ünicode")

        msg = self.wait_for_mail(data["email"], subject="Activate")
        link = self.mail_link(msg, "/activate")
        self.assertIn("token=", link)
        r = b.get(link)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.user_row(data["username"])[1], "0")
        r = b.post_form("/activate", {"csrf": r.csrf(),
                                      "token": link.split("token=", 1)[1]})
        self.assertEqual(r.status, 200, r)
        self.assertIn("Email address confirmed", r.text)
        self.assertEqual(self.user_row(data["username"])[1], "1")

        r = b.login(data["username"], data["password"])
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"), "/profile")

    def test_unicode_password_is_accepted(self):
        password = "pässwörd ünïcödé ☃ 長いパスワードです"
        data = self.form(password=password, confirm=password)
        r = self.post(self.portal.browser(), data)
        self.assertEqual(r.status, 303, r)
        # Verification is off in this class: the new password works at once.
        r = self.portal.browser().login(data["email"], password)
        self.assertEqual(r.status, 303, r)
        r = self.portal.browser().login(data["email"], "pässwörd ünïcödé")
        self.assertEqual(r.status, 401, r)

    # --- per-field errors ---

    def test_missing_fields(self):
        b = self.portal.browser()
        r = self.post(b, {"full_name": "", "username": "", "email": "",
                          "password": "", "confirm": ""})
        self.assertEqual(r.status, 422, r)
        for field in ("full_name", "username", "email", "password"):
            self.assertFieldError(r, field)
        self.assertIn('aria-invalid="true"', r.text)
        self.assertIn("Please correct the fields marked below.", r.text)

    def test_absent_fields_are_missing_fields(self):
        b = self.portal.browser()
        r = self.post(b, {})
        self.assertEqual(r.status, 422, r)
        for field in ("full_name", "username", "email", "password"):
            self.assertFieldError(r, field)

    def test_over_long_fields(self):
        b = self.portal.browser()
        data = self.form()
        r = self.post(b, dict(data, full_name="N" * 201))
        self.assertEqual(r.status, 422)
        self.assertFieldError(r, "full_name")
        r = self.post(b, dict(data, username="u" * 33))
        self.assertEqual(r.status, 422)
        self.assertFieldError(r, "username", "at most 32 characters")
        r = self.post(b, dict(data, email="a" * 250 + "@example.org"))
        self.assertEqual(r.status, 422)
        self.assertFieldError(r, "email", "Enter a valid email address.")
        long_password = "long passphrase " * 20  # 320 > 256 code points
        r = self.post(b, dict(data, password=long_password,
                              confirm=long_password))
        self.assertEqual(r.status, 422)
        self.assertFieldError(r, "password", "256")
        self.assertIsNone(self.user_row(data["username"]))
        # Past the server's 8 KiB per field: refused before any handler.
        r = self.post(b, dict(data, full_name="N" * 9000))
        self.assertEqual(r.status, 413)
        self.assertIsNone(self.user_row(data["username"]))

    def test_invalid_email(self):
        data = self.form(email="not an <email>")
        r = self.post(self.portal.browser(), data)
        self.assertEqual(r.status, 422)
        self.assertFieldError(r, "email", "Enter a valid email address.")
        # The typed value comes back, escaped.
        self.assertIn("not an &lt;email&gt;", r.text)
        self.assertNotIn("<email>", r.text)
        self.assertIsNone(self.user_row(data["username"]))

    def test_values_come_back_but_passwords_do_not(self):
        data = self.form(full_name="<script>alert(1)</script>",
                         confirm="something else entirely 9")
        r = self.post(self.portal.browser(), data)
        self.assertEqual(r.status, 422)
        self.assertIn(f'value="{data["username"]}"', r.text)
        self.assertNotIn("<script>alert(1)", r.text)
        self.assertNotIn(STRONG, r.text)
        self.assertNotIn("something else entirely", r.text)

    def test_weak_password(self):
        data = self.form(password="password", confirm="password")
        r = self.post(self.portal.browser(), data)
        self.assertEqual(r.status, 422)
        self.assertFieldError(r, "password", "at least 12 characters")
        self.assertIsNone(self.user_row(data["username"]))

    def test_password_like_the_username_is_refused(self):
        name = unique("longusername")
        data = self.form(username=name, password=name + "1",
                         confirm=name + "1")
        r = self.post(self.portal.browser(), data)
        self.assertEqual(r.status, 422)
        self.assertFieldError(r, "password")

    def test_confirm_mismatch(self):
        data = self.form(confirm=STRONG + "!")
        r = self.post(self.portal.browser(), data)
        self.assertEqual(r.status, 422)
        self.assertFieldError(r, "confirm", "The passwords do not match.")
        self.assertIsNone(self.user_row(data["username"]))

    def test_taken_username(self):
        name, _ = self.new_user()
        data = self.form(username=name)
        r = self.post(self.portal.browser(), data)
        self.assertEqual(r.status, 422)
        self.assertFieldError(r, "username", "That username is taken.")
        self.assertEqual(self.mails_to(data["email"]), [])

    def test_reserved_names_are_refused(self):
        # Names that system packages and cloud images create on hosts: a
        # database account of that name would claim the host's account.
        for name in ("deploy", "ubuntu", "admin", "administrator", "ec2-user",
                     "git", "postgres", "admin2", "systemd-foo"):
            data = self.form(username=name, email=f"{unique()}@example.org")
            r = self.post(self.portal.browser(), data)
            self.assertEqual(r.status, 422, name)
            self.assertFieldError(r, "username", "is reserved")
            self.assertIsNone(self.user_row(name), name)

    def test_taken_email_gets_the_same_answer_and_mails_the_owner(self):
        owner, _ = self.new_user()
        owner_email = f"{owner}@example.org"
        fresh = self.form()
        taken = self.form(email=owner_email.upper())
        b = self.portal.browser()
        r_fresh = self.post(b, fresh)
        r_taken = self.post(b, taken)
        self.assertEqual(r_fresh.status, 303)
        self.assertEqual(r_taken.status, r_fresh.status)
        self.assertEqual(r_taken.header("location"),
                         r_fresh.header("location"))
        self.assertEqual(r_taken.body, r_fresh.body)
        # Nothing was created for the taken address...
        self.assertIsNone(self.user_row(taken["username"]))
        # ...and its owner hears about the attempt, without a link to use.
        msg = self.wait_for_mail(owner_email, subject="Someone tried")
        self.assertNotIn(taken["username"], msg.get_content())
        self.assertEqual(self.mails_to(owner_email, subject="Activate"), [])
        self.wait_for_mail(fresh["email"], subject="Activate")

    # --- CSRF and methods ---

    def test_csrf_missing_or_wrong(self):
        b = self.portal.browser()
        data = self.form()
        b.csrf_for("/register")  # has the pre-session cookie
        r = b.post_form("/register", data)
        self.assertEqual(r.status, 403)
        r = b.post_form("/register", dict(data, csrf="A" * 43))
        self.assertEqual(r.status, 403)
        # A token from another browser does not fit this one's cookie.
        other = self.portal.browser().csrf_for("/register")
        r = b.post_form("/register", dict(data, csrf=other))
        self.assertEqual(r.status, 403)
        self.assertIsNone(self.user_row(data["username"]))

    def test_wrong_method(self):
        r = self.portal.browser().request("PUT", "/register", b"")
        self.assertEqual(r.status, 405)
        self.assertIn("POST", r.header("allow"))
        self.assertIn("GET", r.header("allow"))
        r = self.portal.browser().get("/api/v1/register")
        self.assertEqual(r.status, 405)
        self.assertEqual(r.header("allow"), "POST")
        self.assertEqual(r.json()["error"], "method_not_allowed")


class RegisterApiTest(portalharness.SmtpPortalTestCase):

    def api(self, body, csrf=True, raw=None):
        b = self.portal.browser()
        token = b.get("/api/v1/csrf").json()["csrf"] if csrf else None
        if raw is not None:
            return b.request("POST", "/api/v1/register", raw,
                             {"Content-Type": "application/json",
                              "X-CSRF-Token": token})
        return b.post_json("/api/v1/register", body, csrf=token)

    def body(self, **fields):
        name = unique("a")
        data = {"full_name": "Api User", "username": name,
                "email": f"{name}@example.org", "password": STRONG}
        data.update(fields)
        return data

    def test_created(self):
        body = self.body()
        r = self.api(body)
        self.assertEqual(r.status, 201, r)
        self.assertTrue(
            r.header("content-type").startswith("application/json"))
        self.assertEqual(r.json()["status"], "registered")
        self.assertSecurityHeaders(r)
        msg = self.wait_for_mail(body["email"], subject="Activate")
        link = self.mail_link(msg, "/activate")
        token = link.split("token=", 1)[1]
        b = self.portal.browser()
        csrf = b.get("/api/v1/csrf").json()["csrf"]
        r = b.post_json("/api/v1/activate", {"token": token}, csrf=csrf)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"status": "activated"})

    def test_field_errors(self):
        r = self.api({"username": "Bad Name", "email": "nope",
                      "password": "short", "confirm": "other"})
        self.assertEqual(r.status, 422)
        out = r.json()
        self.assertEqual(out["error"], "invalid")
        self.assertTrue(out["message"])
        self.assertEqual(set(out["fields"]),
                         {"full_name", "username", "email", "password",
                          "confirm"})

    def test_wrong_types(self):
        r = self.api(self.body(username=42, password=["x"]))
        self.assertEqual(r.status, 422)
        self.assertEqual(r.json()["fields"],
                         {"username": "must be a string",
                          "password": "must be a string"})

    def test_confirm_is_optional_but_checked(self):
        r = self.api(self.body(confirm=STRONG + "?"))
        self.assertEqual(r.status, 422)
        self.assertEqual(list(r.json()["fields"]), ["confirm"])

    def test_taken_email_same_answer(self):
        owner, _ = self.new_user()
        r1 = self.api(self.body())
        r2 = self.api(self.body(email=f"{owner}@example.org"))
        self.assertEqual(r1.status, 201)
        self.assertEqual((r2.status, r2.json()), (r1.status, r1.json()))
        self.wait_for_mail(f"{owner}@example.org", subject="Someone tried")

    def test_reserved_names_are_refused(self):
        for name in ("deploy", "ubuntu", "admin", "centos", "www-data"):
            r = self.api(self.body(username=name,
                                   email=f"{unique('a')}@example.org"))
            self.assertEqual(r.status, 422, name)
            self.assertIn("is reserved", r.json()["fields"]["username"], name)

    def test_taken_username_conflicts(self):
        owner, _ = self.new_user()
        r = self.api(self.body(username=owner))
        self.assertEqual(r.status, 422)
        self.assertEqual(r.json()["fields"],
                         {"username": "That username is taken."})

    def test_bad_json(self):
        r = self.api(None, raw=b"{not json")
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json()["error"], "bad_json")
        r = self.api(None, raw=b"[1, 2]")
        self.assertEqual(r.status, 400)

    def test_csrf(self):
        body = self.body()
        r = self.api(body, csrf=False)
        self.assertEqual(r.status, 403)
        self.assertEqual(r.json()["error"], "csrf")
        b = self.portal.browser()
        b.get("/api/v1/csrf")
        r = b.post_json("/api/v1/register", body, csrf="wrong")
        self.assertEqual(r.status, 403)
        self.assertEqual(self.portal.query(
            "SELECT COUNT(*) FROM users WHERE username = "
            f"'{body['username']}'").strip(), "0")


class RegistrationClosedTest(portalharness.PortalTestCase):
    portal_options = {"registration": "closed"}

    def test_page_says_closed(self):
        b = self.portal.browser()
        r = b.get("/register")
        self.assertEqual(r.status, 403)
        self.assertIn("Registration is closed", r.text)
        self.assertNotIn('name="password"', r.text)
        r = b.post_form("/register", {
            "csrf": b.csrf_for("/login"), "full_name": "X", "username": unique("c"),
            "email": "c@example.org", "password": STRONG, "confirm": STRONG})
        self.assertEqual(r.status, 403)
        self.assertIn("Registration is closed", r.text)

    def test_api_says_closed(self):
        b = self.portal.browser()
        token = b.get("/api/v1/csrf").json()["csrf"]
        r = b.post_json("/api/v1/register", {
            "full_name": "X", "username": unique("c"),
            "email": "c2@example.org", "password": STRONG}, csrf=token)
        self.assertEqual(r.status, 403)
        self.assertEqual(r.json()["error"], "registration_closed")
        self.assertEqual(self.portal.query(
            "SELECT COUNT(*) FROM users").strip(), "0")


if __name__ == "__main__":
    unittest.main()
