// latchkeyctl audit tail [-n N] [--user U] [--event E] [--since DURATION]
// latchkeyctl audit export --format csv|json [filters]
// Both read through the core's one audit query (store/audit_query.h).
#include <chrono>
#include <string>

#include "command.h"
#include "latchkey/config/config.h"
#include "latchkey/store/audit.h"
#include "latchkey/store/audit_export.h"
#include "latchkey/store/audit_query.h"
#include "output.h"

namespace latchkey::cli {
namespace {

constexpr uint32_t kDefaultLines = 20;

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

int RunTail(Context& ctx, const ParsedArgs& args) {
  AuditFilter filter;
  filter.limit = kDefaultLines;
  if (std::optional<std::string> n = args.value("--lines")) {
    std::optional<unsigned long> count = ParseCount(*n, 10000);
    if (!count || *count == 0) {
      return ctx.Usage("-n: expected a number from 1 to 10000, got '" + *n +
                       "'");
    }
    filter.limit = static_cast<uint32_t>(*count);
  }
  filter.user = args.value("--user").value_or("");
  if (std::optional<std::string> e = args.value("--event")) {
    filter.event = AuditEventFromName(*e);
    if (!filter.event) {
      return ctx.Usage("--event: no event named '" + *e +
                       "' (e.g. login_failure, user_created)");
    }
  }
  int64_t since_seconds = -1;
  if (std::optional<std::string> s = args.value("--since")) {
    Result<Millis> d = ParseDuration(*s);
    if (!d.ok()) return ctx.Usage("--since: " + d.status().message());
    since_seconds = std::chrono::duration_cast<Seconds>(*d).count();
  }

  Result<Services*> services = ctx.services();
  if (!services.ok()) return ctx.Fail(services.status());
  if (since_seconds >= 0) {
    filter.since = (*services)->clock().NowUnix() - since_seconds;
  }
  Result<std::vector<AuditEntry>> entries = (*services)->audit().Query(filter);
  if (!entries.ok()) return ctx.Fail(entries.status());

  if (ctx.json()) {
    nlohmann::json list = nlohmann::json::array();
    for (const AuditEntry& e : *entries) {
      list.push_back({
          {"id", e.id},
          {"ts", IsoTime(e.ts_micros / 1'000'000)},
          {"ts_micros", e.ts_micros},
          {"event", e.event},
          {"user", e.username_tried},
          {"user_id",
           e.user_id ? nlohmann::json(*e.user_id) : nlohmann::json(nullptr)},
          {"service", e.service},
          {"rhost", e.rhost},
          {"tty", e.tty},
          {"outcome", e.outcome},
          {"detail", e.detail},
      });
    }
    PrintJson(ctx.out(), list);
    return kExitOk;
  }
  // Newest last, like tail(1). The stored fields are already escaped, so a
  // line cannot be split or forged by what an attacker typed.
  for (const AuditEntry& e : *entries) {
    ctx.out() << IsoTime(e.ts_micros / 1'000'000) << ' ' << e.event << ' '
              << OrDash(e.username_tried) << ' ' << OrDash(e.service) << ' '
              << OrDash(e.rhost) << ' ' << e.outcome;
    if (!e.detail.empty()) ctx.out() << ' ' << e.detail;
    ctx.out() << '\n';
  }
  return kExitOk;
}

// The option that sets each field of AuditFilterText, for messages.
std::string_view OptionOf(std::string_view field) {
  if (field == "from") return "--since";
  if (field == "to") return "--until";
  if (field == "user") return "--user";
  if (field == "event") return "--event";
  if (field == "service") return "--service";
  if (field == "outcome") return "--outcome";
  return "--address";
}

int RunExport(Context& ctx, const ParsedArgs& args) {
  const std::string format_name = args.value("--format").value_or("");
  std::optional<AuditExportFormat> format =
      AuditExportFormatFromName(format_name);
  if (!format) {
    return ctx.Usage("--format: expected csv or json, got '" + format_name +
                     "'");
  }
  AuditFilterText text;
  text.user = args.value("--user").value_or("");
  text.event = args.value("--event").value_or("");
  text.service = args.value("--service").value_or("");
  text.outcome = args.value("--outcome").value_or("");
  text.address = args.value("--address").value_or("");
  text.from = args.value("--since").value_or("");
  text.to = args.value("--until").value_or("");
  // Bad input is a usage error (exit 2) before the config is even read.
  FieldErrors errors;
  const AuditFilter filter =
      ParseAuditFilter(text, SystemClock::Shared().NowUnix(), errors);
  if (!errors.empty()) {
    const auto& [field, message] = *errors.fields.begin();
    return ctx.Usage(std::string(OptionOf(field)) + ": " + message);
  }
  Result<Services*> services = ctx.services();
  if (!services.ok()) return ctx.Fail(services.status());
  // A batch at a time to stdout: memory stays flat however many rows.
  AuditExport exporter((*services)->db(), filter, *format);
  std::string piece;
  while (true) {
    piece.clear();
    Result<bool> more = exporter.Next(piece);
    if (!more.ok()) return ctx.Fail(more.status());
    if (!*more) break;
    ctx.out() << piece;
    ctx.out().flush();
    if (!ctx.out()) return ctx.Fail("could not write the export");
  }
  return kExitOk;
}

constexpr OptionSpec kExportOptions[] = {
    {"--format", true, ""},  {"--user", true, ""},    {"--event", true, ""},
    {"--service", true, ""}, {"--outcome", true, ""}, {"--address", true, ""},
    {"--since", true, ""},   {"--until", true, ""},
};

constexpr OptionSpec kTailOptions[] = {
    {"--lines", true, "-n"},
    {"--user", true, ""},
    {"--event", true, ""},
    {"--since", true, ""},
};

}  // namespace

const Command kAuditTailCommand = {
    .name = "audit tail",
    .usage =
        "audit tail [-n N] [--user USER] [--event EVENT] [--since "
        "DURATION]",
    .summary = "show the newest audit events, oldest first",
    .help =
        "One line per event: time (UTC), event, user, service, remote "
        "host, outcome, detail\n('-' for an empty field).\n\n"
        "  -n, --lines N      the last N events (1..10000, default 20)\n"
        "  --user USER        only events for USER (as typed, or the "
        "account)\n"
        "  --event EVENT      only this event, e.g. login_failure, "
        "user_locked\n"
        "  --since DURATION   only the last DURATION, e.g. 15m, 2h, 7d\n",
    .options = kTailOptions,
    .run = RunTail,
};

const Command kAuditExportCommand = {
    .name = "audit export",
    .usage =
        "audit export --format csv|json [--user U] [--event E] [--service S] "
        "[--outcome ok|fail] [--address A] [--since T] [--until T]",
    .summary = "write the matching audit events to stdout, newest first",
    .help =
        "Streams every matching event, a batch at a time. CSV: RFC 4180 with "
        "a header line;\na cell that a spreadsheet would run as a formula "
        "(starting with = + - @, tab or CR)\ngets a ' in front. JSON: one "
        "array, one object per line.\n\n"
        "  --format csv|json  the output format (required)\n"
        "  --user USER        a username as typed, the account of that "
        "name, or an account id\n"
        "  --event EVENT      e.g. login_failure, role_created\n"
        "  --service S        sshd, sudo, login, portal, api or cli\n"
        "  --outcome ok|fail\n"
        "  --address A        the remote address; a prefix when it ends in "
        "* (203.0.113.*)\n"
        "  --since T          from T (UTC: 2026-12-05, 2026-12-05T14:30[:SS]; "
        "or 2h, 7d ago)\n"
        "  --until T          before T (the same forms)\n",
    .options = kExportOptions,
    .run = RunExport,
};

}  // namespace latchkey::cli
