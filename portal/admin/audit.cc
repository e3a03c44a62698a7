// The audit log in the admin area (store/audit_query.h, audit_export.h):
//   GET /admin/audit?user=&event=&service=&outcome=&address=&from=&to=
//       &cursor=&limit=        newest first, an "Older" link with the cursor
//   GET /admin/audit/export?format=csv|json&<the same filters>
//       streamed as an attachment, a batch of rows at a time
//   GET /api/v1/admin/audit    {"events": [...], "next_cursor"}
//   GET /api/v1/admin/audit/export?format=csv|json
// A bad filter value is 422 naming the field.
#include <chrono>

#include "latchkey/base/clock.h"
#include "latchkey/store/audit_export.h"
#include "latchkey/store/audit_query.h"
#include "portal/admin/view.h"
#include "portal/api/body_fields.h"
#include "portal/log.h"

namespace latchkey::portal {
namespace {

// The filter fields, in the order links carry them.
constexpr std::string_view kFilterFields[] = {
    "user", "event", "service", "outcome", "address", "from", "to"};

std::string& FieldOf(AuditFilterText& t, std::string_view name) {
  if (name == "user") return t.user;
  if (name == "event") return t.event;
  if (name == "service") return t.service;
  if (name == "outcome") return t.outcome;
  if (name == "address") return t.address;
  if (name == "from") return t.from;
  return t.to;
}

AuditFilterText FilterTextOf(const Request& req) {
  AuditFilterText t;
  for (std::string_view name : kFilterFields) {
    FieldOf(t, name) = std::string(req.Query(name).value_or(""));
  }
  t.cursor = std::string(req.Query("cursor").value_or(""));
  t.limit = std::string(req.Query("limit").value_or(""));
  return t;
}

// "user=bob&event=login_failure" (the filters given), for links.
std::string FilterQuery(AuditFilterText& t) {
  std::string out;
  for (std::string_view name : kFilterFields) {
    const std::string& value = FieldOf(t, name);
    if (value.empty()) continue;
    if (!out.empty()) out += '&';
    out += std::string(name) + "=" + QueryEscape(value);
  }
  return out;
}

// Parses the request's filter; the core's errors become the form's.
AuditFilter ParseFilter(Context& ctx, const AuditFilterText& text,
                        FieldErrors& errors) {
  latchkey::FieldErrors core;
  AuditFilter f =
      ParseAuditFilter(text, ctx.services().clock().NowUnix(), core);
  for (const auto& [field, message] : core.fields) errors.Add(field, message);
  return f;
}

// One page: `filter.limit` rows and, when there are older ones, the cursor
// after the last (one row more is read to know).
struct AuditPage {
  std::vector<AuditEntry> rows;
  std::string next_cursor;
};

Result<AuditPage> ReadPage(Context& ctx, AuditFilter filter) {
  const uint32_t want = filter.limit;
  filter.limit = want + 1;
  AuditPage page;
  LK_ASSIGN_OR_RETURN(page.rows, QueryAuditEvents(ctx.services().db(), filter));
  if (page.rows.size() > want) {
    page.rows.resize(want);
    page.next_cursor = FormatAuditCursor(page.rows.back());
  }
  return page;
}

tmpl::List Choices(const std::vector<std::string_view>& values,
                   std::string_view chosen) {
  tmpl::List out;
  for (std::string_view v : values) {
    tmpl::Dict c;
    c["value"] = v;
    c["selected"] = v == chosen;
    out.emplace_back(std::move(c));
  }
  return out;
}

Response RenderAudit(Context& ctx, AuditFilterText& text,
                     const FieldErrors& errors, const AuditPage* page,
                     int status) {
  tmpl::Dict view = AdminView(ctx, "Audit log", "audit");
  tmpl::Dict filter;
  for (std::string_view name : kFilterFields) {
    filter[std::string(name)] = FieldOf(text, name);
  }
  view["filter"] = std::move(filter);
  view["events"] = Choices(AuditEventNames(), text.event);
  view["services"] =
      Choices({kAuditServices.begin(), kAuditServices.end()}, text.service);
  view["outcomes"] = Choices({"ok", "fail"}, text.outcome);
  view["errors"] = errors.View();
  const std::string query = FilterQuery(text);
  const std::string amp = query.empty() ? "" : "&";
  view["export_csv"] = "/admin/audit/export?format=csv" + amp + query;
  view["export_json"] = "/admin/audit/export?format=json" + amp + query;
  if (page != nullptr) {
    tmpl::List rows;
    for (const AuditEntry& e : page->rows) {
      tmpl::Dict row;
      row["time"] = IsoTime(e.ts_micros / 1'000'000);
      row["iso"] = AuditTimeText(e.ts_micros);
      row["event"] = e.event;
      row["user"] = e.username_tried;
      if (e.user_id) row["user_id"] = *e.user_id;
      row["service"] = e.service;
      row["address"] = e.rhost;
      row["tty"] = e.tty;
      row["outcome"] = e.outcome;
      row["failed"] = e.outcome != "ok";
      row["detail"] = e.detail;
      rows.emplace_back(std::move(row));
    }
    view["has_rows"] = !page->rows.empty();
    view["rows"] = std::move(rows);
    if (!page->next_cursor.empty()) {
      std::string older = "/admin/audit?" + query + amp;
      if (!text.limit.empty())
        older += "limit=" + QueryEscape(text.limit) + "&";
      view["older"] = older + "cursor=" + QueryEscape(page->next_cursor);
    }
    if (!text.cursor.empty()) view["newest"] = "/admin/audit?" + query;
  }
  return ctx.Page("admin_audit", view, status);
}

// The streamed body of an export: its own leased Services (so the
// request's goes back to the pool as usual), the first piece already made
// by the handler (so a database error is a 503, not a cut download).
class ExportStream final : public BodyStream {
 public:
  ExportStream(ServicesPool::Lease lease, const AuditFilter& filter,
               AuditExportFormat format)
      : lease_(std::move(lease)), export_(lease_->db(), filter, format) {}

  // The first piece, made before any header is sent.
  Status Start() {
    Result<bool> more = export_.Next(first_);
    if (!more.ok()) return more.status();
    done_ = !*more;
    return Status::Ok();
  }

  Step Next(std::string& out) override {
    if (!first_.empty()) {
      out.swap(first_);
      first_.clear();
      first_.shrink_to_fit();
      return done_ ? Step::kDone : Step::kMore;
    }
    if (done_) return Step::kDone;
    Result<bool> more = export_.Next(out);
    if (!more.ok()) {
      LogLine(LogPriority::kErr,
              "audit export cut short: " + more.status().ToString());
      return Step::kFailed;
    }
    return *more ? Step::kMore : Step::kDone;
  }

 private:
  ServicesPool::Lease lease_;
  AuditExport export_;
  std::string first_;
  bool done_ = false;
};

// How long an export waits for a free Services before answering 503.
constexpr std::chrono::milliseconds kExportLeaseWait{2000};

Response Export(Context& ctx) {
  AuditFilterText text = FilterTextOf(ctx.req());
  FieldErrors errors;
  const std::string format_name(ctx.req().Query("format").value_or("csv"));
  std::optional<AuditExportFormat> format =
      AuditExportFormatFromName(format_name);
  if (!format) errors.Add("format", "Choose csv or json.");
  // The cursor and limit of a page do not narrow an export.
  text.cursor.clear();
  text.limit.clear();
  const AuditFilter filter = ParseFilter(ctx, text, errors);
  if (!errors.empty()) {
    if (ctx.is_api()) return InvalidFields(ctx, errors);
    return RenderAudit(ctx, text, errors, nullptr, 422);
  }
  std::optional<ServicesPool::Lease> lease =
      ctx.app().pool().Acquire(kExportLeaseWait);
  if (!lease) {
    return ctx.Error(503, "busy", "The server is busy. Try again shortly.");
  }
  auto stream =
      std::make_shared<ExportStream>(std::move(*lease), filter, *format);
  if (Status s = stream->Start(); !s.ok()) {
    return ctx.Fail(s, "exporting the audit log");
  }
  const bool csv = *format == AuditExportFormat::kCsv;
  Response r;
  r.content_type = csv ? "text/csv; charset=utf-8" : "application/json";
  r.stream = std::move(stream);
  const int64_t now = ctx.services().clock().NowUnix();
  std::string stamp = IsoTime(now);
  std::erase(stamp, '-');
  std::erase(stamp, ':');
  r.Header("Content-Disposition", "attachment; filename=\"latchkey-audit-" +
                                      stamp + (csv ? ".csv\"" : ".json\""));
  return r;
}

}  // namespace

Response AdminAuditPage(Context& ctx) {
  AuditFilterText text = FilterTextOf(ctx.req());
  FieldErrors errors;
  const AuditFilter filter = ParseFilter(ctx, text, errors);
  if (!errors.empty()) return RenderAudit(ctx, text, errors, nullptr, 422);
  Result<AuditPage> page = ReadPage(ctx, filter);
  if (!page.ok()) return ctx.Fail(page.status(), "reading the audit log");
  return RenderAudit(ctx, text, errors, &*page, 200);
}

Response AdminAuditExport(Context& ctx) { return Export(ctx); }

Response ApiAdminAudit(Context& ctx) {
  AuditFilterText text = FilterTextOf(ctx.req());
  FieldErrors errors;
  const AuditFilter filter = ParseFilter(ctx, text, errors);
  if (!errors.empty()) return InvalidFields(ctx, errors);
  Result<AuditPage> page = ReadPage(ctx, filter);
  if (!page.ok()) return ctx.Fail(page.status(), "reading the audit log");
  nlohmann::json events = nlohmann::json::array();
  // The export's object for each row: one shape for both.
  for (const AuditEntry& e : page->rows) {
    events.push_back(nlohmann::json::parse(AuditJsonObject(e)));
  }
  return ctx.Json({{"events", std::move(events)},
                   {"next_cursor", page->next_cursor.empty()
                                       ? nlohmann::json(nullptr)
                                       : nlohmann::json(page->next_cursor)}});
}

Response ApiAdminAuditExport(Context& ctx) { return Export(ctx); }

}  // namespace latchkey::portal
