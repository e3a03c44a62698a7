"""latchkeyctl host add|list|revoke: each host its own database login with
the latchkey_pam role. The SQL is printed (holding the password's hash, not
the password) or, with --admin-config, run on a database admin's login; the
password goes once to a 0600 file that is never overwritten."""

import os
import stat
import subprocess
import unittest

import lkctl
import lkharness


class HostTest(lkctl.CliTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.box.env
        cls.prefix = "t%d" % os.getpid()
        cls.admin_cnf = os.path.join(env["LK_DB_DIR"], "admin.cnf")
        subprocess.run(["mariadb", "--defaults-file=" + cls.admin_cnf, "-e",
                        "CREATE ROLE IF NOT EXISTS latchkey_pam"], check=True)
        # A latchkey.conf whose [database] is the sandbox's admin.
        cls.admin_config = os.path.join(cls.box.tmp, "admin.conf")
        lkharness.write_file(cls.admin_config, (
            "[database]\nsocket = %s\nname = %s\nuser = %s\n"
            "password_file = %s\n[security]\nsecret_key_file = %s\n" % (
                env["LK_DB_SOCKET"], cls.box.db_name, env["LK_DB_ADMIN_USER"],
                env["LK_DB_ADMIN_PASSWORD_FILE"], cls.box.key_file)))

    @classmethod
    def tearDownClass(cls):
        users = ", ".join("'lk_host_%s%s'@'%%'" % (cls.prefix, s)
                          for s in ("a", "b", "c", "d"))
        subprocess.run(["mariadb", "--defaults-file=" + cls.admin_cnf, "-e",
                        "DROP USER IF EXISTS " + users], check=False)
        super().tearDownClass()

    def name(self, suffix):
        return self.prefix + suffix

    def pwfile(self, suffix):
        return os.path.join(self.box.tmp, suffix + ".password")

    def login(self, user, password):
        """Logs in over TCP (the '%' host part) and returns the active role,
        or None if the login is refused."""
        env = self.box.env
        r = subprocess.run(
            ["mariadb", "--no-defaults", "--protocol=tcp", "-h", "127.0.0.1",
             "-P", env["LK_DB_PORT"], "-u", user, "-N", "-B", "-e",
             "SELECT CURRENT_ROLE()"],
            env=dict(os.environ, MYSQL_PWD=password), capture_output=True,
            text=True)
        return r.stdout.strip() if r.returncode == 0 else None

    def test_add_prints_sql_and_writes_the_password_once(self):
        host, path = self.name("a"), self.pwfile("a")
        r = self.ok("host", "add", host, "--password-file", path)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        with open(path, encoding="utf-8") as f:
            password = f.read().rstrip("\n")
        self.assertEqual(len(password), 32)
        account = "'lk_host_%s'@'%%'" % host
        self.assertIn("CREATE USER %s IDENTIFIED BY PASSWORD '*" % account,
                      r.stdout)
        self.assertIn("GRANT latchkey_pam TO %s;" % account, r.stdout)
        self.assertIn("SET DEFAULT ROLE latchkey_pam FOR %s;" % account,
                      r.stdout)
        self.assertNotIn(password, r.stdout + r.stderr)
        # The printed SQL, run by an admin, gives a working login.
        sql = "\n".join(l for l in r.stdout.splitlines()
                        if not l.startswith("--") and l.endswith(";")
                        and "lk_host_" in l)
        subprocess.run(["mariadb", "--defaults-file=" + self.admin_cnf, "-e",
                        sql], check=True)
        self.assertEqual(self.login("lk_host_" + host, password),
                         "latchkey_pam")
        # The same name again: refused, and the file is left alone.
        self.fails(1, "exists", "host", "add", host, "--password-file",
                   path + ".2")
        self.assertFalse(os.path.exists(path + ".2"))

    def test_an_existing_password_file_is_never_overwritten(self):
        path = self.pwfile("c")
        lkharness.write_file(path, "keep me\n")
        self.fails(1, "never overwritten", "host", "add", self.name("c"),
                   "--password-file", path)
        with open(path, encoding="utf-8") as f:
            self.assertEqual(f.read(), "keep me\n")
        names = [h["name"] for h in self.ok_json("host", "list")]
        self.assertNotIn(self.name("c"), names)

    def test_admin_config_runs_it_and_revoke_drops_the_login(self):
        host, path = self.name("b"), self.pwfile("b")
        doc = self.ok_json("host", "add", host, "--password-file", path,
                           "--admin-config", self.admin_config)
        self.assertTrue(doc["login_created"])
        self.assertEqual(doc["db_user"], "lk_host_" + host)
        with open(path, encoding="utf-8") as f:
            password = f.read().rstrip("\n")
        self.assertEqual(self.login("lk_host_" + host, password),
                         "latchkey_pam")

        listed = {h["name"]: h for h in self.ok_json("host", "list")}
        self.assertEqual(listed[host]["kind"], "direct")
        self.assertIsNone(listed[host]["revoked_at"])
        self.assertIn(host, self.ok("host", "list").stdout)

        doc = self.ok_json("host", "revoke", host, "--admin-config",
                           self.admin_config)
        self.assertTrue(doc["login_dropped"])
        self.assertIsNotNone(doc["revoked_at"])
        self.assertIsNone(self.login("lk_host_" + host, password))
        listed = {h["name"]: h for h in self.ok_json("host", "list")}
        self.assertIsNotNone(listed[host]["revoked_at"])

    def test_revoke_without_admin_prints_drop_user(self):
        host = self.name("d")
        self.ok("host", "add", host, "--password-file", self.pwfile("d"))
        r = self.ok("host", "revoke", host)
        self.assertIn("DROP USER IF EXISTS 'lk_host_%s'@'%%';" % host, r.stdout)
        # Both changes are in the audit log, with the admin who made them.
        details = {e["event"]: e for e in self.events("--event", "host_added")
                   + self.events("--event", "host_revoked")
                   if e["detail"].startswith("host %s " % host)}
        self.assertEqual(set(details), {"host_added", "host_revoked"})
        for e in details.values():
            self.assertEqual(e["service"], "cli")
            self.assertRegex(e["detail"], r" by \S+ \(uid \d+")
        self.fails(1, "no host", "host", "revoke", self.name("zz"))

    def test_bad_names_are_usage_errors(self):
        for bad in ("Web1", ".x", "a b", "x" * 49, "a'b", "_x"):
            self.fails(2, "host name", "host", "add", bad)


if __name__ == "__main__":
    unittest.main()
