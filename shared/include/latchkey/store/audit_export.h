// Exporting the filtered audit log as CSV or JSON, a batch at a time, so
// that no door holds more than one batch in memory: the portal streams the
// pieces to the client, `latchkeyctl audit export` to stdout.
//
// Both formats carry the same fields, in this order: id, time (ISO 8601
// UTC with microseconds), event, user (username_tried, as stored: escaped
// by EscapeLogField), user_id (empty / null when none), service, address
// (rhost), tty, outcome, detail.
#ifndef LATCHKEY_STORE_AUDIT_EXPORT_H_
#define LATCHKEY_STORE_AUDIT_EXPORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "latchkey/base/result.h"
#include "latchkey/db/db.h"
#include "latchkey/store/audit.h"

namespace latchkey {

enum class AuditExportFormat {
  kCsv,   // RFC 4180, CRLF line ends, a header line, spreadsheet-safe cells
  kJson,  // one JSON array of objects, one object per line
};

// "csv" / "json"; nullopt for anything else.
std::optional<AuditExportFormat> AuditExportFormatFromName(
    std::string_view name);

// One CSV cell, safe to open in a spreadsheet: a value that begins with
// '=', '+', '-', '@', a tab or a carriage return (which a spreadsheet would
// run as a formula) gets a single quote in front (OWASP's CSV injection
// advice); then, if the value holds '"', ',', CR or LF, or was
// neutralized, it is quoted per RFC 4180 ('"' doubled).
std::string CsvCell(std::string_view value);

// `value` as a JSON string literal, quotes included ('"', '\\' and control
// characters escaped; other bytes as they are).
std::string JsonString(std::string_view value);

// The CSV header line and one row (each ending in CRLF), and the JSON
// object of one row (no line end).
std::string AuditCsvHeader();
std::string AuditCsvRow(const AuditEntry& entry);
std::string AuditJsonObject(const AuditEntry& entry);

// Not thread-safe (one Connection, which it uses only inside Next).
class AuditExport {
 public:
  // Every row matching `filter` (its limit and cursor are the export's
  // own business), newest first, `batch` rows (1..10000) per query.
  AuditExport(db::Connection& db, const AuditFilter& filter,
              AuditExportFormat format, uint32_t batch = 1000);

  // Appends the next piece to `out`: the header (CSV) or "[" (JSON) with
  // the first batch, then a batch at a time, then the end ("]" for JSON).
  // Returns false once everything was appended (and from then on appends
  // nothing). Errors: db errors (the export cannot continue).
  Result<bool> Next(std::string& out);

  int64_t rows() const { return rows_; }

 private:
  db::Connection& db_;
  AuditFilter filter_;
  AuditExportFormat format_;
  bool started_ = false;
  bool done_ = false;
  int64_t rows_ = 0;
};

}  // namespace latchkey

#endif  // LATCHKEY_STORE_AUDIT_EXPORT_H_
