// latchkeyctl stats [--rebuild]: the admin overview's numbers
// (store/admin_stats.h), as a summary for people or, with --json, the
// shape of GET /api/v1/admin/stats.
#include <string>

#include "command.h"
#include "latchkey/store/admin_stats.h"
#include "latchkey/store/admin_stats_json.h"
#include "output.h"

namespace latchkey::cli {
namespace {

std::string Bar(int64_t n, int64_t peak, size_t width) {
  if (peak <= 0 || n <= 0) return "";
  const size_t len = static_cast<size_t>(
      std::max<int64_t>(1, n * static_cast<int64_t>(width) / peak));
  return std::string(len, '#');
}

void PrintChart(std::ostream& out, const std::vector<FailureBucket>& buckets,
                size_t label_from, size_t label_len) {
  int64_t peak = 0;
  for (const FailureBucket& b : buckets) peak = std::max(peak, b.total());
  std::vector<std::string> header = {"when"};
  for (std::string_view s : kStatsServices) header.emplace_back(s);
  header.emplace_back("total");
  header.emplace_back("");
  Table table(header);
  for (const FailureBucket& b : buckets) {
    std::vector<std::string> row = {
        IsoTime(b.start).substr(label_from, label_len)};
    for (int64_t n : b.by_service) row.push_back(std::to_string(n));
    row.push_back(std::to_string(b.total()));
    row.push_back(Bar(b.total(), peak, 30));
    table.AddRow(std::move(row));
  }
  table.Print(out);
}

void PrintTop(std::ostream& out, std::string_view what,
              const std::vector<TopName>& top) {
  if (top.empty()) {
    out << "  none\n";
    return;
  }
  Table table({std::string(what), "failures"});
  for (const TopName& t : top) {
    table.AddRow({t.name, std::to_string(t.failures)});
  }
  table.Print(out);
}

void PrintSummary(std::ostream& out, const AdminStats& s) {
  out << "As of " << IsoTime(s.generated_at) << ".\n\n";
  out << "Failed logins per hour, last " << kStatsHours << " hours (UTC):\n";
  PrintChart(out, s.hourly, 11, 5);
  out << "\nFailed logins per day, last " << kStatsDays << " days (UTC):\n";
  PrintChart(out, s.daily, 0, 10);
  const std::string since =
      IsoTime(s.hourly.empty() ? s.generated_at : s.hourly.front().start);
  out << "\nTop addresses since " << since << ":\n";
  PrintTop(out, "address", s.top_addresses);
  out << "\nTop names tried since " << since << ":\n";
  PrintTop(out, "username", s.top_accounts);

  out << "\nLocked now: " << s.locked_total << "\n";
  if (!s.locked.empty()) {
    Table table({"id", "username", "lock", "until"});
    for (const LockedAccount& l : s.locked) {
      table.AddRow({std::to_string(l.user_id), l.username,
                    std::string(StatsLockName(l.lock)), IsoTime(l.until)});
    }
    table.Print(out);
    if (s.locked_total > static_cast<int64_t>(s.locked.size())) {
      out << "(the first " << s.locked.size() << " are listed)\n";
    }
  }

  int64_t registrations = 0;
  int64_t activations = 0;
  Table days({"day", "registrations", "activations"});
  for (const SignupDay& d : s.signups) {
    registrations += d.registrations;
    activations += d.activations;
    if (d.registrations == 0 && d.activations == 0) continue;
    days.AddRow({IsoTime(d.start).substr(0, 10),
                 std::to_string(d.registrations),
                 std::to_string(d.activations)});
  }
  out << "\nLast " << kStatsDays << " days: " << registrations
      << " registrations, " << activations << " activations\n";
  if (days.rows() > 0) days.Print(out);

  const OutboxHealth& o = s.outbox;
  out << "\nMail outbox:\n";
  PrintFields(
      out, {{"queued", std::to_string(o.queued)},
            {"failing", std::to_string(o.failing)},
            {"given up", std::to_string(o.failed)},
            {"oldest unsent",
             o.oldest_unsent_at ? IsoTime(*o.oldest_unsent_at) + " (" +
                                      std::to_string(o.oldest_unsent_age / 60) +
                                      " min ago)" + (o.stale ? "  STALE" : "")
                                : "none"}});
}

int RunStats(Context& ctx, const ParsedArgs& args) {
  Result<Services*> services = ctx.services();
  if (!services.ok()) return ctx.Fail(services.status());
  db::Connection& db = (*services)->db();
  if (args.has("--rebuild")) {
    Status s = ResetAdminStatsRollup(db);
    if (!s.ok()) return ctx.Fail(s);
  }
  Result<AdminStats> stats = ComputeAdminStats(db, (*services)->clock());
  if (!stats.ok()) return ctx.Fail(stats.status());
  if (ctx.json()) {
    PrintJson(ctx.out(), AdminStatsJson(*stats));
  } else {
    PrintSummary(ctx.out(), *stats);
  }
  return kExitOk;
}

constexpr OptionSpec kStatsOptions[] = {
    {"--rebuild", false, ""},
};

}  // namespace

const Command kStatsCommand = {
    .name = "stats",
    .usage = "stats [--rebuild]",
    .summary = "show the admin overview: failed logins, locks, sign-ups, mail",
    .help =
        "The numbers of the portal's admin overview and of GET "
        "/api/v1/admin/stats\n(--json prints the same document).\n\n"
        "  --rebuild   count the last 30 days again from the audit log "
        "(after importing\n              old events, or when a host's "
        "clock was far behind)\n",
    .options = kStatsOptions,
    .run = RunStats,
};

}  // namespace latchkey::cli
