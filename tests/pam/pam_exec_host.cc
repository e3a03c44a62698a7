// pam_exec_host: a PAM application that runs a command while its handle is
// open and does not call pam_end in the child, as hosts that fork and exec
// a user's program without closing descriptors do (Linux-PAM recommends
// pam_end(PAM_DATA_SILENT) in the child, and util-linux su does that; not
// every host does).
//
//   pam_exec_host [--pam-end-in-child] [--report-fds] [--code=CODE]
//                 [--exec-in-conversation] CONFDIR SERVICE USER PASSWORD
//                 COMMAND [ARG...]
//
// pam_start_confdir, authenticate, acct_mgmt and open_session (the
// conversation answers every hidden prompt with PASSWORD); then fork, and
// the child execs COMMAND with every descriptor the process has; the parent
// waits, then close_session and pam_end. With --pam-end-in-child the child
// first calls pam_end(PAM_SUCCESS | PAM_DATA_SILENT), as util-linux su
// does, and Linux-PAM asks of a child that is about to exec. Exit: COMMAND's
// exit status, or 1 with the failing call printed.
//
// Fleet mode checks (tests/pam/test_fleet.py):
//   --report-fds  after pam_start and after each PAM call, prints
//                 "fds after CALL: fd=N peer=PATH ..." on stdout: every
//                 unix socket this process holds, with the path its peer
//                 is bound to (an agent connection names the agent's).
//   --code=CODE   the answer to a "Verification code: " prompt.
//   --exec-in-conversation  each prompt first forks and execs COMMAND
//                 (and waits for it) while the module's call is running,
//                 as a conversation that starts a helper program would.
#include <dirent.h>
#include <security/pam_appl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

struct ConvData {
  const char* password = nullptr;
  const char* code = nullptr;  // for "Verification code: ", if given
  char** exec_argv = nullptr;  // run at each prompt, if set
};

void RunAndWait(char** argv) {
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    execvp(argv[0], argv);
    _exit(127);
  }
  if (pid > 0) {
    int status = 0;
    waitpid(pid, &status, 0);
  }
}

int Converse(int n, const struct pam_message** msgs, struct pam_response** out,
             void* data) {
  const auto* conv = static_cast<const ConvData*>(data);
  auto* replies = static_cast<pam_response*>(
      calloc(static_cast<size_t>(n), sizeof(pam_response)));
  if (replies == nullptr) return PAM_BUF_ERR;
  for (int i = 0; i < n; ++i) {
    if (msgs[i]->msg_style == PAM_PROMPT_ECHO_OFF ||
        msgs[i]->msg_style == PAM_PROMPT_ECHO_ON) {
      if (conv->exec_argv != nullptr) RunAndWait(conv->exec_argv);
      const bool code_prompt =
          std::strstr(msgs[i]->msg, "Verification code") != nullptr;
      replies[i].resp = strdup(
          code_prompt && conv->code != nullptr ? conv->code : conv->password);
    }
  }
  *out = replies;
  return PAM_SUCCESS;
}

// Every unix socket this process holds, and its peer's path.
void ReportFds(const char* after) {
  std::string line = std::string("fds after ") + after + ":";
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return;
  const int own = dirfd(dir);
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    const int fd = std::atoi(e->d_name);
    if (fd == own) continue;
    int domain = 0;
    socklen_t len = sizeof domain;
    if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0) continue;
    line += " fd=" + std::to_string(fd);
    sockaddr_un peer{};
    socklen_t plen = sizeof peer;
    if (domain == AF_UNIX &&
        getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &plen) == 0 &&
        plen > sizeof(sa_family_t)) {
      line += std::string(" peer=") + peer.sun_path;
    } else {
      line += " peer=?";
    }
  }
  closedir(dir);
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

bool Check(pam_handle_t* pamh, int rc, const char* what) {
  if (rc == PAM_SUCCESS) return true;
  std::fprintf(stderr, "pam_exec_host: %s: %s\n", what, pam_strerror(pamh, rc));
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  bool end_in_child = false;
  bool report_fds = false;
  bool exec_in_conversation = false;
  ConvData data;
  while (argc > 1 && std::strncmp(argv[1], "--", 2) == 0) {
    if (std::strcmp(argv[1], "--pam-end-in-child") == 0) {
      end_in_child = true;
    } else if (std::strcmp(argv[1], "--report-fds") == 0) {
      report_fds = true;
    } else if (std::strcmp(argv[1], "--exec-in-conversation") == 0) {
      exec_in_conversation = true;
    } else if (std::strncmp(argv[1], "--code=", 7) == 0) {
      data.code = argv[1] + 7;
    } else {
      break;
    }
    --argc;
    ++argv;
  }
  if (argc < 6) {
    std::fprintf(stderr,
                 "usage: pam_exec_host [options] CONFDIR SERVICE USER "
                 "PASSWORD COMMAND [ARG...]\n");
    return 2;
  }
  data.password = argv[4];
  if (exec_in_conversation) data.exec_argv = argv + 5;
  struct pam_conv conv = {&Converse, &data};
  pam_handle_t* pamh = nullptr;
  int rc = pam_start_confdir(argv[2], argv[3], &conv, argv[1], &pamh);
  if (rc != PAM_SUCCESS) {
    std::fprintf(stderr, "pam_exec_host: pam_start_confdir: %d\n", rc);
    return 1;
  }
  if (report_fds) ReportFds("pam_start");
  rc = pam_authenticate(pamh, 0);
  if (report_fds) ReportFds("authenticate");
  if (!Check(pamh, rc, "authenticate")) {
    pam_end(pamh, rc);
    return 1;
  }
  rc = pam_acct_mgmt(pamh, 0);
  if (report_fds) ReportFds("acct_mgmt");
  if (!Check(pamh, rc, "acct_mgmt")) {
    pam_end(pamh, rc);
    return 1;
  }
  rc = pam_open_session(pamh, 0);
  if (report_fds) ReportFds("open_session");
  if (!Check(pamh, rc, "open_session")) {
    pam_end(pamh, rc);
    return 1;
  }
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) {
    std::perror("pam_exec_host: fork");
    pam_end(pamh, PAM_SYSTEM_ERR);
    return 1;
  }
  if (pid == 0) {
    if (end_in_child) pam_end(pamh, PAM_SUCCESS | PAM_DATA_SILENT);
    execvp(argv[5], argv + 5);
    std::perror("pam_exec_host: exec");
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  rc = pam_close_session(pamh, 0);
  if (report_fds) ReportFds("close_session");
  const bool closed = Check(pamh, rc, "close_session");
  pam_end(pamh, rc);
  if (!closed) return 1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
