#include "latchkey/mail/mail_transport.h"

#include "mail/mail_transport_internal.h"

namespace latchkey {

Result<std::unique_ptr<MailTransport>> MakeMailTransport(
    std::string_view url, const SmtpTimeouts& timeouts, const SmtpTls& tls) {
  if (url.starts_with("smtp://") || url.starts_with("smtps://")) {
    return internal::MakeSmtpTransport(tls, url, timeouts);
  }
  if (url.starts_with("maildir:")) {
    const std::string_view dir = url.substr(8);
    if (!dir.starts_with('/')) {
      return InvalidArgument("maildir: needs an absolute directory");
    }
    return internal::MakeMaildirTransport(dir);
  }
  return InvalidArgument(
      "the mail transport must start with smtp://, smtps:// or maildir:");
}

}  // namespace latchkey
