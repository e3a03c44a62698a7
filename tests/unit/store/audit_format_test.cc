// Escaping and bounding of attacker strings, and the syslog line.
#include <gtest/gtest.h>

#include <string>

#include "latchkey/store/audit.h"

namespace latchkey {
namespace {

// True if `s` is valid UTF-8 with no control characters.
bool CleanUtf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return false;
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
    if (c >= 0x80 && (c < 0xC2 || c > 0xF4)) return false;
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

TEST(EscapeLogFieldTest, PlainTextPassesThrough) {
  EXPECT_EQ(EscapeLogField("bob", 64), "bob");
  EXPECT_EQ(EscapeLogField("203.0.113.5", 255), "203.0.113.5");
  EXPECT_EQ(EscapeLogField("Zoë Ångström 山田", 64), "Zoë Ångström 山田");
  EXPECT_EQ(EscapeLogField("", 64), "");
}

TEST(EscapeLogFieldTest, ControlCharactersAreHexEscaped) {
  EXPECT_EQ(EscapeLogField("a\nb", 64), "a\\x0ab");
  EXPECT_EQ(EscapeLogField("a\rb\tc", 64), "a\\x0db\\x09c");
  EXPECT_EQ(EscapeLogField(std::string("a\0b", 3), 64), "a\\x00b");
  EXPECT_EQ(EscapeLogField("\x1b[31mred", 64), "\\x1b[31mred");
  EXPECT_EQ(EscapeLogField("x\x7fy", 64), "x\\x7fy");
  // C1 control U+0085 (NEL) is valid UTF-8 but still a line break to some.
  EXPECT_EQ(EscapeLogField("a\xc2\x85z", 64), "a\\xc2\\x85z");
}

TEST(EscapeLogFieldTest, ForgedLogLinesStayOnOneLine) {
  const std::string attack =
      "bob\nMay  1 00:00:00 host sshd[1]: Accepted password for root";
  const std::string out = EscapeLogField(attack, 255);
  EXPECT_EQ(out.find('\n'), std::string::npos);
  EXPECT_NE(out.find("\\x0a"), std::string::npos);
}

TEST(EscapeLogFieldTest, QuotesAndBackslashesAreEscaped) {
  EXPECT_EQ(EscapeLogField("a\"b", 64), "a\\\"b");
  EXPECT_EQ(EscapeLogField("a\\b", 64), "a\\\\b");
  // A literal "\x41" typed by someone stays distinguishable from an escape.
  EXPECT_EQ(EscapeLogField("\\x41", 64), "\\\\x41");
}

TEST(EscapeLogFieldTest, InvalidUtf8BytesAreHexEscaped) {
  EXPECT_EQ(EscapeLogField("a\xff"
                           "b",
                           64),
            "a\\xffb");
  EXPECT_EQ(EscapeLogField("\xc3", 64), "\\xc3");           // truncated
  EXPECT_EQ(EscapeLogField("\xc0\xaf", 64), "\\xc0\\xaf");  // overlong
  EXPECT_EQ(EscapeLogField("\xed\xa0\x80", 64),
            "\\xed\\xa0\\x80");                    // surrogate
  EXPECT_EQ(EscapeLogField("\x80", 64), "\\x80");  // stray continuation
  EXPECT_TRUE(CleanUtf8(EscapeLogField("\xf8\x88\x80\x80\x80 x", 64)));
}

TEST(EscapeLogFieldTest, BidiOverridesAreEscaped) {
  // U+202E RIGHT-TO-LEFT OVERRIDE.
  EXPECT_EQ(EscapeLogField("a\xe2\x80\xae"
                           "b",
                           64),
            "a\\xe2\\x80\\xaeb");
}

TEST(EscapeLogFieldTest, BoundedInCodePointsOnABoundary) {
  EXPECT_EQ(EscapeLogField(std::string(100, 'a'), 64), std::string(64, 'a'));
  // 70 two-byte characters cut to 64 characters (128 bytes), never inside
  // a character.
  std::string umlauts;
  for (int i = 0; i < 70; ++i) umlauts += "ü";
  const std::string cut = EscapeLogField(umlauts, 64);
  EXPECT_EQ(cut.size(), 128u);
  EXPECT_TRUE(CleanUtf8(cut));
  // An escape that does not fit is left out whole, not cut in half.
  EXPECT_EQ(EscapeLogField("abc\n", 5), "abc");
  EXPECT_EQ(EscapeLogField("abc\n", 7), "abc\\x0a");
  EXPECT_EQ(EscapeLogField("ab\"", 3), "ab");
}

TEST(EscapeLogFieldTest, HostileInputAlwaysComesOutClean) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  for (size_t max : {0u, 1u, 5u, 64u, 255u, 2000u}) {
    const std::string out = EscapeLogField(all + all, max);
    EXPECT_TRUE(CleanUtf8(out)) << max;
    EXPECT_LE(out.size(), max * 4);
  }
}

TEST(LogValueTest, SimpleValuesAreBareOthersQuoted) {
  EXPECT_EQ(LogValue("bob", 64), "bob");
  EXPECT_EQ(LogValue("bob@example.org", 64), "bob@example.org");
  EXPECT_EQ(LogValue("2001:db8::1", 255), "2001:db8::1");
  EXPECT_EQ(LogValue("", 64), "\"\"");
  EXPECT_EQ(LogValue("bob outcome=ok", 64), "\"bob outcome=ok\"");
  EXPECT_EQ(LogValue("a\"b", 64), "\"a\\\"b\"");
  EXPECT_EQ(LogValue(std::string(70, 'a'), 64),
            "\"" + std::string(64, 'a') + "\"");
}

TEST(FormatAuditLineTest, MatchesTheDocumentedShape) {
  AuthContext ctx;
  ctx.service = "sshd";
  ctx.rhost = "203.0.113.5";
  AuditRecord r;
  r.event = AuditEvent::kLoginFailure;
  r.username_tried = "bob";
  r.outcome = AuditOutcome::kFail;
  r.detail = "wrong password";
  EXPECT_EQ(FormatAuditLine(r, ctx),
            "latchkey[sshd]: login_failure user=bob rhost=203.0.113.5 "
            "outcome=fail detail=\"wrong password\"");
}

TEST(FormatAuditLineTest, OptionalFieldsAndHostileValues) {
  AuthContext ctx;
  ctx.service = "portal";
  ctx.rhost = "";
  ctx.tty = "pts/0";
  ctx.user_agent = "Mozilla/5.0 (X11)\n";
  ctx.pid = 42;
  AuditRecord r;
  r.event = AuditEvent::kLoginSuccess;
  r.user_id = 7;
  r.username_tried = "eve\" outcome=ok";
  r.outcome = AuditOutcome::kOk;
  const std::string line = FormatAuditLine(r, ctx);
  EXPECT_EQ(line,
            "latchkey[portal]: login_success user=\"eve\\\" outcome=ok\" "
            "user_id=7 rhost=\"\" tty=pts/0 ua=\"Mozilla/5.0 (X11)\\x0a\" "
            "pid=42 outcome=ok");
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(AuditEventTest, NamesAreStableAndRoundTrip) {
  EXPECT_EQ(AuditEventName(AuditEvent::kLoginSuccess), "login_success");
  EXPECT_EQ(AuditEventName(AuditEvent::kAccountLocked), "account_locked");
  EXPECT_EQ(AuditEventName(AuditEvent::kTotpReplayed), "totp_replayed");
  EXPECT_EQ(AuditEventName(AuditEvent::kRecoveryCodesRegenerated),
            "recovery_codes_regenerated");
  EXPECT_EQ(AuditEventName(AuditEvent::kResetRequested), "reset_requested");
  EXPECT_EQ(AuditEventName(AuditEvent::kTotpEnrolFailed), "totp_enrol_failed");
  EXPECT_EQ(AuditEventName(AuditEvent::kHostAdded), "host_added");
  EXPECT_EQ(AuditEventName(AuditEvent::kHostRevoked), "host_revoked");
  for (int i = 0; i <= static_cast<int>(AuditEvent::kOtherSessionsEnded); ++i) {
    const auto e = static_cast<AuditEvent>(i);
    const std::string_view name = AuditEventName(e);
    EXPECT_NE(name, "unknown_event") << i;
    EXPECT_LE(name.size(), 32u);  // the column size
    EXPECT_EQ(AuditEventFromName(name), e) << name;
  }
  EXPECT_EQ(AuditEventFromName("nonsense"), std::nullopt);
}

TEST(CapturingLogSinkTest, KeepsLines) {
  CapturingLogSink sink;
  sink.Write(LogLevel::kInfo, "one");
  sink.Write(LogLevel::kWarning, "two");
  EXPECT_EQ(sink.lines(), (std::vector<std::string>{"one", "two"}));
  sink.clear();
  EXPECT_TRUE(sink.lines().empty());
}

// Invitations and reset links (issue 11, part "invite").
TEST(AuditEventNames, InvitationsAndResetLinks) {
  for (const auto& [event, name] :
       {std::pair{AuditEvent::kResetMailSent, "reset_mail_sent"},
        std::pair{AuditEvent::kResetLinkIssued, "reset_link_issued"},
        std::pair{AuditEvent::kUserInvited, "user_invited"},
        std::pair{AuditEvent::kInvitationAccepted, "invitation_accepted"}}) {
    EXPECT_EQ(AuditEventName(event), name);
    EXPECT_EQ(AuditEventFromName(name), event);
  }
}

}  // namespace
}  // namespace latchkey
