"""Reads DIR/sandbox.env, which scripts/lib/mariadb-sandbox.sh writes.

One KEY=VALUE per line; a value with characters beyond [A-Za-z0-9_./:@+=,-]
is quoted by bash's printf %q, which shlex undoes. Shared by the Python
test harnesses and bench/portal, which import it from scripts/lib.
"""

import os
import shlex


def read_sandbox_env(sandbox_dir):
    """The KEY=VALUE pairs of SANDBOX_DIR/sandbox.env, as a dict."""
    env = {}
    with open(os.path.join(sandbox_dir, "sandbox.env"), encoding="utf-8") as f:
        for line in f:
            key, sep, value = line.rstrip("\n").partition("=")
            if sep and key and not key.startswith("#"):
                words = shlex.split(value)
                env[key] = words[0] if words else ""
    return env
