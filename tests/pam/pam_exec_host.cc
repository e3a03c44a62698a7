// pam_exec_host: a PAM application that runs a command while its handle is
// open and does not call pam_end in the child, as hosts that fork and exec
// a user's program without closing descriptors do (Linux-PAM recommends
// pam_end(PAM_DATA_SILENT) in the child, and util-linux su does that; not
// every host does).
//
//   pam_exec_host [--pam-end-in-child] CONFDIR SERVICE USER PASSWORD
//                 COMMAND [ARG...]
//
// pam_start_confdir, authenticate, acct_mgmt and open_session (the
// conversation answers every hidden prompt with PASSWORD); then fork, and
// the child execs COMMAND with every descriptor the process has; the parent
// waits, then close_session and pam_end. With --pam-end-in-child the child
// first calls pam_end(PAM_SUCCESS | PAM_DATA_SILENT), as util-linux su
// does, and Linux-PAM asks of a child that is about to exec. Exit: COMMAND's
// exit status, or 1 with the failing call printed.
#include <security/pam_appl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

int Converse(int n, const struct pam_message** msgs, struct pam_response** out,
             void* data) {
  const char* password = static_cast<const char*>(data);
  auto* replies = static_cast<pam_response*>(
      calloc(static_cast<size_t>(n), sizeof(pam_response)));
  if (replies == nullptr) return PAM_BUF_ERR;
  for (int i = 0; i < n; ++i) {
    if (msgs[i]->msg_style == PAM_PROMPT_ECHO_OFF ||
        msgs[i]->msg_style == PAM_PROMPT_ECHO_ON) {
      replies[i].resp = strdup(password);
    }
  }
  *out = replies;
  return PAM_SUCCESS;
}

bool Check(pam_handle_t* pamh, int rc, const char* what) {
  if (rc == PAM_SUCCESS) return true;
  std::fprintf(stderr, "pam_exec_host: %s: %s\n", what, pam_strerror(pamh, rc));
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  bool end_in_child = false;
  if (argc > 1 && std::strcmp(argv[1], "--pam-end-in-child") == 0) {
    end_in_child = true;
    --argc;
    ++argv;
  }
  if (argc < 6) {
    std::fprintf(stderr,
                 "usage: pam_exec_host CONFDIR SERVICE USER PASSWORD COMMAND "
                 "[ARG...]\n");
    return 2;
  }
  struct pam_conv conv = {&Converse, argv[4]};
  pam_handle_t* pamh = nullptr;
  int rc = pam_start_confdir(argv[2], argv[3], &conv, argv[1], &pamh);
  if (rc != PAM_SUCCESS) {
    std::fprintf(stderr, "pam_exec_host: pam_start_confdir: %d\n", rc);
    return 1;
  }
  if (!Check(pamh, rc = pam_authenticate(pamh, 0), "authenticate") ||
      !Check(pamh, rc = pam_acct_mgmt(pamh, 0), "acct_mgmt") ||
      !Check(pamh, rc = pam_open_session(pamh, 0), "open_session")) {
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
  const bool closed = Check(pamh, rc, "close_session");
  pam_end(pamh, rc);
  if (!closed) return 1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
