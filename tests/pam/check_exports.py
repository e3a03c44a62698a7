"""Fails unless pam_latchkey.so exports exactly the six pam_sm_* functions.

Usage: python3 check_exports.py path/to/pam_latchkey.so
"""
import subprocess
import sys

EXPECTED = {
    "pam_sm_authenticate", "pam_sm_setcred", "pam_sm_acct_mgmt",
    "pam_sm_chauthtok", "pam_sm_open_session", "pam_sm_close_session",
}


def main():
    out = subprocess.run(["nm", "-D", "--defined-only", sys.argv[1]],
                         check=True, capture_output=True, text=True).stdout
    symbols = {line.split()[-1] for line in out.splitlines() if line.strip()}
    # The version script may add its node name as an absolute symbol on some
    # linkers; ours has an anonymous node, so there is none to allow.
    extra = sorted(symbols - EXPECTED)
    missing = sorted(EXPECTED - symbols)
    print("exported:", " ".join(sorted(symbols)))
    if extra or missing:
        print("unexpected exports:", extra, "missing:", missing)
        return 1
    print("exports OK: exactly the six pam_sm_* functions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
