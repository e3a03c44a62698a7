#!/usr/bin/env python3
"""Idle RSS of latchkey-agent (issue 12: at most 16 MiB).

Starts the real agent against a fake directory (tests/agent/fake_directory.py,
TLS with a test CA made by openssl) that serves a map of --users users, waits
for the first sync and a few calls, lets it idle, then prints VmRSS from
/proc/PID/status. Needs root (the agent's files are root-only).

  sudo python3 bench/agent/idle_rss.py --agent build/agent/latchkey-agent
  [--users 1000] [--idle 3] [--json]

Exit status 1 when the RSS is above --limit-kib (default 16384), so the e2e
helper can use it as a check.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "agent"))

from agent_harness import AgentHost, wait_until  # noqa: E402
from fake_directory import FakeDirectory, make_test_ca  # noqa: E402

TOKEN = "tok-" + "b" * 40


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--agent", default=os.environ.get("LATCHKEY_AGENT"))
    p.add_argument("--users", type=int, default=1000)
    p.add_argument("--idle", type=float, default=3.0)
    p.add_argument("--limit-kib", type=int, default=16384)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    if not args.agent:
        sys.exit("--agent PATH (or LATCHKEY_AGENT) is needed")
    import agent_harness
    agent_harness.AGENT = os.path.abspath(args.agent)

    ca_dir = tempfile.mkdtemp(prefix="lk-agent-bench-")
    ca, cert, key = make_test_ca(ca_dir)
    d = FakeDirectory(cert, key, TOKEN).start()
    d.map_users = [{"name": "user%d" % i, "uid": 20000 + i,
                    "gid": 20000 + i, "gecos": "User %d" % i,
                    "home": "/home/user%d" % i, "shell": "/bin/bash"}
                   for i in range(args.users)]
    d.map_groups = [{"name": "user%d" % i, "gid": 20000 + i, "members": []}
                    for i in range(args.users)]
    d.add_user("alice", "pw", keys=["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI"
                                    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                                    "AAAA alice@a"])
    h = AgentHost(ca, [d.url], token=TOKEN, sync_interval="30s")
    try:
        h.start()
        wait_until(lambda: os.path.exists(h.passwd)
                   and open(h.passwd).read().count("\n") == args.users)
        for _ in range(10):
            h.call({"op": "ssh_keys", "user": "alice"})
            h.call({"op": "passwd", "user": "user1"})
        h.call({"op": "ping"})
        time.sleep(args.idle)
        rss = h.rss_kib()
    finally:
        h.stop()
        d.stop()
        shutil.rmtree(h.root, ignore_errors=True)
        shutil.rmtree(ca_dir, ignore_errors=True)
    result = {"idle_rss_kib": rss, "map_users": args.users,
              "limit_kib": args.limit_kib, "ok": rss <= args.limit_kib}
    if args.json:
        print(json.dumps(result))
    else:
        print("latchkey-agent idle RSS after start + one sync of %d users: "
              "%d KiB (%.1f MiB; limit %d KiB) %s" %
              (args.users, rss, rss / 1024, args.limit_kib,
               "ok" if result["ok"] else "TOO MUCH"))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
