#include "latchkey/store/audit_export.h"

#include <algorithm>
#include <cstdio>

#include "latchkey/store/audit_query.h"

namespace latchkey {

std::optional<AuditExportFormat> AuditExportFormatFromName(
    std::string_view name) {
  if (name == "csv") return AuditExportFormat::kCsv;
  if (name == "json") return AuditExportFormat::kJson;
  return std::nullopt;
}

std::string CsvCell(std::string_view value) {
  const bool formula = !value.empty() && (value[0] == '=' || value[0] == '+' ||
                                          value[0] == '-' || value[0] == '@' ||
                                          value[0] == '\t' || value[0] == '\r');
  const bool special = value.find_first_of("\",\r\n") != std::string_view::npos;
  if (!formula && !special) return std::string(value);
  std::string out = "\"";
  if (formula) out += '\'';
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string JsonString(std::string_view value) {
  std::string out = "\"";
  out.reserve(value.size() + 2);
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

std::string AuditCsvHeader() {
  return "id,time,event,user,user_id,service,address,tty,outcome,detail\r\n";
}

std::string AuditCsvRow(const AuditEntry& e) {
  std::string out = std::to_string(e.id);
  for (const std::string& cell :
       {AuditTimeText(e.ts_micros), e.event, e.username_tried,
        e.user_id ? std::to_string(*e.user_id) : std::string(), e.service,
        e.rhost, e.tty, e.outcome, e.detail}) {
    out += ',';
    out += CsvCell(cell);
  }
  out += "\r\n";
  return out;
}

std::string AuditJsonObject(const AuditEntry& e) {
  std::string out = "{\"id\":" + std::to_string(e.id);
  out += ",\"time\":" + JsonString(AuditTimeText(e.ts_micros));
  out += ",\"event\":" + JsonString(e.event);
  out += ",\"user\":" + JsonString(e.username_tried);
  out += ",\"user_id\":" + (e.user_id ? std::to_string(*e.user_id) : "null");
  out += ",\"service\":" + JsonString(e.service);
  out += ",\"address\":" + JsonString(e.rhost);
  out += ",\"tty\":" + JsonString(e.tty);
  out += ",\"outcome\":" + JsonString(e.outcome);
  out += ",\"detail\":" + JsonString(e.detail);
  out += '}';
  return out;
}

AuditExport::AuditExport(db::Connection& db, const AuditFilter& filter,
                         AuditExportFormat format, uint32_t batch)
    : db_(db), filter_(filter), format_(format) {
  filter_.limit = std::clamp<uint32_t>(batch, 1, 10000);
  filter_.before.reset();
}

Result<bool> AuditExport::Next(std::string& out) {
  if (done_) return false;
  LK_ASSIGN_OR_RETURN(std::vector<AuditEntry> rows,
                      QueryAuditEvents(db_, filter_));
  const bool csv = format_ == AuditExportFormat::kCsv;
  if (!started_) {
    out += csv ? AuditCsvHeader() : "[";
    started_ = true;
  }
  for (const AuditEntry& e : rows) {
    if (csv) {
      out += AuditCsvRow(e);
    } else {
      out += rows_ == 0 ? "\n" : ",\n";
      out += AuditJsonObject(e);
    }
    ++rows_;
  }
  if (rows.size() < filter_.limit) {
    if (!csv) out += "\n]\n";
    done_ = true;
    return true;
  }
  filter_.before = AuditCursor{rows.back().ts_micros, rows.back().id};
  return true;
}

}  // namespace latchkey
