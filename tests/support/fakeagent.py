"""A fake latchkey-agent for the PAM module's and latchkey-ssh-keys' tests:
a unix stream socket speaking the agent's frame protocol
(docs/fleet-protocol.md, "The agent socket") in a thread of its own.

Each connection is served in order: every request frame is decoded, kept
in `requests` (with the connection's number), and answered with what
`respond(request)` returns (a dict; None closes the connection without an
answer). Before answering, the fake notes which EARLIER connections the
client still holds open (`still_open`): a module that closes its
connection before its pam_sm_* call returns leaves none, because the next
call's request is sent after the previous call returned.

It checks each request's shape against the protocol (the op's required
fields and their JSON types); a request that does not match is recorded in
`bad` and answered {"status": "bad_request"}, so a test that asserts
`bad == []` fails on a malformed request.
"""
import json
import os
import socket
import struct
import tempfile
import threading
import time

# op -> {field: allowed Python types}. Every field listed is required.
_STR = (str,)
_SHAPES = {
    "authenticate": {"user": _STR, "password": _STR, "service": _STR,
                     "rhost": _STR, "tty": _STR,
                     "nss_uid": (int, type(None)), "totp": _STR},
    "second_factor": {"challenge": _STR, "code": _STR, "service": _STR,
                      "rhost": _STR, "tty": _STR},
    "account": {"user": _STR, "service": _STR, "require_roles": (list,),
                "nss_uid": (int, type(None))},
    "change_password": {"user": _STR, "old_password": (str, type(None)),
                        "new_password": _STR, "service": _STR,
                        "rhost": _STR, "tty": _STR},
    "open_session": {"user": _STR, "service": _STR, "rhost": _STR,
                     "tty": _STR},
    "close_session": {"user": _STR, "service": _STR, "rhost": _STR,
                      "tty": _STR},
    "ssh_keys": {"user": _STR},
    "passwd": {"user": _STR},
    "ping": {},
}


def shape_problem(request):
    """None if `request` is a request the protocol allows, else why not."""
    if not isinstance(request, dict):
        return "not an object"
    op = request.get("op")
    if op not in _SHAPES:
        return "unknown op %r" % (op,)
    for field, types in _SHAPES[op].items():
        if field not in request:
            return "%s: missing %s" % (op, field)
        value = request[field]
        if isinstance(value, bool) or not isinstance(value, types):
            return "%s: %s has the wrong type" % (op, field)
    if op == "authenticate" and request["totp"] not in (
            "auto", "required", "off"):
        return "authenticate: bad totp"
    if op == "account" and not all(
            isinstance(r, str) for r in request["require_roles"]):
        return "account: require_roles must be strings"
    return None


def read_frame(conn):
    """One frame's JSON object, or None at EOF."""
    header = _read_exact(conn, 4)
    if header is None:
        return None
    (n,) = struct.unpack(">I", header)
    if n == 0 or n > (1 << 20):
        raise ValueError("bad frame length %d" % n)
    body = _read_exact(conn, n)
    if body is None:
        raise ValueError("EOF inside a frame")
    return json.loads(body.decode("utf-8"))


def write_frame(conn, obj):
    body = json.dumps(obj).encode("utf-8")
    conn.sendall(struct.pack(">I", len(body)) + body)


def _read_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            if data:
                raise ValueError("EOF inside a frame")
            return None
        data += chunk
    return data


def _at_eof(conn):
    """True when the peer has closed `conn` (nothing left to read but EOF)."""
    try:
        data = conn.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except BlockingIOError:
        return False
    except OSError:
        return True
    return data == b""


class FakeAgent:
    """Listens on `path` (a fresh socket in a temp dir unless given)."""

    def __init__(self, respond, path=None, listen=True):
        self.respond = respond
        self.dir = tempfile.mkdtemp(prefix="lkfakeagent-")
        self.path = path or os.path.join(self.dir, "agent.sock")
        self.requests = []     # (connection number, request dict)
        self.still_open = []   # (connection number, [earlier ones open])
        self.bad = []          # (request, problem)
        self.connections = 0
        self.peer_uids = []
        self._conns = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        os.chmod(self.path, 0o666)
        self.sock.listen(16 if listen else 0)
        self.sock.settimeout(0.1)
        self._thread = None
        if listen:
            self._thread = threading.Thread(target=self._accept, daemon=True)
            self._thread.start()

    def _accept(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            with self._lock:
                self.connections += 1
                number = self.connections
                self._conns.append(conn)
            creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                    struct.calcsize("3i"))
            self.peer_uids.append(struct.unpack("3i", creds)[1])
            threading.Thread(target=self._serve, args=(conn, number),
                             daemon=True).start()

    def _serve(self, conn, number):
        try:
            while True:
                request = read_frame(conn)
                if request is None:
                    return
                with self._lock:
                    earlier = [i + 1 for i, c in enumerate(self._conns[:number - 1])
                               if c.fileno() >= 0 and not _at_eof(c)]
                    self.still_open.append((number, earlier))
                    self.requests.append((number, request))
                problem = shape_problem(request)
                if problem:
                    self.bad.append((request, problem))
                    write_frame(conn, {"status": "bad_request",
                                       "message": problem})
                    return
                answer = self.respond(request)
                if answer is None:
                    return
                write_frame(conn, answer)
        except (OSError, ValueError) as e:
            self.bad.append((None, "frame: %s" % e))
        finally:
            pass  # kept open until the client closes: _at_eof needs it

    def reset(self):
        """Forgets every request and connection so far (closing them)."""
        with self._lock:
            for c in self._conns:
                c.close()
            self._conns = []
            self.connections = 0
            self.requests.clear()
            self.still_open.clear()
            self.bad.clear()
            self.peer_uids.clear()

    def ops(self):
        return [r["op"] for _, r in self.requests]

    def leaked(self):
        """The requests during which an earlier connection was still open."""
        return [(n, open_) for n, open_ in self.still_open if open_]

    def close(self):
        self._stop.set()
        if self._thread:
            self._thread.join()
        with self._lock:
            for c in self._conns:
                c.close()
        self.sock.close()
        try:
            os.unlink(self.path)
        except OSError:
            pass
        try:
            os.rmdir(self.dir)
        except OSError:
            pass


def wait_until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()
