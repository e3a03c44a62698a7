"""pam_latchkey.so in fleet mode ([fleet] enabled = on): a thin client of
latchkey-agent. Real PAM stacks (pamtester and pam_exec_host under
pam_wrapper) against a fake agent (tests/support/fakeagent.py) that checks
the requests it gets. The real agent and directory are tested end to end
in tests/e2e.

The config names a database, a password file and a secret key that do not
exist: a fleet-mode module must never need them.
"""
import os
import re
import secrets
import shutil
import subprocess
import time
import unittest

import fakeagent
import lkharness
import pamharness as h

GOOD = "correct horse battery"
ODD = 'qu"ote\\back\tslash é'   # JSON escaping in the request
CODE = "123456"
RECOVERY = "rc-aaaa-bbbb"
POLICY = "The password is too short (at least 12 characters).\x1b[31m"

# account op: the status each user gets.
ACCOUNT = {
    "alice": "ok", "tina": "ok", "odd": "ok",
    "ina": "inactive", "unv": "unverified", "adm": "locked",
    "axp": "account_expired", "pxp": "password_expired",
    "rol": "role_missing", "den": "access_denied", "una": "unavailable",
    "wei": "no_such_status",
}
PASSWORDS = {"alice": GOOD, "tina": GOOD, "odd": ODD}
# authenticate op: fixed answers for these users.
AUTH_FIXED = {
    "lck": {"status": "locked", "user_known": True},
    "ghost": {"status": "locked", "user_known": False},
    "thr": {"status": "throttled", "user_known": True},
    "ina": {"status": "inactive", "user_known": True},
    "unv": {"status": "unverified", "user_known": True},
    "axp": {"status": "expired", "user_known": True},
    "una": {"status": "unavailable", "message": "no directory answers"},
    "wei": {"status": "no_such_status"},
}


class Directory:
    """What the fake agent answers: a tiny directory in memory."""

    def __init__(self):
        self.passwords = dict(PASSWORDS)
        self.challenges = {}

    def __call__(self, req):
        op = req["op"]
        user = req.get("user")
        if op == "authenticate":
            if user in AUTH_FIXED:
                return AUTH_FIXED[user]
            known = user in self.passwords
            right = known and req["password"] == self.passwords[user]
            if user == "tina" or (known and req["totp"] == "required"):
                # Asked whether or not the password was right.
                challenge = secrets.token_hex(8)
                self.challenges[challenge] = (user, right)
                return {"status": "second_factor_needed",
                        "challenge": challenge, "user_known": True}
            if right:
                return {"status": "ok", "user_known": True}
            return {"status": "bad_credentials", "user_known": known}
        if op == "second_factor":
            user, right = self.challenges.pop(req["challenge"],
                                              (None, False))
            if right and req["code"] == RECOVERY:
                return {"status": "ok", "user_known": True,
                        "recovery_code_used": True, "recovery_codes_left": 3}
            if right and req["code"] == CODE:
                return {"status": "ok", "user_known": True}
            return {"status": "bad_credentials", "user_known": True}
        if op == "account":
            return {"status": ACCOUNT.get(user, "unknown_user")}
        if op == "change_password":
            if user not in self.passwords:
                return {"status": "unknown_user"}
            if req["old_password"] is None:
                return {"status": "not_allowed"}
            if req["old_password"] != self.passwords[user]:
                return {"status": "wrong_password"}
            if len(req["new_password"]) < 12:
                return {"status": "rejected", "message": POLICY}
            self.passwords[user] = req["new_password"]
            return {"status": "ok"}
        if op in ("open_session", "close_session"):
            return {"status": "unavailable" if user == "una" else "ok"}
        return {"status": "bad_request"}


class FleetTest(unittest.TestCase):
    """Base: a fake agent, a fleet config and a service dir per class."""

    connect_timeout = "1s"
    request_timeout = "1s"

    @classmethod
    def setUpClass(cls):
        if not os.environ.get("PAM_LATCHKEY_SO"):
            raise unittest.SkipTest("PAM_LATCHKEY_SO is not set: run through "
                                    "ctest (tests/pam)")
        cls.tmp = h.TempDir(prefix="lkfleet-")
        cls.services = h.ServiceDir(cls.tmp.path)
        cls.so = h.module_path()
        cls.directory = Directory()
        cls.agent = fakeagent.FakeAgent(cls.directory)
        # A "database" that counts connections: the module must make none.
        cls.database = h.LoopbackServer()
        cls.missing_db_password = os.path.join(cls.tmp.path, "db.password")
        cls.missing_key = os.path.join(cls.tmp.path, "secret.key")
        cls.config = cls.write_config("fleet.conf", cls.agent.path)

    @classmethod
    def tearDownClass(cls):
        cls.agent.close()
        cls.database.close()
        cls.tmp.cleanup()

    @classmethod
    def write_config(cls, name, agent_socket, extra=""):
        path = os.path.join(cls.tmp.path, name)
        lkharness.write_file(path, (
            "[database]\nhosts = 127.0.0.1:%d\nname = latchkey\n"
            "user = latchkey\npassword_file = %s\n\n"
            "[security]\nsecret_key_file = %s\n\n"
            "[fleet]\nenabled = on\nagent_socket = %s\n"
            "directories = https://127.0.0.1:1\nconnect_timeout = %s\n"
            "request_timeout = %s\n%s" % (
                cls.database.port, cls.missing_db_password, cls.missing_key,
                agent_socket, cls.connect_timeout, cls.request_timeout,
                extra)))
        return path

    def setUp(self):
        self.agent.reset()

    def tearDown(self):
        self.assertEqual(self.agent.bad, [], "malformed requests")
        self.assertEqual(self.agent.leaked(), [],
                         "an agent connection outlived its pam_sm_* call")
        self.assertEqual(self.database.conns, [],
                         "fleet mode connected to the database")

    def stack(self, name, auth_args="", account_args="", password_args="",
              config=None):
        config = config or self.config
        return self.services.write(name, [
            "auth required %s config=%s %s" % (self.so, config, auth_args),
            "account required %s config=%s %s" % (self.so, config,
                                                 account_args),
            "password required %s config=%s %s" % (self.so, config,
                                                   password_args),
            "session required %s config=%s" % (self.so, config),
        ])

    def pam(self, service, user, ops, answers=(), **kw):
        return h.run_pamtester(self.services.path, service, user, ops,
                               answers, **kw)

    def requests(self, op=None):
        return [r for _, r in self.agent.requests if op is None or
                r["op"] == op]


class FleetAuthTest(FleetTest):

    def test_right_password_sends_the_request_the_protocol_names(self):
        svc = self.stack("fl-auth")
        r = self.pam(svc, "alice", ["authenticate"], [GOOD],
                     items={"rhost": "198.51.100.7", "tty": "pts/9"})
        self.assertTrue(r.ok, r)
        self.assertEqual(r.prompts, ["Password: "])
        (req,) = self.requests()
        self.assertEqual(req, {
            "op": "authenticate", "user": "alice", "password": GOOD,
            "service": svc, "rhost": "198.51.100.7", "tty": "pts/9",
            "nss_uid": None, "totp": "auto"})

    def test_a_password_with_quotes_and_control_bytes_arrives_intact(self):
        r = self.pam(self.stack("fl-odd"), "odd", ["authenticate"], [ODD])
        self.assertTrue(r.ok, r)
        self.assertEqual(self.requests()[0]["password"], ODD)

    def test_statuses_map_to_the_codes_of_direct_mode(self):
        svc = self.stack("fl-codes")
        cases = [
            ("alice", GOOD + "x", "PAM_AUTH_ERR", None),
            ("nosuch", GOOD, "PAM_USER_UNKNOWN", None),
            ("nosuch", "", "PAM_AUTH_ERR", None),  # empty: no fall-through
            ("lck", GOOD, "PAM_MAXTRIES", "temporarily locked"),
            ("ghost", GOOD, "PAM_USER_UNKNOWN", None),
            ("thr", GOOD, "PAM_MAXTRIES", "Too many failed logins"),
            ("ina", GOOD, "PAM_AUTH_ERR", None),
            ("unv", GOOD, "PAM_AUTH_ERR", None),
            ("axp", GOOD, "PAM_AUTH_ERR", None),
            ("una", GOOD, "PAM_AUTHINFO_UNAVAIL", None),
            ("wei", GOOD, "PAM_SERVICE_ERR", None),
        ]
        for user, password, code, text in cases:
            with self.subTest(user=user, password=password):
                r = self.pam(svc, user, ["authenticate"], [password])
                self.assertTrue(r.failed_with(code), r)
                if text:
                    self.assertIn(text, r.stderr)
        # The agent's message reaches the log, never the terminal prompt.
        r = self.pam(svc, "una", ["authenticate"], [GOOD])
        self.assertIn("no directory answers", r.stderr)

    def test_options_are_sent_along(self):
        svc = self.stack("fl-opts", auth_args="totp=off",
                         account_args="require_role=admin,ops")
        r = self.pam(svc, "alice", ["authenticate", "acct_mgmt"], [GOOD])
        self.assertTrue(r.ok, r)
        auth, account = self.requests()
        self.assertEqual(auth["totp"], "off")
        self.assertEqual(account["require_roles"], ["admin", "ops"])
        self.assertEqual(account["service"], svc)

    def test_use_first_pass_never_prompts(self):
        svc = self.services.write("fl-first", [
            "auth required %s config=%s use_first_pass" % (self.so,
                                                            self.config)])
        r = self.pam(svc, "alice", ["authenticate"], [GOOD])
        self.assertFalse(r.ok, r)
        self.assertEqual(r.prompts, [])
        self.assertEqual(self.requests(), [])
        # A second line reuses the first one's password.
        svc = self.services.write("fl-twice", [
            "auth required %s config=%s" % (self.so, self.config),
            "auth required %s config=%s try_first_pass" % (self.so,
                                                            self.config)])
        r = self.pam(svc, "alice", ["authenticate"], [GOOD])
        self.assertTrue(r.ok, r)
        self.assertEqual(r.prompts, ["Password: "])
        self.assertEqual([q["password"] for q in self.requests()],
                         [GOOD, GOOD])
        # Two module calls, two connections, each closed before the next.
        self.assertEqual(self.agent.connections, 2)

    def test_local_name_never_reaches_the_agent(self):
        r = self.pam(self.stack("fl-local"), "root", ["authenticate",
                                                      "acct_mgmt"], [GOOD])
        self.assertTrue(r.failed_with("PAM_USER_UNKNOWN"), r)
        self.assertEqual(self.requests(), [])
        r = self.pam(self.stack("fl-bad"), "Alice ", ["authenticate"], [GOOD])
        self.assertTrue(r.failed_with("PAM_USER_UNKNOWN"), r)
        self.assertEqual(self.requests(), [])

    def test_nss_uid_is_sent(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to add a passwd entry")
        # The local-name rule reads a copy of /etc/passwd taken before the
        # twin is added, as the extrausers entry would not be in it.
        local = os.path.join(self.tmp.path, "passwd.local")
        shutil.copy("/etc/passwd", local)
        config = self.write_config("nss.conf", self.agent.path,
                                   "\n[nss]\nlocal_passwd_file = %s\n" % local)
        name = h.unique_name("lkfl")
        self.directory.passwords[name] = GOOD
        ACCOUNT[name] = "ok"
        with h.unix_twin(name, 20777):
            r = self.pam(self.stack("fl-nss", config=config), name,
                         ["authenticate", "acct_mgmt"], [GOOD])
        self.assertTrue(r.ok, r)
        self.assertEqual([q["nss_uid"] for q in self.requests()],
                         [20777, 20777])


class FleetTotpTest(FleetTest):

    def test_code_after_a_right_password(self):
        r = self.pam(self.stack("fl-totp"), "tina", ["authenticate"],
                     [GOOD, CODE], items={"rhost": "203.0.113.5"})
        self.assertTrue(r.ok, r)
        self.assertEqual(r.prompts, ["Password: ", "Verification code: "])
        first, second = self.agent.requests
        self.assertEqual(first[0], second[0], "one connection for the call")
        self.assertEqual(second[1]["op"], "second_factor")
        self.assertEqual(second[1]["code"], CODE)
        self.assertEqual(second[1]["rhost"], "203.0.113.5")
        self.assertNotIn("password", second[1])

    def test_the_second_prompt_says_nothing_about_the_first_answer(self):
        svc = self.stack("fl-totp-wrong")
        r = self.pam(svc, "tina", ["authenticate"], [GOOD + "x", CODE])
        self.assertTrue(r.failed_with("PAM_AUTH_ERR"), r)
        self.assertEqual(r.prompts, ["Password: ", "Verification code: "])
        right = self.pam(svc, "tina", ["authenticate"], [GOOD, "654321"])
        self.assertTrue(right.failed_with("PAM_AUTH_ERR"), right)
        # The same verdict and the same words either way.
        strip = lambda t: re.sub(r"\[\d+\]", "", t)  # noqa: E731
        self.assertEqual(strip(r.stderr.split("Verification code: ")[1]),
                         strip(right.stderr.split("Verification code: ")[1]))

    def test_recovery_code(self):
        r = self.pam(self.stack("fl-rc"), "tina", ["authenticate"],
                     [GOOD, RECOVERY])
        self.assertTrue(r.ok, r)
        self.assertIn("You used a recovery code; 3 remain", r.stdout + r.stderr)

    def test_the_password_as_code_is_not_sent(self):
        r = self.pam(self.stack("fl-same"), "tina", ["authenticate"],
                     [GOOD, GOOD])
        self.assertTrue(r.failed_with("PAM_AUTH_ERR"), r)
        self.assertEqual(self.agent.ops(), ["authenticate"])

    def test_totp_required_is_sent(self):
        r = self.pam(self.stack("fl-req", auth_args="totp=required"),
                     "alice", ["authenticate"], [GOOD, CODE])
        self.assertTrue(r.ok, r)
        self.assertEqual(self.requests()[0]["totp"], "required")


class FleetAccountTest(FleetTest):

    def test_statuses_map_to_the_codes_of_direct_mode(self):
        svc = self.stack("fl-acct")
        cases = [
            ("alice", None, None),
            ("nosuch", "PAM_USER_UNKNOWN", None),
            ("ina", "PAM_ACCT_EXPIRED", "Your account has expired"),
            ("axp", "PAM_ACCT_EXPIRED", "Your account has expired"),
            ("unv", "PAM_PERM_DENIED", "confirm your email"),
            ("adm", "PAM_PERM_DENIED", "Your account is locked"),
            ("rol", "PAM_PERM_DENIED", "may not use this service"),
            ("den", "PAM_PERM_DENIED", "may not log in to this host"),
            ("pxp", "PAM_NEW_AUTHTOK_REQD", "change your password"),
            ("una", "PAM_AUTHINFO_UNAVAIL", None),
            ("wei", "PAM_SERVICE_ERR", None),
        ]
        for user, code, text in cases:
            with self.subTest(user=user):
                r = self.pam(svc, user, ["acct_mgmt"])
                if code is None:
                    self.assertTrue(r.ok, r)
                else:
                    self.assertTrue(r.failed_with(code), r)
                if text:
                    self.assertIn(text, r.stderr)


class FleetPasswordTest(FleetTest):

    def setUp(self):
        super().setUp()
        self.directory.passwords["alice"] = GOOD

    def test_change_with_the_old_password(self):
        new = "a much longer new password"
        r = self.pam(self.stack("fl-pw"), "alice", ["chauthtok"],
                     [GOOD, new, new])
        self.assertTrue(r.ok, r)
        self.assertEqual(r.prompts, ["Current password: ", "New password: ",
                                     "Retype new password: "])
        change = self.requests("change_password")
        self.assertEqual(len(change), 1)
        self.assertEqual(change[0]["old_password"], GOOD)
        self.assertEqual(change[0]["new_password"], new)
        self.assertEqual(self.directory.passwords["alice"], new)

    def test_wrong_old_password_and_quality(self):
        svc = self.stack("fl-pw2")
        new = "a much longer new password"
        r = self.pam(svc, "alice", ["chauthtok"], ["wrong!", new, new])
        self.assertTrue(r.failed_with("PAM_AUTHTOK_RECOVERY_ERR"), r)
        self.assertIn("The current password is not correct", r.stderr)
        r = self.pam(svc, "alice", ["chauthtok"], [GOOD, "short1", "short1"])
        self.assertTrue(r.failed_with("PAM_AUTHTOK_ERR"), r)
        self.assertIn("The password is too short (at least 12 characters).",
                      r.stderr)
        self.assertNotIn("\x1b", r.stderr)

    def test_root_reset_on_a_host_that_may_not(self):
        if os.geteuid() != 0:
            self.skipTest("needs root")
        svc = self.stack("fl-reset", password_args="root_may_reset")
        new = "a much longer new password"
        r = self.pam(svc, "alice", ["chauthtok"], [new, new])
        self.assertTrue(r.failed_with("PAM_AUTHTOK_ERR"), r)
        self.assertEqual(r.prompts, ["New password: ",
                                     "Retype new password: "])
        self.assertIsNone(self.requests("change_password")[0]["old_password"])
        self.assertIn("This host may not set a latchkey password", r.stderr)

    def test_unknown_user_and_no_agent(self):
        r = self.pam(self.stack("fl-pw-unknown"), "nosuch", ["chauthtok"],
                     ["x", "y", "y"])
        self.assertTrue(r.failed_with("PAM_USER_UNKNOWN"), r)
        self.assertEqual(r.prompts, [])
        down = self.write_config("down-pw.conf",
                                 os.path.join(self.tmp.path, "none.sock"))
        r = self.pam(self.stack("fl-pw-down", config=down), "alice",
                     ["chauthtok"], ["x", "y", "y"])
        self.assertTrue(r.failed_with("PAM_TRY_AGAIN"), r)
        self.assertEqual(r.prompts, [])


class FleetSessionTest(FleetTest):

    def test_sessions_are_sent_and_never_fail(self):
        svc = self.stack("fl-sess")
        r = self.pam(svc, "alice", ["open_session", "close_session"],
                     items={"tty": "pts/3", "rhost": "192.0.2.1"})
        self.assertTrue(r.ok, r)
        self.assertEqual(self.requests(), [
            {"op": "open_session", "user": "alice", "service": svc,
             "rhost": "192.0.2.1", "tty": "pts/3"},
            {"op": "close_session", "user": "alice", "service": svc,
             "rhost": "192.0.2.1", "tty": "pts/3"}])
        r = self.pam(svc, "una", ["open_session", "close_session"])
        self.assertTrue(r.ok, r)
        down = self.write_config("down-sess.conf",
                                 os.path.join(self.tmp.path, "none.sock"))
        r = self.pam(self.stack("fl-sess-down", config=down), "alice",
                     ["open_session", "close_session"])
        self.assertTrue(r.ok, r)


class FleetConnectionTest(FleetTest):
    """One connection per pam_sm_* call, closed before the call returns."""

    def host(self, *flags_and_args):
        host = os.environ.get("PAM_EXEC_HOST")
        if not host or not os.path.exists(host):
            self.skipTest("PAM_EXEC_HOST is not built: run through ctest")
        return subprocess.run([host] + list(flags_and_args),
                              capture_output=True, text=True, timeout=60)

    def test_each_call_opens_and_closes_its_own_connection(self):
        svc = self.stack("fl-conn")
        r = self.pam(svc, "tina", ["authenticate", "acct_mgmt",
                                   "open_session", "close_session"],
                     [GOOD, CODE])
        self.assertTrue(r.ok, r)
        self.assertEqual(self.agent.ops(), [
            "authenticate", "second_factor", "account", "open_session",
            "close_session"])
        self.assertEqual([n for n, _ in self.agent.requests],
                         [1, 1, 2, 3, 4])
        # tearDown: no request arrived while an earlier connection was open.

    def test_no_agent_socket_is_left_in_the_process(self):
        svc = self.stack("fl-fds")
        r = self.host("--report-fds", "--code=" + CODE, self.services.path,
                      svc, "tina", GOOD, "true")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        lines = [l for l in r.stdout.splitlines() if l.startswith("fds after")]
        self.assertEqual(len(lines), 5, r.stdout)
        for line in lines:
            self.assertNotIn(self.agent.path, line)
        # Nothing new at all since pam_start.
        baseline = lines[0].split(":", 1)[1]
        for line in lines[1:]:
            self.assertEqual(line.split(":", 1)[1], baseline, r.stdout)
        self.assertEqual(self.agent.connections, 4)

    def test_a_program_execed_during_a_call_inherits_no_agent_socket(self):
        # The conversation runs `ls -l /proc/self/fd` at each prompt; at
        # the code prompt the module's connection is open (the challenge
        # is answered on it).
        svc = self.stack("fl-conv")
        r = self.host("--exec-in-conversation", "--code=" + CODE,
                      self.services.path, svc, "tina", GOOD,
                      "ls", "-l", "/proc/self/fd/")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertGreaterEqual(r.stdout.count("total"), 3, r.stdout)
        sockets = [l for l in r.stdout.splitlines()
                   if re.search(r"-> socket:\[\d+\]", l)]
        self.assertEqual(sockets, [], r.stdout)
        # The code prompt came between two requests on one connection: it
        # was open while the program ran.
        self.assertEqual(self.agent.requests[0][0], self.agent.requests[1][0])
        self.assertEqual(self.agent.ops()[:2], ["authenticate",
                                                "second_factor"])


class FleetAgentDownTest(FleetTest):

    def test_no_agent_is_authinfo_unavail_quickly(self):
        down = self.write_config("down.conf",
                                 os.path.join(self.tmp.path, "none.sock"))
        svc = self.stack("fl-down", config=down)
        r = self.pam(svc, "alice", ["acct_mgmt"])
        self.assertTrue(r.failed_with("PAM_AUTHINFO_UNAVAIL"), r)
        self.assertLess(r.elapsed, 1.0, r)
        r = self.pam(svc, "alice", ["authenticate"], [GOOD])
        self.assertTrue(r.failed_with("PAM_AUTHINFO_UNAVAIL"), r)
        self.assertEqual(r.prompts, ["Password: "])
        # The fail delay (2 s, varied by up to a half) and nothing more.
        self.assertLess(r.elapsed, 3 + 1, r)
        self.assertIn("cannot reach latchkey-agent", r.stderr)

    def test_a_silent_agent_is_authinfo_unavail_within_the_timeouts(self):
        silent = fakeagent.FakeAgent(lambda req: None)
        # An agent that reads the request and never answers.
        silent.respond = lambda req: time.sleep(30)
        self.addCleanup(silent.close)
        config = self.write_config("silent.conf", silent.path)
        svc = self.stack("fl-silent", config=config)
        r = self.pam(svc, "alice", ["acct_mgmt"])
        self.assertTrue(r.failed_with("PAM_AUTHINFO_UNAVAIL"), r)
        # connect_timeout + request_timeout (1 s + 1 s), plus a margin.
        self.assertLess(r.elapsed, 1 + 1 + 1, r)
        self.assertGreater(r.elapsed, 1.5, r)

    def test_an_agent_that_never_accepts(self):
        full = fakeagent.FakeAgent(lambda req: None, listen=False)
        self.addCleanup(full.close)
        # Fill the backlog so that connect() itself has to wait.
        fillers = []
        for _ in range(4):
            s = fakeagent.socket.socket(fakeagent.socket.AF_UNIX,
                                        fakeagent.socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect(full.path)
            except (BlockingIOError, OSError):
                s.close()
                break
            fillers.append(s)
        self.addCleanup(lambda: [s.close() for s in fillers])
        config = self.write_config("full.conf", full.path)
        r = self.pam(self.stack("fl-full", config=config), "alice",
                     ["acct_mgmt"])
        self.assertTrue(r.failed_with("PAM_AUTHINFO_UNAVAIL"), r)
        self.assertLess(r.elapsed, 1 + 1 + 1, r)


class FleetLeastPrivilegeTest(FleetTest):

    def test_no_database_password_or_key_is_touched(self):
        # The config's password file and key do not exist, and its database
        # counts connections (tearDown asserts none). strace shows the
        # module never even looks for the two files.
        trace = os.path.join(self.tmp.path, "strace.out")
        svc = self.stack("fl-strace")
        r = self.pam(svc, "tina", ["authenticate", "acct_mgmt", "chauthtok",
                                   "open_session", "close_session"],
                     [GOOD, CODE, GOOD, "a much longer new password",
                      "a much longer new password"],
                     wrapper=["strace", "-f", "-qq", "-e",
                              "trace=%file,%network", "-o", trace])
        self.directory.passwords["tina"] = GOOD
        if "ptrace" in r.stderr or not os.path.exists(trace):
            self.skipTest("strace cannot trace here: " + r.stderr[:200])
        self.assertTrue(r.ok, r)
        lines = lkharness.read_file(trace).splitlines()
        # The trace does show the module's file and socket access ...
        self.assertTrue(any(self.config in l for l in lines))
        self.assertTrue(any(self.agent.path in l for l in lines))
        # ... and nothing of the database's.
        for needle in (self.missing_db_password, self.missing_key, "AF_INET",
                       "mysqld.sock"):
            touched = [l for l in lines if needle in l]
            self.assertEqual(touched, [], "fleet mode touched " + needle)


class FleetFallbackStackTest(FleetTest):
    """docs/pam.md's fallback stack, unchanged, in fleet mode."""

    FALLBACK = ("auth [success=done user_unknown=ignore authinfo_unavail=ignore"
                " default=die] %s config=%s")

    def fallback(self, name, config, then="pam_unix.so"):
        return self.services.write(name, [
            self.FALLBACK % (self.so, config),
            "auth required %s" % then,
            "account required pam_permit.so",
        ])

    def test_local_user_logs_in_while_the_agent_is_down(self):
        down = self.write_config("fb-down.conf",
                                 os.path.join(self.tmp.path, "none.sock"))
        with h.local_unix_user("local unix password 7") as local:
            # A local name is answered before the agent is asked, whether
            # or not it is up ...
            for name, config in (("fb-local", self.config),
                                 ("fb-local-down", down)):
                r = self.pam(self.fallback(name, config), local,
                             ["authenticate"], ["local unix password 7"])
                self.assertTrue(r.ok, r)
                self.assertEqual(r.prompts, ["Password: "])
                r = self.pam(self.fallback(name, config), local,
                             ["authenticate"], ["wrong"])
                self.assertTrue(r.failed_with("PAM_AUTH_ERR"), r)
            self.assertEqual(self.requests(), [])
        # ... and a name the host does not know goes on past a dead agent.
        r = self.pam(self.fallback("fb-down", down, then="pam_permit.so"),
                     "alice", ["authenticate"], [GOOD])
        self.assertTrue(r.ok, r)
        self.assertEqual(r.prompts, ["Password: "])

    def test_fleet_user_gets_no_second_chance(self):
        svc = self.fallback("fb-permit", self.config, then="pam_permit.so")
        r = self.pam(svc, "alice", ["authenticate"], ["wrong password"])
        self.assertTrue(r.failed_with("PAM_AUTH_ERR"), r)
        r = self.pam(svc, "tina", ["authenticate"], [GOOD, "000000"])
        self.assertTrue(r.failed_with("PAM_AUTH_ERR"), r)
        r = self.pam(svc, "alice", ["authenticate"], [GOOD])
        self.assertTrue(r.ok, r)
        # A name the directory does not know falls through.
        r = self.pam(svc, "nosuch", ["authenticate"], [GOOD])
        self.assertTrue(r.ok, r)


class FleetValgrindTest(FleetTest):
    """valgrind memcheck over the fleet-mode phases: no errors, nothing
    definitely lost, nothing kept per transaction."""

    VALGRIND = ["valgrind", "--tool=memcheck", "--leak-check=full",
                "--errors-for-leak-kinds=definite", "--error-exitcode=99",
                "--num-callers=40"]

    def setUp(self):
        super().setUp()
        if not shutil.which("valgrind"):
            self.skipTest("valgrind is not installed")

    def summary(self, log):
        text = lkharness.read_file(log)

        def grab(pattern):
            m = re.search(pattern, text)
            return int(m.group(1).replace(",", "")) if m else 0
        return (grab(r"ERROR SUMMARY: ([\d,]+) errors"),
                grab(r"definitely lost: ([\d,]+) bytes"),
                grab(r"in use at exit: ([\d,]+) bytes"), text)

    def test_all_phases(self):
        log = os.path.join(self.tmp.path, "fleet.vg.log")
        new = "a much longer new password"
        r = self.pam(self.stack("fl-vg"), "tina",
                     ["authenticate", "acct_mgmt", "open_session",
                      "close_session", "chauthtok"],
                     [GOOD, CODE, GOOD, new, new], timeout=300,
                     wrapper=self.VALGRIND + ["--log-file=" + log],
                     extra_env={"PAM_WRAPPER_DISABLE_DEEPBIND": "1"})
        self.directory.passwords["tina"] = GOOD
        errors, lost, _, text = self.summary(log)
        self.assertTrue(r.ok, r)
        self.assertEqual((errors, lost), (0, 0), text[-6000:])

    def test_nothing_kept_per_transaction(self):
        loop = os.environ.get("PAM_LOOP")
        if not loop:
            self.skipTest("PAM_LOOP not set: run through ctest")
        svc = self.stack("fl-vg-loop")
        in_use = {}
        for n in (1, 3):
            log = os.path.join(self.tmp.path, "fleet-loop%d.vg.log" % n)
            res = subprocess.run(
                self.VALGRIND + ["--log-file=" + log, loop,
                                 self.services.path, svc, "alice", GOOD,
                                 str(n)],
                capture_output=True, text=True, timeout=300)
            errors, lost, in_use[n], text = self.summary(log)
            self.assertEqual(res.returncode, 0, res.stderr + text[-6000:])
            self.assertEqual((errors, lost), (0, 0), text[-6000:])
        self.assertEqual(in_use[1], in_use[3], in_use)
        self.assertEqual(self.agent.connections, 4 * (1 + 3))


if __name__ == "__main__":
    unittest.main()
