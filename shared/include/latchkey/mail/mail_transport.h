// MailTransport: hands one finished message to the outside world. The
// outbox worker (mail.h) is its only caller.
//
//   smtp://[user:password@]host[:port][/ehlo-name][?starttls=required]
//       SMTP through libcurl (port 25 by default). STARTTLS is used when
//       the server offers it; starttls=required refuses a server without
//       it. With a user name, TLS is required unless starttls=try says
//       otherwise, so a password never crosses the network in clear by
//       default.
//   smtps://[user:password@]host[:port][/ehlo-name]
//       SMTP over TLS from the first byte (port 465).
//   Whenever TLS is used (STARTTLS or smtps), the server's certificate
//   and host name are verified against SmtpTls::ca or the system CAs,
//   unless SmtpTls::verify is off ([mail] tls_verify = off, an explicit
//   choice for a local relay). A certificate that fails is an Unavailable
//   send error, retried like any other.
//   maildir:/absolute/dir
//       Writes each message as a file into DIR/new (via DIR/tmp and an
//       atomic rename), creating DIR, DIR/tmp, DIR/new and DIR/cur (0700)
//       when missing. For the demo and tests.
//
// Credentials in the URL are percent-decoded, sent with SMTP AUTH and never
// appear in messages or Describe(). The config file that holds them is
// already refused when readable by others.
#ifndef LATCHKEY_MAIL_MAIL_TRANSPORT_H_
#define LATCHKEY_MAIL_MAIL_TRANSPORT_H_

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "latchkey/base/result.h"
#include "latchkey/base/status.h"
#include "latchkey/config/config.h"

namespace latchkey {

class MailTransport {
 public:
  virtual ~MailTransport() = default;
  // Delivers `message` (RFC 5322 text, CRLF line ends, see BuildMessage)
  // from envelope sender `from` to the one recipient `to` (addr-specs).
  // Errors: Unavailable when the server cannot be reached or refuses for
  // now (worth retrying), InvalidArgument when it refuses the message or a
  // recipient for good, IoError for maildir write failures. The message
  // names the server (never credentials) and the reason.
  virtual Status Send(std::string_view from, std::string_view to,
                      std::string_view message) = 0;
  // What it delivers to, without credentials, e.g. "smtp://127.0.0.1:25".
  virtual std::string Describe() const = 0;
};

// How SMTP TLS checks the server ([mail] tls_verify, tls_ca).
struct SmtpTls {
  bool verify = true;  // certificate chain and host name
  std::string ca;      // CA file; empty: libcurl's system CAs
};

struct SmtpTimeouts {
  std::chrono::milliseconds connect{10'000};
  std::chrono::milliseconds total{60'000};  // whole transaction
};

// Builds the transport the [mail] transport URL names. Errors:
// InvalidArgument for a URL it cannot use (unknown scheme, bad option).
// Nothing is contacted or created yet.
Result<std::unique_ptr<MailTransport>> MakeMailTransport(
    std::string_view url, const SmtpTimeouts& timeouts = {},
    const SmtpTls& tls = {});

}  // namespace latchkey

#endif  // LATCHKEY_MAIL_MAIL_TRANSPORT_H_
