// The route table. To add a page: write its handler in pages/<name>.cc (or
// api/<name>.cc for JSON under /api/v1/), declare it below, add one line to
// kRoutes, and put its template in templates/<name>.html.
#include "portal/route.h"

namespace latchkey::portal {

// Pages (pages/*.cc)
Response HomePage(Context& ctx);         // home.cc
Response LoginPage(Context& ctx);        // login.cc
Response LoginSubmit(Context& ctx);      // login.cc
Response LoginTotpPage(Context& ctx);    // login_totp.cc
Response LoginTotpSubmit(Context& ctx);  // login_totp.cc
Response LogoutSubmit(Context& ctx);     // logout.cc
Response ProfilePage(Context& ctx);      // profile.cc
Response StaticFile(Context& ctx);       // static_file.cc
Response HealthCheck(Context& ctx);      // healthz.cc
Response MetricsPage(Context& ctx);      // metrics.cc

Response RegisterPage(Context& ctx);          // register.cc
Response RegisterSubmit(Context& ctx);        // register.cc
Response ActivatePage(Context& ctx);          // activate.cc
Response ActivateResendPage(Context& ctx);    // activate.cc
Response ActivateResendSubmit(Context& ctx);  // activate.cc
Response ForgotPage(Context& ctx);            // forgot.cc
Response ForgotSubmit(Context& ctx);          // forgot.cc
Response ResetPage(Context& ctx);             // reset.cc
Response ResetSubmit(Context& ctx);           // reset.cc
// API (api/*.cc)
Response ApiCsrf(Context& ctx);       // csrf.cc
Response ApiLogin(Context& ctx);      // login.cc
Response ApiLoginTotp(Context& ctx);  // login.cc
Response ApiLogout(Context& ctx);     // logout.cc
Response ApiMe(Context& ctx);         // me.cc
Response ApiRegister(Context& ctx);        // register.cc
Response ApiActivate(Context& ctx);        // activate.cc
Response ApiActivateResend(Context& ctx);  // activate.cc
Response ApiForgot(Context& ctx);          // forgot.cc
Response ApiReset(Context& ctx);           // reset.cc

namespace {

// clang-format off
constexpr Route kRoutes[] = {
  // pattern             methods  handler          flags
  {"/",                  kGet,    HomePage,        kNone},
  {"/login",             kGet,    LoginPage,       kNone},
  {"/login",             kPost,   LoginSubmit,     kKdfBound},
  {"/login/totp",        kGet,    LoginTotpPage,   kNone},
  {"/login/totp",        kPost,   LoginTotpSubmit, kNone},
  {"/logout",            kPost,   LogoutSubmit,    kNeedsSession},
  {"/profile",           kGet,    ProfilePage,     kNeedsSession},
  {"/static/*",          kGet,    StaticFile,      kNone},
  {"/healthz",           kGet,    HealthCheck,     kNone},
  {"/metrics",           kGet,    MetricsPage,     kNone},
  {"/register",          kGet,    RegisterPage,    kNone},
  {"/register",          kPost,   RegisterSubmit,  kKdfBound},
  {"/activate",          kGet,    ActivatePage,    kNone},
  {"/activate/resend",   kGet,    ActivateResendPage,   kNone},
  {"/activate/resend",   kPost,   ActivateResendSubmit, kNone},
  {"/forgot",            kGet,    ForgotPage,      kNone},
  {"/forgot",            kPost,   ForgotSubmit,    kNone},
  {"/reset",             kGet,    ResetPage,       kNone},
  {"/reset",             kPost,   ResetSubmit,     kKdfBound},

  {"/api/v1/csrf",       kGet,    ApiCsrf,         kApi},
  {"/api/v1/login",      kPost,   ApiLogin,        kApi | kKdfBound},
  {"/api/v1/login/totp", kPost,   ApiLoginTotp,    kApi},
  {"/api/v1/logout",     kPost,   ApiLogout,       kApi | kNeedsSession},
  {"/api/v1/me",         kGet,    ApiMe,           kApi | kNeedsSession},
  {"/api/v1/register",   kPost,   ApiRegister,     kApi | kKdfBound},
  {"/api/v1/activate",   kPost,   ApiActivate,     kApi},
  {"/api/v1/activate/resend", kPost, ApiActivateResend, kApi},
  {"/api/v1/forgot",     kPost,   ApiForgot,       kApi},
  {"/api/v1/reset",      kPost,   ApiReset,        kApi | kKdfBound},
};
// clang-format on

}  // namespace

std::span<const Route> AllRoutes() { return kRoutes; }

}  // namespace latchkey::portal
