"""latchkeyctl host-group list|add|delete|show|allow|deny and host set
(issue 12, part "groups"): groups and their access rules, moving hosts
between groups, the may-reset-passwords flag, the refusals (bad names and
services are usage errors, exit 2; unknown names, duplicates and a group
that still has hosts, exit 1), --force on record, and the audit rows."""

import unittest

import lkctl


class HostGroupTest(lkctl.CliTestCase):
    def add_host(self, name, kind="fleet"):
        """A hosts row as `host add --fleet` leaves it: kind fleet and a
        token's hash (that command is another part's)."""
        token = "UNHEX(SHA2('%s', 256))" % name if kind == "fleet" else "NULL"
        self.box.query(
            "INSERT INTO hosts (name, kind, token_sha256, created_at) "
            "VALUES ('%s', '%s', %s, UTC_TIMESTAMP(6))" % (name, kind, token))

    def groups(self):
        return {g["name"]: g for g in self.ok_json("host-group", "list")}

    def details(self, event):
        return [e["detail"] for e in self.events("--event", event)]

    def test_add_list_show_and_rules(self):
        r = self.ok("host-group", "add", "web", "--description", "web tier")
        self.assertIn("host group web created", r.stdout)
        g = self.groups()["web"]
        self.assertEqual((g["description"], g["host_count"], g["rule_count"]),
                         ("web tier", 0, 0))
        text = self.ok("host-group", "list").stdout.splitlines()
        self.assertEqual(text[0].split(), ["NAME", "HOSTS", "RULES",
                                           "DESCRIPTION"])
        self.assertIn("admits nobody", self.ok("host-group", "show",
                                                "web").stdout)

        r = self.ok("host-group", "allow", "web", "user", "--service", "sshd")
        self.assertEqual(r.stdout,
                         "role user may log in to the hosts of web (sshd)\n")
        self.ok("host-group", "allow", "web", "admin")
        self.add_host("web1")
        out = self.ok_json("host", "set", "web1", "--group", "web")
        self.assertEqual(out["group"], "web")
        self.assertTrue(out["changed"])
        show = self.ok_json("host-group", "show", "web")
        self.assertEqual(show["rules"], [
            {"role": "admin", "service": ""},
            {"role": "user", "service": "sshd"}])
        self.assertEqual([h["name"] for h in show["hosts"]], ["web1"])
        self.assertEqual(show["host_count"], 1)
        text = self.ok("host-group", "show", "web").stdout
        self.assertIn("every service", text)
        self.assertIn("web1", text)

        self.ok("host-group", "deny", "web", "user", "--service", "sshd")
        show = self.ok_json("host-group", "show", "web")
        self.assertEqual(show["rules"], [{"role": "admin", "service": ""}])

        added = self.details("access_rule_added")
        self.assertIn("role user -> host group web (sshd) by root", " ".join(
            added))
        self.assertTrue(any(d.startswith(
            "role admin -> host group web (every service) by ")
            for d in added), added)
        self.assertTrue(any(d.startswith(
            "role user -> host group web (sshd) by ")
            for d in self.details("access_rule_removed")))
        self.assertTrue(any(d.startswith("host group web by ")
                            for d in self.details("host_group_created")))
        self.assertTrue(any(d.startswith(
            "host web1 moved from no group to web by ")
            for d in self.details("host_group_changed")))

    def test_refusals(self):
        self.fails(2, "a host group name is 1 to 64", "host-group", "add",
                   "Web")
        self.fails(2, "a host group name is 1 to 64", "host-group", "add",
                   "_web")
        self.fails(2, "--description: the description may hold at most 255",
                   "host-group", "add", "wordy", "--description", "x" * 256)
        self.fails(2, "missing NAME", "host-group", "add")
        self.fails(2, "missing GROUP ROLE", "host-group", "allow", "web")
        self.ok("host-group", "add", "twice")
        self.fails(1, "a host group named 'twice' exists already",
                   "host-group", "add", "twice")
        self.fails(2, "--service: a service is a PAM service name",
                   "host-group", "allow", "twice", "user", "--service",
                   "SSHD")
        self.fails(2, "a role name must start", "host-group", "allow",
                   "twice", "Ops")
        self.fails(1, "no role named 'nosuch'", "host-group", "allow",
                   "twice", "nosuch")
        self.fails(1, "no host group named 'nosuch'", "host-group", "allow",
                   "nosuch", "user")
        self.ok("host-group", "allow", "twice", "user")
        self.fails(1, "role user may already log in to twice (every service)",
                   "host-group", "allow", "twice", "user")
        self.fails(1, "twice has no rule for role user (sudo)", "host-group",
                   "deny", "twice", "user", "--service", "sudo")
        self.fails(1, "no host group named 'nosuch'", "host-group", "show",
                   "nosuch")
        self.fails(1, "no host group named 'nosuch'", "host-group", "delete",
                   "nosuch")
        self.fails(2, "unknown command 'host-group frob'", "host-group",
                   "frob")

    def test_delete_is_refused_while_live_hosts_remain(self):
        self.ok("host-group", "add", "db")
        self.ok("host-group", "allow", "db", "admin")
        self.add_host("db1")
        self.add_host("db2")
        self.ok("host", "set", "db1", "--group", "db")
        self.ok("host", "set", "db2", "--group", "db")
        self.fails(1, "host group db still has 2 hosts: move or revoke its 2 "
                   "hosts first", "host-group", "delete", "db")
        self.ok("host", "set", "db2", "--no-group")
        self.box.query("UPDATE hosts SET revoked_at = UTC_TIMESTAMP(6) "
                       "WHERE name = 'db1'")
        out = self.ok_json("host-group", "delete", "db")
        self.assertEqual(out, {"name": "db", "deleted": True})
        self.assertNotIn("db", self.groups())
        self.assertTrue(any(d.startswith("host group db, 1 rule, by ")
                            for d in self.details("host_group_deleted")))

    def test_force_deletes_and_is_on_record(self):
        self.ok("host-group", "add", "tmp")
        self.add_host("tmp1")
        self.ok("host", "set", "tmp1", "--group", "tmp")
        r = self.ok("host-group", "delete", "tmp", "--force")
        self.assertIn("deleted", r.stdout)
        self.assertTrue(any(
            "guard overridden with --force: host group tmp still has 1 host"
            in d for d in self.details("guard_overridden")))
        host = [h for h in self.ok_json("host-group", "list")
                if h["name"] == "tmp"]
        self.assertEqual(host, [])
        self.assertEqual(self.box.query(
            "SELECT group_id IS NULL FROM hosts WHERE name = 'tmp1'").strip(),
            "1")

    def test_host_set(self):
        self.ok("host-group", "add", "mail")
        self.add_host("mx1")
        self.add_host("legacy1", kind="direct")
        out = self.ok_json("host", "set", "mx1", "--group", "mail",
                           "--may-reset-passwords", "on")
        self.assertEqual((out["group"], out["may_reset_passwords"]),
                         ("mail", True))
        self.assertEqual(out["kind"], "fleet")
        out = self.ok_json("host", "set", "mx1", "--group", "mail")
        self.assertFalse(out["changed"])
        r = self.ok("host", "set", "mx1", "--may-reset-passwords", "off")
        self.assertEqual(r.stdout, "host mx1: group mail, may reset passwords "
                                   "no\n")
        self.assertTrue(any(d.startswith("host mx1 may reset passwords: yes "
                                         "by ")
                            for d in self.details("host_group_changed")))
        self.fails(2, "nothing to set", "host", "set", "mx1")
        self.fails(2, "--may-reset-passwords: on or off", "host", "set",
                   "mx1", "--may-reset-passwords", "maybe")
        self.fails(2, "not both", "host", "set", "mx1", "--group", "mail",
                   "--no-group")
        self.fails(2, "--group: a host group name", "host", "set", "mx1",
                   "--group", "Mail")
        self.fails(1, "no host group named 'nosuch'", "host", "set", "mx1",
                   "--group", "nosuch")
        self.fails(1, "no host named 'nosuch'", "host", "set", "nosuch",
                   "--group", "mail")
        self.fails(1, "direct-mode host", "host", "set", "legacy1",
                   "--may-reset-passwords", "on")
        self.box.query("UPDATE hosts SET revoked_at = UTC_TIMESTAMP(6) "
                       "WHERE name = 'mx1'")
        self.fails(1, "host mx1 is revoked", "host", "set", "mx1",
                   "--no-group")
        help_text = self.ok("host-group", "--help").stdout
        for sub in ("list", "add", "delete", "show", "allow", "deny"):
            self.assertIn("host-group " + sub, help_text)
        self.assertIn("host set", self.ok("host", "--help").stdout)


if __name__ == "__main__":
    unittest.main()
