// pam_loop: runs whole PAM transactions (pam_start_confdir .. pam_end) in a
// loop inside one process, for the valgrind test: a leak per transaction
// shows up as lost bytes that grow with --iterations.
//
//   pam_loop CONFDIR SERVICE USER PASSWORD ITERATIONS
//
// Each iteration: authenticate, acct_mgmt, open_session, close_session.
// The conversation answers every hidden prompt with PASSWORD. Exit 0 if
// every call returned PAM_SUCCESS, else 1 (the failing call is printed).
#include <security/pam_appl.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

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
    } else {
      std::fprintf(stderr, "pam message: %s\n", msgs[i]->msg);
    }
  }
  *out = replies;
  return PAM_SUCCESS;
}

bool Check(pam_handle_t* pamh, int rc, const char* what, int iteration) {
  if (rc == PAM_SUCCESS) return true;
  std::fprintf(stderr, "iteration %d: %s: %s\n", iteration, what,
               pam_strerror(pamh, rc));
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr,
                 "usage: pam_loop CONFDIR SERVICE USER PASSWORD ITERATIONS\n");
    return 2;
  }
  const int iterations = std::atoi(argv[5]);
  std::string password = argv[4];
  struct pam_conv conv = {&Converse, password.data()};
  bool ok = true;
  for (int i = 0; i < iterations && ok; ++i) {
    pam_handle_t* pamh = nullptr;
    int rc = pam_start_confdir(argv[2], argv[3], &conv, argv[1], &pamh);
    if (rc != PAM_SUCCESS) {
      std::fprintf(stderr, "pam_start_confdir: %d\n", rc);
      return 1;
    }
    ok = Check(pamh, pam_set_item(pamh, PAM_TTY, "pts/1"), "set tty", i) &&
         Check(pamh, pam_authenticate(pamh, 0), "authenticate", i) &&
         Check(pamh, pam_acct_mgmt(pamh, 0), "acct_mgmt", i) &&
         Check(pamh, pam_open_session(pamh, 0), "open_session", i) &&
         Check(pamh, pam_close_session(pamh, 0), "close_session", i);
    pam_end(pamh, ok ? PAM_SUCCESS : PAM_AUTH_ERR);
  }
  return ok ? 0 : 1;
}
