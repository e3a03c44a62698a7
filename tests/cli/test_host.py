"""latchkeyctl host add|list|revoke: each host its own database login with
the latchkey_pam role. The SQL is printed (holding the password's hash, not
the password) or, with --admin-config, run on a database admin's login; the
password goes once to a 0600 file that is never overwritten."""

import hashlib
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


class FleetHostTest(lkctl.CliTestCase):
    """host add --fleet: a 256-bit token written once to a new 0600 file,
    only its SHA-256 stored; list shows the group, last seen and agent
    version; revoke works for fleet hosts. Host groups are another part's
    CLI, so the group is made with SQL here."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.prefix = "f%d" % os.getpid()
        cls.box.query("INSERT INTO host_groups (name, created_at) VALUES "
                      "('%sweb', NOW(6))" % cls.prefix)

    def name(self, suffix):
        return self.prefix + suffix

    def test_token_file_is_new_0600_and_only_its_hash_is_stored(self):
        host = self.name("a")
        path = os.path.join(self.box.tmp, "a.token")
        r = self.ok("host", "add", host, "--fleet", "--group",
                    self.name("web"), "--token-file", path)
        self.assertIn(path, r.stdout)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        with open(path, encoding="utf-8") as f:
            token = f.read().rstrip("\n")
        self.assertRegex(token, r"^lkh_[A-Za-z0-9_-]{43}$")
        self.assertNotIn(token, r.stdout + r.stderr)
        row = self.box.query(
            "SELECT kind, HEX(token_sha256), db_user IS NULL, "
            "may_reset_passwords FROM hosts WHERE name = '%s'" % host).split()
        self.assertEqual(row[0], "fleet")
        self.assertEqual(row[1].lower(),
                         hashlib.sha256(token.encode()).hexdigest())
        self.assertEqual(row[2:], ["1", "0"])
        dump = self.box.query(
            "SELECT name, kind, HEX(token_sha256), COALESCE(db_user, ''), "
            "COALESCE(agent_version, '') FROM hosts")
        self.assertNotIn(token, dump)
        self.assertNotIn(token[4:], dump)
        # Never overwritten: a second host with the same file is refused,
        # and no row is made for it.
        self.fails(1, "never overwritten", "host", "add", self.name("b"),
                   "--fleet", "--group", self.name("web"), "--token-file",
                   path)
        with open(path, encoding="utf-8") as f:
            self.assertEqual(f.read().rstrip("\n"), token)
        names = [h["name"] for h in self.ok_json("host", "list")]
        self.assertNotIn(self.name("b"), names)

    def test_default_file_stdout_and_flags(self):
        host = self.name("c")
        cwd = os.getcwd()
        os.chdir(self.box.tmp)
        try:
            r = self.ok("host", "add", host, "--fleet", "--group",
                        self.name("web"), "--may-reset-passwords")
        finally:
            os.chdir(cwd)
        path = os.path.join(self.box.tmp, host + ".token")
        self.assertTrue(os.path.exists(path), r.stdout)
        self.assertIn(host + ".token", r.stdout)
        r = self.ok("host", "add", self.name("d"), "--fleet", "--group",
                    self.name("web"), "--token-file", "-")
        self.assertRegex(r.stdout.strip(), r"^lkh_[A-Za-z0-9_-]{43}$")
        listed = {h["name"]: h for h in self.ok_json("host", "list")}
        self.assertTrue(listed[host]["may_reset_passwords"])
        self.assertFalse(listed[self.name("d")]["may_reset_passwords"])
        self.assertEqual(listed[host]["group"], self.name("web"))
        self.assertIsNone(listed[host]["last_seen_at"])
        self.assertIsNone(listed[host]["agent_version"])

    def test_list_shows_last_seen_and_version(self):
        host = self.name("e")
        self.ok("host", "add", host, "--fleet", "--group", self.name("web"),
                "--token-file", "-")
        self.box.query("UPDATE hosts SET last_seen_at = NOW(6), "
                       "agent_version = '1.2.3' WHERE name = '%s'" % host)
        text = self.ok("host", "list").stdout
        line = [l for l in text.splitlines() if l.startswith(host + " ")][0]
        self.assertIn(self.name("web"), line)
        self.assertIn("1.2.3", line)
        self.assertIn("fleet", line)
        self.assertIn("GROUP", text)
        self.assertIn("VERSION", text)
        doc = self.ok_json("host", "revoke", host)
        self.assertIsNotNone(doc["revoked_at"])
        self.assertNotIn("sql", doc)

    def test_refusals(self):
        self.fails(1, "no host group", "host", "add", self.name("g"),
                   "--fleet", "--group", "nosuchgroup", "--token-file", "-")
        path = os.path.join(self.box.tmp, "g.token")
        self.fails(1, "host-group add nosuchgroup", "host", "add",
                   self.name("g"), "--fleet", "--group", "nosuchgroup",
                   "--token-file", path)
        self.assertFalse(os.path.exists(path))
        self.fails(2, "--group", "host", "add", self.name("g"), "--fleet")
        self.fails(2, "--fleet", "host", "add", self.name("g"), "--group",
                   self.name("web"))


if __name__ == "__main__":
    unittest.main()
