// The admin overview (store/admin_stats.h computes every number):
//   GET /admin                 the page: failed logins per hour and per day
//                              as inline SVG bar charts by service, each
//                              with its numbers in a table; the top
//                              addresses and names; the accounts locked now
//                              with their unlock forms; sign-ups; the mail
//                              outbox. No script: CSP default-src 'self'.
//   GET /api/v1/admin/stats    the same numbers as JSON
//                              (store/admin_stats_json.h).
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "latchkey/account/user_admin.h"
#include "latchkey/mail/mail_texts.h"
#include "latchkey/store/admin_stats.h"
#include "latchkey/store/admin_stats_json.h"
#include "portal/admin/view.h"
#include "portal/relative_time.h"

namespace latchkey::portal {
namespace {

// The charts' drawing space (viewBox units; CSS scales it to the width).
constexpr double kChartWidth = 960;
constexpr double kChartHeight = 240;
constexpr double kPlotLeft = 44;
constexpr double kPlotRight = 952;
constexpr double kPlotTop = 10;
constexpr double kPlotBottom = 214;

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// The smallest of 1, 2 or 5 times a power of ten that is >= v (>= 4).
int64_t AxisMax(int64_t v) {
  if (v <= 4) return 4;
  for (int64_t p = 1;; p *= 10) {
    for (int64_t m : {1, 2, 5}) {
      if (m * p >= v) return m * p;
    }
  }
}

std::string ServiceClass(size_t i) {
  return "svc-" + std::string(kStatsServices[i]);
}

tmpl::List Legend() {
  tmpl::List legend;
  for (size_t i = 0; i < kStatsServiceCount; ++i) {
    tmpl::Dict item;
    item["name"] = kStatsServices[i];
    item["class"] = ServiceClass(i);
    legend.emplace_back(std::move(item));
  }
  return legend;
}

std::string HourLabel(int64_t start) {
  return IsoTime(start).substr(11, 5);  // "HH:MM"
}
std::string DayLabel(int64_t start) {
  return IsoTime(start).substr(5, 5);  // "MM-DD"
}

// A stacked bar chart of `buckets` with its text equivalent. `label`
// names a bucket ("14:00", "12-04"); every `tick_every`-th bucket is
// labelled under the axis.
tmpl::Dict ChartView(const std::vector<FailureBucket>& buckets,
                     std::string_view id, std::string_view title,
                     std::string (*label)(int64_t), size_t tick_every,
                     std::string_view unit) {
  int64_t peak = 0;
  int64_t sum = 0;
  for (const FailureBucket& b : buckets) {
    peak = std::max(peak, b.total());
    sum += b.total();
  }
  const int64_t axis = AxisMax(peak);
  const double scale = static_cast<double>(axis);
  const double plot_h = kPlotBottom - kPlotTop;
  const double slot =
      (kPlotRight - kPlotLeft) / static_cast<double>(buckets.size());
  tmpl::List bars;
  tmpl::List ticks;
  tmpl::List rows;
  for (size_t i = 0; i < buckets.size(); ++i) {
    const FailureBucket& b = buckets[i];
    const std::string name = label(b.start);
    const double x = kPlotLeft + slot * static_cast<double>(i);
    tmpl::List segments;
    tmpl::List cells;
    std::string parts;
    int64_t below = 0;
    for (size_t s = 0; s < kStatsServiceCount; ++s) {
      const int64_t n = b.by_service[s];
      tmpl::Dict cell;
      cell["n"] = n;
      cells.emplace_back(std::move(cell));
      if (n == 0) continue;
      const double y =
          kPlotBottom - plot_h * static_cast<double>(below + n) / scale;
      const double h = plot_h * static_cast<double>(n) / scale;
      below += n;
      tmpl::Dict segment;
      segment["y"] = Num(y);
      segment["height"] = Num(h);
      segment["class"] = ServiceClass(s);
      segments.emplace_back(std::move(segment));
      if (!parts.empty()) parts += ", ";
      parts += std::string(kStatsServices[s]) + " " + std::to_string(n);
    }
    std::string tip = name + ": " + std::to_string(b.total()) + " failed";
    if (!parts.empty()) tip += " (" + parts + ")";
    tmpl::Dict bar;
    bar["x"] = Num(x + slot * 0.15);
    bar["width"] = Num(slot * 0.7);
    bar["tip"] = tip;
    bar["segments"] = std::move(segments);
    bars.emplace_back(std::move(bar));
    if (i % tick_every == 0) {
      tmpl::Dict tick;
      tick["x"] = Num(x + slot / 2);
      tick["label"] = name;
      ticks.emplace_back(std::move(tick));
    }
    tmpl::Dict row;
    row["label"] = name;
    row["cells"] = std::move(cells);
    row["total"] = b.total();
    rows.emplace_back(std::move(row));
  }
  tmpl::List gridlines;
  for (int64_t v : {axis, axis / 2, int64_t{0}}) {
    const double y = kPlotBottom - plot_h * static_cast<double>(v) / scale;
    tmpl::Dict line;
    line["y"] = Num(y);
    line["label_y"] = Num(y + 4);
    line["value"] = v;
    gridlines.emplace_back(std::move(line));
  }
  tmpl::List header;
  for (std::string_view s : kStatsServices) header.emplace_back(s);
  std::string desc = std::to_string(sum) + " failed logins in all; the " +
                     std::string(unit) + " with the most had " +
                     std::to_string(peak) + ". The table below has every " +
                     std::string(unit) + " by service.";
  tmpl::Dict chart;
  chart["id"] = id;
  chart["title"] = title;
  chart["desc"] = desc;
  chart["unit"] = unit;
  chart["viewbox"] = "0 0 " + Num(kChartWidth) + " " + Num(kChartHeight);
  chart["plot_left"] = Num(kPlotLeft);
  chart["plot_right"] = Num(kPlotRight);
  chart["label_x"] = Num(kPlotLeft - 6);
  chart["tick_y"] = Num(kPlotBottom + 18);
  chart["bars"] = std::move(bars);
  chart["ticks"] = std::move(ticks);
  chart["gridlines"] = std::move(gridlines);
  chart["legend"] = Legend();
  chart["services"] = std::move(header);
  chart["rows"] = std::move(rows);
  chart["total"] = sum;
  return chart;
}

tmpl::List TopView(const std::vector<TopName>& top, std::string_view link) {
  tmpl::List out;
  for (const TopName& t : top) {
    std::string href(link);
    size_t at = href.find('@');
    href.replace(at, 1, QueryEscape(t.name));
    tmpl::Dict item;
    item["name"] = t.name;
    item["failures"] = t.failures;
    item["href"] = href;
    out.emplace_back(std::move(item));
  }
  return out;
}

tmpl::List LockedView(const std::vector<LockedAccount>& locked, int64_t now) {
  tmpl::List out;
  for (const LockedAccount& l : locked) {
    const std::string id = std::to_string(l.user_id);
    const bool admin = l.lock == StatsLock::kAdmin;
    tmpl::Dict row;
    row["id"] = id;
    row["username"] = l.username;
    row["admin"] = admin;
    row["lock"] = admin ? "Admin lock" : "Password lock";
    row["action"] =
        "/admin/users/" + id + (admin ? "/unlock" : "/clear-password-lock");
    row["button"] = admin ? "Unlock" : "Clear password lock";
    if (l.until >= kLockedUntilUnlocked) {
      row["forever"] = true;
    } else {
      row["until"] = TimeView(l.until, now);
    }
    out.emplace_back(std::move(row));
  }
  return out;
}

tmpl::Dict SignupsView(const std::vector<SignupDay>& days) {
  tmpl::List rows;
  int64_t registrations = 0;
  int64_t activations = 0;
  for (auto it = days.rbegin(); it != days.rend(); ++it) {
    registrations += it->registrations;
    activations += it->activations;
    if (it->registrations == 0 && it->activations == 0) continue;
    tmpl::Dict row;
    row["day"] = IsoTime(it->start).substr(0, 10);
    row["registrations"] = it->registrations;
    row["activations"] = it->activations;
    rows.emplace_back(std::move(row));
  }
  const bool has_rows = !rows.empty();
  tmpl::Dict view;
  view["has_rows"] = has_rows;
  view["registrations"] = registrations;
  view["activations"] = activations;
  view["rows"] = std::move(rows);
  return view;
}

tmpl::Dict OutboxView(const OutboxHealth& o, int64_t now) {
  tmpl::Dict view;
  view["queued"] = o.queued;
  view["failing"] = o.failing;
  view["failed"] = o.failed;
  view["stale"] = o.stale;
  view["stale_minutes"] = kStatsOutboxStaleAfter / 60;
  if (o.oldest_unsent_at) {
    view["oldest"] = TimeView(*o.oldest_unsent_at, now);
  }
  return view;
}

}  // namespace

Response AdminOverviewPage(Context& ctx) {
  Services& services = ctx.services();
  Result<AdminStats> stats = ComputeAdminStats(services.db(), services.clock());
  if (!stats.ok()) return ctx.Fail(stats.status(), "reading the overview");
  const AdminStats& s = *stats;
  tmpl::Dict view = AdminView(ctx, "Admin overview", "overview");
  view["generated_at"] = mail_texts::FormatUtc(s.generated_at);
  view["hourly"] = ChartView(s.hourly, "chart-hourly",
                             "Failed logins per hour, last 24 hours (UTC)",
                             HourLabel, 6, "hour");
  view["daily"] = ChartView(s.daily, "chart-daily",
                            "Failed logins per day, last 30 days (UTC)",
                            DayLabel, 5, "day");
  view["top_since"] = mail_texts::FormatUtc(
      s.hourly.empty() ? s.generated_at : s.hourly.front().start);
  view["top_addresses"] =
      TopView(s.top_addresses, "/admin/audit?address=@&outcome=fail");
  view["top_accounts"] = TopView(s.top_accounts, "/admin/audit?user=@");
  view["has_top_addresses"] = !s.top_addresses.empty();
  view["has_top_accounts"] = !s.top_accounts.empty();
  view["has_locked"] = !s.locked.empty();
  view["locked"] = LockedView(s.locked, s.generated_at);
  view["locked_total"] = s.locked_total;
  view["locked_shown"] = static_cast<int64_t>(s.locked.size());
  view["locked_more"] = s.locked_total > static_cast<int64_t>(s.locked.size());
  view["signups"] = SignupsView(s.signups);
  view["outbox"] = OutboxView(s.outbox, s.generated_at);
  return ctx.Page("admin_overview", view);
}

Response ApiAdminStats(Context& ctx) {
  Services& services = ctx.services();
  Result<AdminStats> stats = ComputeAdminStats(services.db(), services.clock());
  if (!stats.ok()) return ctx.Fail(stats.status(), "reading the stats");
  return ctx.Json(AdminStatsJson(*stats));
}

}  // namespace latchkey::portal
