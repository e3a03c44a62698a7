// Building RFC 5322 mail messages: plain text in UTF-8, headers that cannot
// be injected into (a CR, LF or NUL in any header value is refused), RFC
// 2047 encoded words for non-ASCII subjects and display names, and a body
// in 7bit (ASCII, short lines) or quoted-printable (anything else).
//
// Pure: no database, no network.
#ifndef LATCHKEY_MAIL_MAIL_MESSAGE_H_
#define LATCHKEY_MAIL_MAIL_MESSAGE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "latchkey/base/result.h"
#include "latchkey/base/status.h"

namespace latchkey {

// A sender such as `latchkey <no-reply@example.org>`.
struct Mailbox {
  std::string display_name;  // "" for none; any UTF-8
  std::string address;       // addr-spec, e.g. no-reply@example.org
};

// Parses "Name <addr>", "<addr>" or a bare "addr". The name may be quoted
// ("Name"). Errors: InvalidArgument for CR/LF/NUL, a missing or malformed
// address (no '@', spaces, '<' or '>' inside, longer than 254 bytes).
Result<Mailbox> ParseMailbox(std::string_view text);

// OK unless `value` holds CR, LF or NUL (header injection) or is not valid
// UTF-8. Errors: InvalidArgument naming `what` ("subject", ...).
Status CheckHeaderValue(std::string_view value, std::string_view what);

// An unstructured header value (Subject): as is when printable ASCII,
// folded at spaces to lines under 78 characters; otherwise RFC 2047
// "=?UTF-8?B?...?=" words of at most 75 characters, split between UTF-8
// characters, one per line. `name_length` is the length of "Subject: ".
std::string EncodeHeaderText(std::string_view value, size_t name_length);

// A Mailbox for From/To: `"Display Name" <addr>` (quoted as needed, or
// encoded words when non-ASCII), or `<addr>` without a name.
std::string FormatMailbox(const Mailbox& mailbox);

// RFC 2045 quoted-printable with CRLF line ends and lines of at most 76
// characters; `text` line ends (LF or CRLF) become hard CRLF breaks.
std::string QuotedPrintable(std::string_view text);

// "Tue, 14 Nov 2023 22:13:20 +0000".
std::string Rfc5322Date(int64_t unix_seconds);

struct OutgoingMail {
  Mailbox from;
  std::string to;          // addr-spec
  std::string subject;     // UTF-8, one line
  std::string body;        // UTF-8 plain text, LF or CRLF line ends
  int64_t date = 0;        // Unix seconds
  std::string message_id;  // without <>, e.g. "abc123@example.org"
};

// The whole message (headers, blank line, body) with CRLF line ends:
// From, To, Subject, Date, Message-ID, MIME-Version, Content-Type
// (text/plain; charset=utf-8), Content-Transfer-Encoding and
// Auto-Submitted: auto-generated. Errors: InvalidArgument for a CR/LF/NUL
// in from/to/subject/message_id, a malformed address, or a body that is not
// valid UTF-8 or holds NUL.
Result<std::string> BuildMessage(const OutgoingMail& mail);

}  // namespace latchkey

#endif  // LATCHKEY_MAIL_MAIL_MESSAGE_H_
