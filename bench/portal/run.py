#!/usr/bin/env python3
"""bench/portal: latchkey-portal under wrk (not a test; prints figures).

  bench/portal/run.py [--build DIR] [--duration S] [--connections N]
                      [--threads N] [--work DIR] [--keep]

Starts a private MariaDB (scripts/lib/mariadb-sandbox.sh) in WORK/sandbox
(default BUILD/bench-portal), writes a portal config with the built-in
[security] defaults (the production Argon2 parameters), migrates, creates
one user and starts the portal from BUILD (a release build: the default
build/ of scripts/test is RelWithDebInfo). Then:

  1. the KDF alone: bench_hash --config (median Argon2id Verify), and the
     POST /login target 0.85 x cores / KDF time;
  2. wrk -tT -cN -dS --latency against GET /login, an authenticated
     GET /profile (the session cookie of a real login) and POST /login (a
     Lua script posting the form with a valid pre-session CSRF token and
     its lk_pre cookie); req/s, p50, p99, and what /metrics counted;
  3. RSS with 1,000 idle connections held open;
  4. a login flood (wrk POST /login) with a second wrk measuring
     GET /profile latency at the same time;
  5. the portal's peak RSS (VmHWM).

Every target from issue 4 is printed next to its figure. Everything it
started is stopped by PID at the end (and the sandbox removed, unless
--keep). Needs wrk (Debian package wrk) and the built latchkey-portal,
latchkeyctl and bench_hash. Loopback only.
"""

import argparse
import http.client
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

# The tests' shared harness: sandbox.env, ports, files, processes.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tests", "support"))
import lkharness  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
SANDBOX = os.path.join(REPO, "scripts", "lib", "mariadb-sandbox.sh")
USER = "benchuser"
PASSWORD = "Bench portal passphrase 2024!"
IDLE_CONNECTIONS = 1000

TARGET_GET_LOGIN = 25000.0
TARGET_PROFILE = 10000.0
TARGET_LOGIN_RATIO = 0.85
TARGET_FLOOD_P99_MS = 50.0
TARGET_RSS_MIB = 64.0


def say(text):
    print(text, flush=True)



def loadavg():
    with open("/proc/loadavg", encoding="ascii") as f:
        return " ".join(f.read().split()[:3])


def proc_status(pid):
    """VmRSS and VmHWM of PID in MiB."""
    out = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) / 1024.0
    return out


def verdict(ok):
    return "PASS" if ok else "MISS"


class Http:
    """Minimal keep-cookies client for the set-up requests."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            h = dict(headers or {})
            if self.cookies:
                h["Cookie"] = "; ".join(f"{k}={v}"
                                        for k, v in self.cookies.items())
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            data = r.read().decode("utf-8", "replace")
            for k, v in r.getheaders():
                if k.lower() == "set-cookie":
                    name, _, rest = v.partition("=")
                    value = rest.split(";", 1)[0]
                    if value and "max-age=0" not in v.lower():
                        self.cookies[name.strip()] = value
                    else:
                        self.cookies.pop(name.strip(), None)
            return r.status, data
        finally:
            conn.close()


def csrf_of(page):
    m = re.search(r'name="csrf" value="([^"]*)"', page)
    if not m:
        raise RuntimeError("no csrf field on the page")
    return m.group(1)


def metrics(port):
    """{series: value} from /metrics."""
    status, text = Http(port).request("GET", "/metrics")
    if status != 200:
        raise RuntimeError(f"/metrics answered {status}")
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            series, _, value = line.rpartition(" ")
            try:
                out[series] = float(value)
            except ValueError:
                pass
    return out


def metric_sum(snapshot, name, **labels):
    total = 0.0
    for series, value in snapshot.items():
        if not series.startswith(name + "{") and series != name:
            continue
        if all(f'{k}="{v}"' in series for k, v in labels.items()):
            total += value
    return total


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}


def parse_wrk(text):
    """{'rps', 'p50', 'p99' (ms), 'requests', 'non2xx3xx', 'errors'}."""
    out = {"non2xx3xx": 0, "errors": ""}
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    out["rps"] = float(m.group(1)) if m else 0.0
    m = re.search(r"(\d+) requests in", text)
    out["requests"] = int(m.group(1)) if m else 0
    for pct in ("50", "99"):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
        out[f"p{pct}"] = float(m.group(1)) * _UNITS[m.group(2)] if m else None
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if m:
        out["non2xx3xx"] = int(m.group(1))
    m = re.search(r"Socket errors:.*", text)
    if m:
        out["errors"] = m.group(0)
    return out


def fmt_ms(v):
    return "-" if v is None else f"{v:.2f} ms"


class Bench:
    def __init__(self, args):
        self.args = args
        self.build = os.path.abspath(args.build)
        self.work = os.path.abspath(args.work or
                                    os.path.join(self.build, "bench-portal"))
        self.sandbox = os.path.join(self.work, "sandbox")
        self.portal_bin = os.path.join(self.build, "portal", "latchkey-portal")
        self.ctl_bin = os.path.join(self.build, "cli", "latchkeyctl")
        self.hash_bin = os.path.join(self.build, "bench", "hash", "bench_hash")
        self.tmp = None
        self.portal = None
        self.sandbox_started = False
        self.cores = os.cpu_count() or 1

    # --- set-up ---

    def check(self):
        for path in (self.portal_bin, self.ctl_bin, self.hash_bin):
            if not os.access(path, os.X_OK):
                sys.exit(f"run.py: {path} is missing: build first "
                         f"(cmake --build {self.build})")
        if shutil.which("wrk") is None:
            sys.exit("run.py: wrk not found: apt-get install wrk")

    def start(self):
        os.makedirs(self.work, exist_ok=True)
        say(f"==> MariaDB sandbox in {self.sandbox}")
        subprocess.run(["bash", SANDBOX, "start", self.sandbox], check=True,
                       stdout=subprocess.DEVNULL)
        self.sandbox_started = True
        env = lkharness.read_sandbox_env(self.sandbox)
        # The portal drops root to [portal] user (nobody), who cannot enter
        # the sandbox directory: TCP, and the files it reads copied to a
        # world-searchable temp dir (read before the drop, like the tests).
        self.tmp = tempfile.mkdtemp(prefix="lk-bench-portal-")
        os.chmod(self.tmp, 0o755)
        key = lkharness.copy_private(env["LK_SECRET_KEY"],
                                     os.path.join(self.tmp, "secret.key"))
        # The portal's own key: it keys the portal's MACs (CSRF).
        portal_key = os.path.join(self.tmp, "portal.key")
        with open(os.open(portal_key, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                          0o600), "wb") as f:
            f.write(os.urandom(32))
        self.port = lkharness.free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.config = os.path.join(self.tmp, "latchkey.conf")
        lkharness.write_file(self.config, f"""[database]
hosts = 127.0.0.1:{env['LK_DB_PORT']}
name = {env['LK_DB_NAME']}
user = {env['LK_DB_USER']}
password_file = {env['LK_DB_PASSWORD_FILE']}
tls = off

[security]
secret_key_file = {key}

[mail]
transport = maildir:{self.tmp}/mail

{self.session_section()}[portal]
listen = 127.0.0.1:{self.port}
base_url = {self.base}
user = nobody
secret_key_file = {portal_key}
""")
        self.ctl("migrate")
        self.ctl("user", "add", USER, "--email", f"{USER}@example.org",
                 "--full-name", "Bench User", "--password-stdin",
                 stdin=PASSWORD + "\n")
        say(f"==> latchkey-portal on {self.base} (log {self.tmp}/portal.log)")
        log = open(os.path.join(self.tmp, "portal.log"), "ab")
        self.portal = subprocess.Popen(
            [self.portal_bin, "--config", self.config],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + 30
        while True:
            if self.portal.poll() is not None:
                sys.exit(f"run.py: latchkey-portal exited with "
                         f"{self.portal.returncode}; see {self.tmp}/portal.log")
            try:
                if Http(self.port).request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                sys.exit("run.py: latchkey-portal did not get ready")
            time.sleep(0.05)

    def session_section(self):
        ttl = self.args.session_cache_ttl
        return f"[session]\ncache_ttl = {ttl}\n\n" if ttl else ""

    def ctl(self, *args, stdin=None):
        r = subprocess.run([self.ctl_bin, "--config", self.config, *args],
                           input=stdin, capture_output=True, text=True,
                           timeout=120)
        if r.returncode != 0:
            sys.exit(f"run.py: latchkeyctl {' '.join(args)}: {r.stderr}")
        return r.stdout

    def stop(self):
        lkharness.stop_process(self.portal, timeout=15)
        if self.sandbox_started:
            cmd = "stop-server" if self.args.keep else "stop"
            subprocess.run(["bash", SANDBOX, cmd, self.sandbox],
                           stdout=subprocess.DEVNULL)
        if self.tmp and not self.args.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # --- measurements ---

    def kdf_ms(self):
        out = subprocess.run([self.hash_bin, "--config", self.config,
                              "--runs", "20"], capture_output=True,
                             text=True, check=True).stdout
        fresh = kept = None
        for line in out.splitlines():
            # name params runs median p90
            if line.startswith("argon2id Verify, kept memory"):
                kept = float(line.split()[-2])
            elif line.startswith("argon2id Verify "):
                fresh = (float(line.split()[-2]), line.strip())
        if fresh is None or kept is None:
            raise RuntimeError(f"no Argon2id Verify lines in:\n{out}")
        self.kdf_kept_ms = kept
        return fresh

    def session_cookie(self):
        client = Http(self.port)
        status, page = client.request("GET", "/login")
        status, _ = client.request(
            "POST", "/login",
            urllib.parse.urlencode({"csrf": csrf_of(page), "login": USER,
                                    "password": PASSWORD}),
            {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 303 or "lk_session" not in client.cookies:
            raise RuntimeError(f"login failed: {status} {client.cookies}")
        cookie = f"lk_session={client.cookies['lk_session']}"
        check = Http(self.port)
        status, _ = check.request("GET", "/profile", headers={"Cookie": cookie})
        if status != 200:
            raise RuntimeError(f"GET /profile with the session: {status}")
        return cookie

    def login_script(self):
        """A wrk Lua script that posts the sign-in form (valid pre-session
        CSRF token + its lk_pre cookie) from many client addresses: each
        request names one of 256 in X-Forwarded-For (the portal trusts
        127.0.0.1 as a proxy), as the sign-ins of many people would come.
        From one address the KDF queue's per-client share (kdf_pool.h)
        answers most of them 503 at once, and the figure would measure that
        503 storm instead of the logins the cores can hash."""
        client = Http(self.port)
        _, page = client.request("GET", "/login")
        body = urllib.parse.urlencode({"csrf": csrf_of(page), "login": USER,
                                       "password": PASSWORD})
        path = os.path.join(self.tmp, "login.lua")
        with open(path, "w", encoding="utf-8") as f:
            f.write(f"""wrk.method = "POST"
wrk.body = "{body}"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "lk_pre={client.cookies['lk_pre']}"
local n = 0
request = function()
  n = n + 1
  wrk.headers["X-Forwarded-For"] = "10.20." .. (n % 16) .. "." .. (n % 256)
  return wrk.format()
end
""")
        return path

    def wrk(self, path, threads=None, connections=None, duration=None,
            cookie=None, script=None):
        args = ["wrk", f"-t{threads or self.args.threads}",
                f"-c{connections or self.args.connections}",
                f"-d{duration or self.args.duration}s", "--latency",
                "--timeout", "10s"]
        if cookie:
            args += ["-H", f"Cookie: {cookie}"]
        if script:
            args += ["-s", script]
        return subprocess.Popen(args + [self.base + path],
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)

    def run_wrk(self, name, path, **kw):
        before = metrics(self.port)
        text = self.wrk(path, **kw).communicate()[0]
        after = metrics(self.port)
        result = parse_wrk(text)
        if not result["requests"]:
            say(text)
        return result, before, after

    def idle_rss(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = IDLE_CONNECTIONS + 256
        if soft < want:
            resource.setrlimit(resource.RLIMIT_NOFILE,
                               (min(want, hard), hard))
        socks = []
        try:
            for _ in range(IDLE_CONNECTIONS):
                s = socket.create_connection(("127.0.0.1", self.port),
                                             timeout=10)
                socks.append(s)
            time.sleep(2)  # let the portal accept and register them all
            # A request still gets through while they are all held open.
            status, _ = Http(self.port).request("GET", "/login")
            rss = proc_status(self.portal.pid)["VmRSS"]
            alive = sum(1 for s in socks if _still_open(s))
            return rss, status, alive
        finally:
            for s in socks:
                s.close()

    def report_idle_rss(self, when):
        rss, status, alive = self.idle_rss()
        say(f"RSS with {IDLE_CONNECTIONS} idle connections open ({when}): "
            f"{rss:.1f} MiB ({alive} still open, GET /login meanwhile: "
            f"{status})   target < {TARGET_RSS_MIB:.0f} MiB "
            f"{verdict(rss < TARGET_RSS_MIB and alive == IDLE_CONNECTIONS)}")

    def run(self):
        a = self.args
        say(f"==> machine: {self.cores} cores, load average {loadavg()} "
            f"(before); wrk -t{a.threads} -c{a.connections} -d{a.duration}s "
            f"on the same cores")
        kdf, line = self.kdf_ms()
        per_s = self.cores / (kdf / 1000.0)
        target_login = TARGET_LOGIN_RATIO * per_s
        say(f"KDF alone (bench_hash): {line}")
        say(f"  Argon2id Verify median {kdf:.2f} ms -> cores/KDF = "
            f"{per_s:.1f} logins/s; POST /login target >= "
            f"{TARGET_LOGIN_RATIO} x {per_s:.1f} = {target_login:.1f}/s")
        kept_per_s = self.cores / (self.kdf_kept_ms / 1000.0)
        say(f"  (a busy portal keeps each slot's Argon2 memory between "
            f"hashes: {self.kdf_kept_ms:.2f} ms per hash that way -> "
            f"{TARGET_LOGIN_RATIO} x {kept_per_s:.1f} = "
            f"{TARGET_LOGIN_RATIO * kept_per_s:.1f}/s; the target uses the "
            f"larger)")
        target_login = max(target_login, TARGET_LOGIN_RATIO * kept_per_s)
        rss0 = proc_status(self.portal.pid)
        say(f"RSS after start: {rss0['VmRSS']:.1f} MiB")

        self.report_idle_rss("before any login")
        cookie = self.session_cookie()
        results = []

        r, _, _ = self.run_wrk("GET /login", "/login")
        results.append(("GET /login", r, TARGET_GET_LOGIN,
                        r["rps"] >= TARGET_GET_LOGIN and not r["non2xx3xx"],
                        ""))
        r, before, after = self.run_wrk("GET /profile", "/profile",
                                        cookie=cookie)
        ok200 = (metric_sum(after, "latchkey_http_requests_total",
                            route="/profile", code="200") -
                 metric_sum(before, "latchkey_http_requests_total",
                            route="/profile", code="200"))
        ttl = a.session_cache_ttl or "2s (default)"
        say(f"GET /profile runs with [session] cache_ttl = {ttl}")
        results.append(("GET /profile (auth)", r, TARGET_PROFILE,
                        r["rps"] >= TARGET_PROFILE and not r["non2xx3xx"] and
                        ok200 >= r["requests"] * 0.99,
                        f"200s counted by /metrics: {ok200:.0f}"))
        r, before, after = self.run_wrk("POST /login", "/login",
                                        script=self.login_script())
        logins = (metric_sum(after, "latchkey_logins_total", outcome="ok") -
                  metric_sum(before, "latchkey_logins_total", outcome="ok"))
        rejected = (metric_sum(after, "latchkey_kdf_rejected_total") -
                    metric_sum(before, "latchkey_kdf_rejected_total"))
        login_rate = logins / a.duration
        results.append(("POST /login", r, target_login,
                        login_rate >= target_login,
                        f"successful logins (/metrics): {logins:.0f} = "
                        f"{login_rate:.1f}/s; KDF 503s: {rejected:.0f}"))

        say("")
        say(f"{'wrk -t%d -c%d -d%ds' % (a.threads, a.connections, a.duration):<22}"
            f"{'req/s':>10} {'p50':>10} {'p99':>10} {'non-2xx/3xx':>12}"
            f"   target")
        for name, r, target, ok, note in results:
            say(f"{name:<22}{r['rps']:>10.1f} {fmt_ms(r['p50']):>10} "
                f"{fmt_ms(r['p99']):>10} {r['non2xx3xx']:>12}   "
                f">= {target:.1f}/s {verdict(ok)}")
            if note:
                say(f"{'':<22}{note}")
            if r["errors"]:
                say(f"{'':<22}{r['errors']}")

        say("")
        self.report_idle_rss("after the runs above")

        say("")
        say(f"Login flood: wrk POST /login -t1 -c{a.connections} "
            f"-d{a.duration}s, and GET /profile -t1 -c4 "
            f"-d{max(a.duration - 6, 5)}s --latency from 3 s in")
        before = metrics(self.port)
        flood = self.wrk("/login", threads=1, script=self.login_script())
        time.sleep(3)
        probe = self.wrk("/profile", threads=1, connections=4,
                         duration=max(a.duration - 6, 5), cookie=cookie)
        peak = 0.0
        while probe.poll() is None:
            peak = max(peak, proc_status(self.portal.pid)["VmRSS"])
            time.sleep(0.25)
        profile = parse_wrk(probe.communicate()[0])
        flood_out = parse_wrk(flood.communicate()[0])
        after = metrics(self.port)
        logins = (metric_sum(after, "latchkey_logins_total", outcome="ok") -
                  metric_sum(before, "latchkey_logins_total", outcome="ok"))
        rejected = (metric_sum(after, "latchkey_kdf_rejected_total") -
                    metric_sum(before, "latchkey_kdf_rejected_total"))
        p99 = profile["p99"]
        say(f"  POST /login: {flood_out['rps']:.1f} req/s, "
            f"{logins / a.duration:.1f} successful logins/s, "
            f"{rejected:.0f} answered 503 (KDF busy), p50 "
            f"{fmt_ms(flood_out['p50'])}, p99 {fmt_ms(flood_out['p99'])}")
        say(f"  GET /profile meanwhile: {profile['rps']:.1f} req/s, p50 "
            f"{fmt_ms(profile['p50'])}, p99 {fmt_ms(p99)}   target p99 < "
            f"{TARGET_FLOOD_P99_MS:.0f} ms "
            f"{verdict(p99 is not None and p99 < TARGET_FLOOD_P99_MS)}")
        say(f"  RSS during the flood: peak sampled {peak:.1f} MiB")

        say("")
        self.report_idle_rss("after the login flood")
        hwm = proc_status(self.portal.pid)["VmHWM"]
        say(f"Peak RSS of the portal over the whole run (VmHWM): {hwm:.1f} MiB")
        say(f"==> load average {loadavg()} (after)")


def _still_open(s):
    s.setblocking(False)
    try:
        return s.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


def main():
    parser = argparse.ArgumentParser(
        description="latchkey-portal under wrk (bench/portal)")
    parser.add_argument("--build", default=os.path.join(REPO, "build"),
                        help="build directory (default: build)")
    parser.add_argument("--work", help="scratch directory "
                        "(default: BUILD/bench-portal)")
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--session-cache-ttl", metavar="DURATION",
                        help="[session] cache_ttl for the portal (default: "
                        "the built-in 2s; 0s measures every signed-in page "
                        "asking MariaDB)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the sandbox directory and the temp files")
    bench = Bench(parser.parse_args())
    bench.check()
    try:
        bench.start()
        bench.run()
    finally:
        bench.stop()


if __name__ == "__main__":
    main()
