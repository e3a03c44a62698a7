"""Prints the link to this portal's PATH from a mail the test SMTP server
received (tests/support/smtp_server.py), as "PATH?QUERY". flow.js calls it,
with test_browser's environment (PYTHONPATH holds tests/support).

  mail_link.py --dir SMTP_DIR --base http://127.0.0.1:PORT --to ADDRESS
               --path /activate [--subject TEXT] [--count N] [--timeout S]

Waits until N mails to ADDRESS (whose Subject contains TEXT, if given) with
such a link have arrived, and prints the link of the N-th. Exits 1 with a
list of what did arrive when they do not come within S seconds (default 30).
"""

import argparse
import sys
import time

import lkharness


def matching(args):
    out = []
    for msg in lkharness.read_maildir(args.dir):
        if not lkharness.is_for(msg, args.to, args.subject):
            continue
        link = lkharness.link_to(msg, args.base, args.path)
        if link:
            out.append(link)
    return out


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--base", required=True)
    parser.add_argument("--to", required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--subject")
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=30)
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.timeout
    while True:
        found = matching(args)
        if len(found) >= args.count:
            print(found[args.count - 1])
            return 0
        if time.monotonic() > deadline:
            print(f"mail_link: {len(found)} of {args.count} mails to "
                  f"{args.to} with a link to {args.path} arrived within "
                  f"{args.timeout:g}s; received:", file=sys.stderr)
            for msg in lkharness.read_maildir(args.dir):
                print(f"  to {msg.get('X-Envelope-To')}: {msg['Subject']}",
                      file=sys.stderr)
            return 1
        time.sleep(0.1)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
