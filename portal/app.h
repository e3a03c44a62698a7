// App: what every request shares, built once at startup and read-only
// afterwards (apart from the thread-safe pools and metrics): the config,
// CSRF tokens (keyed from the portal's own key file), the pool of Services, the
// KDF pool, templates, the route table and the metrics.
#ifndef LATCHKEY_PORTAL_APP_H_
#define LATCHKEY_PORTAL_APP_H_

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/base/result.h"
#include "latchkey/base/secret.h"
#include "latchkey/config/config.h"
#include "latchkey/crypto/csrf.h"
#include "latchkey/crypto/secret_box.h"
#include "latchkey/services/services_pool.h"
#include "latchkey/store/session_cache.h"
#include "portal/after_answer.h"
#include "portal/client_ip.h"
#include "portal/kdf_pool.h"
#include "portal/metrics.h"
#include "portal/route.h"
#include "portal/template.h"

namespace latchkey::portal {

struct AppOptions {
  size_t http_threads = 2;  // MHD's thread pool
  // Threads that run the requests that hash a password. More threads than
  // slots, so one thread's database round trips overlap another's hash.
  size_t kdf_threads = 4;
  size_t kdf_slots = 2;  // password hashes at once, whatever the threads
  // Keep each slot's Argon2 memory mapped while idle (KdfSlots keep_warm):
  // on when the [directory] listener serves hosts.
  bool kdf_keep_warm = false;
  size_t kdf_queue = 64;
};

class App {
 public:
  // Reads the secret key (the portal needs it for CSRF and sign-in steps:
  // FailedPrecondition naming the file when it is missing), opens
  // http_threads + kdf_threads + 1 Services, parses trusted_proxies,
  // metrics_allow and every embedded template, reads metrics_token_file, checks
  // the route table. Reads every file it needs now, so privileges can be
  // dropped afterwards.
  static Result<std::unique_ptr<App>> Create(const Config& config,
                                             const AppOptions& options);
  ~App();

  const Config& config() const { return config_; }
  const CsrfTokens& csrf() const { return *csrf_; }
  ServicesPool& pool() { return *pool_; }
  KdfPool& kdf() { return *kdf_; }
  // Work a request causes but does not wait for (after_answer.h).
  AfterAnswer& after_answer() { return *after_answer_; }
  const KdfSlots& kdf_slots() const { return *kdf_slots_; }
  Metrics& metrics() { return *metrics_; }
  SessionCache& session_cache() { return *session_cache_; }
  const tmpl::TemplateSet& templates() const { return templates_; }
  const ProxyList& trusted_proxies() const { return proxies_; }
  // Whether a request may read /metrics: its client address (as resolved
  // through trusted_proxies) is in [portal] metrics_allow, or its
  // Authorization header is "Bearer " and the token from
  // [portal] metrics_token_file (compared in constant time).
  bool MayReadMetrics(std::string_view client_ip,
                      std::string_view authorization) const;
  std::span<const Route> routes() const { return routes_; }
  // Metric label indexes beyond the table: unmatched paths.
  size_t unmatched_index() const { return routes_.size(); }

  // Handlers call NudgeMail() after the core queued a mail, so the mail
  // worker sends it now rather than at its next pass. main() sets the hook
  // (thread-safe, never blocks) before serving; without one it does
  // nothing.
  void SetMailNudge(std::function<void()> nudge) {
    mail_nudge_ = std::move(nudge);
  }
  void NudgeMail() const {
    if (mail_nudge_) mail_nudge_();
  }

 private:
  App() = default;

  Config config_;
  std::unique_ptr<CsrfTokens> csrf_;
  std::unique_ptr<KdfSlots> kdf_slots_;  // declared before pool_: outlives it
  std::unique_ptr<ServicesPool> pool_;
  std::unique_ptr<KdfPool> kdf_;
  std::unique_ptr<AfterAnswer> after_answer_;  // after pool_: goes first
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<SessionCache> session_cache_;
  tmpl::TemplateSet templates_;
  ProxyList proxies_;
  ProxyList metrics_allow_;
  std::optional<Secret> metrics_token_;
  std::function<void()> mail_nudge_;
  std::vector<Route> routes_;  // AllRoutes() with kAvatarLimit filled in
};

// Parses every embedded templates/*.html into `set` (named without the
// directory and extension: "login") and checks partials.
Status LoadTemplates(tmpl::TemplateSet& set);

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_APP_H_
