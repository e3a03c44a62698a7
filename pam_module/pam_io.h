// PamIo: the module's view of one pam_handle_t - items, the conversation,
// messages to the user and log lines. Nothing here decides anything.
#ifndef LATCHKEY_PAM_MODULE_PAM_IO_H_
#define LATCHKEY_PAM_MODULE_PAM_IO_H_

#include <security/pam_modules.h>

#include <optional>
#include <string>
#include <string_view>

#include "latchkey/base/secret.h"
#include "latchkey/store/audit.h"

namespace latchkey::pam {

class PamIo {
 public:
  // `flags` are the ones the application passed (PAM_SILENT suppresses
  // messages to the user); `debug` enables Debug() lines.
  PamIo(pam_handle_t* pamh, int flags, bool debug)
      : pamh_(pamh), flags_(flags), debug_(debug) {}

  pam_handle_t* handle() const { return pamh_; }
  int flags() const { return flags_; }

  // pam_get_user; the PAM code on failure (e.g. PAM_CONV_AGAIN). A user
  // name that is empty, over 256 bytes or holds a control character is
  // PAM_USER_UNKNOWN without asking the database.
  int GetUser(std::string& user);

  // PAM_SERVICE, PAM_RHOST, PAM_TTY and our pid.
  AuthContext Context() const;

  // pam_get_authtok for `item` (PAM_AUTHTOK or PAM_OLDAUTHTOK); libpam
  // reuses a token an earlier module set and honours use_first_pass,
  // use_authtok and authtok_type= from our arguments. `prompt` may be
  // null for libpam's default. The token is copied into `out`; the item
  // stays set for later modules, as PAM expects.
  int GetAuthtok(int item, const char* prompt, Secret& out);
  // The item as it is now, without asking; empty Secret if unset.
  Secret PeekAuthtok(int item) const;

  // One PAM_PROMPT_ECHO_OFF question through the conversation. The reply
  // is copied into `answer`, then wiped and freed (as pam_drop_response
  // does). A conversation error or a missing reply is returned as its code.
  int AskHidden(const char* prompt, Secret& answer);

  // PAM_ERROR_MSG / PAM_TEXT_INFO to the user, unless PAM_SILENT.
  void Error(std::string_view text);
  void Info(std::string_view text);

  // pam_syslog lines (LOG_AUTHPRIV via libpam, prefixed with the module
  // and service). Debug only when the debug option is on.
  void LogError(std::string_view text) const;
  void LogNotice(std::string_view text) const;
  void Debug(std::string_view text) const;

 private:
  void Say(int style, std::string_view text);

  pam_handle_t* pamh_;
  int flags_;
  bool debug_;
};

}  // namespace latchkey::pam

#endif  // LATCHKEY_PAM_MODULE_PAM_IO_H_
