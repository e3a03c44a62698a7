"""The shared Python harness's own parts that need no database: configs,
sandbox.env, private files, maildir reading, ports and stopping processes."""

import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import unittest

import lkharness


class TempDirTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="lk-harness-test-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)


class ConfigTest(unittest.TestCase):

    def test_set_key_replaces_a_key_in_its_section_only(self):
        text = "[database]\nname = a\n[security]\nname = keep\n"
        self.assertEqual(lkharness.set_key(text, "database", "name", "b"),
                         "[database]\nname = b\n[security]\nname = keep\n")

    def test_set_key_adds_the_key_at_the_end_of_its_section(self):
        text = "[database]\nname = a\n\n[portal]\nuser = nobody\n"
        self.assertEqual(
            lkharness.set_key(text, "database", "tls", "off"),
            "[database]\nname = a\n\ntls = off\n[portal]\nuser = nobody\n")

    def test_set_key_adds_a_missing_section(self):
        self.assertEqual(lkharness.set_key("[a]\nx = 1\n", "b", "y", "2"),
                         "[a]\nx = 1\n[b]\ny = 2\n")

    def test_split_ini_keeps_order_and_bodies(self):
        sections = lkharness.split_ini("[mail]\nt = m\n\n[lockout]\nn = 3\n")
        self.assertEqual(list(sections), ["mail", "lockout"])
        self.assertEqual(sections["mail"], "t = m\n\n")
        self.assertEqual(sections["lockout"], "n = 3\n")


class FilesTest(TempDirTest):

    def test_write_file_is_private_by_default(self):
        lkharness.write_file(self.path("a.conf"), "x\n")
        self.assertEqual(stat.S_IMODE(os.stat(self.path("a.conf")).st_mode),
                         0o600)
        self.assertEqual(lkharness.read_file(self.path("a.conf")), "x\n")

    def test_write_file_sets_the_mode_asked_for_and_truncates(self):
        lkharness.write_file(self.path("b"), "long text\n", 0o644)
        lkharness.write_file(self.path("b"), "y\n", 0o440)
        self.assertEqual(stat.S_IMODE(os.stat(self.path("b")).st_mode), 0o440)
        self.assertEqual(lkharness.read_file(self.path("b")), "y\n")

    def test_copy_private(self):
        lkharness.write_file(self.path("key"), "k", 0o644)
        copy = lkharness.copy_private(self.path("key"), self.path("copy"))
        self.assertEqual(copy, self.path("copy"))
        self.assertEqual(stat.S_IMODE(os.stat(copy).st_mode), 0o600)
        self.assertEqual(lkharness.read_file(copy), "k")

    def test_read_sandbox_env_undoes_shell_quoting(self):
        lkharness.write_file(self.path("sandbox.env"),
                             "LK_DB_USER=latchkey\n# a comment\n"
                             "LK_DB_DIR=/tmp/a\\ b\nLK_EMPTY=\nnot a pair\n")
        self.assertEqual(lkharness.read_sandbox_env(self.dir),
                         {"LK_DB_USER": "latchkey", "LK_DB_DIR": "/tmp/a b",
                          "LK_EMPTY": ""})


class MaildirTest(TempDirTest):

    def deliver(self, name, to, subject, body):
        os.makedirs(self.path("new"), exist_ok=True)
        with open(os.path.join(self.path("new"), name), "w") as f:
            f.write(f"X-Envelope-To: {to}\r\nSubject: {subject}\r\n"
                    f"Content-Type: text/plain\r\n\r\n{body}\r\n")

    def test_no_maildir_is_no_mail(self):
        self.assertEqual(lkharness.read_maildir(self.path("none")), [])

    def test_messages_come_in_arrival_order(self):
        self.deliver("20.1.eml", "a@example.org", "second", "b")
        self.deliver("3.2.eml", "a@example.org", "first", "a")
        self.assertEqual([m["Subject"] for m in
                          lkharness.read_maildir(self.dir)],
                         ["first", "second"])

    def test_is_for_matches_an_envelope_address_and_subject(self):
        self.deliver("1.1.eml", "x@example.org, Bob@Example.org",
                     "Confirm your address", "hi")
        msg = lkharness.read_maildir(self.dir)[0]
        self.assertTrue(lkharness.is_for(msg, "bob@example.org"))
        self.assertTrue(lkharness.is_for(msg, "bob@example.org", "confirm"))
        self.assertFalse(lkharness.is_for(msg, "bob@example.org", "reset"))
        self.assertFalse(lkharness.is_for(msg, "ob@example.org"))

    def test_link_to_takes_the_link_to_base_and_path(self):
        self.deliver("1.1.eml", "a@example.org", "s",
                     "see http://elsewhere:1/activate?token=no and "
                     "http://127.0.0.1:8/reset?token=no then\n"
                     "http://127.0.0.1:8/activate?token=yes\n")
        msg = lkharness.read_maildir(self.dir)[0]
        self.assertEqual(len(lkharness.links(msg)), 3)
        self.assertEqual(
            lkharness.link_to(msg, "http://127.0.0.1:8", "/activate"),
            "/activate?token=yes")
        self.assertIsNone(
            lkharness.link_to(msg, "http://127.0.0.1:8", "/profile"))


class ProcessTest(unittest.TestCase):

    def test_free_port_is_free(self):
        port = lkharness.free_port()
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))

    def test_wait_for_port_sees_a_listener_and_a_dead_process(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen(1)
            sleeper = subprocess.Popen(["sleep", "30"])
            try:
                self.assertTrue(lkharness.wait_for_port(s.getsockname()[1],
                                                        sleeper))
            finally:
                lkharness.stop_process(sleeper)
        done = subprocess.Popen(["true"])
        done.wait()
        self.assertFalse(lkharness.wait_for_port(lkharness.free_port(), done))

    def test_stop_process_terminates_and_returns_the_status(self):
        proc = subprocess.Popen(["sleep", "30"])
        self.assertEqual(lkharness.stop_process(proc), -15)
        self.assertIsNone(lkharness.stop_process(None))

    def test_stop_process_kills_what_ignores_sigterm(self):
        proc = subprocess.Popen(
            [sys.executable, "-c",
             "import signal, sys, time\n"
             "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
             "print('ready', flush=True)\ntime.sleep(30)\n"],
            stdout=subprocess.PIPE, text=True)
        self.assertEqual(proc.stdout.readline().strip(), "ready")
        self.assertEqual(lkharness.stop_process(proc, timeout=0.5), -9)
        proc.stdout.close()


class EnvTest(unittest.TestCase):

    def test_an_unset_variable_skips(self):
        saved = os.environ.pop("LATCHKEY_HARNESS_TEST_UNSET", None)
        self.assertIsNone(saved)
        with self.assertRaises(unittest.SkipTest):
            lkharness.env_value("LATCHKEY_HARNESS_TEST_UNSET")


if __name__ == "__main__":
    unittest.main()
