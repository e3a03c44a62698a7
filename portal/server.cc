#include "portal/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>

#include "latchkey/auth/lockout_store.h"
#include "latchkey/base/secret.h"
#include "portal/body_text.h"
#include "portal/client_ip.h"
#include "portal/dispatch.h"
#include "portal/log.h"
#include "portal/route.h"

namespace latchkey::portal {
namespace {

constexpr char kCsp[] =
    "default-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
// A chunked body may run past the cap while we wait for its end to answer
// 413; past this much more we hang up instead.
constexpr uint64_t kDiscardSlack = 1024 * 1024;
constexpr size_t kPostBuffer = 1024;

struct RequestState {
  Server* server = nullptr;
  MHD_Connection* conn = nullptr;
  std::chrono::steady_clock::time_point start;
  Request req;
  RouteMatch match;
  size_t metric_index = 0;
  MHD_PostProcessor* pp = nullptr;
  uint64_t cap = kDefaultMaxBody;
  uint64_t body_bytes = 0;
  bool too_large = false;
  bool urlencoded = false;         // req.body is a form to decode in Finish
  const char* bad_body = nullptr;  // why the body is refused (400)
  std::optional<Response> ready;   // answered by a KDF worker
  bool worker_failed = false;
  int status = 0;

  ~RequestState() {
    if (pp != nullptr) MHD_destroy_post_processor(pp);
  }
};

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

MHD_Result CollectPair(void* cls, MHD_ValueKind /*kind*/, const char* key,
                       size_t key_size, const char* value, size_t value_size) {
  auto* pairs = static_cast<Pairs*>(cls);
  pairs->emplace_back(
      std::string(key, key_size),
      value == nullptr ? std::string() : std::string(value, value_size));
  return MHD_YES;
}

std::string PeerAddress(MHD_Connection* conn) {
  const MHD_ConnectionInfo* info =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (info == nullptr || info->client_addr == nullptr) return {};
  char buf[INET6_ADDRSTRLEN] = "";
  const sockaddr* sa = info->client_addr;
  if (sa->sa_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr,
                buf, sizeof buf);
  } else if (sa->sa_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr,
                buf, sizeof buf);
  }
  return buf;
}

std::string MainContentType(std::string_view header) {
  const size_t semi = header.find(';');
  std::string_view main = header.substr(0, semi);
  while (!main.empty() && main.back() == ' ') main.remove_suffix(1);
  while (!main.empty() && main.front() == ' ') main.remove_prefix(1);
  std::string out(main);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return out;
}

MHD_Result OnPostData(void* cls, MHD_ValueKind /*kind*/, const char* key,
                      const char* filename, const char* content_type,
                      const char* /*transfer_encoding*/, const char* data,
                      uint64_t off, size_t size) {
  auto* st = static_cast<RequestState*>(cls);
  try {
    const ServerLimits& limits = st->server->limits();
    std::vector<FormField>& fields = st->req.form.mutable_fields();
    const bool is_file = filename != nullptr;
    if (is_file && st->match.route->max_file == 0) {
      st->bad_body = "This form does not take file uploads.";
      return MHD_NO;
    }
    if (off == 0 || fields.empty() || fields.back().name != key) {
      if (fields.size() >= limits.max_form_fields) {
        st->too_large = true;
        return MHD_NO;
      }
      FormField f;
      f.name = key;
      if (is_file) f.filename = filename;
      if (content_type != nullptr) f.content_type = content_type;
      fields.push_back(std::move(f));
    }
    FormField& f = fields.back();
    const uint64_t limit =
        is_file ? st->match.route->max_file : limits.max_field_bytes;
    if (f.value.size() + size > limit) {
      st->too_large = true;
      return MHD_NO;
    }
    f.value.append(data, size);
    return MHD_YES;
  } catch (...) {
    st->bad_body = "The form could not be read.";
    return MHD_NO;
  }
}

void AddHeader(MHD_Response* r, const char* name, const std::string& value) {
  // MHD refuses values with CR or LF; such a header is dropped.
  (void)MHD_add_response_header(r, name, value.c_str());
}

// Retry-After for a 503 that did not say when (a door's verdict such as
// "sign-in unavailable"): every 503 tells the client to come back.
constexpr char kDefaultRetryAfter[] = "5";

// A streamed body (Response::stream) as libmicrohttpd reads it: the piece
// made last and how much of it was sent. Freed by StreamFree.
struct StreamState {
  std::shared_ptr<BodyStream> stream;
  std::string piece;
  size_t sent = 0;
  bool done = false;
};

constexpr size_t kStreamBlock = 32 * 1024;

// MHD_ContentReaderCallback. Never returns 0: with the internal polling
// threads that would mean "ask again at once", a busy loop.
ssize_t StreamRead(void* cls, uint64_t /*pos*/, char* buf,
                   size_t max) noexcept {
  auto* st = static_cast<StreamState*>(cls);
  try {
    while (st->sent == st->piece.size()) {
      if (st->done) return MHD_CONTENT_READER_END_OF_STREAM;
      st->piece.clear();
      st->sent = 0;
      switch (st->stream->Next(st->piece)) {
        case BodyStream::Step::kMore:
          break;
        case BodyStream::Step::kDone:
          st->done = true;
          break;
        case BodyStream::Step::kFailed:
          return MHD_CONTENT_READER_END_WITH_ERROR;
      }
    }
    const size_t n = std::min(max, st->piece.size() - st->sent);
    std::memcpy(buf, st->piece.data() + st->sent, n);
    st->sent += n;
    return static_cast<ssize_t>(n);
  } catch (...) {
    return MHD_CONTENT_READER_END_WITH_ERROR;
  }
}

// MHD_ContentReaderFreeCallback: the response is done with the stream.
void StreamFree(void* cls) noexcept {
  try {
    delete static_cast<StreamState*>(cls);
  } catch (...) {
  }
}

bool HasHeader(const Response& response, std::string_view name) {
  for (const auto& [k, v] : response.headers) {
    if (EqualsNoCase(k, name)) return true;
  }
  return false;
}

MHD_Result Send(RequestState& st, Response response) {
  AddSecurityHeaders(response, st.req.is_https);
  if (response.status == 503 && !HasHeader(response, "Retry-After")) {
    response.Header("Retry-After", kDefaultRetryAfter);
  }
  MHD_Response* r = nullptr;
  if (response.stream) {
    auto stream = std::make_unique<StreamState>();
    stream->stream = std::move(response.stream);
    r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, kStreamBlock,
                                          StreamRead, stream.get(), StreamFree);
    // On success the response owns it (StreamFree); on failure MHD never
    // calls StreamFree, and the unique_ptr frees it here.
    if (r != nullptr) stream.release();
  } else if (!response.static_body.empty()) {
    r = MHD_create_response_from_buffer(
        response.static_body.size(),
        const_cast<char*>(response.static_body.data()), MHD_RESPMEM_PERSISTENT);
  } else {
    r = MHD_create_response_from_buffer(
        response.body.size(), response.body.data(), MHD_RESPMEM_MUST_COPY);
  }
  if (r == nullptr) return MHD_NO;
  if (!response.content_type.empty()) {
    AddHeader(r, MHD_HTTP_HEADER_CONTENT_TYPE, response.content_type);
  }
  for (const auto& [name, value] : response.headers) {
    AddHeader(r, name.c_str(), value);
  }
  st.status = response.status;
  const MHD_Result ok =
      MHD_queue_response(st.conn, static_cast<unsigned>(response.status), r);
  MHD_destroy_response(r);
  return ok;
}

// Fills the request from MHD, matches the route and sets the body limits.
// Returns a response to send at once (404, 405, 413 by Content-Length).
std::optional<Response> Begin(RequestState& st, const char* url,
                              const char* method) {
  Server& server = *st.server;
  App& app = server.app();
  Request& req = st.req;
  req.method_name = method;
  req.method = ParseMethod(req.method_name);
  req.path = url;
  MHD_get_connection_values_n(st.conn, MHD_HEADER_KIND, CollectPair,
                              &req.headers);
  MHD_get_connection_values_n(st.conn, MHD_COOKIE_KIND, CollectPair,
                              &req.cookies);
  MHD_get_connection_values_n(st.conn, MHD_GET_ARGUMENT_KIND, CollectPair,
                              &req.query);
  req.content_type = MainContentType(req.Header("Content-Type").value_or(""));

  std::vector<std::string_view> forwarded_for;
  for (const auto& [k, v] : req.headers) {
    if (EqualsNoCase(k, "X-Forwarded-For")) forwarded_for.push_back(v);
  }
  req.peer_ip = PeerAddress(st.conn);
  const ClientInfo client = ResolveClient(
      req.peer_ip, server.tls(), forwarded_for,
      req.Header("X-Forwarded-Proto").value_or(""), app.trusted_proxies());
  req.client_ip = client.ip;
  req.is_https = client.is_https;

  st.match = MatchRoute(server.routes(), req.method, req.path);
  st.metric_index = st.match.kind == RouteMatch::kFound
                        ? st.match.index
                        : server.routes().size();
  if (st.match.kind == RouteMatch::kNotFound) {
    return NotFoundResponse(app, req);
  }
  if (st.match.kind == RouteMatch::kWrongMethod) {
    return MethodNotAllowedResponse(app, req, st.match.allow);
  }
  req.path_params = st.match.params;
  const Route& route = *st.match.route;
  st.cap = route.max_body != 0 ? route.max_body : kDefaultMaxBody;
  if (const auto length = req.Header("Content-Length")) {
    uint64_t n = 0;
    auto [end, ec] =
        std::from_chars(length->data(), length->data() + length->size(), n);
    if (ec != std::errc() || end != length->data() + length->size()) {
      return BadRequestResponse(app, req, "Bad Content-Length.");
    }
    if (n > st.cap) return TooLargeResponse(app, req);
  }
  // Urlencoded bodies are collected and decoded in Finish (body_text.h);
  // multipart ones go through MHD's post processor.
  st.urlencoded = IsStateChanging(req.method) &&
                  req.content_type == "application/x-www-form-urlencoded";
  if (IsStateChanging(req.method) &&
      req.content_type == "multipart/form-data") {
    st.pp = MHD_create_post_processor(st.conn, kPostBuffer, OnPostData, &st);
    if (st.pp == nullptr) st.bad_body = "The form could not be read.";
  }
  return std::nullopt;
}

// Takes a piece of the body. False: hang up.
bool Feed(RequestState& st, const char* data, size_t size) {
  st.body_bytes += size;
  if (st.body_bytes > st.cap) st.too_large = true;
  if (st.too_large || st.bad_body != nullptr) {
    return st.body_bytes <= st.cap + kDiscardSlack;
  }
  if (st.pp != nullptr) {
    if (MHD_post_process(st.pp, data, size) != MHD_YES && !st.too_large &&
        st.bad_body == nullptr) {
      st.bad_body = "The form could not be read.";
    }
  } else if (IsStateChanging(st.req.method)) {
    st.req.body.append(data, size);
  }
  return true;
}

// The route's handler, through the listener's own dispatcher if it has one.
Response DispatchFor(RequestState& st, Services* services) noexcept {
  App& app = st.server->app();
  if (RouteSet* set = st.server->route_set()) {
    return set->Dispatch(app, st.req, st.match.index, services);
  }
  return Dispatch(app, st.req, *st.match.route, services);
}

void ResumeWith(RequestState* st, Response response) noexcept {
  MHD_Connection* conn = st->conn;
  try {
    st->ready = std::move(response);
  } catch (...) {
    st->worker_failed = true;
  }
  // After this, MHD may finish and free the request at any moment.
  MHD_resume_connection(conn);
}

// Whose share of the KDF queue a request uses: its address, or for IPv6
// its /64, which one subscriber usually holds whole. The core's IpKey
// writes addresses that way; the queue keeps /64 whatever the lockout's
// ip_prefix_v6, since it only spreads the queue.
std::string KdfClient(const std::string& ip) { return IpKey(ip, 64); }

MHD_Result RunOnKdfPool(RequestState& st) {
  App& app = st.server->app();
  RequestState* p = &st;
  MHD_suspend_connection(st.conn);
  const bool queued = app.kdf().Submit(
      [p](Services& services) { ResumeWith(p, DispatchFor(*p, &services)); },
      [p, &app](KdfPool::Rejection why) {
        app.metrics().CountKdfRejected(why == KdfPool::Rejection::kTooSlow);
        Response busy;
        try {
          busy = BusyResponse(app, p->req);
        } catch (...) {
          busy.status = 503;
        }
        ResumeWith(p, std::move(busy));
      },
      KdfClient(st.req.client_ip));
  if (!queued) {
    app.metrics().CountKdfRejected(false);
    ResumeWith(p, BusyResponse(app, st.req));
  }
  return MHD_YES;
}

MHD_Result Finish(RequestState& st) {
  App& app = st.server->app();
  if (st.pp != nullptr) {
    // Destroying the post processor delivers a last urlencoded value that
    // no '&' ended; MHD_NO means the body stopped mid-form.
    const MHD_Result complete = MHD_destroy_post_processor(st.pp);
    st.pp = nullptr;
    if (complete != MHD_YES && !st.too_large && st.bad_body == nullptr) {
      st.bad_body = "The form could not be read.";
    }
  }
  const Route& route = *st.match.route;
  if (st.urlencoded && !st.too_large && st.bad_body == nullptr) {
    const ServerLimits& limits = st.server->limits();
    if (DecodeUrlEncoded(st.req.body, limits.max_form_fields,
                         limits.max_field_bytes,
                         st.req.form) != FormDecode::kOk) {
      st.too_large = true;
    }
    WipeString(st.req.body);
    st.req.body.clear();
  }
  if (st.too_large) return Send(st, TooLargeResponse(app, st.req));
  if (st.bad_body != nullptr) {
    return Send(st, BadRequestResponse(app, st.req, st.bad_body));
  }
  // Text only, before any handler: a field that is not UTF-8 or holds a
  // NUL is refused here, naming it.
  std::optional<std::string> not_text = FirstNonTextField(st.req.form);
  if (!not_text && (route.flags & kApi) != 0 && route.max_file == 0 &&
      !st.req.body.empty()) {
    not_text = FirstNonTextMember(st.req.body);
  }
  if (not_text) return Send(st, NotTextResponse(app, st.req, *not_text));
  if ((route.flags & kKdfBound) != 0) return RunOnKdfPool(st);
  return Send(st, DispatchFor(st, nullptr));
}

// After an exception in a callback: a 500 page with an incident id if
// nothing was sent yet, else hang up.
MHD_Result AnswerFailure(Server* server, RequestState* st,
                         const char* what) noexcept {
  if (st == nullptr || st->status != 0) return MHD_NO;
  try {
    return Send(*st, InternalErrorResponse(
                         server->app(), st->req,
                         std::string("exception in the server: ") + what));
  } catch (...) {
    return MHD_NO;
  }
}

MHD_Result OnRequest(void* cls, MHD_Connection* conn, const char* url,
                     const char* method, const char* /*version*/,
                     const char* upload_data, size_t* upload_data_size,
                     void** req_cls) {
  auto* server = static_cast<Server*>(cls);
  auto* st = static_cast<RequestState*>(*req_cls);
  try {
    if (st == nullptr) {
      auto fresh = std::make_unique<RequestState>();
      fresh->server = server;
      fresh->conn = conn;
      fresh->start = std::chrono::steady_clock::now();
      fresh->req.id = NewRequestId();
      st = fresh.get();
      *req_cls = fresh.release();  // freed in OnCompleted
      std::optional<Response> early = Begin(*st, url, method);
      if (early) return Send(*st, std::move(*early));
      return MHD_YES;
    }
    if (*upload_data_size > 0) {
      const bool keep = Feed(*st, upload_data, *upload_data_size);
      *upload_data_size = 0;
      return keep ? MHD_YES : MHD_NO;
    }
    if (st->ready) {
      Response r = std::move(*st->ready);
      st->ready.reset();
      return Send(*st, std::move(r));
    }
    if (st->worker_failed) {
      return Send(*st, InternalErrorResponse(server->app(), st->req,
                                             "answering from the KDF pool"));
    }
    if (st->status != 0) return MHD_YES;  // answered already
    return Finish(*st);
  } catch (const std::exception& e) {
    return AnswerFailure(server, st, e.what());
  } catch (...) {
    return AnswerFailure(server, st, "unknown exception");
  }
}

void OnCompleted(void* /*cls*/, MHD_Connection* /*conn*/, void** req_cls,
                 MHD_RequestTerminationCode /*toe*/) {
  auto* st = static_cast<RequestState*>(*req_cls);
  if (st == nullptr) return;
  *req_cls = nullptr;
  try {
    if (st->status != 0) {
      const double seconds = std::chrono::duration<double>(
                                 std::chrono::steady_clock::now() - st->start)
                                 .count();
      if (RouteSet* set = st->server->route_set()) {
        set->Observe(st->metric_index, st->status, seconds);
      } else {
        st->server->app().metrics().ObserveRequest(st->metric_index, st->status,
                                                   seconds);
      }
      const std::string_view route = st->match.kind == RouteMatch::kFound
                                         ? st->match.route->pattern
                                         : std::string_view("-");
      LogAccess(AccessPriority(st->status),
                AccessLine(MethodName(st->req.method), route, st->status,
                           seconds, st->req.id));
    }
  } catch (...) {
  }
  delete st;
}

__attribute__((format(printf, 2, 0))) void OnMhdLog(void* /*cls*/,
                                                    const char* fmt,
                                                    va_list ap) {
  char buf[512];
  va_list copy;
  va_copy(copy, ap);
  std::vsnprintf(buf, sizeof buf, fmt, copy);
  va_end(copy);
  try {
    LogLine(std::string("libmicrohttpd: ") + buf);
  } catch (...) {
  }
}

}  // namespace

void AddSecurityHeaders(Response& response, bool is_https) {
  response.Header("Content-Security-Policy", kCsp);
  response.Header("X-Frame-Options", "DENY");
  response.Header("Referrer-Policy", "no-referrer");
  response.Header("X-Content-Type-Options", "nosniff");
  if (response.no_store) response.Header("Cache-Control", "no-store");
  if (is_https) {
    response.Header("Strict-Transport-Security",
                    "max-age=31536000; includeSubDomains");
  }
}

Result<std::unique_ptr<Server>> Server::Start(App& app, ServerOptions options) {
  std::unique_ptr<Server> server(new Server(app, std::move(options)));
  const ServerOptions& o = server->options_;
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                   MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
  const bool tls = !o.tls_cert_pem.empty();
  if (tls) flags |= MHD_USE_TLS;
  // libmicrohttpd keeps pointers to the PEM text: both live in *server.
  server->key_pem_ = std::string(o.tls_key_pem.view());
  MHD_OptionItem items[] = {
      // First, so that no message goes to MHD's own logger.
      {MHD_OPTION_EXTERNAL_LOGGER, reinterpret_cast<intptr_t>(&OnMhdLog),
       nullptr},
      {MHD_OPTION_LISTEN_SOCKET, o.listen_fd, nullptr},
      {MHD_OPTION_THREAD_POOL_SIZE, static_cast<intptr_t>(o.threads), nullptr},
      {MHD_OPTION_CONNECTION_LIMIT, static_cast<intptr_t>(o.limits.connections),
       nullptr},
      {MHD_OPTION_PER_IP_CONNECTION_LIMIT,
       static_cast<intptr_t>(o.limits.per_ip), nullptr},
      {MHD_OPTION_CONNECTION_TIMEOUT,
       static_cast<intptr_t>(o.limits.timeout_seconds), nullptr},
      {MHD_OPTION_CONNECTION_MEMORY_LIMIT,
       static_cast<intptr_t>(o.limits.connection_memory), nullptr},
      {MHD_OPTION_NOTIFY_COMPLETED, reinterpret_cast<intptr_t>(&OnCompleted),
       nullptr},
      {tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0,
       const_cast<char*>(o.tls_cert_pem.c_str())},
      {tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0,
       server->key_pem_.data()},
      {MHD_OPTION_END, 0, nullptr},
  };
  server->daemon_ =
      MHD_start_daemon(flags, 0, nullptr, nullptr, &OnRequest, server.get(),
                       MHD_OPTION_ARRAY, items, MHD_OPTION_END);
  if (server->daemon_ == nullptr) {
    ::close(o.listen_fd);
    return Internal(
        "libmicrohttpd could not start (see the log above; with TLS, check "
        "the certificate and key)");
  }
  return server;
}

void Server::Stop() {
  if (daemon_ == nullptr) return;
  const MHD_socket fd = MHD_quiesce_daemon(daemon_);
  app_.kdf().Shutdown();
  MHD_stop_daemon(daemon_);
  daemon_ = nullptr;
  if (fd != MHD_INVALID_SOCKET) ::close(fd);
}

Server::~Server() {
  Stop();
  WipeString(key_pem_);
}

}  // namespace latchkey::portal
