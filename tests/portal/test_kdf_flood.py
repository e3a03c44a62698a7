"""Password hashing is bounded: a login flood queues on the KDF pool (or
gets 503 + Retry-After) while other requests stay fast."""

import os
import re
import statistics
import sys
import threading
import time
import unittest
import urllib.parse

import portalharness


class KdfFloodTest(portalharness.PortalTestCase):
    # A real Argon2id cost, so each login keeps a core busy for a while.
    portal_options = {"argon2_memory_kib": 19456}

    def flood(self, name, password, threads, seconds=None, per_thread=None):
        """Posts logins from `threads` threads; returns status counts."""
        b = self.portal.browser()
        token = b.csrf_for("/login")
        cookie = "; ".join(f"{k}={v}" for k, v in b.cookies.items())
        body = urllib.parse.urlencode({"csrf": token, "login": name,
                                       "password": password}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "Cookie": cookie}
        counts = {}
        retry_after = []
        lock = threading.Lock()
        stop_at = time.monotonic() + (seconds or 60)
        start = threading.Barrier(threads)

        def worker():
            start.wait()
            n = 0
            while time.monotonic() < stop_at and (per_thread is None
                                                  or n < per_thread):
                n += 1
                try:
                    r = self.portal.raw("POST", "/login", body, headers,
                                        timeout=30)
                    status = r.status
                    if status == 503:
                        with lock:
                            retry_after.append(r.header("retry-after"))
                except OSError:
                    status = "error"
                with lock:
                    counts[status] = counts.get(status, 0) + 1

        pool = [threading.Thread(target=worker) for _ in range(threads)]
        for t in pool:
            t.start()
        return pool, counts, retry_after

    def test_pages_stay_fast_during_a_login_flood(self):
        name, password = self.new_user()
        pool, counts, _ = self.flood(name, password, threads=6, seconds=5)
        time.sleep(0.5)  # let the queue fill
        latencies = []
        for _ in range(40):
            t0 = time.monotonic()
            r = self.portal.raw("GET", "/healthz", timeout=10)
            latencies.append(time.monotonic() - t0)
            self.assertEqual(r.status, 200)
            t0 = time.monotonic()
            r = self.portal.raw("GET", "/login", timeout=10)
            latencies.append(time.monotonic() - t0)
            self.assertEqual(r.status, 200)
            time.sleep(0.05)
        for t in pool:
            t.join()
        self.assertGreater(counts.get(303, 0), 10, counts)
        latencies.sort()
        p90 = latencies[int(len(latencies) * 0.9)]
        print(f"\nflood: {counts}; GET latency median "
              f"{statistics.median(latencies) * 1000:.1f} ms, p90 "
              f"{p90 * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms",
              file=sys.stderr)
        self.assertLess(p90, 0.2, latencies)

    def test_overflow_gets_503_with_retry_after(self):
        name, password = self.new_user()
        # Far more logins at once than the queue holds (32 per core).
        pool, counts, retry_after = self.flood(name, password, threads=150,
                                               per_thread=1)
        for t in pool:
            t.join()
        self.assertGreater(counts.get(503, 0), 0, counts)
        self.assertGreater(counts.get(303, 0), 0, counts)
        self.assertEqual(set(retry_after), {"1"})
        self.assertEqual(set(counts) - {303, 503}, set(), counts)
        metrics = self.portal.raw("GET", "/metrics").text
        self.assertRegex(metrics, r'latchkey_kdf_rejected_total\{reason="full"\} [1-9]')
        # Never more hashes at once than cores, however many threads ran
        # password requests; and all of them were used.
        peak = re.search(r"^latchkey_kdf_hashes_peak (\d+)", metrics, re.M)
        self.assertIsNotNone(peak, metrics)
        self.assertEqual(int(peak.group(1)), os.cpu_count())
        self.assertRegex(metrics, r"(?m)^latchkey_kdf_hashes_running 0$")
        # And the portal is fine afterwards.
        self.assertEqual(self.portal.browser().login(name, password).status, 303)


if __name__ == "__main__":
    unittest.main()
