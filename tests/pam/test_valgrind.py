"""valgrind memcheck over the module in real PAM transactions: no invalid
reads or writes, no use of uninitialised memory, nothing definitely lost,
and no memory kept per transaction. No suppressions are used."""
import os
import re
import subprocess
import unittest

import lkharness
from test_auth import GOOD, StackTest

NEW = "valgrind new passphrase"
VALGRIND = ["valgrind", "--tool=memcheck", "--leak-check=full",
            "--errors-for-leak-kinds=definite", "--error-exitcode=99",
            "--keep-debuginfo=yes", "--num-callers=40", "--track-origins=yes"]


def summary(log):
    text = lkharness.read_file(log)
    def grab(pattern):
        m = re.search(pattern, text)
        return int(m.group(1).replace(",", "")) if m else 0
    return {
        "errors": grab(r"ERROR SUMMARY: ([\d,]+) errors"),
        "definitely": grab(r"definitely lost: ([\d,]+) bytes"),
        "in_use": grab(r"in use at exit: ([\d,]+) bytes"),
        "text": text,
    }


class ValgrindTest(StackTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.db.add_user("vera", GOOD)
        cls.db.add_user("tess", GOOD)
        cls.db.add_user("lou", GOOD)
        cls.totp_secret = __import__("json").loads(cls.db.ctl(
            "--json", "user", "totp-enable", "tess").stdout)["secret"]

    def run_valgrind(self, name, service, user, ops, answers=(), **kw):
        log = os.path.join(self.tmp.path, name + ".vg.log")
        r = self.pam(service, user, ops, answers,
                     wrapper=VALGRIND + ["--log-file=" + log], timeout=400,
                     extra_env={"PAM_WRAPPER_DISABLE_DEEPBIND": "1"}, **kw)
        s = summary(log)
        self.assertNotEqual(r.returncode, 99,
                            "valgrind found errors:\n" + s["text"][-8000:])
        self.assertEqual(s["errors"], 0, s["text"][-8000:])
        self.assertEqual(s["definitely"], 0, s["text"][-8000:])
        return r

    def test_all_groups(self):
        svc = self.stack("vg-all")
        r = self.run_valgrind(
            "all", svc, "vera",
            ["authenticate", "acct_mgmt", "open_session", "close_session",
             "chauthtok"], [GOOD, GOOD, NEW, NEW])
        self.assertTrue(r.ok, r)

    def test_failure_paths(self):
        svc = self.stack("vg-fail")
        r = self.run_valgrind("wrong", svc, "vera", ["authenticate"],
                              ["wrong password"])
        self.assertTrue(r.failed_with("PAM_AUTH_ERR"), r)
        r = self.run_valgrind("unknown", svc, "nobody-vg", ["authenticate"],
                              [GOOD])
        self.assertTrue(r.failed_with("PAM_USER_UNKNOWN"), r)
        r = self.run_valgrind("mismatch", svc, "vera", ["chauthtok"],
                              [GOOD, NEW, NEW + "!"])
        self.assertTrue(r.failed_with("PAM_AUTHTOK_ERR"), r)

    def test_second_factor(self):
        svc = self.stack("vg-totp")
        r = self.run_valgrind("totp", svc, "tess", ["authenticate"],
                              [GOOD, lkharness.totp_code(self.totp_secret)])
        self.assertTrue(r.ok, r)

    def test_database_down_and_bad_config(self):
        dead = self.db.write_config("dead.conf", database=(
            "hosts = 127.0.0.1:%d\nname = x\nuser = x\nconnect_timeout = 1s\n"
            % lkharness.free_port()))
        svc = self.stack("vg-dead", config=dead)
        r = self.run_valgrind("dead", svc, "vera",
                              ["authenticate"], [GOOD])
        self.assertTrue(r.failed_with("PAM_AUTHINFO_UNAVAIL"), r)
        bad = os.path.join(self.tmp.path, "bad.conf")
        lkharness.write_file(bad, "[nonsense]\n")
        svc = self.stack("vg-bad", config=bad)
        r = self.run_valgrind("bad", svc, "vera", ["acct_mgmt"])
        self.assertTrue(r.failed_with("PAM_AUTHINFO_UNAVAIL"), r)

    def test_nothing_kept_per_transaction(self):
        # pam_loop runs N whole transactions (pam_start .. pam_end, which
        # dlcloses the module) in one process: what is left at exit must
        # not grow with N.
        svc = self.stack("vg-loop")
        loop = os.environ.get("PAM_LOOP")
        self.assertTrue(loop, "PAM_LOOP not set: run through ctest")
        in_use = {}
        for n in (1, 3):
            log = os.path.join(self.tmp.path, "loop%d.vg.log" % n)
            res = subprocess.run(
                VALGRIND + ["--log-file=" + log, loop, self.services.path, svc,
                            "lou", GOOD, str(n)],
                capture_output=True, text=True, timeout=400)
            s = summary(log)
            self.assertEqual(res.returncode, 0, res.stderr + s["text"][-8000:])
            self.assertEqual(s["definitely"], 0, s["text"][-8000:])
            in_use[n] = s["in_use"]
        self.assertEqual(in_use[1], in_use[3], in_use)


if __name__ == "__main__":
    unittest.main()
