"""Profile pages and API: full name, avatar upload and serving, email
change (re-auth, confirmation link to the new address, notice to the old)."""

import html
import unittest

import lkharness
import portalharness
from account_helpers import (ApiAsserts, api_csrf, api_login,
                             api_send, jpeg, page_csrf, png, post_multipart,
                             random_bytes)

AVATAR_MAX = 1048576  # the default [portal] avatar_max_bytes


class ProfileTest(ApiAsserts, portalharness.SmtpPortalTestCase):

    def signed_in(self, full_name=None):
        name, password = self.new_user(full_name=full_name)
        b = self.portal.browser()
        r = b.login(name, password)
        self.assertEqual(r.status, 303, r)
        return name, password, b

    def stored(self, name, column):
        return self.portal.query(
            f"SELECT {column} FROM users WHERE username = '{name}'").strip()

    # --- full name ---

    def test_edit_name_is_saved_and_escaped(self):
        name, _, b = self.signed_in(full_name="Old Name")
        evil = '<script>alert("x")</script> & Ada'
        r = b.post_form("/profile", {"csrf": page_csrf(b), "full_name": evil})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"), "/profile?notice=profile_saved")
        self.assertEqual(self.stored(name, "full_name"), evil)
        page = b.get(r.header("location"))
        self.assertEqual(page.status, 200)
        self.assertIn("Your profile has been saved.", page.text)
        self.assertNotIn("<script>alert", page.text)
        self.assertIn("&lt;script&gt;alert(&quot;x&quot;)&lt;&#47;script&gt;"
                      " &amp; Ada", page.text)
        self.assertIn(evil, html.unescape(page.text))
        self.assertSecurityHeaders(page)

    def test_bad_names_are_field_errors(self):
        name, _, b = self.signed_in(full_name="Kept Name")
        for bad in ("", "x" * 201, "tab\there"):
            r = b.post_form("/profile", {"csrf": page_csrf(b),
                                         "full_name": bad})
            self.assertEqual(r.status, 422, (bad, r))
            self.assertIn('id="full_name-error"', r.text)
            self.assertIn('aria-invalid="true"', r.text)
        self.assertEqual(self.stored(name, "full_name"), "Kept Name")

    def test_unicode_name(self):
        name, _, b = self.signed_in()
        r = b.post_form("/profile", {"csrf": page_csrf(b),
                                     "full_name": "Zoë Ἀθηνᾶ 山田"})
        self.assertEqual(r.status, 303, r)
        self.assertIn("Zoë Ἀθηνᾶ 山田", b.get("/profile").text)

    # --- avatar ---

    def upload(self, b, data, ctype, filename="me.png"):
        return post_multipart(b, "/avatar", {"csrf": page_csrf(b)},
                              {"avatar": (filename, ctype, data)})

    def test_png_avatar_is_served_with_its_type(self):
        _, _, b = self.signed_in()
        self.assertEqual(b.get("/avatar").status, 404)
        image = png(4, 3)
        r = self.upload(b, image, "image/png")
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"), "/profile?notice=avatar_saved")
        got = b.get("/avatar")
        self.assertEqual(got.status, 200)
        self.assertEqual(got.header("content-type"), "image/png")
        self.assertEqual(got.header("x-content-type-options"), "nosniff")
        self.assertEqual(got.body, image)
        self.assertIn('src="/avatar?v=', b.get("/profile").text)
        # Only the owner's session sees it.
        self.assertEqual(self.portal.browser().get("/avatar").status, 303)

    def test_jpeg_avatar(self):
        _, _, b = self.signed_in()
        image = jpeg(5, 7)
        r = self.upload(b, image, "image/jpeg", "me.jpg")
        self.assertEqual(r.status, 303, r)
        got = b.get("/avatar")
        self.assertEqual(got.header("content-type"), "image/jpeg")
        self.assertEqual(got.body, image)

    def test_oversized_avatar_is_refused(self):
        _, _, b = self.signed_in()
        # Over the route's file cap: the server stops reading (413).
        big = png(2, 2, extra_idat=b"\0" * (AVATAR_MAX + 10))
        r = self.upload(b, big, "image/png")
        self.assertEqual(r.status, 413, r)
        self.assertEqual(b.get("/avatar").status, 404)

    def test_mislabelled_avatar_is_a_field_error(self):
        _, _, b = self.signed_in()
        r = self.upload(b, png(), "image/jpeg", "me.jpg")
        self.assertEqual(r.status, 422, r)
        self.assertIn('id="avatar-error"', r.text)
        self.assertIn("sent as image/jpeg", html.unescape(r.text))
        r = self.upload(b, jpeg(), "image/png")
        self.assertEqual(r.status, 422, r)
        self.assertEqual(b.get("/avatar").status, 404)

    def test_garbage_and_broken_avatars_are_refused(self):
        _, _, b = self.signed_in()
        for data, ctype in ((random_bytes(500), "image/png"),
                            (b"GIF89a" + b"\0" * 40, "image/gif"),
                            (b"<svg xmlns='http://www.w3.org/2000/svg'/>",
                             "image/svg+xml"),
                            (png()[:-12], "image/png"),          # no IEND
                            (png() + b"<script>", "image/png"),  # trailing
                            (b"", "image/png")):
            r = self.upload(b, data, ctype)
            self.assertEqual(r.status, 422, (data[:16], r))
            self.assertIn('id="avatar-error"', r.text)
        self.assertEqual(b.get("/avatar").status, 404)

    def test_avatar_can_be_removed(self):
        _, _, b = self.signed_in()
        self.assertEqual(self.upload(b, png(), "image/png").status, 303)
        r = b.post_form("/avatar/remove", {"csrf": page_csrf(b)})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(b.get("/avatar").status, 404)

    def test_avatar_needs_the_csrf_token(self):
        _, _, b = self.signed_in()
        r = post_multipart(b, "/avatar", {}, {"avatar": ("a.png", "image/png",
                                                         png())})
        self.assertEqual(r.status, 403, r)
        r = post_multipart(b, "/avatar", {"csrf": "A" * 43},
                           {"avatar": ("a.png", "image/png", png())})
        self.assertEqual(r.status, 403, r)
        self.assertEqual(b.get("/avatar").status, 404)

    # --- CSRF and methods on the profile pages ---

    def test_posts_need_the_csrf_token(self):
        name, _, b = self.signed_in(full_name="Same")
        for path, fields in (("/profile", {"full_name": "Changed"}),
                             ("/avatar/remove", {}),
                             ("/email", {"email": "x@example.org",
                                         "password": "p"})):
            self.assertEqual(b.post_form(path, fields).status, 403, path)
            self.assertEqual(b.post_form(path, dict(fields, csrf="B" * 43))
                             .status, 403, path)
        self.assertEqual(self.stored(name, "full_name"), "Same")

    def test_wrong_methods_are_405(self):
        _, _, b = self.signed_in()
        for method, path in (("PUT", "/profile"), ("DELETE", "/avatar"),
                             ("GET", "/avatar/remove"), ("DELETE", "/email"),
                             ("PUT", "/email/confirm"),
                             ("POST", "/api/v1/profile"),
                             ("POST", "/api/v1/profile/avatar"),
                             ("GET", "/api/v1/profile/email")):
            r = b.request(method, path)
            self.assertEqual(r.status, 405, (method, path, r))
            self.assertTrue(r.header("allow"), path)

    def test_pages_need_a_session(self):
        anon = self.portal.browser()
        for path in ("/profile", "/avatar", "/email"):
            r = anon.get(path)
            self.assertEqual(r.status, 303, path)
            self.assertTrue(r.header("location").startswith("/login"))

    # --- email change ---

    def test_email_change_needs_the_password_then_a_confirmed_link(self):
        name, password, b = self.signed_in()
        old = f"{name}@example.org"
        new = f"{name}.new@example.net"
        page = b.get("/email")
        self.assertEqual(page.status, 200)
        self.assertIn('name="password"', page.text)  # no re-auth yet

        # No password: refused, nothing sent.
        r = b.post_form("/email", {"csrf": page_csrf(b, "/email"),
                                   "email": new})
        self.assertEqual(r.status, 403, r)
        self.assertIn('id="password-error"', r.text)
        # Wrong password: refused too.
        r = b.post_form("/email", {"csrf": page_csrf(b, "/email"),
                                   "email": new, "password": "not it at all"})
        self.assertEqual(r.status, 403, r)
        self.assertIn("not correct", r.text)
        self.assertNoMail(new, wait=0.5)

        r = b.post_form("/email", {"csrf": page_csrf(b, "/email"),
                                   "email": new, "password": password})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.header("location"),
                         "/profile?notice=email_change_sent")
        self.assertEqual(self.stored(name, "email"), old)  # not yet

        confirm = self.wait_for_mail(new, "Confirm your new email address")
        notice = self.wait_for_mail(old, "Your email address is being changed")
        self.assertIn(new, lkharness.body_text(notice))
        self.assertNotIn("/email/confirm", lkharness.body_text(notice))
        link = self.mail_link(confirm, "/email/confirm")

        # The link's page only asks; a mail scanner's GET changes nothing.
        page = b.get(link)
        self.assertEqual(page.status, 200)
        self.assertEqual(self.stored(name, "email"), old)
        token = link.split("token=", 1)[1]
        self.assertIn(f'name="token" value="{token}"', page.text)

        # Confirming works from any browser: the token is the proof.
        other = self.portal.browser()
        r = other.post_form("/email/confirm",
                            {"csrf": page_csrf(other, link), "token": token})
        self.assertEqual(r.status, 200, r)
        self.assertIn("has been changed", r.text)
        self.assertEqual(self.stored(name, "email"), new)
        self.assertIn(new, b.get("/profile").text)
        # Used once only.
        r = other.post_form("/email/confirm",
                            {"csrf": page_csrf(other, link), "token": token})
        self.assertEqual(r.status, 410, r)
        self.assertIn("already been used", r.text)
        # The new address signs in.
        fresh = self.portal.browser()
        self.assertEqual(fresh.login(new, password).status, 303)

    def test_email_change_inside_the_reauth_window_needs_no_password(self):
        name, password, b = self.signed_in()
        r = b.post_form("/email", {"csrf": page_csrf(b, "/email"),
                                   "email": f"{name}.a@example.net",
                                   "password": password})
        self.assertEqual(r.status, 303, r)
        page = b.get("/email")
        self.assertNotIn('name="password"', page.text)
        r = b.post_form("/email", {"csrf": page.csrf(),
                                   "email": f"{name}.b@example.net"})
        self.assertEqual(r.status, 303, r)
        # The window belongs to this session only.
        other = self.portal.browser()
        other.login(name, password)
        r = other.post_form("/email", {"csrf": page_csrf(other, "/email"),
                                       "email": f"{name}.c@example.net"})
        self.assertEqual(r.status, 403, r)

    def test_email_change_field_errors(self):
        name, password, b = self.signed_in()
        for bad in ("", "not-an-address", f"{name}@example.org"):
            r = b.post_form("/email", {"csrf": page_csrf(b, "/email"),
                                       "email": bad, "password": password})
            self.assertEqual(r.status, 422, (bad, r))
            self.assertIn('id="email-error"', r.text)

    def test_bad_confirm_links(self):
        b = self.portal.browser()
        self.assertEqual(b.get("/email/confirm").status, 400)
        r = b.post_form("/email/confirm", {"csrf": page_csrf(b, "/login"),
                                           "token": "A" * 43})
        self.assertEqual(r.status, 400, r)
        self.assertIn("not valid", r.text)
        r = b.post_form("/email/confirm", {"token": "A" * 43})
        self.assertEqual(r.status, 403, r)

    # --- API ---

    def test_api_profile_get_and_patch(self):
        name, password = self.new_user(full_name="Api Person")
        b = self.portal.browser()
        self.assertApiError(b.get("/api/v1/profile"), 401, "unauthenticated")
        csrf = api_login(b, name, password)
        r = b.get("/api/v1/profile")
        self.assertEqual(r.status, 200)
        body = r.json()
        self.assertEqual(body["username"], name)
        self.assertEqual(body["full_name"], "Api Person")
        self.assertFalse(body["has_avatar"])
        self.assertIsNone(body["avatar_url"])

        r = api_send(b, "PATCH", "/api/v1/profile", {"full_name": "New <b>"},
                     csrf=csrf)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["full_name"], "New <b>")
        self.assertEqual(self.stored(name, "full_name"), "New <b>")

        body = self.assertApiError(
            api_send(b, "PATCH", "/api/v1/profile", {"full_name": ""},
                     csrf=csrf), 422, "invalid")
        self.assertIn("full_name", body["fields"])
        body = self.assertApiError(
            api_send(b, "PATCH", "/api/v1/profile",
                     {"full_name": "x", "email": "a@b.org"}, csrf=csrf),
            422, "invalid")
        self.assertIn("email", body["fields"])
        self.assertApiError(
            api_send(b, "PATCH", "/api/v1/profile", {"full_name": 7},
                     csrf=csrf), 422, "invalid")
        self.assertApiError(
            api_send(b, "PATCH", "/api/v1/profile", body=b"{nope",
                     ctype="application/json", csrf=csrf), 400, "bad_json")
        self.assertApiError(
            api_send(b, "PATCH", "/api/v1/profile", {"full_name": "CSRF"}),
            403, "csrf")
        self.assertEqual(self.stored(name, "full_name"), "New <b>")

    def test_api_avatar(self):
        name, password = self.new_user()
        b = self.portal.browser()
        csrf = api_login(b, name, password)
        self.assertApiError(b.get("/api/v1/profile/avatar"), 404, "not_found")
        image = jpeg()
        r = api_send(b, "PUT", "/api/v1/profile/avatar", body=image,
                     ctype="image/jpeg", csrf=csrf)
        self.assertEqual(r.status, 204, r)
        got = b.get("/api/v1/profile/avatar")
        self.assertEqual(got.status, 200)
        self.assertEqual(got.header("content-type"), "image/jpeg")
        self.assertEqual(got.header("x-content-type-options"), "nosniff")
        self.assertEqual(got.body, image)
        self.assertEqual(b.get("/api/v1/profile").json()["avatar_url"],
                         "/api/v1/profile/avatar")

        body = self.assertApiError(
            api_send(b, "PUT", "/api/v1/profile/avatar", body=png(),
                     ctype="image/jpeg", csrf=csrf), 415, "mislabelled")
        self.assertIn("avatar", body["fields"])
        self.assertApiError(
            api_send(b, "PUT", "/api/v1/profile/avatar",
                     body=random_bytes(300), ctype="image/png", csrf=csrf),
            415, "unknown_format")
        self.assertApiError(
            api_send(b, "PUT", "/api/v1/profile/avatar", body=png()[:40],
                     ctype="image/png", csrf=csrf), 422, "malformed")
        r = api_send(b, "PUT", "/api/v1/profile/avatar",
                     body=png(extra_idat=b"\0" * AVATAR_MAX),
                     ctype="image/png", csrf=csrf)
        self.assertEqual(r.status, 413, r)
        self.assertApiError(
            api_send(b, "PUT", "/api/v1/profile/avatar", body=png(),
                     ctype="image/png"), 403, "csrf")
        # Still the first picture.
        self.assertEqual(b.get("/api/v1/profile/avatar").body, image)

        r = api_send(b, "DELETE", "/api/v1/profile/avatar", csrf=csrf)
        self.assertEqual(r.status, 204, r)
        self.assertApiError(b.get("/api/v1/profile/avatar"), 404, "not_found")

    def test_api_email_change_needs_reauth(self):
        name, password = self.new_user()
        new = f"{name}.api@example.net"
        b = self.portal.browser()
        csrf = api_login(b, name, password)
        self.assertApiError(
            api_send(b, "POST", "/api/v1/profile/email", {"email": new},
                     csrf=csrf), 403, "reauth_required")
        body = self.assertApiError(
            api_send(b, "POST", "/api/v1/reauth", {"password": "wrong one!"},
                     csrf=csrf), 403, "wrong_password")
        self.assertIn("password", body["fields"])
        self.assertApiError(
            api_send(b, "POST", "/api/v1/reauth", {}, csrf=csrf),
            422, "invalid")
        self.assertApiError(
            api_send(b, "POST", "/api/v1/reauth", {"password": password}),
            403, "csrf")
        r = api_send(b, "POST", "/api/v1/reauth", {"password": password},
                     csrf=csrf)
        self.assertEqual(r.status, 200, r)
        self.assertIn("reauth_until", r.json())

        body = self.assertApiError(
            api_send(b, "POST", "/api/v1/profile/email", {"email": "nope"},
                     csrf=csrf), 422, "invalid")
        self.assertIn("email", body["fields"])
        r = api_send(b, "POST", "/api/v1/profile/email", {"email": new},
                     csrf=csrf)
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.json()["pending_email"], new)
        self.wait_for_mail(f"{name}@example.org",
                           "Your email address is being changed")
        link = self.mail_link(
            self.wait_for_mail(new, "Confirm your new email address"),
            "/email/confirm")
        token = link.split("token=", 1)[1]
        # Confirmed through the API, from a client without a session.
        other = self.portal.browser()
        other_csrf = api_csrf(other)
        self.assertApiError(
            api_send(other, "POST", "/api/v1/profile/email/confirm",
                     {"token": token}), 403, "csrf")
        self.assertApiError(
            api_send(other, "POST", "/api/v1/profile/email/confirm",
                     {"token": "A" * 43}, csrf=other_csrf),
            404, "token_invalid")
        self.assertApiError(
            api_send(other, "POST", "/api/v1/profile/email/confirm", {},
                     csrf=other_csrf), 422, "invalid")
        self.assertEqual(self.stored(name, "email"), f"{name}@example.org")
        r = api_send(other, "POST", "/api/v1/profile/email/confirm",
                     {"token": token}, csrf=other_csrf)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["status"], "email_changed")
        self.assertEqual(b.get("/api/v1/profile").json()["email"], new)
        self.assertApiError(
            api_send(other, "POST", "/api/v1/profile/email/confirm",
                     {"token": token}, csrf=other_csrf), 409, "token_used")


if __name__ == "__main__":
    unittest.main()
