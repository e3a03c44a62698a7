// The pure parts of the audit export and filter: spreadsheet-safe CSV
// cells, JSON strings, times, cursors and the parsing of a typed filter.
#include "latchkey/store/audit_export.h"

#include <gtest/gtest.h>

#include <string>

#include "latchkey/store/audit_query.h"

namespace latchkey {
namespace {

TEST(CsvCellTest, PlainValuesAsThey) {
  EXPECT_EQ(CsvCell(""), "");
  EXPECT_EQ(CsvCell("bob"), "bob");
  EXPECT_EQ(CsvCell("203.0.113.5"), "203.0.113.5");
  EXPECT_EQ(CsvCell("a=b+c-d@e"), "a=b+c-d@e");  // only the first character
  EXPECT_EQ(CsvCell("Zoë"), "Zoë");
}

TEST(CsvCellTest, FormulaStartsAreNeutralizedAndQuoted) {
  EXPECT_EQ(CsvCell("=cmd|' /C calc'!A0"), "\"'=cmd|' /C calc'!A0\"");
  EXPECT_EQ(CsvCell("@SUM(1+1)"), "\"'@SUM(1+1)\"");
  EXPECT_EQ(CsvCell("+1"), "\"'+1\"");
  EXPECT_EQ(CsvCell("-2+3"), "\"'-2+3\"");
  EXPECT_EQ(CsvCell("\tx"), "\"'\tx\"");
  EXPECT_EQ(CsvCell("\rx"), "\"'\rx\"");
  EXPECT_EQ(CsvCell("=\"x\""), "\"'=\"\"x\"\"\"");
}

TEST(CsvCellTest, Rfc4180Quoting) {
  EXPECT_EQ(CsvCell("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvCell("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvCell("line\nbreak"), "\"line\nbreak\"");
  EXPECT_EQ(CsvCell("cr\rhere"), "\"cr\rhere\"");
}

TEST(AuditRowTest, CsvAndJsonCarryTheSameFields) {
  AuditEntry e;
  e.id = 7;
  e.ts_micros = 1'700'000'000'123'456;
  e.user_id = 42;
  e.username_tried = "=1+1";
  e.event = "login_failure";
  e.service = "sshd";
  e.rhost = "203.0.113.5";
  e.outcome = "fail";
  e.detail = "wrong \"password\"";
  EXPECT_EQ(
      AuditCsvHeader(),
      "id,time,event,user,user_id,service,address,tty,outcome,detail\r\n");
  EXPECT_EQ(AuditCsvRow(e),
            "7,2023-11-14T22:13:20.123456Z,login_failure,\"'=1+1\",42,sshd,"
            "203.0.113.5,,fail,\"wrong \"\"password\"\"\"\r\n");
  EXPECT_EQ(AuditJsonObject(e),
            "{\"id\":7,\"time\":\"2023-11-14T22:13:20.123456Z\",\"event\":"
            "\"login_failure\",\"user\":\"=1+1\",\"user_id\":42,\"service\":"
            "\"sshd\",\"address\":\"203.0.113.5\",\"tty\":\"\",\"outcome\":"
            "\"fail\",\"detail\":\"wrong \\\"password\\\"\"}");
  e.user_id.reset();
  EXPECT_NE(AuditJsonObject(e).find("\"user_id\":null"), std::string::npos);
}

TEST(JsonStringTest, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(JsonString("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(JsonString("\n\x01"), "\"\\u000a\\u0001\"");
  EXPECT_EQ(JsonString("Zoë"), "\"Zoë\"");
}

TEST(AuditCursorTest, RoundTrip) {
  AuditEntry e;
  e.ts_micros = 1'700'000'000'000'001;
  e.id = 99;
  const std::string text = FormatAuditCursor(e);
  EXPECT_EQ(text, "1700000000000001.99");
  std::optional<AuditCursor> c = ParseAuditCursor(text);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->ts_micros, e.ts_micros);
  EXPECT_EQ(c->id, 99);
  for (const char* bad : {"", "1", "1.", ".1", "a.1", "1.-2", "-1.2", "1.2.3",
                          "99999999999999999999.1"}) {
    EXPECT_FALSE(ParseAuditCursor(bad).has_value()) << bad;
  }
}

TEST(AuditTimeTest, FormsAdminsType) {
  constexpr int64_t kNow = 1'700'000'000;
  EXPECT_EQ(ParseAuditTime("2023-11-14", kNow), 1'699'920'000);
  EXPECT_EQ(ParseAuditTime("2023-11-14T22:13", kNow), 1'700'000'000 - 20);
  EXPECT_EQ(ParseAuditTime("2023-11-14 22:13:20", kNow), 1'700'000'000);
  EXPECT_EQ(ParseAuditTime("2023-11-14T22:13:20Z", kNow), 1'700'000'000);
  EXPECT_EQ(ParseAuditTime("2h", kNow), kNow - 7200);
  EXPECT_EQ(ParseAuditTime("7d", kNow), kNow - 7 * 86400);
  for (const char* bad :
       {"", "yesterday", "2023-02-30", "2023-13-01", "2023-11-14T25:00",
        "2023-11-14T22", "1700000000", "2h30", "14/11/2023", "-2h"}) {
    EXPECT_FALSE(ParseAuditTime(bad, kNow).has_value()) << bad;
  }
  EXPECT_EQ(AuditTimeText(1'700'000'000'000'007),
            "2023-11-14T22:13:20.000007Z");
}

TEST(ParseAuditFilterTest, GoodValues) {
  AuditFilterText t;
  t.user = " bob ";
  t.event = "login_failure";
  t.service = "sshd";
  t.outcome = "fail";
  t.address = "203.0.113.*";
  t.from = "2023-11-14";
  t.to = "2023-11-15";
  t.cursor = "1700000000000000.5";
  t.limit = "500";
  FieldErrors errors;
  AuditFilter f = ParseAuditFilter(t, 1'700'000'000, errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(f.user, "bob");
  EXPECT_EQ(f.event, AuditEvent::kLoginFailure);
  EXPECT_EQ(f.service, "sshd");
  EXPECT_EQ(f.outcome, AuditOutcome::kFail);
  EXPECT_EQ(f.address, "203.0.113.*");
  EXPECT_EQ(f.since, 1'699'920'000);
  EXPECT_EQ(f.until, 1'700'006'400);
  ASSERT_TRUE(f.before.has_value());
  EXPECT_EQ(f.before->id, 5);
  EXPECT_EQ(f.limit, 500u);
  FieldErrors none;
  EXPECT_EQ(ParseAuditFilter({}, 0, none).limit, kAuditPageDefault);
  EXPECT_TRUE(none.empty());
}

TEST(ParseAuditFilterTest, EachBadFieldIsNamed) {
  AuditFilterText t;
  t.event = "no_such_event";
  t.service = "ftp";
  t.outcome = "maybe";
  t.from = "tomorrow";
  t.to = "2023-99-01";
  t.cursor = "abc";
  t.limit = "501";
  FieldErrors errors;
  ParseAuditFilter(t, 1'700'000'000, errors);
  for (const char* field :
       {"event", "service", "outcome", "from", "to", "cursor", "limit"}) {
    EXPECT_TRUE(errors.Has(field)) << field;
  }
  AuditFilterText backwards;
  backwards.from = "2023-11-15";
  backwards.to = "2023-11-14";
  FieldErrors e2;
  ParseAuditFilter(backwards, 0, e2);
  EXPECT_TRUE(e2.Has("to"));
}

}  // namespace
}  // namespace latchkey
