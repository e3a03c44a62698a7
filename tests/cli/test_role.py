"""latchkeyctl role list|add|delete: member counts, the refusals (bad
names, duplicates, admin and user, unknown roles) and the audit rows."""

import unittest

import lkctl


class RoleTest(lkctl.CliTestCase):
    def roles(self):
        return {r["name"]: r for r in self.ok_json("role", "list")}

    def test_list_shows_builtins_with_counts(self):
        self.add_user("lena")
        roles = self.roles()
        self.assertTrue(roles["admin"]["builtin"])
        self.assertTrue(roles["user"]["builtin"])
        self.assertGreaterEqual(roles["user"]["members"], 1)
        text = self.ok("role", "list").stdout.splitlines()
        self.assertEqual(text[0].split(), ["NAME", "MEMBERS", "DESCRIPTION"])
        self.assertTrue(any(line.split()[0] == "admin" for line in text[1:]))

    def test_add_and_delete(self):
        r = self.ok("role", "add", "ops", "--description", "runs the hosts")
        self.assertEqual(r.stdout, "role ops created\n")
        self.assertEqual(self.roles()["ops"]["description"], "runs the hosts")
        self.add_user("otto")
        self.ok("user", "set-role", "otto", "ops")
        self.assertEqual(self.roles()["ops"]["members"], 1)
        out = self.ok_json("role", "delete", "ops")
        self.assertEqual(out, {"name": "ops", "members_removed": 1})
        self.assertNotIn("ops", self.roles())
        self.assertNotIn("ops", self.show("otto")["roles"])
        created = self.events("--event", "role_created")
        self.assertTrue(any(e["detail"].startswith("role ops by root")
                            for e in created), created)
        deleted = self.events("--event", "role_deleted")
        self.assertTrue(any(e["detail"].startswith("role ops, held by 1, by ")
                            for e in deleted), deleted)

    def test_refusals(self):
        self.fails(2, "a role name must start", "role", "add", "Ops")
        self.fails(2, "a role name must start", "role", "add", "has space")
        self.fails(2, "--description: the description may hold at most 255",
                   "role", "add", "wordy", "--description", "x" * 256)
        self.fails(2, "missing NAME", "role", "add")
        self.ok("role", "add", "twice")
        self.fails(1, "exists already", "role", "add", "twice")
        self.fails(1, "cannot be deleted", "role", "delete", "admin")
        self.fails(1, "cannot be deleted", "role", "delete", "user")
        self.fails(1, "no role named 'nosuch'", "role", "delete", "nosuch")
        self.assertIn("admin", self.roles())


if __name__ == "__main__":
    unittest.main()
