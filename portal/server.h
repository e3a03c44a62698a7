// Server: the libmicrohttpd daemon. It turns MHD's callbacks into Request
// objects, enforces the connection and body limits, hands matched routes
// to Dispatch (on the HTTP thread, or on the KDF pool with the connection
// suspended for kKdfBound routes) and sends responses with the security
// headers. Per-request state lives in MHD's req_cls and is freed in the
// request-completed callback; no exception leaves a callback.
#ifndef LATCHKEY_PORTAL_SERVER_H_
#define LATCHKEY_PORTAL_SERVER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "latchkey/base/result.h"
#include "latchkey/base/secret.h"
#include "latchkey/services/services.h"
#include "portal/app.h"
#include "portal/response.h"

struct MHD_Daemon;

namespace latchkey::portal {

struct ServerLimits {
  unsigned connections = 4000;  // open connections in all
  // Per client address. Behind a reverse proxy every connection comes from
  // the proxy, so this is high; it stops one direct client from taking
  // every slot.
  unsigned per_ip = 1500;
  unsigned timeout_seconds = 30;  // idle connection
  // Per connection: request line + headers must fit (and the read buffer);
  // a larger header block gets 431 from libmicrohttpd.
  size_t connection_memory = 32 * 1024;
  size_t max_form_fields = 64;
  size_t max_field_bytes = 8 * 1024;  // a form field that is not a file
};

// A route table with its own dispatcher, served instead of the portal's
// (the [directory] listener, portal/directory/host_api.h): nothing of the
// portal's table is reachable through it, nor its routes through the
// portal's. Implementations are thread-safe; Dispatch never throws.
class RouteSet {
 public:
  virtual ~RouteSet() = default;
  virtual std::span<const Route> routes() const = 0;
  // Runs routes()[index] (on an HTTP thread, or a KDF worker with its
  // Services for kKdfBound routes).
  virtual Response Dispatch(App& app, const Request& request, size_t index,
                            Services* services) noexcept = 0;
  // One answered request: `index` into routes(), routes().size() for an
  // unmatched path.
  virtual void Observe(size_t index, int code, double seconds) noexcept = 0;
};

struct ServerOptions {
  int listen_fd = -1;  // a bound, listening socket (the server takes it)
  unsigned threads = 2;
  std::string tls_cert_pem;  // both set: HTTPS
  Secret tls_key_pem;
  ServerLimits limits;
  RouteSet* route_set = nullptr;  // nullptr: the portal's routes (App)
};

// The headers on every response: CSP, X-Frame-Options, Referrer-Policy,
// X-Content-Type-Options, Cache-Control no-store (if response.no_store),
// and HSTS when `is_https`.
void AddSecurityHeaders(Response& response, bool is_https);

class Server {
 public:
  // Starts serving. Errors: Internal when libmicrohttpd refuses (e.g. a
  // bad certificate or key).
  static Result<std::unique_ptr<Server>> Start(App& app, ServerOptions options);
  // Stops accepting, ends waiting logins (503), lets running ones finish,
  // then stops the daemon.
  void Stop();
  ~Server();

  App& app() { return app_; }
  const ServerLimits& limits() const { return options_.limits; }
  bool tls() const { return !options_.tls_cert_pem.empty(); }
  RouteSet* route_set() const { return options_.route_set; }
  std::span<const Route> routes() const {
    return options_.route_set != nullptr ? options_.route_set->routes()
                                         : app_.routes();
  }

 private:
  Server(App& app, ServerOptions options)
      : app_(app), options_(std::move(options)) {}

  App& app_;
  ServerOptions options_;
  std::string key_pem_;
  MHD_Daemon* daemon_ = nullptr;
};

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_SERVER_H_
