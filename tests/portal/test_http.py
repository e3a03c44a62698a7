"""The HTTP framework: CSRF, methods, unknown paths, body limits, security
headers, trusted proxies, static files, /healthz and /metrics."""

import re
import socket
import time
import unittest

import portalharness


class HttpTest(portalharness.PortalTestCase):

    def test_csrf_missing_or_wrong_is_403(self):
        name, password = self.new_user()
        b = self.portal.browser()
        b.get("/login")  # pre-session cookie
        fields = {"login": name, "password": password}
        r = b.post_form("/login", fields)
        self.assertEqual(r.status, 403)
        self.assertIn("form has expired", r.text)
        r = b.post_form("/login", dict(fields, csrf="A" * 43))
        self.assertEqual(r.status, 403)
        # A token from another browser's cookie does not fit this one.
        other = self.portal.browser().csrf_for("/login")
        self.assertEqual(b.post_form("/login", dict(fields, csrf=other)).status,
                         403)
        # Without the pre-session cookie the token is worthless.
        token = b.csrf_for("/login")
        naked = self.portal.browser()
        self.assertEqual(naked.post_form("/login", dict(fields, csrf=token))
                         .status, 403)
        self.assertNotIn("lk_session", b.cookies)
        self.assertEqual(b.post_form("/login", dict(fields, csrf=token)).status,
                         303)

    def test_session_routes_need_the_session_token(self):
        name, password = self.new_user()
        b = self.portal.browser()
        pre_token = b.csrf_for("/login")
        b.login(name, password)
        # The pre-session token does not count once signed in.
        r = b.post_form("/logout", {"csrf": pre_token})
        self.assertEqual(r.status, 403)
        r = b.post_form("/logout", {})
        self.assertEqual(r.status, 403)
        self.assertEqual(b.get("/profile").status, 200)
        r = b.post_form("/logout", {"csrf": b.get("/profile").csrf()})
        self.assertEqual(r.status, 303)

    def test_wrong_method_is_405_with_allow(self):
        b = self.portal.browser()
        r = b.request("DELETE", "/login")
        self.assertEqual(r.status, 405)
        self.assertEqual(r.header("allow"), "GET, HEAD, POST")
        self.assertSecurityHeaders(r)
        r = b.get("/logout")
        self.assertEqual(r.status, 405)
        self.assertEqual(r.header("allow"), "POST")
        r = b.request("PUT", "/api/v1/me")
        self.assertEqual(r.status, 405)
        self.assertEqual(r.json()["error"], "method_not_allowed")

    def test_unknown_path_is_404_page_or_json(self):
        b = self.portal.browser()
        r = b.get("/no/such/page")
        self.assertEqual(r.status, 404)
        self.assertIn("text/html", r.header("content-type"))
        self.assertIn("There is no page at this address.", r.text)
        self.assertSecurityHeaders(r)
        r = b.get("/api/v1/nope")
        self.assertEqual(r.status, 404)
        self.assertEqual(r.json(), {"error": "not_found",
                                    "message": "There is no page at this "
                                               "address.",
                                    "fields": {}})
        self.assertEqual(b.get("/static/nope.css").status, 404)

    def test_oversized_body_is_413(self):
        # Announced too large: answered before the body is sent.
        with socket.create_connection(("127.0.0.1", self.portal.port),
                                      timeout=10) as s:
            s.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Type: application/x-www-form-urlencoded\r\n"
                      b"Content-Length: 10000000\r\n\r\n")
            head = s.recv(65536).decode("latin-1")
        self.assertTrue(head.startswith("HTTP/1.1 413"), head[:200])
        self.assertIn("X-Frame-Options: DENY", head)
        # A chunked body that grows past the cap.
        with socket.create_connection(("127.0.0.1", self.portal.port),
                                      timeout=10) as s:
            s.sendall(b"POST /api/v1/login HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Type: application/json\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n")
            chunk = b"x" * 16384
            for _ in range(6):
                s.sendall(b"4000\r\n" + chunk + b"\r\n")
            s.sendall(b"0\r\n\r\n")
            head = s.recv(65536).decode("latin-1")
        self.assertTrue(head.startswith("HTTP/1.1 413"), head[:200])
        # One form field over its limit.
        b = self.portal.browser()
        token = b.csrf_for("/login")
        r = b.post_form("/login", {"csrf": token, "login": "x" * 20000,
                                   "password": "y"})
        self.assertEqual(r.status, 413)
        # Too many fields.
        fields = [("csrf", token)] + [(f"f{i}", "v") for i in range(100)]
        r = b.post_form("/login", fields)
        self.assertEqual(r.status, 413)

    def test_oversized_headers_are_refused(self):
        with socket.create_connection(("127.0.0.1", self.portal.port),
                                      timeout=10) as s:
            s.sendall(b"GET /login HTTP/1.1\r\nHost: x\r\nCookie: a=" +
                      b"x" * 40000 + b"\r\n\r\n")
            head = s.recv(65536).decode("latin-1")
        self.assertTrue(head.startswith("HTTP/1.1 431"), head[:200])

    def test_files_are_refused_where_no_upload_is_expected(self):
        b = self.portal.browser()
        token = b.csrf_for("/login")
        boundary = "XyZ"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\""
                f"\r\n\r\n{token}\r\n--{boundary}\r\nContent-Disposition: "
                f"form-data; name=\"login\"; filename=\"a.png\"\r\nContent-Type:"
                f" image/png\r\n\r\nPNGDATA\r\n--{boundary}--\r\n").encode()
        r = b.request("POST", "/login", body, {
            "Content-Type": f"multipart/form-data; boundary={boundary}"})
        self.assertEqual(r.status, 400)

    def test_multipart_forms_work(self):
        name, password = self.new_user()
        b = self.portal.browser()
        token = b.csrf_for("/login")
        boundary = "----b0undary"
        parts = [("csrf", token), ("login", name), ("password", password)]
        body = "".join(
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\""
            f"\r\n\r\n{v}\r\n" for k, v in parts) + f"--{boundary}--\r\n"
        r = b.request("POST", "/login", body.encode(), {
            "Content-Type": f"multipart/form-data; boundary={boundary}"})
        self.assertEqual(r.status, 303, r)

    def test_security_headers_everywhere(self):
        b = self.portal.browser()
        for method, path in [("GET", "/login"), ("GET", "/healthz"),
                             ("GET", "/metrics"), ("GET", "/static/style.css"),
                             ("GET", "/nope"), ("POST", "/login"),
                             ("GET", "/profile"), ("GET", "/api/v1/me"),
                             ("PATCH", "/login"), ("HEAD", "/login")]:
            r = b.request(method, path)
            self.assertSecurityHeaders(r)
            self.assertIsNone(r.header("strict-transport-security"), path)
        csp = b.get("/login").header("content-security-policy")
        for part in ["default-src 'self'", "img-src 'self' data:",
                     "form-action 'self'", "frame-ancestors 'none'"]:
            self.assertIn(part, csp)

    def test_static_files_cache_and_revalidate(self):
        b = self.portal.browser()
        r = b.get("/static/style.css")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("content-type"), "text/css; charset=utf-8")
        self.assertIn("max-age", r.header("cache-control"))
        etag = r.header("etag")
        self.assertTrue(etag)
        r2 = b.get("/static/style.css", headers={"If-None-Match": etag})
        self.assertEqual(r2.status, 304)
        self.assertEqual(r2.body, b"")
        js = b.get("/static/app.js")
        self.assertEqual(js.status, 200)
        self.assertIn("javascript", js.header("content-type"))
        # The pages load only local files.
        page = b.get("/login").text
        for url in re.findall(r'(?:href|src)="([^"]+)"', page):
            self.assertTrue(url.startswith("/"), url)

    def test_head_has_no_body(self):
        r = self.portal.raw("HEAD", "/login")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b"")

    def test_healthz(self):
        r = self.portal.browser().get("/healthz")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["status"], "ok")
        self.assertEqual(r.header("content-type"), "application/json")

    def test_metrics_format(self):
        name, password = self.new_user()
        b = self.portal.browser()
        b.login(name, password)
        b.login(name, "wrong wrong wrong wrong")
        b.get("/nope")
        text = b.get("/metrics").text
        self.assertIn("# TYPE latchkey_logins_total counter", text)
        self.assertIn("# TYPE latchkey_lockouts_total counter", text)
        self.assertIn("# TYPE latchkey_http_requests_total counter", text)
        self.assertIn("# TYPE latchkey_http_request_duration_seconds histogram",
                      text)
        ok = re.search(r'^latchkey_logins_total\{outcome="ok"\} (\d+)$', text,
                       re.M)
        self.assertTrue(ok and int(ok.group(1)) >= 1, text)
        self.assertRegex(text, r'(?m)^latchkey_http_requests_total\{route="/login",'
                               r'code="303"\} \d+$')
        self.assertRegex(text, r'(?m)^latchkey_http_requests_total\{route='
                               r'"unmatched",code="404"\} \d+$')
        self.assertRegex(text, r'(?m)^latchkey_http_request_duration_seconds_bucket'
                               r'\{route="/login",le="\+Inf"\} \d+$')
        # Every sample line is NAME{LABELS} VALUE or NAME VALUE.
        for line in text.splitlines():
            if line.startswith("#") or not line:
                continue
            self.assertRegex(line, r'^[a-z_]+(\{[^}]*\})? [0-9.e+-]+$')

    def test_x_forwarded_for_only_from_trusted_proxy(self):
        name, _ = self.new_user()
        b = self.portal.browser(headers={"X-Forwarded-For":
                                         "203.0.113.99, 198.51.100.23"})
        b.login(name, "wrong wrong wrong wrong")
        rhost = self.portal.query(
            f"SELECT rhost FROM auth_events WHERE username_tried = '{name}' "
            "ORDER BY id DESC LIMIT 1").strip()
        self.assertEqual(rhost, "198.51.100.23")

    def test_forwarded_proto_https_from_trusted_proxy(self):
        name, password = self.new_user()
        b = self.portal.browser(headers={"X-Forwarded-Proto": "https"})
        r = b.login(name, password)
        self.assertEqual(r.status, 303)
        self.assertIn("max-age", r.header("strict-transport-security"))
        cookies = [portalharness.parse_set_cookie(v) for v in r.all("set-cookie")]
        session = [c for c in cookies if c[0] == "__Host-lk_session"]
        self.assertEqual(len(session), 1, cookies)
        self.assertIn("secure", session[0][2])
        self.assertIn("httponly", session[0][2])
        self.assertEqual(b.get("/profile").status, 200)
        # The plain cookie name means nothing over HTTPS.
        plain = self.portal.browser(headers={"X-Forwarded-Proto": "https"})
        plain.cookies["lk_session"] = b.cookies["__Host-lk_session"]
        self.assertEqual(plain.get("/profile").status, 303)


class UntrustedProxyTest(portalharness.PortalTestCase):
    portal_options = {"trusted_proxies": "10.0.0.0/8"}

    def test_x_forwarded_headers_ignored(self):
        name, password = self.new_user()
        b = self.portal.browser(headers={"X-Forwarded-For": "203.0.113.5",
                                         "X-Forwarded-Proto": "https"})
        r = b.login(name, "wrong wrong wrong wrong")
        self.assertIsNone(r.header("strict-transport-security"))
        rhost = self.portal.query(
            f"SELECT rhost FROM auth_events WHERE username_tried = '{name}' "
            "ORDER BY id DESC LIMIT 1").strip()
        self.assertEqual(rhost, "127.0.0.1")
        r = b.login(name, password)
        self.assertEqual(r.status, 303)
        self.assertIn("lk_session", b.cookies)
        ip = self.portal.query(
            "SELECT ip FROM sessions ORDER BY created_at DESC LIMIT 1").strip()
        self.assertEqual(ip, "127.0.0.1")

    def test_favicon_is_served(self):
        b = self.portal.browser()
        r = b.get("/favicon.ico")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("content-type"), "image/x-icon")
        self.assertEqual(r.body[:4], b"\x00\x00\x01\x00")  # an ICO file
        self.assertIn("max-age", r.header("cache-control"))
        self.assertIn('<link rel="icon" href="/favicon.ico"',
                      b.get("/login").text)

    def test_focus_ring_contrast_is_at_least_3_to_1(self):
        css = self.portal.browser().get("/static/style.css").text
        colours = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6});", css))
        m = re.search(r":focus-visible\s*\{[^}]*outline:\s*\d+px solid "
                      r"(?:var\(--([a-z-]+)\)|(#[0-9a-f]{6}))", css)
        self.assertTrue(m, "no :focus-visible outline")
        ring = colours[m.group(1)] if m.group(1) else m.group(2)

        def luminance(hex_colour):
            channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
            lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
                   for c in channels]
            return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

        def ratio(a, b):
            hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
            return (hi + 0.05) / (lo + 0.05)

        # The ring is drawn outside the control, on a card or the page.
        for background in ("card", "bg"):
            self.assertGreaterEqual(ratio(ring, colours[background]), 3.0,
                                    f"{ring} on --{background}")

    def test_header_menu_has_security_when_signed_in(self):
        name, password = self.new_user()
        b = self.portal.browser()
        self.assertEqual(b.login(name, password).status, 303)
        page = b.get("/profile").text
        nav = page[page.index('<nav aria-label="Main">'):page.index("</nav>")]
        self.assertIn('<a href="/security">Security</a>', nav)
        self.assertIn('<a href="/profile">Profile</a>', nav)
        anon = self.portal.browser().get("/login").text
        self.assertNotIn('href="/security"', anon)

    def access_lines(self, request_id_count):
        """The access lines, once `request_id_count` of them are written."""
        deadline = time.monotonic() + 5
        while True:
            lines = [l for l in self.portal.log().splitlines()
                     if " latchkey-portal: access " in l]
            if len(lines) >= request_id_count or time.monotonic() > deadline:
                return lines
            time.sleep(0.05)

    def test_one_access_line_per_request_without_query_or_body(self):
        # The lines of earlier tests' requests are written (the portal
        # flushes its access lines every second).
        time.sleep(1.5)
        before = len(self.access_lines(0))
        b = self.portal.browser()
        reset = b.get("/reset?token=QuerySecret123").status
        self.assertEqual(reset, 404)  # no such link
        self.assertEqual(b.get("/no-such-page/PathSecret456").status, 404)
        r = b.post_form("/forgot", {"csrf": b.csrf_for("/forgot"),
                                    "email": "BodySecret789@example.org"})
        self.assertEqual(r.status, 303)
        lines = self.access_lines(before + 4)[before:]
        self.assertEqual(len(lines), 4, lines)  # csrf_for did a GET /forgot
        text = "\n".join(self.portal.log().splitlines())
        for secret in ("QuerySecret123", "PathSecret456", "BodySecret789"):
            self.assertNotIn(secret, text)
        line = re.compile(r"^<(\d)>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ "
                          r"latchkey-portal: access (\S+) (\S+) (\d{3}) "
                          r"(\d+\.\d)ms id=([0-9a-f]{12})$")
        parsed = [line.match(l) for l in lines]
        self.assertTrue(all(parsed), lines)
        got = [(m.group(1), m.group(2), m.group(3), m.group(4))
               for m in parsed]
        # A line is written when libmicrohttpd says its request completed,
        # which for one connection may come after the next connection's.
        self.assertCountEqual(got, [
            ("5", "GET", "/reset", "404"),        # 4xx: notice
            ("5", "GET", "-", "404"),             # no route: no path
            ("6", "GET", "/forgot", "200"),       # 2xx, 3xx: info
            ("6", "POST", "/forgot", "303"),
        ])
        self.assertEqual(len({m.group(6) for m in parsed}), 4)  # ids differ


if __name__ == "__main__":
    unittest.main()
