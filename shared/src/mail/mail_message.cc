#include "latchkey/mail/mail_message.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "base/utf8_seq.h"
#include "latchkey/base/encoding.h"
#include "latchkey/base/strings.h"

namespace latchkey {
namespace {

constexpr size_t kMaxAddress = 254;
constexpr size_t kEncodedWordMax = 75;
constexpr std::string_view kEncodedWordOpen = "=?UTF-8?B?";
constexpr std::string_view kEncodedWordClose = "?=";

bool ValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = internal::Utf8SequenceAt(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

bool IsPrintableAscii(std::string_view s) {
  for (const char c : s) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}
Status CheckAddress(std::string_view addr) {
  const size_t at = addr.rfind('@');
  if (addr.empty() || addr.size() > kMaxAddress || at == 0 ||
      at == std::string_view::npos || at + 1 == addr.size() ||
      addr.find_first_of(" \t<>()\",;:\\[]") != std::string_view::npos) {
    return InvalidArgument("not a valid mail address");
  }
  for (const char c : addr) {
    if (static_cast<uint8_t>(c) < 0x21 || c == 0x7F) {
      return InvalidArgument("not a valid mail address");
    }
  }
  return ValidUtf8(addr) ? Status::Ok()
                         : InvalidArgument("not a valid mail address");
}

// RFC 5322 atext plus space: a display name made of these needs no quotes.
bool IsPhraseChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
      (c >= '0' && c <= '9')) {
    return true;
  }
  return std::string_view(" !#$%&'*+-/=?^_`{|}~").find(c) !=
         std::string_view::npos;
}

// Splits `value` into encoded words, never inside a UTF-8 sequence, one
// per line (joined by CRLF SP), so that each line stays within 76
// characters: the first after `first_line_used` characters, the others
// after the folding space. A word is 12 characters of markup plus 4 base64
// characters per 3 bytes (at most 75 characters in all, RFC 2047).
std::string EncodedWords(std::string_view value, size_t first_line_used) {
  const auto bytes_for = [](size_t room) -> size_t {
    const size_t words_room = std::min<size_t>(room, kEncodedWordMax);
    return words_room <= 16 ? 3 : (words_room - 12) / 4 * 3;
  };
  std::string out;
  size_t max_bytes = bytes_for(first_line_used < 76 ? 76 - first_line_used : 0);
  size_t i = 0;
  while (i < value.size()) {
    size_t end = i;
    while (end < value.size()) {
      size_t n = internal::Utf8SequenceAt(value, end);
      if (n == 0) n = 1;  // callers validated; never loop forever
      if (end + n - i > max_bytes && end > i) break;
      end += n;
    }
    if (!out.empty()) out += "\r\n ";
    out += kEncodedWordOpen;
    out += Base64Encode(value.substr(i, end - i));
    out += kEncodedWordClose;
    i = end;
    max_bytes = bytes_for(75);
  }
  return out;
}

}  // namespace

Status CheckHeaderValue(std::string_view value, std::string_view what) {
  if (value.find_first_of(std::string_view("\r\n\0", 3)) !=
      std::string_view::npos) {
    return InvalidArgument(std::string(what) +
                           " must not contain line breaks or NUL");
  }
  if (!ValidUtf8(value)) {
    return InvalidArgument(std::string(what) + " is not valid UTF-8");
  }
  return Status::Ok();
}

Result<Mailbox> ParseMailbox(std::string_view text) {
  LK_RETURN_IF_ERROR(CheckHeaderValue(text, "the mail address"));
  text = Trim(text);
  Mailbox out;
  const size_t open = text.rfind('<');
  if (open == std::string_view::npos) {
    out.address = std::string(text);
  } else {
    if (!text.ends_with('>')) {
      return InvalidArgument("not a valid mail address: missing '>'");
    }
    out.address = std::string(text.substr(open + 1, text.size() - open - 2));
    std::string_view name = Trim(text.substr(0, open));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      name = name.substr(1, name.size() - 2);
      std::string unquoted;
      for (size_t i = 0; i < name.size(); ++i) {
        if (name[i] == '\\' && i + 1 < name.size()) ++i;
        unquoted += name[i];
      }
      out.display_name = std::move(unquoted);
    } else if (name.find_first_of("<>\"") != std::string_view::npos) {
      return InvalidArgument("not a valid mail address: quote the name");
    } else {
      out.display_name = std::string(name);
    }
  }
  LK_RETURN_IF_ERROR(CheckAddress(out.address));
  return out;
}

std::string EncodeHeaderText(std::string_view value, size_t name_length) {
  if (!IsPrintableAscii(value)) return EncodedWords(value, name_length);
  // Fold at spaces so that lines stay under 78 characters where possible.
  std::string out;
  size_t line = name_length;
  size_t i = 0;
  while (i < value.size()) {
    size_t next = value.find(' ', i + 1);
    if (next == std::string_view::npos) next = value.size();
    const std::string_view word = value.substr(i, next - i);
    if (line + word.size() > 77 && i > 0 && word.front() == ' ') {
      out += "\r\n";
      line = 0;
    }
    out += word;
    line += word.size();
    i = next;
  }
  return out;
}

std::string FormatMailbox(const Mailbox& mailbox) {
  const std::string addr = "<" + mailbox.address + ">";
  const std::string_view name = mailbox.display_name;
  if (name.empty()) return addr;
  if (!IsPrintableAscii(name)) {
    // "From: " is 6 characters; the address goes on a line of its own.
    return EncodedWords(name, 6) + "\r\n " + addr;
  }
  bool plain = true;
  for (const char c : name) plain = plain && IsPhraseChar(c);
  if (plain && name.front() != ' ' && name.back() != ' ') {
    return std::string(name) + " " + addr;
  }
  std::string quoted = "\"";
  for (const char c : name) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\" " + addr;
}

std::string QuotedPrintable(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  size_t line = 0;
  const auto emit = [&](std::string_view piece) {
    if (line + piece.size() > 75) {  // 75 + the soft break's '=' = 76
      out += "=\r\n";
      line = 0;
    }
    out += piece;
    line += piece.size();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<uint8_t>(text[i]);
    if (c == '\n' ||
        (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) {
      if (c == '\r') ++i;
      out += "\r\n";
      line = 0;
      continue;
    }
    const bool at_line_end =
        i + 1 == text.size() || text[i + 1] == '\n' || text[i + 1] == '\r';
    const bool literal = (c >= 33 && c <= 126 && c != '=') ||
                         ((c == ' ' || c == '\t') && !at_line_end);
    if (literal) {
      const char ch = static_cast<char>(c);
      emit(std::string_view(&ch, 1));
    } else {
      const char enc[3] = {'=', kHex[c >> 4], kHex[c & 0xF]};
      emit(std::string_view(enc, 3));
    }
  }
  return out;
}

std::string Rfc5322Date(int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed",
                                          "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr",
                                            "May", "Jun", "Jul", "Aug",
                                            "Sep", "Oct", "Nov", "Dec"};
  char buf[128];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000",
                kDays[tm.tm_wday % 7], tm.tm_mday, kMonths[tm.tm_mon % 12],
                tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

Result<std::string> BuildMessage(const OutgoingMail& mail) {
  LK_RETURN_IF_ERROR(
      CheckHeaderValue(mail.from.display_name, "the sender name"));
  LK_RETURN_IF_ERROR(CheckHeaderValue(mail.from.address, "the sender"));
  LK_RETURN_IF_ERROR(CheckHeaderValue(mail.to, "the recipient"));
  LK_RETURN_IF_ERROR(CheckHeaderValue(mail.subject, "the subject"));
  LK_RETURN_IF_ERROR(CheckHeaderValue(mail.message_id, "the message id"));
  LK_RETURN_IF_ERROR(CheckAddress(mail.from.address).WithContext("sender"));
  LK_RETURN_IF_ERROR(CheckAddress(mail.to).WithContext("recipient"));
  if (mail.message_id.empty() ||
      mail.message_id.find_first_of("<> ") != std::string::npos ||
      mail.message_id.find('@') == std::string::npos) {
    return InvalidArgument("the message id must look like local@domain");
  }
  if (!ValidUtf8(mail.body) || mail.body.find('\0') != std::string::npos) {
    return InvalidArgument("the mail body must be UTF-8 text without NUL");
  }

  // 7bit when every line is short ASCII without stray CRs; else QP.
  bool seven_bit = true;
  size_t line = 0;
  for (size_t i = 0; i < mail.body.size() && seven_bit; ++i) {
    const auto c = static_cast<uint8_t>(mail.body[i]);
    if (c == '\n') {
      line = 0;
    } else if (c == '\r') {
      seven_bit = i + 1 < mail.body.size() && mail.body[i + 1] == '\n';
    } else {
      seven_bit = c < 0x80 && ++line <= 76;
    }
  }

  std::string out;
  out += "From: " + FormatMailbox(mail.from) + "\r\n";
  out += "To: <" + mail.to + ">\r\n";
  out += "Subject: " + EncodeHeaderText(mail.subject, 9) + "\r\n";
  out += "Date: " + Rfc5322Date(mail.date) + "\r\n";
  out += "Message-ID: <" + mail.message_id + ">\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\n";
  out += std::string("Content-Transfer-Encoding: ") +
         (seven_bit ? "7bit" : "quoted-printable") + "\r\n";
  out += "Auto-Submitted: auto-generated\r\n";
  out += "\r\n";
  if (seven_bit) {
    for (size_t i = 0; i < mail.body.size(); ++i) {
      const char c = mail.body[i];
      if (c == '\r') continue;  // only ever before '\n' here
      if (c == '\n') {
        out += "\r\n";
      } else {
        out += c;
      }
    }
  } else {
    out += QuotedPrintable(mail.body);
  }
  if (!out.ends_with("\r\n")) out += "\r\n";
  return out;
}

}  // namespace latchkey
