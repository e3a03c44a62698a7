#include "portal/response.h"

namespace latchkey::portal {

Response Response::Html(std::string body, int status) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response Response::Json(const nlohmann::json& value, int status) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  // Replace invalid UTF-8 instead of throwing.
  r.body = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.body.push_back('\n');
  return r;
}

Response Response::Text(std::string body, int status) {
  Response r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

Response Response::Redirect(std::string_view location) {
  Response r;
  r.status = 303;
  r.content_type.clear();
  r.headers.emplace_back("Location", std::string(location));
  return r;
}

Response Response::NoContent() {
  Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

nlohmann::json ApiErrorBody(std::string_view code, std::string_view message,
                            const nlohmann::json& fields) {
  nlohmann::json body = nlohmann::json::object();
  body["error"] = code;
  body["message"] = message;
  body["fields"] = fields.is_object() ? fields : nlohmann::json::object();
  return body;
}

}  // namespace latchkey::portal
