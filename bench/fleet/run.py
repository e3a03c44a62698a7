#!/usr/bin/env python3
"""bench/fleet: fleet mode's figures (issue 12, "Performance"); not a test.

  sudo python3 bench/fleet/run.py [--build DIR] [--runs N] [--duration S]
                                  [--work DIR] [--keep]

Starts a private MariaDB (scripts/lib/mariadb-sandbox.sh) in WORK/sandbox
(default BUILD/bench-fleet), then the fleet of tests/fleet/fleet_fixture.py
with the built-in (production) Argon2id parameters: a test CA, two
latchkey-portal directories with TLS on loopback, two host groups, two
fleet hosts and their latchkey-agent processes. Then:

  1. the agents' idle RSS: VmRSS (and VmHWM) from /proc/PID/status after
     start and one sync of the directory map (target <= 16 MiB);
  2. the KDF alone: bench_hash --config (median Argon2id Verify, fresh
     memory), which sets the throughput target 0.80 x cores / KDF time;
  3. bench_pam's fleet row: bench_pam --fleet-only --fleet-config HOST_CONF,
     pam_latchkey in fleet mode (agent, then the directory over its kept-
     alive TLS connection) against the KDF alone, in turn; the ratio's
     target is <= 1.05;
  4. directory throughput: 4 simulated hosts (4 host tokens from
     `latchkeyctl host add --fleet`), each a keep-alive TLS client posting
     /host/v1/authenticate with a right password as fast as answers come,
     for --duration seconds; authentications per second against 0.80 x
     cores / KDF time. The clients, MariaDB, the directory and the agents
     share this machine's cores.

Everything it started is stopped by PID at the end and the sandbox removed
(unless --keep). Needs root (the agent serves PAM calls to uid 0 only) and
the built latchkey-portal, latchkeyctl, latchkey-agent, pam_latchkey.so,
bench_pam and bench_hash. Loopback only.
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
for sub in ("tests/support", "tests/e2e", "tests/fleet"):
    sys.path.insert(0, os.path.join(REPO, sub))
import lkharness  # noqa: E402

SANDBOX = os.path.join(REPO, "scripts", "lib", "mariadb-sandbox.sh")
BENCH_PAM_PASSWORD = "bench correct horse 4"  # bench_pam's kPassword
BENCH_PAM_USER = "benchfleet"
SIMULATED_HOSTS = 4

TARGET_RATIO = 1.05
TARGET_THROUGHPUT_FACTOR = 0.80
TARGET_RSS_MIB = 16.0


def say(text=""):
    print(text, flush=True)


def find(build, *candidates):
    """The first existing BUILD/candidate, else a file of that name
    anywhere under BUILD (outside CMakeFiles)."""
    for c in candidates:
        path = os.path.join(build, c)
        if os.path.exists(path):
            return path
    names = {os.path.basename(c) for c in candidates}
    for root, dirs, files in os.walk(build):
        dirs[:] = [d for d in dirs if d != "CMakeFiles" and
                   not d.startswith("bench-") and d != "sandbox"]
        for name in files:
            if name in names:
                return os.path.join(root, name)
    sys.exit(f"run.py: none of {candidates} under {build}: build them first")


def proc_status(pid):
    out = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) / 1024.0
    return out


def kdf_ms(bench_hash, config):
    out = subprocess.run([bench_hash, "--config", config, "--runs", "15"],
                         capture_output=True, text=True, check=True,
                         timeout=600).stdout
    for line in out.splitlines():
        if line.startswith("argon2id Verify ") and "kept" not in line:
            return float(line.split()[-2]), line.strip()
    raise RuntimeError(f"no Argon2id Verify line in:\n{out}")


def throughput(fleet, tokens, users, duration):
    """Authentications per second from len(tokens) keep-alive clients."""
    import fleet_fixture as ff
    directory = fleet.directories[0]
    counts = [0] * len(tokens)
    other = [dict() for _ in tokens]
    start_at = time.monotonic() + 1.0  # all connected and warm first
    stop_at = start_at + duration

    def client(i):
        conn = directory.connection(timeout=60)
        body = {"user": users[i], "password": ff.PASSWORD,
                "service": "sshd", "rhost": "127.0.0.1", "tty": "ssh",
                "nss_uid": None, "totp": "auto"}
        ff.host_call(conn, "GET", "/host/v1/ping", tokens[i])
        while time.monotonic() < start_at:
            time.sleep(0.005)
        while time.monotonic() < stop_at:
            status, _, payload = ff.host_call(
                conn, "POST", "/host/v1/authenticate", tokens[i], body)
            answer = json.loads(payload) if payload.startswith(b"{") else {}
            if status == 200 and answer.get("status") == "ok":
                counts[i] += 1
            else:
                key = f"{status} {answer.get('status') or answer.get('error')}"
                other[i][key] = other[i].get(key, 0) + 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,))
               for i in range(len(tokens))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    errors = {}
    for o in other:
        for k, v in o.items():
            errors[k] = errors.get(k, 0) + v
    return sum(counts) / duration, counts, errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default=os.path.join(REPO, "build"))
    parser.add_argument("--work", default=None)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run.py: run as root (the agent serves PAM calls to uid 0)")
    build = os.path.abspath(args.build)
    work = os.path.abspath(args.work or os.path.join(build, "bench-fleet"))
    sandbox = os.path.join(work, "sandbox")
    binaries = {
        "LATCHKEYCTL": find(build, "cli/latchkeyctl"),
        "LATCHKEY_PORTAL": find(build, "portal/latchkey-portal"),
        "LATCHKEY_AGENT": find(build, "agent/latchkey-agent"),
        "LATCHKEY_PAM_MODULE": find(build, "pam_module/pam_latchkey.so"),
    }
    bench_pam = find(build, "bench/pam/bench_pam")
    bench_hash = find(build, "bench/hash/bench_hash")
    os.environ.update(binaries)
    os.environ["LATCHKEY_SANDBOX"] = sandbox
    os.environ["LATCHKEY_SSH_KEYS"] = ""
    os.makedirs(work, exist_ok=True)
    cores = os.cpu_count() or 1

    subprocess.run(["bash", SANDBOX, "start", sandbox], check=True,
                   stdout=subprocess.DEVNULL)
    fleet = None
    try:
        import fleet_fixture as ff
        say(f"bench/fleet: {cores} cores, load {open('/proc/loadavg').read().split()[0]}")
        fleet = ff.Fleet("bench", argon2_memory_kib=None)

        # 1. the agents' idle RSS after start and one sync.
        for host in fleet.hosts:
            host.wait_online()
            time.sleep(1.5)  # one more sync_interval
            st = proc_status(host.process.pid)
            say(f"  agent {host.name}: idle VmRSS {st['VmRSS']:.1f} MiB, "
                f"VmHWM {st['VmHWM']:.1f} MiB   (target <= {TARGET_RSS_MIB:.0f} "
                f"MiB) {'OK' if st['VmRSS'] <= TARGET_RSS_MIB else 'OVER'}")

        # 2. the KDF alone.
        kdf, line = kdf_ms(bench_hash, fleet.config)
        target_tput = TARGET_THROUGHPUT_FACTOR * cores / (kdf / 1000.0)
        say(f"  KDF alone: {line}")

        # Users: bench_pam's, and one per simulated host.
        fleet.add_user(BENCH_PAM_USER, password=BENCH_PAM_PASSWORD)
        users = [f"benchf{i}" for i in range(SIMULATED_HOSTS)]
        for u in users:
            fleet.add_user(u)
        fleet.web1.wait_for_entry(BENCH_PAM_USER)

        # 3. bench_pam's fleet row.
        r = subprocess.run([bench_pam, "--config", fleet.config,
                            "--fleet-config", fleet.web1.config,
                            "--fleet-user", BENCH_PAM_USER, "--fleet-only",
                            "--runs", str(args.runs)],
                           capture_output=True, text=True, timeout=1800)
        say(r.stdout.rstrip())
        if r.returncode != 0:
            say(f"  bench_pam exited {r.returncode}: {r.stderr.strip()}")

        # 4. directory throughput from 4 simulated hosts.
        tokens = []
        for i in range(SIMULATED_HOSTS):
            path = os.path.join(fleet.tmp, f"sim{i}.token")
            fleet.ok("host", "add", f"bench-sim{i}", "--fleet", "--group",
                     ff.WEB_GROUP, "--token-file", path)
            tokens.append(lkharness.read_file(path).strip())
        rate, counts, errors = throughput(fleet, tokens, users, args.duration)
        say(f"\n  directory throughput, {SIMULATED_HOSTS} simulated hosts "
            f"(keep-alive TLS), {args.duration:.0f} s: {rate:.2f} "
            f"authentications/s (per host {counts}; other answers {errors})")
        say(f"  target 0.80 x {cores} cores / {kdf:.2f} ms = "
            f"{target_tput:.2f}/s: {'OK' if rate >= target_tput else 'BELOW'}"
            f" ({rate / target_tput:.2f} x target)")
        for host in fleet.hosts:
            st = proc_status(host.process.pid)
            say(f"  agent {host.name} after the run: VmRSS {st['VmRSS']:.1f} "
                f"MiB, VmHWM {st['VmHWM']:.1f} MiB")
    finally:
        if fleet is not None:
            fleet.close()
        if not args.keep:
            subprocess.run(["bash", SANDBOX, "stop", sandbox], check=False,
                           stdout=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
