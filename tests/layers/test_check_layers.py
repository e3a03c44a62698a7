"""The layer check's own test: it must fail on a wrong-way include.

Runs check_layers.py on fixture/wrong_way (a tiny core whose base includes
auth), on the real core, and on a copy of the real core with one
deliberate wrong-way include, a sibling include and a file outside any area.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
CHECK = os.path.join(HERE, "check_layers.py")
CORE = os.path.join(HERE, "..", "..", "shared")


def run_check(core):
    p = subprocess.run([sys.executable, CHECK, core], capture_output=True,
                       text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


class CheckLayersTest(unittest.TestCase):
    def test_fixture_wrong_way_include_fails(self):
        rc, out = run_check(os.path.join(HERE, "fixture", "wrong_way"))
        self.assertEqual(rc, 1, out)
        self.assertIn("src/base/status.cc:6: area 'base' includes "
                      "\"latchkey/auth/login.h\" of a higher area 'auth'", out)
        # The right-way includes of the fixture are not reported.
        self.assertNotIn("login.cc", out)
        self.assertIn("1 wrong-way include(s)", out)

    def test_real_core_passes(self):
        rc, out = run_check(CORE)
        self.assertEqual(rc, 0, out)

    def _copy_of_core(self):
        tmp = tempfile.mkdtemp(prefix="lk-layers-")
        self.addCleanup(shutil.rmtree, tmp)
        core = os.path.join(tmp, "shared")
        shutil.copytree(CORE, core, ignore=shutil.ignore_patterns("*.o"))
        return core

    def _append(self, path, line):
        with open(path, "a", encoding="utf-8") as f:
            f.write(line + "\n")

    def test_copy_with_a_wrong_way_include_fails(self):
        core = self._copy_of_core()
        self._append(os.path.join(core, "src", "base", "status.cc"),
                     '#include "latchkey/account/registration.h"')
        rc, out = run_check(core)
        self.assertEqual(rc, 1, out)
        self.assertIn("area 'base' includes \"latchkey/account/registration.h\""
                      " of a higher area 'account'", out)

    def test_copy_with_a_private_wrong_way_include_fails(self):
        core = self._copy_of_core()
        self._append(os.path.join(core, "src", "store", "audit.cc"),
                     '#include "mail/mail_transport_internal.h"')
        rc, out = run_check(core)
        self.assertEqual(rc, 1, out)
        self.assertIn("of a higher area 'mail'", out)

    def test_copy_with_a_sibling_include_fails(self):
        core = self._copy_of_core()
        self._append(os.path.join(core, "src", "db", "db_row.cc"),
                     '#include "latchkey/crypto/totp.h"')
        rc, out = run_check(core)
        self.assertEqual(rc, 1, out)
        self.assertIn("of a sibling area 'crypto'", out)

    def test_copy_with_a_file_outside_the_areas_fails(self):
        core = self._copy_of_core()
        self._append(os.path.join(core, "src", "loose.cc"), "// no area")
        self._append(os.path.join(core, "src", "auth", "login_lookup.cc"),
                     '#include "loose.h"')
        rc, out = run_check(core)
        self.assertEqual(rc, 1, out)
        self.assertIn("src/loose.cc: lies in no area", out)
        self.assertIn("\"loose.h\", which names no area", out)


if __name__ == "__main__":
    unittest.main()
