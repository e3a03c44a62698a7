"""Who may read /metrics: the client addresses in [portal] metrics_allow
(default: loopback), resolved through trusted_proxies, so a request that a
loopback proxy relays for a remote client is the remote client's; or
anyone with the bearer token from [portal] metrics_token_file."""

import os
import shutil
import tempfile
import unittest

import lkharness
import portalharness

TOKEN = "metrics-token-0123456789abcdef0123456789"


class DefaultMetricsAccessTest(portalharness.PortalTestCase):

    def test_loopback_client_reads_metrics(self):
        r = self.portal.raw("GET", "/metrics")
        self.assertEqual(r.status, 200, r)
        self.assertIn("latchkey_http_requests_total", r.text)

    def test_relayed_by_loopback_proxy_is_refused(self):
        # The harness trusts 127.0.0.1 as a proxy: the client is 203.0.113.7.
        r = self.portal.raw("GET", "/metrics",
                            headers={"X-Forwarded-For": "203.0.113.7"})
        self.assertEqual(r.status, 403, r)
        self.assertNotIn("latchkey_http_requests_total", r.text)

    def test_token_not_configured_means_no_token_works(self):
        r = self.portal.raw("GET", "/metrics",
                            headers={"X-Forwarded-For": "203.0.113.7",
                                     "Authorization": "Bearer "})
        self.assertEqual(r.status, 403, r)


class ConfiguredMetricsAccessTest(portalharness.PortalTestCase):

    @classmethod
    def setUpClass(cls):
        cls.token_dir = tempfile.mkdtemp(prefix="lk-metrics-")
        cls.token_file = os.path.join(cls.token_dir, "metrics.token")
        lkharness.write_file(cls.token_file, TOKEN + "\n")
        cls.portal_options = {"portal_extra": [
            "metrics_allow = 198.51.100.0/24",
            f"metrics_token_file = {cls.token_file}"]}
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.token_dir, ignore_errors=True)

    def get(self, ip=None, token=None):
        headers = {}
        if ip:
            headers["X-Forwarded-For"] = ip
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self.portal.raw("GET", "/metrics", headers=headers)

    def test_listed_client_reads_metrics(self):
        self.assertEqual(self.get("198.51.100.20").status, 200)

    def test_loopback_not_listed_is_refused(self):
        self.assertEqual(self.get().status, 403)
        self.assertEqual(self.get("203.0.113.7").status, 403)

    def test_bearer_token(self):
        r = self.get("203.0.113.7", TOKEN)
        self.assertEqual(r.status, 200, r)
        self.assertIn("latchkey_http_requests_total", r.text)
        self.assertEqual(self.get("203.0.113.7", TOKEN[:-1] + "0").status,
                         403)
        self.assertEqual(self.get("203.0.113.7", TOKEN + "x").status, 403)
        r = self.portal.raw("GET", "/metrics", headers={
            "X-Forwarded-For": "203.0.113.7", "Authorization": TOKEN})
        self.assertEqual(r.status, 403)


if __name__ == "__main__":
    unittest.main()
