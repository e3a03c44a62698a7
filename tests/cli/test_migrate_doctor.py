"""latchkeyctl migrate [--status] and doctor."""

import datetime
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import lkctl
import lkharness
from lkharness import latchkeyctl


class MigrateTest(unittest.TestCase):
    """A fresh, empty database per test (no CliTestCase: it migrates)."""

    def setUp(self):
        self.box = lkharness.Sandbox("cli")
        self.addCleanup(self.box.close)

    def test_status_then_migrate_then_current(self):
        r = self.box.ctl("migrate", "--status")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["VERSION", "NAME", "APPLIED"])
        self.assertEqual(lines[1].split(), ["001", "init", "pending"])

        r = self.box.ctl("migrate")
        self.assertEqual(r.returncode, 0, r.stderr)
        applied = r.stdout.splitlines()
        self.assertEqual(applied[0], "applied 001_init")
        self.assertTrue(all(line.startswith("applied 0") for line in applied))
        # The tables exist now.
        tables = self.box.query("SHOW TABLES").split()
        for table in ("users", "roles", "auth_events", "schema_migrations"):
            self.assertIn(table, tables)

        r = self.box.ctl("migrate")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^the schema is current \(version \d+\)\n$")

        r = self.box.ctl("--json", "migrate", "--status")
        self.assertEqual(r.returncode, 0, r.stderr)
        migrations = json.loads(r.stdout)["migrations"]
        self.assertEqual(migrations[0]["version"], 1)
        self.assertEqual(migrations[0]["name"], "init")
        when = datetime.datetime.strptime(migrations[0]["applied_at"],
                                          "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc)
        age = datetime.datetime.now(datetime.timezone.utc) - when
        self.assertLess(abs(age.total_seconds()), 120)
        self.assertTrue(all(m["applied_at"] for m in migrations))

        r = self.box.ctl("migrate", "--status")
        self.assertRegex(r.stdout, r"(?m)^001 +init +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

    def admin_config(self):
        """The box's config with the sandbox's database admin, who has the
        GRANT and CREATE USER rights that grants.sql needs."""
        with open(self.box.config) as f:
            text = f.read()
        text = lkharness.set_key(text, "database", "user",
                                 self.box.env["LK_DB_ADMIN_USER"])
        text = lkharness.set_key(text, "database", "password_file",
                                 self.box.env["LK_DB_ADMIN_PASSWORD_FILE"])
        path = os.path.join(self.box.tmp, "admin.conf")
        lkharness.write_file(path, text)
        return path

    def admin_query(self, statement):
        r = subprocess.run(
            ["bash", os.environ["LATCHKEY_SANDBOX_SCRIPT"], "sql",
             os.environ["LATCHKEY_SANDBOX"], "-N", "-B", "-e", statement],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def test_grants_give_the_door_roles_this_database(self):
        admin = self.admin_config()
        r = latchkeyctl(["--config", admin, "migrate", "--grants"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("applied grants.sql (roles latchkey_pam, "
                      "latchkey_portal)", r.stdout)
        grants = self.admin_query("SHOW GRANTS FOR latchkey_pam")
        self.assertIn(f"`{self.box.db_name}`.`auth_events`", grants)
        portal = self.admin_query("SHOW GRANTS FOR latchkey_portal")
        self.assertIn(f"`{self.box.db_name}`.`sessions`", portal)
        # Again: the roles are updated, not an error.
        r = latchkeyctl(["--config", admin, "--json", "migrate", "--grants"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["grants"], True)
        self.assertEqual(json.loads(r.stdout)["applied"], [])

    def test_status_and_grants_do_not_go_together(self):
        r = self.box.ctl("migrate", "--status", "--grants")
        self.assertEqual(r.returncode, 2, r.stdout)
        self.assertIn("--status and --grants do not go together", r.stderr)

    def test_json_migrate(self):
        r = self.box.ctl("--json", "migrate")
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["applied"][0], "001_init")
        # The version is the last migration's number (numbers may skip).
        self.assertEqual(doc["version"], int(doc["applied"][-1][:3]))
        doc = json.loads(self.box.ctl("--json", "migrate").stdout)
        self.assertEqual(doc["applied"], [])

    def test_commands_before_migrate_fail_cleanly(self):
        r = self.box.ctl("user", "list")
        self.assertEqual(r.returncode, 1)
        self.assertTrue(r.stderr.startswith("latchkeyctl: "), r.stderr)
        self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)


class DoctorTest(lkctl.CliTestCase):
    def doctor(self, *args, config=None):
        return latchkeyctl(["--config", config or self.box.config, "doctor"] +
                           list(args))

    def lines(self, result):
        return {line[5:].split(":", 1)[0]: line[:4].strip()
                for line in result.stdout.splitlines()}

    def test_ok_on_a_good_setup(self):
        r = self.doctor()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        verdicts = self.lines(r)
        for check in ("config", "secret key", "database", "schema"):
            self.assertEqual(verdicts[check], "ok", r.stdout)
        # Missing PAM setup is a warning, not a failure.
        self.assertIn(verdicts["pam files"], ("ok", "warn"))
        self.assertIn(verdicts["pam module"], ("ok", "warn"))
        self.assertIn("ok   secret key: ", r.stdout)
        self.assertIn("(mode 0600, 32 bytes)", r.stdout)
        self.assertNotIn("FAIL", r.stdout)

    def test_json(self):
        r = latchkeyctl(["--config", self.box.config, "--json", "doctor"])
        self.assertEqual(r.returncode, 0, r.stderr)
        checks = json.loads(r.stdout)
        self.assertEqual([c["check"] for c in checks][:4],
                         ["config", "secret key", "database", "schema"])
        self.assertTrue(all(c["status"] in ("ok", "warn") for c in checks))

    def test_pam_files_found(self):
        tmp = tempfile.mkdtemp(prefix="lk-pamd-")
        self.addCleanup(shutil.rmtree, tmp, True)
        with open(os.path.join(tmp, "sshd"), "w") as f:
            f.write("auth [success=done default=ignore] pam_latchkey.so\n")
        with open(os.path.join(tmp, "login"), "w") as f:
            f.write("# auth required pam_latchkey.so (commented out)\n")
        r = self.doctor("--pam-dir", tmp)
        self.assertIn(f"ok   pam files: {tmp}: sshd\n", r.stdout)
        os.remove(os.path.join(tmp, "sshd"))
        r = self.doctor("--pam-dir", tmp)
        self.assertIn("warn pam files: none yet", r.stdout)
        self.assertEqual(r.returncode, 0)

    def test_lists_accounts_with_reserved_names(self):
        # Accounts made before their names were reserved keep working;
        # doctor names them so an admin can rename them.
        self.box.query(
            "INSERT INTO users (username, email, password_hash, created_at, "
            "updated_at) VALUES ('deploy', 'deploy@example.org', '!', NOW(), "
            "NOW()), ('ubuntu', 'ubuntu@example.org', '!', NOW(), NOW())")
        self.addCleanup(self.box.query, "DELETE FROM users WHERE username IN "
                        "('deploy', 'ubuntu')")
        r = self.doctor()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        line = [l for l in r.stdout.splitlines()
                if l.startswith("warn reserved names:")]
        self.assertEqual(len(line), 1, r.stdout)
        self.assertIn("deploy", line[0])
        self.assertIn("ubuntu", line[0])

    def bad_key_config(self, content, mode):
        tmp = tempfile.mkdtemp(prefix="lk-badkey-")
        self.addCleanup(shutil.rmtree, tmp, True)
        key = os.path.join(tmp, "secret.key")
        with open(key, "wb") as f:
            f.write(content)
        os.chmod(key, mode)
        config = os.path.join(tmp, "latchkey.conf")
        lkharness.write_file(config, lkharness.set_key(
            self.box.config_text, "security", "secret_key_file", key))
        return config, key

    def test_fail_on_short_key(self):
        config, key = self.bad_key_config(b"x" * 16, 0o600)
        r = self.doctor(config=config)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn(f"FAIL secret key: {key}", r.stdout)
        self.assertIn("32 bytes", r.stdout)
        # The other checks still run.
        self.assertIn("ok   database: ", r.stdout)

    def test_fail_on_key_mode(self):
        config, key = self.bad_key_config(os.urandom(32), 0o644)
        r = self.doctor(config=config)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn(f"FAIL secret key: {key} has mode 0644, expected 0600", r.stdout)

    def test_fail_on_missing_key(self):
        config, key = self.bad_key_config(b"", 0o600)
        os.remove(key)
        r = self.doctor(config=config)
        self.assertEqual(r.returncode, 1)
        self.assertIn("run latchkeyctl gen-key", r.stdout)

    def test_fail_on_unmigrated_schema(self):
        other = lkharness.Sandbox("cli")
        self.addCleanup(other.close)
        r = latchkeyctl(["--config", other.config, "doctor"])
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("ok   database: ", r.stdout)
        self.assertIn("FAIL schema: ", r.stdout)
        self.assertIn("latchkeyctl migrate", r.stdout)

    def test_fail_on_database_down(self):
        text = self.box.config_text.replace(
            f"socket = {self.box.env['LK_DB_SOCKET']}",
            f"hosts = 127.0.0.1:{lkharness.free_port()}\nconnect_timeout = 1s")
        self.assertNotEqual(text, self.box.config_text)
        config = os.path.join(self.box.tmp, "down.conf")
        lkharness.write_file(config, text)
        r = self.doctor(config=config)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("FAIL database: cannot reach the database: ", r.stdout)
        self.assertIn("FAIL schema: not checked", r.stdout)

    def tcp_config(self, name, tls_lines, host=None):
        host = host or self.box.env['LK_DB_HOST']
        text = self.box.config_text.replace(
            f"socket = {self.box.env['LK_DB_SOCKET']}",
            f"hosts = {host}:{self.box.env['LK_DB_PORT']}"
            + "".join(f"\n{line}" for line in tls_lines))
        self.assertNotEqual(text, self.box.config_text)
        config = os.path.join(self.box.tmp, name)
        lkharness.write_file(config, text)
        return config

    def test_tls_over_tcp(self):
        # A socket needs no TLS: no line.
        self.assertNotIn("database tls", self.doctor().stdout)
        # Loopback: off by default, and tls = off draws no warning.
        for name, lines in (("lo.conf", []), ("off.conf", ["tls = off"])):
            r = self.doctor(config=self.tcp_config(name, lines))
            self.assertIn("ok   database: reachable at ", r.stdout)
            self.assertIn("ok   database tls: off, loopback only", r.stdout)
        # Any other host (a name is not loopback): tls = off is warned about.
        r = self.doctor(config=self.tcp_config("name-off.conf", ["tls = off"],
                                               host="localhost"))
        self.assertIn("warn database tls: tls = off over TCP to localhost",
                      r.stdout)
        # "preferred" is gone: a config error that says what to use.
        r = self.doctor(config=self.tcp_config("pref.conf", ["tls = preferred"]))
        self.assertEqual(r.returncode, 1)
        self.assertIn("FAIL config: ", r.stdout)
        self.assertIn("use tls = required", r.stdout)
        # Required, against the sandbox's own CA and the name in its
        # certificate: verified and reachable.
        ca = os.path.join(self.box.env["LK_DB_DIR"], "tls", "ca.pem")
        r = self.doctor(config=self.tcp_config(
            "req-ca.conf", ["tls = required", f"tls_ca = {ca}"],
            host="localhost"))
        self.assertIn(f"ok   database tls: required; the server's certificate "
                      f"is checked against {ca}", r.stdout)
        self.assertIn("ok   database: reachable at ", r.stdout)
        # Required by default for a name, against the system CAs, which do
        # not know the sandbox's CA: warned about (the cost) and refused.
        r = self.doctor(config=self.tcp_config("req.conf", [],
                                               host="localhost"))
        self.assertIn("warn database tls: required, verified against the "
                      "system CA bundle", r.stdout)
        self.assertIn("FAIL database: ", r.stdout)
        self.assertEqual(r.returncode, 1)

    def test_fail_on_bad_config(self):
        config = os.path.join(self.box.tmp, "world.conf")
        lkharness.write_file(config, self.box.config_text, mode=0o644)
        r = self.doctor(config=config)
        self.assertEqual(r.returncode, 1)
        self.assertIn("FAIL config: ", r.stdout)
        self.assertIn("world-readable", r.stdout)


if __name__ == "__main__":
    unittest.main()
