#include "portal/metrics.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace latchkey::portal {
namespace {

bool Has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(Metrics, RequestsAndHistogram) {
  Metrics m({"/login", "/profile", "unmatched"});
  m.ObserveRequest(0, 200, 0.003);
  m.ObserveRequest(0, 200, 0.2);
  m.ObserveRequest(0, 303, 7.0);
  m.ObserveRequest(2, 404, 0.0001);
  m.ObserveRequest(2, 418, 0.0001);
  m.ObserveRequest(99, 200, 1);  // ignored
  const std::string t = m.RenderText();
  EXPECT_TRUE(Has(t, "# TYPE latchkey_http_requests_total counter"));
  EXPECT_TRUE(
      Has(t, "latchkey_http_requests_total{route=\"/login\",code=\"200\"} 2"));
  EXPECT_TRUE(
      Has(t, "latchkey_http_requests_total{route=\"/login\",code=\"303\"} 1"));
  EXPECT_TRUE(Has(
      t, "latchkey_http_requests_total{route=\"unmatched\",code=\"404\"} 1"));
  EXPECT_TRUE(Has(
      t, "latchkey_http_requests_total{route=\"unmatched\",code=\"other\"} 1"));
  EXPECT_TRUE(
      Has(t, "# TYPE latchkey_http_request_duration_seconds histogram"));
  EXPECT_TRUE(Has(t,
                  "latchkey_http_request_duration_seconds_bucket{route=\"/"
                  "login\",le=\"0.001\"} 0"));
  EXPECT_TRUE(Has(t,
                  "latchkey_http_request_duration_seconds_bucket{route=\"/"
                  "login\",le=\"0.005\"} 1"));
  EXPECT_TRUE(Has(t,
                  "latchkey_http_request_duration_seconds_bucket{route=\"/"
                  "login\",le=\"0.25\"} 2"));
  EXPECT_TRUE(Has(t,
                  "latchkey_http_request_duration_seconds_bucket{route=\"/"
                  "login\",le=\"5\"} 2"));
  EXPECT_TRUE(Has(t,
                  "latchkey_http_request_duration_seconds_bucket{route=\"/"
                  "login\",le=\"+Inf\"} 3"));
  EXPECT_TRUE(Has(
      t, "latchkey_http_request_duration_seconds_count{route=\"/login\"} 3"));
  EXPECT_TRUE(Has(
      t, "latchkey_http_request_duration_seconds_sum{route=\"/login\"} 7.203"));
  // No samples for a route that saw no request.
  EXPECT_EQ(t.find("route=\"/profile\""), std::string::npos);
}

TEST(Metrics, LoginsAndLockouts) {
  Metrics m({"x"});
  m.CountLogin("ok");
  m.CountLogin("ok");
  m.CountLogin("bad_credentials");
  m.CountLogin("something new");
  m.CountLockout();
  const std::string t = m.RenderText();
  EXPECT_TRUE(Has(t, "latchkey_logins_total{outcome=\"ok\"} 2"));
  EXPECT_TRUE(Has(t, "latchkey_logins_total{outcome=\"bad_credentials\"} 1"));
  EXPECT_TRUE(Has(t, "latchkey_logins_total{outcome=\"locked\"} 0"));
  EXPECT_TRUE(Has(t, "latchkey_logins_total{outcome=\"error\"} 1"));
  EXPECT_TRUE(Has(t, "latchkey_lockouts_total 1"));
}

TEST(Metrics, ExtraCountersStayGroupedAndGauges) {
  Metrics m({"x"});
  Counter* sent =
      m.AddCounter("latchkey_mails_total", "Mails.", "result=\"sent\"");
  m.AddGauge("latchkey_mail_queue", "Queued mails.", [] { return 3.0; });
  Counter* failed =
      m.AddCounter("latchkey_mails_total", "Mails.", "result=\"failed\"");
  sent->Add(4);
  failed->Add();
  const std::string t = m.RenderText();
  const size_t help = t.find("# HELP latchkey_mails_total");
  ASSERT_NE(help, std::string::npos);
  EXPECT_EQ(t.find("# HELP latchkey_mails_total", help + 1), std::string::npos);
  const size_t a = t.find("latchkey_mails_total{result=\"sent\"} 4\n");
  const size_t b = t.find("latchkey_mails_total{result=\"failed\"} 1\n");
  const size_t g = t.find("latchkey_mail_queue 3\n");
  ASSERT_NE(a, std::string::npos);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(g, std::string::npos);
  EXPECT_LT(a, b);
  EXPECT_LT(b, g);
}

TEST(Metrics, ConcurrentCountsAddUp) {
  Metrics m({"r"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&m] {
      for (int i = 0; i < 10000; ++i) m.ObserveRequest(0, 200, 0.001);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_TRUE(
      Has(m.RenderText(),
          "latchkey_http_requests_total{route=\"r\",code=\"200\"} 40000"));
}

TEST(EscapeLabel, Escapes) {
  EXPECT_EQ(EscapeLabel("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

}  // namespace
}  // namespace latchkey::portal
