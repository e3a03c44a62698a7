// The portal's Prometheus metrics: a registry of atomic counters fixed at
// startup (routes are known then), rendered in the text exposition format
// for GET /metrics. Recording is lock-free; rendering reads the atomics.
//
//   latchkey_http_requests_total{route,code}         counter
//   latchkey_http_request_duration_seconds{route}    histogram
//   latchkey_logins_total{outcome}                   counter (AuthStatus
//                                                    names, plus "error")
//   latchkey_lockouts_total                          counter
//   latchkey_kdf_rejected_total{reason}              counter (full, timeout)
// and whatever later parts add with AddCounter / AddGauge before serving.
#ifndef LATCHKEY_PORTAL_METRICS_H_
#define LATCHKEY_PORTAL_METRICS_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace latchkey::portal {

// A monotonically increasing counter.
class Counter {
 public:
  void Add(uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

class Metrics {
 public:
  // Upper bounds of the latency buckets, in seconds (+Inf is implicit).
  static constexpr std::array<double, 12> kBuckets = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
  // The status codes counted one by one; others count as "other".
  static constexpr std::array<int, 20> kCodes = {
      200, 201, 204, 301, 302, 303, 304, 400, 401, 403,
      404, 405, 409, 413, 415, 422, 429, 500, 503, 431};

  // `routes`: one label per route (index = the route's index), plus the
  // caller should include labels for unmatched requests.
  explicit Metrics(std::vector<std::string> routes);

  // Thread-safe, lock-free. An out-of-range index is ignored.
  void ObserveRequest(size_t route, int code, double seconds);
  // outcome: an AuthStatus name such as "ok" or "bad_credentials".
  void CountLogin(std::string_view outcome);
  void CountLockout() { lockouts_.Add(); }
  void CountKdfRejected(bool timeout) {
    (timeout ? kdf_timeout_ : kdf_full_).Add();
  }

  // Registers a counter family member before serving starts (not
  // thread-safe against RenderText). `labels` is the inside of {...} or "".
  // The returned counter lives as long as the registry.
  Counter* AddCounter(std::string name, std::string help, std::string labels);
  // A value read at render time (e.g. the mail queue length).
  void AddGauge(std::string name, std::string help,
                std::function<double()> read);

  std::string RenderText() const;

 private:
  struct RouteStats {
    std::array<Counter, kCodes.size() + 1> codes;      // last: other
    std::array<Counter, kBuckets.size() + 1> buckets;  // last: +Inf
    std::atomic<uint64_t> sum_micros{0};
    Counter count;
  };
  struct Extra {
    std::string name, help, labels;
    Counter counter;
  };
  struct Gauge {
    std::string name, help;
    std::function<double()> read;
  };

  std::vector<std::string> route_names_;
  std::unique_ptr<RouteStats[]> routes_;
  std::vector<std::string> login_outcomes_;
  std::unique_ptr<Counter[]> logins_;
  Counter lockouts_;
  Counter kdf_full_;
  Counter kdf_timeout_;
  std::deque<Extra> extras_;
  std::vector<Gauge> gauges_;
};

// Escapes a label value for the text format (\\, \", \n).
std::string EscapeLabel(std::string_view v);

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_METRICS_H_
