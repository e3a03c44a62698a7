// Building mail messages: addresses, header injection, RFC 2047 subjects,
// 7bit and quoted-printable bodies, dates; the retry schedule; mail texts;
// the QR code SVG.
#include "latchkey/mail/mail_message.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "latchkey/account/qr_svg.h"
#include "latchkey/base/encoding.h"
#include "latchkey/mail/mail.h"
#include "latchkey/mail/mail_texts.h"

namespace latchkey {
namespace {

std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find("\r\n", pos);
    if (end == std::string_view::npos) {
      if (pos < text.size()) out.emplace_back(text.substr(pos));
      break;
    }
    out.emplace_back(text.substr(pos, end - pos));
    pos = end + 2;
  }
  return out;
}

std::string Header(std::string_view message, std::string_view name) {
  const std::string want = std::string(name) + ": ";
  std::string value;
  bool in = false;
  for (const std::string& line : Lines(message)) {
    if (line.empty()) break;
    if (in && (line[0] == ' ' || line[0] == '\t')) {
      value += "\n" + line;
      continue;
    }
    in = line.starts_with(want);
    if (in) value = line.substr(want.size());
  }
  return value;
}

std::string Body(std::string_view message) {
  const size_t at = message.find("\r\n\r\n");
  return at == std::string_view::npos ? ""
                                      : std::string(message.substr(at + 4));
}

// Decodes each "=?UTF-8?B?...?=" word of a header value and joins them.
std::string DecodeWords(std::string_view value) {
  std::string out;
  size_t pos = 0;
  while ((pos = value.find("=?UTF-8?B?", pos)) != std::string_view::npos) {
    const size_t start = pos + 10;
    const size_t end = value.find("?=", start);
    auto decoded = Base64Decode(value.substr(start, end - start));
    EXPECT_TRUE(decoded.has_value());
    out += decoded.value_or("");
    pos = end + 2;
  }
  return out;
}

std::string DecodeQp(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '=') {
      out += text[i];
    } else if (text.substr(i + 1, 2) == "\r\n") {
      i += 2;
    } else {
      out += static_cast<char>(
          std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    }
  }
  return out;
}

OutgoingMail Mail() {
  OutgoingMail m;
  m.from = {"latchkey", "no-reply@example.org"};
  m.to = "bob@example.org";
  m.subject = "Activate your account";
  m.body = "Hello,\n\nopen https://accounts.example.org/activate?token=abc\n";
  m.date = 1'700'000'000;
  m.message_id = "0123abcd.7@example.org";
  return m;
}

TEST(MailboxTest, Parses) {
  auto m = ParseMailbox("latchkey <no-reply@example.org>");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->display_name, "latchkey");
  EXPECT_EQ(m->address, "no-reply@example.org");
  m = ParseMailbox("  \"Acme, Inc. \\\"IT\\\"\" <it@acme.example>  ");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->display_name, "Acme, Inc. \"IT\"");
  EXPECT_EQ(m->address, "it@acme.example");
  m = ParseMailbox("plain@example.org");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->display_name, "");
  EXPECT_EQ(m->address, "plain@example.org");
  m = ParseMailbox("<x@y.org>");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->address, "x@y.org");

  for (const char* bad : {"", "no at sign", "a <b@c.org", "a <b c@d.org>",
                          "@example.org", "bob@", "a <b@c.org>\r\nBcc: x@y.org",
                          "<a<b@c.org>", "x@y.org\nBcc: z@w.org"}) {
    EXPECT_FALSE(ParseMailbox(bad).ok()) << bad;
  }
}

TEST(MailboxTest, Formats) {
  EXPECT_EQ(FormatMailbox({"", "a@b.org"}), "<a@b.org>");
  EXPECT_EQ(FormatMailbox({"latchkey", "a@b.org"}), "latchkey <a@b.org>");
  EXPECT_EQ(FormatMailbox({"Acme, Inc.", "a@b.org"}),
            "\"Acme, Inc.\" <a@b.org>");
  EXPECT_EQ(FormatMailbox({"say \"hi\"", "a@b.org"}),
            "\"say \\\"hi\\\"\" <a@b.org>");
  const std::string encoded = FormatMailbox({"Zoë Konto", "a@b.org"});
  EXPECT_TRUE(encoded.starts_with("=?UTF-8?B?")) << encoded;
  EXPECT_TRUE(encoded.ends_with("?=\r\n <a@b.org>")) << encoded;
  EXPECT_EQ(DecodeWords(encoded), "Zoë Konto");
}

TEST(MailMessageTest, HeaderInjectionIsRefused) {
  for (const char* evil :
       {"Hi\r\nBcc: victim@example.org", "Hi\nX: y", "Hi\rX: y"}) {
    OutgoingMail m = Mail();
    m.subject = evil;
    EXPECT_EQ(BuildMessage(m).status().code(), StatusCode::kInvalidArgument);
    m = Mail();
    m.to = std::string("bob@example.org") + evil;
    EXPECT_EQ(BuildMessage(m).status().code(), StatusCode::kInvalidArgument);
    m = Mail();
    m.from.display_name = evil;
    EXPECT_EQ(BuildMessage(m).status().code(), StatusCode::kInvalidArgument);
    m = Mail();
    m.message_id = std::string("a@b") + evil;
    EXPECT_EQ(BuildMessage(m).status().code(), StatusCode::kInvalidArgument);
  }
  OutgoingMail m = Mail();
  m.subject = std::string("a\0b", 3);
  EXPECT_FALSE(BuildMessage(m).ok());
  m = Mail();
  m.body = std::string("a\0b", 3);
  EXPECT_FALSE(BuildMessage(m).ok());
  m = Mail();
  m.body = "\xff\xfe not utf-8";
  EXPECT_FALSE(BuildMessage(m).ok());
  m = Mail();
  m.to = "two@example.org, three@example.org";
  EXPECT_FALSE(BuildMessage(m).ok());
  EXPECT_EQ(CheckHeaderValue("fine", "x").code(), StatusCode::kOk);
  EXPECT_EQ(CheckHeaderValue("a\nb", "the subject").message(),
            "the subject must not contain line breaks or NUL");
}

TEST(MailMessageTest, AsciiMailIs7bitWithAllHeaders) {
  auto msg = BuildMessage(Mail());
  ASSERT_TRUE(msg.ok()) << msg.status().ToString();
  EXPECT_EQ(Header(*msg, "From"), "latchkey <no-reply@example.org>");
  EXPECT_EQ(Header(*msg, "To"), "<bob@example.org>");
  EXPECT_EQ(Header(*msg, "Subject"), "Activate your account");
  EXPECT_EQ(Header(*msg, "Date"), "Tue, 14 Nov 2023 22:13:20 +0000");
  EXPECT_EQ(Header(*msg, "Message-ID"), "<0123abcd.7@example.org>");
  EXPECT_EQ(Header(*msg, "MIME-Version"), "1.0");
  EXPECT_EQ(Header(*msg, "Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(Header(*msg, "Content-Transfer-Encoding"), "7bit");
  EXPECT_EQ(Header(*msg, "Auto-Submitted"), "auto-generated");
  EXPECT_EQ(Body(*msg),
            "Hello,\r\n\r\nopen "
            "https://accounts.example.org/activate?token=abc\r\n");
  // Every line ends in CRLF: no bare LF or CR anywhere.
  for (size_t i = 0; i < msg->size(); ++i) {
    if ((*msg)[i] == '\n') {
      ASSERT_GT(i, 0u);
      EXPECT_EQ((*msg)[i - 1], '\r');
    }
    if ((*msg)[i] == '\r') {
      EXPECT_EQ((*msg)[i + 1], '\n');
    }
  }
}

TEST(MailMessageTest, NonAsciiSubjectIsEncodedInShortWords) {
  OutgoingMail m = Mail();
  m.subject =
      "Passwort geändert – ein sehr langer Betreff mit Umlauten: "
      "äöü ÄÖÜ ß 🙂 und noch mehr Text, damit er gefaltet wird";
  auto msg = BuildMessage(m);
  ASSERT_TRUE(msg.ok());
  const std::string subject = Header(*msg, "Subject");
  EXPECT_EQ(DecodeWords(subject), m.subject);
  size_t lines = 0;
  for (const std::string& line : Lines(*msg)) {
    if (line.empty()) break;
    EXPECT_LE(line.size(), 76u) << line;
    if (line.starts_with("Subject:") || line.starts_with(" =?UTF-8")) ++lines;
  }
  EXPECT_GT(lines, 1u);  // folded
  // Each word is at most 75 characters.
  size_t pos = 0;
  while ((pos = subject.find("=?UTF-8?B?", pos)) != std::string::npos) {
    const size_t end = subject.find("?=", pos + 10) + 2;
    EXPECT_LE(end - pos, 75u);
    pos = end;
  }
}

TEST(MailMessageTest, LongAsciiSubjectIsFolded) {
  OutgoingMail m = Mail();
  m.subject = "";
  for (int i = 0; i < 30; ++i) m.subject += "word" + std::to_string(i) + " ";
  m.subject += "end";
  auto msg = BuildMessage(m);
  ASSERT_TRUE(msg.ok());
  for (const std::string& line : Lines(*msg)) {
    if (line.empty()) break;
    EXPECT_LE(line.size(), 78u) << line;
  }
  std::string unfolded = Header(*msg, "Subject");
  std::string joined;
  for (const char c : unfolded) {
    if (c != '\n') joined += c;
  }
  EXPECT_EQ(joined, m.subject);
}

TEST(MailMessageTest, NonAsciiBodyIsQuotedPrintable) {
  OutgoingMail m = Mail();
  m.body = "Hallo Zoë,\n\nlink: https://x.example/reset?token=a=b\n" +
           std::string(200, 'x') + "\ntrailing space \n.\nend";
  auto msg = BuildMessage(m);
  ASSERT_TRUE(msg.ok());
  EXPECT_EQ(Header(*msg, "Content-Transfer-Encoding"), "quoted-printable");
  const std::string body = Body(*msg);
  for (const std::string& line : Lines(body)) {
    EXPECT_LE(line.size(), 76u) << line;
    EXPECT_FALSE(line.ends_with(" ")) << line;
    for (const char c : line) {
      EXPECT_TRUE(c >= 0x20 && c < 0x7f) << line;
    }
  }
  std::string expected;
  for (const char c : m.body) {
    if (c == '\n') expected += '\r';
    expected += c;
  }
  EXPECT_EQ(DecodeQp(body), expected + "\r\n");
}

TEST(MailMessageTest, LongAsciiLineMakesTheBodyQuotedPrintable) {
  OutgoingMail m = Mail();
  m.body = std::string(100, 'a') + "\n";
  auto msg = BuildMessage(m);
  ASSERT_TRUE(msg.ok());
  EXPECT_EQ(Header(*msg, "Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_EQ(DecodeQp(Body(*msg)), std::string(100, 'a') + "\r\n");
}

TEST(MailMessageTest, Dates) {
  EXPECT_EQ(Rfc5322Date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(Rfc5322Date(1'700'000'000), "Tue, 14 Nov 2023 22:13:20 +0000");
  EXPECT_EQ(Rfc5322Date(951'782'400), "Tue, 29 Feb 2000 00:00:00 +0000");
  EXPECT_EQ(mail_texts::FormatUtc(1'700'000'000), "2023-11-14 22:13 UTC");
}

TEST(MailRetryTest, BacksOffExponentiallyUpToAnHour) {
  EXPECT_EQ(RetryDelay(1).count(), 30);
  EXPECT_EQ(RetryDelay(2).count(), 60);
  EXPECT_EQ(RetryDelay(3).count(), 120);
  EXPECT_EQ(RetryDelay(7).count(), 1920);
  EXPECT_EQ(RetryDelay(8).count(), 3600);
  EXPECT_EQ(RetryDelay(1000).count(), 3600);
  EXPECT_EQ(RetryDelay(0).count(), 30);
}

TEST(MailTextsTest, LinksAndNoSecretsWhereTheyDoNotBelong) {
  Config c;
  c.portal.base_url = "https://accounts.example.org";
  c.totp.issuer = "Acme";
  User u;
  u.username = "bob";
  u.full_name = "Bob Builder";
  u.email = "bob@example.org";
  MailText t = mail_texts::Activation(c, u, "TOKEN123");
  EXPECT_EQ(t.subject, "[Acme] Activate your account");
  EXPECT_NE(t.body.find("https://accounts.example.org/activate?token=TOKEN123"),
            std::string::npos);
  EXPECT_NE(t.body.find("Hello Bob Builder,"), std::string::npos);
  EXPECT_NE(t.body.find("TOKEN123\n\nThe link is valid for 48 hours and "
                        "works once.\nIf you did not create this account"),
            std::string::npos)
      << t.body;
  t = mail_texts::PasswordReset(c, u, "RST");
  EXPECT_NE(t.body.find("https://accounts.example.org/reset?token=RST"),
            std::string::npos);
  EXPECT_NE(t.body.find("RST\n\nThe link is valid for 1 hour and works "
                        "once.\nIf you did not ask"),
            std::string::npos)
      << t.body;
  t = mail_texts::EmailChangeConfirm(c, u, "new@example.org", "EC");
  EXPECT_NE(t.body.find("https://accounts.example.org/email/confirm?token=EC"),
            std::string::npos);
  EXPECT_NE(t.body.find("The link is valid for 48 hours and works once."),
            std::string::npos)
      << t.body;
  EXPECT_NE(t.body.find("new@example.org"), std::string::npos);
  t = mail_texts::RegistrationAttempt(c);
  EXPECT_EQ(t.body.find("bob"), std::string::npos);
  EXPECT_NE(t.body.find("https://accounts.example.org/forgot"),
            std::string::npos);
  AuthContext ctx;
  ctx.service = "sshd";
  ctx.rhost = "203.0.113.5\n<script>";
  t = mail_texts::AccountLocked(c, u, 1'700'000'060, ctx);
  EXPECT_NE(t.body.find("locked until 2023-11-14 22:14 UTC"),
            std::string::npos);
  EXPECT_NE(t.body.find("from 203.0.113.5\\x0a<script> (sshd)"),
            std::string::npos)
      << t.body;
  // Every text builds into a valid message.
  const std::vector<MailText> all = {
      mail_texts::Activation(c, u, "t"),
      mail_texts::RegistrationAttempt(c),
      mail_texts::PasswordReset(c, u, "t"),
      mail_texts::PasswordChanged(c, u, 1, ctx),
      mail_texts::EmailChangeConfirm(c, u, "n@example.org", "t"),
      mail_texts::EmailChangeNotice(c, u, "n@example.org"),
      mail_texts::EmailInUse(c),
      mail_texts::TotpEnabled(c, u, 1),
      mail_texts::TotpDisabled(c, u, 1),
      mail_texts::RecoveryCodesRegenerated(c, u, 1),
      mail_texts::AccountLocked(c, u, 1, ctx),
      mail_texts::NewLogin(c, u, 1, ctx),
      mail_texts::TotpReplay(c, u, 1, ctx)};
  std::set<std::string> subjects;
  for (const MailText& text : all) {
    OutgoingMail m = Mail();
    m.subject = text.subject;
    m.body = text.body;
    EXPECT_TRUE(BuildMessage(m).ok()) << text.subject;
    EXPECT_TRUE(text.subject.starts_with("[Acme] ")) << text.subject;
    subjects.insert(text.subject);
  }
  EXPECT_EQ(subjects.size(), all.size());
}

// Reads the SVG's path back into a bitmap of modules.
std::vector<std::vector<bool>> Modules(const std::string& svg, int* size) {
  const size_t vb = svg.find("viewBox=\"0 0 ");
  *size = std::stoi(svg.substr(vb + 13));
  std::vector<std::vector<bool>> grid(
      static_cast<size_t>(*size),
      std::vector<bool>(static_cast<size_t>(*size)));
  const size_t d = svg.find(" d=\"") + 4;
  const std::string path = svg.substr(d, svg.find('"', d) - d);
  size_t pos = 0;
  while (pos < path.size()) {
    int x = 0, y = 0, run = 0, run2 = 0;
    int used = 0;
    EXPECT_EQ(std::sscanf(path.c_str() + pos, "M%d %dh%dv1h-%dz%n", &x, &y,
                          &run, &run2, &used),
              4);
    EXPECT_EQ(run, run2);
    if (used == 0) break;
    for (int i = 0; i < run; ++i) {
      grid[static_cast<size_t>(y)][static_cast<size_t>(x + i)] = true;
    }
    pos += static_cast<size_t>(used);
  }
  return grid;
}

TEST(QrSvgTest, DrawsAQrCodeWithFinderPatterns) {
  auto svg = QrSvg(
      "otpauth://totp/latchkey:bob?secret=JBSWY3DPEHPK3PXP&issuer=latchkey&"
      "algorithm=SHA1&digits=6&period=30");
  ASSERT_TRUE(svg.ok()) << svg.status().ToString();
  EXPECT_TRUE(svg->starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_TRUE(svg->ends_with("</svg>"));
  EXPECT_NE(svg->find("role=\"img\""), std::string::npos);
  // Nothing that could need escaping in HTML.
  EXPECT_EQ(svg->find('&'), std::string::npos);
  EXPECT_EQ(svg->find('\''), std::string::npos);
  int size = 0;
  const auto grid = Modules(*svg, &size);
  const int width = size - 8;  // quiet zone of 4 on each side
  ASSERT_GE(width, 21);
  EXPECT_EQ((width - 17) % 4, 0);  // QR sizes are 17 + 4 * version
  // The three 7x7 finder patterns: dark ring, light ring, dark 3x3 core.
  const auto finder_at = [&](int ox, int oy) {
    for (int y = 0; y < 7; ++y) {
      for (int x = 0; x < 7; ++x) {
        const bool ring = x == 0 || y == 0 || x == 6 || y == 6;
        const bool core = x >= 2 && x <= 4 && y >= 2 && y <= 4;
        EXPECT_EQ(
            grid[static_cast<size_t>(oy + y)][static_cast<size_t>(ox + x)],
            ring || core)
            << "finder at " << ox << "," << oy << " module " << x << "," << y;
      }
    }
  };
  finder_at(4, 4);
  finder_at(4 + width - 7, 4);
  finder_at(4, 4 + width - 7);
  // The quiet zone is light.
  for (int i = 0; i < size; ++i) {
    EXPECT_FALSE(grid[0][static_cast<size_t>(i)]);
    EXPECT_FALSE(grid[static_cast<size_t>(i)][3]);
  }
}

TEST(QrSvgTest, RefusesWhatCannotBeEncoded) {
  EXPECT_EQ(QrSvg("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(QrSvg(std::string("a\0b", 3)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(QrSvg(std::string(5000, 'x')).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace latchkey
