// latchkeyctl audit tail [-n N] [--user U] [--event E] [--since DURATION]
#include <chrono>
#include <string>

#include "command.h"
#include "latchkey/config/config.h"
#include "latchkey/store/audit.h"
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

}  // namespace latchkey::cli
