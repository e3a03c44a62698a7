#include "portal/metrics.h"

#include <cmath>
#include <cstdio>
#include <set>

namespace latchkey::portal {
namespace {

constexpr std::string_view kLoginOutcomes[] = {
    "ok",          "bad_credentials", "locked",
    "inactive",    "unverified",      "expired",
    "unavailable", "throttled",       "second_factor_needed",
    "error"};

std::string FormatDouble(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

void Header(std::string& out, std::string_view name, std::string_view help,
            std::string_view type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

}  // namespace

std::string EscapeLabel(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Metrics::Metrics(std::vector<std::string> routes)
    : route_names_(std::move(routes)),
      routes_(std::make_unique<RouteStats[]>(route_names_.size())),
      login_outcomes_(std::begin(kLoginOutcomes), std::end(kLoginOutcomes)),
      logins_(std::make_unique<Counter[]>(login_outcomes_.size())) {}

void Metrics::ObserveRequest(size_t route, int code, double seconds) {
  if (route >= route_names_.size()) return;
  RouteStats& r = routes_[route];
  size_t ci = kCodes.size();
  for (size_t i = 0; i < kCodes.size(); ++i) {
    if (kCodes[i] == code) {
      ci = i;
      break;
    }
  }
  r.codes[ci].Add();
  size_t bi = kBuckets.size();
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      bi = i;
      break;
    }
  }
  r.buckets[bi].Add();
  const double micros = std::max(0.0, seconds * 1e6);
  r.sum_micros.fetch_add(static_cast<uint64_t>(std::llround(micros)),
                         std::memory_order_relaxed);
  r.count.Add();
}

void Metrics::CountLogin(std::string_view outcome) {
  for (size_t i = 0; i < login_outcomes_.size(); ++i) {
    if (login_outcomes_[i] == outcome) {
      logins_[i].Add();
      return;
    }
  }
  logins_[login_outcomes_.size() - 1].Add();  // "error"
}

Counter* Metrics::AddCounter(std::string name, std::string help,
                             std::string labels) {
  Extra& e = extras_.emplace_back();
  e.name = std::move(name);
  e.help = std::move(help);
  e.labels = std::move(labels);
  return &e.counter;
}

void Metrics::AddGauge(std::string name, std::string help,
                       std::function<double()> read) {
  gauges_.push_back(Gauge{std::move(name), std::move(help), std::move(read)});
}

std::string Metrics::RenderText() const {
  std::string out;
  out.reserve(8192);

  Header(out, "latchkey_http_requests_total",
         "HTTP requests by route and status code.", "counter");
  for (size_t r = 0; r < route_names_.size(); ++r) {
    const std::string route = EscapeLabel(route_names_[r]);
    for (size_t i = 0; i <= kCodes.size(); ++i) {
      const uint64_t n = routes_[r].codes[i].value();
      if (n == 0) continue;
      out += "latchkey_http_requests_total{route=\"" + route + "\",code=\"" +
             (i < kCodes.size() ? std::to_string(kCodes[i])
                                : std::string("other")) +
             "\"} " + std::to_string(n) + "\n";
    }
  }

  Header(out, "latchkey_http_request_duration_seconds",
         "Time from request start to response sent, by route.", "histogram");
  for (size_t r = 0; r < route_names_.size(); ++r) {
    const RouteStats& s = routes_[r];
    const uint64_t count = s.count.value();
    if (count == 0) continue;
    const std::string route = EscapeLabel(route_names_[r]);
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= kBuckets.size(); ++i) {
      cumulative += s.buckets[i].value();
      out += "latchkey_http_request_duration_seconds_bucket{route=\"" + route +
             "\",le=\"" +
             (i < kBuckets.size() ? FormatDouble(kBuckets[i])
                                  : std::string("+Inf")) +
             "\"} " + std::to_string(cumulative) + "\n";
    }
    out +=
        "latchkey_http_request_duration_seconds_sum{route=\"" + route + "\"} " +
        FormatDouble(
            static_cast<double>(s.sum_micros.load(std::memory_order_relaxed)) /
            1e6) +
        "\n";
    out += "latchkey_http_request_duration_seconds_count{route=\"" + route +
           "\"} " + std::to_string(count) + "\n";
  }

  Header(out, "latchkey_logins_total", "Password logins by outcome.",
         "counter");
  for (size_t i = 0; i < login_outcomes_.size(); ++i) {
    out += "latchkey_logins_total{outcome=\"" + login_outcomes_[i] + "\"} " +
           std::to_string(logins_[i].value()) + "\n";
  }
  Header(out, "latchkey_lockouts_total", "Account locks begun by logins.",
         "counter");
  out += "latchkey_lockouts_total " + std::to_string(lockouts_.value()) + "\n";
  Header(out, "latchkey_kdf_rejected_total",
         "Logins refused with 503 because the password-hash queue was full "
         "or too slow.",
         "counter");
  out += "latchkey_kdf_rejected_total{reason=\"full\"} " +
         std::to_string(kdf_full_.value()) + "\n";
  out += "latchkey_kdf_rejected_total{reason=\"timeout\"} " +
         std::to_string(kdf_timeout_.value()) + "\n";

  // A family's samples must be together, whatever order they were added in.
  std::set<std::string> described;
  for (const Extra& first : extras_) {
    if (!described.insert(first.name).second) continue;
    Header(out, first.name, first.help, "counter");
    for (const Extra& e : extras_) {
      if (e.name != first.name) continue;
      out += e.name;
      if (!e.labels.empty()) out += "{" + e.labels + "}";
      out += " " + std::to_string(e.counter.value()) + "\n";
    }
  }
  for (const Gauge& g : gauges_) {
    Header(out, g.name, g.help, "gauge");
    out += g.name + " " + FormatDouble(g.read ? g.read() : 0.0) + "\n";
  }
  return out;
}

}  // namespace latchkey::portal
