#include "portal/app.h"

#include "portal/assets.h"

namespace latchkey::portal {
namespace {

// Jobs waiting for the after-answer thread; more are refused (503).
constexpr size_t kAfterAnswerQueue = 256;

}  // namespace

Status LoadTemplates(tmpl::TemplateSet& set) {
  constexpr std::string_view kDir = "templates/";
  constexpr std::string_view kExt = ".html";
  for (const EmbeddedFile& f : EmbeddedFiles()) {
    if (f.path.rfind(kDir, 0) != 0 ||
        f.path.size() <= kDir.size() + kExt.size() ||
        f.path.substr(f.path.size() - kExt.size()) != kExt) {
      continue;
    }
    const std::string_view name =
        f.path.substr(kDir.size(), f.path.size() - kDir.size() - kExt.size());
    LK_RETURN_IF_ERROR(set.Add(name, f.data));
  }
  return set.Check();
}

bool App::MayReadMetrics(std::string_view client_ip,
                         std::string_view authorization) const {
  if (const std::optional<IpBytes> ip = ParseIp(client_ip)) {
    if (metrics_allow_.Contains(*ip)) return true;
  }
  constexpr std::string_view kBearer = "Bearer ";
  if (!metrics_token_ || !authorization.starts_with(kBearer)) return false;
  return ConstantTimeEquals(authorization.substr(kBearer.size()),
                            metrics_token_->view());
}

App::~App() {
  // Workers hold leases: stop them before the pool goes.
  if (kdf_) kdf_->Shutdown();
  if (after_answer_) after_answer_->Shutdown();
}

Result<std::unique_ptr<App>> App::Create(const Config& config,
                                         const AppOptions& options) {
  std::unique_ptr<App> app(new App());
  app->config_ = config;
  Result<Secret> key = ReadSecretKey(config.security.secret_key_file);
  if (!key.ok()) {
    return FailedPrecondition("the portal needs the secret key file " +
                              config.security.secret_key_file + " (" +
                              key.status().message() +
                              "): run latchkeyctl gen-key");
  }
  // The portal's MACs are keyed from a key of its own, which PAM hosts do
  // not hold, so a host cannot forge them.
  Result<Secret> portal_key = ReadSecretKey(config.portal.secret_key_file);
  if (!portal_key.ok()) {
    return FailedPrecondition(
        "the portal needs its own key file [portal] secret_key_file " +
        config.portal.secret_key_file + " (" + portal_key.status().message() +
        "): run latchkeyctl gen-key --portal");
  }
  if (ConstantTimeEquals(portal_key->view(), key->view())) {
    return FailedPrecondition(
        "[portal] secret_key_file must hold another key than [security] "
        "secret_key_file, which PAM hosts hold: run latchkeyctl gen-key "
        "--portal");
  }
  LK_ASSIGN_OR_RETURN(MacKey csrf_key,
                      MacKey::Derive(*portal_key, CsrfTokens::kLabel));
  app->csrf_ = std::make_unique<CsrfTokens>(std::move(csrf_key));
  LK_ASSIGN_OR_RETURN(app->proxies_,
                      ProxyList::Parse(config.portal.trusted_proxies));
  LK_ASSIGN_OR_RETURN(app->metrics_allow_,
                      ProxyList::Parse(config.portal.metrics_allow));
  if (!config.portal.metrics_token_file.empty()) {
    Result<Secret> token =
        ReadSecretFile(config.portal.metrics_token_file, true);
    if (!token.ok()) return token.status();
    if (token->empty()) {
      return InvalidArgument(config.portal.metrics_token_file +
                             ": [portal] metrics_token_file is empty");
    }
    app->metrics_token_ = std::move(*token);
  }
  LK_RETURN_IF_ERROR(LoadTemplates(app->templates_));
  const std::span<const Route> table = AllRoutes();
  app->routes_.assign(table.begin(), table.end());
  const uint64_t avatar = config.portal.avatar_max_bytes;
  for (Route& r : app->routes_) {
    if (r.max_file == kAvatarLimit) r.max_file = avatar;
    if (r.max_body == kAvatarLimit) r.max_body = avatar + kUploadOverhead;
  }
  const std::string bad_route = CheckRoutes(app->routes_);
  if (!bad_route.empty()) return Internal("route table: " + bad_route);

  std::vector<std::string> labels;
  for (const Route& r : app->routes_) labels.emplace_back(r.pattern);
  labels.emplace_back("unmatched");
  app->metrics_ = std::make_unique<Metrics>(std::move(labels));
  SessionCache::Options cache;
  cache.ttl = config.session.cache_ttl;
  app->session_cache_ =
      std::make_unique<SessionCache>(cache, SystemClock::Shared());
  SessionCache* sc = app->session_cache_.get();
  app->metrics_->AddGauge(
      "latchkey_session_cache_entries",
      "Signed-in sessions held in memory ([session] cache_ttl).",
      [sc] { return static_cast<double>(sc->stats().entries); });
  app->metrics_->AddGauge(
      "latchkey_session_cache_hits",
      "Session lookups answered from memory since start.",
      [sc] { return static_cast<double>(sc->stats().hits); });
  app->metrics_->AddGauge(
      "latchkey_session_cache_misses",
      "Session lookups that asked the database since start.",
      [sc] { return static_cast<double>(sc->stats().misses); });
  app->metrics_->AddGauge(
      "latchkey_session_cache_clears",
      "Times a request that wrote to the database emptied the cache.",
      [sc] { return static_cast<double>(sc->stats().clears); });

  LK_ASSIGN_OR_RETURN(
      app->pool_, ServicesPool::Open(
                      config, options.http_threads + options.kdf_threads + 1));
  app->kdf_slots_ =
      std::make_unique<KdfSlots>(options.kdf_slots, options.kdf_keep_warm);
  app->pool_->LimitKdf(app->kdf_slots_.get());
  const KdfSlots* slots = app->kdf_slots_.get();
  app->metrics_->AddGauge(
      "latchkey_kdf_hashes_running", "Password hashes running now.",
      [slots] { return static_cast<double>(slots->in_use()); });
  app->metrics_->AddGauge(
      "latchkey_kdf_hashes_peak",
      "The most password hashes that ran at once since start.",
      [slots] { return static_cast<double>(slots->peak()); });
  KdfPool::Options kdf;
  kdf.threads = options.kdf_threads;
  kdf.queue_capacity = options.kdf_queue;
  app->kdf_ = std::make_unique<KdfPool>(kdf, *app->pool_);
  app->after_answer_ =
      std::make_unique<AfterAnswer>(*app->pool_, kAfterAnswerQueue);
  return app;
}

}  // namespace latchkey::portal
