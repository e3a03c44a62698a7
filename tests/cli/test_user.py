"""latchkeyctl user ...: every subcommand's effect, checked through
`user show --json`, the stored rows and the audit trail, and its errors."""

import base64
import datetime
import hashlib
import hmac
import os
import pwd
import re
import subprocess
import unittest
import urllib.parse

import lkctl
import lkharness
from lkharness import latchkeyctl

STRONG = "Tangerine-Glacier-Walrus-42"


def utc(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def b64(text):
    return base64.b64decode(text + "=" * (-len(text) % 4))


def pbkdf2_verifies(password, stored):
    """Checks `password` against a $pbkdf2-sha256$i=N$salt$hash string."""
    m = re.fullmatch(r"\$pbkdf2-sha256\$i=(\d+)\$([^$]+)\$([^$]+)", stored)
    if not m:
        raise AssertionError(f"not a pbkdf2-sha256 PHC string: {stored!r}")
    expected = b64(m.group(3))
    derived = hashlib.pbkdf2_hmac("sha256", password.encode(), b64(m.group(2)),
                                  int(m.group(1)), len(expected))
    return hmac.compare_digest(derived, expected)


class UserAddShowTest(lkctl.CliTestCase):
    def test_add_defaults_then_show(self):
        added = self.add_user("alice", "--full-name", "Alice Ärger",
                              email="Alice@Example.ORG")
        self.assertEqual(added["username"], "alice")
        self.assertGreater(added["id"], 0)
        # No password option: one was generated and is shown once.
        self.assertGreaterEqual(len(added["password"]), 20)
        user = self.show("alice")
        self.assertEqual(user["id"], added["id"])
        self.assertEqual(user["email"], "alice@example.org")
        self.assertEqual(user["full_name"], "Alice Ärger")
        self.assertTrue(user["active"])
        self.assertTrue(user["email_verified"])
        self.assertFalse(user["locked"])
        self.assertIsNone(user["locked_until"])
        self.assertEqual(user["roles"], ["user"])
        self.assertFalse(user["totp_enrolled"])
        self.assertEqual(user["recovery_codes_left"], 0)
        self.assertIsNone(user["last_login_at"])
        self.assertLess(abs((utc(user["created_at"]) - now()).total_seconds()), 120)
        self.assertNotIn("password_hash", user)
        # The hash is Argon2id with the config's (test) parameters.
        stored = self.box.query(
            "SELECT password_hash FROM users WHERE username = 'alice'").strip()
        self.assertTrue(stored.startswith("$argon2id$v=19$m=1024,t=1,p=1$"), stored)

    def test_show_text_never_prints_hash(self):
        self.add_user("tess")
        r = self.ok("user", "show", "tess")
        self.assertRegex(r.stdout, r"(?m)^username: +tess$")
        self.assertRegex(r.stdout, r"(?m)^totp enrolled: +no$")
        self.assertRegex(r.stdout, r"(?m)^recovery codes left: +0$")
        self.assertRegex(r.stdout, r"(?m)^last login: +never$")
        self.assertNotIn("$argon2", r.stdout)

    def test_add_text_output_shows_password_once(self):
        r = self.ok("user", "add", "gina", "--email", "gina@example.org")
        self.assertRegex(r.stdout, r"created user gina \(id \d+\)")
        self.assertRegex(r.stdout, r"password \(shown only now\): \S{20}\n")

    def test_add_options(self):
        added = self.add_user("bert", "--role", "admin", "--role", "user",
                              "--inactive", "--unverified", "--no-password")
        self.assertNotIn("password", added)
        user = self.show("bert")
        self.assertFalse(user["active"])
        self.assertFalse(user["email_verified"])
        self.assertIsNone(user["email_verified_at"])
        self.assertEqual(user["roles"], ["admin", "user"])

    def test_add_password_stdin(self):
        added = self.ok_json("user", "add", "carl", "--email",
                             "carl@example.org", "--password-stdin",
                             stdin=STRONG + "\n")
        self.assertNotIn("password", added)
        self.assertTrue(self.show("carl")["active"])

    def test_unknown_user(self):
        self.fails(1, "no user named 'nobody'", "user", "show", "nobody")
        self.fails(1, "no user named 'nobody'", "user", "lock", "nobody")
        self.fails(1, "no user named 'nobody'", "user", "delete", "nobody",
                   "--yes")

    def test_bad_email(self):
        self.fails(1, "email: not a valid email address", "user", "add",
                   "dora", "--email", "not-an-address")
        self.fails(1, "no user named 'dora'", "user", "show", "dora")

    def test_duplicate_username(self):
        self.add_user("erin")
        self.fails(1, "a user named 'erin' already exists", "user", "add",
                   "erin", "--email", "erin2@example.org")
        count = self.box.query("SELECT COUNT(*) FROM users WHERE username = 'erin'")
        self.assertEqual(count.strip(), "1")

    def test_duplicate_email_any_case(self):
        self.add_user("fred")
        self.fails(1, "a user with the email 'fred@example.org' already exists",
                   "user", "add", "freddy", "--email", "FRED@example.org")
        self.fails(1, "no user named 'freddy'", "user", "show", "freddy")

    def test_weak_password(self):
        self.fails(1, "password: The password must be at least 12 characters long.",
                   "user", "add", "hank", "--email", "hank@example.org",
                   "--password-stdin", stdin="short\n")
        self.fails(1, "no user named 'hank'", "user", "show", "hank")

    def test_empty_password_on_stdin(self):
        self.fails(1, "no password on standard input", "user", "add", "ivan",
                   "--email", "ivan@example.org", "--password-stdin", stdin="")

    def test_reserved_username(self):
        self.fails(1, "the username 'root' is reserved for a system account",
                   "user", "add", "root", "--email", "root@example.org")

    def test_reserved_system_and_cloud_image_names(self):
        for name in ("deploy", "ubuntu", "admin", "administrator", "ec2-user",
                     "git", "postgres", "nobody", "admin7", "systemd-x"):
            self.fails(1, f"the username '{name}' is reserved", "user", "add",
                       name, "--email", f"{name}@example.org")
        self.assertEqual(self.box.query(
            "SELECT COUNT(*) FROM users WHERE username IN ('deploy', 'ubuntu', "
            "'admin')").strip(), "0")

    def test_reserved_names_file(self):
        names = os.path.join(self.box.tmp, "reserved-names")
        with open(names, "w") as f:
            f.write("# our own service accounts\nbuildbot\n\n  jenkins  # CI\n")
        config = os.path.join(self.box.tmp, "reserved.conf")
        lkharness.write_file(config, lkharness.set_key(
            self.box.config_text, "security", "reserved_names_file", names))
        for name in ("buildbot", "jenkins", "deploy"):
            r = latchkeyctl(["--config", config, "user", "add", name, "--email",
                             f"{name}@example.org"])
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn(f"the username '{name}' is reserved", r.stderr)
        # Only the listed names: others are free.
        r = latchkeyctl(["--config", config, "user", "add", "buildbotx",
                         "--email", "buildbotx@example.org"])
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_invalid_username(self):
        self.fails(1, "username", "user", "add", "Bad Name", "--email",
                   "bad@example.org")

    def test_unknown_role(self):
        self.fails(1, "no role named 'wizard'", "user", "add", "jack",
                   "--email", "jack@example.org", "--role", "wizard")
        self.fails(1, "no user named 'jack'", "user", "show", "jack")


class UserStateTest(lkctl.CliTestCase):
    def test_lock_until_unlocked_then_unlock(self):
        self.add_user("lana")
        r = self.ok("user", "lock", "lana")
        self.assertEqual(r.stdout, "locked lana until unlocked\n")
        user = self.show("lana")
        self.assertTrue(user["locked"])
        self.assertEqual(user["locked_until"], "unlocked")
        text = self.ok("user", "show", "lana").stdout
        self.assertRegex(text, r"(?m)^locked: +yes, until unlocked$")
        self.ok("user", "unlock", "lana")
        user = self.show("lana")
        self.assertFalse(user["locked"])
        self.assertIsNone(user["locked_until"])

    def test_lock_for_duration(self):
        self.add_user("mona")
        result = self.ok_json("user", "lock", "mona", "--for", "30m")
        until = utc(result["locked_until"])
        self.assertLess(abs((until - now()).total_seconds() - 1800), 120)
        user = self.show("mona")
        self.assertTrue(user["locked"])
        self.assertEqual(user["locked_until"], result["locked_until"])
        listed = self.ok_json("user", "list", "--admin-locked")
        self.assertIn("mona", [u["username"] for u in listed["users"]])
        # The audit line gives the lock's end in ISO 8601 UTC, as shown.
        [event] = self.events("--user", "mona", "--event", "user_locked")
        self.assertTrue(event["detail"].startswith(
            "until " + result["locked_until"] + " by "), event["detail"])
        self.assertRegex(result["locked_until"],
                         r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

    def test_activate_deactivate(self):
        self.add_user("nora")
        r = self.ok("user", "deactivate", "nora")
        self.assertEqual(r.stdout, "deactivated nora\n")
        self.assertFalse(self.show("nora")["active"])
        self.assertFalse(self.ok_json("user", "deactivate", "nora")["changed"])
        inactive = self.ok_json("user", "list", "--inactive")
        self.assertIn("nora", [u["username"] for u in inactive["users"]])
        self.ok("user", "activate", "nora")
        self.assertTrue(self.show("nora")["active"])

    def test_delete(self):
        self.add_user("otto")
        r = self.ok("user", "delete", "otto", "--yes")
        self.assertEqual(r.stdout, "deleted otto\n")
        self.fails(1, "no user named 'otto'", "user", "show", "otto")
        # The audit trail outlives the account.
        events = [e["event"] for e in self.events("--user", "otto")]
        self.assertEqual(events[-1], "user_deleted")
        self.assertIn("user_created", events)

    def test_set_role(self):
        self.add_user("pia")
        result = self.ok_json("user", "set-role", "pia", "admin")
        self.assertTrue(result["changed"])
        self.assertEqual(result["roles"], ["admin", "user"])
        self.assertEqual(self.show("pia")["roles"], ["admin", "user"])
        self.assertFalse(self.ok_json("user", "set-role", "pia", "admin")["changed"])
        self.ok("user", "set-role", "pia", "admin", "--remove")
        self.assertEqual(self.show("pia")["roles"], ["user"])
        admins = self.ok_json("user", "list", "--role", "admin")
        self.assertNotIn("pia", [u["username"] for u in admins["users"]])

    def test_set_role_unknown_role_changes_nothing(self):
        self.add_user("quinn")
        self.fails(1, "no role named 'wizard'", "user", "set-role", "quinn",
                   "admin", "wizard")
        self.assertEqual(self.show("quinn")["roles"], ["user"])


class UserListTest(lkctl.CliTestCase):
    """user list: UserSearch (store/user_search.h) on the command line.
    Newest first; the core's own test covers every filter in depth."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name, full in [("ann", "Ann Archer"), ("ben", "Ben Baker"),
                           ("cid", "Cid Carver"), ("dee", "Dee Archer")]:
            r = cls.box.ctl("user", "add", name, "--email", f"{name}@example.org",
                            "--full-name", full, "--no-password")
            assert r.returncode == 0, r.stderr
        assert cls.box.ctl("user", "deactivate", "cid").returncode == 0
        assert cls.box.ctl("user", "lock", "ben").returncode == 0
        assert cls.box.ctl("user", "set-role", "dee", "admin").returncode == 0

    def names(self, *args):
        return [u["username"] for u in self.ok_json("user", "list", *args)["users"]]

    def test_list_all_newest_first(self):
        result = self.ok_json("user", "list")
        self.assertEqual(result["count"], 4)
        self.assertFalse(result["count_capped"])
        self.assertIsNone(result["next_cursor"])
        self.assertEqual([u["username"] for u in result["users"]],
                         ["dee", "cid", "ben", "ann"])
        for u in result["users"]:
            self.assertNotIn("password_hash", u)
            self.assertNotIn("totp_secret_enc", u)

    def test_list_table(self):
        r = self.ok("user", "list", "--search", "ann")
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["USERNAME", "EMAIL", "FULL", "NAME",
                                            "ACTIVE", "LOCKED", "TOTP", "ROLES",
                                            "CREATED", "LAST", "LOGIN"])
        cells = lines[1].split()
        self.assertEqual(cells[:8], ["ann", "ann@example.org", "Ann", "Archer",
                                     "yes", "no", "no", "user"])
        self.assertRegex(cells[8], r"^\d{4}-\d\d-\d\dT")
        self.assertEqual(cells[9], "never")
        self.assertEqual(lines[-1], "(1 user match)")

    def test_search_is_a_prefix_in_any_case(self):
        self.assertEqual(self.names("--search", "ARCHER"), [])  # not a prefix
        self.assertEqual(self.names("--search", "dee ARCH"), ["dee"])
        self.assertEqual(self.names("--search", "BEN@"), ["ben"])
        self.assertEqual(self.names("--search", "c"), ["cid"])

    def test_filters(self):
        self.assertEqual(self.names("--inactive"), ["cid"])
        self.assertEqual(self.names("--active"), ["dee", "ben", "ann"])
        self.assertEqual(self.names("--admin-locked"), ["ben"])
        self.assertEqual(self.names("--password-locked"), [])
        self.assertEqual(self.names("--role", "admin"), ["dee"])
        self.assertEqual(self.names("--totp", "on"), [])
        self.assertEqual(self.names("--totp", "off"), ["dee", "cid", "ben", "ann"])
        self.assertEqual(self.names("--unverified"), [])
        self.assertEqual(self.names("--sort", "last-login", "--active",
                                    "--search", "a"), ["ann"])

    def test_paging_with_the_cursor(self):
        first = self.ok_json("user", "list", "--limit", "3")
        self.assertEqual(first["count"], 4)
        self.assertEqual(len(first["users"]), 3)
        second = self.ok_json("user", "list", "--limit", "3",
                              "--after", first["next_cursor"])
        self.assertIsNone(second["next_cursor"])
        self.assertEqual([u["username"] for u in first["users"] + second["users"]],
                         ["dee", "cid", "ben", "ann"])
        r = self.ok("user", "list", "--limit", "3")
        self.assertIn("; next page: --after " + first["next_cursor"],
                      r.stdout.splitlines()[-1])

    def test_bad_input_is_a_usage_error(self):
        self.fails(2, "--inactive: active and inactive exclude each other",
                   "user", "list", "--active", "--inactive")
        self.fails(2, "--totp: must be on or off, not 'maybe'",
                   "user", "list", "--totp", "maybe")
        self.fails(2, "--sort: must be created or last-login, not 'name'",
                   "user", "list", "--sort", "name")
        self.fails(2, "--limit: must be a number from 1 to 1000",
                   "user", "list", "--limit", "0")
        self.fails(2, "--after: the page cursor is not valid",
                   "user", "list", "--after", "nonsense")
        cursor = self.ok_json("user", "list", "--limit", "1")["next_cursor"]
        self.fails(2, "--after: the page cursor belongs to another sort order",
                   "user", "list", "--sort", "last-login", "--after", cursor)
        self.fails(2, "--role: no role named 'wizard'",
                   "user", "list", "--role", "wizard")
        self.fails(2, "unknown option", "user", "list", "--offset", "1")


class PasswordTest(lkctl.CliTestCase):
    """With hash = pbkdf2-sha256 the stored hash can be checked here, so the
    tests see that the password given or printed is the one that verifies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        text = lkharness.set_key(cls.box.config_text, "security", "hash",
                                 "pbkdf2-sha256")
        text = lkharness.set_key(text, "security", "pbkdf2_iterations", "1000")
        lkharness.write_file(cls.box.config, text)

    def stored_hash(self, username):
        return self.box.query(
            f"SELECT password_hash FROM users WHERE username = '{username}'").strip()

    def test_generated_password_verifies(self):
        added = self.add_user("rita")
        self.assertTrue(pbkdf2_verifies(added["password"], self.stored_hash("rita")))
        self.assertFalse(pbkdf2_verifies(added["password"] + "x",
                                         self.stored_hash("rita")))

    def test_password_stdin_strips_newline(self):
        self.ok("user", "add", "sam", "--email", "sam@example.org",
                "--password-stdin", stdin=STRONG + "\n")
        self.assertTrue(pbkdf2_verifies(STRONG, self.stored_hash("sam")))

    def test_set_password(self):
        self.add_user("tina")
        before = self.show("tina")["password_changed_at"]
        # A reset link issued before must stop working.
        self.box.query(
            "INSERT INTO tokens (user_id, purpose, token_sha256, created_at, "
            "expires_at) SELECT id, 'reset', UNHEX(SHA2('t', 256)), "
            "UTC_TIMESTAMP(6), UTC_TIMESTAMP(6) + INTERVAL 1 HOUR FROM users "
            "WHERE username = 'tina'")
        new = "Marmalade-Quartz-Heron-77"
        r = self.ok("user", "set-password", "tina", "--password-stdin",
                    stdin=new + "\n")
        self.assertIn("set a new password for tina", r.stdout)
        self.assertNotIn(new, r.stdout)
        self.assertTrue(pbkdf2_verifies(new, self.stored_hash("tina")))
        user = self.show("tina")
        self.assertGreaterEqual(utc(user["password_changed_at"]), utc(before))
        self.assertIsNone(user["password_expires_at"])
        open_tokens = self.box.query(
            "SELECT COUNT(*) FROM tokens t JOIN users u ON u.id = t.user_id "
            "WHERE u.username = 'tina' AND t.used_at IS NULL")
        self.assertEqual(open_tokens.strip(), "0")
        events = self.events("--user", "tina", "--event", "password_reset")
        self.assertEqual(len(events), 1)
        self.assertEqual(events[0]["service"], "cli")

    def test_set_password_generated_and_must_change(self):
        self.add_user("ugo")
        result = self.ok_json("user", "set-password", "ugo", "--must-change")
        self.assertTrue(pbkdf2_verifies(result["password"], self.stored_hash("ugo")))
        self.assertIsNotNone(self.show("ugo")["password_expires_at"])

    def test_set_password_weak(self):
        self.add_user("vera")
        before = self.stored_hash("vera")
        self.fails(1, "password: ", "user", "set-password", "vera",
                   "--password-stdin", stdin="vera\n")
        self.assertEqual(self.stored_hash("vera"), before)

    def test_set_password_unknown_user(self):
        self.fails(1, "no user named 'nobody'", "user", "set-password", "nobody",
                   "--password-stdin", stdin=STRONG + "\n")


class TotpTest(lkctl.CliTestCase):
    def test_enable_then_reset(self):
        self.add_user("walt")
        result = self.ok_json("user", "totp-enable", "walt")
        uri = urllib.parse.urlparse(result["otpauth_uri"])
        self.assertEqual(uri.scheme, "otpauth")
        self.assertEqual(uri.netloc, "totp")
        self.assertEqual(urllib.parse.unquote(uri.path), "/latchkey:walt")
        query = urllib.parse.parse_qs(uri.query)
        self.assertEqual(query["secret"], [result["secret"]])
        self.assertEqual(query["issuer"], ["latchkey"])
        self.assertEqual(query["digits"], ["6"])
        self.assertEqual(query["period"], ["30"])
        self.assertEqual(len(base64.b32decode(result["secret"] + "=" *
                                              (-len(result["secret"]) % 8))), 20)
        # The secret is usable by a standard TOTP tool.
        code = subprocess.run(["oathtool", "--totp", "-b", result["secret"]],
                              capture_output=True, text=True, check=True).stdout
        self.assertRegex(code, r"^\d{6}\n$")
        codes = result["recovery_codes"]
        self.assertEqual(len(codes), 10)
        self.assertEqual(len(set(codes)), 10)
        for c in codes:
            self.assertRegex(c, r"^[2-9a-km-np-z]{4}-[2-9a-km-np-z]{4}-[2-9a-km-np-z]{4}$")
        user = self.show("walt")
        self.assertTrue(user["totp_enrolled"])
        self.assertEqual(user["recovery_codes_left"], 10)
        # The key is stored sealed, never as the base32 text.
        sealed = self.box.query(
            "SELECT HEX(totp_secret_enc) FROM users WHERE username = 'walt'").strip()
        self.assertNotEqual(sealed, "NULL")
        self.assertNotIn(base64.b32decode(result["secret"]).hex().upper(), sealed)

        self.fails(1, "TOTP is already enabled for 'walt'", "user",
                   "totp-enable", "walt")

        r = self.ok("user", "totp-reset", "walt")
        self.assertIn("TOTP disabled", r.stdout)
        user = self.show("walt")
        self.assertFalse(user["totp_enrolled"])
        self.assertEqual(user["recovery_codes_left"], 0)
        self.assertFalse(self.ok_json("user", "totp-reset", "walt")["changed"])

    def test_enable_text_output(self):
        self.add_user("xena")
        r = self.ok("user", "totp-enable", "xena")
        self.assertRegex(r.stdout, r"(?m)^otpauth URI: +otpauth://totp/latchkey:xena\?secret=[A-Z2-7]+&")
        self.assertRegex(r.stdout, r"(?m)^secret: +[A-Z2-7]{32}$")
        self.assertEqual(len(re.findall(r"(?m)^  [2-9a-z]{4}-[2-9a-z]{4}-[2-9a-z]{4}$",
                                        r.stdout)), 10)

    def test_enable_without_key_file(self):
        self.add_user("yuri")
        os.rename(self.box.key_file, self.box.key_file + ".away")
        try:
            self.fails(1, "run latchkeyctl gen-key", "user", "totp-enable", "yuri")
        finally:
            os.rename(self.box.key_file + ".away", self.box.key_file)
        self.assertFalse(self.show("yuri")["totp_enrolled"])


class AuditOfAdminActionsTest(lkctl.CliTestCase):
    def test_every_action_is_audited_with_the_actor(self):
        self.add_user("zoe")
        self.ok("user", "lock", "zoe")
        self.ok("user", "unlock", "zoe")
        self.ok("user", "deactivate", "zoe")
        self.ok("user", "activate", "zoe")
        self.ok("user", "set-role", "zoe", "admin")
        self.ok("user", "set-role", "zoe", "admin", "--remove")
        self.ok("user", "set-password", "zoe")
        self.ok("user", "totp-enable", "zoe")
        self.ok("user", "totp-reset", "zoe")
        self.ok("user", "delete", "zoe", "--yes")
        events = self.events("--user", "zoe")
        self.assertEqual([e["event"] for e in events], [
            "user_created", "user_locked", "user_unlocked", "user_deactivated",
            "user_activated", "role_added", "role_removed", "password_reset",
            "totp_enabled", "totp_disabled", "user_deleted"])
        actor = pwd.getpwuid(os.getuid()).pw_name
        for e in events:
            self.assertEqual(e["service"], "cli")
            self.assertEqual(e["outcome"], "ok")
            self.assertEqual(e["user"], "zoe")
            self.assertIn(f"by {actor} (uid {os.getuid()}", e["detail"])
        self.assertIn("role admin", events[5]["detail"])


if __name__ == "__main__":
    unittest.main()
