"""A fake latchkey directory (/host/v1, docs/fleet-protocol.md) for the
agent's tests: a small TLS HTTP/1.1 server with keep-alive, state held in
Python so a test can change it, and counters (TLS connections accepted,
requests seen). Unit-level only: the real directory is tested end to end
by tests/e2e.

Also: make_test_ca(dir) writes a CA and a server certificate for
127.0.0.1 with openssl.
"""

import json
import os
import socket
import ssl
import subprocess
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def make_test_ca(directory):
    """A test CA and a server certificate for 127.0.0.1 and localhost.
    Returns (ca_cert, server_cert, server_key) paths."""
    ca_key = os.path.join(directory, "ca.key")
    ca_cert = os.path.join(directory, "ca.crt")
    key = os.path.join(directory, "server.key")
    csr = os.path.join(directory, "server.csr")
    cert = os.path.join(directory, "server.crt")
    ext = os.path.join(directory, "server.ext")
    run = lambda *a: subprocess.run(a, check=True, capture_output=True)
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:P-256", "-nodes", "-keyout", ca_key, "-out",
        ca_cert, "-days", "2", "-subj", "/CN=latchkey agent test CA")
    run("openssl", "req", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", csr,
        "-subj", "/CN=127.0.0.1")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                "basicConstraints=CA:FALSE\n"
                "extendedKeyUsage=serverAuth\n")
    run("openssl", "x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey",
        ca_key, "-CAcreateserial", "-out", cert, "-days", "2", "-extfile",
        ext)
    return ca_cert, cert, key


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, fake, address):
        self.fake = fake
        super().__init__(address, _Handler)

    def get_request(self):
        conn, addr = self.socket.accept()
        with self.fake.lock:
            self.fake.connections += 1
            self.fake.open_sockets.append(conn)
        return conn, addr


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _send(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _handle(self, method):
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        body = json.loads(raw) if raw else {}
        with fake.lock:
            fake.requests.append((method, url.path, query, body,
                                  self.headers.get("X-Latchkey-Agent")))
            if fake.fail_with:
                return self._send(fake.fail_with, {"error": "down"})
            if self.headers.get("Authorization") != "Bearer " + fake.token:
                return self._send(401, {"error": "host_unknown"})
            code, answer = fake.route(method, url.path, query, body)
        self._send(code, answer)

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")


class FakeDirectory:
    """The directory's state: users (name -> dict with password, keys,
    stamp, roles, services, totp), the NSS map, audit rows received."""

    def __init__(self, cert, key, token, port=0):
        self.cert, self.key, self.token = cert, key, token
        self.lock = threading.RLock()
        self.users = {}
        self.map_version = "1"
        self.map_users = []
        self.map_groups = []
        self.audit = []
        self.requests = []
        self.connections = 0
        self.open_sockets = []
        self.fail_with = 0  # an HTTP status to answer everything with
        self.port = port
        self.server = None
        self.thread = None

    def add_user(self, name, password, keys=(), roles=("staff",),
                 services=("*",), totp=False):
        with self.lock:
            self.users[name] = {
                "password": password, "keys": list(keys),
                "stamp": "s-%s-1" % name, "roles": list(roles),
                "services": list(services), "totp": totp,
            }

    def start(self):
        self.server = _Server(self, ("127.0.0.1", self.port))
        self.port = self.server.server_address[1]
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert, self.key)
        self.server.socket = ctx.wrap_socket(self.server.socket,
                                             server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()
        return self

    def stop(self):
        """Down: no listener, and every open connection cut."""
        if self.server is None:
            return
        self.server.shutdown()
        self.server.server_close()
        with self.lock:
            for s in self.open_sockets:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                try:
                    s.close()
                except OSError:
                    pass
            self.open_sockets = []
        self.server = None

    @property
    def url(self):
        return "https://127.0.0.1:%d" % self.port

    def paths(self):
        with self.lock:
            return [r[1] for r in self.requests]

    # The routes, called under self.lock.
    def route(self, method, path, query, body):
        if method == "GET" and path == "/host/v1/ping":
            return 200, {"status": "ok", "host": "testhost", "group": None,
                         "time": int(time.time())}
        if method == "GET" and path == "/host/v1/ssh-keys":
            user = self.users.get(query.get("user", ""))
            if user is None:
                return 200, {"status": "unknown_user"}
            return 200, {"status": "ok", "keys": user["keys"]}
        if method == "GET" and path == "/host/v1/map":
            if query.get("since", "") == self.map_version:
                return 200, {"version": self.map_version, "unchanged": True}
            return 200, {"version": self.map_version, "unchanged": False,
                         "users": self.map_users, "groups": self.map_groups}
        if method == "POST" and path == "/host/v1/authenticate":
            user = self.users.get(body.get("user"))
            if user is None:
                return 200, {"status": "bad_credentials", "user_known": False}
            if body.get("password") != user["password"]:
                return 200, {"status": "bad_credentials", "user_known": True}
            if user["totp"]:
                return 200, {"status": "second_factor_needed",
                             "user_known": True,
                             "challenge": "chal-" + body["user"]}
            return 200, {"status": "ok", "user_known": True,
                         "password_expired": False,
                         "offline_stamp": user["stamp"]}
        if method == "POST" and path == "/host/v1/second-factor":
            if body.get("code") == "123456":
                return 200, {"status": "ok", "user_known": True,
                             "offline_stamp": None}
            return 200, {"status": "bad_credentials", "user_known": True}
        if method == "POST" and path == "/host/v1/account":
            user = self.users.get(body.get("user"))
            if user is None:
                return 200, {"status": "unknown_user"}
            wanted = body.get("require_roles") or []
            if wanted and not set(wanted) & set(user["roles"]):
                return 200, {"status": "role_missing"}
            if "*" not in user["services"] and \
                    body.get("service") not in user["services"]:
                return 200, {"status": "access_denied"}
            return 200, {"status": "ok"}
        if method == "POST" and path == "/host/v1/offline-check":
            out = {}
            for name in body.get("users", []):
                user = self.users.get(name)
                if user is None or user["totp"]:
                    out[name] = {"stamp": None, "roles": [], "services": []}
                else:
                    out[name] = {"stamp": user["stamp"],
                                 "roles": user["roles"],
                                 "services": user["services"]}
            return 200, {"users": out}
        if method == "POST" and path == "/host/v1/audit":
            events = body.get("events", [])
            for e in events:
                if e.get("event") not in ("offline_login", "offline_failure"):
                    return 400, {"error": "bad_event"}
            self.audit.extend(events)
            return 200, {"status": "ok", "accepted": len(events)}
        if method == "POST" and path == "/host/v1/password":
            user = self.users.get(body.get("user"))
            if user is None:
                return 200, {"status": "unknown_user"}
            old = body.get("old_password")
            if old is not None and old != user["password"]:
                return 200, {"status": "wrong_password"}
            user["password"] = body["new_password"]
            user["stamp"] += "x"
            return 200, {"status": "ok"}
        if method == "POST" and path == "/host/v1/session":
            return 200, {"status": "ok"}
        return 404, {"error": "not_found"}
