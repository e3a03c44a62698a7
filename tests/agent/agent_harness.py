"""Runs a real latchkey-agent (LATCHKEY_AGENT) against fake directories,
for tests/agent and bench/agent. Needs root (the agent's files are
root-only, and tests call it as other users through setpriv)."""

import json
import os
import pwd
import signal
import socket
import struct
import subprocess
import tempfile
import time

AGENT = os.environ.get("LATCHKEY_AGENT", "")

# A client for callers other than root: run through setpriv as another
# user, so SO_PEERCRED sees that user. Prints the answer or "ERROR ...".
CLIENT_CODE = r'''
import json, socket, struct, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
try:
    s.connect(sys.argv[1])
    b = sys.argv[2].encode()
    s.sendall(struct.pack(">I", len(b)) + b)
    head = b""
    while len(head) < 4:
        c = s.recv(4 - len(head))
        if not c: raise EOFError("closed")
        head += c
    n = struct.unpack(">I", head)[0]
    data = b""
    while len(data) < n:
        c = s.recv(n - len(data))
        if not c: raise EOFError("closed")
        data += c
    print(data.decode())
except Exception as e:
    print("ERROR %r" % (e,))
'''


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise EOFError("the agent closed the connection")
        data += chunk
    return data


class Connection:
    def __init__(self, path, timeout=15):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        try:
            self.sock.connect(path)
        except OSError:
            self.sock.close()
            raise

    def call(self, request):
        body = json.dumps(request).encode()
        self.sock.sendall(struct.pack(">I", len(body)) + body)
        n = struct.unpack(">I", recv_exact(self.sock, 4))[0]
        return json.loads(recv_exact(self.sock, n))

    def close(self):
        self.sock.close()


class AgentHost:
    """One agent with its own config, token, socket, state and NSS files
    under `root` (a 0755 directory, so other users reach the socket)."""

    def __init__(self, ca, directories, token="tok-" + "a" * 40,
                 offline_max_age="0", ttl="60s", max_stale="1d",
                 sync_interval="1s", keys_user="daemon", max_failures=5,
                 connect_timeout="1s", local_names=("localbob",)):
        self.root = tempfile.mkdtemp(prefix="lk-agent-")
        os.chmod(self.root, 0o755)
        self.socket = os.path.join(self.root, "run", "agent.sock")
        self.state = os.path.join(self.root, "state")
        self.passwd = os.path.join(self.root, "extrausers", "passwd")
        self.group = os.path.join(self.root, "extrausers", "group")
        self.local_passwd = os.path.join(self.root, "local-passwd")
        self.token_file = os.path.join(self.root, "host.token")
        self.config = os.path.join(self.root, "latchkey.conf")
        self.log = os.path.join(self.root, "agent.log")
        with open(self.local_passwd, "w") as f:
            f.write("root:x:0:0:root:/root:/bin/bash\n")
            for i, name in enumerate(local_names):
                f.write("%s:x:%d:%d::/home/%s:/bin/sh\n" %
                        (name, 1000 + i, 1000 + i, name))
        fd = os.open(self.token_file, os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, (token + "\n").encode())
        os.close(fd)
        self.write_config(ca, directories, offline_max_age, ttl, max_stale,
                          sync_interval, keys_user, max_failures,
                          connect_timeout)
        self.proc = None

    def write_config(self, ca, directories, offline_max_age, ttl, max_stale,
                     sync_interval, keys_user, max_failures, connect_timeout):
        text = f"""[fleet]
enabled = true
agent_socket = {self.socket}
directories = {", ".join(directories)}
tls_ca = {ca}
host_token_file = {self.token_file}
connect_timeout = {connect_timeout}
request_timeout = 3s
keys_user = {keys_user}
ssh_keys_ttl = {ttl}
ssh_keys_max_stale = {max_stale}
sync_interval = {sync_interval}
state_dir = {self.state}

[offline]
max_age = {offline_max_age}

[nss]
passwd_file = {self.passwd}
group_file = {self.group}
local_passwd_file = {self.local_passwd}
uid_min = 20000
uid_max = 29999

[lockout]
max_failures = {max_failures}
lock_duration = 60s
"""
        fd = os.open(self.config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                     0o600)
        os.write(fd, text.encode())
        os.close(fd)

    def start(self, wait_sync=True):
        if getattr(self, "logf", None):
            self.logf.close()
        self.logf = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [AGENT, "--config", self.config, "--foreground"],
            stdout=self.logf, stderr=self.logf)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("the agent exited: " + self.read_log())
            if os.path.exists(self.socket):
                try:
                    self.call({"op": "ping"})
                    break
                except OSError:
                    pass
            time.sleep(0.05)
        else:
            raise RuntimeError("the agent did not start: " + self.read_log())
        if wait_sync:
            time.sleep(0.3)
        return self

    def read_log(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def call(self, request, timeout=15):
        c = Connection(self.socket, timeout)
        try:
            return c.call(request)
        finally:
            c.close()

    def call_as(self, user, request):
        """The request from a process running as `user` (setpriv)."""
        pw = pwd.getpwnam(user)
        out = subprocess.run(
            ["setpriv", "--reuid=%d" % pw.pw_uid, "--regid=%d" % pw.pw_gid,
             "--clear-groups", "/usr/bin/python3", "-c", CLIENT_CODE,
             self.socket, json.dumps(request)],
            capture_output=True, text=True, timeout=30)
        line = out.stdout.strip()
        if not line or line.startswith("ERROR"):
            return {"error": line or out.stderr}
        return json.loads(line)

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "logf", None):
            self.logf.close()
        return self.proc.returncode if self.proc else None

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return None

    def offline_users(self):
        path = os.path.join(self.state, "offline.json")
        if not os.path.exists(path):
            return {}
        with open(path) as f:
            return json.load(f).get("users", {})

    def audit_queue(self):
        path = os.path.join(self.state, "audit-queue.json")
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return json.load(f).get("events", [])


def wait_until(predicate, timeout=10, interval=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()
