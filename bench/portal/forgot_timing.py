#!/usr/bin/env python3
"""bench/portal/forgot_timing.py: median time of POST /forgot for a known
and an unknown address (not a test; prints figures).

  LATCHKEY_PORTAL=build/portal/latchkey-portal \\
  LATCHKEYCTL=build/cli/latchkeyctl LATCHKEY_SANDBOX=build/sandbox \\
  python3 bench/portal/forgot_timing.py [ROUNDS]

Uses the portal test harness (tests/portal/portalharness.py, on
tests/support/lkharness.py) over the ctest MariaDB sandbox (start it with
scripts/lib/mariadb-sandbox.sh start build/sandbox). Each round posts the form once for a known and once for an
unknown address, in alternating order, from a fresh client address; the
rate-limit rows are cleared between rounds, so neither address is ever
throttled (a throttled known address would do less work). Prints the
median, p10 and p90 of each and the difference of the medians.
"""

import os
import statistics
import sys
import time
import urllib.parse

TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                     "tests")
sys.path[:0] = [os.path.join(TESTS, "portal"), os.path.join(TESTS, "support")]
import portalharness  # noqa: E402


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    portal = portalharness.Portal()
    try:
        portal.add_user("timing", "timing@example.org",
                        "a long enough passphrase 7")
        times = {"known": [], "unknown": []}
        emails = {"known": "timing@example.org",
                  "unknown": "nobody-here@example.org"}
        for i in range(rounds):
            portal.query("DELETE FROM rate_limits")
            order = ("known", "unknown") if i % 2 else ("unknown", "known")
            for kind in order:
                ip = f"198.51.{100 + (i // 250) % 100}.{i % 250 + 1}"
                b = portal.browser({"X-Forwarded-For": ip})
                body = urllib.parse.urlencode(
                    {"csrf": b.csrf_for("/forgot"),
                     "email": emails[kind]}).encode()
                headers = {"Content-Type":
                           "application/x-www-form-urlencoded"}
                start = time.perf_counter()
                r = b.request("POST", "/forgot", body, headers)
                elapsed = time.perf_counter() - start
                if r.status != 303:
                    raise RuntimeError(f"{kind}: {r}")
                if i >= 10:  # warm-up
                    times[kind].append(elapsed * 1000)
        for kind, t in times.items():
            q = statistics.quantiles(t, n=10)
            print(f"{kind:8} n={len(t)} median={statistics.median(t):.3f} ms "
                  f"p10={q[0]:.3f} p90={q[-1]:.3f}")
        diff = statistics.median(times["known"]) - statistics.median(
            times["unknown"])
        print(f"known - unknown (medians): {diff:+.3f} ms")
    finally:
        portal.close()


if __name__ == "__main__":
    main()
