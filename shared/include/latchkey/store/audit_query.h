// Reading the audit log (`auth_events`) for admins: the filtered, newest
// first, keyset-paged query that the admin pages, the API, `latchkeyctl
// audit tail|export` and bench/scale all call, and the parsing of a filter
// typed into a form, a query string or the command line.
//
// Indexes (sql/001_init.sql, sql/012_audit_filters.sql): every filter
// column is indexed together with ts, and InnoDB appends the primary key
// (id) to each secondary index, so each filter reads its index backwards
// in (ts, id) order and stops after `limit` rows.
#ifndef LATCHKEY_STORE_AUDIT_QUERY_H_
#define LATCHKEY_STORE_AUDIT_QUERY_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/base/field_errors.h"
#include "latchkey/base/result.h"
#include "latchkey/db/db.h"
#include "latchkey/store/audit.h"

namespace latchkey {

// The services a filter may name (AuthContext::service of the doors).
inline constexpr std::array<std::string_view, 6> kAuditServices = {
    "sshd", "sudo", "login", "portal", "api", "cli"};

// Rows a page shows unless told otherwise, and at most.
inline constexpr uint32_t kAuditPageDefault = 50;
inline constexpr uint32_t kAuditPageMax = 500;

// The rows matching `filter`, newest first by (ts, id), at most
// filter.limit (1..10000). Errors: db errors. Not thread-safe (`db`).
Result<std::vector<AuditEntry>> QueryAuditEvents(db::Connection& db,
                                                 const AuditFilter& filter);

// The cursor that continues after `entry` (the last row of a page), as
// text: "<ts_micros>.<id>".
std::string FormatAuditCursor(const AuditEntry& entry);
// The inverse; nullopt unless two non-negative decimal numbers.
std::optional<AuditCursor> ParseAuditCursor(std::string_view text);

// A point in time as admins type it, in UTC: "2026-12-05",
// "2026-12-05T14:30" (what an HTML datetime-local field sends),
// "2026-12-05T14:30:15", each optionally ending in 'Z' ('T' may be a
// space); or a duration ago, relative to `now` (Unix seconds): "15m",
// "2h", "7d" (config.h ParseDuration). Unix seconds, or nullopt.
std::optional<int64_t> ParseAuditTime(std::string_view text, int64_t now);

// A filter as text (form fields, query parameters, CLI options); "" means
// not given.
struct AuditFilterText {
  std::string user;
  std::string event;    // an AuditEventName
  std::string service;  // one of kAuditServices
  std::string outcome;  // "ok" or "fail"
  std::string address;
  std::string from;  // ParseAuditTime; inclusive
  std::string to;    // ParseAuditTime; exclusive
  std::string cursor;
  std::string limit;  // 1..kAuditPageMax; "" = kAuditPageDefault
};

// The filter, with one sentence per bad field added to `errors` under the
// field's name above ("event", "from", ...); the fields in error are left
// unset in the result. `now` is for durations.
AuditFilter ParseAuditFilter(const AuditFilterText& text, int64_t now,
                             FieldErrors& errors);

// A row's time as ISO 8601 UTC with microseconds:
// "2026-12-05T14:30:15.123456Z".
std::string AuditTimeText(int64_t ts_micros);

}  // namespace latchkey

#endif  // LATCHKEY_STORE_AUDIT_QUERY_H_
