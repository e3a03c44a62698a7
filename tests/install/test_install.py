"""cmake --install of the build directory: into a temporary prefix, into a
DESTDIR with --prefix /usr, and with --strip. Every file lands under the
prefix (or DESTDIR) at its FHS place, the systemd units name the installed
latchkeyctl, nothing is written to the live PAM module directory, and
--strip leaves no debug info or symbol table. A configure of its own
checks -DLATCHKEY_PAM_MODULE_DIR (absolute, empty, and the old cached
default that named the live directory).

Needs latchkeyctl, latchkey-portal and pam_latchkey built. Environment:
LATCHKEY_SOURCE_DIR, LATCHKEY_BINARY_DIR, LATCHKEY_INSTALL_LIBDIR
(CMAKE_INSTALL_LIBDIR) and LATCHKEY_PAM_MODULE_DIR (the cache values)."""

import os
import re
import subprocess
import tempfile
import unittest

SOURCE = os.environ["LATCHKEY_SOURCE_DIR"]
BUILD = os.environ["LATCHKEY_BINARY_DIR"]
LIBDIR = os.environ["LATCHKEY_INSTALL_LIBDIR"]
PAM_DIR = os.environ["LATCHKEY_PAM_MODULE_DIR"]
LIVE_MODULE_DIRS = ["/lib/x86_64-linux-gnu/security", "/usr/lib/security",
                    "/lib/security"]

BINARIES = ["sbin/latchkeyctl", "sbin/latchkey-portal",
            "sbin/latchkey-agent"]  # latchkey-agent: issue 12
UNITS = ["latchkey-nss-sync.service", "latchkey-nss-sync.timer",
         "latchkey-agent.service"]  # latchkey-agent: issue 12


def source_files(sub, suffix=""):
    d = os.path.join(SOURCE, sub)
    return sorted(f for f in os.listdir(d)
                  if f.endswith(suffix) and os.path.isfile(os.path.join(d, f)))


def expected_files():
    """Paths relative to the prefix, but for the PAM module (module_path)."""
    files = set(BINARIES)
    files.add("share/latchkey/latchkey.conf.example")
    files |= {"share/latchkey/pam.d/" + f for f in source_files("conf/pam.d")}
    files |= {"share/latchkey/sql/" + f for f in source_files("sql", ".sql")}
    files |= {"share/doc/latchkey/" + f for f in source_files("docs", ".md")}
    files.add("share/doc/latchkey/README.md")
    files |= {"lib/systemd/system/" + u for u in UNITS}
    # Issue 12 (pamfleet): sshd's AuthorizedKeysCommand, in a root-owned
    # directory of its own (LATCHKEY_SSH_KEYS_DIR).
    files.add("lib/latchkey/latchkey-ssh-keys")
    return files


def module_path(prefix):
    """Where pam_latchkey.so lands, relative to DESTDIR (or /)."""
    d = PAM_DIR if os.path.isabs(PAM_DIR) else os.path.join(prefix, PAM_DIR)
    return os.path.join(d, "pam_latchkey.so").lstrip("/")


def tree(root):
    """Every file and symlink under root, as paths relative to it."""
    out = set()
    for dirpath, _, names in os.walk(root):
        for n in names:
            out.add(os.path.relpath(os.path.join(dirpath, n), root))
    return out


def live_modules():
    """(path, stat) of a pam_latchkey.so in the host's PAM directories."""
    out = {}
    for d in LIVE_MODULE_DIRS:
        p = os.path.join(d, "pam_latchkey.so")
        try:
            st = os.stat(p)
            out[p] = (st.st_ino, st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            pass
    return out


def sections(path):
    out = subprocess.run(["readelf", "-S", "-W", path], check=True,
                         capture_output=True, text=True).stdout
    return {w for line in out.splitlines() for w in line.split()
            if w.startswith(".")}


class InstallTest(unittest.TestCase):

    def install(self, prefix, destdir=None, strip=False):
        """Runs cmake --install; returns the files it wrote (absolute)."""
        env = dict(os.environ)
        env.pop("DESTDIR", None)
        if destdir:
            env["DESTDIR"] = destdir
        cmd = ["cmake", "--install", BUILD, "--prefix", prefix]
        if strip:
            cmd.append("--strip")
        before = live_modules()
        r = subprocess.run(cmd, env=env, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0,
                         f"{' '.join(cmd)} failed (are latchkeyctl, "
                         f"latchkey-portal and pam_latchkey built?):\n"
                         f"{r.stdout}{r.stderr}")
        self.assertEqual(live_modules(), before,
                         "cmake --install touched a live PAM module")
        reported = set()
        for line in r.stdout.splitlines():
            for tag in ("-- Installing: ", "-- Up-to-date: "):
                if line.startswith(tag):
                    reported.add(line[len(tag):])
        # The manifest lists the paths without DESTDIR.
        with open(os.path.join(BUILD, "install_manifest.txt")) as f:
            manifest = {line.rstrip("\n") for line in f if line.strip()}
        self.assertEqual(reported, {(destdir or "") + m for m in manifest})
        return reported

    def check_units(self, root, prefix):
        """The units under root name latchkeyctl and the docs at prefix."""
        for unit in UNITS:
            with open(os.path.join(SOURCE, "conf/systemd", unit + ".in")) as f:
                want = (f.read()
                        .replace("@LATCHKEY_INSTALLED_SBINDIR@", prefix + "/sbin")
                        .replace("@LATCHKEY_INSTALLED_DOCDIR@",
                                 prefix + "/share/doc/latchkey"))
            with open(os.path.join(root, "lib/systemd/system", unit)) as f:
                got = f.read()
            self.assertEqual(got, want, unit)
        with open(os.path.join(root, "lib/systemd/system",
                               "latchkey-nss-sync.service")) as f:
            exec_start = [line for line in f if line.startswith("ExecStart=")]
        self.assertEqual(exec_start,
                         [f"ExecStart={prefix}/sbin/latchkeyctl nss-sync\n"])
        self.assertTrue(os.access(os.path.join(root, "sbin/latchkeyctl"),
                                  os.X_OK))

    def test_default_module_dir_is_under_the_prefix(self):
        # GNUInstallDirs: lib, or lib/<multiarch> for the prefix /usr.
        self.assertTrue(LIBDIR == "lib" or LIBDIR.startswith("lib/"), LIBDIR)
        if os.path.isabs(PAM_DIR):
            self.skipTest(f"LATCHKEY_PAM_MODULE_DIR={PAM_DIR} set absolute "
                          "in this build directory")
        self.assertEqual(PAM_DIR, LIBDIR + "/security")

    def test_prefix(self):
        if os.path.isabs(PAM_DIR):
            self.skipTest(f"LATCHKEY_PAM_MODULE_DIR={PAM_DIR} is absolute: "
                          "installing without DESTDIR would write there")
        with tempfile.TemporaryDirectory(prefix="lk-install-") as tmp:
            prefix = os.path.join(tmp, "p")
            manifest = self.install(prefix)
            for path in manifest:
                self.assertTrue(path.startswith(prefix + "/"), path)
            self.assertEqual(tree(tmp), {"p/" + f for f in expected_files()}
                             | {"p/" + PAM_DIR + "/pam_latchkey.so"})
            self.assertEqual(manifest, {os.path.join(prefix, f)
                                        for f in tree(prefix)})
            self.check_units(prefix, prefix)

    def test_destdir(self):
        with tempfile.TemporaryDirectory(prefix="lk-install-") as destdir:
            written = self.install("/usr", destdir=destdir)
            for path in written:
                self.assertTrue(path.startswith(destdir + "/"), path)
            self.assertEqual(tree(destdir),
                             {"usr/" + f for f in expected_files()}
                             | {module_path("/usr")})
            self.check_units(os.path.join(destdir, "usr"), "/usr")

    def test_strip(self):
        with tempfile.TemporaryDirectory(prefix="lk-install-") as destdir:
            self.install("/usr", destdir=destdir, strip=True)
            elves = [os.path.join(destdir, "usr", b) for b in BINARIES]
            elves.append(os.path.join(destdir, module_path("/usr")))
            for path in elves:
                secs = sections(path)
                self.assertNotIn(".debug_info", secs, path)
                self.assertNotIn(".symtab", secs, path)
                print(f"{os.path.basename(path)}: {os.path.getsize(path)} bytes "
                      "stripped")
            # The module still exports what libpam looks up.
            dyn = subprocess.run(["readelf", "--dyn-syms", "-W", elves[-1]],
                                 check=True, capture_output=True,
                                 text=True).stdout
            self.assertIn("pam_sm_authenticate", dyn)


class PamModuleDirTest(unittest.TestCase):
    """Configures (never builds) a scratch build directory."""

    def configure(self, build, *args):
        return subprocess.run(
            ["cmake", "-S", SOURCE, "-B", build, "-DLATCHKEY_TESTS=OFF",
             "-DLATCHKEY_BENCH=OFF", *args], capture_output=True, text=True)

    def module_destination(self, build):
        with open(os.path.join(build, "pam_module/cmake_install.cmake")) as f:
            script = f.read()
        dests = re.findall(r'file\(INSTALL DESTINATION "([^"]*)" TYPE MODULE',
                           script)
        self.assertEqual(len(dests), 1, script)
        return dests[0]

    def test_module_dir(self):
        with tempfile.TemporaryDirectory(prefix="lk-configure-") as tmp:
            build = os.path.join(tmp, "build")
            # A build directory configured before the module moved under the
            # prefix: its cache holds the live directory as the default.
            old = os.path.join(tmp, "old-cache.cmake")
            with open(old, "w") as f:
                f.write('set(LATCHKEY_PAM_MODULE_DIR '
                        '/lib/x86_64-linux-gnu/security CACHE PATH '
                        '"Where pam_latchkey.so is installed")\n')
            r = self.configure(build, "-C", old)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("dropping the old default", r.stdout)
            with open(os.path.join(build, "CMakeCache.txt")) as f:
                libdir = re.search(r"^CMAKE_INSTALL_LIBDIR:PATH=(.*)$",
                                   f.read(), re.M).group(1)
            self.assertEqual(self.module_destination(build),
                             "${CMAKE_INSTALL_PREFIX}/" + libdir + "/security")

            # A packager's system directory: absolute, used as is.
            r = self.configure(build, "-DLATCHKEY_PAM_MODULE_DIR="
                               "/lib/x86_64-linux-gnu/security")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertNotIn("dropping the old default", r.stdout)
            self.assertEqual(self.module_destination(build),
                             "/lib/x86_64-linux-gnu/security")

            # Relative: under the prefix, not under the working directory.
            r = self.configure(build, "-DLATCHKEY_PAM_MODULE_DIR=lib/pam")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertEqual(self.module_destination(build),
                             "${CMAKE_INSTALL_PREFIX}/lib/pam")

            r = self.configure(build, "-DLATCHKEY_PAM_MODULE_DIR=")
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("LATCHKEY_PAM_MODULE_DIR is empty", r.stderr)

            # Not given at all: the default, under the prefix.
            r = self.configure(build, "-ULATCHKEY_PAM_MODULE_DIR")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertEqual(self.module_destination(build),
                             "${CMAKE_INSTALL_PREFIX}/" + libdir + "/security")


if __name__ == "__main__":
    unittest.main()
