"""Helpers for the account-page tests (test_profile, test_password,
test_security): images to upload, multipart bodies, API sign-in, TOTP codes
and the API error shape. Stdlib only."""

import os
import struct
import time
import uuid
import zlib

import lkharness


# --- images ---

def _png_chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(
        ">I", zlib.crc32(body) & 0xFFFFFFFF)


def png(width=2, height=2, extra_idat=b""):
    """A valid RGB PNG (every pixel grey). `extra_idat` pads the compressed
    stream with a second IDAT chunk of raw bytes to make the file big (the
    check reads structure, not pixels)."""
    raw = b"".join(b"\0" + b"\x7f" * (3 * width) for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    out = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
    out += _png_chunk(b"IDAT", zlib.compress(raw))
    if extra_idat:
        out += _png_chunk(b"IDAT", extra_idat)
    return out + _png_chunk(b"IEND", b"")


def _jpeg_segment(marker, data):
    return bytes([0xFF, marker]) + struct.pack(">H", len(data) + 2) + data


def jpeg(width=3, height=2):
    """A structurally valid baseline JPEG: SOI, APP0, DQT, SOF0, DHT, SOS,
    a little entropy data (with a stuffed 0xFF and a restart marker), EOI."""
    out = b"\xff\xd8"
    out += _jpeg_segment(0xE0, b"JFIF\0\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    out += _jpeg_segment(0xDB, b"\0" + b"\x01" * 64)
    out += _jpeg_segment(0xC0, b"\x08" + struct.pack(">HH", height, width) +
                         b"\x01\x01\x11\x00")
    out += _jpeg_segment(0xC4, b"\x00\x01" + b"\0" * 16)
    out += _jpeg_segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    out += b"\x12\x34\xff\x00\x56\xff\xd0\x78"
    return out + b"\xff\xd9"


def multipart(fields, files):
    """(body, content type) for multipart/form-data. `files`:
    {name: (filename, content type, bytes)}."""
    boundary = "lk" + uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f"name=\"{name}\"\r\n\r\n".encode() + value.encode() + b"\r\n")
    for name, (filename, ctype, data) in files.items():
        parts.append(
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; "
            f"filename=\"{filename}\"\r\nContent-Type: {ctype}\r\n\r\n"
            .encode() + data + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def post_multipart(b, path, fields, files):
    body, ctype = multipart(fields, files)
    return b.request("POST", path, body, {"Content-Type": ctype})


# --- TOTP ---

def totp_now(secret):
    """The current code for a base32 secret (lkharness.totp_code). Waits
    out the last two seconds of a step, so the code is still valid when it
    lands."""
    while 28 <= time.time() % 30:
        time.sleep(0.2)
    return lkharness.totp_code(secret)


def next_totp(secret):
    """A code of the NEXT step (valid within the window, and never the
    code already used in this step)."""
    return lkharness.totp_code(secret, at=(int(time.time()) // 30 + 1) * 30)


# --- API ---

def api_csrf(b):
    r = b.get("/api/v1/csrf")
    assert r.status == 200, r
    return r.json()["csrf"]


def api_login(b, name, password):
    """Signs `b` in through the API; returns the session's CSRF token."""
    r = b.post_json("/api/v1/login", {"login": name, "password": password},
                    csrf=api_csrf(b))
    assert r.status == 200 and r.json()["status"] == "ok", r
    return r.json()["csrf"]


def api_send(b, method, path, value=None, csrf=None, body=None, ctype=None):
    """A JSON (or raw `body`) request with the CSRF header."""
    import json
    headers = {}
    if csrf is not None:
        headers["X-CSRF-Token"] = csrf
    if body is None and value is not None:
        body = json.dumps(value).encode()
        ctype = ctype or "application/json"
    if ctype:
        headers["Content-Type"] = ctype
    return b.request(method, path, body, headers)


def page_csrf(b, path="/profile"):
    token = b.get(path).csrf()
    assert token, f"no csrf field on {path}"
    return token


class ApiAsserts:
    """Mixin for unittest.TestCase."""

    def assertApiError(self, r, status, code):
        self.assertEqual(r.status, status, r)
        self.assertEqual(r.header("content-type"), "application/json", r)
        body = r.json()
        self.assertEqual(set(body), {"error", "message", "fields"}, body)
        self.assertEqual(body["error"], code, body)
        self.assertIsInstance(body["fields"], dict)
        return body


def random_bytes(n):
    return os.urandom(n)
