#include "pam_io.h"

#include <security/pam_ext.h>
#include <syslog.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace latchkey::pam {
namespace {

constexpr size_t kMaxUserName = 256;

std::string ItemString(pam_handle_t* pamh, int item) {
  const void* value = nullptr;
  if (pam_get_item(pamh, item, &value) != PAM_SUCCESS || value == nullptr) {
    return {};
  }
  return std::string(static_cast<const char*>(value));
}

// Wipes and frees a string libpam or the application allocated for us.
void DropReply(char* reply) {
  if (reply == nullptr) return;
  explicit_bzero(reply, std::strlen(reply));
  std::free(reply);
}

}  // namespace

int PamIo::GetUser(std::string& user) {
  const char* name = nullptr;
  const int rc = pam_get_user(pamh_, &name, nullptr);
  if (rc != PAM_SUCCESS) return rc;
  if (name == nullptr) return PAM_USER_UNKNOWN;
  const std::string_view view(name);
  if (view.empty() || view.size() > kMaxUserName) return PAM_USER_UNKNOWN;
  for (unsigned char c : view) {
    if (c < 0x20 || c == 0x7f) return PAM_USER_UNKNOWN;
  }
  user.assign(view);
  return PAM_SUCCESS;
}

AuthContext PamIo::Context() const {
  AuthContext ctx;
  ctx.service = ItemString(pamh_, PAM_SERVICE);
  ctx.rhost = ItemString(pamh_, PAM_RHOST);
  ctx.tty = ItemString(pamh_, PAM_TTY);
  ctx.pid = static_cast<int64_t>(getpid());
  return ctx;
}

int PamIo::GetAuthtok(int item, const char* prompt, Secret& out) {
  const char* token = nullptr;
  const int rc = pam_get_authtok(pamh_, item, &token, prompt);
  if (rc != PAM_SUCCESS) return rc;
  if (token == nullptr) return PAM_AUTHTOK_ERR;
  out = Secret(std::string_view(token));
  return PAM_SUCCESS;
}

Secret PamIo::PeekAuthtok(int item) const {
  const void* token = nullptr;
  if (pam_get_item(pamh_, item, &token) != PAM_SUCCESS || token == nullptr) {
    return Secret();
  }
  return Secret(std::string_view(static_cast<const char*>(token)));
}

int PamIo::AskHidden(const char* prompt, Secret& answer) {
  char* reply = nullptr;
  const int rc = pam_prompt(pamh_, PAM_PROMPT_ECHO_OFF, &reply, "%s", prompt);
  if (rc != PAM_SUCCESS) {
    DropReply(reply);
    return rc;
  }
  if (reply == nullptr) return PAM_CONV_ERR;
  answer = Secret(std::string_view(reply));
  DropReply(reply);
  return PAM_SUCCESS;
}

void PamIo::Say(int style, std::string_view text) {
  if ((flags_ & PAM_SILENT) != 0) return;
  const std::string line(text);
  (void)pam_prompt(pamh_, style, nullptr, "%s", line.c_str());
}

void PamIo::Error(std::string_view text) { Say(PAM_ERROR_MSG, text); }
void PamIo::Info(std::string_view text) { Say(PAM_TEXT_INFO, text); }

void PamIo::LogError(std::string_view text) const {
  const std::string line(text);
  pam_syslog(pamh_, LOG_ERR, "%s", line.c_str());
}

void PamIo::LogNotice(std::string_view text) const {
  const std::string line(text);
  pam_syslog(pamh_, LOG_NOTICE, "%s", line.c_str());
}

void PamIo::Debug(std::string_view text) const {
  if (!debug_) return;
  const std::string line(text);
  pam_syslog(pamh_, LOG_DEBUG, "%s", line.c_str());
}

}  // namespace latchkey::pam
