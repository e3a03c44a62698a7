// One HTTP request as handlers see it: everything is parsed and copied out
// of libmicrohttpd before a handler runs, so handlers never touch MHD.
#ifndef LATCHKEY_PORTAL_REQUEST_H_
#define LATCHKEY_PORTAL_REQUEST_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace latchkey::portal {

enum class Method : uint8_t {
  kGet = 1,
  kHead = 2,
  kPost = 4,
  kPut = 8,
  kPatch = 16,
  kDelete = 32,
  kOptions = 64,
  kOther = 128,
};
Method ParseMethod(std::string_view name);
std::string_view MethodName(Method m);
// POST, PUT, PATCH, DELETE (and unknown methods): they need a CSRF token.
bool IsStateChanging(Method m);

// One form field (urlencoded or multipart). A file part has a filename.
struct FormField {
  std::string name;
  std::string value;
  std::string filename;
  std::string content_type;
};

// The fields of a form body, in order. Values are wiped on destruction
// (they include passwords).
class Form {
 public:
  Form() = default;
  Form(Form&&) = default;
  Form& operator=(Form&&) = default;
  ~Form();

  // The first field called `name`, or nullptr.
  const FormField* Find(std::string_view name) const;
  // Its value, or "" when absent.
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const { return Find(name) != nullptr; }
  const std::vector<FormField>& fields() const { return fields_; }
  std::vector<FormField>& mutable_fields() { return fields_; }

 private:
  std::vector<FormField> fields_;
};

using Pairs = std::vector<std::pair<std::string, std::string>>;

struct Request {
  Method method = Method::kGet;
  std::string method_name;
  std::string path;  // decoded by MHD, without the query string
  Pairs query;       // decoded query arguments
  Pairs headers;     // as sent; look up with Header()
  Pairs cookies;
  std::string content_type;  // lower-cased, without parameters
  Form form;                 // urlencoded or multipart bodies
  std::string body;          // any other body (JSON), up to the cap
  std::string client_ip;     // see client_ip.h
  std::string peer_ip;       // the socket's address
  bool is_https = false;
  std::string id;     // the request id: in its access line and any incident
  Pairs path_params;  // from route patterns such as /users/{id}

  ~Request();

  // The first value, or nullopt / "" when absent. Header names are
  // case-insensitive.
  std::optional<std::string_view> Query(std::string_view name) const;
  std::optional<std::string_view> Header(std::string_view name) const;
  std::optional<std::string_view> Cookie(std::string_view name) const;
  std::string_view Param(std::string_view name) const;
  // A form field value ("" when absent).
  std::string_view Field(std::string_view name) const { return form.Get(name); }
  // The body parsed as JSON; a discarded value (is_discarded()) when it is
  // not JSON. Never throws.
  nlohmann::json Json() const;
  bool WantsJson() const;  // an /api/ or /host/ (directory) path
};

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_REQUEST_H_
