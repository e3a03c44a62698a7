"""latchkeyctl user ssh-key list | add | remove (issue 12, part "sshkeys"):
keys made by ssh-keygen, added from the command line, a file or stdin,
validated by the core (short RSA and private keys refused with the
reason), listed with their SHA256 fingerprints (as ssh-keygen -lf prints
them), removed by fingerprint or id, audited "by root (uid 0)" and the
addition mailed to the user."""

import shutil
import subprocess
import tempfile
import unittest

import lkctl


def keygen(directory, name, args):
    path = f"{directory}/{name}"
    subprocess.run(["ssh-keygen", "-q", "-N", "", "-C", f"{name}@cli",
                    "-f", path] + args, check=True, stdin=subprocess.DEVNULL)
    with open(path + ".pub", encoding="ascii") as f:
        line = f.read().strip()
    listed = subprocess.run(["ssh-keygen", "-E", "sha256", "-lf",
                             path + ".pub"], check=True, capture_output=True,
                            text=True).stdout
    return path, line, listed.split()[1]


class SshKeyCliTest(lkctl.CliTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dir = tempfile.mkdtemp(prefix="lk-cli-sshkey-")
        cls.ed = keygen(cls.dir, "ed", ["-t", "ed25519"])
        cls.ec = keygen(cls.dir, "ec", ["-t", "ecdsa", "-b", "521"])
        cls.rsa = keygen(cls.dir, "rsa", ["-t", "rsa", "-b", "3072"])
        cls.short = keygen(cls.dir, "short", ["-t", "rsa", "-b", "2048"])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)
        super().tearDownClass()

    def test_add_list_remove(self):
        self.add_user("kim")
        self.assertEqual(self.ok("user", "ssh-key", "list", "kim").stdout,
                         "kim has no SSH keys\n")
        # A quoted line, a file, and stdin.
        out = self.ok_json("user", "ssh-key", "add", "kim", self.ed[1])
        self.assertEqual(out["key"]["fingerprint"], self.ed[2])
        self.assertEqual(out["key"]["comment"], "ed@cli")
        r = self.ok("user", "ssh-key", "add", "kim", "--file",
                    self.ec[0] + ".pub", "--expires", "2030-01-31")
        self.assertIn(self.ec[2], r.stdout)
        self.ok("user", "ssh-key", "add", "kim", "-", stdin=self.rsa[1] + "\n")

        listed = self.ok_json("user", "ssh-key", "list", "kim")
        self.assertEqual(listed["username"], "kim")
        self.assertEqual([k["fingerprint"] for k in listed["keys"]],
                         [self.ed[2], self.ec[2], self.rsa[2]])
        self.assertEqual([k["algorithm"] for k in listed["keys"]],
                         ["ssh-ed25519", "ecdsa-sha2-nistp521", "ssh-rsa"])
        self.assertEqual(listed["keys"][1]["expires_at"],
                         "2030-01-31T00:00:00Z")
        self.assertIsNone(listed["keys"][0]["expires_at"])
        text = self.ok("user", "ssh-key", "list", "kim").stdout
        self.assertIn(self.rsa[2], text)
        self.assertIn("FINGERPRINT", text)

        added = self.events("--user", "kim", "--event", "ssh_key_added")
        self.assertEqual(len(added), 3)
        self.assertIn(self.ed[2], added[0]["detail"])
        self.assertRegex(added[0]["detail"], r" by .+ \(uid \d+\)")
        mails = self.box.query(
            "SELECT COUNT(*) FROM mail_outbox WHERE to_addr = "
            "'kim@example.org' AND subject LIKE '%A new SSH key was added%'")
        self.assertEqual(mails.strip(), "3")

        # Remove by fingerprint, then by id.
        r = self.ok("user", "ssh-key", "remove", "kim", self.ed[2])
        self.assertIn("removed ssh-ed25519 " + self.ed[2], r.stdout)
        key_id = str(listed["keys"][1]["id"])
        self.ok("user", "ssh-key", "remove", "kim", key_id)
        left = self.ok_json("user", "ssh-key", "list", "kim")["keys"]
        self.assertEqual([k["fingerprint"] for k in left], [self.rsa[2]])
        removed = self.events("--user", "kim", "--event", "ssh_key_removed")
        self.assertEqual(len(removed), 2)
        self.assertRegex(removed[0]["detail"], r" by .+ \(uid \d+\)")
        self.fails(1, "no SSH key " + self.ed[2], "user", "ssh-key",
                   "remove", "kim", self.ed[2])

    def test_refusals(self):
        self.add_user("lou")
        self.add_user("max")
        self.fails(1, "at least 3072 bits; this one has 2048",
                   "user", "ssh-key", "add", "lou", self.short[1])
        self.fails(1, "That is a private key; paste the .pub file",
                   "user", "ssh-key", "add", "lou", "--file", self.ed[0])
        self.fails(1, "DSA keys (ssh-dss) are not accepted",
                   "user", "ssh-key", "add", "lou", "ssh-dss AAAA")
        self.fails(2, "--expires: not a date", "user", "ssh-key", "add",
                   "lou", self.ed[1], "--expires", "soon")
        self.fails(1, "--expires: The expiry must be in the future",
                   "user", "ssh-key", "add", "lou", self.ed[1],
                   "--expires", "2001-01-01")
        self.fails(2, "give the key line", "user", "ssh-key", "add", "lou")
        self.fails(2, "unknown action 'show'", "user", "ssh-key", "show",
                   "lou")
        self.fails(1, "no user named 'nobody7'", "user", "ssh-key", "list",
                   "nobody7")
        self.assertEqual(self.ok_json("user", "ssh-key", "list",
                                      "lou")["keys"], [])
        self.ok("user", "ssh-key", "add", "lou", self.ed[1])
        self.fails(1, "this key is already on the account",
                   "user", "ssh-key", "add", "lou", self.ed[1])
        # Another user's key id is not found for this user.
        key_id = str(self.ok_json("user", "ssh-key", "list",
                                  "lou")["keys"][0]["id"])
        self.fails(1, "no SSH key", "user", "ssh-key", "remove", "max",
                   key_id)
        self.assertEqual(len(self.ok_json("user", "ssh-key", "list",
                                          "lou")["keys"]), 1)


if __name__ == "__main__":
    unittest.main()
