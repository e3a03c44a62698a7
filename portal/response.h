// A response as handlers build it. The server adds the security headers
// (security_headers.h) to every response on the way out.
#ifndef LATCHKEY_PORTAL_RESPONSE_H_
#define LATCHKEY_PORTAL_RESPONSE_H_

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace latchkey::portal {

// A body made while it is sent (a large export): the server asks for the
// next piece whenever the socket has room, so only one piece is in memory
// at a time. Next runs on a server thread, never on two at once; it may
// block on the database. The server destroys the stream when the response
// is done, sent in full or not (the client went away), so its destructor
// frees what it holds (a leased Services, say). Next must not throw; the
// server still catches anything and ends the response.
class BodyStream {
 public:
  enum class Step { kMore, kDone, kFailed };
  virtual ~BodyStream() = default;
  // Appends the next piece to `out` (it may append nothing and return
  // kMore). kDone: nothing more to send (anything appended is still
  // sent). kFailed: the body cannot be completed; the connection is closed
  // so the client sees a cut answer, not a complete-looking one.
  virtual Step Next(std::string& out) = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "text/html; charset=utf-8";
  std::string body;
  // Bytes that live as long as the process (embedded assets): sent without
  // a copy instead of `body` when non-empty.
  std::string_view static_body;
  // A streamed body (sent chunked, without Content-Length) instead of
  // `body` when set.
  std::shared_ptr<BodyStream> stream;
  std::vector<std::pair<std::string, std::string>> headers;
  // Cache-Control: no-store (pages and API answers: they carry personal
  // data or CSRF tokens). Static assets set it false and their own
  // Cache-Control.
  bool no_store = true;

  static Response Html(std::string body, int status = 200);
  static Response Json(const nlohmann::json& value, int status = 200);
  static Response Text(std::string body, int status = 200);
  // 303 See Other (so a POST is followed by a GET).
  static Response Redirect(std::string_view location);
  // 204, no body.
  static Response NoContent();

  Response& Header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

// The standard error body of the API:
// {"error": code, "message": text, "fields": {...}}.
nlohmann::json ApiErrorBody(std::string_view code, std::string_view message,
                            const nlohmann::json& fields = nullptr);

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_RESPONSE_H_
