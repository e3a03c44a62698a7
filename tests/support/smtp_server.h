// A real SMTP server for integration tests: tests/support/smtp_server.py
// (python3-aiosmtpd) on a loopback port, storing each message it accepts as
// a file in dir()/new. It can be stopped and started again on the same
// port, to test delivery while the server is down.
#ifndef LATCHKEY_TESTS_SUPPORT_SMTP_SERVER_H_
#define LATCHKEY_TESTS_SUPPORT_SMTP_SERVER_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/base/status.h"
#include "support/temp_dir.h"

namespace latchkey::testing {

class SmtpTestServer {
 public:
  struct Options {
    std::string auth;  // "user:password": require SMTP AUTH
    bool tls = false;  // offer STARTTLS with a self-signed certificate
  };
  // Picks a free loopback port; does not start the server.
  SmtpTestServer() : SmtpTestServer(Options{}) {}
  explicit SmtpTestServer(Options options);
  // Stops the server if running.
  ~SmtpTestServer();
  SmtpTestServer(const SmtpTestServer&) = delete;
  SmtpTestServer& operator=(const SmtpTestServer&) = delete;

  // Starts (or restarts) the server on port() and waits until it listens.
  Status Start();
  // Stops it (no error if it is not running).
  Status Stop();

  uint16_t port() const { return port_; }
  const std::string& dir() const { return dir_.path(); }
  // "smtp://127.0.0.1:<port>".
  std::string url() const;

  // The raw received messages (envelope headers first), oldest first.
  std::vector<std::string> Messages() const;
  // Waits until at least `n` messages arrived; returns Messages() then
  // (fewer if the timeout passed).
  std::vector<std::string> WaitForMessages(
      size_t n,
      std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

 private:
  Status Run(const std::vector<std::string>& args) const;

  Options options_;
  TempDir dir_;
  uint16_t port_ = 0;
};

// The value of header `name` (case-insensitive; unfolded) in a raw
// message, or "" if absent.
std::string MailHeader(std::string_view message, std::string_view name);
// The body after the blank line (raw: still transfer-encoded).
std::string MailBody(std::string_view message);
// Decodes quoted-printable (soft line breaks, =XX).
std::string DecodeQuotedPrintable(std::string_view text);
// The first "<base>...?token=TOKEN" in `text`, returning TOKEN; "" if none.
std::string TokenFromLink(std::string_view text, std::string_view path);

}  // namespace latchkey::testing

#endif  // LATCHKEY_TESTS_SUPPORT_SMTP_SERVER_H_
