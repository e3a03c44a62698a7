// Private: the transports behind MakeMailTransport.
#ifndef LATCHKEY_SRC_MAIL_MAIL_TRANSPORT_INTERNAL_H_
#define LATCHKEY_SRC_MAIL_MAIL_TRANSPORT_INTERNAL_H_

#include <memory>
#include <string>
#include <string_view>

#include "latchkey/base/result.h"
#include "latchkey/mail/mail_transport.h"

namespace latchkey::internal {

// `url` starts with smtp:// or smtps://.
Result<std::unique_ptr<MailTransport>> MakeSmtpTransport(
    const SmtpTls& tls, std::string_view url, const SmtpTimeouts& timeouts);
// `dir` is an absolute directory.
Result<std::unique_ptr<MailTransport>> MakeMaildirTransport(
    std::string_view dir);

}  // namespace latchkey::internal

#endif  // LATCHKEY_SRC_MAIL_MAIL_TRANSPORT_INTERNAL_H_
