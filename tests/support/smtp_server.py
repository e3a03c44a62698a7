#!/usr/bin/python3
"""A real SMTP server for tests (Debian's python3-aiosmtpd) on a loopback port.

Every message it accepts is written as one file DIR/new/<ns>.<n>.eml (via
DIR/tmp and a rename, so a reader never sees half a message), with the SMTP
envelope prepended as X-Envelope-From: and X-Envelope-To: headers.

Command line (run it with /usr/bin/python3, which has aiosmtpd):

  smtp_server.py serve --dir DIR [--port N] [--auth USER:PASS]
                       [--tls-cert PEM --tls-key PEM | --tls-self-signed]
      Serves in the foreground until SIGTERM/SIGINT. Writes DIR/smtp.pid and,
      once listening, DIR/smtp.port. --port 0 (the default) picks a free port.
      --auth requires AUTH (PLAIN/LOGIN, allowed without TLS); --tls-cert and
      --tls-key offer STARTTLS, and --tls-self-signed does so with a
      certificate for CN=localhost made with the openssl command (kept as
      DIR/tls.crt and DIR/tls.key). Each message also gets an
      X-Envelope-TLS: yes|no header saying whether it came over TLS.
  smtp_server.py start --dir DIR [same options]
      Starts `serve` in the background (its own session, log in DIR/smtp.log),
      waits until it listens and prints the port.
  smtp_server.py stop --dir DIR
      Stops the server whose pid is in DIR/smtp.pid (SIGTERM, then SIGKILL).
  smtp_server.py list --dir DIR
      Prints one line per received message: file, To, Subject.

From Python tests (import it from tests/support):

  server = SmtpServer(directory)           # port=0: a free port
  port = server.start()
  ...
  msg = server.wait_for(lambda m: m["To"] == "<bob@example.org>")
  url = lkharness.links(msg)[0]
  server.stop()

Reading the mails (a maildir) is lkharness's (tests/support/lkharness.py).
Only the standard library and aiosmtpd; aiosmtpd is imported only by `serve`.
"""

import argparse
import os
import signal
import subprocess
import sys
import threading
import time

# The C++ tests run this file from the source tree: no __pycache__ there.
sys.dont_write_bytecode = True
from lkharness import HOST, free_port, read_maildir  # noqa: E402


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped by whoever inherited it) is gone.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (OSError, IndexError):
        return True


class SmtpServer:
    """Starts and stops smtp_server.py serve as a background process."""

    def __init__(self, directory, port=0, auth=None, tls_cert=None,
                 tls_key=None, tls_self_signed=False,
                 python="/usr/bin/python3"):
        self.directory = directory
        self.port = port or free_port()
        self.auth = auth
        self.tls_cert = tls_cert
        self.tls_key = tls_key
        self.tls_self_signed = tls_self_signed
        self.python = python

    def _args(self):
        args = ["--dir", self.directory, "--port", str(self.port)]
        if self.auth:
            args += ["--auth", self.auth]
        if self.tls_cert:
            args += ["--tls-cert", self.tls_cert, "--tls-key", self.tls_key]
        if self.tls_self_signed:
            args.append("--tls-self-signed")
        return args

    def start(self, timeout=15):
        """Starts the server (again, on the same port); returns the port."""
        return start(self.directory, self._args(), python=self.python,
                     timeout=timeout)

    def stop(self):
        stop(self.directory)

    def messages(self):
        return read_maildir(self.directory)

    def wait_for(self, predicate=lambda m: True, timeout=15, count=1):
        """Waits until `count` messages match; returns the last of them."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.messages() if predicate(m)]
            if len(found) >= count:
                return found[count - 1]
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{len(found)} of {count} expected mails arrived in "
                    f"{self.directory} within {timeout}s")
            time.sleep(0.05)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


def start(directory, serve_args, python=None, timeout=15):
    os.makedirs(directory, exist_ok=True)
    port_file = os.path.join(directory, "smtp.port")
    try:
        os.unlink(port_file)
    except FileNotFoundError:
        pass
    log = open(os.path.join(directory, "smtp.log"), "ab")
    proc = subprocess.Popen(
        [python or sys.executable, os.path.abspath(__file__), "serve"] +
        list(serve_args),
        stdin=subprocess.DEVNULL, stdout=log, stderr=log,
        start_new_session=True)
    log.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"smtp_server.py serve exited with {proc.returncode}; see "
                f"{directory}/smtp.log")
        try:
            with open(port_file, encoding="ascii") as f:
                text = f.read().strip()
            if text:
                return int(text)
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    proc.terminate()
    raise TimeoutError(f"the SMTP server did not start within {timeout}s")


def stop(directory, timeout=10):
    pid_file = os.path.join(directory, "smtp.pid")
    try:
        with open(pid_file, encoding="ascii") as f:
            pid = int(f.read().strip())
    except (FileNotFoundError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + timeout
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _pid_alive(pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for name in ("smtp.pid", "smtp.port"):
        try:
            os.unlink(os.path.join(directory, name))
        except FileNotFoundError:
            pass


class _MaildirHandler:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0
        self.lock = threading.Lock()
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(directory, sub), exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            name = f"{time.time_ns()}.{self.count}.eml"
        head = (f"X-Envelope-From: {envelope.mail_from}\r\n"
                f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n"
                f"X-Envelope-TLS: {'yes' if session.ssl else 'no'}\r\n")
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        tmp = os.path.join(self.directory, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(head.encode("utf-8") + content)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, os.path.join(self.directory, "new", name))
        return "250 Message accepted for delivery"


def serve(args):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    os.makedirs(args.dir, exist_ok=True)
    port = args.port or free_port(args.host)
    kwargs = {"enable_SMTPUTF8": True, "auth_require_tls": False}
    if args.auth:
        user, _, password = args.auth.partition(":")

        def authenticator(server, session, envelope, mechanism, data):
            ok = (isinstance(data, LoginPassword) and
                  data.login.decode() == user and
                  data.password.decode() == password)
            return AuthResult(success=ok)

        kwargs.update(auth_required=True, authenticator=authenticator)
    if args.tls_self_signed:
        args.tls_cert = os.path.join(args.dir, "tls.crt")
        args.tls_key = os.path.join(args.dir, "tls.key")
        if not os.path.exists(args.tls_cert):
            subprocess.run(
                ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                 "-days", "2", "-subj", "/CN=localhost", "-keyout",
                 args.tls_key, "-out", args.tls_cert],
                check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if args.tls_cert:
        import ssl
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        kwargs["tls_context"] = context

    signals = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    controller = Controller(_MaildirHandler(args.dir), hostname=args.host,
                            port=port, ready_timeout=10, **kwargs)
    with open(os.path.join(args.dir, "smtp.pid"), "w", encoding="ascii") as f:
        f.write(f"{os.getpid()}\n")
    controller.start()
    port_file = os.path.join(args.dir, "smtp.port")
    with open(port_file + ".tmp", "w", encoding="ascii") as f:
        f.write(f"{port}\n")
    os.rename(port_file + ".tmp", port_file)
    print(f"smtp_server: listening on {args.host}:{port}, mail to {args.dir}",
          flush=True)
    signal.sigwait(signals)
    controller.stop()
    print("smtp_server: stopped", flush=True)
    return 0


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("serve", "start"):
        p = sub.add_parser(name)
        p.add_argument("--dir", required=True)
        p.add_argument("--host", default=HOST)
        p.add_argument("--port", type=int, default=0)
        p.add_argument("--auth")
        p.add_argument("--tls-cert")
        p.add_argument("--tls-key")
        p.add_argument("--tls-self-signed", action="store_true")
    for name in ("stop", "list"):
        p = sub.add_parser(name)
        p.add_argument("--dir", required=True)
    args = parser.parse_args(argv)

    if args.command == "serve":
        return serve(args)
    if args.command == "start":
        serve_args = ["--dir", args.dir, "--host", args.host, "--port",
                      str(args.port or free_port(args.host))]
        if args.auth:
            serve_args += ["--auth", args.auth]
        if args.tls_cert:
            serve_args += ["--tls-cert", args.tls_cert, "--tls-key",
                           args.tls_key]
        if args.tls_self_signed:
            serve_args.append("--tls-self-signed")
        print(start(args.dir, serve_args))
        return 0
    if args.command == "stop":
        stop(args.dir)
        return 0
    for msg in read_maildir(args.dir):
        print(f"{os.path.basename(msg.path)}\t{msg['To']}\t{msg['Subject']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
